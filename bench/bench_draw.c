/* Bytes kvmdeck writes to the terminal per stats tick, with the real drawing code on a
 * curses screen whose output goes to a file.
 *
 *   bench_draw URI THEMES_DIR OUT_FILE ROWS COLS TICKS
 *
 * URI is a host whose domains are running (run.sh makes one of 100). Every tick feeds the
 * app a synthetic sample and draws as the program does after a tick: (a) figures that move
 * every tick, (b) an idle host where nothing moves, in the list view and the stats view.
 * With KD_BENCH_DUMP set, what an idle tick wrote is shown on stderr, escaped (every tick's
 * with KD_BENCH_DUMP=all). */

#include "harness.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MOVING_MAX_BYTES 2048
#define SETTLE_TICKS     16 /* more than a sparkline's width: the idle screen is steady after */
#define CLOCK_TICKS      3

typedef struct {
    kd_app app;
    kd_bench_synth *synth;
    const char *out_path;
    unsigned ticks;
} bench;

typedef struct {
    long long total, max;
    long long text; /* of total: characters shown, the rest is cursor moves and attributes */
    unsigned n;
} tally;

/* Bytes in [from, to) of the screen's file that are not part of a control sequence. */
static long long text_bytes(const char *path, long long from, long long to)
{
    FILE *f = fopen(path, "rb");
    long long text = 0;
    if (!f || fseek(f, from, SEEK_SET) < 0) {
        if (f)
            fclose(f);
        return 0;
    }
    enum { TEXT, ESC, CSI } st = TEXT;
    for (long long i = from; i < to; i++) {
        int c = fgetc(f);
        if (c == EOF)
            break;
        if (st == ESC) /* ESC [ opens a CSI; ESC ( B and the like take one more byte */
            st = c == '[' ? CSI : c == '(' || c == ')' ? ESC : TEXT;
        else if (st == CSI)
            st = c >= 0x40 && c <= 0x7e ? TEXT : CSI;
        else if (c == 0x1b)
            st = ESC;
        else if (c >= 0x20 && c != 0x7f)
            text++;
    }
    fclose(f);
    return text;
}

static void dump_bytes(const char *path, long long from, long long to)
{
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, from, SEEK_SET) < 0) {
        if (f)
            fclose(f);
        return;
    }
    fprintf(stderr, "  wrote: ");
    for (long long i = from; i < to; i++) {
        int c = fgetc(f);
        if (c == EOF)
            break;
        if (c == 0x1b)
            fputs("\\e", stderr);
        else if (c < 0x20 || c == 0x7f)
            fprintf(stderr, "\\x%02x", c);
        else
            fputc(c, stderr);
    }
    fputc('\n', stderr);
    fclose(f);
}

/* One tick as the program runs it: new figures, the dirty flags, one draw. Adds the text
 * part of what was written to *text when text is not NULL. */
static long long one_tick(bench *b, bool moving, long long *text)
{
    kd_sample s;
    long long before = kd_bench_screen_bytes();
    kd_bench_synth_next(b->synth, moving, &s);
    kd_bench_tick_compute(&b->app, &s);
    kd_bench_tick_dirty(&b->app);
    kd_app_draw_now(&b->app);
    long long after = kd_bench_screen_bytes();
    if (text)
        *text += text_bytes(b->out_path, before, after);
    const char *dump = getenv("KD_BENCH_DUMP");
    if (dump && after > before && (!moving || strcmp(dump, "all") == 0))
        dump_bytes(b->out_path, before, after);
    return after - before;
}

static void count(tally *t, long long bytes)
{
    t->total += bytes; /* the text part was added by one_tick */
    if (bytes > t->max)
        t->max = bytes;
    t->n++;
}

static void run_ticks(bench *b, bool moving, unsigned n, tally *t)
{
    for (unsigned i = 0; i < n; i++)
        count(t, one_tick(b, moving, &t->text));
}

/* Sleep until a new second of the wall clock has just begun. */
static void next_second(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct timespec d = {0, 1000000000L - now.tv_nsec + 5000000L};
    if (d.tv_nsec >= 1000000000L) {
        d.tv_sec = 1;
        d.tv_nsec -= 1000000000L;
    }
    nanosleep(&d, NULL);
}

static const char *view_name(const bench *b)
{
    return b->app.view == KD_VIEW_STATS ? "stats" : "list";
}

static void report_moving(bench *b, const tally *t)
{
    long long avg = t->n ? t->total / t->n : 0;
    printf("draw.bytes view=%s figures=moving domains=%zu ticks=%u per_tick=%lld max=%lld "
           "text_per_tick=%lld target<%d %s\n",
           view_name(b), kd_conn_domain_count(b->app.conn), t->n, avg, t->max,
           t->n ? t->text / t->n : 0, MOVING_MAX_BYTES, avg < MOVING_MAX_BYTES ? "PASS" : "FAIL");
}

static void report_idle(bench *b, const char *what, const tally *t)
{
    printf("draw.bytes view=%s figures=idle%s ticks=%u total=%lld max=%lld text=%lld target=0 "
           "%s\n",
           view_name(b), what, t->n, t->total, t->max, t->text, t->total == 0 ? "PASS" : "FAIL");
}

static void measure_view(bench *b, kd_view view)
{
    tally moving = {0}, idle = {0}, same = {0};
    long long before = kd_bench_screen_bytes();
    if (b->app.view != view) {
        kd_app_set_view(&b->app, view);
        kd_app_draw_now(&b->app);
        printf("draw.frame view=%s bytes=%lld\n", view_name(b), kd_bench_screen_bytes() - before);
    }

    run_ticks(b, true, 2, &(tally){0}); /* rates exist from the second tick on */
    run_ticks(b, true, b->ticks, &moving);
    report_moving(b, &moving);

    run_ticks(b, false, SETTLE_TICKS, &(tally){0});
    if (view == KD_VIEW_STATS) {
        /* The summary shows the time of day: within one second it cannot change. The
         * first tick of the second draws the new time and is not counted. */
        next_second();
        run_ticks(b, false, 1, &(tally){0});
        run_ticks(b, false, b->ticks, &idle);
        report_idle(b, " clock=same-second", &idle);
        tally clock = {0};
        for (int i = 0; i < CLOCK_TICKS; i++) {
            next_second();
            count(&clock, one_tick(b, false, &clock.text));
        }
        report_idle(b, " clock=new-second", &clock);
    } else {
        run_ticks(b, false, b->ticks, &idle);
        report_idle(b, "", &idle);
    }

    /* Dirty flags with no new figures at all: a redraw of the same frame. */
    before = kd_bench_screen_bytes();
    kd_bench_tick_dirty(&b->app);
    kd_app_draw_now(&b->app);
    same.text = text_bytes(b->out_path, before, kd_bench_screen_bytes());
    count(&same, kd_bench_screen_bytes() - before);
    report_idle(b, " redraw=same-data", &same);
}

static int parse_uint(const char *s, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end || v == 0 || v > 100000)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int main(int argc, char **argv)
{
    bench b;
    unsigned rows, cols;
    memset(&b, 0, sizeof(b));
    if (argc != 7 || parse_uint(argv[4], &rows) < 0 || parse_uint(argv[5], &cols) < 0 ||
        parse_uint(argv[6], &b.ticks) < 0) {
        fprintf(stderr, "usage: bench_draw URI THEMES_DIR OUT_FILE ROWS COLS TICKS\n");
        return 2;
    }
    setlocale(LC_ALL, "");
    b.out_path = argv[3];
    kd_conn *conn = kd_bench_connect(argv[1]);
    kd_bench_screen_open((int)rows, (int)cols, "xterm-256color", b.out_path);
    kd_bench_app_init(&b.app, conn, argv[2], false);
    b.synth = kd_bench_synth_new(conn, 7);

    long long before = kd_bench_screen_bytes();
    kd_app_draw_now(&b.app);
    printf("draw.frame view=first bytes=%lld size=%ux%u term=xterm-256color\n",
           kd_bench_screen_bytes() - before, cols, rows);
    measure_view(&b, KD_VIEW_LIST);
    measure_view(&b, KD_VIEW_STATS);

    kd_bench_synth_free(b.synth);
    kd_bench_app_free(&b.app);
    kd_bench_screen_close();
    kd_conn_free(conn);
    return 0;
}
