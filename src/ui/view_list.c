#include "core/str.h"
#include "ui/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fixed columns right of the name; the name takes what is left. */
#define COL_ID     6
#define COL_STATE  12
#define COL_VCPU   6
#define COL_MEM    11
#define COL_AUTO   9
#define FIXED_COLS (COL_ID + COL_STATE + COL_VCPU + COL_MEM + COL_AUTO)

static const kd_conn *list_conn;

static int by_name(const void *a, const void *b)
{
    const kd_domain *da = kd_conn_domain_at(list_conn, *(const size_t *)a);
    const kd_domain *db = kd_conn_domain_at(list_conn, *(const size_t *)b);
    int r = strcmp(da->name, db->name);
    return r ? r : strcmp(da->uuid, db->uuid);
}

int kd_view_list_rows(const kd_app *app)
{
    return app->rows - 2 - 1 - 1; /* header, status, column headings */
}

static void keep_selection_visible(kd_app *app)
{
    int rows = kd_view_list_rows(app);
    if (rows < 1)
        rows = 1;
    if (app->sel < app->top)
        app->top = app->sel;
    if (app->sel >= app->top + (size_t)rows)
        app->top = app->sel - (size_t)rows + 1;
}

void kd_view_list_rebuild(kd_app *app)
{
    size_t n = app->conn ? kd_conn_domain_count(app->conn) : 0;
    free(app->order);
    app->order = kd_calloc(n ? n : 1, sizeof(size_t));
    app->norder = n;
    for (size_t i = 0; i < n; i++)
        app->order[i] = i;
    list_conn = app->conn;
    if (n)
        qsort(app->order, n, sizeof(size_t), by_name);
    /* Follow the selected domain by UUID; if it went away, keep the row number. */
    size_t sel = app->sel < n ? app->sel : (n ? n - 1 : 0);
    for (size_t i = 0; i < n && app->sel_uuid[0]; i++) {
        if (strcmp(kd_conn_domain_at(app->conn, app->order[i])->uuid, app->sel_uuid) == 0) {
            sel = i;
            break;
        }
    }
    app->sel = sel;
    if (n)
        memcpy(app->sel_uuid, kd_conn_domain_at(app->conn, app->order[sel])->uuid,
               sizeof(app->sel_uuid));
    keep_selection_visible(app);
    app->dirty_list = true;
}

static kd_slot state_slot(kd_dom_state s)
{
    switch (s) {
    case KD_DOM_RUNNING:
    case KD_DOM_BLOCKED:
        return KD_SLOT_STATE_RUNNING;
    case KD_DOM_PAUSED:
    case KD_DOM_PMSUSPENDED:
        return KD_SLOT_STATE_PAUSED;
    case KD_DOM_SHUTOFF:
        return KD_SLOT_STATE_SHUTOFF;
    case KD_DOM_CRASHED:
        return KD_SLOT_STATE_CRASHED;
    default:
        return KD_SLOT_STATE_OTHER;
    }
}

static void draw_row(kd_app *app, int y, const kd_domain *d, bool selected)
{
    WINDOW *w = app->w_list;
    int name_w = app->cols - FIXED_COLS - 1;
    char id[16], vcpu[16], mem[32];
    unsigned long row_attr = kd_theme_attr(selected ? KD_SLOT_LIST_SELECTED : KD_SLOT_NORMAL);

    snprintf(id, sizeof(id), "%d", d->id);
    snprintf(vcpu, sizeof(vcpu), "%u", d->vcpus);
    kd_draw_format_kib(mem, sizeof(mem), d->mem_kib);
    wattrset(w, (int)row_attr);
    kd_draw_fill(w, y, 0, app->cols);
    kd_draw_text(w, y, 1, name_w - 1, d->name);
    int x = name_w;
    kd_draw_text(w, y, x + COL_ID - 1 - (int)strlen(d->id < 0 ? "-" : id), COL_ID,
                 d->id < 0 ? "-" : id);
    x += COL_ID + 1;
    if (!selected)
        wattrset(w, (int)kd_theme_attr(state_slot(d->state)));
    kd_draw_text(w, y, x, COL_STATE - 1, kd_dom_state_name(d->state));
    wattrset(w, (int)row_attr);
    x += COL_STATE;
    kd_draw_text(w, y, x + COL_VCPU - 1 - (int)strlen(vcpu), COL_VCPU, vcpu);
    x += COL_VCPU;
    kd_draw_text(w, y, x + COL_MEM - 1 - (int)strlen(mem), COL_MEM, mem);
    x += COL_MEM + 1;
    kd_draw_text(w, y, x, COL_AUTO - 1, d->autostart ? "yes" : "no");
}

void kd_view_list_draw(kd_app *app)
{
    WINDOW *w = app->w_list;
    int name_w = app->cols - FIXED_COLS - 1;
    int rows = kd_view_list_rows(app);

    werase(w);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_fill(w, 0, 0, app->cols);
    kd_draw_text(w, 0, 1, name_w - 1, "NAME");
    kd_draw_text(w, 0, name_w + COL_ID - 3, 2, "ID");
    kd_draw_text(w, 0, name_w + COL_ID + 1, COL_STATE, "STATE");
    kd_draw_text(w, 0, name_w + COL_ID + 1 + COL_STATE, COL_VCPU, "VCPUS");
    kd_draw_text(w, 0, name_w + COL_ID + 1 + COL_STATE + COL_VCPU + 4, COL_MEM, "MEMORY");
    kd_draw_text(w, 0, name_w + FIXED_COLS - COL_AUTO + 1, COL_AUTO, "AUTOSTART");
    wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
    if (app->norder == 0) {
        kd_draw_text(w, 2, 2, app->cols - 4, "No domains on this host.");
        return;
    }
    for (int r = 0; r < rows && app->top + (size_t)r < app->norder; r++) {
        size_t i = app->top + (size_t)r;
        draw_row(app, r + 1, kd_conn_domain_at(app->conn, app->order[i]), i == app->sel);
    }
}

void kd_view_header_draw(kd_app *app)
{
    WINDOW *w = app->w_header;
    char line[512];
    unsigned counts[KD_DOM_LAST];

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
    kd_conn_count_states(app->conn, counts);
    unsigned running = counts[KD_DOM_RUNNING] + counts[KD_DOM_BLOCKED];
    unsigned paused = counts[KD_DOM_PAUSED] + counts[KD_DOM_PMSUSPENDED];
    unsigned off = counts[KD_DOM_SHUTOFF];
    unsigned other = (unsigned)kd_conn_domain_count(app->conn) - running - paused - off;
    size_t total = kd_conn_domain_count(app->conn);
    snprintf(line, sizeof(line), "%zu domain%s: %u running, %u paused, %u shut off, %u other",
             total, total == 1 ? "" : "s", running, paused, off, other);
    kd_draw_text(w, 1, 1, app->cols - 2, line);
}

void kd_view_status_draw(kd_app *app)
{
    WINDOW *w = app->w_status;
    werase(w);
    wattrset(w, (int)kd_theme_attr(app->status_error ? KD_SLOT_STATUS_ERROR : KD_SLOT_STATUS));
    kd_draw_fill(w, 0, 0, app->cols);
    const char *hint = "? help  q quit";
    int hint_w = (int)strlen(hint);
    kd_draw_text(w, 0, 1, app->cols - hint_w - 3, app->status);
    if (app->cols > hint_w + 2)
        kd_draw_text(w, 0, app->cols - hint_w - 1, hint_w, hint);
}
