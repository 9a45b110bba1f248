#ifndef KD_TESTS_FB_HELPERS_H
#define KD_TESTS_FB_HELPERS_H

/* Shared by the framebuffer renderer's unit tests: framebuffers in several pixel formats,
 * and a strict decoder of what the renderer writes (it fails the test on any byte it does
 * not expect), so that tests compare the cells a terminal would show. */

#include "console/fb.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { FMT_BGRX, FMT_RGBX, FMT_565 } fb_fmt;

typedef struct {
    kd_fb fb;
    uint8_t *mem;
    fb_fmt fmt;
} test_fb;

/* A w x h framebuffer, black, with padding at the end of each row. */
void tfb_init(test_fb *t, int w, int h, fb_fmt fmt);
void tfb_free(test_fb *t);
void tfb_set(test_fb *t, int x, int y, uint32_t rgb);
void tfb_fill(test_fb *t, uint32_t rgb);

/* Colours as the decoder saw them. */
#define COL_DEFAULT 0x01000000u
#define COL_INDEX   0x02000000u /* | index */
#define COL_NONE    0x04000000u /* never written */

typedef struct {
    uint32_t upper, lower; /* a space shows its background in both halves */
    int writes;            /* how many times the cell was written */
} tcell;

typedef struct {
    int rows, cols;
    tcell *cells;
    int cur_row, cur_col;
    uint32_t fg, bg;
    /* Counts of the last decode. */
    int cup, cuf, sgr, written;
} tterm;

void tterm_init(tterm *t, int rows, int cols);
void tterm_free(tterm *t);
/* Apply the bytes; fails the test on anything the renderer should not write. */
void tterm_feed(tterm *t, const char *s, size_t n);
const tcell *tterm_cell(const tterm *t, int row, int col);

/* The 256-colour palette as xterm defines it. */
uint32_t xterm_rgb(int index);

/* A base64 decoder for kitty's payload; returns the bytes written to out. */
size_t b64_decode(const char *in, size_t n, uint8_t *out);

/* The tests of fb_img_tests.c: sixel, kitty, image detection, hostile input. */
int fb_img_tests_run(void);

#endif
