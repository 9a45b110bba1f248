#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fb_helpers.h"

#include <stdlib.h>
#include <string.h>

void tfb_init(test_fb *t, int w, int h, fb_fmt fmt)
{
    memset(t, 0, sizeof(*t));
    t->fmt = fmt;
    int bpp = fmt == FMT_565 ? 2 : 4;
    int stride = w * bpp + 12; /* padding the renderer must skip */
    t->mem = calloc((size_t)stride * (h > 0 ? h : 1) + 16, 1);
    assert_non_null(t->mem);
    t->fb = (kd_fb){.pixels = t->mem, .width = w, .height = h, .stride = stride, .bytes_pp = bpp};
    if (fmt == FMT_BGRX)
        t->fb = (kd_fb){t->mem, w, h, stride, 4, 16, 8, 0, 255, 255, 255};
    else if (fmt == FMT_RGBX)
        t->fb = (kd_fb){t->mem, w, h, stride, 4, 0, 8, 16, 255, 255, 255};
    else
        t->fb = (kd_fb){t->mem, w, h, stride, 2, 11, 5, 0, 31, 63, 31};
}

void tfb_free(test_fb *t)
{
    free(t->mem);
    t->mem = NULL;
}

void tfb_set(test_fb *t, int x, int y, uint32_t rgb)
{
    uint32_t r = rgb >> 16 & 255, g = rgb >> 8 & 255, b = rgb & 255;
    uint8_t *p = t->mem + (size_t)y * t->fb.stride + (size_t)x * t->fb.bytes_pp;
    if (t->fmt == FMT_565) {
        uint32_t w = (r * 31 + 127) / 255 << 11 | (g * 63 + 127) / 255 << 5 | (b * 31 + 127) / 255;
        p[0] = (uint8_t)w;
        p[1] = (uint8_t)(w >> 8);
        return;
    }
    uint32_t w = r << t->fb.rshift | g << t->fb.gshift | b << t->fb.bshift;
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(w >> (8 * i));
}

void tfb_fill(test_fb *t, uint32_t rgb)
{
    for (int y = 0; y < t->fb.height; y++)
        for (int x = 0; x < t->fb.width; x++)
            tfb_set(t, x, y, rgb);
}

void tterm_init(tterm *t, int rows, int cols)
{
    memset(t, 0, sizeof(*t));
    t->rows = rows;
    t->cols = cols;
    t->cells = calloc((size_t)rows * cols, sizeof(tcell));
    assert_non_null(t->cells);
    for (int i = 0; i < rows * cols; i++)
        t->cells[i].upper = t->cells[i].lower = COL_NONE;
    t->fg = t->bg = COL_NONE;
    t->cur_row = t->cur_col = -1;
}

void tterm_free(tterm *t)
{
    free(t->cells);
    t->cells = NULL;
}

const tcell *tterm_cell(const tterm *t, int row, int col)
{
    assert_true(row >= 0 && row < t->rows && col >= 0 && col < t->cols);
    return &t->cells[row * t->cols + col];
}

static void put(tterm *t, bool blank)
{
    assert_true(t->cur_row >= 0 && t->cur_row < t->rows);
    assert_true(t->cur_col >= 0 && t->cur_col < t->cols);
    tcell *c = &t->cells[t->cur_row * t->cols + t->cur_col];
    assert_true(t->bg != COL_NONE);
    if (!blank)
        assert_true(t->fg != COL_NONE);
    c->upper = blank ? t->bg : t->fg;
    c->lower = t->bg;
    c->writes++;
    t->written++;
    t->cur_col++;
}

/* One colour of an SGR list from params[*i]; advances *i. */
static void sgr_color(tterm *t, const int *p, int n, int *i)
{
    int v = p[*i];
    uint32_t *dst = (v >= 40 && v <= 49) || (v >= 100 && v <= 107) ? &t->bg : &t->fg;
    if (v == 38 || v == 48) {
        assert_true(*i + 2 < n);
        if (p[*i + 1] == 5) {
            assert_in_range(p[*i + 2], 0, 255);
            *dst = COL_INDEX | (uint32_t)p[*i + 2];
            *i += 3;
            return;
        }
        assert_int_equal(p[*i + 1], 2);
        assert_true(*i + 4 < n);
        for (int k = 2; k <= 4; k++)
            assert_in_range(p[*i + k], 0, 255);
        *dst = (uint32_t)p[*i + 2] << 16 | (uint32_t)p[*i + 3] << 8 | (uint32_t)p[*i + 4];
        *i += 5;
        return;
    }
    if (v == 39 || v == 49)
        *dst = COL_DEFAULT;
    else if (v >= 30 && v <= 37)
        *dst = COL_INDEX | (uint32_t)(v - 30);
    else if (v >= 40 && v <= 47)
        *dst = COL_INDEX | (uint32_t)(v - 40);
    else if (v >= 90 && v <= 97)
        *dst = COL_INDEX | (uint32_t)(v - 90 + 8);
    else if (v >= 100 && v <= 107)
        *dst = COL_INDEX | (uint32_t)(v - 100 + 8);
    else
        fail_msg("unexpected SGR parameter %d", v);
    *i += 1;
}

static void csi(tterm *t, const int *p, int n, bool given, char final)
{
    if (final == 'H') {
        assert_int_equal(n, 2);
        t->cur_row = p[0] - 1;
        t->cur_col = p[1] - 1;
        t->cup++;
    } else if (final == 'C') {
        t->cur_col += given ? p[0] : 1;
        t->cuf++;
    } else if (final == 'm') {
        t->sgr++;
        for (int i = 0; i < n;) {
            if (p[i] == 0) {
                t->fg = t->bg = COL_DEFAULT;
                i++;
            } else {
                sgr_color(t, p, n, &i);
            }
        }
    } else {
        fail_msg("unexpected CSI final byte '%c'", final);
    }
}

void tterm_feed(tterm *t, const char *s, size_t n)
{
    t->cup = t->cuf = t->sgr = t->written = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ') {
            put(t, true);
            i++;
        } else if (c == 0xe2) {
            assert_true(i + 2 < n);
            assert_memory_equal(s + i, "\xe2\x96\x80", 3);
            put(t, false);
            i += 3;
        } else if (c == 0x1b) {
            assert_true(i + 1 < n && s[i + 1] == '[');
            int p[32], np = 0, cur = 0;
            bool digits = false, given = false;
            for (i += 2; i < n; i++) {
                char ch = s[i];
                if (ch >= '0' && ch <= '9') {
                    cur = cur * 10 + (ch - '0');
                    digits = given = true;
                    assert_true(cur < 100000);
                } else if (ch == ';') {
                    assert_true(np < 31);
                    p[np++] = cur;
                    cur = 0;
                    digits = false;
                } else {
                    break;
                }
            }
            assert_true(i < n);
            if (digits || np > 0)
                p[np++] = cur;
            if (np == 0 && s[i] == 'm')
                p[np++] = 0;
            csi(t, p, np, given, s[i]);
            i++;
        } else {
            fail_msg("unexpected byte 0x%02x at %zu", c, i);
        }
    }
}

uint32_t xterm_rgb(int i)
{
    static const uint8_t lv[6] = {0, 95, 135, 175, 215, 255};
    if (i >= 232) {
        uint32_t g = (uint32_t)(8 + 10 * (i - 232));
        return g << 16 | g << 8 | g;
    }
    if (i >= 16) {
        i -= 16;
        return (uint32_t)lv[i / 36] << 16 | (uint32_t)lv[i / 6 % 6] << 8 | lv[i % 6];
    }
    static const uint32_t sys[16] = {0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd,
                                     0x00cdcd, 0xe5e5e5, 0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00,
                                     0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff};
    return sys[i];
}

static int b64v(char c)
{
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = strchr(a, c);
    return c && p ? (int)(p - a) : -1;
}

size_t b64_decode(const char *in, size_t n, uint8_t *out)
{
    size_t o = 0;
    assert_int_equal(n % 4, 0);
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++)
            v[k] = in[i + k] == '=' ? 0 : b64v(in[i + k]);
        for (int k = 0; k < 4; k++)
            assert_true(v[k] >= 0);
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[o++] = (uint8_t)(w >> 16);
        if (in[i + 2] != '=')
            out[o++] = (uint8_t)(w >> 8);
        if (in[i + 3] != '=')
            out[o++] = (uint8_t)w;
    }
    return o;
}
