#include "backend/snapshot.h"
#include "core/str.h"
#include "ui/act_common.h"
#include "ui/app.h"
#include "ui/pager.h"
#include "ui/snapshot_ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A domain's snapshots as a tree, with create, revert and delete, and virsh's snapshot-*
 * verbs on the palette. */

typedef struct {
    char uuid[37];
    kd_snapshot *v;
    size_t n;
    kd_cursor cur;
    int rows;
} snap_screen;

static const kd_screen_ops snap_ops;

static void snap_screen_free(void *p)
{
    snap_screen *s = p;
    kd_snap_list_free(s->v, s->n);
    free(s);
}

static const kd_snapshot *selected(const snap_screen *s)
{
    return s && s->n ? &s->v[s->cur.sel] : NULL;
}

static const char *dom_name(kd_app *app, const char *uuid)
{
    const kd_domain *d = app->conn ? kd_conn_domain_by_uuid(app->conn, uuid) : NULL;
    return d ? d->name : uuid;
}

static void reload(kd_app *app, snap_screen *s, const char *select)
{
    char *keep = kd_strdup(select ? select : selected(s) ? selected(s)->name : "");
    kd_snap_list_free(s->v, s->n);
    s->v = NULL;
    s->n = 0;
    kd_err err;
    kd_err_clear(&err);
    s->v = kd_snap_list(app->conn, s->uuid, &s->n, &err);
    if (!s->v)
        kd_app_status(app, true, "snapshots of %s: %s", dom_name(app, s->uuid), err.msg);
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].name, keep) == 0)
            s->cur.sel = i;
    kd_cursor_fit(&s->cur, s->n, s->rows > 0 ? s->rows : 1);
    free(keep);
    app->dirty_full = true;
}

static snap_screen *open_screen(kd_app *app, const char *uuid, const char *select)
{
    snap_screen *s = kd_screen_find(app, &snap_ops);
    if (s && strcmp(s->uuid, uuid) != 0) {
        /* Another domain's snapshots: the screen now shows this one's. */
        s->cur = (kd_cursor){0, 0};
        snprintf(s->uuid, sizeof(s->uuid), "%s", uuid);
    }
    if (!s) {
        s = kd_calloc(1, sizeof(*s));
        snprintf(s->uuid, sizeof(s->uuid), "%s", uuid);
        kd_screen_open(app, &snap_ops, s, snap_screen_free);
    } else {
        kd_screen_open(app, &snap_ops, s, NULL);
    }
    reload(app, s, select);
    return s;
}

/* ---- drawing ------------------------------------------------------------------------------- */

/* A description may hold line breaks and tabs: on one row they would move the cursor. */
static void flatten(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
}

static void draw_row(WINDOW *w, int y, int cols, size_t i, const void *ctx)
{
    const kd_snapshot *x = &((const snap_screen *)ctx)->v[i];
    char tree[128] = "";
    int depth = x->depth < 20 ? x->depth : 20;
    for (int k = 0; k < depth; k++)
        strcat(tree, k + 1 == depth ? "`- " : "   ");
    char name[160];
    snprintf(name, sizeof(name), "%s%s%s", tree, x->name, x->current ? " *" : "");
    char when[32] = "-";
    time_t t = (time_t)x->created;
    struct tm tm;
    if (x->created > 0 && localtime_r(&t, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    char line[512];
    snprintf(line, sizeof(line), "%-32.32s %-19s %-13.13s %-9s %-8s %s", name, when, x->state,
             x->memory ? "memory" : "disk only", x->external ? "external" : "internal",
             x->description);
    flatten(line);
    kd_draw_text(w, y, 1, cols - 2, line);
}

static void draw_detail(WINDOW *w, int y, int rows, int cols, const kd_snapshot *x)
{
    if (!x || rows < 3)
        return;
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_fill(w, y, 0, cols);
    char *head =
        kd_asprintf("%s%s: parent %s, %zu child(ren)", x->name, x->current ? " (current)" : "",
                    *x->parent ? x->parent : "none", x->nchildren);
    flatten(head);
    kd_draw_text(w, y, 1, cols - 2, head);
    free(head);
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
    char *disks = kd_asprintf("disks: %s", *x->disks ? x->disks : "-");
    kd_draw_text(w, y + 1, 1, cols - 2, disks);
    free(disks);
    if (*x->description) {
        char *text = kd_strdup(x->description);
        flatten(text);
        kd_draw_wrapped(w, y + 2, 1, cols - 2, rows - 2, text);
        free(text);
    }
}

static void snap_draw(kd_app *app, WINDOW *w)
{
    snap_screen *s = kd_screen_state(app, &snap_ops);
    if (!s)
        return;
    const kd_domain *d = app->conn ? kd_conn_domain_by_uuid(app->conn, s->uuid) : NULL;
    char *title =
        kd_asprintf("Snapshots of %s (%s): %zu, * marks the current one", dom_name(app, s->uuid),
                    d ? kd_dom_state_name(d->state) : "gone", s->n);
    int rows = kd_screen_frame(app, w, title,
                               "c create  r revert  d delete  D with children  C children "
                               "only  x XML  R refresh  q back");
    free(title);
    int detail = rows > 12 ? 5 : 0;
    s->rows = rows - 1 - detail;
    kd_act_list_draw(w, rows - detail,
                     "NAME                             CREATED             STATE         SAVES     "
                     "WHERE    DESCRIPTION",
                     "(no snapshots: c creates one)", &s->cur, s->n, draw_row, s);
    if (detail)
        draw_detail(w, 1 + rows - detail, detail, getmaxx(w), selected(s));
}

static void snap_cursor(kd_app *app, long delta)
{
    snap_screen *s = kd_screen_state(app, &snap_ops);
    if (s)
        kd_cursor_move(&s->cur, s->n, delta);
}

static void snap_changed(kd_app *app, kd_conn_event ev, const char *uuid)
{
    snap_screen *s = kd_screen_find(app, &snap_ops);
    /* Snapshots change with the domain (a revert sends a domain event) or on reconnect. */
    if (s && (ev == KD_CONN_EV_LIST || (uuid && strcmp(uuid, s->uuid) == 0)))
        reload(app, s, NULL);
}

static const kd_screen_ops snap_ops = {
    .name = "snapshots",
    .ctx = KD_CTX_SNAPSHOTS,
    .draw = snap_draw,
    .cursor = snap_cursor,
    .changed = snap_changed,
};

/* ---- which domain, which snapshot ------------------------------------------------------------ */

/* The domain named in argv[0], else the snapshot screen's, else the list's selected one. */
static bool target_dom(kd_app *app, int argc, char **argv, char uuid[37])
{
    if (!app->conn) {
        kd_app_status(app, true, "not connected");
        return false;
    }
    const kd_domain *d = NULL;
    if (argc > 0) {
        d = kd_conn_domain_by_name(app->conn, argv[0]);
        if (!d)
            d = kd_conn_domain_by_uuid(app->conn, argv[0]);
        if (!d) {
            kd_app_status(app, true, "no domain named '%s'", argv[0]);
            return false;
        }
    } else {
        snap_screen *s = kd_screen_state(app, &snap_ops);
        d = s ? kd_conn_domain_by_uuid(app->conn, s->uuid) : NULL;
        if (!d && app->view == KD_VIEW_LIST)
            d = kd_view_list_selected(app);
        if (!d) {
            kd_app_status(app, true, "which domain? give its name");
            return false;
        }
    }
    memcpy(uuid, d->uuid, 37);
    return true;
}

typedef struct {
    char uuid[37];
    char *name;
    kd_snap_del how;
} snap_ref;

static void ref_free(void *p)
{
    snap_ref *r = p;
    if (r)
        free(r->name);
    free(r);
}

/* DOMAIN NAME from the palette, else the selected snapshot on the screen. */
static snap_ref *target_snap(kd_app *app, int argc, char **argv, const char *verb)
{
    snap_screen *s = kd_screen_state(app, &snap_ops);
    if (argc == 0 && selected(s)) {
        snap_ref *r = kd_calloc(1, sizeof(*r));
        memcpy(r->uuid, s->uuid, sizeof(r->uuid));
        r->name = kd_strdup(selected(s)->name);
        return r;
    }
    if (argc < 2 || argv[1][0] == '-') {
        kd_app_status(app, true, "usage: %s DOMAIN SNAPSHOT", verb);
        return NULL;
    }
    snap_ref *r = kd_calloc(1, sizeof(*r));
    if (!target_dom(app, argc, argv, r->uuid)) {
        free(r);
        return NULL;
    }
    r->name = kd_strdup(argv[1]);
    return r;
}

void kd_snap_ui_after(kd_app *app, const char *uuid, const char *name, const char *verb, int rc,
                      const kd_err *err)
{
    char *what = kd_asprintf("%s %s", verb, name);
    kd_act_report(app, dom_name(app, uuid), what, rc, err);
    free(what);
    kd_err ignored;
    kd_err_clear(&ignored);
    /* A revert changes the state without always sending an event (the test driver). */
    kd_conn_refresh_domain(app->conn, uuid, &ignored);
    snap_screen *s = kd_screen_find(app, &snap_ops);
    /* The new or reverted-to snapshot gets the selection. */
    bool select = rc == 0 && strcmp(verb, "snapshot-create-as") == 0;
    if (s && strcmp(s->uuid, uuid) == 0)
        reload(app, s, select ? name : NULL);
}

/* ---- the actions --------------------------------------------------------------------------- */

static void act_open(kd_app *app, int argc, char **argv)
{
    char uuid[37];
    if (target_dom(app, argc, argv, uuid))
        open_screen(app, uuid, NULL);
}

static void act_refresh(kd_app *app, int argc, char **argv)
{
    snap_screen *s = kd_screen_find(app, &snap_ops);
    if (s)
        reload(app, s, NULL);
}

static void run_revert(kd_app *app, void *opaque)
{
    snap_ref *r = opaque;
    kd_snap_ui_revert(app, r->uuid, r->name);
}

/* Look the snapshot up (for the questions); NULL with a message. */
static kd_snapshot *fetch(kd_app *app, const snap_ref *r, size_t *n, const kd_snapshot **one)
{
    kd_err err;
    kd_err_clear(&err);
    kd_snapshot *v = kd_snap_list(app->conn, r->uuid, n, &err);
    *one = v ? kd_snap_find(v, *n, r->name) : NULL;
    if (!v)
        kd_app_status(app, true, "%s", err.msg);
    else if (!*one)
        kd_app_status(app, true, "%s has no snapshot named '%s'", dom_name(app, r->uuid), r->name);
    if (!*one) {
        kd_snap_list_free(v, *n);
        return NULL;
    }
    return v;
}

typedef char *(*ask_msg_fn)(kd_app *app, const snap_ref *r, const kd_snapshot *one);

/* Look the snapshot up, then ask (the message made from what was found) before run. */
static void ask(kd_app *app, snap_ref *r, const char *title, ask_msg_fn msg_fn, kd_act_run_fn run)
{
    size_t n;
    const kd_snapshot *one;
    kd_snapshot *v = fetch(app, r, &n, &one);
    if (!v) {
        ref_free(r);
        return;
    }
    char *msg = msg_fn(app, r, one);
    kd_act_confirm(app, title, msg, NULL, run, r, ref_free);
    free(msg);
    kd_snap_list_free(v, n);
}

static char *revert_msg(kd_app *app, const snap_ref *r, const kd_snapshot *one)
{
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, r->uuid);
    return kd_snap_revert_summary(one, d ? d->state : KD_DOM_NOSTATE);
}

static void act_revert(kd_app *app, int argc, char **argv)
{
    snap_ref *r = target_snap(app, argc, argv, "snapshot-revert");
    if (!r)
        return;
    char *title = kd_asprintf("Revert %s to %s?", dom_name(app, r->uuid), r->name);
    ask(app, r, title, revert_msg, run_revert);
    free(title);
}

static const char *const del_flags[KD_SNAP_DEL_LAST] = {"", " --children", " --children-only"};

static void run_delete(kd_app *app, void *opaque)
{
    snap_ref *r = opaque;
    kd_err err;
    kd_err_clear(&err);
    int rc = kd_snap_delete(app->conn, r->uuid, r->name, r->how, &err);
    char *verb = kd_asprintf("snapshot-delete%s", del_flags[r->how]);
    kd_snap_ui_after(app, r->uuid, r->name, verb, rc, &err);
    free(verb);
}

static char *delete_msg(kd_app *app, const snap_ref *r, const kd_snapshot *one)
{
    if (one->nchildren == 0)
        return kd_asprintf("%s has no snapshot below it. %s The domain itself is not changed.",
                           r->name,
                           r->how == KD_SNAP_DEL_CHILDREN_ONLY ? "There is nothing to delete."
                                                               : "It cannot be undone.");
    return kd_asprintf(
        "%s has %zu snapshot%s directly below it. %s The domain itself is not changed.", r->name,
        one->nchildren, one->nchildren == 1 ? "" : "s",
        r->how == KD_SNAP_DEL_ONE ? "They move up to its parent." : "It cannot be undone.");
}

static void ask_delete(kd_app *app, snap_ref *r)
{
    static const char *const what[KD_SNAP_DEL_LAST] = {
        "Delete snapshot", "Delete with every snapshot below it:", "Delete every snapshot below"};
    char *title = kd_asprintf("%s %s?", what[r->how], r->name);
    ask(app, r, title, delete_msg, run_delete);
    free(title);
}

static void delete_as(kd_app *app, int argc, char **argv, kd_snap_del how)
{
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--children") == 0) {
            how = KD_SNAP_DEL_WITH_CHILDREN;
        } else if (strcmp(argv[i], "--children-only") == 0) {
            how = KD_SNAP_DEL_CHILDREN_ONLY;
        } else {
            kd_app_status(app, true,
                          "usage: snapshot-delete DOMAIN SNAPSHOT [--children|--children-only]");
            return;
        }
    }
    snap_ref *r = target_snap(app, argc, argv, "snapshot-delete");
    if (!r)
        return;
    r->how = how;
    ask_delete(app, r);
}

static void act_delete(kd_app *app, int argc, char **argv)
{
    delete_as(app, argc, argv, KD_SNAP_DEL_ONE);
}

static void act_delete_children(kd_app *app, int argc, char **argv)
{
    delete_as(app, argc, argv, KD_SNAP_DEL_WITH_CHILDREN);
}

static void act_delete_children_only(kd_app *app, int argc, char **argv)
{
    delete_as(app, argc, argv, KD_SNAP_DEL_CHILDREN_ONLY);
}

static void act_dumpxml(kd_app *app, int argc, char **argv)
{
    snap_ref *r = target_snap(app, argc, argv, "snapshot-dumpxml");
    if (!r)
        return;
    kd_err err;
    kd_err_clear(&err);
    char *xml = kd_snap_dumpxml(app->conn, r->uuid, r->name, &err);
    if (!xml) {
        kd_app_status(app, true, "snapshot-dumpxml %s: %s", r->name, err.msg);
    } else {
        char *title = kd_asprintf("snapshot-dumpxml %s %s", dom_name(app, r->uuid), r->name);
        kd_pager_open(app, title, xml);
        free(title);
    }
    free(xml);
    ref_free(r);
}

static void act_current(kd_app *app, int argc, char **argv)
{
    char uuid[37];
    if (!target_dom(app, argc, argv, uuid))
        return;
    kd_err err;
    kd_err_clear(&err);
    char *name = kd_snap_current(app->conn, uuid, &err);
    if (!name)
        kd_app_status(app, err.code != KD_ERR_NOTFOUND, "%s: %s", dom_name(app, uuid), err.msg);
    else
        kd_app_status(app, false, "current snapshot of %s: %s", dom_name(app, uuid), name);
    free(name);
}

static void act_create(kd_app *app, int argc, char **argv)
{
    char uuid[37];
    if (!target_dom(app, argc, argv, uuid))
        return;
    if (argc < 2) {
        kd_snap_ui_form(app, uuid);
        return;
    }
    bool disk_only = argc > 2 && strcmp(argv[argc - 1], "--disk-only") == 0;
    int nargs = argc - (disk_only ? 1 : 0);
    if (nargs > 3) {
        kd_app_status(app, true,
                      "usage: snapshot-create-as DOMAIN NAME [DESCRIPTION] "
                      "[--disk-only]");
        return;
    }
    kd_snap_params p = {
        .name = argv[1], .description = nargs > 2 ? argv[2] : NULL, .memory = !disk_only};
    kd_err err;
    kd_err_clear(&err);
    if (kd_snap_ui_create(app, uuid, &p, &err) < 0)
        kd_app_status(app, true, "snapshot-create-as %s: %s", argv[1], err.msg);
}

const kd_action kd_actions_snapshot[] = {
    {"view.snapshots", "snapshot-list", "DOMAIN", "Snapshots of a domain", act_open},
    {"snapshot.create", "snapshot-create-as", "DOMAIN NAME [DESCRIPTION] [--disk-only]",
     "Create a snapshot (no name: a form)", act_create},
    {"snapshot.revert", "snapshot-revert", "DOMAIN SNAPSHOT", "Revert a domain to a snapshot",
     act_revert},
    {"snapshot.delete", "snapshot-delete", "DOMAIN SNAPSHOT [--children|--children-only]",
     "Delete a snapshot", act_delete},
    {"snapshot.delete_children", NULL, NULL, "Delete a snapshot and every one below it",
     act_delete_children},
    {"snapshot.delete_children_only", NULL, NULL, "Delete the snapshots below one",
     act_delete_children_only},
    {"snapshot.dumpxml", "snapshot-dumpxml", "DOMAIN SNAPSHOT", "A snapshot's XML", act_dumpxml},
    {"snapshot.current", "snapshot-current", "DOMAIN", "The current snapshot's name", act_current},
    {"snapshot.refresh", NULL, NULL, "Read the snapshots again", act_refresh},
};
const size_t kd_actions_snapshot_count =
    sizeof(kd_actions_snapshot) / sizeof(kd_actions_snapshot[0]);

const char kd_keys_snapshot[] = "bind list z view.snapshots\n"
                                "bind snapshots j cursor.down\n"
                                "bind snapshots Down cursor.down\n"
                                "bind snapshots k cursor.up\n"
                                "bind snapshots Up cursor.up\n"
                                "bind snapshots g cursor.top\n"
                                "bind snapshots G cursor.bottom\n"
                                "bind snapshots c snapshot.create\n"
                                "bind snapshots r snapshot.revert\n"
                                "bind snapshots d snapshot.delete\n"
                                "bind snapshots D snapshot.delete_children\n"
                                "bind snapshots C snapshot.delete_children_only\n"
                                "bind snapshots x snapshot.dumpxml\n"
                                "bind snapshots R snapshot.refresh\n"
                                "bind snapshots q view.back\n"
                                "bind snapshots Esc view.back\n";
