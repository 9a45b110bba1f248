#include "core/str.h"
#include "core/utf8.h"
#include "ui/app.h"
#include "ui/graph.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns right of the name, in display order; the name takes what is left. */
#define COL_MARK  2
#define COL_ID    6
#define COL_STATE 12
#define COL_CPU   7
#define COL_VCPU  6
#define COL_MEM   11
#define COL_AUTO  11
#define NAME_MIN  12

typedef struct {
    int name_x, name_w, id_x, state_x, cpu_x, spark_x, spark_w, vcpu_x, mem_x, auto_x, tags_x,
        tags_w;
} columns;

static columns layout(const kd_app *app)
{
    columns c;
    c.tags_w = app->cols >= 100 ? 20 : app->cols >= 90 ? 12 : 0;
    c.spark_w = app->cols >= 120 ? 13 : 0;
    int fixed = COL_MARK + COL_ID + COL_STATE + COL_CPU + c.spark_w + COL_VCPU + COL_MEM +
                COL_AUTO + c.tags_w;
    c.name_x = COL_MARK;
    c.name_w = app->cols - fixed > NAME_MIN ? app->cols - fixed : NAME_MIN;
    c.id_x = c.name_x + c.name_w;
    c.state_x = c.id_x + COL_ID + 1;
    c.cpu_x = c.state_x + COL_STATE - 1;
    c.spark_x = c.cpu_x + COL_CPU + 1;
    c.vcpu_x = c.cpu_x + COL_CPU + c.spark_w;
    c.mem_x = c.vcpu_x + COL_VCPU;
    c.auto_x = c.mem_x + COL_MEM + 1;
    c.tags_x = c.auto_x + COL_AUTO;
    return c;
}

static int list_height(const kd_app *app)
{
    int h = app->rows - 2 - 1; /* header, status */
    return app->show_details ? h - (h / 2 > 9 ? h / 2 : 9) : h;
}

int kd_view_list_rows(const kd_app *app)
{
    int r = list_height(app) - 1; /* column headings */
    return r > 1 ? r : 1;
}

static bool grouped(const kd_app *app)
{
    return app->group_hosts && app->conn;
}

static size_t row_count(const kd_app *app)
{
    return grouped(app) ? app->ngrows : app->norder;
}

/* The domain on a row; NULL for a host's heading. */
static const kd_domain *row_domain(const kd_app *app, size_t i)
{
    if (!grouped(app))
        return kd_conn_domain_at(app->conn, app->order[i]);
    const kd_host_row *r = &app->grows[i];
    return r->dom == SIZE_MAX ? NULL : kd_conn_domain_at(r->conn, r->dom);
}

const kd_domain *kd_view_list_selected(const kd_app *app)
{
    if (!app->conn || app->sel >= row_count(app))
        return NULL;
    return row_domain(app, app->sel);
}

bool kd_view_list_marked(const kd_app *app, const char *uuid)
{
    for (size_t i = 0; i < app->nmarks; i++)
        if (strcmp(app->marks[i].uuid, uuid) == 0)
            return true;
    return false;
}

static int by_uuid(const void *a, const void *b)
{
    return strcmp(((const kd_tag_entry *)a)->uuid, ((const kd_tag_entry *)b)->uuid);
}

const char *kd_view_list_tags(const kd_app *app, const char *uuid)
{
    kd_tag_entry key;
    snprintf(key.uuid, sizeof(key.uuid), "%s", uuid);
    const kd_tag_entry *e =
        app->ntags ? bsearch(&key, app->tags, app->ntags, sizeof(key), by_uuid) : NULL;
    return e ? e->tags : NULL;
}

/* Rows come by UUID then tag: a UUID like the last entry's adds to it. */
static void add_tag(const char *uuid, const char *tag, void *opaque)
{
    kd_app *app = opaque;
    kd_tag_entry *last = app->ntags ? &app->tags[app->ntags - 1] : NULL;
    if (last && strcmp(last->uuid, uuid) == 0) {
        char *joined = kd_asprintf("%s,%s", last->tags, tag);
        free(last->tags);
        last->tags = joined;
        return;
    }
    if (strlen(uuid) >= sizeof(last->uuid))
        return; /* not a UUID this list can show */
    app->tags = kd_realloc(app->tags, (app->ntags + 1) * sizeof(kd_tag_entry));
    kd_tag_entry *e = &app->tags[app->ntags++];
    snprintf(e->uuid, sizeof(e->uuid), "%s", uuid);
    e->tags = kd_strdup(tag);
}

void kd_view_list_load_tags(kd_app *app)
{
    for (size_t i = 0; i < app->ntags; i++)
        free(app->tags[i].tags);
    free(app->tags);
    app->tags = NULL;
    app->ntags = 0;
    if (!app->conn || !app->store)
        return;
    /* One query for the host, not one a domain: a thousand domains start as fast as ten. */
    kd_store_each_tag(app->store, kd_conn_host(app->conn)->uri, add_tag, app, NULL);
    if (app->ntags > 1)
        qsort(app->tags, app->ntags, sizeof(kd_tag_entry), by_uuid);
}

static const char *tags_of(const char *uuid, void *opaque)
{
    return kd_view_list_tags(opaque, uuid);
}

static void keep_selection_visible(kd_app *app)
{
    size_t rows = (size_t)kd_view_list_rows(app);
    if (app->sel < app->top)
        app->top = app->sel;
    if (app->sel >= app->top + rows)
        app->top = app->sel - rows + 1;
    if (app->top + rows > row_count(app))
        app->top = row_count(app) > rows ? row_count(app) - rows : 0;
}

/* Grouped: the row of the selected domain of the current host, else the nearest domain row
 * from the same row number; its host becomes the current one. */
static void follow_grouped(kd_app *app)
{
    size_t n = app->ngrows, sel = n && app->sel >= n ? n - 1 : app->sel;
    for (size_t i = 0; i < n; i++) {
        const kd_domain *d = row_domain(app, i);
        /* No selection yet (a host just shown): its first domain. */
        if (d && app->grows[i].conn == app->conn &&
            (!app->sel_uuid[0] || strcmp(d->uuid, app->sel_uuid) == 0)) {
            sel = i;
            break;
        }
    }
    while (sel + 1 < n && !row_domain(app, sel))
        sel++;
    while (sel > 0 && !row_domain(app, sel))
        sel--;
    app->sel = sel;
    const kd_domain *d = n ? row_domain(app, sel) : NULL;
    if (d) {
        memcpy(app->sel_uuid, d->uuid, sizeof(app->sel_uuid));
        if (app->grows[sel].conn != app->conn)
            kd_hosts_set_current(app, app->grows[sel].conn);
    }
}

void kd_view_list_move(kd_app *app, long delta)
{
    size_t n = row_count(app);
    if (n == 0)
        return;
    long s = (long)app->sel + delta;
    s = s < 0 ? 0 : s >= (long)n ? (long)n - 1 : s;
    /* Headings are not selectable: go on in the same direction, else back. */
    while (!row_domain(app, (size_t)s) && s + (delta < 0 ? -1 : 1) >= 0 &&
           s + (delta < 0 ? -1 : 1) < (long)n)
        s += delta < 0 ? -1 : 1;
    while (!row_domain(app, (size_t)s) && s + 1 < (long)n)
        s++;
    app->sel = (size_t)s;
    const kd_domain *d = row_domain(app, app->sel);
    if (!d)
        return;
    memcpy(app->sel_uuid, d->uuid, sizeof(app->sel_uuid));
    if (grouped(app) && app->grows[app->sel].conn != app->conn)
        kd_hosts_set_current(app, app->grows[app->sel].conn);
    kd_view_list_rebuild(app);
}

void kd_view_list_rebuild(kd_app *app)
{
    if (grouped(app)) {
        kd_hosts_build_rows(app, tags_of);
        follow_grouped(app);
    }
    size_t n = app->conn ? kd_conn_domain_count(app->conn) : 0;
    free(app->order);
    app->order = kd_calloc(n ? n : 1, sizeof(size_t));
    app->norder = 0;
    if (n) {
        kd_list_query q = {app->sort, app->sort_reverse, app->filter, tags_of, app};
        app->norder = kd_listmodel_build(kd_conn_domain_at(app->conn, 0), n, &q, app->order);
    }
    if (grouped(app)) {
        keep_selection_visible(app);
        app->dirty_list = true;
        return;
    }
    /* Follow the selected domain by UUID; if it went away, keep the row number. */
    size_t m = app->norder;
    size_t sel = app->sel < m ? app->sel : (m ? m - 1 : 0);
    for (size_t i = 0; i < m && app->sel_uuid[0]; i++) {
        if (strcmp(kd_conn_domain_at(app->conn, app->order[i])->uuid, app->sel_uuid) == 0) {
            sel = i;
            break;
        }
    }
    app->sel = sel;
    if (m)
        memcpy(app->sel_uuid, kd_conn_domain_at(app->conn, app->order[sel])->uuid,
               sizeof(app->sel_uuid));
    keep_selection_visible(app);
    app->dirty_list = true;
}

static kd_slot state_slot(kd_dom_state s)
{
    static const kd_slot slots[KD_DOM_LAST] = {
        [KD_DOM_RUNNING] = KD_SLOT_STATE_RUNNING, [KD_DOM_BLOCKED] = KD_SLOT_STATE_RUNNING,
        [KD_DOM_PAUSED] = KD_SLOT_STATE_PAUSED,   [KD_DOM_PMSUSPENDED] = KD_SLOT_STATE_PAUSED,
        [KD_DOM_SHUTOFF] = KD_SLOT_STATE_SHUTOFF, [KD_DOM_CRASHED] = KD_SLOT_STATE_CRASHED,
    };
    kd_slot r = s >= 0 && s < KD_DOM_LAST ? slots[s] : KD_SLOT_STATE_OTHER;
    return r ? r : KD_SLOT_STATE_OTHER;
}

static void right(WINDOW *w, int y, int x, int width, const char *s)
{
    int len = (int)strlen(s);
    kd_draw_text(w, y, x + (width - len > 0 ? width - len : 0), width, s);
}

static void draw_row(kd_app *app, const columns *c, int y, const kd_domain *d, bool selected,
                     const kd_conn *conn)
{
    WINDOW *w = app->w_list;
    char id[16], vcpu[16], mem[32];
    bool alive = kd_conn_alive(conn);
    unsigned long attr = kd_theme_attr(selected ? KD_SLOT_LIST_SELECTED : KD_SLOT_NORMAL);
    if (!alive)
        attr |= A_DIM;

    snprintf(id, sizeof(id), "%d", d->id);
    snprintf(vcpu, sizeof(vcpu), "%u", d->vcpus);
    kd_draw_format_kib(mem, sizeof(mem), d->mem_kib);
    wattrset(w, (int)attr);
    kd_draw_fill(w, y, 0, app->cols);
    if (kd_view_list_marked(app, d->uuid))
        kd_draw_text(w, y, 0, 1, "*");
    kd_draw_text(w, y, c->name_x, c->name_w - 1, d->name);
    right(w, y, c->id_x, COL_ID, d->id < 0 ? "-" : id);
    if (!selected && alive)
        wattrset(w, (int)kd_theme_attr(state_slot(d->state)));
    kd_draw_text(w, y, c->state_x, COL_STATE - 1, kd_dom_state_name(d->state));
    wattrset(w, (int)attr);
    const kd_dom_rates *r = kd_rates_find(&app->rates, d->uuid);
    char cpu[16] = "";
    if (r && kd_rate_valid(r->cpu_pct) && d->state != KD_DOM_SHUTOFF)
        snprintf(cpu, sizeof(cpu), "%.1f", r->cpu_pct);
    right(w, y, c->cpu_x, COL_CPU, cpu);
    if (c->spark_w && app->history) {
        double h[64];
        size_t n = kd_history_read(app->history, d->uuid, KD_SERIES_CPU, h, (size_t)c->spark_w - 1);
        char *spark = kd_graph_sparkline(h, n, c->spark_w - 1, 0, kd_graph_style_for_locale(false));
        kd_draw_text(w, y, c->spark_x, c->spark_w - 1, spark);
        free(spark);
    }
    right(w, y, c->vcpu_x, COL_VCPU - 1, vcpu);
    right(w, y, c->mem_x, COL_MEM, mem);
    kd_draw_text(w, y, c->auto_x, COL_AUTO - 1, d->autostart ? "yes" : "no");
    const char *tags = kd_view_list_tags(app, d->uuid);
    if (c->tags_w && tags)
        kd_draw_text(w, y, c->tags_x, c->tags_w - 1, tags);
}

static void draw_host_heading(kd_app *app, int y, const kd_conn *conn)
{
    const kd_host_info *h = kd_conn_host(conn);
    char line[512];
    size_t shown = 0;
    for (size_t i = 0; i < app->ngrows; i++)
        shown += app->grows[i].conn == conn && app->grows[i].dom != SIZE_MAX;
    snprintf(line, sizeof(line), "%s %s  %s  (%zu domain%s%s)%s", conn == app->conn ? ">" : "-",
             h->hostname, h->uri, shown, shown == 1 ? "" : "s", app->filter ? " shown" : "",
             kd_conn_alive(conn) ? "" : "  DISCONNECTED");
    wattrset(app->w_list, (int)kd_theme_attr(KD_SLOT_HEADER));
    kd_draw_fill(app->w_list, y, 0, app->cols);
    kd_draw_text(app->w_list, y, 1, app->cols - 2, line);
    wattrset(app->w_list, (int)kd_theme_attr(KD_SLOT_NORMAL));
}

static void heading(kd_app *app, const columns *c, int x, int width, const char *label,
                    kd_sort_key key)
{
    char buf[32];
    bool utf8 = MB_CUR_MAX > 1;
    const char *mark = app->sort != key    ? ""
                       : app->sort_reverse ? (utf8 ? "▼" : "v")
                                           : (utf8 ? "▲" : "^");
    snprintf(buf, sizeof(buf), "%s%s", label, mark);
    kd_draw_text(app->w_list, 0, x, width, buf);
    (void)c;
}

void kd_view_list_draw(kd_app *app)
{
    WINDOW *w = app->w_list;
    columns c = layout(app);
    int rows = kd_view_list_rows(app);

    werase(w);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_fill(w, 0, 0, app->cols);
    heading(app, &c, c.name_x, c.name_w - 1, "NAME", KD_SORT_NAME);
    heading(app, &c, c.id_x + COL_ID - 3, 4, "ID", KD_SORT_ID);
    heading(app, &c, c.state_x, COL_STATE - 1, "STATE", KD_SORT_STATE);
    kd_draw_text(w, 0, c.cpu_x + 2, COL_CPU - 1, "%CPU");
    if (c.spark_w)
        kd_draw_text(w, 0, c.spark_x, c.spark_w - 1, "CPU HISTORY");
    heading(app, &c, c.vcpu_x, COL_VCPU, "VCPUS", KD_SORT_VCPUS);
    heading(app, &c, c.mem_x + 4, COL_MEM - 3, "MEMORY", KD_SORT_MEMORY);
    heading(app, &c, c.auto_x, COL_AUTO, "AUTOSTART", KD_SORT_AUTOSTART);
    if (c.tags_w)
        heading(app, &c, c.tags_x, c.tags_w - 1, "TAGS", KD_SORT_TAGS);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
    if (row_count(app) == 0) {
        const char *msg = app->filter ? "No domain matches the filter (Esc clears it)."
                                      : "No domains on this host.";
        kd_draw_text(w, 2, 2, app->cols - 4, msg);
    }
    for (int r = 0; r < rows && app->top + (size_t)r < row_count(app); r++) {
        size_t i = app->top + (size_t)r;
        const kd_domain *d = row_domain(app, i);
        const kd_conn *conn = grouped(app) ? app->grows[i].conn : app->conn;
        if (d)
            draw_row(app, &c, r + 1, d, i == app->sel, conn);
        else
            draw_host_heading(app, r + 1, conn);
    }
    if (app->show_details) {
        int y = list_height(app);
        kd_view_details_draw(app, w, y, getmaxy(w) - y);
    }
}

static void header_state(kd_app *app, char *line, size_t n)
{
    unsigned counts[KD_DOM_LAST];
    kd_conn_count_states(app->conn, counts);
    unsigned running = counts[KD_DOM_RUNNING] + counts[KD_DOM_BLOCKED];
    unsigned paused = counts[KD_DOM_PAUSED] + counts[KD_DOM_PMSUSPENDED];
    unsigned off = counts[KD_DOM_SHUTOFF];
    size_t total = kd_conn_domain_count(app->conn);
    unsigned other = (unsigned)total - running - paused - off;
    int w = snprintf(line, n, "%zu domain%s: %u running, %u paused, %u shut off, %u other", total,
                     total == 1 ? "" : "s", running, paused, off, other);
    size_t hosts = kd_hosts_count(app);
    if (hosts > 1 && w > 0 && (size_t)w < n)
        w += snprintf(line + w, n - (size_t)w, "  |  %zu hosts%s", hosts,
                      app->group_hosts ? ", grouped" : " (Tab switches, = groups)");
    if (w > 0 && (size_t)w < n && app->filter)
        snprintf(line + w, n - (size_t)w, "  |  filter: %s (%zu shown)", app->filter, app->norder);
    else if (w > 0 && (size_t)w < n && app->nmarks)
        snprintf(line + w, n - (size_t)w, "  |  %zu marked", app->nmarks);
}

void kd_view_header_draw(kd_app *app)
{
    WINDOW *w = app->w_header;
    char line[768];

    werase(w);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HEADER));
    kd_draw_fill(w, 0, 0, app->cols);
    kd_draw_fill(w, 1, 0, app->cols);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HEADER_TITLE));
    int x = 1 + kd_draw_text(w, 0, 1, app->cols - 2, "kvmdeck");
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HEADER));
    if (!app->conn) {
        kd_draw_text(w, 0, x, app->cols - x - 1, "  not connected");
        return;
    }
    const kd_host_info *h = kd_conn_host(app->conn);
    snprintf(line, sizeof(line), "  %s  %s  %s %s  libvirt %s%s", h->hostname, h->uri, h->hv_type,
             h->hv_version, h->lib_version, kd_conn_readonly(app->conn) ? "  [read-only]" : "");
    kd_draw_text(w, 0, x, app->cols - x - 1, line);
    if (!kd_conn_alive(app->conn)) {
        int ms = kd_conn_retry_in_ms(app->conn);
        snprintf(line, sizeof(line),
                 "DISCONNECTED: retrying in %d s (attempt %u); the list "
                 "below is the last one seen",
                 ms < 0 ? 0 : (ms + 999) / 1000, kd_conn_attempts(app->conn) + 1);
        wattrset(w, (int)kd_theme_attr(KD_SLOT_STATUS_ERROR));
    } else {
        header_state(app, line, sizeof(line));
    }
    kd_draw_text(w, 1, 1, app->cols - 2, line);
}

void kd_view_status_draw(kd_app *app)
{
    WINDOW *w = app->w_status;
    char jobs[256];
    werase(w);
    const char *text = app->status;
    if (!app->status_error && (kd_migrate_ui_status(app, jobs, sizeof(jobs)) > 0 ||
                               kd_ui_job_status(app, jobs, sizeof(jobs)) > 0))
        text = jobs;
    wattrset(w, (int)kd_theme_attr(app->status_error ? KD_SLOT_STATUS_ERROR : KD_SLOT_STATUS));
    kd_draw_fill(w, 0, 0, app->cols);
    const char *hint = app->cols < 60 ? "? help  q quit" : "? help  : command  q quit";
    /* On a console ? : q go to the guest; a message that needs the room (an error from
     * libvirt) gets it rather than being cut for a hint shown everywhere. */
    const kd_screen *top = app->view == KD_VIEW_SCREEN ? kd_screen_top(app) : NULL;
    if (app->view == KD_VIEW_CONSOLE || (top && top->ops->key) ||
        kd_utf8_width(text) > app->cols - (int)strlen(hint) - 3)
        hint = "";
    int hint_w = (int)strlen(hint);
    kd_draw_text(w, 0, 1, app->cols - hint_w - 3, text);
    if (hint_w && app->cols > hint_w + 2)
        kd_draw_text(w, 0, app->cols - hint_w - 1, hint_w, hint);
}
