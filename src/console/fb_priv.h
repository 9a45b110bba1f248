#ifndef KD_CONSOLE_FB_PRIV_H
#define KD_CONSOLE_FB_PRIV_H

/* Shared by the framebuffer renderer's files (fb.c, fb_pixel.c, fb_img.c). */

#include "console/fb.h"

/* Terminal colour codes kept per cell: 0xRRGGBB, or an index for 256/16 colours. */
#define KD_FB_DEFAULT 0x01000000u /* the terminal's default colour (letterbox) */
#define KD_FB_UNKNOWN 0xffffffffu /* not known to be on the terminal: always written */

/* The average colour (0xRRGGBB) of the pixels [x0,x1) x [y0,y1), reading every step-th
 * pixel of each axis; fb valid, the box non-empty and inside it. */
uint32_t kd_fb_box(const kd_fb *fb, int x0, int x1, int y0, int y1, int step);
/* The sampling step that keeps a box of len pixels to at most KD_FB_BOX_SAMPLES a side:
 * past that, reading every pixel costs time and changes little. */
#define KD_FB_BOX_SAMPLES 32
int kd_fb_step(int len);
/* 8-bit channels in a 32-bit little-endian word, read by whole words on this host. */
bool kd_fb_fast(const kd_fb *fb);
/* A memo of 16-colour dithers, keyed by colour. Zeroed means empty. */
#define KD_FB_CACHE_BITS 12
typedef struct {
    uint32_t key[1 << KD_FB_CACHE_BITS];
    uint16_t val[1 << KD_FB_CACHE_BITS];
} kd_fb_cache;
uint32_t kd_fb_map16(kd_fb_cache *cache, uint32_t rgb, int x, int y);
/* The colour code of 0xRRGGBB for the terminal's depth at half-cell x, y. */
uint32_t kd_fb_map(kd_fb_colors c, uint32_t rgb, int x, int y);

/* Where the terminal's cursor and colours are while a render writes. */
typedef struct {
    kd_buf *out;
    kd_fb_colors colors;
    int row, col; /* the cursor on the terminal; -1 unknown */
    uint32_t fg, bg;
    bool reset; /* an SGR 0 went out: attributes left by others are gone */
    size_t cells;
} kd_fb_emitter;
/* Write the cell at row, col (terminal, 0-based) with the colour codes fg (upper half) and
 * bg (lower half), moving the cursor and changing colours only as needed. */
void kd_fb_emit_cell(kd_fb_emitter *e, int row, int col, uint32_t fg, uint32_t bg);

#endif
