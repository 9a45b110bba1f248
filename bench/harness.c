#include "harness.h"
#include "backend/loop.h"
#include "core/str.h"
#include "stats/history.h"
#include "stats/rates.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TICK_NS 2000000000ULL /* kvmdeck's default delay */

static SCREEN *screen;
static FILE *screen_out, *screen_in;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

void kd_bench_screen_open(int rows, int cols, const char *term, const char *out_path)
{
    char buf[16];
    /* Not a terminal: curses takes the size from the environment. */
    snprintf(buf, sizeof(buf), "%d", rows);
    setenv("LINES", buf, 1);
    snprintf(buf, sizeof(buf), "%d", cols);
    setenv("COLUMNS", buf, 1);
    screen_out = fopen(out_path, "w+");
    screen_in = fopen("/dev/null", "r");
    if (!screen_out || !screen_in)
        die("cannot open the screen's files", out_path);
    screen = newterm(term, screen_out, screen_in);
    if (!screen)
        die("newterm failed for terminal type", term);
    set_term(screen);
    if (LINES != rows || COLS != cols)
        resize_term(rows, cols);
    /* The same modes kd_term_open sets: they decide what curses writes. */
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    refresh();
}

void kd_bench_screen_close(void)
{
    if (!screen)
        return;
    endwin();
    delscreen(screen);
    screen = NULL;
    fclose(screen_out);
    fclose(screen_in);
}

long long kd_bench_screen_bytes(void)
{
    struct stat st;
    fflush(screen_out);
    if (fstat(fileno(screen_out), &st) < 0)
        die("fstat of the screen's file", NULL);
    return (long long)st.st_size;
}

kd_conn *kd_bench_connect(const char *uri)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_loop_init(&err) < 0)
        die("kd_loop_init", err.msg);
    kd_conn *c = kd_conn_open(uri, true, &err);
    if (!c)
        die("cannot connect", err.msg);
    return c;
}

void kd_bench_app_init(kd_app *app, kd_conn *conn, const char *themes_dir, bool store)
{
    kd_err err;
    kd_err_clear(&err);
    memset(app, 0, sizeof(*app));
    app->input_watch = -1;
    app->tick_timer = -1;
    app->stats_timer = -1;
    app->delay_ms = 2000;
    kd_ui_opts opts = {.themes_dir = themes_dir};
    if (kd_ui_load_config(app, &opts, &err) < 0)
        die("loading the configuration", err.msg);
    if (store)
        app->store = kd_store_open(NULL, NULL);
    kd_ui_apply_theme(app);
    app->conn = conn;
    kd_stats_ui_reset(app); /* the history, with the program's own size */
    kd_view_list_load_tags(app);
    kd_app_layout(app);
    kd_app_status(app, false, "connected to %s", kd_conn_host(conn)->uri);
}

void kd_bench_app_free(kd_app *app)
{
    kd_stats_ui_stop(app);
    WINDOW *ws[] = {app->w_header, app->w_list, app->w_status, app->w_full, app->w_dialog};
    for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++)
        if (ws[i])
            delwin(ws[i]);
    for (size_t i = 0; i < app->ntags; i++)
        free(app->tags[i].tags);
    free(app->tags);
    free(app->order);
    kd_theme_clear(&app->theme);
    kd_store_free(app->store);
    memset(app, 0, sizeof(*app));
}

void kd_bench_tick_compute(kd_app *app, kd_sample *s)
{
    kd_rates_free(&app->rates);
    kd_rates_compute(app->have_sample ? &app->sample : NULL, s, &app->rates);
    kd_history_add(app->history, &app->rates);
    if (app->have_sample)
        kd_sample_free(&app->sample);
    app->sample = *s;
    app->have_sample = true;
    memset(s, 0, sizeof(*s));
}

void kd_bench_tick_dirty(kd_app *app)
{
    if (app->view == KD_VIEW_STATS)
        app->dirty_full = true;
    else if (app->view == KD_VIEW_LIST)
        app->dirty_list = app->dirty_header = true;
}

uint64_t kd_bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- synthetic samples ----------------------------------------------------------------- */

typedef struct {
    char uuid[37];
    char *name;
    char nic[32];
    int id;
    int state;
    unsigned vcpus;
    uint64_t maxmem_kib;
    /* Rates that walk: % of the host, KiB, bytes/s. */
    double cpu_pct, used_kib, rd_bs, wr_bs, rx_bs, tx_bs;
    /* The cumulative counters a sample carries. */
    uint64_t cpu_ns, vcpu_ns, rd_b, wr_b, rd_r, wr_r, rx_b, tx_b, rx_p, tx_p;
} synth_dom;

struct kd_bench_synth {
    uint64_t rng;
    unsigned host_cpus;
    uint64_t host_mem_kib;
    uint64_t mono_ns;
    int64_t wall_s;
    uint64_t host_busy_ns, host_idle_ns;
    synth_dom *doms;
    size_t ndoms;
};

static double uniform(kd_bench_synth *s)
{
    /* xorshift64*: reproducible from the seed, good enough for figures on a screen. */
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return (double)((s->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static double gauss(kd_bench_synth *s)
{
    return uniform(s) + uniform(s) + uniform(s) + uniform(s) - 2.0; /* Irwin-Hall, sd ~0.58 */
}

/* A multiplicative step, so small figures stay small and large ones move by as much. */
static double walk(kd_bench_synth *s, double v, double sigma, double lo, double hi)
{
    v *= exp(sigma * gauss(s));
    return v < lo ? lo : v > hi ? hi : v;
}

static double log_uniform(kd_bench_synth *s, double lo, double hi)
{
    return lo * pow(hi / lo, uniform(s));
}

kd_bench_synth *kd_bench_synth_new(const kd_conn *conn, uint64_t seed)
{
    kd_bench_synth *s = kd_calloc(1, sizeof(*s));
    s->rng = seed ? seed : 1;
    s->host_cpus = kd_conn_host(conn)->cpus ? kd_conn_host(conn)->cpus : 1;
    s->host_mem_kib = kd_conn_host(conn)->mem_kib;
    s->mono_ns = 1000 * TICK_NS;
    s->wall_s = (int64_t)time(NULL);
    s->ndoms = kd_conn_domain_count(conn);
    s->doms = kd_calloc(s->ndoms ? s->ndoms : 1, sizeof(*s->doms));
    for (size_t i = 0; i < s->ndoms; i++) {
        const kd_domain *d = kd_conn_domain_at(conn, i);
        synth_dom *x = &s->doms[i];
        memcpy(x->uuid, d->uuid, sizeof(x->uuid));
        x->name = kd_strdup(d->name);
        snprintf(x->nic, sizeof(x->nic), "vnet%zu", i);
        x->id = d->id;
        x->state = d->state;
        x->vcpus = d->vcpus ? d->vcpus : 1;
        x->maxmem_kib = d->maxmem_kib ? d->maxmem_kib : d->mem_kib;
        double top = 100.0 * x->vcpus / s->host_cpus;
        x->cpu_pct = log_uniform(s, 0.05, top * 0.6);
        x->used_kib = (double)x->maxmem_kib * (0.3 + 0.5 * uniform(s));
        x->rd_bs = log_uniform(s, 1e3, 2e7);
        x->wr_bs = log_uniform(s, 1e3, 2e7);
        x->rx_bs = log_uniform(s, 1e2, 1e7);
        x->tx_bs = log_uniform(s, 1e2, 1e7);
        x->cpu_ns = (uint64_t)(uniform(s) * 3600e9 * x->vcpus);
        x->vcpu_ns = x->cpu_ns / 10 * 9;
    }
    return s;
}

void kd_bench_synth_free(kd_bench_synth *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ndoms; i++)
        free(s->doms[i].name);
    free(s->doms);
    free(s);
}

static void step_dom(kd_bench_synth *s, synth_dom *x)
{
    double secs = (double)TICK_NS / 1e9;
    double top = 100.0 * x->vcpus / s->host_cpus;
    x->cpu_pct = walk(s, x->cpu_pct, 0.3, 0.01, top);
    x->used_kib =
        walk(s, x->used_kib, 0.03, 0.05 * (double)x->maxmem_kib, 0.95 * (double)x->maxmem_kib);
    x->rd_bs = walk(s, x->rd_bs, 0.5, 100, 5e8);
    x->wr_bs = walk(s, x->wr_bs, 0.5, 100, 5e8);
    x->rx_bs = walk(s, x->rx_bs, 0.5, 60, 1e9);
    x->tx_bs = walk(s, x->tx_bs, 0.5, 60, 1e9);
    uint64_t cpu = (uint64_t)(x->cpu_pct / 100 * secs * s->host_cpus * 1e9);
    x->cpu_ns += cpu;
    x->vcpu_ns += cpu / 10 * 9;
    x->rd_b += (uint64_t)(x->rd_bs * secs);
    x->wr_b += (uint64_t)(x->wr_bs * secs);
    x->rd_r += (uint64_t)(x->rd_bs * secs / 16384) + 1;
    x->wr_r += (uint64_t)(x->wr_bs * secs / 16384) + 1;
    x->rx_b += (uint64_t)(x->rx_bs * secs);
    x->tx_b += (uint64_t)(x->tx_bs * secs);
    x->rx_p += (uint64_t)(x->rx_bs * secs / 900) + 1;
    x->tx_p += (uint64_t)(x->tx_bs * secs / 900) + 1;
    s->host_busy_ns += cpu;
}

static void fill_dom(const synth_dom *x, kd_dom_sample *d)
{
    memcpy(d->uuid, x->uuid, sizeof(d->uuid));
    d->name = kd_strdup(x->name);
    d->id = x->id;
    d->state = x->state;
    d->vcpus = x->vcpus;
    d->maxmem_kib = d->mem_kib = x->maxmem_kib;
    d->flags = KD_SAMPLE_HAS_BALLOON;
    if (x->state != KD_DOM_RUNNING)
        return; /* inactive: state and configured memory only */
    d->flags |=
        KD_SAMPLE_HAS_CPU | KD_SAMPLE_HAS_GUEST_MEM | KD_SAMPLE_HAS_VCPU | KD_SAMPLE_HAS_VCPU_TIME;
    d->cpu_time_ns = x->cpu_ns;
    d->vcpu_time_ns = x->vcpu_ns;
    d->avail_kib = x->maxmem_kib / 100 * 97;
    uint64_t used = (uint64_t)x->used_kib;
    d->unused_kib = d->avail_kib > used ? d->avail_kib - used : 0;
    d->nblocks = 1;
    d->blocks = kd_calloc(1, sizeof(*d->blocks));
    d->blocks[0] = (kd_block_sample){kd_strdup("vda"), x->rd_r, x->rd_b, x->wr_r, x->wr_b};
    d->nnets = 1;
    d->nets = kd_calloc(1, sizeof(*d->nets));
    d->nets[0] = (kd_net_sample){kd_strdup(x->nic), x->rx_b, x->rx_p, 0, 0, x->tx_b, x->tx_p, 0, 0};
}

void kd_bench_synth_next(kd_bench_synth *s, bool moving, kd_sample *out)
{
    memset(out, 0, sizeof(*out));
    s->mono_ns += TICK_NS;
    s->wall_s += (int64_t)(TICK_NS / 1000000000ULL);
    uint64_t busy0 = s->host_busy_ns;
    for (size_t i = 0; i < s->ndoms && moving; i++)
        if (s->doms[i].state == KD_DOM_RUNNING)
            step_dom(s, &s->doms[i]);
    uint64_t all = (uint64_t)s->host_cpus * TICK_NS;
    uint64_t busy = s->host_busy_ns - busy0;
    s->host_idle_ns += all > busy ? all - busy : 0;
    out->mono_ns = s->mono_ns;
    out->wall_s = s->wall_s;
    out->hostname = kd_strdup("bench-host");
    snprintf(out->host_model, sizeof(out->host_model), "x86_64");
    out->host_cpus = out->host_maxcpus = s->host_cpus;
    out->host_mhz = 2400;
    out->host_mem_kib = s->host_mem_kib;
    out->has_host_cpu = true;
    out->host_cpu_user_ns = s->host_busy_ns / 10 * 8;
    out->host_cpu_system_ns = s->host_busy_ns - out->host_cpu_user_ns;
    out->host_cpu_idle_ns = s->host_idle_ns;
    out->has_host_mem = true;
    out->host_total_kib = out->host_mem_kib;
    uint64_t used = 0;
    out->ndoms = s->ndoms;
    out->doms = kd_calloc(s->ndoms ? s->ndoms : 1, sizeof(*out->doms));
    for (size_t i = 0; i < s->ndoms; i++) {
        fill_dom(&s->doms[i], &out->doms[i]);
        if (s->doms[i].state == KD_DOM_RUNNING)
            used += s->doms[i].maxmem_kib;
    }
    /* Guests' memory plus a little for the host itself; the rest split free and cache. */
    uint64_t rest = out->host_total_kib > used * 21 / 20 ? out->host_total_kib - used * 21 / 20 : 0;
    out->host_free_kib = rest / 3 * 2;
    out->host_cached_kib = rest / 3;
}
