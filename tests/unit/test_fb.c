#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fb_helpers.h"
#include "console/vt.h"
#include "core/str.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Render into the decoder; the returned count must match the cells decoded. */
static size_t draw(kd_fbview *v, const kd_fb *fb, tterm *t, kd_buf *keep)
{
    kd_buf b;
    kd_buf_init(&b);
    size_t n = kd_fbview_render(v, fb, &b);
    tterm_feed(t, b.data ? b.data : "", b.len);
    assert_int_equal(n, (size_t)t->written);
    if (n)
        assert_true(b.len >= 4 && memcmp(b.data + b.len - 4, "\033[0m", 4) == 0);
    else
        assert_int_equal(b.len, 0);
    if (keep) {
        kd_buf_free(keep);
        *keep = b;
    } else {
        kd_buf_free(&b);
    }
    return n;
}

static kd_fbview *view(int row, int col, int rows, int cols, kd_fb_colors c, int zoom)
{
    kd_fbview *v = kd_fbview_new();
    assert_non_null(v);
    kd_fbview_set_pane(v, row, col, rows, cols);
    kd_fbview_set_colors(v, c);
    kd_fbview_set_zoom(v, zoom);
    return v;
}

static int dist2(uint32_t a, uint32_t b)
{
    int dr = (int)(a >> 16 & 255) - (int)(b >> 16 & 255);
    int dg = (int)(a >> 8 & 255) - (int)(b >> 8 & 255);
    int db = (int)(a & 255) - (int)(b & 255);
    return dr * dr + dg * dg + db * db;
}

/* --- Colours ----------------------------------------------------------------------------- */

static void test_color_256(void **state)
{
    (void)state;
    assert_int_equal(kd_fb_color_256(255, 0, 0), 196);
    assert_int_equal(kd_fb_color_256(0, 255, 0), 46);
    assert_int_equal(kd_fb_color_256(0, 0, 255), 21);
    assert_int_equal(kd_fb_color_256(0, 0, 0), 16);
    assert_int_equal(kd_fb_color_256(255, 255, 255), 231);
    /* The grey ramp: exact levels, and greys the cube would miss by far. */
    assert_int_equal(kd_fb_color_256(8, 8, 8), 232);
    assert_int_equal(kd_fb_color_256(128, 128, 128), 244);
    assert_int_equal(kd_fb_color_256(238, 238, 238), 255);
    assert_int_equal(kd_fb_color_256(100, 100, 100), 241);
    assert_int_equal(kd_fb_color_256(95, 95, 95), 59); /* a cube entry beats the ramp's 98 */
    /* Out-of-range inputs are clamped, not wrapped. */
    assert_int_equal(kd_fb_color_256(300, -5, 0), 196);
    /* Nearest: as good as a search over the whole cube and ramp. */
    srand(7);
    for (int i = 0; i < 3000; i++) {
        uint32_t rgb = (uint32_t)rand() & 0xffffff;
        int got = kd_fb_color_256((int)(rgb >> 16), (int)(rgb >> 8 & 255), (int)(rgb & 255));
        assert_in_range(got, 16, 255);
        int best = INT_MAX;
        for (int k = 16; k < 256; k++)
            best = dist2(rgb, xterm_rgb(k)) < best ? dist2(rgb, xterm_rgb(k)) : best;
        assert_int_equal(dist2(rgb, xterm_rgb(got)), best);
    }
}

static void test_color_16_dither(void **state)
{
    (void)state;
    /* Palette colours are themselves at every position of the pattern. */
    for (int c = 0; c < 16; c++) {
        uint32_t rgb = xterm_rgb(c);
        for (int p = 0; p < 16; p++)
            assert_int_equal(kd_fb_color_16((int)(rgb >> 16), (int)(rgb >> 8 & 255),
                                            (int)(rgb & 255), p % 4, p / 4),
                             c);
    }
    /* A dark grey between black and grey 8: a mix of both over the 4x4 pattern, as much of
     * each as the grey's place between them, the same again one tile further. */
    int n8 = 0, n0 = 0;
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++) {
            int c = kd_fb_color_16(64, 64, 64, x, y);
            assert_true(c == 0 || c == 8);
            n8 += c == 8;
            n0 += c == 0;
            assert_int_equal(kd_fb_color_16(64, 64, 64, x + 4, y + 8), c);
        }
    assert_in_range(n8, 7, 9);
    assert_int_equal(n0 + n8, 16);
    /* Darker is more black. */
    int d8 = 0;
    for (int p = 0; p < 16; p++)
        d8 += kd_fb_color_16(32, 32, 32, p % 4, p / 4) == 8;
    assert_in_range(d8, 3, 5);
    /* Neighbours differ: a pattern, not bands. */
    assert_int_not_equal(kd_fb_color_16(64, 64, 64, 0, 0), kd_fb_color_16(64, 64, 64, 1, 0));
    assert_int_not_equal(kd_fb_color_16(64, 64, 64, 0, 0), kd_fb_color_16(64, 64, 64, 0, 1));
}

static void test_detect_colors(void **state)
{
    (void)state;
    assert_int_equal(kd_fb_detect_colors("truecolor", 8, false), KD_FB_COLOR_TRUE);
    assert_int_equal(kd_fb_detect_colors("24bit", 256, false), KD_FB_COLOR_TRUE);
    assert_int_equal(kd_fb_detect_colors(NULL, 256, true), KD_FB_COLOR_TRUE);
    assert_int_equal(kd_fb_detect_colors(NULL, 16777216, false), KD_FB_COLOR_TRUE);
    assert_int_equal(kd_fb_detect_colors(NULL, 256, false), KD_FB_COLOR_256);
    assert_int_equal(kd_fb_detect_colors("yes", 88, false), KD_FB_COLOR_16);
    assert_int_equal(kd_fb_detect_colors("", 8, false), KD_FB_COLOR_16);
    assert_int_equal(kd_fb_detect_colors(NULL, -1, false), KD_FB_COLOR_16);
}

/* --- Cells ------------------------------------------------------------------------------- */

static void test_halfblock_pairing(void **state)
{
    (void)state;
    test_fb t;
    tfb_init(&t, 2, 2, FMT_BGRX);
    tfb_set(&t, 0, 0, 0xff0000);
    tfb_set(&t, 1, 0, 0x00ff00);
    tfb_set(&t, 0, 1, 0x0000ff);
    tfb_set(&t, 1, 1, 0x123456);
    for (int zoom = 0; zoom <= 100; zoom += 100) {
        kd_fbview *v = view(3, 5, 1, 2, KD_FB_COLOR_TRUE, zoom);
        tterm term;
        tterm_init(&term, 6, 10);
        assert_int_equal(draw(v, &t.fb, &term, NULL), 2);
        assert_int_equal(tterm_cell(&term, 3, 5)->upper, 0xff0000);
        assert_int_equal(tterm_cell(&term, 3, 5)->lower, 0x0000ff);
        assert_int_equal(tterm_cell(&term, 3, 6)->upper, 0x00ff00);
        assert_int_equal(tterm_cell(&term, 3, 6)->lower, 0x123456);
        assert_int_equal(term.cup, 1); /* the second cell follows the first */
        tterm_free(&term);
        kd_fbview_free(v);
    }
    tfb_free(&t);
}

static void test_256_and_16_cells(void **state)
{
    (void)state;
    test_fb t;
    tfb_init(&t, 2, 2, FMT_RGBX);
    tfb_set(&t, 0, 0, 0xff0000);
    tfb_set(&t, 0, 1, 0x808080);
    tfb_set(&t, 1, 0, 0xffffff);
    kd_fbview *v = view(0, 0, 1, 2, KD_FB_COLOR_256, 100);
    tterm term;
    tterm_init(&term, 1, 2);
    draw(v, &t.fb, &term, NULL);
    assert_int_equal(tterm_cell(&term, 0, 0)->upper, COL_INDEX | 196);
    assert_int_equal(tterm_cell(&term, 0, 0)->lower, COL_INDEX | 244);
    assert_int_equal(tterm_cell(&term, 0, 1)->upper, COL_INDEX | 231);
    assert_int_equal(tterm_cell(&term, 0, 1)->lower, COL_INDEX | 16);
    kd_fbview_set_colors(v, KD_FB_COLOR_16);
    assert_int_equal(draw(v, &t.fb, &term, NULL), 2); /* a new depth writes every cell */
    assert_int_equal(tterm_cell(&term, 0, 0)->upper, COL_INDEX | 9);
    assert_int_equal(tterm_cell(&term, 0, 1)->upper, COL_INDEX | 15);
    assert_int_equal(tterm_cell(&term, 0, 1)->lower, COL_INDEX | 0);
    tterm_free(&term);
    kd_fbview_free(v);
    tfb_free(&t);
}

/* A uniform grey between two palette colours shows the Bayer pattern, cell by cell. */
static void test_16_pattern_rendered(void **state)
{
    (void)state;
    test_fb t;
    tfb_init(&t, 8, 8, FMT_BGRX);
    tfb_fill(&t, 0x404040);
    kd_fbview *v = view(0, 0, 4, 8, KD_FB_COLOR_16, 100);
    tterm term;
    tterm_init(&term, 4, 8);
    assert_int_equal(draw(v, &t.fb, &term, NULL), 32);
    int greys = 0;
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 8; c++) {
            const tcell *cell = tterm_cell(&term, r, c);
            uint32_t want_up = COL_INDEX | (uint32_t)kd_fb_color_16(64, 64, 64, c, 2 * r);
            uint32_t want_lo = COL_INDEX | (uint32_t)kd_fb_color_16(64, 64, 64, c, 2 * r + 1);
            assert_int_equal(cell->upper, want_up);
            assert_int_equal(cell->lower, want_lo);
            greys += (cell->upper == (COL_INDEX | 8)) + (cell->lower == (COL_INDEX | 8));
        }
    assert_int_equal(greys, 32); /* half of the 64 half-cells */
    tterm_free(&term);
    kd_fbview_free(v);
    tfb_free(&t);
}

static void test_damage(void **state)
{
    (void)state;
    test_fb t;
    tfb_init(&t, 64, 48, FMT_BGRX);
    for (int y = 0; y < 48; y++)
        for (int x = 0; x < 64; x++)
            tfb_set(&t, x, y, (uint32_t)(x * 4) << 16 | (uint32_t)(y * 5) << 8 | 0x40);
    /* Downscaled by 4: 16 x 12 half-cells in a 6 x 20 pane. */
    kd_fbview *v = view(0, 0, 6, 20, KD_FB_COLOR_TRUE, 0);
    tterm term;
    tterm_init(&term, 6, 20);
    assert_int_equal(draw(v, &t.fb, &term, NULL), 6 * 20);
    /* Nothing damaged, nothing written; damage without a change writes nothing either. */
    assert_int_equal(draw(v, &t.fb, &term, NULL), 0);
    kd_fbview_damage(v, 0, 0, 64, 48);
    assert_int_equal(draw(v, &t.fb, &term, NULL), 0);
    /* One pixel: one cell, at the right place, and no other cell touched. */
    tfb_set(&t, 37, 29, 0xffffff);
    kd_fbview_damage(v, 37, 29, 1, 1);
    kd_buf out;
    kd_buf_init(&out);
    assert_int_equal(draw(v, &t.fb, &term, &out), 1);
    assert_int_equal(term.cup, 1);
    assert_int_equal(term.sgr, 2); /* the colours, the reset at the end */
    /* x 37 -> half-cell 9, column 2 + 9; y 29 -> half-row 7, row 3 (lower half). */
    assert_non_null(strstr(out.data, "\033[4;12H"));
    assert_int_equal(tterm_cell(&term, 3, 11)->writes, 2);
    kd_buf_free(&out);
    /* Invalidation writes everything again. */
    kd_fbview_invalidate(v);
    assert_int_equal(draw(v, &t.fb, &term, NULL), 6 * 20);
    /* Damage is forgotten once drawn. */
    tfb_set(&t, 0, 0, 0xffffff);
    assert_int_equal(draw(v, &t.fb, &term, NULL), 0);
    tterm_free(&term);
    kd_fbview_free(v);
    tfb_free(&t);
}

static void test_motion_and_sgr(void **state)
{
    (void)state;
    test_fb t;
    tfb_init(&t, 8, 2, FMT_BGRX);
    tfb_fill(&t, 0x202020);
    kd_fbview *v = view(0, 0, 1, 8, KD_FB_COLOR_TRUE, 100);
    tterm term;
    tterm_init(&term, 1, 8);
    draw(v, &t.fb, &term, NULL);
    /* Uniform: blanks on one background, one SGR for the row and one reset. */
    assert_int_equal(term.sgr, 2);
    assert_int_equal(term.cup, 1);
    /* Cells 1 and 5 change: one CUP, a forward move over the unchanged ones. */
    tfb_set(&t, 1, 0, 0xff0000);
    tfb_set(&t, 5, 1, 0x00ff00);
    kd_fbview_damage(v, 0, 0, 8, 2);
    assert_int_equal(draw(v, &t.fb, &term, NULL), 2);
    assert_int_equal(term.cup, 1);
    assert_int_equal(term.cuf, 1);
    assert_int_equal(tterm_cell(&term, 0, 1)->upper, 0xff0000);
    assert_int_equal(tterm_cell(&term, 0, 1)->lower, 0x202020);
    assert_int_equal(tterm_cell(&term, 0, 5)->upper, 0x202020);
    assert_int_equal(tterm_cell(&term, 0, 5)->lower, 0x00ff00);
    tterm_free(&term);
    kd_fbview_free(v);
    tfb_free(&t);
}

static void test_scaling_letterbox(void **state)
{
    (void)state;
    test_fb t;
    tfb_init(&t, 1024, 768, FMT_BGRX);
    tfb_fill(&t, 0x3060a0);
    kd_fbview *v = view(1, 0, 48, 160, KD_FB_COLOR_TRUE, 0);
    tterm term;
    tterm_init(&term, 50, 160);
    assert_int_equal(draw(v, &t.fb, &term, NULL), 48 * 160);
    /* 4:3 in 160 x 96 squares: 128 x 96, centred, bars of 16 columns. */
    assert_int_equal(kd_fbview_zoom(v), 13);
    for (int r = 1; r <= 48; r++)
        for (int c = 0; c < 160; c++) {
            uint32_t want = c < 16 || c >= 144 ? COL_DEFAULT : 0x3060a0;
            assert_int_equal(tterm_cell(&term, r, c)->upper, want);
            assert_int_equal(tterm_cell(&term, r, c)->lower, want);
        }
    assert_int_equal(tterm_cell(&term, 0, 0)->upper, COL_NONE); /* outside the pane */
    int x, y;
    assert_false(kd_fbview_cell_to_fb(v, 0, 15, &x, &y));
    assert_false(kd_fbview_cell_to_fb(v, 0, 144, &x, &y));
    assert_false(kd_fbview_cell_to_fb(v, 48, 20, &x, &y));
    assert_true(kd_fbview_cell_to_fb(v, 0, 16, &x, &y));
    assert_true(x < 8 && y < 16);
    assert_true(kd_fbview_cell_to_fb(v, 47, 143, &x, &y));
    assert_true(x >= 1016 && x < 1024 && y >= 752 && y < 768);
    /* Letterbox cells are cleared once: a frame changing everywhere leaves them alone. */
    tfb_fill(&t, 0xa06030);
    kd_fbview_damage(v, 0, 0, 1024, 768);
    assert_int_equal(draw(v, &t.fb, &term, NULL), 48 * 128);
    assert_int_equal(tterm_cell(&term, 1, 0)->writes, 1);
    tterm_free(&term);
    kd_fbview_free(v);

    /* Tall: bars above and below are impossible, left and right they are. */
    test_fb tall;
    tfb_init(&tall, 100, 1000, FMT_BGRX);
    v = view(0, 0, 10, 40, KD_FB_COLOR_TRUE, 0);
    tterm_init(&term, 10, 40);
    draw(v, &tall.fb, &term, NULL);
    assert_false(kd_fbview_cell_to_fb(v, 5, 18, &x, &y));
    assert_true(kd_fbview_cell_to_fb(v, 5, 19, &x, &y));
    assert_true(kd_fbview_cell_to_fb(v, 5, 20, &x, &y));
    assert_false(kd_fbview_cell_to_fb(v, 5, 21, &x, &y));
    tterm_free(&term);
    kd_fbview_free(v);
    tfb_free(&tall);
    tfb_free(&t);
}

static void test_box_filter(void **state)
{
    (void)state;
    /* One-pixel stripes, black and white: averaging gives grey where picking a pixel would
     * give black or white. */
    test_fb t;
    tfb_init(&t, 80, 80, FMT_BGRX);
    for (int y = 0; y < 80; y++)
        for (int x = 0; x < 80; x++)
            tfb_set(&t, x, y, x % 2 ? 0xffffff : 0);
    kd_fbview *v = view(0, 0, 5, 10, KD_FB_COLOR_TRUE, 0);
    tterm term;
    tterm_init(&term, 5, 10);
    draw(v, &t.fb, &term, NULL);
    for (int r = 0; r < 5; r++)
        for (int c = 0; c < 10; c++) {
            uint32_t u = tterm_cell(&term, r, c)->upper;
            assert_in_range(u & 255, 126, 129);
            assert_int_equal(u, tterm_cell(&term, r, c)->lower);
        }
    tterm_free(&term);
    kd_fbview_free(v);
    tfb_free(&t);
}

static void test_odd_sizes(void **state)
{
    (void)state;
    test_fb t;
    tterm term;
    /* 1x1, scaled up to fill a square of the pane. */
    tfb_init(&t, 1, 1, FMT_BGRX);
    tfb_set(&t, 0, 0, 0xabcdef);
    kd_fbview *v = view(0, 0, 5, 10, KD_FB_COLOR_TRUE, 0);
    tterm_init(&term, 5, 10);
    assert_int_equal(draw(v, &t.fb, &term, NULL), 50);
    for (int r = 0; r < 5; r++)
        for (int c = 0; c < 10; c++)
            assert_int_equal(tterm_cell(&term, r, c)->lower, 0xabcdef);
    tterm_free(&term);
    kd_fbview_free(v);
    tfb_free(&t);
    /* 1 x 7 at one pixel per half-cell, centred on an even half-row (cell row 1): the odd
     * height leaves the last lower half default. */
    tfb_init(&t, 1, 7, FMT_RGBX);
    for (int y = 0; y < 7; y++)
        tfb_set(&t, 0, y, (uint32_t)(y + 1) * 0x10);
    v = view(0, 0, 6, 3, KD_FB_COLOR_TRUE, 100);
    tterm_init(&term, 6, 3);
    draw(v, &t.fb, &term, NULL);
    assert_int_equal(tterm_cell(&term, 0, 1)->upper, COL_DEFAULT);
    assert_int_equal(tterm_cell(&term, 1, 1)->upper, 0x10);
    assert_int_equal(tterm_cell(&term, 1, 1)->lower, 0x20);
    assert_int_equal(tterm_cell(&term, 4, 1)->upper, 0x70);
    assert_int_equal(tterm_cell(&term, 4, 1)->lower, COL_DEFAULT);
    assert_int_equal(tterm_cell(&term, 5, 1)->upper, COL_DEFAULT);
    assert_int_equal(tterm_cell(&term, 1, 0)->upper, COL_DEFAULT);
    int x, y;
    assert_false(kd_fbview_cell_to_fb(v, 0, 1, &x, &y));
    assert_false(kd_fbview_cell_to_fb(v, 5, 1, &x, &y));
    assert_true(kd_fbview_cell_to_fb(v, 4, 1, &x, &y));
    assert_int_equal(x, 0);
    assert_int_equal(y, 6);
    tterm_free(&term);
    kd_fbview_free(v);
    tfb_free(&t);
}

static void test_pixel_formats(void **state)
{
    (void)state;
    const fb_fmt fmts[] = {FMT_BGRX, FMT_RGBX, FMT_565};
    /* Colours 565 holds exactly. */
    const uint32_t cols[4] = {0xff0000, 0x00ff00, 0x0000ff, 0xffffff};
    for (size_t f = 0; f < 3; f++) {
        test_fb t;
        tfb_init(&t, 4, 2, fmts[f]);
        for (int x = 0; x < 4; x++) {
            tfb_set(&t, x, 0, cols[x]);
            tfb_set(&t, x, 1, cols[3 - x]);
        }
        for (int x = 0; x < 4; x++)
            assert_int_equal(kd_fb_pixel(&t.fb, x, 0), cols[x]);
        kd_fbview *v = view(0, 0, 1, 4, KD_FB_COLOR_TRUE, 100);
        tterm term;
        tterm_init(&term, 1, 4);
        draw(v, &t.fb, &term, NULL);
        for (int x = 0; x < 4; x++) {
            assert_int_equal(tterm_cell(&term, 0, x)->upper, cols[x]);
            assert_int_equal(tterm_cell(&term, 0, x)->lower, cols[3 - x]);
        }
        tterm_free(&term);
        kd_fbview_free(v);
        tfb_free(&t);
    }
    /* A mid 565 value scales to 8 bits, not left as 5. */
    test_fb t;
    tfb_init(&t, 1, 1, FMT_565);
    t.mem[0] = 0x10 << 0; /* blue 16 of 31 */
    t.mem[1] = 0;
    assert_int_equal(kd_fb_pixel(&t.fb, 0, 0), 0x000084);
    tfb_free(&t);
}

static void test_zoom_pan(void **state)
{
    (void)state;
    test_fb t;
    tfb_init(&t, 100, 100, FMT_BGRX);
    for (int y = 0; y < 100; y++)
        for (int x = 0; x < 100; x++)
            tfb_set(&t, x, y, (uint32_t)x << 16 | (uint32_t)y << 8);
    kd_fbview *v = view(0, 0, 10, 20, KD_FB_COLOR_TRUE, 100);
    tterm term;
    tterm_init(&term, 10, 20);
    draw(v, &t.fb, &term, NULL);
    assert_int_equal(tterm_cell(&term, 0, 0)->upper, 0x000000);
    assert_int_equal(tterm_cell(&term, 9, 19)->lower, 0x131300);
    kd_fbview_pan(v, 1000, INT_MAX);
    kd_fbview_pan(v, INT_MAX, 5);
    draw(v, &t.fb, &term, NULL);
    int x, y;
    assert_true(kd_fbview_cell_to_fb(v, 0, 0, &x, &y));
    assert_int_equal(x, 80);
    assert_int_equal(y, 80);
    assert_int_equal(tterm_cell(&term, 9, 19)->lower, 0x636300);
    kd_fbview_pan(v, -5, INT_MIN);
    draw(v, &t.fb, &term, NULL);
    assert_true(kd_fbview_cell_to_fb(v, 0, 0, &x, &y));
    assert_int_equal(x, 75);
    assert_int_equal(y, 0);
    /* Zoom 200: each pixel covers two half-cells each way. */
    kd_fbview_set_zoom(v, 200);
    assert_int_equal(kd_fbview_zoom(v), 200);
    draw(v, &t.fb, &term, NULL);
    assert_int_equal(tterm_cell(&term, 0, 0)->upper, tterm_cell(&term, 0, 1)->upper);
    assert_int_equal(tterm_cell(&term, 0, 0)->upper, tterm_cell(&term, 0, 0)->lower);
    kd_fbview_set_zoom(v, 1 << 30);
    assert_int_equal(kd_fbview_zoom(v), KD_FB_ZOOM_MAX);
    kd_fbview_set_zoom(v, -3);
    assert_true(kd_fbview_fit(v));
    draw(v, &t.fb, &term, NULL);
    assert_int_equal(kd_fbview_zoom(v), 20);
    /* Smaller than the pane at this zoom: centred, pan ignored. */
    kd_fbview_set_zoom(v, 10);
    draw(v, &t.fb, &term, NULL);
    assert_false(kd_fbview_cell_to_fb(v, 0, 0, &x, &y));
    assert_true(kd_fbview_cell_to_fb(v, 4, 5, &x, &y));
    tterm_free(&term);
    kd_fbview_free(v);
    tfb_free(&t);
}

/* libvterm, an independent decoder, sees the same cells. */
static void test_through_vterm(void **state)
{
    (void)state;
    test_fb t;
    tfb_init(&t, 6, 4, FMT_BGRX);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 6; x++)
            tfb_set(&t, x, y, (uint32_t)(x * 40) << 16 | (uint32_t)(y * 60) << 8 | 0x99);
    for (int depth = KD_FB_COLOR_256; depth <= KD_FB_COLOR_TRUE; depth++) {
        kd_fbview *v = view(1, 2, 2, 6, (kd_fb_colors)depth, 100);
        kd_buf b;
        kd_buf_init(&b);
        kd_fbview_render(v, &t.fb, &b);
        kd_err err = {0};
        kd_vt *vt = kd_vt_new(4, 10, 0, &err);
        assert_non_null(vt);
        kd_vt_write(vt, b.data, b.len);
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 6; c++) {
                const kd_vt_cell *cell = kd_vt_cell_at(vt, 1 + r, 2 + c);
                assert_int_equal(cell->ch[0], 0x2580);
                uint32_t up = kd_fb_pixel(&t.fb, c, 2 * r), lo = kd_fb_pixel(&t.fb, c, 2 * r + 1);
                if (depth == KD_FB_COLOR_TRUE) {
                    assert_int_equal(cell->fg.kind, KD_VT_COLOR_RGB);
                    uint32_t fg = (uint32_t)cell->fg.r << 16 | cell->fg.g << 8 | cell->fg.b;
                    uint32_t bg = (uint32_t)cell->bg.r << 16 | cell->bg.g << 8 | cell->bg.b;
                    assert_int_equal(fg, up);
                    assert_int_equal(bg, lo);
                } else {
                    assert_int_equal(cell->fg.kind, KD_VT_COLOR_INDEX);
                    assert_int_equal(
                        cell->fg.index,
                        kd_fb_color_256((int)(up >> 16), (int)(up >> 8 & 255), (int)(up & 255)));
                    assert_int_equal(
                        cell->bg.index,
                        kd_fb_color_256((int)(lo >> 16), (int)(lo >> 8 & 255), (int)(lo & 255)));
                }
                assert_int_equal(cell->attrs, 0);
            }
        kd_vt_free(vt);
        kd_buf_free(&b);
        kd_fbview_free(v);
    }
    tfb_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_color_256),
        cmocka_unit_test(test_color_16_dither),
        cmocka_unit_test(test_detect_colors),
        cmocka_unit_test(test_halfblock_pairing),
        cmocka_unit_test(test_256_and_16_cells),
        cmocka_unit_test(test_16_pattern_rendered),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_motion_and_sgr),
        cmocka_unit_test(test_scaling_letterbox),
        cmocka_unit_test(test_box_filter),
        cmocka_unit_test(test_odd_sizes),
        cmocka_unit_test(test_pixel_formats),
        cmocka_unit_test(test_zoom_pan),
        cmocka_unit_test(test_through_vterm),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + fb_img_tests_run();
}
