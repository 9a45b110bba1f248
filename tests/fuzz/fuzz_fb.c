/* libFuzzer target for the VNC framebuffer renderer (src/console/fb*.c).
 *
 * The input plays an RFB server and a user: a header of kd_fb fields as a server could
 * announce them (any width, height, stride, depth, shifts and maxima), the pane, colours
 * and zoom, a pixel pattern, then operations: damage rectangles (any values), renders,
 * pans, zooms, resizes of the pane, a framebuffer shrinking in place, mouse mapping, and
 * the sixel and kitty encoders. The pixels live in a buffer of exactly the size the fields
 * describe, so AddressSanitizer sees any read past it. Checked: an invalid kd_fb draws
 * nothing; the output is only cursor moves, SGR and cells inside the pane, as many cells
 * as reported; a mouse position maps into the framebuffer. */

#include "console/fb.h"
#include "core/str.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "invariant broken at %s:%d: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define PIXELS_MAX (1 << 20) /* bytes of framebuffer this harness allocates */

typedef struct {
    const uint8_t *p;
    size_t n;
} input;

static unsigned u8(input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static int s16(input *in)
{
    unsigned lo = u8(in), hi = u8(in);
    return (int16_t)(uint16_t)(lo | hi << 8);
}

/* Mostly plausible values, sometimes anything: a fuzzer finds the edges of both. */
static int pick(input *in, int plausible, int wild)
{
    unsigned k = u8(in);
    return k < 200 ? plausible : k < 240 ? wild : s16(in) * (int)(k - 239);
}

typedef struct {
    int row, col, rows, cols;
} pane;

/* Cursor moves, SGR and cells inside the pane, nothing else; returns the cells. */
static size_t check_output(const kd_buf *b, size_t from, const pane *pn)
{
    size_t cells = 0;
    const char *s = b->data ? b->data + from : "";
    size_t n = b->len - from;
    for (size_t i = 0; i < n;) {
        if (s[i] == ' ') {
            cells++;
            i++;
        } else if ((unsigned char)s[i] == 0xe2) {
            CHECK(i + 2 < n && memcmp(s + i, "\xe2\x96\x80", 3) == 0);
            cells++;
            i += 3;
        } else {
            CHECK(s[i] == 0x1b && i + 1 < n && s[i + 1] == '[');
            long p[2] = {0, 0};
            int np = 0;
            for (i += 2; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == ';'); i++) {
                if (s[i] == ';')
                    np = np < 1 ? np + 1 : 1;
                else if (np < 2)
                    p[np] =
                        p[np] * 10 + (s[i] - '0') > 1000000 ? 1000000 : p[np] * 10 + (s[i] - '0');
            }
            CHECK(i < n && (s[i] == 'H' || s[i] == 'C' || s[i] == 'm'));
            if (s[i] == 'H') {
                CHECK(p[0] - 1 >= pn->row && p[0] - 1 < pn->row + pn->rows);
                CHECK(p[1] - 1 >= pn->col && p[1] - 1 < pn->col + pn->cols);
            }
            i++;
        }
    }
    CHECK(n == 0 || (n >= 4 && memcmp(s + n - 4, "\033[0m", 4) == 0));
    return cells;
}

/* The framebuffer's size at the last render that drew: mouse positions fall inside it. */
static int last_w, last_h;

static void render(kd_fbview *v, const kd_fb *fb, const pane *pn, kd_buf *out)
{
    size_t from = out->len;
    size_t cells = kd_fbview_render(v, fb, out);
    if (!kd_fb_valid(fb)) {
        CHECK(cells == 0 && out->len == from);
        return;
    }
    CHECK(cells == check_output(out, from, pn));
    CHECK(cells <= (size_t)pn->rows * (size_t)pn->cols);
    if (pn->rows > 0 && pn->cols > 0) {
        last_w = fb->width;
        last_h = fb->height;
    }
    if (out->len > (1 << 22))
        out->len = 0; /* keep memory bounded over long inputs */
}

static void set_pane(kd_fbview *v, input *in, pane *pn)
{
    int row = pick(in, (int)u8(in) % 8, s16(in)), col = pick(in, (int)u8(in) % 8, s16(in));
    /* Huge panes are clamped (the unit tests check that); here they would only be slow. */
    int rows = pick(in, (int)u8(in) % 64, s16(in) % 200),
        cols = pick(in, (int)u8(in), s16(in) % 400);
    kd_fbview_set_pane(v, row, col, rows, cols);
    /* What the view keeps, clamped as fb.h says. */
    pn->row = row < 0 ? 0 : row > KD_FB_MAX_POS ? KD_FB_MAX_POS : row;
    pn->col = col < 0 ? 0 : col > KD_FB_MAX_POS ? KD_FB_MAX_POS : col;
    pn->rows = rows < 0 ? 0 : rows > KD_FB_MAX_ROWS ? KD_FB_MAX_ROWS : rows;
    pn->cols = cols < 0 ? 0 : cols > KD_FB_MAX_COLS ? KD_FB_MAX_COLS : cols;
}

static void images(const kd_fb *fb, input *in)
{
    kd_buf b;
    kd_buf_init(&b);
    int w = (int)u8(in) % 64 - 2, h = (int)u8(in) % 64 - 2;
    int rc = kd_fb_sixel(fb, w, h, &b);
    CHECK(rc == 0 || b.len == 0);
    if (rc == 0)
        CHECK(b.len > 4 && memcmp(b.data + b.len - 2, "\033\\", 2) == 0);
    kd_buf_free(&b);
    if (kd_fb_valid(fb) && (long)fb->width * fb->height > 65536)
        return;
    rc = kd_fb_kitty(fb, (int)u8(in) - 2, (int)u8(in) - 2, u8(in), &b);
    CHECK(rc == 0 || b.len == 0);
    kd_buf_free(&b);
}

/* Header: the framebuffer as announced. Returns the pixels, sized as the fields say. */
static uint8_t *make_fb(input *in, kd_fb *fb)
{
    int bpp = pick(in, u8(in) & 1 ? 4 : 2, (int)u8(in) % 9);
    int w = pick(in, (int)u8(in) % 200 + 1, s16(in)), h = pick(in, (int)u8(in) % 150 + 1, s16(in));
    /* In 64 bits: a wild width times the depth may not fit an int; keep what does. */
    long long row = (long long)w * (bpp > 0 ? bpp : 1) + (int)(u8(in) % 16);
    int stride = pick(in, row > INT32_MAX || row < INT32_MIN ? INT32_MAX : (int)row, s16(in) * 4);
    bool c565 = bpp == 2 && u8(in) < 128;
    *fb = (kd_fb){.width = w,
                  .height = h,
                  .stride = stride,
                  .bytes_pp = bpp,
                  .rshift = pick(in, c565 ? 11 : 16, (int)(int8_t)u8(in)),
                  .gshift = pick(in, c565 ? 5 : 8, (int)(int8_t)u8(in)),
                  .bshift = pick(in, 0, (int)(int8_t)u8(in)),
                  .rmax = pick(in, c565 ? 31 : 255, s16(in)),
                  .gmax = pick(in, c565 ? 63 : 255, s16(in)),
                  .bmax = pick(in, c565 ? 31 : 255, s16(in))};
    /* The buffer the fields describe, when they describe one this harness can afford;
     * otherwise a token buffer, which a correct validation never lets be read. */
    long long need = 0;
    if (w > 0 && h > 0 && bpp > 0 && stride >= 0)
        need = (long long)stride * (h - 1) + (long long)w * bpp;
    if (need <= 0 || need > PIXELS_MAX)
        need = 1;
    uint8_t *px = malloc((size_t)need);
    /* A pattern from the input, shifted from one copy to the next, doubled until full. */
    long long len = u8(in) % 64 + 1, done;
    for (done = 0; done < need && done < 4096; done++)
        px[done] = in->n ? in->p[done % (in->n < (size_t)len ? (long long)in->n : len)] ^
                               (uint8_t)(done / len)
                         : (uint8_t)done;
    for (; done < need; done *= 2)
        memcpy(px + done, px, (size_t)(need - done < done ? need - done : done));
    fb->pixels = px;
    return px;
}

/* One operation of the input on the view; real says whether the pixels are the frame's. */
static void one_op(kd_fbview *v, kd_fb *fb, pane *pn, kd_buf *out, input *in, bool real)
{
    switch (u8(in) % 10) {
    case 0: {
        int x = s16(in), y = s16(in), w = s16(in), h = s16(in);
        kd_fbview_damage(v, x, y, w * (int)(u8(in) % 4 + 1), h * 64);
        break;
    }
    case 1:
        render(v, fb, pn, out);
        break;
    case 2: {
        int dx = s16(in) * (int)u8(in);
        kd_fbview_pan(v, dx, s16(in) * (int)u8(in));
        break;
    }
    case 3:
        kd_fbview_set_zoom(v, s16(in));
        break;
    case 4:
        kd_fbview_invalidate(v);
        break;
    case 5:
        set_pane(v, in, pn);
        break;
    case 6: {
        int x = -1, y = -1, r = s16(in) % 300, c = s16(in) % 300;
        if (kd_fbview_cell_to_fb(v, r, c, &x, &y))
            CHECK(x >= 0 && y >= 0 && x < last_w && y < last_h);
        break;
    }
    case 7: /* the server shrinks the frame in place: the buffer still covers it */
        if (!real)
            break; /* a token buffer never covers a frame */
        if (fb->width > 1)
            fb->width -= (int)u8(in) % fb->width;
        if (fb->height > 1)
            fb->height -= (int)u8(in) % fb->height;
        break;
    case 8:
        kd_fbview_set_colors(v, (kd_fb_colors)(u8(in) % 4));
        break;
    default:
        images(fb, in);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    kd_fb fb;
    uint8_t *px = make_fb(&in, &fb);
    bool big =
        kd_fb_valid(&fb) &&
        (long long)fb.stride * (fb.height - 1) + (long long)fb.width * fb.bytes_pp > PIXELS_MAX;
    if (big) {
        /* A valid frame larger than this harness allocates: only refusals can be tested. */
        free(px);
        return 0;
    }
    /* Whether px holds the frame the fields describe (not a token buffer). */
    bool real = kd_fb_valid(&fb);
    kd_fbview *v = kd_fbview_new();
    last_w = last_h = 0;
    pane pn;
    set_pane(v, &in, &pn);
    kd_fbview_set_colors(v, (kd_fb_colors)(u8(&in) % 4));
    kd_fbview_set_zoom(v, pick(&in, (int)u8(&in) * 4 % 400, s16(&in)));
    kd_buf out;
    kd_buf_init(&out);
    render(v, &fb, &pn, &out);
    for (int ops = 0; in.n > 0 && ops < 64; ops++)
        one_op(v, &fb, &pn, &out, &in, real);
    render(v, &fb, &pn, &out);
    kd_buf_free(&out);
    kd_fbview_free(v);
    free(px);
    return 0;
}
