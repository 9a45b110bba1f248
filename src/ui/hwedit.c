#include "ui/hwedit.h"
#include "core/str.h"
#include "ui/hwedit_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The hardware editor's screen: the items down the left (as virt-manager's details page),
 * the selected item's settings on the right. */

static const kd_screen_ops hw_ops;

static void free_items(hw_screen *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].key);
        free(s->items[i].label);
    }
    free(s->items);
    s->items = NULL;
    s->n = 0;
}

static void hw_screen_free(void *p)
{
    hw_screen *s = p;
    if (s->done) {
        /* Leaving hands the XML back; the program quitting does not. */
        kd_err err;
        char *xml = !s->app->quit ? kd_hwed_xml(s->ed, &err) : NULL;
        s->done(s->app, xml != NULL, xml, s->opaque);
        free(xml);
    }
    free_items(s);
    kd_hwed_free(s->ed);
    free(s->name);
    free(s);
}

hw_screen *kd_hw_screen(kd_app *app)
{
    return kd_screen_state(app, &hw_ops);
}

const hw_item *kd_hw_selected(const hw_screen *s)
{
    return s && s->n ? &s->items[s->cur.sel] : NULL;
}

static void add_item(hw_screen *s, hw_kind kind, const char *key, char *label)
{
    s->items = kd_realloc(s->items, (s->n + 1) * sizeof(*s->items));
    s->items[s->n++] = (hw_item){kind, key ? kd_strdup(key) : NULL, label};
}

static void build_items(hw_screen *s)
{
    static const struct {
        hw_kind kind;
        const char *label;
    } overview[] = {
        {HW_OVERVIEW, "Overview"}, {HW_MEMORY, "Memory"},       {HW_CPUS, "CPUs"},
        {HW_BOOT, "Boot options"}, {HW_AUTOSTART, "Autostart"}, {HW_DESCRIPTION, "Description"},
    };
    free_items(s);
    for (size_t i = 0; i < sizeof(overview) / sizeof(overview[0]); i++) {
        if (overview[i].kind == HW_AUTOSTART && kd_hwed_in_memory(s->ed))
            continue;
        add_item(s, overview[i].kind, NULL, kd_strdup(overview[i].label));
    }
    const kd_hw_model *m = kd_hwed_config(s->ed);
    for (size_t i = 0; i < m->ndisks; i++) {
        const kd_hw_disk *d = &m->disks[i];
        bool cd = strcmp(d->device, "disk") != 0;
        add_item(s, cd ? HW_CDROM : HW_DISK, d->target,
                 kd_asprintf("%s %s", cd ? "CD-ROM" : "Disk", d->target));
    }
    for (size_t i = 0; i < m->nnics; i++) {
        const kd_hw_nic *n = &m->nics[i];
        /* An XML not defined yet may leave the MAC to libvirt. */
        add_item(s, HW_NIC, n->mac,
                 *n->mac ? kd_asprintf("NIC %s", n->mac) : kd_asprintf("NIC %s", n->source));
    }
}

void kd_hw_reload(hw_screen *s)
{
    const hw_item *sel = kd_hw_selected(s);
    hw_kind kind = sel ? sel->kind : HW_OVERVIEW;
    char *key = sel && sel->key ? kd_strdup(sel->key) : NULL;
    kd_err err;
    if (!kd_hwed_in_memory(s->ed) && kd_hwed_reload(s->ed, &err) < 0)
        kd_app_status(s->app, true, "hardware: %s", err.msg);
    build_items(s);
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].kind == kind && kd_str_eq(s->items[i].key, key))
            s->cur.sel = i;
    kd_cursor_fit(&s->cur, s->n, s->rows > 0 ? s->rows : 1);
    free(key);
    s->app->dirty_full = true;
}

void kd_hw_report(hw_screen *s, const char *what, int rc, const kd_hw_result *res,
                  const kd_err *err)
{
    if (!kd_hwed_in_memory(s->ed))
        kd_app_audit(s->app, s->name, what, rc < 0 ? err : NULL);
    if (rc < 0) {
        kd_app_status(s->app, true, "%s refused: %s", what, err->msg);
    } else {
        char text[400];
        kd_hw_result_text(res, text, sizeof(text));
        kd_app_status(s->app, false, "%s: %s", what, text);
    }
    kd_hw_reload(s);
}

static void open_screen(kd_app *app, hw_screen *s)
{
    s->app = app;
    s->name = kd_strdup(kd_hwed_config(s->ed)->name);
    kd_screen_open(app, &hw_ops, s, hw_screen_free);
    build_items(s);
    app->dirty_full = true;
}

void kd_hwedit_open(kd_app *app, const char *uuid)
{
    if (!app->conn) {
        kd_app_status(app, true, "not connected");
        return;
    }
    hw_screen *old = kd_screen_find(app, &hw_ops);
    if (old && strcmp(old->uuid, uuid) == 0) {
        kd_screen_open(app, &hw_ops, old, NULL); /* back to the top, as it was */
        kd_hw_reload(old);
        return;
    }
    kd_err err;
    kd_hwed *ed = kd_hwed_open(app->conn, uuid, &err);
    if (!ed) {
        kd_app_status(app, true, "hardware: %s", err.msg);
        return;
    }
    if (old) {
        /* One editor at a time: the one open goes (an XML in memory is handed back). */
        kd_screen_open(app, &hw_ops, old, NULL);
        kd_screen_close(app);
    }
    hw_screen *s = kd_calloc(1, sizeof(*s));
    s->ed = ed;
    snprintf(s->uuid, sizeof(s->uuid), "%s", uuid);
    open_screen(app, s);
    kd_app_status(app, false, "hardware of %s%s", s->name,
                  kd_hwed_running(ed) ? " (running: changes apply live where they can)" : "");
}

void kd_hwedit_conn_closing(kd_app *app, const struct kd_conn *c)
{
    hw_screen *s = kd_screen_find(app, &hw_ops);
    if (!s || kd_hwed_conn(s->ed) != c)
        return;
    kd_screen_open(app, &hw_ops, s, NULL);
    kd_screen_close(app);
}

void kd_hwedit_open_xml(kd_app *app, const char *xml, hw_done_fn done, void *opaque)
{
    kd_err err;
    kd_hwed *ed = kd_hwed_open_xml(app->conn, xml, &err);
    if (!ed) {
        kd_app_status(app, true, "hardware: %s", err.msg);
        if (done)
            done(app, false, NULL, opaque);
        return;
    }
    hw_screen *old = kd_screen_find(app, &hw_ops);
    if (old) {
        kd_screen_open(app, &hw_ops, old, NULL);
        kd_screen_close(app);
    }
    hw_screen *s = kd_calloc(1, sizeof(*s));
    s->ed = ed;
    s->done = done;
    s->opaque = opaque;
    open_screen(app, s);
    kd_app_status(app, false, "customize %s: changes edit its XML; q hands it back", s->name);
}

/* ---- the screen ---- */

static void draw_list(hw_screen *s, WINDOW *w, int rows, int width)
{
    kd_cursor_fit(&s->cur, s->n, rows);
    for (int r = 0; r < rows && s->cur.top + (size_t)r < s->n; r++) {
        size_t i = s->cur.top + (size_t)r;
        bool sel = i == s->cur.sel;
        wattrset(w, (attr_t)kd_theme_attr(sel ? KD_SLOT_LIST_SELECTED : KD_SLOT_NORMAL));
        if (sel)
            kd_draw_fill(w, 1 + r, 0, width);
        kd_draw_text(w, 1 + r, 1, width - 2, s->items[i].label);
    }
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
    for (int r = 0; r < rows; r++)
        mvwaddch(w, 1 + r, width, ACS_VLINE);
}

static void hw_draw(kd_app *app, WINDOW *w)
{
    hw_screen *s = kd_hw_screen(app);
    if (!s)
        return;
    const char *state = kd_hwed_in_memory(s->ed) ? "new domain, not defined yet"
                        : kd_hwed_running(s->ed) ? "running"
                                                 : "not running";
    char *title = kd_asprintf("Hardware of %s (%s)", s->name, state);
    int rows = kd_screen_frame(app, w, title,
                               "Enter edit  a add  d remove  m memory  v vCPUs  c media  "
                               "p pin  x XML  r refresh  q back");
    free(title);
    int cols = getmaxx(w);
    int width = cols > 60 ? 24 : cols / 3;
    s->rows = rows;
    draw_list(s, w, rows, width);
    kd_hw_draw_details(s, w, 1, width + 2, rows, cols - width - 3);
}

static void hw_cursor(kd_app *app, long delta)
{
    hw_screen *s = kd_hw_screen(app);
    if (s)
        kd_cursor_move(&s->cur, s->n, delta);
}

static void hw_changed(kd_app *app, kd_conn_event ev, const char *uuid)
{
    hw_screen *s = kd_screen_find(app, &hw_ops);
    if (!s || kd_hwed_in_memory(s->ed))
        return;
    /* A domain event (started, stopped, redefined elsewhere) or a reconnection. */
    if (ev == KD_CONN_EV_LIST || (uuid && strcmp(uuid, s->uuid) == 0))
        kd_hw_reload(s);
}

static const kd_screen_ops hw_ops = {
    .name = "hardware",
    .ctx = KD_CTX_HARDWARE,
    .draw = hw_draw,
    .cursor = hw_cursor,
    .changed = hw_changed,
};
