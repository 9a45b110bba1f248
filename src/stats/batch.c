#include "stats/batch.h"
#include "backend/conn.h"
#include "backend/domain.h"
#include "backend/loop.h"
#include "backend/sample.h"
#include "backend/sampler.h"
#include "core/str.h"
#include "stats/output.h"
#include "stats/rates.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- options ------------------------------------------------------------------------- */

void kd_batch_opts_init(kd_batch_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->delay_ms = KD_BATCH_DELAY_DEFAULT_MS;
}

int kd_batch_parse_delay(const char *s, int *ms, kd_err *err)
{
    static const char digits[] = "0123456789";
    size_t whole = strspn(s, digits), frac = 0;
    const char *p = s + whole;
    if (*p == '.') {
        frac = strspn(p + 1, digits);
        p += 1 + frac;
    }
    /* Validated first: strtod alone would take "inf", "0x10", "1e3" and leading blanks. */
    if (*p || whole + frac == 0) {
        kd_err_set(err, KD_ERR_INVALID, "'%s' is not a number of seconds", s);
        return -1;
    }
    /* The C locale: a script's "0.5" must not depend on the user's decimal comma. */
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!c)
        kd_die_oom();
    double v = strtod_l(s, NULL, c);
    freelocale(c);
    if (!(v >= KD_BATCH_DELAY_MIN_MS / 1000.0 && v <= KD_BATCH_DELAY_MAX_MS / 1000.0)) {
        kd_err_set(err, KD_ERR_INVALID, "a delay of %s seconds is out of range (%g to %g)", s,
                   KD_BATCH_DELAY_MIN_MS / 1000.0, KD_BATCH_DELAY_MAX_MS / 1000.0);
        return -1;
    }
    *ms = (int)llround(v * 1000.0);
    return 0;
}

int kd_batch_parse_iterations(const char *s, unsigned long *n, kd_err *err)
{
    char *end;
    errno = 0;
    /* strtoul would accept "-1" (as a huge count) and leading blanks. */
    unsigned long v = *s >= '0' && *s <= '9' ? strtoul(s, &end, 10) : 0;
    if (v == 0 || errno || *end) {
        kd_err_set(err, KD_ERR_INVALID, "'%s' is not a number of iterations (1 or more)", s);
        return -1;
    }
    *n = v;
    return 0;
}

/* ---- formats and where they go ---------------------------------------------------------- */

typedef void (*header_fn)(kd_buf *b);
typedef void (*tick_fn)(kd_buf *b, const kd_sample *s, const kd_rates *r);

typedef struct {
    const char *option, *what; /* for messages */
    header_fn header;          /* written once, before the first tick; NULL for none */
    tick_fn tick;
} format;

typedef struct {
    const format *fmt;
    const char *path; /* "-": standard output */
    FILE *f;
} sink;

static void text_tick(kd_buf *b, const kd_sample *s, const kd_rates *r);

enum { FMT_CSV, FMT_JSON, FMT_TEXT, FMT_LAST };

static const format formats[FMT_LAST] = {
    [FMT_CSV] = {"--csv", "CSV", kd_output_csv_header, kd_output_csv_row},
    [FMT_JSON] = {"--json", "JSON", NULL, kd_output_json},
    [FMT_TEXT] = {"--stream", "text", NULL, text_tick},
};

static bool is_stdout(const char *path)
{
    return strcmp(path, "-") == 0;
}

/* The text table is also what --batch prints when no other output is chosen. */
static size_t plan_sinks(const kd_batch_opts *o, sink out[FMT_LAST])
{
    size_t n = 0;
    if (o->csv)
        out[n++] = (sink){&formats[FMT_CSV], o->csv, NULL};
    if (o->json)
        out[n++] = (sink){&formats[FMT_JSON], o->json, NULL};
    if (o->stream || (!o->csv && !o->json && !o->prometheus))
        out[n++] = (sink){&formats[FMT_TEXT], "-", NULL};
    return n;
}

static int check_pair(const sink *a, const sink *b, kd_err *err)
{
    if (strcmp(a->path, b->path) != 0)
        return 0;
    if (is_stdout(a->path))
        kd_err_set(err, KD_ERR_INVALID,
                   "%s and %s would both write to standard output; send one to a file",
                   a->fmt->option, b->fmt->option);
    else
        kd_err_set(err, KD_ERR_INVALID, "%s and %s would both write to %s", a->fmt->option,
                   b->fmt->option, a->path);
    return -1;
}

static int check_prometheus(const char *path, const sink *s, size_t n, kd_err *err)
{
    if (*path == '\0' || is_stdout(path)) {
        kd_err_set(err, KD_ERR_INVALID,
                   "--prometheus needs a file name (it is replaced, not "
                   "written to)");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(path, s[i].path) == 0) {
            kd_err_set(err, KD_ERR_INVALID, "--prometheus and %s would both write to %s",
                       s[i].fmt->option, path);
            return -1;
        }
    }
    return 0;
}

int kd_batch_check(const kd_batch_opts *o, kd_err *err)
{
    sink s[FMT_LAST];
    size_t n = plan_sinks(o, s);
    if (o->delay_ms < KD_BATCH_DELAY_MIN_MS || o->delay_ms > KD_BATCH_DELAY_MAX_MS) {
        kd_err_set(err, KD_ERR_INVALID, "the delay must be from %g to %g seconds",
                   KD_BATCH_DELAY_MIN_MS / 1000.0, KD_BATCH_DELAY_MAX_MS / 1000.0);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (*s[i].path == '\0') {
            kd_err_set(err, KD_ERR_INVALID, "%s: empty file name", s[i].fmt->option);
            return -1;
        }
        for (size_t j = i + 1; j < n; j++)
            if (check_pair(&s[i], &s[j], err) < 0)
                return -1;
    }
    return o->prometheus ? check_prometheus(o->prometheus, s, n, err) : 0;
}

/* ---- the text table ------------------------------------------------------------------ */

/* Names are shown as they are, but never as terminal control sequences. */
static void put_safe(kd_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char c = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
        kd_buf_add(b, &c, 1);
    }
}

/* A figure right-aligned in width, or "-" when it has no value. */
static void put_num(kd_buf *b, int width, int decimals, double v)
{
    if (kd_rate_valid(v))
        kd_buf_printf(b, " %*.*f", width, decimals, v);
    else
        kd_buf_printf(b, " %*s", width, "-");
}

/* " CPU 12.5%" or " CPU n/a" */
static void put_figure(kd_buf *b, const char *label, double v, int decimals, const char *unit)
{
    if (kd_rate_valid(v))
        kd_buf_printf(b, " %s %.*f%s", label, decimals, v, unit);
    else
        kd_buf_printf(b, " %s n/a", label);
}

static void text_host(kd_buf *b, const kd_sample *s, const kd_rates *r)
{
    char when[32] = "";
    struct tm tm;
    time_t t = (time_t)s->wall_s;
    size_t active = 0;
    for (size_t i = 0; i < s->ndoms; i++)
        active += s->doms[i].state != KD_DOM_SHUTOFF;
    if (localtime_r(&t, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    kd_buf_printf(b, "kvmdeck %s host ", when);
    put_safe(b, s->hostname ? s->hostname : "unknown");
    kd_buf_printf(b, " %s %u/%u CPU %u MHz %llu MiB; %zu domain%s, %zu active, %zu inactive;",
                  s->host_model[0] ? s->host_model : "?", s->host_cpus, s->host_maxcpus,
                  s->host_mhz, (unsigned long long)(s->host_mem_kib / 1024), s->ndoms,
                  s->ndoms == 1 ? "" : "s", active, s->ndoms - active);
    put_figure(b, "CPU", r->host_cpu_pct, 1, "%");
    kd_buf_add(b, ";", 1);
    put_figure(b, "used memory", r->host_mem_used_kib / 1024, 0, " MiB");
    kd_buf_add(b, "\n", 1);
}

/* virt-top's state letters, with M for a guest suspended to memory. */
static const char state_letters[KD_DOM_LAST + 1] = "?RSPDOXM";

static void text_dom(kd_buf *b, const kd_dom_sample *d, const kd_dom_rates *dr)
{
    char st = d->state >= 0 && d->state < KD_DOM_LAST ? state_letters[d->state] : '?';
    kd_buf_printf(b, "%5d %c", d->id, st);
    put_num(b, 5, 1, dr ? dr->cpu_pct : NAN);
    put_num(b, 8, 0, d->flags & KD_SAMPLE_HAS_BALLOON ? d->mem_kib / 1024.0 : NAN);
    put_num(b, 7, 1, dr ? dr->blk.rd_reqs_s : NAN);
    put_num(b, 7, 1, dr ? dr->blk.wr_reqs_s : NAN);
    put_num(b, 9, 0, dr ? dr->net.rx_bytes_s : NAN);
    put_num(b, 9, 0, dr ? dr->net.tx_bytes_s : NAN);
    kd_buf_add(b, " ", 1);
    put_safe(b, d->name ? d->name : "");
    kd_buf_add(b, "\n", 1);
}

typedef struct {
    int id;
    size_t index;
} dom_order;

static int cmp_order(const void *a, const void *b)
{
    const dom_order *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* One block per tick, ended by a blank line: the host, then the active domains by ID, as
 * virt-top --stream lists them, with rates per second. */
static void text_tick(kd_buf *b, const kd_sample *s, const kd_rates *r)
{
    text_host(b, s, r);
    kd_buf_adds(b, "   ID S  %CPU  MEM MiB  RDRQ/s  WRRQ/s    RXBY/s    TXBY/s NAME\n");
    dom_order *order = kd_calloc(s->ndoms, sizeof(*order));
    size_t n = 0;
    for (size_t i = 0; i < s->ndoms; i++)
        if (s->doms[i].state != KD_DOM_SHUTOFF)
            order[n++] = (dom_order){s->doms[i].id, i};
    qsort(order, n, sizeof(*order), cmp_order);
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k].index;
        bool match = i < r->ndoms && strcmp(r->doms[i].uuid, s->doms[i].uuid) == 0;
        text_dom(b, &s->doms[i], match ? &r->doms[i] : NULL);
    }
    free(order);
    kd_buf_add(b, "\n", 1);
}

/* ---- signals ------------------------------------------------------------------------- */

static int sig_pipe[2] = {-1, -1};
static const int quit_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NSIGNALS (sizeof(quit_signals) / sizeof(quit_signals[0]))

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char c = (unsigned char)sig;
    ssize_t n = write(sig_pipe[1], &c, 1);
    (void)n;
    errno = saved;
}

/* The handler only wakes the loop, which ends after the tick it may be in. It is reset by
 * its first use, so that a second Ctrl+C still stops a run stuck in a libvirt call. */
static int signals_start(kd_err *err)
{
    if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
        kd_err_set(err, KD_ERR_IO, "pipe: %s", strerror(errno));
        return -1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSIGNALS; i++)
        sigaction(quit_signals[i], &sa, NULL);
    /* A reader that goes away shows as EPIPE on the write, handled there. */
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static void signals_stop(void)
{
    for (size_t i = 0; i < NSIGNALS; i++)
        signal(quit_signals[i], SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    for (int i = 0; i < 2; i++) {
        if (sig_pipe[i] >= 0)
            close(sig_pipe[i]);
        sig_pipe[i] = -1;
    }
}

/* ---- the run ------------------------------------------------------------------------- */

typedef struct {
    const kd_batch_opts *o;
    kd_conn *conn;
    sink sinks[FMT_LAST];
    size_t nsinks;
    kd_sample prev;
    bool have_prev;
    bool outage; /* samples are failing; said once */
    unsigned long rows;
    int status; /* -1 while running */
    kd_err err; /* why, when status is 1 */
    int timer, sig_watch, out_watch;
} batch;

static void finish(batch *b, int status)
{
    if (b->status < 0)
        b->status = status;
}

static void fail(batch *b, const kd_err *e)
{
    if (b->status < 0)
        b->err = *e;
    finish(b, 1);
}

/* Write failures end the run; a reader of a pipe that left (head) ends it quietly. */
static int put(batch *b, sink *s, const kd_buf *buf)
{
    kd_err e;
    kd_err_clear(&e);
    if (kd_output_put(s->f, buf, &e) == 0)
        return 0;
    if (errno == EPIPE) {
        finish(b, 0);
        return -1;
    }
    kd_err_prefix(&e, "%s", is_stdout(s->path) ? "standard output" : s->path);
    fail(b, &e);
    return -1;
}

static int write_prometheus(batch *b, const kd_sample *s, const kd_rates *r)
{
    kd_err e;
    kd_err_clear(&e);
    if (!b->o->prometheus || kd_output_prom_file(b->o->prometheus, s, r, &e) == 0)
        return 0;
    fail(b, &e);
    return -1;
}

static int emit(batch *b, const kd_sample *s, const kd_rates *r)
{
    for (size_t i = 0; i < b->nsinks; i++) {
        kd_buf buf;
        kd_buf_init(&buf);
        b->sinks[i].fmt->tick(&buf, s, r);
        int rc = put(b, &b->sinks[i], &buf);
        kd_buf_free(&buf);
        if (rc < 0)
            return -1;
    }
    return write_prometheus(b, s, r);
}

/* The sample becomes the previous one. The first one of a series prints no row, but the
 * Prometheus file gets its counters at once. */
static void keep(batch *b, kd_sample *cur, bool print)
{
    kd_rates r;
    kd_rates_compute(b->have_prev ? &b->prev : NULL, cur, &r);
    int rc = print ? emit(b, cur, &r) : write_prometheus(b, cur, &r);
    kd_rates_free(&r);
    kd_sample_free(&b->prev);
    b->prev = *cur;
    b->have_prev = true;
    if (rc == 0 && print && b->o->iterations && ++b->rows >= b->o->iterations)
        finish(b, 0);
}

static void on_tick(int timer, void *opaque)
{
    batch *b = opaque;
    kd_sample cur;
    kd_err e;
    (void)timer;
    if (b->status >= 0)
        return;
    kd_err_clear(&e);
    if (kd_sampler_take(b->conn, &cur, &e) < 0) {
        if (!b->outage)
            fprintf(stderr, "kvmdeck: %s; retrying every tick\n", e.msg);
        b->outage = true;
        kd_sample_free(&b->prev);
        b->have_prev = false;
        return;
    }
    if (b->outage)
        fprintf(stderr, "kvmdeck: statistics read again; rates restart\n");
    b->outage = false;
    keep(b, &cur, b->have_prev);
}

static void on_signal_pipe(int watch, int fd, int events, void *opaque)
{
    unsigned char c;
    (void)watch;
    (void)events;
    while (read(fd, &c, 1) == 1)
        ;
    finish(opaque, 0);
}

static void on_stdout_gone(int watch, int fd, int events, void *opaque)
{
    (void)watch;
    (void)fd;
    (void)events;
    finish(opaque, 0);
}

/* A pipe's reader that leaves shows at once as an error on our end, so `| head` returns
 * without waiting for the next tick's write to fail. */
static int watch_stdout(batch *b, kd_err *err)
{
    struct stat st;
    bool used = false;
    for (size_t i = 0; i < b->nsinks; i++)
        used |= is_stdout(b->sinks[i].path);
    if (!used || fstat(STDOUT_FILENO, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
        return 0;
    b->out_watch =
        kd_loop_add_handle(STDOUT_FILENO, KD_LOOP_ERROR | KD_LOOP_HANGUP, on_stdout_gone, b, err);
    return b->out_watch < 0 ? -1 : 0;
}

/* -1 with b->status set (0 when standard output's reader already left) or b->err. */
static int open_sinks(batch *b)
{
    for (size_t i = 0; i < b->nsinks; i++) {
        sink *s = &b->sinks[i];
        s->f = is_stdout(s->path) ? stdout : fopen(s->path, "we");
        if (!s->f) {
            kd_err_set(&b->err, KD_ERR_IO, "cannot open the %s file %s: %s", s->fmt->what, s->path,
                       strerror(errno));
            return -1;
        }
        if (!s->fmt->header)
            continue;
        kd_buf buf;
        kd_buf_init(&buf);
        s->fmt->header(&buf);
        int rc = put(b, s, &buf);
        kd_buf_free(&buf);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Every tick was flushed already; fclose can still report what the kernel delayed. -1 with
 * err for the first file that fails. */
static int close_sinks(batch *b, kd_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < b->nsinks; i++) {
        sink *s = &b->sinks[i];
        if (!s->f || s->f == stdout)
            continue;
        if (fclose(s->f) != 0 && rc == 0) {
            kd_err_set(err, KD_ERR_IO, "closing %s: %s", s->path, strerror(errno));
            rc = -1;
        }
        s->f = NULL;
    }
    return rc;
}

/* Everything up to the first sample; -1 with b->err or b->status set. */
static int start(batch *b)
{
    kd_sample first;
    b->nsinks = plan_sinks(b->o, b->sinks);
    b->conn = kd_conn_open(b->o->uri, true, &b->err);
    if (!b->conn || open_sinks(b) < 0 || signals_start(&b->err) < 0)
        return -1;
    b->sig_watch = kd_loop_add_handle(sig_pipe[0], KD_LOOP_READ, on_signal_pipe, b, &b->err);
    if (b->sig_watch < 0 || watch_stdout(b, &b->err) < 0)
        return -1;
    if (kd_sampler_take(b->conn, &first, &b->err) < 0)
        return -1;
    keep(b, &first, false);
    if (b->status >= 0)
        return -1;
    b->timer = kd_loop_add_timer(b->o->delay_ms, on_tick, b, &b->err);
    return b->timer < 0 ? -1 : 0;
}

static void stop(batch *b)
{
    kd_loop_remove_timer(b->timer);
    kd_loop_remove_handle(b->out_watch);
    kd_loop_remove_handle(b->sig_watch);
    signals_stop();
    kd_sample_free(&b->prev);
    kd_conn_free(b->conn);
}

int kd_batch_run(const kd_batch_opts *opts, kd_err *err)
{
    batch b = {.o = opts, .status = -1, .timer = -1, .sig_watch = -1, .out_watch = -1};
    kd_err_clear(&b.err);
    if (kd_batch_check(opts, err) < 0)
        return 2;
    if (kd_loop_init(err) < 0)
        return 1;
    if (start(&b) < 0)
        finish(&b, 1);
    while (b.status < 0) {
        kd_err e;
        kd_err_clear(&e);
        if (kd_loop_run_once(&e) < 0)
            fail(&b, &e);
    }
    kd_err e;
    /* A failure at close still turns a finished run into an error. */
    if (close_sinks(&b, &e) < 0 && b.status == 0) {
        b.status = 1;
        b.err = e;
    }
    stop(&b);
    if (b.status != 0)
        *err = b.err;
    return b.status;
}
