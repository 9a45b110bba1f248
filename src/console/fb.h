#ifndef KD_CONSOLE_FB_H
#define KD_CONSOLE_FB_H

/* The VNC framebuffer drawn on the terminal.
 *
 * A kd_fbview maps a framebuffer onto a pane of terminal cells. Each cell shows two
 * vertically stacked pixels: the upper one as the foreground of U+2580 (upper half
 * block), the lower one as the background. Rendering appends the escape sequences for
 * the cells whose colours changed to a kd_buf; the caller writes that buffer to the
 * terminal (after ncurses' doupdate, over a region ncurses believes is its own).
 *
 * The framebuffer comes from an untrusted server: every field of kd_fb is checked
 * (kd_fb_valid) before a pixel is read, and damage rectangles are clipped. A
 * framebuffer that fails the check draws nothing. The one thing that cannot be checked is
 * the buffer's length: pixels must hold stride * (height - 1) + width * bytes_pp bytes,
 * which the VNC client makes sure of when it allocates for the size it accepted.
 *
 * The output is plain bytes, no curses: absolute cursor moves (CUP) and cursor-forward
 * (CUF), SGR colours (the first one starts with 0, so attributes left on by others are
 * cleared; the output ends with SGR 0), U+2580 and blanks. The cursor is left after the
 * last cell written. Letterbox cells (around the picture) are blanks in the terminal's
 * default colours, written once. */

#include "core/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Caps on what an untrusted server may ask for. */
#define KD_FB_MAX_W 8192
#define KD_FB_MAX_H 8192

typedef struct {
    const uint8_t *pixels; /* row-major, stride bytes per row */
    int width, height, stride;
    int bytes_pp;               /* 4 (32-bit) or 2 (16-bit); little-endian words */
    int rshift, gshift, bshift; /* bit positions of the channels in the word */
    int rmax, gmax, bmax;       /* channel maxima (255 for 8-bit, 31/63 for 565) */
} kd_fb;

typedef enum { KD_FB_COLOR_16, KD_FB_COLOR_256, KD_FB_COLOR_TRUE } kd_fb_colors;

/* Limits on the pane and the zoom: beyond them the values are clamped. */
#define KD_FB_MAX_ROWS 1000
#define KD_FB_MAX_COLS 4000
#define KD_FB_MAX_POS  10000 /* of the pane's first row and column on the terminal */
#define KD_FB_ZOOM_MIN 1
#define KD_FB_ZOOM_MAX 1600

/* True when fb can be read safely: sizes 1..the caps, stride covering a row (and
 * stride * height fitting an int), bytes_pp 2 or 4, channel maxima 1..65535 of the form
 * 2^n-1 fitting in the word at their shifts, and pixels non-NULL. The one validation of
 * kd_fb: every function here calls it first. */
bool kd_fb_valid(const kd_fb *fb);

/* The framebuffer's pixel at x, y as 0xRRGGBB (channels scaled to 8 bits); fb must be
 * valid and x, y inside it. */
uint32_t kd_fb_pixel(const kd_fb *fb, int x, int y);

/* xterm's 256-colour index nearest to r, g, b (0-255 each): the nearer of the 6x6x6 cube
 * entry and the grey ramp entry (16..255; the 16 system colours are the user's to set). */
int kd_fb_color_256(int r, int g, int b);
/* One of the 16 ANSI colours (xterm's default palette) for r, g, b drawn at half-cell x, y:
 * ordered (Bayer 4x4) dithering between the nearest palette colour and the one on the
 * other side of r, g, b, so that mixes show as patterns; a palette colour stays itself. */
int kd_fb_color_16(int r, int g, int b, int x, int y);

typedef struct kd_fbview kd_fbview;

kd_fbview *kd_fbview_new(void);
void kd_fbview_free(kd_fbview *v);
/* Where the pane is on the terminal (0-based row/col) and its size in cells. */
void kd_fbview_set_pane(kd_fbview *v, int row, int col, int rows, int cols);
void kd_fbview_set_colors(kd_fbview *v, kd_fb_colors c);
/* zoom_pct 0 = fit the pane keeping the aspect ratio; else percent of "one framebuffer
 * pixel per half-cell"; pan in framebuffer pixels (clamped). A negative zoom is fit, others
 * are clamped to KD_FB_ZOOM_MIN..MAX. A picture smaller than the pane is centred and does
 * not pan; a larger one shows the part at the pan offset, clamped at the next render. */
void kd_fbview_set_zoom(kd_fbview *v, int zoom_pct);
void kd_fbview_pan(kd_fbview *v, int dx, int dy);
/* The zoom in effect: the requested percent, or in fit mode the percent the last render
 * used (0 before the first). */
int kd_fbview_zoom(const kd_fbview *v);
bool kd_fbview_fit(const kd_fbview *v);
/* The server updated this rectangle (framebuffer pixels). */
void kd_fbview_damage(kd_fbview *v, int x, int y, int w, int h);
/* The terminal was repainted: every cell is written next time. */
void kd_fbview_invalidate(kd_fbview *v);
/* Recompute the cells under the damage and append, for those whose look changed only,
 * the escape sequences that draw them (cursor moves, SGR colours, U+2580 upper half
 * block) to out. Returns the number of cells written. Resets the damage. An invalid fb
 * writes nothing and returns 0 (the damage is kept). A new pane (place or size) or depth
 * writes every cell; a new framebuffer size, zoom or pan recomputes every cell and writes
 * those that changed. */
size_t kd_fbview_render(kd_fbview *v, const kd_fb *fb, kd_buf *out);
/* A terminal cell (0-based, relative to the pane) to a framebuffer pixel, for mouse
 * events; false outside the picture. Uses the geometry of the last render. */
bool kd_fbview_cell_to_fb(const kd_fbview *v, int row, int col, int *x, int *y);

/* The colour depth a terminal offers: COLORTERM value (may be NULL), terminfo's colors,
 * whether terminfo has RGB/Tc. */
kd_fb_colors kd_fb_detect_colors(const char *colorterm, int colors, bool rgb);

/* Graphics protocols: detection from the environment (TERM, TERM_PROGRAM,
 * KITTY_WINDOW_ID...) or forced ("sixel", "kitty", "none"/"off"; NULL or "auto"
 * detects); the whole picture as one sixel image of px_w x px_h pixels, or a kitty
 * graphics protocol image placed over cols x rows cells (chunked base64, RGB, with an id
 * so a new frame replaces the old). Both are written at the cursor: the caller moves it to
 * the pane's top-left first. Sixel images are at most KD_FB_MAX_W x KD_FB_MAX_H and 16M
 * pixels; kitty frames above 2560x1600 pixels are averaged down by a whole factor first.
 * The encoders return 0, or -1 and write nothing for an invalid fb, sizes out of range
 * or an id of 0. */
typedef enum { KD_FB_IMG_NONE, KD_FB_IMG_SIXEL, KD_FB_IMG_KITTY } kd_fb_img;
kd_fb_img kd_fb_detect_image(const char *term, const char *term_program,
                             const char *kitty_window_id, const char *forced);
int kd_fb_sixel(const kd_fb *fb, int px_w, int px_h, kd_buf *out);
int kd_fb_kitty(const kd_fb *fb, int cols, int rows, unsigned id, kd_buf *out);

#endif
