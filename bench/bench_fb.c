/* The VNC framebuffer renderer's cost: a full 1024x768 frame into a 160x48 pane, and a
 * frame where 1% of the picture changed.
 *
 *   bench_fb gen OUT.raw           write the test frame (BGRX, 4096 bytes a row)
 *   bench_fb run FRAME.raw MODE N  MODE: true, 256 or 16 colours; N frames per phase
 *   bench_fb img FRAME.raw N       the whole frame as a sixel image (1024x768 pixels) and
 *                                  as a kitty image (160x48 cells), N of each
 *
 * run prints "fb.MODE.full ns_per_frame=.. bytes=.. cells=.." and the same for "partial"
 * and "first"; under callgrind each phase is one dump (fb.MODE.full, ...), N frames each,
 * counted only between CALLGRIND_ZERO_STATS and the dump. A full frame is every cell
 * recomputed and written (kd_fbview_invalidate first), as after a repaint of the terminal.
 * A first frame is the same on a new view, whose memo of 16-colour dithers is empty. The
 * partial frame alternates two versions of one rectangle of 1% of the frame (text being
 * typed), damaged as a VNC update would. */

#include "console/fb.h"
#include "core/str.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <valgrind/callgrind.h>

#define W      1024
#define H      768
#define STRIDE (W * 4)
#define ROWS   48
#define COLS   160
/* The changed rectangle of a partial frame: 128 x 62 = 1.01% of the frame. */
#define PX 200
#define PY 300
#define PW 128
#define PH 62

static uint32_t rng_state = 12345;

static uint32_t rnd(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static void put(uint8_t *f, int x, int y, uint32_t rgb)
{
    uint8_t *p = f + (size_t)y * STRIDE + (size_t)x * 4;
    p[0] = (uint8_t)rgb;
    p[1] = (uint8_t)(rgb >> 8);
    p[2] = (uint8_t)(rgb >> 16);
    p[3] = 0;
}

static void fill(uint8_t *f, int x0, int y0, int x1, int y1, uint32_t rgb)
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            put(f, x, y, rgb);
}

/* A line of 8x16 glyph-like strokes, dark on the background already there. */
static void text_line(uint8_t *f, int x0, int y0, int x1, uint32_t ink)
{
    for (int gx = x0; gx + 8 <= x1; gx += 8) {
        if (rnd() % 7 == 0)
            continue; /* a space */
        uint32_t shape = rnd();
        for (int k = 0; k < 3; k++) {
            int sx = gx + 1 + (int)(shape >> (k * 3) & 5);
            for (int y = y0 + 3; y < y0 + 13; y++)
                if (shape >> (9 + k) & 1)
                    put(f, sx, y, ink);
            int sy = y0 + 3 + (int)(shape >> (12 + 2 * k) & 3) * 3;
            for (int x = gx + 1; x < gx + 7; x++)
                if (shape >> (18 + k) & 1)
                    put(f, x, sy, ink);
        }
    }
}

static void gen_frame(uint8_t *f)
{
    /* A desktop: a vertical gradient. */
    for (int y = 0; y < H; y++)
        fill(f, 0, y, W, y + 1, (uint32_t)(20 + y / 8) << 16 | 40 << 8 | (uint32_t)(90 + y / 6));
    /* A window: its title bar, then text on white. */
    for (int y = 40; y < 64; y++)
        fill(f, 60, y, 964, y + 1, (uint32_t)(60 + (y - 40) * 4) << 8 | 0x3060a0);
    fill(f, 60, 64, 964, 720, 0xf8f8f8);
    for (int y = 72; y + 16 <= 712; y += 18)
        text_line(f, 72, y, 72 + 8 * (int)(30 + rnd() % 80), rnd() % 5 ? 0x202020 : 0xa02020);
    /* A picture: smooth two-way gradients. */
    for (int y = 420; y < 700; y++)
        for (int x = 620; x < 940; x++)
            put(f, x, y,
                (uint32_t)((x - 620) * 255 / 320) << 16 | (uint32_t)((y - 420) * 255 / 280) << 8 |
                    (uint32_t)(((x + y) / 3) & 255));
    /* A task bar. */
    fill(f, 0, 740, W, H, 0x303030);
    for (int x = 8; x < 400; x += 48)
        fill(f, x, 744, x + 40, 764, 0x5080c0);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint8_t *load(const char *path)
{
    uint8_t *f = kd_malloc((size_t)STRIDE * H);
    FILE *fp = fopen(path, "rb");
    if (!fp || fread(f, 1, (size_t)STRIDE * H, fp) != (size_t)STRIDE * H) {
        fprintf(stderr, "bench_fb: cannot read the frame %s\n", path);
        exit(1);
    }
    fclose(fp);
    return f;
}

typedef struct {
    const char *name;
    kd_fb_colors colors;
} mode;

static const mode modes[] = {
    {"true", KD_FB_COLOR_TRUE}, {"256", KD_FB_COLOR_256}, {"16", KD_FB_COLOR_16}};

/* N full frames; returns the bytes of the last. */
static size_t run_full(kd_fbview *v, const kd_fb *fb, unsigned n, kd_buf *out, size_t *cells)
{
    for (unsigned i = 0; i < n; i++) {
        out->len = 0;
        kd_fbview_invalidate(v);
        *cells = kd_fbview_render(v, fb, out);
    }
    return out->len;
}

/* N first frames: a new view each, nothing remembered (the 16-colour memo is empty). */
static size_t run_first(const mode *m, const kd_fb *fb, unsigned n, kd_buf *out, size_t *cells)
{
    for (unsigned i = 0; i < n; i++) {
        kd_fbview *v = kd_fbview_new();
        kd_fbview_set_pane(v, 1, 0, ROWS, COLS);
        kd_fbview_set_colors(v, m->colors);
        out->len = 0;
        *cells = kd_fbview_render(v, fb, out);
        kd_fbview_free(v);
    }
    return out->len;
}

/* N partial frames, the rectangle alternating between its two versions. */
static size_t run_partial(kd_fbview *v, kd_fb *fb, uint8_t *a, uint8_t *b, unsigned n, kd_buf *out,
                          size_t *cells)
{
    size_t bytes = 0;
    *cells = 0;
    for (unsigned i = 0; i < n; i++) {
        fb->pixels = i % 2 ? a : b;
        out->len = 0;
        kd_fbview_damage(v, PX, PY, PW, PH);
        *cells += kd_fbview_render(v, fb, out);
        bytes += out->len;
    }
    fb->pixels = a;
    *cells /= n;
    return bytes / n;
}

typedef enum { PHASE_FULL, PHASE_PARTIAL, PHASE_FIRST } phase_kind;

static void phase(const char *name, const mode *m, unsigned n, kd_fbview *v, kd_fb *fb, uint8_t *a,
                  uint8_t *b, phase_kind kind)
{
    kd_buf out;
    kd_buf_init(&out);
    size_t cells = 0, bytes;
    char dump[64];
    snprintf(dump, sizeof(dump), "fb.%s.%s", m->name, name);
    /* Warm: the first render sizes the view and the buffer. */
    kd_fbview_invalidate(v);
    fb->pixels = a;
    kd_fbview_render(v, fb, &out);
    CALLGRIND_ZERO_STATS;
    uint64_t t0 = now_ns();
    if (kind == PHASE_PARTIAL)
        bytes = run_partial(v, fb, a, b, n, &out, &cells);
    else if (kind == PHASE_FIRST)
        bytes = run_first(m, fb, n, &out, &cells);
    else
        bytes = run_full(v, fb, n, &out, &cells);
    uint64_t t1 = now_ns();
    CALLGRIND_DUMP_STATS_AT(dump);
    printf("%s frames=%u ns_per_frame=%llu bytes=%zu cells=%zu\n", dump, n,
           (unsigned long long)((t1 - t0) / n), bytes, cells);
    kd_buf_free(&out);
}

static int run(const char *path, const char *mname, unsigned n)
{
    const mode *m = NULL;
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (strcmp(modes[i].name, mname) == 0)
            m = &modes[i];
    if (!m) {
        fprintf(stderr, "bench_fb: unknown mode %s (true, 256, 16)\n", mname);
        return 2;
    }
    uint8_t *a = load(path), *b = kd_malloc((size_t)STRIDE * H);
    memcpy(b, a, (size_t)STRIDE * H);
    rng_state = 999;
    fill(b, PX, PY, PX + PW, PY + PH, 0xf8f8f8);
    for (int y = PY; y + 16 <= PY + PH; y += 18)
        text_line(b, PX, y, PX + PW, 0x202020);
    kd_fb fb = {a, W, H, STRIDE, 4, 16, 8, 0, 255, 255, 255};
    kd_fbview *v = kd_fbview_new();
    kd_fbview_set_pane(v, 1, 0, ROWS, COLS);
    kd_fbview_set_colors(v, m->colors);
    CALLGRIND_START_INSTRUMENTATION;
    phase("full", m, n, v, &fb, a, b, PHASE_FULL);
    phase("partial", m, n, v, &fb, a, b, PHASE_PARTIAL);
    phase("first", m, n, v, &fb, a, b, PHASE_FIRST);
    CALLGRIND_STOP_INSTRUMENTATION;
    kd_fbview_free(v);
    free(a);
    free(b);
    return 0;
}

/* The graphics protocols: wall time and bytes of one frame each. */
static int run_img(const char *path, unsigned n)
{
    uint8_t *a = load(path);
    kd_fb fb = {a, W, H, STRIDE, 4, 16, 8, 0, 255, 255, 255};
    const char *names[] = {"sixel", "kitty"};
    for (int k = 0; k < 2; k++) {
        kd_buf out;
        kd_buf_init(&out);
        uint64_t t0 = now_ns();
        for (unsigned i = 0; i < n; i++) {
            out.len = 0;
            if ((k == 0 ? kd_fb_sixel(&fb, W, H, &out) : kd_fb_kitty(&fb, COLS, ROWS, 1, &out)) <
                0) {
                fprintf(stderr, "bench_fb: the %s encoder failed\n", names[k]);
                return 1;
            }
        }
        uint64_t t1 = now_ns();
        printf("img.%s frames=%u ns_per_frame=%llu bytes=%zu\n", names[k], n,
               (unsigned long long)((t1 - t0) / n), out.len);
        kd_buf_free(&out);
    }
    free(a);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "gen") == 0) {
        uint8_t *f = kd_calloc((size_t)STRIDE, H);
        gen_frame(f);
        FILE *fp = fopen(argv[2], "wb");
        if (!fp || fwrite(f, 1, (size_t)STRIDE * H, fp) != (size_t)STRIDE * H || fclose(fp)) {
            fprintf(stderr, "bench_fb: cannot write %s\n", argv[2]);
            return 1;
        }
        free(f);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "img") == 0 && atoi(argv[3]) > 0)
        return run_img(argv[2], (unsigned)atoi(argv[3]));
    if (argc == 5 && strcmp(argv[1], "run") == 0 && atoi(argv[4]) > 0)
        return run(argv[2], argv[3], (unsigned)atoi(argv[4]));
    fprintf(stderr, "usage: bench_fb gen OUT.raw | bench_fb run FRAME.raw true|256|16 N | "
                    "bench_fb img FRAME.raw N\n");
    return 2;
}
