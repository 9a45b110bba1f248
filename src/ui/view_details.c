#include "core/str.h"
#include "ui/app.h"
#include "ui/graph.h"

#include <math.h>
#include <time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The details pane under the list: the selected domain's facts, read when the selection
 * changes or the domain does, never on every redraw. */

void kd_view_details_refresh(kd_app *app)
{
    const kd_domain *d = kd_view_list_selected(app);
    if (!d || strcmp(d->uuid, app->details_uuid) == 0)
        return;
    kd_dom_details_free(app->details);
    app->details = NULL;
    free(app->details_err);
    app->details_err = NULL;
    memcpy(app->details_uuid, d->uuid, sizeof(app->details_uuid));
    if (!kd_conn_alive(app->conn))
        return;
    kd_err err;
    kd_err_clear(&err);
    app->details = kd_dom_details_get(app->conn, d->uuid, &err);
    if (!app->details)
        app->details_err = kd_strdup(err.msg);
}

static int field(WINDOW *w, int y, int x, int cols, const char *label, const char *value)
{
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HELP_KEY));
    kd_draw_text(w, y, x, 11, label);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
    kd_draw_text(w, y, x + 11, cols - 11, value && *value ? value : "-");
    return 1;
}

static void format_uptime(char *buf, size_t n, long long s)
{
    if (s < 0)
        snprintf(buf, n, "-");
    else if (s >= 86400)
        snprintf(buf, n, "%lld d %lld h", s / 86400, s % 86400 / 3600);
    else
        snprintf(buf, n, "%lld h %02lld m %02lld s", s / 3600, s % 3600 / 60, s % 60);
}

/* The last hour of one series, from the store: what this run measured and what earlier
 * runs did, so the graph survives a restart. */
static void load_graphs(kd_app *app, const char *uuid)
{
    long long at = app->rates.wall_s;
    if (strcmp(app->graph_uuid, uuid) == 0 && app->graph_at == at)
        return;
    kd_view_details_free_graphs(app);
    snprintf(app->graph_uuid, sizeof(app->graph_uuid), "%s", uuid);
    app->graph_at = at;
    if (!app->store || !app->conn)
        return;
    int64_t since = (int64_t)time(NULL) - 3600;
    for (int s = 0; s < KD_SERIES_LAST; s++) {
        int64_t *t = NULL;
        if (kd_store_get_stats(app->store, kd_conn_host(app->conn)->uri, uuid, s, since, &t,
                               &app->graph_v[s], &app->graph_n[s], NULL) < 0)
            app->graph_n[s] = 0;
        free(t);
    }
}

void kd_view_details_free_graphs(kd_app *app)
{
    for (int s = 0; s < KD_SERIES_LAST; s++) {
        free(app->graph_v[s]);
        app->graph_v[s] = NULL;
        app->graph_n[s] = 0;
    }
    app->graph_uuid[0] = '\0';
}

static const struct {
    kd_series s;
    const char *label;
    double scale; /* to the unit shown */
    const char *unit;
} graphs[] = {
    {KD_SERIES_CPU, "CPU", 1, "%"},
    {KD_SERIES_MEM, "Memory used", 1024, "B"},
    {KD_SERIES_DISK, "Disk", 1, "B/s"},
    {KD_SERIES_NET, "Net", 1, "B/s"},
};

static void draw_graphs(kd_app *app, WINDOW *w, int y, int end, int x, int width, const char *uuid)
{
    int per = (end - y) / 4;
    int rows = per >= 3 ? per - 1 : 1;
    kd_graph_style style = kd_graph_style_for_locale(true);
    load_graphs(app, uuid);
    for (size_t g = 0; g < 4 && y < end; g++) {
        const double *v = app->graph_v[graphs[g].s];
        size_t n = app->graph_n[graphs[g].s];
        double max = 0, last = NAN;
        for (size_t i = 0; i < n; i++) {
            if (!isnan(v[i]) && v[i] > max)
                max = v[i];
            if (!isnan(v[i]))
                last = v[i];
        }
        double top = kd_graph_nice_max(max);
        char label[96], a[16], b[16];
        if (graphs[g].scale == 1 && graphs[g].unit[0] == '%') {
            snprintf(a, sizeof(a), "%.1f", isnan(last) ? 0 : last);
            snprintf(b, sizeof(b), "%g", top);
        } else {
            kd_format_rate(a, sizeof(a), last * graphs[g].scale);
            kd_format_rate(b, sizeof(b), top * graphs[g].scale);
        }
        snprintf(label, sizeof(label), "%s %s%s  (scale 0-%s%s, last hour)", graphs[g].label,
                 isnan(last) ? "n/a" : a, isnan(last) ? "" : graphs[g].unit, b, graphs[g].unit);
        wattrset(w, (int)kd_theme_attr(KD_SLOT_HELP_KEY));
        kd_draw_text(w, y++, x, width, label);
        wattrset(w, (int)kd_theme_attr(KD_SLOT_GRAPH));
        int r = rows < end - y ? rows : end - y;
        char **lines = kd_graph_render(v, n, width, r, top, style);
        for (int i = 0; i < r; i++)
            kd_draw_text(w, y + i, x, width, lines[i]);
        kd_graph_free_rows(lines, r);
        y += r;
    }
    wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
}

static void facts(kd_app *app, WINDOW *w, int y, int end, const kd_domain *d)
{
    const kd_dom_details *x = app->details;
    int half = app->cols / 2;
    char buf[256], mem[32], maxmem[32];
    kd_draw_format_kib(mem, sizeof(mem), d->mem_kib);
    kd_draw_format_kib(maxmem, sizeof(maxmem), d->maxmem_kib);
    snprintf(buf, sizeof(buf), "%s %s %s", x->os_type ? x->os_type : "", x->arch ? x->arch : "",
             x->machine ? x->machine : "");
    int y0 = y;
    if (y < end)
        y += field(w, y, 1, half - 1, "OS", buf);
    if (y < end)
        y += field(w, y, 1, half - 1, "Firmware", x->firmware);
    snprintf(buf, sizeof(buf), "%u vCPU, %s of %s", d->vcpus, mem, maxmem);
    if (y < end)
        y += field(w, y, 1, half - 1, "Size", buf);
    snprintf(buf, sizeof(buf), "%s, autostart %s%s", d->persistent ? "persistent" : "transient",
             d->autostart ? "on" : "off", d->managed_save ? ", managed save" : "");
    if (y < end)
        y += field(w, y, 1, half - 1, "Kind", buf);
    format_uptime(buf, sizeof(buf), x->uptime_s);
    if (y < end)
        y += field(w, y, 1, half - 1, "Uptime", buf);
    if (y < end)
        y += field(w, y, 1, half - 1, "Graphics", x->graphics);
    if (y < end)
        y += field(w, y, 1, half - 1, "UUID", d->uuid);
    for (size_t i = 0; i < x->ndisks && y < end; i++) {
        const kd_disk_info *k = &x->disks[i];
        snprintf(buf, sizeof(buf), "%s %s %s %s", k->device, k->bus,
                 *k->source ? k->source : "(empty)", k->format);
        y += field(w, y, 1, half - 1, k->target, buf);
    }
    for (size_t i = 0; i < x->nnics && y < end; i++) {
        const kd_nic_info *k = &x->nics[i];
        snprintf(buf, sizeof(buf), "%s %s %s %s", k->mac, k->source, k->model,
                 *k->ips ? k->ips : "");
        y += field(w, y, 1, half - 1, "NIC", buf);
    }
    draw_graphs(app, w, y0, end, half + 1, app->cols - half - 2, d->uuid);
}

void kd_view_details_draw(kd_app *app, WINDOW *w, int y, int height)
{
    kd_view_details_refresh(app);
    const kd_domain *d = kd_view_list_selected(app);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_fill(w, y, 0, app->cols);
    char title[300];
    snprintf(title, sizeof(title), "Details: %s", d ? d->name : "(nothing selected)");
    kd_draw_text(w, y, 1, app->cols - 2, title);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
    if (!d)
        return;
    if (!app->details) {
        kd_draw_wrapped(w, y + 1, 1, app->cols - 2, height - 1,
                        app->details_err ? app->details_err : "not connected");
        return;
    }
    facts(app, w, y + 1, y + height, d);
}
