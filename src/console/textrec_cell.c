#include "console/textrec_priv.h"

#include <string.h>

#define CELL_H        KD_FONT_ROWS
#define CELL_MAX_W    9
#define CURSOR_MAX    8 /* most solid rows taken as an underline cursor */
#define PROBE_UNIFORM 3 /* uniform rows that make a two-colour window look like text */

/* --- Pixels ------------------------------------------------------------------------------ */

uint32_t kd_textrec_px_mask(const kd_fb *fb)
{
    return (uint32_t)fb->rmax << fb->rshift | (uint32_t)fb->gmax << fb->gshift |
           (uint32_t)fb->bmax << fb->bshift;
}

static uint32_t channel(uint32_t w, int shift, int max)
{
    return (((w >> shift) & (uint32_t)max) * 255 + (uint32_t)max / 2) / (uint32_t)max;
}

static uint32_t px_rgb(const kd_fb *fb, uint32_t w)
{
    return channel(w, fb->rshift, fb->rmax) << 16 | channel(w, fb->gshift, fb->gmax) << 8 |
           channel(w, fb->bshift, fb->bmax);
}

/* The VGA's 16 colours in ANSI (curses) order. */
static const uint32_t vga16[16] = {0x000000, 0xaa0000, 0x00aa00, 0xaa5500, 0x0000aa, 0xaa00aa,
                                   0x00aaaa, 0xaaaaaa, 0x555555, 0xff5555, 0x55ff55, 0xffff55,
                                   0x5555ff, 0xff55ff, 0x55ffff, 0xffffff};

static uint8_t nearest16_search(uint32_t rgb)
{
    int best = 0;
    long best_d = -1;
    for (int i = 0; i < 16; i++) {
        long dr = (long)(rgb >> 16) - (long)(vga16[i] >> 16);
        long dg = (long)((rgb >> 8) & 0xff) - (long)((vga16[i] >> 8) & 0xff);
        long db = (long)(rgb & 0xff) - (long)(vga16[i] & 0xff);
        long d = dr * dr + dg * dg + db * db;
        if (best_d < 0 || d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return (uint8_t)best;
}

/* A screen has few colours: the last two answers are kept (per thread). */
static uint8_t nearest16(uint32_t rgb)
{
    static _Thread_local uint32_t key[2] = {0xffffffffu, 0xffffffffu};
    static _Thread_local uint8_t val[2];
    static _Thread_local int next;
    for (int i = 0; i < 2; i++)
        if (key[i] == rgb)
            return val[i];
    next ^= 1;
    key[next] = rgb;
    val[next] = nearest16_search(rgb);
    return val[next];
}

/* --- One cell ---------------------------------------------------------------------------- */

typedef struct {
    uint32_t fg, bg; /* pixel words */
    uint8_t map[CELL_H];
    int colours; /* 1, 2, or 3 for "more than two" */
} cell_pixels;

/* One row of a cell as pixel words; rows are read through one pointer, the channel mask
 * applied. */
static inline __attribute__((always_inline)) void row_words(const kd_fb *fb, uint32_t mask, int x0,
                                                            int y, int cw, uint32_t *out)
{
    const uint8_t *p = fb->pixels + (size_t)y * (size_t)fb->stride + (size_t)x0 * fb->bytes_pp;
    if (fb->bytes_pp == 2) {
        for (int x = 0; x < cw; x++, p += 2)
            out[x] = ((uint32_t)p[0] | (uint32_t)p[1] << 8) & mask;
        return;
    }
    for (int x = 0; x < cw; x++, p += 4) {
        uint32_t v;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        memcpy(&v, p, 4); /* one load: the words are little-endian, as this host */
#else
        v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
#endif
        out[x] = v & mask;
    }
}

/* A third colour in row: the cell's colours are the two first met, the more frequent up to
 * the third one the background. */
static void third_colour(const uint32_t *row, int cw, uint32_t c0, uint32_t c1, int n0, int n1,
                         cell_pixels *cp)
{
    for (int x = 0; x < cw && (row[x] == c0 || row[x] == c1); x++) {
        n0 += row[x] == c0;
        n1 += row[x] == c1;
    }
    cp->colours = 3;
    cp->bg = n1 > n0 ? c1 : c0;
    cp->fg = n1 > n0 ? c0 : c1;
}

/* Inlined with cw a constant (cell_read), so that the loops over a row are unrolled. One
 * pass: each row's pixels of the first colour c0 make its bitmap, the second colour c1 is
 * the first other one met, and any pixel of neither ends the read. */
static inline __attribute__((always_inline)) void
cell_read_w(const kd_fb *fb, uint32_t mask, int x0, int y0, int cw, cell_pixels *cp)
{
    uint32_t words[CELL_MAX_W];
    uint8_t is0[CELL_H];
    uint32_t c0 = 0, c1 = 0;
    bool two = false;
    int n0 = 0;
    for (int r = 0; r < CELL_H; r++) {
        row_words(fb, mask, x0, y0 + r, cw, words);
        if (r == 0)
            c0 = words[0];
        uint32_t diff = 0; /* rows of one colour are the common case: no branch per pixel */
        for (int x = 0; x < cw; x++)
            diff |= words[x] ^ c0;
        if (diff == 0) {
            n0 += cw;
            is0[r] = 0xff;
            continue;
        }
        if (!two) {
            for (int x = 0; x < cw && !two; x++)
                if (words[x] != c0) {
                    c1 = words[x];
                    two = true;
                }
        }
        unsigned bits = 0, other = 0;
        int n = 0;
        for (int x = 0; x < cw; x++) {
            unsigned e0 = words[x] == c0;
            n += (int)e0;
            other |= !e0 & (words[x] != c1);
            if (x < 8)
                bits = bits << 1 | e0;
        }
        if (other) {
            third_colour(words, cw, c0, c1, n0, r * cw - n0, cp);
            return;
        }
        n0 += n;
        is0[r] = (uint8_t)bits;
    }
    int n1 = CELL_H * cw - n0;
    cp->colours = two ? 2 : 1;
    cp->bg = n1 > n0 ? c1 : c0;
    cp->fg = n1 > n0 ? c0 : c1;
    if (!two) {
        cp->fg = c0; /* a blank: no bitmap to look up */
        return;
    }
    uint8_t flip = cp->fg == c0 ? 0 : 0xff; /* the bitmap is the foreground's pixels */
    for (int r = 0; r < CELL_H; r++)
        cp->map[r] = is0[r] ^ flip;
}

static void cell_read(const kd_fb *fb, uint32_t mask, int x0, int y0, int cw, cell_pixels *cp)
{
    if (cw == 9)
        cell_read_w(fb, mask, x0, y0, 9, cp);
    else if (cw == 8)
        cell_read_w(fb, mask, x0, y0, 8, cp);
    else
        cell_read_w(fb, mask, x0, y0, cw, cp);
}

static bool lookup_inverted(const kd_fontset *fonts, const uint8_t *map, uint32_t *ch)
{
    uint8_t inv[CELL_H];
    for (int r = 0; r < CELL_H; r++)
        inv[r] = (uint8_t)~map[r];
    return kd_fontset_lookup(fonts, inv, ch);
}

/* Whether glyph g matches map outside rows top .. bottom, and whether it is empty there. */
static bool glyph_under(const uint8_t *g, const uint8_t *map, int top, int bottom, bool *empty)
{
    *empty = true;
    for (int r = 0; r < CELL_H; r++) {
        if (r >= top && r <= bottom)
            *empty = *empty && g[r] == 0;
        else if (g[r] != map[r])
            return false;
    }
    return true;
}

/* An underline cursor: a band of solid rows in the lower half (QEMU draws it on the
 * scan lines the guest asked for: 13-14 for Linux), over a glyph whose other rows match.
 * The glyph with empty rows under the band is preferred (a letter, not a '_'). */
static bool lookup_cursor(const kd_fontset *fonts, const uint8_t *map, uint32_t *ch)
{
    int bottom = CELL_H - 1;
    while (bottom >= CELL_H / 2 && map[bottom] != 0xff)
        bottom--;
    int top = bottom;
    while (top > 0 && bottom - top + 1 < CURSOR_MAX && map[top - 1] == 0xff)
        top--;
    if (bottom < CELL_H / 2 || map[top] != 0xff)
        return false;
    bool found = false;
    int n = kd_fontset_glyph_count(fonts);
    for (int i = 0; i < n; i++) {
        uint32_t c;
        bool empty;
        const uint8_t *g = kd_fontset_glyph(fonts, i, &c);
        if (!glyph_under(g, map, top, bottom, &empty))
            continue;
        if (!found || empty) {
            *ch = c;
            found = true;
        }
        if (empty)
            break;
    }
    return found;
}

/* The nearest glyph, when it is close for its size and clearly the closest character. */
static bool lookup_nearest(const kd_fontset *fonts, const uint8_t *map, uint32_t *ch)
{
    int second, weight;
    /* Glyphs further away than a clear second best may be cannot matter. */
    int d = kd_fontset_nearest(fonts, map, 2 * KD_TEXTREC_NEAR_MAX + 4, ch, &second, &weight);
    return d >= 0 && d <= KD_TEXTREC_NEAR_MAX && d * 4 <= weight && second >= d + 4 &&
           second >= 2 * d;
}

/* Some glyphs are each other's inverse (U+2022 and U+25D8, U+2591 and U+2593, the half
 * blocks): either reading draws the same pixels. The one whose background is pref_bg (the
 * cell to the left's) is taken, so a run of cells keeps its colours. */
static bool lookup_both(const kd_fontset *fonts, const kd_fb *fb, const cell_pixels *cp,
                        uint32_t pref_bg, uint32_t *ch, bool *swap)
{
    uint32_t inv_ch;
    bool direct = kd_fontset_lookup(fonts, cp->map, ch);
    if (direct && (pref_bg == KD_TEXTREC_NO_PREF || px_rgb(fb, cp->bg) == pref_bg)) {
        *swap = false;
        return true;
    }
    if (lookup_inverted(fonts, cp->map, &inv_ch)) {
        *ch = inv_ch;
        *swap = true;
        return true;
    }
    *swap = false;
    return direct;
}

/* Rows of one colour (over the bitmap's eight columns): text has a few in every cell-sized
 * window wherever the grid lies (the gap between lines) and some ink, noise and photos have
 * almost none, horizontal stripes nothing else. */
static int uniform_rows(const cell_pixels *cp)
{
    int n = 0;
    for (int r = 0; r < CELL_H; r++)
        n += cp->map[r] == 0 || cp->map[r] == 0xff;
    return n;
}

int kd_textrec_probe_cell(const kd_fontset *fonts, const kd_fb *fb, uint32_t mask, int x0, int y0,
                          int cw)
{
    uint32_t ch;
    bool swap;
    cell_pixels cp;
    cell_read(fb, mask, x0, y0, cw, &cp);
    if (cp.colours == 1)
        return KD_TEXTREC_BLANK;
    if (cp.colours > 2)
        return KD_TEXTREC_PROBE_PICTURE;
    if (lookup_both(fonts, fb, &cp, KD_TEXTREC_NO_PREF, &ch, &swap) ||
        lookup_cursor(fonts, cp.map, &ch))
        return KD_TEXTREC_EXACT;
    int uniform = uniform_rows(&cp);
    if (uniform < PROBE_UNIFORM || uniform > CELL_H - PROBE_UNIFORM)
        return KD_TEXTREC_PROBE_PICTURE;
    /* Text-like: a glyph of another font reads as its nearest, one through another grid not. */
    return lookup_nearest(fonts, cp.map, &ch) ? KD_TEXTREC_NEAREST : KD_TEXTREC_PROBE_OFFGRID;
}

int kd_textrec_read_cell(const kd_fontset *fonts, const kd_fb *fb, uint32_t mask, int x0, int y0,
                         int cw, uint32_t pref_bg, kd_textrec_cell *out)
{
    bool swap;
    cell_pixels cp;
    cell_read(fb, mask, x0, y0, cw, &cp);
    uint32_t fg = cp.fg, bg = cp.bg, ch = 0xfffd;
    int how = KD_TEXTREC_NONE;
    if (cp.colours == 1) {
        how = KD_TEXTREC_BLANK;
        ch = ' ';
    } else if (cp.colours == 2) {
        if (lookup_both(fonts, fb, &cp, pref_bg, &ch, &swap)) {
            how = KD_TEXTREC_EXACT;
            fg = swap ? cp.bg : cp.fg;
            bg = swap ? cp.fg : cp.bg;
        } else if (lookup_cursor(fonts, cp.map, &ch)) {
            how = KD_TEXTREC_CURSOR;
        } else if (out && lookup_nearest(fonts, cp.map, &ch)) { /* not when counting exact */
            how = KD_TEXTREC_NEAREST;
        } else {
            ch = 0xfffd;
        }
    }
    if (out) {
        out->ch = ch;
        out->how = (uint8_t)how;
        out->text = how != KD_TEXTREC_NONE;
        out->fg_rgb = px_rgb(fb, fg);
        out->bg_rgb = px_rgb(fb, bg);
        out->fg16 = nearest16(out->fg_rgb);
        out->bg16 = nearest16(out->bg_rgb);
    }
    return how;
}
