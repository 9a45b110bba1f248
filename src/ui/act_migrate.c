#include "backend/loop.h"
#include "backend/migrate.h"
#include "core/str.h"
#include "ui/app.h"
#include "ui/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Live migration to another host (a form, or virsh's words in the palette), its progress in
 * the status line, and the actions on several open hosts. */

#define POLL_MS 500
#define BAR_W   20

/* ---- progress --------------------------------------------------------------------------- */

/* A migration running on a worker; the loop polls its progress from the source. */
typedef struct watch {
    struct watch *next;
    kd_conn *src; /* open until the job is done: closing a host waits for its jobs */
    char uuid[37];
    char *name;
    char *dest;
    kd_migrate_stats st;
} watch;

static watch *watches;
static int poll_timer = -1;

static void on_poll(int timer, void *opaque)
{
    kd_app *app = opaque;
    (void)timer;
    for (watch *w = watches; w; w = w->next) {
        /* A failed poll (the domain has just left the source) keeps the last figures. */
        kd_migrate_stats st;
        if (kd_migrate_stats_get(w->src, w->uuid, &st, NULL) == 0)
            w->st = st;
    }
    app->dirty_status = true;
}

static watch *watch_add(kd_app *app, kd_conn *src, const char *uuid, const char *name,
                        const char *dest)
{
    watch *w = kd_calloc(1, sizeof(*w));
    w->src = src;
    snprintf(w->uuid, sizeof(w->uuid), "%s", uuid);
    w->name = kd_strdup(name);
    w->dest = kd_strdup(dest);
    w->next = watches;
    watches = w;
    if (poll_timer < 0)
        poll_timer = kd_loop_add_timer(POLL_MS, on_poll, app, NULL);
    return w;
}

static void watch_remove(watch *gone)
{
    for (watch **p = &watches; *p; p = &(*p)->next) {
        if (*p == gone) {
            *p = gone->next;
            break;
        }
    }
    free(gone->name);
    free(gone->dest);
    free(gone);
    if (!watches && poll_timer >= 0) {
        kd_loop_remove_timer(poll_timer);
        poll_timer = -1;
    }
}

static void human(char *buf, size_t n, unsigned long long bytes)
{
    kd_draw_format_kib(buf, n, bytes / 1024);
}

size_t kd_migrate_ui_status(kd_app *app, char *buf, size_t n)
{
    (void)app;
    if (!watches)
        return 0;
    const watch *w = watches;
    const kd_migrate_stats *s = &w->st;
    unsigned long long total = s->data_total ? s->data_total : s->mem_total;
    unsigned long long done = s->data_total ? s->data_processed : s->mem_processed;
    int pct = total ? (int)(done * 100 / total) : 0;
    pct = pct > 100 ? 100 : pct;
    char bar[BAR_W + 1], d[32], t[32], rem[32], dirty[32];
    for (int i = 0; i < BAR_W; i++)
        bar[i] = i < pct * BAR_W / 100 ? '#' : '-';
    bar[BAR_W] = '\0';
    human(d, sizeof(d), s->mem_processed);
    human(t, sizeof(t), s->mem_total);
    human(rem, sizeof(rem), s->mem_remaining);
    human(dirty, sizeof(dirty), s->dirty_rate);
    int len;
    if (!s->active)
        len = snprintf(buf, n, "migrate %s -> %s: starting...  (X cancels)", w->name, w->dest);
    else
        /* The figures before the destination: a long URI must not push them off screen. */
        len = snprintf(buf, n,
                       "migrate %s [%s] %d%%  mem %s/%s, %s left, dirty %s/s, %llu.%llu s -> %s%s"
                       "  (X cancels)",
                       w->name, bar, pct, d, t, rem, dirty, s->elapsed_ms / 1000,
                       s->elapsed_ms % 1000 / 100, w->dest, w->next ? " (+more)" : "");
    return len > 0 ? (size_t)len : 0;
}

/* ---- running one ------------------------------------------------------------------------ */

typedef struct {
    kd_migrate_req *req;
    watch *w;
    char *name;
    char *dest;
} job_arg;

static void job_arg_free(void *p)
{
    job_arg *a = p;
    kd_migrate_req_free(a->req);
    free(a->name);
    free(a->dest);
    free(a);
}

static int job_fn(kd_conn *conn, void *arg, kd_err *err)
{
    return kd_migrate_job(conn, ((job_arg *)arg)->req, err);
}

static void job_after(kd_app *app, int result, const kd_err *err, void *arg)
{
    job_arg *a = arg;
    char *what = kd_asprintf("migrate to %s", a->dest);
    kd_app_audit(app, a->name, what, result < 0 ? err : NULL);
    free(what);
    watch_remove(a->w);
    if (result < 0)
        kd_app_status(app, true, "%s", err->msg);
    else
        kd_app_status(app, false, "migrated %s to %s", a->name, a->dest);
    /* The domain left the source by its event; the destination, if open, lists it by its own. */
    kd_view_list_rebuild(app);
}

/* Start a migration of uuid (on the current host); -1 with err when it cannot start. */
static int start(kd_app *app, const char *uuid, const kd_migrate_opts *o, kd_err *err)
{
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, uuid);
    if (!d) {
        kd_err_set(err, KD_ERR_NOTFOUND, "migrate: the domain is gone");
        return -1;
    }
    char *name = kd_strdup(d->name);
    /* Through this client the destination is opened here, with the credentials prompt, and
     * stays open as a further host; peer-to-peer it is the source daemon's to reach. */
    kd_conn *dest = kd_hosts_find(app, o->dest_uri);
    bool active = d->state != KD_DOM_SHUTOFF && d->state != KD_DOM_CRASHED;
    if (!dest && !o->p2p && kd_migrate_validate(o, active, err) == 0) {
        dest = kd_hosts_open(app, o->dest_uri, err);
        if (!dest)
            kd_err_prefix(err, "migrate %s: the destination cannot be reached", name);
    }
    kd_migrate_req *req =
        err->code == KD_ERR_NONE ? kd_migrate_prepare(app->conn, uuid, o, dest, err) : NULL;
    char *what = kd_asprintf("migrate to %s", o->dest_uri ? o->dest_uri : "");
    if (!req) {
        kd_app_audit(app, name, what, err);
        free(what);
        free(name);
        return -1;
    }
    job_arg *a = kd_calloc(1, sizeof(*a));
    a->req = req;
    a->name = name;
    a->dest = kd_strdup(o->dest_uri);
    watch *w = watch_add(app, app->conn, uuid, name, o->dest_uri);
    a->w = w;
    /* When the job cannot start (another one runs on the domain), a is freed already and
     * the status line says why: nothing is left to watch. */
    if (!kd_ui_job_run(app, what, uuid, job_fn, a, job_arg_free, job_after))
        watch_remove(w);
    free(what);
    return 0;
}

/* ---- the form --------------------------------------------------------------------------- */

typedef struct {
    char uuid[37];
} form_ctx;

static void read_form(const kd_form *f, kd_migrate_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->dest_uri = kd_strdup(kd_form_get(f, "dest"));
    const char *mu = kd_form_get(f, "muri");
    o->migrate_uri = kd_str_empty(mu) ? NULL : kd_strdup(mu);
    long long bw = kd_form_get_num(f, "bandwidth");
    o->bandwidth = bw > 0 ? (unsigned long)bw : 0;
    o->live = kd_form_get_bool(f, "live");
    o->offline = kd_form_get_bool(f, "offline");
    o->persistent = kd_form_get_bool(f, "persistent");
    o->undefine_source = kd_form_get_bool(f, "undefine");
    o->copy_storage = kd_form_get_bool(f, "copy");
    o->p2p = kd_form_get_bool(f, "p2p");
}

static const char *form_check(kd_app *app, kd_form *f, const char *key, const char *value,
                              char *buf, size_t n, void *opaque)
{
    (void)app;
    (void)f;
    (void)opaque;
    if (strcmp(key, "dest") == 0 && kd_str_empty(value))
        return "a URI, e.g. qemu+ssh://host2/system";
    if (strcmp(key, "bandwidth") == 0 && !kd_str_empty(value) && kd_form_get_num(f, key) < 0) {
        snprintf(buf, n, "a whole number of MiB/s, 0 for no limit");
        return buf;
    }
    return NULL;
}

/* Which field a validation message belongs under. */
static const char *field_of(const char *msg)
{
    if (strstr(msg, "migration URI"))
        return "muri";
    if (strstr(msg, "--persistent"))
        return "persistent";
    if (strstr(msg, "--offline") || strstr(msg, "--live"))
        return "offline";
    if (strstr(msg, "--copy-storage-all"))
        return "copy";
    return "dest";
}

static bool form_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    form_ctx *ctx = opaque;
    if (!ok)
        return true;
    kd_migrate_opts o;
    read_form(f, &o);
    kd_err err;
    kd_err_clear(&err);
    int rc = start(app, ctx->uuid, &o, &err);
    kd_migrate_opts_clear(&o);
    if (rc < 0) {
        /* Everything typed stays. The form names the domain and host already: the message
         * loses its "migrate ...: " context, and goes under the field it is about when it
         * fits there, else under the title where it has two rows. */
        const char *msg = err.msg, *colon = strstr(msg, ": ");
        if (strncmp(msg, "migrate ", 8) == 0 && colon)
            msg = colon + 2;
        if (strlen(msg) <= 48) {
            kd_form_error(f, field_of(msg), msg);
        } else {
            kd_form_error(f, NULL, msg);
            kd_form_error(f, field_of(msg), "not accepted: see the message above");
        }
        return false;
    }
    return true;
}

static void on_pick_dest(kd_app *app, bool ok, size_t index, const char *item, void *opaque)
{
    (void)index;
    kd_form *f = kd_form_current(app);
    (void)opaque;
    if (ok && f)
        kd_form_set(f, "dest", item);
}

/* Saved connections and the hosts open now, the current one left out. */
static void pick_dest(kd_app *app, kd_form *form, const char *key)
{
    (void)form;
    (void)key;
    kd_saved_conn *saved = NULL;
    size_t ns = 0;
    kd_store_list_conns(app->store, &saved, &ns, NULL);
    const char **items = kd_calloc(ns + app->nhosts + 1, sizeof(char *));
    const char **details = kd_calloc(ns + app->nhosts + 1, sizeof(char *));
    size_t n = 0;
    const char *cur = kd_conn_host(app->conn)->uri;
    for (size_t i = 0; i < app->nhosts; i++) {
        items[n] = kd_conn_host(app->hosts[i])->uri;
        details[n++] = "open";
    }
    for (size_t i = 0; i < ns; i++) {
        bool dup = strcmp(saved[i].uri, cur) == 0;
        for (size_t k = 0; k < n && !dup; k++)
            dup = strcmp(items[k], saved[i].uri) == 0;
        if (!dup) {
            items[n] = saved[i].uri;
            details[n++] = saved[i].name;
        }
    }
    if (n == 0)
        kd_form_error(form, "dest", "no saved or open host besides this one: type a URI");
    else
        kd_pick_open(app, &(kd_pick_spec){.title = "Destination host",
                                          .items = items,
                                          .details = details,
                                          .n = n,
                                          .done = on_pick_dest});
    free(items);
    free(details);
    kd_saved_conns_free(saved, ns);
}

static void open_form(kd_app *app, const kd_domain *d)
{
    bool running = d->state != KD_DOM_SHUTOFF && d->state != KD_DOM_CRASHED;
    const kd_field_spec fields[] = {
        {"dest", "Destination URI", KD_FIELD_TEXT, "", NULL,
         "the other host's libvirt URI; F4 or Enter: saved and open hosts", pick_dest},
        {"live", "Live", KD_FIELD_CHECK, running ? "1" : "0", NULL,
         "keep the guest running while its memory is copied", NULL},
        {"offline", "Offline", KD_FIELD_CHECK, running ? "0" : "1", NULL,
         "a shut-off domain: only its definition moves", NULL},
        {"persistent", "Define on destination", KD_FIELD_CHECK, d->persistent ? "1" : "0", NULL,
         "keep it defined there (--persistent)", NULL},
        {"undefine", "Undefine on source", KD_FIELD_CHECK, "0", NULL,
         "forget it here once moved (--undefinesource)", NULL},
        {"copy", "Copy the disks", KD_FIELD_CHECK, "0", NULL,
         "storage not shared between the hosts (--copy-storage-all)", NULL},
        {"p2p", "Peer-to-peer", KD_FIELD_CHECK, "0", NULL,
         "the source's libvirtd connects to the destination itself (--p2p)", NULL},
        {"muri", "Migration URI", KD_FIELD_TEXT, "", NULL,
         "where the data goes, e.g. tcp://10.0.0.2; empty: libvirt's choice", NULL},
        {"bandwidth", "Bandwidth MiB/s", KD_FIELD_NUMBER, "0", NULL, "0: no limit", NULL},
    };
    form_ctx *ctx = kd_calloc(1, sizeof(*ctx));
    memcpy(ctx->uuid, d->uuid, sizeof(ctx->uuid));
    char *title = kd_asprintf("Migrate %s", d->name);
    char *msg = kd_asprintf("From %s", kd_conn_host(app->conn)->uri);
    kd_form_open(app, &(kd_form_spec){.title = title,
                                      .message = msg,
                                      .fields = fields,
                                      .nfields = sizeof(fields) / sizeof(fields[0]),
                                      .submit = "Migrate",
                                      .check = form_check,
                                      .done = form_done,
                                      .opaque = ctx,
                                      .opaque_free = free});
    free(title);
    free(msg);
}

/* ---- actions ---------------------------------------------------------------------------- */

static void act_migrate(kd_app *app, int argc, char **argv)
{
    if (app->conn && kd_conn_readonly(app->conn)) {
        kd_app_status(app, true, "migrate refused: the connection is read-only (-r)");
        return;
    }
    kd_uuid *t;
    if (kd_app_targets(app, argc > 0 ? 1 : 0, argv, &t) == 0)
        return;
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, t[0].uuid);
    if (argc < 2) {
        open_form(app, d);
        free(t);
        return;
    }
    kd_migrate_opts o;
    kd_err err;
    kd_err_clear(&err);
    if (kd_migrate_opts_parse(&o, argc - 1, argv + 1, &err) < 0 ||
        start(app, t[0].uuid, &o, &err) < 0)
        kd_app_status(app, true, "%s", err.msg);
    kd_migrate_opts_clear(&o);
    free(t);
}

static void act_host_next(kd_app *app, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (kd_hosts_count(app) < 2) {
        kd_app_status(app, true, "one host open; :connect URI (or c, Enter) opens another");
        return;
    }
    kd_hosts_use(app, kd_hosts_next(app));
}

static void act_group(kd_app *app, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    app->group_hosts = !app->group_hosts;
    app->sel = app->top = 0;
    kd_view_list_rebuild(app);
    app->dirty_header = app->dirty_list = true;
    kd_app_status(app, false, "%s",
                  app->group_hosts ? "grouped by host (= ungroups)"
                                   : "one host shown (Tab switches)");
}

static void act_conn_close(kd_app *app, int argc, char **argv)
{
    const char *uri = NULL;
    if (argc > 0)
        uri = argv[0];
    else if (app->view == KD_VIEW_CONNS && app->conns_sel < app->nconns)
        uri = app->conns[app->conns_sel].uri;
    if (!uri) {
        kd_app_status(app, true, "usage: disconnect URI (an open host not shown)");
        return;
    }
    kd_conn *c = kd_hosts_find(app, uri);
    if (!c) {
        kd_app_status(app, true, "%s is not open", uri);
        return;
    }
    if (c == app->conn) {
        kd_app_status(app, true, "%s is the host shown: switch to another first (Tab)", uri);
        return;
    }
    char *keep = kd_strdup(kd_conn_host(c)->uri);
    kd_hosts_close(app, c);
    /* The connections view lists the open hosts: read it again. */
    if (app->view == KD_VIEW_CONNS)
        kd_action_find("view.connections")->run(app, 0, NULL);
    kd_app_status(app, false, "closed %s", keep);
    free(keep);
}

const kd_action kd_actions_migrate[] = {
    {"domain.migrate", "migrate",
     "DOMAIN URI [--live] [--offline] [--persistent] [--undefinesource] [--copy-storage-all] "
     "[--p2p] [--migrateuri URI] [--bandwidth MiB]",
     "Migrate a domain to another host", act_migrate},
    {"host.next", NULL, NULL, "Show the next open host", act_host_next},
    {"list.group_hosts", NULL, NULL, "Group the list by host, every open host", act_group},
    {"conn.close", "disconnect", "URI", "Close an open host (not the one shown)", act_conn_close},
};
const size_t kd_actions_migrate_count = sizeof(kd_actions_migrate) / sizeof(kd_actions_migrate[0]);

const char kd_keys_migrate[] = "bind list > domain.migrate\n"
                               "bind list Tab host.next\n"
                               "bind list = list.group_hosts\n"
                               "bind connections x conn.close\n";
