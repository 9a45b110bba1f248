/* Text recognition on VNC screens: cost per call and accuracy on recorded frames.
 *
 *   bench_text time FONTDIR FRAME          microseconds per call, natively
 *   bench_text callgrind-CASE FONTDIR FRAME one measured run of CASE under
 *                                          valgrind --tool=callgrind --instr-atstart=no
 *   bench_text accuracy FONTDIR FRAME TXT  cells recovered exactly against the expected text
 *   bench_text dump FONTDIR FRAME          the recognised screen, for writing expectations
 *
 * CASE: full (every cell of the frame recognised again on a known grid), line (a damage
 * rectangle of one text row), detect (a new recogniser finding the grid, then the whole
 * screen), picture (a new full-screen picture of noise every call, starting from the text
 * screen), picture_update (the same on a screen already declared a picture, as video sends)
 * picture_small (1% of a picture changed per call) and picture_tiles (picture_update sent as
 * 64x64 rectangles). FRAME is a (gzip'd) PPM. */

#include "console/font.h"
#include "console/ppm.h"
#include "console/textrec.h"
#include "core/str.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <valgrind/callgrind.h>

#define LINE_ROW 12

typedef struct {
    const char *name;
    int calls;
    /* Before the measurement: bring the recogniser to the case's starting state. */
    void (*prep)(kd_textrec **rec, const kd_fontset *fonts, const kd_fb *fb);
    void (*run)(kd_textrec **rec, const kd_fontset *fonts, const kd_fb *fb);
} bench_case;

static void run_full(kd_textrec **rec, const kd_fontset *fonts, const kd_fb *fb)
{
    (void)fonts;
    kd_textrec_update(*rec, fb, 0, 0, fb->width, fb->height);
}

static void run_line(kd_textrec **rec, const kd_fontset *fonts, const kd_fb *fb)
{
    (void)fonts;
    kd_textrec_update(*rec, fb, 0, LINE_ROW * 16, fb->width, 16);
}

static void run_detect(kd_textrec **rec, const kd_fontset *fonts, const kd_fb *fb)
{
    kd_textrec_free(*rec);
    *rec = kd_textrec_new(fonts, 0);
    kd_textrec_update(*rec, fb, 0, 0, fb->width, fb->height);
}

/* Pictures that change every frame (video): two-colour noise, the costliest kind (every
 * cell has a bitmap to look up), at the frame's size and format. They are made before the
 * measurement, so that only the recogniser is counted. */
#define PICTURES 8

static uint8_t *pictures[PICTURES];
static uint8_t *canvas; /* the screen of picture_small, changed a little per call */
static int next_picture;

static void make_pictures(const kd_fb *fb)
{
    uint32_t seed = 1;
    size_t n = (size_t)fb->stride * (size_t)fb->height;
    for (int k = 0; k < PICTURES && !pictures[k]; k++) {
        pictures[k] = kd_malloc(n);
        for (size_t i = 0; i + 4 <= n; i += 4) {
            seed = seed * 1103515245u + 12345u;
            uint32_t v = (seed >> 16) & 1 ? 0xffffff : 0;
            memcpy(pictures[k] + i, &v, 4);
        }
    }
    if (!canvas) {
        canvas = kd_malloc(n);
        memcpy(canvas, pictures[0], n);
    }
}

static void free_pictures(void)
{
    for (int k = 0; k < PICTURES; k++) {
        free(pictures[k]);
        pictures[k] = NULL;
    }
    free(canvas);
    canvas = NULL;
}

static kd_fb picture_fb(const kd_fb *fb, uint8_t *px)
{
    kd_fb pic = *fb;
    pic.pixels = px;
    return pic;
}

/* A new full-screen picture every call, starting from the text screen. */
static void run_picture(kd_textrec **rec, const kd_fontset *fonts, const kd_fb *fb)
{
    (void)fonts;
    kd_fb pic = picture_fb(fb, pictures[next_picture++ % PICTURES]);
    kd_textrec_update(*rec, &pic, 0, 0, fb->width, fb->height);
}

/* The screen already shows a picture (declared graphical) before the calls. */
static void prep_picture(kd_textrec **rec, const kd_fontset *fonts, const kd_fb *fb)
{
    make_pictures(fb);
    next_picture = 1;
    kd_fb pic = picture_fb(fb, canvas);
    (void)fonts;
    for (int k = 0; k < 2; k++)
        kd_textrec_update(*rec, &pic, 0, 0, fb->width, fb->height);
}

/* 1% of the screen (a tenth of its width and height) changes per call, somewhere else each
 * time. */
static void run_picture_small(kd_textrec **rec, const kd_fontset *fonts, const kd_fb *fb)
{
    static uint32_t seed = 7;
    (void)fonts;
    int w = fb->width / 10, h = fb->height / 10;
    seed = seed * 1103515245u + 12345u;
    int x = (int)((seed >> 8) % (uint32_t)(fb->width - w + 1));
    int y = (int)((seed >> 20) % (uint32_t)(fb->height - h + 1));
    const uint8_t *src = pictures[next_picture++ % PICTURES];
    for (int r = y; r < y + h; r++) {
        size_t at = (size_t)r * (size_t)fb->stride + (size_t)x * fb->bytes_pp;
        memcpy(canvas + at, src + at, (size_t)w * fb->bytes_pp);
    }
    kd_fb pic = picture_fb(fb, canvas);
    kd_textrec_update(*rec, &pic, x, y, w, h);
}

/* The change of picture_update sent as 64x64 rectangles, as VNC encodings send it. */
static void run_picture_tiles(kd_textrec **rec, const kd_fontset *fonts, const kd_fb *fb)
{
    (void)fonts;
    kd_fb pic = picture_fb(fb, pictures[next_picture++ % PICTURES]);
    for (int y = 0; y < fb->height; y += 64)
        for (int x = 0; x < fb->width; x += 64)
            kd_textrec_update(*rec, &pic, x, y, 64, 64);
}

static void prep_text(kd_textrec **rec, const kd_fontset *fonts, const kd_fb *fb)
{
    (void)rec;
    (void)fonts;
    make_pictures(fb);
    next_picture = 0;
}

static const bench_case cases[] = {
    {"full", 200, NULL, run_full},
    {"line", 5000, NULL, run_line},
    {"detect", 20, NULL, run_detect},
    {"picture", 100, prep_text, run_picture},
    {"picture_update", 100, prep_picture, run_picture},
    {"picture_small", 2000, prep_picture, run_picture_small},
    {"picture_tiles", 100, prep_picture, run_picture_tiles},
};

static const bench_case *find_case(const char *name)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static kd_textrec *fresh(const kd_fontset *fonts, const kd_fb *fb)
{
    kd_textrec *rec = kd_textrec_new(fonts, 0);
    kd_textrec_update(rec, fb, 0, 0, fb->width, fb->height);
    return rec;
}

static int bench_time(const kd_fontset *fonts, const kd_fb *fb)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kd_textrec *rec = fresh(fonts, fb);
        if (cases[i].prep)
            cases[i].prep(&rec, fonts, fb);
        uint64_t work = kd_textrec_work(rec);
        double t0 = now_us();
        for (int k = 0; k < cases[i].calls; k++)
            cases[i].run(&rec, fonts, fb);
        double us = (now_us() - t0) / cases[i].calls;
        printf(
            "text.cost.time case=%s us=%.1f calls=%d work_cells=%llu\n", cases[i].name, us,
            cases[i].calls,
            /* detect makes a new recogniser per call: its last one's work */
            (unsigned long long)(kd_textrec_work(rec) - (cases[i].run == run_detect ? 0 : work)));
        kd_textrec_free(rec);
    }
    return 0;
}

static int bench_callgrind(const kd_fontset *fonts, const kd_fb *fb, const bench_case *c)
{
    kd_textrec *rec = fresh(fonts, fb);
    if (c->prep)
        c->prep(&rec, fonts, fb);
    int calls = c->calls / 10 > 0 ? c->calls / 10 : 1;
    CALLGRIND_START_INSTRUMENTATION;
    for (int k = 0; k < calls; k++)
        c->run(&rec, fonts, fb);
    CALLGRIND_STOP_INSTRUMENTATION;
    printf("calls=%d\n", calls);
    kd_textrec_free(rec);
    return 0;
}

/* Compare the recognised screen cell by cell with the expected lines (missing lines and
 * columns are blanks). */
static int bench_accuracy(const kd_fontset *fonts, const kd_fb *fb, const char *frame,
                          const char *txt)
{
    size_t n;
    char *want = kd_file_read(txt, 1 << 20, &n);
    if (!want) {
        fprintf(stderr, "bench_text: cannot read %s\n", txt);
        return 1;
    }
    kd_textrec *rec = fresh(fonts, fb);
    int rows, cols, cells = 0, exact = 0;
    kd_textrec_size(rec, &rows, &cols);
    char *cursor = want;
    for (int r = 0; r < rows; r++) {
        char *line = kd_str_next_line(&cursor);
        char *got = kd_textrec_line(rec, r);
        const char *w = line ? line : "", *g = got;
        for (int c = 0; c < cols; c++) {
            size_t wl = *w ? kd_utf8_next(w, NULL) : 0, gl = *g ? kd_utf8_next(g, NULL) : 0;
            bool wb = wl == 0 || (wl == 1 && *w == ' '), gb = gl == 0 || (gl == 1 && *g == ' ');
            if (!wb || !gb) {
                cells++;
                exact += wl == gl && memcmp(w, g, wl) == 0;
            }
            w += wl;
            g += gl;
        }
        free(got);
    }
    const char *name = strrchr(frame, '/') ? strrchr(frame, '/') + 1 : frame;
    printf("text.accuracy frame=%s cells=%d exact=%d share=%.4f confidence=%.4f text=%s\n", name,
           cells, exact, cells ? (double)exact / cells : 1.0, kd_textrec_confidence(rec),
           kd_textrec_is_text(rec) ? "yes" : "no");
    kd_textrec_free(rec);
    free(want);
    return 0;
}

static int bench_dump(const kd_fontset *fonts, const kd_fb *fb)
{
    kd_textrec *rec = fresh(fonts, fb);
    kd_buf b;
    kd_buf_init(&b);
    kd_textrec_dump(rec, &b);
    fputs(b.data ? b.data : "", stdout);
    kd_buf_free(&b);
    kd_textrec_free(rec);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_text time|callgrind-CASE|accuracy|dump FONTDIR FRAME "
                        "[TXT]\n");
        return 2;
    }
    kd_err err = {0};
    const char *dirs[] = {argv[2], NULL};
    kd_fontset *fonts = kd_fontset_load(dirs, &err);
    kd_ppm ppm;
    if (!fonts || kd_ppm_load(argv[3], &ppm, &err) < 0) {
        fprintf(stderr, "bench_text: %s\n", err.msg);
        kd_fontset_free(fonts);
        return 1;
    }
    int rc = 2;
    if (strcmp(argv[1], "time") == 0)
        rc = bench_time(fonts, &ppm.fb);
    else if (strncmp(argv[1], "callgrind-", 10) == 0 && find_case(argv[1] + 10))
        rc = bench_callgrind(fonts, &ppm.fb, find_case(argv[1] + 10));
    else if (strcmp(argv[1], "accuracy") == 0 && argc > 4)
        rc = bench_accuracy(fonts, &ppm.fb, argv[3], argv[4]);
    else if (strcmp(argv[1], "dump") == 0)
        rc = bench_dump(fonts, &ppm.fb);
    else
        fprintf(stderr, "bench_text: unknown mode %s\n", argv[1]);
    free_pictures();
    kd_ppm_free(&ppm);
    kd_fontset_free(fonts);
    return rc;
}
