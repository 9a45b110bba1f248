/* The framebuffer as one image, for terminals with a graphics protocol: sixel (DEC) or
 * kitty's. */

#include "console/fb_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIXEL_MAX_PIXELS (4096 * 4096)
#define KITTY_MAX_PIXELS (2560 * 1600) /* larger frames are averaged down first */
#define KITTY_MAX_CELLS  10000
#define KITTY_CHUNK      4096 /* base64 bytes per escape sequence, as the protocol asks */

/* ---- detection -------------------------------------------------------------------------- */

typedef struct {
    const char *word;
    kd_fb_img img;
} img_name;

static const img_name forced_names[] = {
    {"sixel", KD_FB_IMG_SIXEL}, {"kitty", KD_FB_IMG_KITTY}, {"none", KD_FB_IMG_NONE},
    {"off", KD_FB_IMG_NONE},    {"no", KD_FB_IMG_NONE},     {"halfblock", KD_FB_IMG_NONE},
};

/* Substrings of TERM: the terminal's own names. */
static const img_name term_names[] = {
    {"kitty", KD_FB_IMG_KITTY}, {"ghostty", KD_FB_IMG_KITTY}, {"wezterm", KD_FB_IMG_KITTY},
    {"foot", KD_FB_IMG_SIXEL},  {"mlterm", KD_FB_IMG_SIXEL},  {"contour", KD_FB_IMG_SIXEL},
    {"yaft", KD_FB_IMG_SIXEL},
};

/* TERM_PROGRAM values, exact. */
static const img_name program_names[] = {
    {"WezTerm", KD_FB_IMG_KITTY},
    {"ghostty", KD_FB_IMG_KITTY},
    {"iTerm.app", KD_FB_IMG_SIXEL},
    {"mintty", KD_FB_IMG_SIXEL},
};

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

kd_fb_img kd_fb_detect_image(const char *term, const char *term_program,
                             const char *kitty_window_id, const char *forced)
{
    if (forced && *forced && strcasecmp(forced, "auto") != 0) {
        for (size_t i = 0; i < NITEMS(forced_names); i++)
            if (strcasecmp(forced, forced_names[i].word) == 0)
                return forced_names[i].img;
        return KD_FB_IMG_NONE; /* an unknown name draws with half-blocks, which always work */
    }
    /* Inside tmux or screen, images do not reach the outer terminal without passthrough. */
    if (term && (strncmp(term, "screen", 6) == 0 || strncmp(term, "tmux", 4) == 0))
        return KD_FB_IMG_NONE;
    if (kitty_window_id && *kitty_window_id)
        return KD_FB_IMG_KITTY;
    for (size_t i = 0; term_program && i < NITEMS(program_names); i++)
        if (strcmp(term_program, program_names[i].word) == 0)
            return program_names[i].img;
    for (size_t i = 0; term && i < NITEMS(term_names); i++)
        if (strstr(term, term_names[i].word))
            return term_names[i].img;
    return KD_FB_IMG_NONE;
}

/* ---- sixel ------------------------------------------------------------------------------ */

/* A 6x7x6 cube: 252 colours, green the finest as the eye is most sensitive to it. */
#define SIXEL_COLORS 252

static uint8_t sixel_index(uint32_t rgb)
{
    unsigned r = rgb >> 16 & 0xff, g = rgb >> 8 & 0xff, b = rgb & 0xff;
    return (uint8_t)(((r * 5 + 127) / 255 * 7 + (g * 6 + 127) / 255) * 6 + (b * 5 + 127) / 255);
}

static void sixel_palette(kd_buf *out, const bool *used)
{
    for (int i = 0; i < SIXEL_COLORS; i++) {
        if (!used[i])
            continue;
        int r = i / 42, g = i / 6 % 7, b = i % 6;
        kd_buf_printf(out, "#%d;2;%d;%d;%d", i, (r * 100 + 2) / 5, (g * 100 + 3) / 6,
                      (b * 100 + 2) / 5);
    }
}

/* One band of six rows at a time: each colour's sixels, and the columns it spans. */
typedef struct {
    kd_buf *out;
    int w;
    uint8_t *bits; /* SIXEL_COLORS rows of w sixels */
    int lo[SIXEL_COLORS], hi[SIXEL_COLORS];
} sixel_enc;

static void sixel_run(kd_buf *out, char c, int n)
{
    char tmp[16];
    if (n > 3) {
        int k = snprintf(tmp, sizeof(tmp), "!%d%c", n, c);
        kd_buf_add(out, tmp, (size_t)k);
        return;
    }
    tmp[0] = tmp[1] = tmp[2] = c;
    kd_buf_add(out, tmp, (size_t)n);
}

/* A colour's row of sixels from its first column to its last, each run of a character
 * written once with a count; the columns before are blanks. */
static void sixel_color_row(sixel_enc *e, int color)
{
    uint8_t *row = e->bits + (size_t)color * e->w;
    int lo = e->lo[color], hi = e->hi[color];
    if (lo > 0)
        sixel_run(e->out, '?', lo);
    for (int x = lo; x <= hi;) {
        int n = 1;
        while (x + n <= hi && row[x + n] == row[x])
            n++;
        sixel_run(e->out, (char)('?' + row[x]), n);
        memset(row + x, 0, (size_t)n);
        x += n;
    }
}

static void sixel_band(sixel_enc *e, const uint8_t *idx, int y0, int h)
{
    for (int c = 0; c < SIXEL_COLORS; c++) {
        e->lo[c] = e->w;
        e->hi[c] = -1;
    }
    for (int k = 0; k < h; k++) {
        const uint8_t *line = idx + (size_t)(y0 + k) * e->w;
        for (int x = 0; x < e->w; x++) {
            int c = line[x];
            e->bits[(size_t)c * e->w + x] |= (uint8_t)(1 << k);
            if (x < e->lo[c])
                e->lo[c] = x;
            if (x > e->hi[c])
                e->hi[c] = x;
        }
    }
    bool first = true;
    for (int c = 0; c < SIXEL_COLORS; c++) {
        if (e->hi[c] < 0)
            continue;
        char tmp[8];
        int k = snprintf(tmp, sizeof(tmp), "%s#%d", first ? "" : "$", c);
        kd_buf_add(e->out, tmp, (size_t)k);
        sixel_color_row(e, c);
        first = false;
    }
}

/* The picture averaged down (or repeated up) to w x h, one cube index per pixel. */
static uint8_t *sixel_pixels(const kd_fb *fb, int w, int h)
{
    uint8_t *idx = kd_malloc((size_t)w * h);
    int bw = (fb->width + w - 1) / w, bh = (fb->height + h - 1) / h;
    int step = kd_fb_step(bw > bh ? bw : bh);
    for (int y = 0; y < h; y++) {
        int y0 = (int)((long long)y * fb->height / h);
        int y1 = (int)((long long)(y + 1) * fb->height / h);
        if (y1 <= y0)
            y1 = y0 + 1;
        for (int x = 0; x < w; x++) {
            int x0 = (int)((long long)x * fb->width / w);
            int x1 = (int)((long long)(x + 1) * fb->width / w);
            if (x1 <= x0)
                x1 = x0 + 1;
            idx[(size_t)y * w + x] = sixel_index(kd_fb_box(fb, x0, x1, y0, y1, step));
        }
    }
    return idx;
}

int kd_fb_sixel(const kd_fb *fb, int px_w, int px_h, kd_buf *out)
{
    if (!out || !kd_fb_valid(fb) || px_w < 1 || px_h < 1 || px_w > KD_FB_MAX_W ||
        px_h > KD_FB_MAX_H || (long long)px_w * px_h > SIXEL_MAX_PIXELS)
        return -1;
    uint8_t *idx = sixel_pixels(fb, px_w, px_h);
    bool used[SIXEL_COLORS] = {false};
    for (size_t i = 0; i < (size_t)px_w * px_h; i++)
        used[idx[i]] = true;
    /* P2=1: pixels left unset keep what is under them; raster attributes fix a 1:1 aspect. */
    kd_buf_printf(out, "\033P0;1;0q\"1;1;%d;%d", px_w, px_h);
    sixel_palette(out, used);
    sixel_enc *e = kd_malloc(sizeof(*e));
    e->out = out;
    e->w = px_w;
    e->bits = kd_calloc(SIXEL_COLORS, (size_t)px_w);
    for (int y = 0; y < px_h; y += 6) {
        if (y)
            kd_buf_add(out, "-", 1);
        sixel_band(e, idx, y, px_h - y < 6 ? px_h - y : 6);
    }
    kd_buf_add(out, "\033\\", 2);
    free(e->bits);
    free(e);
    free(idx);
    return 0;
}

/* ---- kitty ------------------------------------------------------------------------------ */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t base64(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    return o;
}

typedef struct {
    kd_buf *out;
    uint8_t raw[KITTY_CHUNK / 4 * 3];
    size_t n;
    bool first;
    char head[160];
} kitty_stream;

static void kitty_flush(kitty_stream *k, bool last)
{
    char enc[KITTY_CHUNK];
    size_t m = base64(k->raw, k->n, enc);
    kd_buf_printf(k->out, "\033_G%sq=2,m=%d;", k->first ? k->head : "", last ? 0 : 1);
    kd_buf_add(k->out, enc, m);
    kd_buf_add(k->out, "\033\\", 2);
    k->first = false;
    k->n = 0;
}

static void kitty_put(kitty_stream *k, uint32_t rgb)
{
    if (k->n == sizeof(k->raw))
        kitty_flush(k, false);
    k->raw[k->n++] = (uint8_t)(rgb >> 16);
    k->raw[k->n++] = (uint8_t)(rgb >> 8);
    k->raw[k->n++] = (uint8_t)rgb;
}

int kd_fb_kitty(const kd_fb *fb, int cols, int rows, unsigned id, kd_buf *out)
{
    if (!out || !kd_fb_valid(fb) || id == 0 || cols < 1 || rows < 1 || cols > KITTY_MAX_CELLS ||
        rows > KITTY_MAX_CELLS)
        return -1;
    int f = 1; /* the smallest whole factor that brings the frame under the cap */
    while ((long long)((fb->width + f - 1) / f) * ((fb->height + f - 1) / f) > KITTY_MAX_PIXELS)
        f++;
    int w = (fb->width + f - 1) / f, h = (fb->height + f - 1) / f;
    kitty_stream *k = kd_malloc(sizeof(*k));
    k->out = out;
    k->n = 0;
    k->first = true;
    snprintf(k->head, sizeof(k->head), "a=T,f=24,s=%d,v=%d,c=%d,r=%d,i=%u,", w, h, cols, rows, id);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            kitty_put(k, f == 1 ? kd_fb_pixel(fb, x, y)
                                : kd_fb_box(fb, x * f,
                                            x * f + f < fb->width ? x * f + f : fb->width, y * f,
                                            y * f + f < fb->height ? y * f + f : fb->height, 1));
    kitty_flush(k, true);
    free(k);
    return 0;
}
