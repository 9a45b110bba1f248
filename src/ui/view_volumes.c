#include "backend/storage.h"
#include "core/str.h"
#include "ui/app.h"
#include "ui/storage_ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The volumes of one pool, with the transfers in progress under the table. */

typedef struct {
    char *pool;
    kd_pool *info;
    kd_vol *vols;
    size_t n;
    kd_cursor cur;
    char *error;
    char sel_name[256];
} vols_state;

static const kd_screen_ops vols_ops;

static void state_free(void *p)
{
    vols_state *s = p;
    if (!s)
        return;
    free(s->pool);
    kd_storage_pools_free(s->info, 1);
    kd_storage_vols_free(s->vols, s->n);
    free(s->error);
    free(s);
}

static void remember(vols_state *s)
{
    if (s->cur.sel < s->n)
        snprintf(s->sel_name, sizeof(s->sel_name), "%s", s->vols[s->cur.sel].name);
}

static void load(kd_app *app, vols_state *s)
{
    remember(s);
    kd_storage_vols_free(s->vols, s->n);
    kd_storage_pools_free(s->info, 1);
    s->vols = NULL;
    s->info = NULL;
    s->n = 0;
    free(s->error);
    s->error = NULL;
    kd_err err;
    kd_err_clear(&err);
    if (!app->conn) {
        s->error = kd_strdup("not connected");
    } else {
        s->info = kd_storage_pool_get(app->conn, s->pool, &err);
        s->vols = s->info ? kd_storage_vols_list(app->conn, s->pool, &s->n, &err) : NULL;
        if (!s->vols)
            s->error = kd_strdup(err.msg);
    }
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->vols[i].name, s->sel_name) == 0)
            s->cur.sel = i;
    app->dirty_full = true;
}

void kd_vols_open(kd_app *app, const char *pool)
{
    vols_state *s = kd_screen_find(app, &vols_ops);
    if (s && strcmp(s->pool, pool) == 0) {
        kd_screen_open(app, &vols_ops, s, NULL);
        load(app, s);
        return;
    }
    /* Another pool's volumes replace the ones in the stack. */
    if (s) {
        free(s->pool);
        s->pool = kd_strdup(pool);
        s->sel_name[0] = '\0';
        s->cur = (kd_cursor){0, 0};
        kd_screen_open(app, &vols_ops, s, NULL);
    } else {
        s = kd_calloc(1, sizeof(*s));
        s->pool = kd_strdup(pool);
        kd_screen_open(app, &vols_ops, s, state_free);
    }
    load(app, s);
}

void kd_vols_select(kd_app *app, const char *name)
{
    vols_state *s = kd_screen_find(app, &vols_ops);
    if (s) {
        snprintf(s->sel_name, sizeof(s->sel_name), "%s", name);
        s->cur.sel = s->n;
    }
}

void kd_vols_reload(kd_app *app)
{
    vols_state *s = kd_screen_find(app, &vols_ops);
    if (s)
        load(app, s);
}

const char *kd_vols_pool(const kd_app *app)
{
    vols_state *s = kd_screen_find(app, &vols_ops);
    return s ? s->pool : NULL;
}

const kd_vol *kd_vols_selected(const kd_app *app)
{
    vols_state *s = kd_screen_state(app, &vols_ops);
    return s && s->cur.sel < s->n ? &s->vols[s->cur.sel] : NULL;
}

/* ---- drawing ------------------------------------------------------------------------------ */

static void draw_row(WINDOW *w, int y, int cols, const kd_vol *v, bool selected)
{
    char cap[24], alloc[24];
    kd_storage_fmt_bytes(cap, sizeof(cap), v->capacity);
    kd_storage_fmt_bytes(alloc, sizeof(alloc), v->allocation);
    wattrset(w, (attr_t)kd_theme_attr(selected ? KD_SLOT_LIST_SELECTED : KD_SLOT_NORMAL));
    kd_draw_fill(w, y, 0, cols);
    kd_draw_text(w, y, 1, 24, v->name);
    kd_draw_text(w, y, 26, 6, v->type);
    kd_draw_text(w, y, 33, 7, *v->format ? v->format : "-");
    char nums[64];
    snprintf(nums, sizeof(nums), "%10s %10s", cap, alloc);
    kd_draw_text(w, y, 41, 21, nums);
    if (cols > 64) {
        char *where =
            *v->backing ? kd_asprintf("%s <- %s", v->path, v->backing) : kd_strdup(v->path);
        kd_draw_text(w, y, 63, cols - 64, where);
        free(where);
    }
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
}

static void draw_title(WINDOW *w, const vols_state *s, int rows, int cols)
{
    char *title;
    if (s->info) {
        char cap[24], avail[24];
        kd_storage_fmt_bytes(cap, sizeof(cap), s->info->capacity);
        kd_storage_fmt_bytes(avail, sizeof(avail), s->info->available);
        title = kd_asprintf("Volumes of pool %s (%s, %s free of %s)", s->pool,
                            kd_pool_state_name(s->info->state), avail, cap);
    } else {
        title = kd_asprintf("Volumes of pool %s", s->pool);
    }
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_HEADER_TITLE));
    kd_draw_fill(w, 0, 0, cols);
    kd_draw_text(w, 0, 1, cols - 2, title);
    free(title);
    if (s->info && rows > 0) {
        kd_storage_draw_bar(w, 0, cols - 14, 12, s->info->allocation, s->info->capacity);
    }
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
}

static void vols_draw(kd_app *app, WINDOW *w)
{
    vols_state *s = kd_screen_state(app, &vols_ops);
    int rows = kd_screen_frame(app, w, "",
                               "n new  r resize  c clone  d delete  u upload  w download  "
                               "x XML  R refresh  X cancel  q back");
    if (!s || rows < 2)
        return;
    int cols = getmaxx(w);
    draw_title(w, s, rows, cols);
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_fill(w, 1, 0, cols);
    kd_draw_text(w, 1, 1, cols - 1,
                 "NAME                     TYPE   FORMAT    CAPACITY  ALLOCATED PATH");
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
    int xfer = (int)kd_storage_xfer_count();
    int table = rows - 1 - (xfer ? xfer + 1 : 0);
    if (table < 1)
        table = 1;
    if (xfer)
        kd_storage_xfer_draw(app, w, 2 + table, rows - 1 - table, cols);
    if (s->error) {
        kd_draw_wrapped(w, 3, 1, cols - 2, table - 1, s->error);
        return;
    }
    if (s->n == 0) {
        kd_draw_text(w, 3, 1, cols - 2, "No volumes. n creates one.");
        return;
    }
    kd_cursor_fit(&s->cur, s->n, table);
    for (int r = 0; r < table && s->cur.top + (size_t)r < s->n; r++) {
        size_t i = s->cur.top + (size_t)r;
        draw_row(w, 2 + r, cols, &s->vols[i], i == s->cur.sel);
    }
}

static void vols_cursor(kd_app *app, long delta)
{
    vols_state *s = kd_screen_state(app, &vols_ops);
    if (!s)
        return;
    kd_cursor_move(&s->cur, s->n, delta);
    remember(s);
}

static void vols_changed(kd_app *app, kd_conn_event ev, const char *uuid)
{
    if (ev == KD_CONN_EV_LIST || ev == KD_CONN_EV_DISCONNECTED)
        kd_vols_reload(app);
}

static const kd_screen_ops vols_ops = {
    .name = "volumes",
    .ctx = KD_CTX_VOLUMES,
    .draw = vols_draw,
    .cursor = vols_cursor,
    .changed = vols_changed,
};
