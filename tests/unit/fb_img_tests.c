/* The framebuffer renderer's image encoders (sixel, kitty) decoded back, image protocol
 * detection, and hostile framebuffers and damage. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fb_helpers.h"
#include "core/str.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Sixel ------------------------------------------------------------------------------- */

#define UNSET 0xff000000u

typedef struct {
    int w, h;
    uint32_t *px;
    uint32_t pal[256];
    int ncolors;
} simg;

static int number(const char *s, size_t n, size_t *i)
{
    int v = 0;
    assert_true(*i < n && s[*i] >= '0' && s[*i] <= '9');
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        v = v * 10 + (s[*i] - '0');
        assert_true(v < 1000000);
        (*i)++;
    }
    return v;
}

static void expect(const char *s, size_t n, size_t *i, char c)
{
    assert_true(*i < n);
    assert_int_equal(s[*i], c);
    (*i)++;
}

static void sixel_color(simg *img, const char *s, size_t n, size_t *i, int *cur)
{
    int idx = number(s, n, i);
    assert_in_range(idx, 0, 255);
    *cur = idx;
    if (*i >= n || s[*i] != ';')
        return;
    (*i)++;
    assert_int_equal(number(s, n, i), 2); /* RGB in percent */
    int c[3];
    for (int k = 0; k < 3; k++) {
        expect(s, n, i, ';');
        c[k] = number(s, n, i);
        assert_in_range(c[k], 0, 100);
    }
    img->pal[idx] = (uint32_t)(c[0] * 255 + 50) / 100 << 16 |
                    (uint32_t)(c[1] * 255 + 50) / 100 << 8 | (uint32_t)(c[2] * 255 + 50) / 100;
    img->ncolors++;
}

static void sixel_put(simg *img, int *x, int y0, int cur, char c, int count)
{
    int bits = c - '?';
    for (int r = 0; r < count; r++, (*x)++)
        for (int k = 0; k < 6; k++) {
            if (!(bits >> k & 1))
                continue;
            assert_true(*x < img->w && y0 + k < img->h);
            assert_true(img->pal[cur] != UNSET);
            img->px[(size_t)(y0 + k) * img->w + *x] = img->pal[cur];
        }
}

static void sixel_decode(const char *s, size_t n, simg *img)
{
    const char head[] = "\033P0;1;0q\"1;1;";
    assert_true(n > sizeof(head) && memcmp(s, head, sizeof(head) - 1) == 0);
    size_t i = sizeof(head) - 1;
    img->w = number(s, n, &i);
    expect(s, n, &i, ';');
    img->h = number(s, n, &i);
    img->px = malloc((size_t)img->w * img->h * sizeof(uint32_t));
    assert_non_null(img->px);
    for (int k = 0; k < img->w * img->h; k++)
        img->px[k] = UNSET;
    for (int k = 0; k < 256; k++)
        img->pal[k] = UNSET;
    img->ncolors = 0;
    int x = 0, y0 = 0, cur = -1;
    while (i < n && s[i] != '\033') {
        char c = s[i];
        if (c == '#') {
            i++;
            sixel_color(img, s, n, &i, &cur);
        } else if (c == '!') {
            i++;
            int count = number(s, n, &i);
            assert_true(i < n && s[i] >= '?' && s[i] <= '~');
            sixel_put(img, &x, y0, cur, s[i++], count);
        } else if (c == '$') {
            x = 0;
            i++;
        } else if (c == '-') {
            x = 0;
            y0 += 6;
            i++;
        } else {
            assert_true(c >= '?' && c <= '~');
            sixel_put(img, &x, y0, cur, c, 1);
            i++;
        }
    }
    assert_int_equal(n - i, 2);
    assert_memory_equal(s + i, "\033\\", 2);
    for (int k = 0; k < img->w * img->h; k++)
        assert_int_not_equal(img->px[k], UNSET);
}

/* What the 6x7x6 cube and percent palette make of a colour. */
static uint32_t sixel_expect(uint32_t rgb)
{
    const int levels[3] = {5, 6, 5};
    uint32_t out = 0;
    for (int k = 0; k < 3; k++) {
        int v = (int)(rgb >> (16 - 8 * k) & 255);
        int q = (v * levels[k] + 127) / 255;
        int pct = (q * 100 + levels[k] / 2) / levels[k];
        out |= (uint32_t)(pct * 255 + 50) / 100 << (16 - 8 * k);
    }
    return out;
}

static void test_sixel_roundtrip(void **state)
{
    (void)state;
    test_fb t;
    tfb_init(&t, 13, 8, FMT_BGRX); /* two bands, the second short */
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 13; x++)
            tfb_set(&t, x, y, (uint32_t)(x * 19) << 16 | (uint32_t)(y * 33) << 8 | (x * y * 3));
    kd_buf b;
    kd_buf_init(&b);
    assert_int_equal(kd_fb_sixel(&t.fb, 13, 8, &b), 0);
    simg img;
    sixel_decode(b.data, b.len, &img);
    assert_int_equal(img.w, 13);
    assert_int_equal(img.h, 8);
    assert_true(img.ncolors <= 256);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 13; x++) {
            uint32_t orig = kd_fb_pixel(&t.fb, x, y), got = img.px[y * 13 + x];
            assert_int_equal(got, sixel_expect(orig));
            for (int k = 0; k < 24; k += 8) {
                int d = (int)(got >> k & 255) - (int)(orig >> k & 255);
                assert_true(d >= -28 && d <= 28);
            }
        }
    free(img.px);
    kd_buf_free(&b);
    tfb_free(&t);
}

static void test_sixel_scaled_and_rle(void **state)
{
    (void)state;
    test_fb t;
    tfb_init(&t, 200, 12, FMT_RGBX);
    for (int y = 0; y < 12; y++)
        for (int x = 0; x < 200; x++)
            tfb_set(&t, x, y, x < 100 ? 0xff0000 : 0x0000ff);
    kd_buf b;
    kd_buf_init(&b);
    assert_int_equal(kd_fb_sixel(&t.fb, 100, 6, &b), 0);
    simg img;
    sixel_decode(b.data, b.len, &img);
    assert_int_equal(img.w, 100);
    assert_int_equal(img.h, 6);
    assert_int_equal(img.px[0], 0xff0000);
    assert_int_equal(img.px[99], 0x0000ff);
    assert_int_equal(img.ncolors, 2);
    /* Runs are counted: one band of two colours is a few dozen bytes, not hundreds. */
    assert_non_null(strstr(b.data, "!50~"));
    assert_true(b.len < 80);
    free(img.px);
    /* Sizes out of range write nothing. */
    size_t len = b.len;
    assert_int_equal(kd_fb_sixel(&t.fb, 0, 6, &b), -1);
    assert_int_equal(kd_fb_sixel(&t.fb, 10, KD_FB_MAX_H + 1, &b), -1);
    assert_int_equal(kd_fb_sixel(&t.fb, 8000, 8000, &b), -1);
    assert_int_equal(b.len, len);
    kd_buf_free(&b);
    tfb_free(&t);
}

/* --- Kitty ------------------------------------------------------------------------------- */

/* The value of key in a control list "a=T,f=24,..."; -1 when absent. */
static long key_value(const char *ctl, size_t n, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && ctl[e] != ',')
            e++;
        if (e - i > kl && memcmp(ctl + i, key, kl) == 0 && ctl[i + kl] == '=') {
            if (ctl[i + kl + 1] == 'T')
                return 'T';
            return strtol(ctl + i + kl + 1, NULL, 10);
        }
        i = e + 1;
    }
    return -1;
}

/* Decode kitty chunks; returns the RGB bytes (caller frees) and the first control list. */
static uint8_t *kitty_decode(const char *s, size_t n, size_t *raw_len, char *first, int *chunks)
{
    uint8_t *raw = malloc(n);
    assert_non_null(raw);
    *raw_len = 0;
    *chunks = 0;
    size_t i = 0;
    bool last = false;
    while (i < n) {
        assert_false(last);
        assert_true(n - i > 3 && memcmp(s + i, "\033_G", 3) == 0);
        i += 3;
        const char *semi = memchr(s + i, ';', n - i);
        assert_non_null(semi);
        size_t cl = (size_t)(semi - (s + i));
        if (*chunks == 0) {
            assert_true(cl < 200);
            memcpy(first, s + i, cl);
            first[cl] = '\0';
        } else {
            /* Only m (and q) after the first. */
            assert_int_equal(key_value(s + i, cl, "a"), -1);
            assert_int_equal(key_value(s + i, cl, "s"), -1);
        }
        long m = key_value(s + i, cl, "m");
        assert_true(m == 0 || m == 1);
        last = m == 0;
        i += cl + 1;
        const char *end = memchr(s + i, '\033', n - i);
        assert_non_null(end);
        size_t pl = (size_t)(end - (s + i));
        assert_true(pl <= 4096);
        *raw_len += b64_decode(s + i, pl, raw + *raw_len);
        i += pl;
        assert_true(n - i >= 2 && memcmp(s + i, "\033\\", 2) == 0);
        i += 2;
        (*chunks)++;
    }
    assert_true(last);
    return raw;
}

static void test_kitty_roundtrip(void **state)
{
    (void)state;
    test_fb t;
    tfb_init(&t, 70, 40, FMT_565);
    for (int y = 0; y < 40; y++)
        for (int x = 0; x < 70; x++)
            tfb_set(&t, x, y, (uint32_t)(x * 3) << 16 | (uint32_t)(y * 6) << 8 | 0x80);
    kd_buf b;
    kd_buf_init(&b);
    assert_int_equal(kd_fb_kitty(&t.fb, 30, 9, 7, &b), 0);
    char first[256];
    size_t len;
    int chunks;
    uint8_t *raw = kitty_decode(b.data, b.len, &len, first, &chunks);
    size_t fl = strlen(first);
    assert_int_equal(key_value(first, fl, "a"), 'T');
    assert_int_equal(key_value(first, fl, "f"), 24);
    assert_int_equal(key_value(first, fl, "s"), 70);
    assert_int_equal(key_value(first, fl, "v"), 40);
    assert_int_equal(key_value(first, fl, "c"), 30);
    assert_int_equal(key_value(first, fl, "r"), 9);
    assert_int_equal(key_value(first, fl, "i"), 7);
    assert_int_equal(key_value(first, fl, "q"), 2);
    assert_int_equal(key_value(first, fl, "m"), 1);
    assert_int_equal(chunks, 3); /* 8400 bytes: 11200 in base64 */
    assert_int_equal(len, 70 * 40 * 3);
    for (int y = 0; y < 40; y++)
        for (int x = 0; x < 70; x++) {
            uint32_t px = kd_fb_pixel(&t.fb, x, y);
            const uint8_t *p = raw + ((size_t)y * 70 + x) * 3;
            assert_int_equal((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2], px);
        }
    free(raw);
    /* One small frame: one chunk, m=0 at once. */
    kd_buf_free(&b);
    test_fb one;
    tfb_init(&one, 1, 1, FMT_BGRX);
    tfb_set(&one, 0, 0, 0x102030);
    assert_int_equal(kd_fb_kitty(&one.fb, 1, 1, 1, &b), 0);
    assert_string_equal(b.data, "\033_Ga=T,f=24,s=1,v=1,c=1,r=1,i=1,q=2,m=0;ECAw\033\\");
    /* No id, no cells: refused. */
    size_t n = b.len;
    assert_int_equal(kd_fb_kitty(&one.fb, 1, 1, 0, &b), -1);
    assert_int_equal(kd_fb_kitty(&one.fb, 0, 1, 1, &b), -1);
    assert_int_equal(b.len, n);
    kd_buf_free(&b);
    tfb_free(&one);
    tfb_free(&t);
}

static void test_kitty_large_is_reduced(void **state)
{
    (void)state;
    test_fb t;
    tfb_init(&t, 2600, 1700, FMT_BGRX);
    tfb_fill(&t, 0x405060);
    kd_buf b;
    kd_buf_init(&b);
    assert_int_equal(kd_fb_kitty(&t.fb, 80, 24, 3, &b), 0);
    char first[256];
    size_t len;
    int chunks;
    uint8_t *raw = kitty_decode(b.data, b.len, &len, first, &chunks);
    assert_int_equal(key_value(first, strlen(first), "s"), 1300);
    assert_int_equal(key_value(first, strlen(first), "v"), 850);
    assert_int_equal(len, 1300 * 850 * 3);
    assert_int_equal(raw[len - 3], 0x40);
    assert_int_equal(raw[len - 1], 0x60);
    free(raw);
    kd_buf_free(&b);
    tfb_free(&t);
}

/* --- Detection --------------------------------------------------------------------------- */

static void test_detect_image(void **state)
{
    (void)state;
    assert_int_equal(kd_fb_detect_image("xterm-kitty", NULL, NULL, NULL), KD_FB_IMG_KITTY);
    assert_int_equal(kd_fb_detect_image("xterm-256color", NULL, "1", NULL), KD_FB_IMG_KITTY);
    assert_int_equal(kd_fb_detect_image("xterm-256color", "WezTerm", NULL, ""), KD_FB_IMG_KITTY);
    assert_int_equal(kd_fb_detect_image("foot", NULL, NULL, "auto"), KD_FB_IMG_SIXEL);
    assert_int_equal(kd_fb_detect_image("mlterm", NULL, NULL, NULL), KD_FB_IMG_SIXEL);
    assert_int_equal(kd_fb_detect_image("xterm-256color", "iTerm.app", "", NULL), KD_FB_IMG_SIXEL);
    assert_int_equal(kd_fb_detect_image("xterm-256color", NULL, NULL, NULL), KD_FB_IMG_NONE);
    assert_int_equal(kd_fb_detect_image(NULL, NULL, NULL, NULL), KD_FB_IMG_NONE);
    /* Inside tmux the outer terminal is unknown, even with kitty's variable inherited. */
    assert_int_equal(kd_fb_detect_image("tmux-256color", NULL, "1", NULL), KD_FB_IMG_NONE);
    assert_int_equal(kd_fb_detect_image("screen", "WezTerm", NULL, NULL), KD_FB_IMG_NONE);
    /* Forced wins either way; an unknown name is the safe half-blocks. */
    assert_int_equal(kd_fb_detect_image("tmux", NULL, NULL, "sixel"), KD_FB_IMG_SIXEL);
    assert_int_equal(kd_fb_detect_image("dumb", NULL, NULL, "KITTY"), KD_FB_IMG_KITTY);
    assert_int_equal(kd_fb_detect_image("xterm-kitty", NULL, "1", "none"), KD_FB_IMG_NONE);
    assert_int_equal(kd_fb_detect_image("xterm-kitty", NULL, "1", "bogus"), KD_FB_IMG_NONE);
}

/* --- Hostile input ----------------------------------------------------------------------- */

static void test_invalid_fb_refused(void **state)
{
    (void)state;
    static uint8_t mem[4096];
    const kd_fb good = {mem, 4, 4, 16, 4, 16, 8, 0, 255, 255, 255};
    assert_true(kd_fb_valid(&good));
    kd_fb bad[20];
    int n = 0;
    for (int i = 0; i < 20; i++)
        bad[i] = good;
    bad[n++].pixels = NULL;
    bad[n++].width = 0;
    bad[n++].height = 0;
    bad[n++].width = -3;
    bad[n].width = KD_FB_MAX_W + 1, bad[n++].stride = (KD_FB_MAX_W + 1) * 4;
    bad[n++].height = KD_FB_MAX_H + 1;
    bad[n++].stride = 15;
    bad[n++].stride = -16;
    bad[n++].bytes_pp = 3;
    bad[n++].bytes_pp = 8;
    bad[n++].rshift = 30;
    bad[n++].gshift = -1;
    bad[n++].bmax = 100;
    bad[n++].rmax = 0;
    bad[n++].gmax = 65536;
    bad[n].bytes_pp = 2, bad[n++].rshift = 10; /* 8 bits from 10 overflow 16 */
    bad[n].stride = INT_MAX / 2, bad[n++].height = 3;
    kd_fbview *v = kd_fbview_new();
    kd_fbview_set_pane(v, 0, 0, 10, 10);
    kd_buf b;
    kd_buf_init(&b);
    for (int i = 0; i < n; i++) {
        assert_false(kd_fb_valid(&bad[i]));
        assert_int_equal(kd_fbview_render(v, &bad[i], &b), 0);
        assert_int_equal(kd_fb_sixel(&bad[i], 4, 4, &b), -1);
        assert_int_equal(kd_fb_kitty(&bad[i], 4, 4, 1, &b), -1);
        assert_int_equal(b.len, 0);
    }
    assert_false(kd_fb_valid(NULL));
    assert_int_equal(kd_fbview_render(v, NULL, &b), 0);
    assert_int_equal(kd_fbview_render(NULL, &good, &b), 0);
    assert_int_equal(kd_fbview_render(v, &good, NULL), 0);
    assert_false(kd_fbview_cell_to_fb(v, 0, 0, NULL, NULL)); /* nothing drawn yet */
    kd_buf_free(&b);
    kd_fbview_free(v);
    kd_fbview_free(NULL);
}

static void test_hostile_damage_and_shrink(void **state)
{
    (void)state;
    test_fb big, small;
    tfb_init(&big, 100, 100, FMT_BGRX);
    tfb_init(&small, 30, 50, FMT_BGRX);
    tfb_fill(&big, 0x808080);
    tfb_fill(&small, 0x204080);
    kd_fbview *v = kd_fbview_new();
    kd_fbview_set_pane(v, 2, 3, 10, 20);
    tterm term;
    tterm_init(&term, 12, 23);
    kd_buf b;
    kd_buf_init(&b);
    assert_int_equal(kd_fbview_render(v, &big.fb, &b), 200);
    tterm_feed(&term, b.data, b.len);
    /* Damage beyond any framebuffer, overflowing, negative, empty, and a storm of it. */
    kd_fbview_damage(v, INT_MIN, INT_MIN, INT_MAX, INT_MAX);
    kd_fbview_damage(v, INT_MAX, INT_MAX, INT_MAX, INT_MAX);
    kd_fbview_damage(v, 90, 90, 0, 5);
    kd_fbview_damage(v, 90, 90, -4, 5);
    for (int i = 0; i < 1000; i++)
        kd_fbview_damage(v, i % 97, i % 89, 3, 3);
    kd_fbview_damage(v, 95, 95, 50, 50);
    b.len = 0;
    assert_int_equal(kd_fbview_render(v, &big.fb, &b), 0); /* nothing changed */
    /* The framebuffer shrinks with damage pending where it no longer reaches. */
    kd_fbview_damage(v, 60, 60, 40, 40);
    b.len = 0;
    size_t n = kd_fbview_render(v, &small.fb, &b);
    tterm_feed(&term, b.data, b.len);
    assert_int_equal(n, (size_t)term.written);
    assert_true(n > 0);
    /* 30 x 50 in 20 x 20 squares: 12 columns wide, centred; the rest default. */
    assert_int_equal(tterm_cell(&term, 2 + 5, 3 + 10)->upper, 0x204080);
    assert_int_equal(tterm_cell(&term, 2 + 5, 3 + 0)->upper, COL_DEFAULT);
    assert_int_equal(tterm_cell(&term, 2 + 5, 3 + 19)->upper, COL_DEFAULT);
    /* A pane of nothing, or absurd sizes, draws nothing or is clamped. */
    kd_fbview_set_pane(v, -5, -5, 0, 0);
    b.len = 0;
    assert_int_equal(kd_fbview_render(v, &small.fb, &b), 0);
    assert_int_equal(b.len, 0);
    kd_fbview_set_pane(v, INT_MAX, INT_MAX, 3, INT_MIN);
    assert_int_equal(kd_fbview_render(v, &small.fb, &b), 0);
    kd_fbview_set_colors(v, (kd_fb_colors)42);
    kd_fbview_set_pane(v, 0, 0, 2, 2);
    assert_int_equal(kd_fbview_render(v, &small.fb, &b), 4);
    assert_null(strstr(b.data, "38;5;")); /* still truecolor */
    kd_buf_free(&b);
    tterm_free(&term);
    kd_fbview_free(v);
    tfb_free(&big);
    tfb_free(&small);
}

static void test_caps_and_extremes(void **state)
{
    (void)state;
    /* The widest and tallest frames the caps allow, into a tiny pane and a large one. */
    test_fb wide, tall;
    tfb_init(&wide, KD_FB_MAX_W, 2, FMT_BGRX);
    tfb_init(&tall, 1, KD_FB_MAX_H, FMT_565);
    tfb_fill(&wide, 0xffffff);
    tfb_fill(&tall, 0xffffff);
    kd_fbview *v = kd_fbview_new();
    kd_buf b;
    kd_buf_init(&b);
    const int panes[][2] = {{1, 1}, {KD_FB_MAX_ROWS, 7}, {3, KD_FB_MAX_COLS}};
    for (size_t p = 0; p < 3; p++) {
        kd_fbview_set_pane(v, 0, 0, panes[p][0], panes[p][1]);
        for (int zoom = 0; zoom <= KD_FB_ZOOM_MAX; zoom += KD_FB_ZOOM_MAX / 2) {
            kd_fbview_set_zoom(v, zoom);
            kd_fbview_invalidate(v);
            b.len = 0;
            assert_true(kd_fbview_render(v, &wide.fb, &b) > 0);
            kd_fbview_invalidate(v);
            b.len = 0;
            assert_true(kd_fbview_render(v, &tall.fb, &b) > 0);
        }
    }
    kd_buf_free(&b);
    kd_fbview_free(v);
    tfb_free(&wide);
    tfb_free(&tall);
}

int fb_img_tests_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sixel_roundtrip),
        cmocka_unit_test(test_sixel_scaled_and_rle),
        cmocka_unit_test(test_kitty_roundtrip),
        cmocka_unit_test(test_kitty_large_is_reduced),
        cmocka_unit_test(test_detect_image),
        cmocka_unit_test(test_invalid_fb_refused),
        cmocka_unit_test(test_hostile_damage_and_shrink),
        cmocka_unit_test(test_caps_and_extremes),
    };
    return cmocka_run_group_tests_name("fb images and hostile input", tests, NULL, NULL);
}
