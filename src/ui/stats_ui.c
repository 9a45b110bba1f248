#include "backend/loop.h"
#include "backend/sampler.h"
#include "core/str.h"
#include "ui/app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The sampling tick: one bulk call, rates against the previous sample, a point of
 * history, and only the views that show figures are marked for redrawing. */

#define HISTORY_POINTS 600
#define MIN_DELAY_MS   100
#define MAX_DELAY_MS   3600000

void kd_format_rate(char *buf, size_t n, double v)
{
    static const char units[] = " KMGTP";
    if (!kd_rate_valid(v)) {
        snprintf(buf, n, "-");
        return;
    }
    int u = 0;
    while (v >= 1000 && u < 5) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

void kd_stats_ui_reset(kd_app *app)
{
    if (app->have_sample)
        kd_sample_free(&app->sample);
    app->have_sample = false;
    kd_rates_free(&app->rates);
    kd_history_free(app->history);
    app->history = kd_history_new(HISTORY_POINTS, 30);
    free(app->pcpu_busy);
    free(app->pcpu_total);
    free(app->pcpu_pct);
    app->pcpu_busy = app->pcpu_total = NULL;
    app->pcpu_pct = NULL;
    app->npcpu = 0;
}

static void sample_pcpus(kd_app *app)
{
    unsigned long long *busy = NULL, *total = NULL;
    unsigned n = 0;
    if (kd_sampler_take_pcpus(app->conn, &busy, &total, &n, NULL) < 0)
        return;
    if (n != app->npcpu) {
        free(app->pcpu_pct);
        app->pcpu_pct = kd_calloc(n ? n : 1, sizeof(double));
        for (unsigned i = 0; i < n; i++)
            app->pcpu_pct[i] = NAN;
    } else {
        for (unsigned i = 0; i < n; i++) {
            unsigned long long db = busy[i] - app->pcpu_busy[i];
            unsigned long long dt = total[i] - app->pcpu_total[i];
            bool sane = busy[i] >= app->pcpu_busy[i] && total[i] > app->pcpu_total[i];
            app->pcpu_pct[i] = sane ? 100.0 * (double)db / (double)dt : NAN;
        }
    }
    free(app->pcpu_busy);
    free(app->pcpu_total);
    app->pcpu_busy = busy;
    app->pcpu_total = total;
    app->npcpu = n;
}

static void save_history(kd_app *app)
{
    /* A point every tick, in one transaction; older points are folded into minutes. */
    size_t n = app->rates.ndoms;
    kd_stat_point *p = kd_calloc(n * KD_SERIES_LAST + KD_SERIES_LAST, sizeof(*p));
    size_t k = 0;
    double host[KD_SERIES_LAST] = {app->rates.host_cpu_pct, app->rates.host_mem_used_kib, NAN, NAN};
    for (int s = 0; s < KD_SERIES_LAST; s++)
        p[k++] = (kd_stat_point){"", s, host[s]};
    for (size_t i = 0; i < n; i++) {
        const kd_dom_rates *d = &app->rates.doms[i];
        if (d->state != 1 /* running */ && d->state != 2 && d->state != 3)
            continue;
        double v[KD_SERIES_LAST] = {d->cpu_pct, d->mem_used_kib,
                                    d->blk.rd_bytes_s + d->blk.wr_bytes_s,
                                    d->net.rx_bytes_s + d->net.tx_bytes_s};
        for (int s = 0; s < KD_SERIES_LAST; s++)
            p[k++] = (kd_stat_point){d->uuid, s, v[s]};
    }
    kd_err err;
    kd_err_clear(&err);
    const char *uri = kd_conn_host(app->conn)->uri;
    int64_t now = app->rates.wall_s;
    if (now < app->history_paused_until) {
        free(p);
        return;
    }
    if (kd_store_put_stats(app->store, uri, now, p, k, &err) < 0) {
        /* A database held by another program costs a wait per write: stop trying for a
         * minute rather than stall every tick. */
        kd_app_status(app, true, "stats history paused for a minute: %s", err.msg);
        app->history_paused_until = now + 60;
    }
    free(p);
    /* Folding old points into minutes comes in slices: again next tick while there is
     * more to do, else once a minute. */
    if (app->history_prune_more || now - app->history_saved_at >= 60) {
        int rc = kd_store_prune_stats(app->store, now, KD_STORE_RAW_KEEP_S, KD_STORE_BUCKET_KEEP_S,
                                      NULL);
        app->history_prune_more = rc == 1;
        app->history_saved_at = now;
    }
}

static void on_tick(int timer, void *opaque)
{
    kd_app *app = opaque;
    (void)timer;
    if (!app->conn || !kd_conn_alive(app->conn))
        return;
    kd_sample s;
    kd_err err;
    kd_err_clear(&err);
    if (kd_sampler_take(app->conn, &s, &err) < 0)
        return; /* a dead connection is reported by the connection itself */
    kd_rates_free(&app->rates);
    kd_rates_compute(app->have_sample ? &app->sample : NULL, &s, &app->rates);
    kd_history_add(app->history, &app->rates);
    if (app->have_sample)
        kd_sample_free(&app->sample);
    app->sample = s;
    app->have_sample = true;
    if (app->view == KD_VIEW_STATS && app->stats_mode == KD_STATS_PCPUS)
        sample_pcpus(app);
    if (kd_rate_valid(app->rates.elapsed_s))
        save_history(app);
    if (app->view == KD_VIEW_STATS)
        app->dirty_full = true;
    else if (app->view == KD_VIEW_LIST)
        app->dirty_list = app->dirty_header = true;
}

void kd_stats_ui_set_delay(kd_app *app, int ms)
{
    if (ms < MIN_DELAY_MS)
        ms = MIN_DELAY_MS;
    if (ms > MAX_DELAY_MS)
        ms = MAX_DELAY_MS;
    app->delay_ms = ms;
    if (app->stats_timer >= 0)
        kd_loop_update_timer(app->stats_timer, ms);
}

void kd_stats_ui_start(kd_app *app)
{
    if (!app->history)
        app->history = kd_history_new(HISTORY_POINTS, 30);
    if (app->delay_ms <= 0)
        app->delay_ms = 2000;
    if (app->stats_timer < 0)
        app->stats_timer = kd_loop_add_timer(app->delay_ms, on_tick, app, NULL);
    on_tick(app->stats_timer, app); /* the first sample now: rates from the second tick */
}

void kd_stats_ui_stop(kd_app *app)
{
    kd_loop_remove_timer(app->stats_timer);
    app->stats_timer = -1;
    kd_stats_ui_reset(app);
    kd_history_free(app->history);
    app->history = NULL;
}

/* ---- actions --------------------------------------------------------------------------- */

static const char *const col_names[KD_SCOL_LAST] = {"id",   "name", "cpu", "memory",
                                                    "disk", "net",  "time"};

static void save_prefs(kd_app *app)
{
    char delay[32];
    snprintf(delay, sizeof(delay), "%d", app->delay_ms);
    kd_store_put_pref(app->store, "stats.sort", col_names[app->stats_sort], NULL);
    kd_store_put_pref(app->store, "stats.reverse", app->stats_reverse ? "1" : "0", NULL);
    kd_store_put_pref(app->store, "stats.delay_ms", delay, NULL);
}

void kd_stats_ui_load_prefs(kd_app *app)
{
    char *v = NULL;
    app->stats_sort = KD_SCOL_CPU; /* virt-top's default */
    if (kd_store_get_pref(app->store, "stats.sort", &v, NULL) == 0 && v)
        for (int i = 0; i < KD_SCOL_LAST; i++)
            if (strcmp(v, col_names[i]) == 0)
                app->stats_sort = (kd_stats_col)i;
    free(v);
    v = NULL;
    if (kd_store_get_pref(app->store, "stats.reverse", &v, NULL) == 0 && v)
        app->stats_reverse = strcmp(v, "1") == 0;
    free(v);
    v = NULL;
    if (kd_store_get_pref(app->store, "stats.delay_ms", &v, NULL) == 0 && v)
        app->delay_ms = atoi(v);
    free(v);
    if (app->delay_ms < MIN_DELAY_MS || app->delay_ms > MAX_DELAY_MS)
        app->delay_ms = 2000;
}

static void set_sort(kd_app *app, kd_stats_col col)
{
    if (app->stats_sort == col)
        app->stats_reverse = !app->stats_reverse;
    else
        app->stats_reverse = false;
    app->stats_sort = col;
    save_prefs(app);
    kd_app_status(app, false, "stats sorted by %s%s", col_names[col],
                  app->stats_reverse ? ", reversed" : "");
    app->dirty_full = true;
}

#define SORT_ACTION(fn, col)                                                                       \
    static void fn(kd_app *app, int argc, char **argv)                                             \
    {                                                                                              \
        set_sort(app, col);                                                                        \
    }
SORT_ACTION(act_sort_cpu, KD_SCOL_CPU)
SORT_ACTION(act_sort_mem, KD_SCOL_MEM)
SORT_ACTION(act_sort_time, KD_SCOL_TIME)
SORT_ACTION(act_sort_id, KD_SCOL_ID)
SORT_ACTION(act_sort_name, KD_SCOL_NAME)
SORT_ACTION(act_sort_disk, KD_SCOL_DISK)
SORT_ACTION(act_sort_net, KD_SCOL_NET)

static void act_sort_next(kd_app *app, int argc, char **argv)
{
    set_sort(app, (kd_stats_col)((app->stats_sort + 1) % KD_SCOL_LAST));
}

static void set_mode(kd_app *app, kd_stats_mode m)
{
    if (app->view != KD_VIEW_STATS)
        kd_app_set_view(app, KD_VIEW_STATS);
    app->stats_mode = m;
    app->stats_top = 0;
    if (m == KD_STATS_PCPUS && app->conn)
        sample_pcpus(app);
    app->dirty_full = true;
}

#define MODE_ACTION(fn, m)                                                                         \
    static void fn(kd_app *app, int argc, char **argv)                                             \
    {                                                                                              \
        set_mode(app, m);                                                                          \
    }
MODE_ACTION(act_mode_domains, KD_STATS_DOMAINS)
MODE_ACTION(act_mode_pcpus, KD_STATS_PCPUS)
MODE_ACTION(act_mode_net, KD_STATS_NET)
MODE_ACTION(act_mode_block, KD_STATS_BLOCK)

static void act_stats(kd_app *app, int argc, char **argv)
{
    kd_app_set_view(app, app->view == KD_VIEW_STATS ? KD_VIEW_LIST : KD_VIEW_STATS);
}

static void apply_delay(kd_app *app, const char *text)
{
    char *end;
    double s = strtod(text, &end);
    while (*end == ' ')
        end++;
    if (end == text || *end || !(s >= 0.1 && s <= 3600)) {
        kd_app_status(app, true, "delay: seconds from 0.1 to 3600, not '%s'", text);
        return;
    }
    kd_stats_ui_set_delay(app, (int)lround(s * 1000));
    save_prefs(app);
    kd_app_status(app, false, "figures every %.1f s", app->delay_ms / 1000.0);
    app->dirty_full = true;
}

static void on_delay(kd_app *app, bool ok, const char *text, void *opaque)
{
    if (ok)
        apply_delay(app, text);
}

static void act_delay(kd_app *app, int argc, char **argv)
{
    if (argc > 0) {
        apply_delay(app, argv[0]);
        return;
    }
    char cur[32];
    snprintf(cur, sizeof(cur), "%.1f", app->delay_ms / 1000.0);
    kd_dialog_spec spec = {.title = "Delay",
                           .message = "Seconds between samples (0.1-3600).",
                           .initial = cur,
                           .done = on_delay};
    kd_dialog_prompt(app, &spec);
}

const kd_action kd_actions_stats[] = {
    {"view.stats", "top", NULL, "Live statistics (like virt-top)", act_stats},
    {"stats.domains", NULL, NULL, "Statistics: domains", act_mode_domains},
    {"stats.pcpus", NULL, NULL, "Statistics: physical CPUs", act_mode_pcpus},
    {"stats.net", NULL, NULL, "Statistics: network interfaces", act_mode_net},
    {"stats.block", NULL, NULL, "Statistics: block devices", act_mode_block},
    {"stats.sort_cpu", NULL, NULL, "Sort by %CPU (again: reverse)", act_sort_cpu},
    {"stats.sort_mem", NULL, NULL, "Sort by memory", act_sort_mem},
    {"stats.sort_time", NULL, NULL, "Sort by CPU time", act_sort_time},
    {"stats.sort_id", NULL, NULL, "Sort by ID", act_sort_id},
    {"stats.sort_name", NULL, NULL, "Sort by name", act_sort_name},
    {"stats.sort_disk", NULL, NULL, "Sort by disk bytes/s", act_sort_disk},
    {"stats.sort_net", NULL, NULL, "Sort by network bytes/s", act_sort_net},
    {"stats.sort_next", NULL, NULL, "Sort by the next column", act_sort_next},
    {"stats.delay", "delay", "SECONDS", "Time between samples", act_delay},
};
const size_t kd_actions_stats_count = sizeof(kd_actions_stats) / sizeof(kd_actions_stats[0]);
