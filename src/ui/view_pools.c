#include "backend/storage.h"
#include "core/str.h"
#include "ui/app.h"
#include "ui/graph.h"
#include "ui/storage_ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The pools screen: one row a pool, with how full it is as a bar. */

typedef struct {
    kd_pool *pools;
    size_t n;
    kd_cursor cur;
    char *error;        /* why the list could not be read */
    char sel_name[256]; /* the selection, kept by name across reloads */
} pools_state;

static const kd_screen_ops pools_ops;

static void state_free(void *p)
{
    pools_state *s = p;
    if (!s)
        return;
    kd_storage_pools_free(s->pools, s->n);
    free(s->error);
    free(s);
}

static void remember(pools_state *s)
{
    if (s->cur.sel < s->n && s->pools)
        snprintf(s->sel_name, sizeof(s->sel_name), "%s", s->pools[s->cur.sel].name);
}

static void load(kd_app *app, pools_state *s)
{
    remember(s);
    kd_storage_pools_free(s->pools, s->n);
    s->pools = NULL;
    s->n = 0;
    free(s->error);
    s->error = NULL;
    kd_err err;
    kd_err_clear(&err);
    s->pools = app->conn ? kd_storage_pools_list(app->conn, &s->n, &err) : NULL;
    if (!s->pools)
        s->error = kd_strdup(app->conn ? err.msg : "not connected");
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->pools[i].name, s->sel_name) == 0)
            s->cur.sel = i;
    app->dirty_full = true;
}

void kd_pools_open(kd_app *app)
{
    pools_state *s = kd_screen_find(app, &pools_ops);
    if (!s) {
        s = kd_calloc(1, sizeof(*s));
        kd_screen_open(app, &pools_ops, s, state_free);
    } else {
        kd_screen_open(app, &pools_ops, s, NULL);
    }
    load(app, s);
}

void kd_pools_select(kd_app *app, const char *name)
{
    pools_state *s = kd_screen_find(app, &pools_ops);
    if (s) {
        snprintf(s->sel_name, sizeof(s->sel_name), "%s", name);
        s->cur.sel = s->n; /* so that load keeps the name */
    }
}

void kd_pools_reload(kd_app *app)
{
    pools_state *s = kd_screen_find(app, &pools_ops);
    if (s)
        load(app, s);
}

const char *kd_pools_target(kd_app *app, const char *given, const char *verb)
{
    if (given && *given)
        return given;
    pools_state *s = kd_screen_state(app, &pools_ops);
    if (s && s->cur.sel < s->n)
        return s->pools[s->cur.sel].name;
    const char *shown =
        kd_screen_top(app) && app->view == KD_VIEW_SCREEN ? kd_vols_pool(app) : NULL;
    if (shown)
        return shown;
    kd_app_status(app, true, "%s: name a pool (%s POOL), or choose one on the pools screen (P)",
                  verb, verb);
    return NULL;
}

/* ---- drawing ------------------------------------------------------------------------------ */

void kd_storage_fmt_bytes(char *buf, size_t n, unsigned long long bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%llu B", bytes);
    else
        snprintf(buf, n, "%.1f %s", v, units[u]);
}

void kd_storage_draw_bar(WINDOW *w, int y, int x, int width, unsigned long long done,
                         unsigned long long total)
{
    if (width <= 0)
        return;
    bool utf8 = kd_graph_style_for_locale(false) != KD_GRAPH_ASCII;
    int fill = total ? (int)((double)(done > total ? total : done) * width / (double)total) : 0;
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_GRAPH));
    for (int i = 0; i < width; i++) {
        if (i == fill)
            wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
        kd_draw_text(w, y, x + i, 1, i < fill ? (utf8 ? "\u2588" : "#") : (utf8 ? "\u00b7" : "."));
    }
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
}

static void draw_row(WINDOW *w, int y, int cols, const kd_pool *p, bool selected)
{
    char cap[24], alloc[24], avail[24];
    kd_storage_fmt_bytes(cap, sizeof(cap), p->capacity);
    kd_storage_fmt_bytes(alloc, sizeof(alloc), p->allocation);
    kd_storage_fmt_bytes(avail, sizeof(avail), p->available);
    bool running = p->state == KD_POOL_RUNNING;
    attr_t base = (attr_t)kd_theme_attr(selected ? KD_SLOT_LIST_SELECTED : KD_SLOT_NORMAL);
    wattrset(w, base);
    kd_draw_fill(w, y, 0, cols);
    kd_draw_text(w, y, 1, 18, p->name);
    wattrset(w, selected ? base
                         : (attr_t)kd_theme_attr(running ? KD_SLOT_STATE_RUNNING
                                                         : KD_SLOT_STATE_SHUTOFF));
    kd_draw_text(w, y, 20, 12, kd_pool_state_name(p->state));
    wattrset(w, base);
    kd_draw_text(w, y, 33, 4, p->autostart ? "yes" : "no");
    kd_draw_text(w, y, 38, 8, p->type);
    if (running) {
        kd_storage_draw_bar(w, y, 47, 12, p->allocation, p->capacity);
        wattrset(w, base);
        char nums[80];
        snprintf(nums, sizeof(nums), "%10s %10s %10s", alloc, cap, avail);
        kd_draw_text(w, y, 60, 33, nums);
    } else {
        kd_draw_text(w, y, 47, 12, "-");
    }
    if (cols > 95)
        kd_draw_text(w, y, 94, cols - 95, p->target);
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
}

static void pools_draw(kd_app *app, WINDOW *w)
{
    pools_state *s = kd_screen_state(app, &pools_ops);
    int rows = kd_screen_frame(app, w, "Storage pools",
                               "Enter volumes  n new  s start  D stop  r refresh  a autostart  "
                               "b build  u undefine  U delete  x XML  q back");
    if (!s || rows < 2)
        return;
    int cols = getmaxx(w);
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_fill(w, 1, 0, cols);
    /* The same columns as draw_row. */
    static const struct {
        int x;
        const char *text;
    } heads[] = {{1, "NAME"},   {20, "STATE"},    {33, "AUTO"},      {38, "TYPE"},  {47, "USED"},
                 {65, "ALLOC"}, {73, "CAPACITY"}, {83, "AVAILABLE"}, {94, "TARGET"}};
    for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
        if (heads[i].x < cols - 1)
            kd_draw_text(w, 1, heads[i].x, cols - 1 - heads[i].x, heads[i].text);
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
    if (s->error) {
        kd_draw_wrapped(w, 3, 1, cols - 2, rows - 2, s->error);
        return;
    }
    if (s->n == 0) {
        kd_draw_text(w, 3, 1, cols - 2, "No storage pools. n defines one.");
        return;
    }
    kd_cursor_fit(&s->cur, s->n, rows - 1);
    for (int r = 0; r < rows - 1 && s->cur.top + (size_t)r < s->n; r++) {
        size_t i = s->cur.top + (size_t)r;
        draw_row(w, 2 + r, cols, &s->pools[i], i == s->cur.sel);
    }
}

static void pools_cursor(kd_app *app, long delta)
{
    pools_state *s = kd_screen_state(app, &pools_ops);
    if (!s)
        return;
    kd_cursor_move(&s->cur, s->n, delta);
    remember(s);
}

static void pools_changed(kd_app *app, kd_conn_event ev, const char *uuid)
{
    if (ev == KD_CONN_EV_LIST || ev == KD_CONN_EV_DISCONNECTED)
        kd_pools_reload(app);
}

static const kd_screen_ops pools_ops = {
    .name = "pools",
    .ctx = KD_CTX_POOLS,
    .draw = pools_draw,
    .cursor = pools_cursor,
    .changed = pools_changed,
};
