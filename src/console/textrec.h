#ifndef KD_CONSOLE_TEXTREC_H
#define KD_CONSOLE_TEXTREC_H

/* Text recognition on a VNC framebuffer.
 *
 * A guest in VGA text mode (QEMU: 720x400, 80x25 cells of 9x16 pixels) or on a Linux
 * framebuffer console (8x16 cells) sends its screen as pixels. The recogniser finds the
 * cell grid (cell size, and the offset of the first cell: x 0..8, y 0..15), reads
 * each cell's two colours and its 8x16 bitmap and looks the bitmap up in a font set, so
 * the UI can show real text instead of half-blocks.
 *
 * Per cell: background = the most frequent colour, foreground = the other one; a cell with
 * more than two colours is not text. The bitmap is looked up as it is, then inverted
 * (glyphs with more ink than paper, such as U+2593, read with their colours swapped). A
 * cell with a band of solid rows in its lower half over a glyph is the cursor (the glyph
 * under it is read). A bitmap no font has takes the nearest glyph only when it is close
 * and clearly closer than any other character's; otherwise the cell is "not text", and the
 * UI draws its pixels.
 *
 * Confidence is the share of non-blank cells recognised exactly; below
 * KD_TEXTREC_MIN_CONFIDENCE the screen is graphical. Updates recognise only the cells under
 * the damage. A large update is sampled first: when most of the sampled cells that are not
 * blank are no glyph, its cells are "not text" without being read, so that video costs a
 * sample per update. The grid is found again when the framebuffer's size or format
 * changes, when the confidence collapses (unless the update is a picture with nothing of
 * text), and on a graphical screen when much of it changed since the last search and the
 * sample looks like glyphs seen through another grid (a mode switch); each such search
 * that finds no text makes the next one wait longer.
 *
 * Lines that scroll off the top, and whole screens that are replaced, go to a scrollback
 * that can be searched. Scrolling is seen by comparing the screen with the one of the last
 * kd_textrec_commit: call it once a whole framebuffer update (all of its rectangles) has
 * been fed.
 *
 * The framebuffer is untrusted: its fields are checked before any pixel is read, damage
 * is clipped, and grids larger than KD_TEXTREC_MAX_ROWS x KD_TEXTREC_MAX_COLS are not
 * text. No curses, no libvirt here. */

#include "console/fb.h"
#include "console/font.h"
#include "core/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KD_TEXTREC_MAX_ROWS       256
#define KD_TEXTREC_MAX_COLS       512
#define KD_TEXTREC_MIN_CONFIDENCE 0.8
#define KD_TEXTREC_NEAR_MAX       8 /* most differing pixels a nearest match may have */

/* How a cell was read. */
typedef enum {
    KD_TEXTREC_BLANK,   /* one colour: a space */
    KD_TEXTREC_EXACT,   /* a glyph of the font set, pixel for pixel */
    KD_TEXTREC_CURSOR,  /* a glyph under the underline cursor */
    KD_TEXTREC_NEAREST, /* the nearest glyph, unambiguous */
    KD_TEXTREC_NONE,    /* not text: draw the pixels */
    KD_TEXTREC_LAST
} kd_textrec_how;

/* Colours: fg16/bg16 are the nearest of the 16 VGA colours in ANSI order (0 black, 1 red,
 * 2 green, 3 brown, 4 blue, 5 magenta, 6 cyan, 7 light grey, 8-15 their bright forms), as
 * curses numbers them; fg_rgb/bg_rgb the exact colours as 0xRRGGBB. */
typedef struct {
    uint32_t ch; /* Unicode; ' ' for a blank cell; U+FFFD when not text */
    uint8_t fg16, bg16;
    uint32_t fg_rgb, bg_rgb;
    bool text;   /* false: not text */
    uint8_t how; /* kd_textrec_how */
} kd_textrec_cell;

typedef struct kd_textrec kd_textrec;

/* fonts is borrowed and must outlive the recogniser. scrollback_lines: lines kept (0:
 * none, at most KD_VT_SCROLLBACK_MAX). */
kd_textrec *kd_textrec_new(const kd_fontset *fonts, size_t scrollback_lines);
void kd_textrec_free(kd_textrec *rec);

/* The rectangle x, y, w, h of fb changed (the whole of a new or resized fb is recognised
 * whatever the rectangle). An invalid fb empties the screen and makes it not text. */
void kd_textrec_update(kd_textrec *rec, const kd_fb *fb, int x, int y, int w, int h);
/* A whole framebuffer update has been fed: lines that scrolled off since the last commit,
 * or the old screen when it was replaced, go to the scrollback. */
void kd_textrec_commit(kd_textrec *rec);

bool kd_textrec_is_text(const kd_textrec *rec);
/* Exactly recognised share of the non-blank cells, 0..1 (1 for an all-blank screen). */
double kd_textrec_confidence(const kd_textrec *rec);
/* The grid: rows and cols (0 when there is none), cell size and the first cell's offset. */
void kd_textrec_size(const kd_textrec *rec, int *rows, int *cols);
void kd_textrec_geometry(const kd_textrec *rec, int *cell_w, int *cell_h, int *off_x, int *off_y);
/* The cell at row, col; NULL outside the grid. Valid until the next update. */
const kd_textrec_cell *kd_textrec_cell_at(const kd_textrec *rec, int row, int col);
/* The last place the cursor was seen (it blinks); false when never seen on this grid. */
bool kd_textrec_cursor(const kd_textrec *rec, int *row, int *col);
/* A screen row as UTF-8, trailing blanks trimmed; NULL outside the grid. Caller frees. */
char *kd_textrec_line(const kd_textrec *rec, int row);
/* The screen as text lines, each ended by '\n', trailing blanks and trailing empty lines
 * trimmed; nothing for a graphical screen. Appended to out. */
void kd_textrec_dump(const kd_textrec *rec, kd_buf *out);
/* Cells read since creation, the samples and the searches for a grid included: updates
 * cost in proportion to their damage, pictures their samples. */
uint64_t kd_textrec_work(const kd_textrec *rec);

/* Scrollback, oldest first, and the unified view: scrollback lines then the screen's rows,
 * as the serial console has them. Line text as kd_textrec_line; NULL out of range. */
size_t kd_textrec_scrollback_count(const kd_textrec *rec);
size_t kd_textrec_line_count(const kd_textrec *rec);
char *kd_textrec_line_text(const kd_textrec *rec, size_t line);
/* Find needle (UTF-8) in the unified view from start_line, forwards or backwards, as
 * kd_vt_search does: true with the line and the first cell's column. */
bool kd_textrec_search(const kd_textrec *rec, const char *needle, size_t start_line, bool backwards,
                       bool ignore_case, size_t *line, int *col);

#endif
