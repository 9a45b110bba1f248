/* Terminal output of the framebuffer renderer: cursor moves, SGR colours, half blocks. */

#include "console/fb_priv.h"

#include <string.h>

#define CELL_MAX 64 /* bytes one cell can take: CUP, a full SGR, the character */

/* ---- output ----------------------------------------------------------------------------- */

static char *put_u(char *p, unsigned n)
{
    char t[12];
    int k = 0;
    do {
        t[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (k)
        *p++ = t[--k];
    return p;
}

static char *put_s(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* 0..255 without a loop: a truecolor cell has six of them. */
static char *put_u8(char *p, unsigned n)
{
    if (n >= 100) {
        unsigned h = n / 100;
        *p++ = (char)('0' + h);
        n -= h * 100;
        *p++ = (char)('0' + n / 10);
    } else if (n >= 10) {
        *p++ = (char)('0' + n / 10);
    }
    *p++ = (char)('0' + n % 10);
    return p;
}

static char *put_true(char *p, uint32_t c, bool bg)
{
    memcpy(p, bg ? "48;2;" : "38;2;", 5);
    p = put_u8(p + 5, c >> 16 & 0xff);
    *p++ = ';';
    p = put_u8(p, c >> 8 & 0xff);
    *p++ = ';';
    return put_u8(p, c & 0xff);
}

static char *put_256(char *p, uint32_t c, bool bg)
{
    return put_u8(put_s(p, bg ? "48;5;" : "38;5;"), c & 0xff);
}

static char *put_16(char *p, uint32_t c, bool bg)
{
    unsigned base = (c & 15) < 8 ? 30 : 90 - 8;
    return put_u(p, base + (bg ? 10 : 0) + (c & 15));
}

static char *(*const put_color[])(char *, uint32_t, bool) = {
    [KD_FB_COLOR_16] = put_16,
    [KD_FB_COLOR_256] = put_256,
    [KD_FB_COLOR_TRUE] = put_true,
};

static char *put_sgr_color(const kd_fb_emitter *e, char *p, uint32_t c, bool bg)
{
    if (c == KD_FB_DEFAULT)
        return put_s(p, bg ? "49" : "39");
    return put_color[e->colors](p, c, bg);
}

static char *put_move(kd_fb_emitter *e, char *p, int row, int col)
{
    if (e->row == row && e->col == col)
        return p;
    if (e->row == row && col > e->col) {
        /* Forward on the same row: CUF is shorter than CUP. */
        p = put_s(p, "\033[");
        if (col - e->col > 1)
            p = put_u(p, (unsigned)(col - e->col));
        return put_s(p, "C");
    }
    p = put_s(p, "\033[");
    p = put_u(p, (unsigned)row + 1);
    *p++ = ';';
    p = put_u(p, (unsigned)col + 1);
    return put_s(p, "H");
}

/* A cell whose halves are alike is a blank on that background: no foreground needed. */
void kd_fb_emit_cell(kd_fb_emitter *e, int row, int col, uint32_t fg, uint32_t bg)
{
    char tmp[CELL_MAX], *p = put_move(e, tmp, row, col);
    bool blank = fg == bg;
    bool need_fg = !blank && fg != e->fg, need_bg = bg != e->bg;
    if (!e->reset || need_fg || need_bg) {
        p = put_s(p, "\033[");
        if (!e->reset) {
            /* Whatever attributes were left on must not tint the picture. */
            p = put_s(p, need_fg || need_bg ? "0;" : "0");
            e->reset = true;
        }
        if (need_fg)
            p = put_sgr_color(e, p, fg, false);
        if (need_fg && need_bg)
            *p++ = ';';
        if (need_bg)
            p = put_sgr_color(e, p, bg, true);
        *p++ = 'm';
        if (need_fg)
            e->fg = fg;
        if (need_bg)
            e->bg = bg;
    }
    p = blank ? put_s(p, " ") : put_s(p, "\xe2\x96\x80");
    kd_buf_add(e->out, tmp, (size_t)(p - tmp));
    e->row = row;
    e->col = col + 1;
    e->cells++;
}
