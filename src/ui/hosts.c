#include "backend/job.h"
#include "core/str.h"
#include "ui/app.h"
#include "ui/hwedit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Several hosts open at once. app->conn stays the one host every action uses, so the rest
 * of the UI needs no change: switching hosts swaps which connection sits there, and the
 * others wait in app->hosts, their events only redrawing the grouped list. */

size_t kd_hosts_count(const kd_app *app)
{
    return (app->conn ? 1 : 0) + app->nhosts;
}

kd_conn *kd_hosts_find(const kd_app *app, const char *uri)
{
    if (!uri)
        return NULL;
    if (app->conn && strcmp(kd_conn_host(app->conn)->uri, uri) == 0)
        return app->conn;
    for (size_t i = 0; i < app->nhosts; i++)
        if (strcmp(kd_conn_host(app->hosts[i])->uri, uri) == 0)
            return app->hosts[i];
    return NULL;
}

void kd_hosts_keep(kd_app *app, kd_conn *c)
{
    if (!c)
        return;
    /* The host shown is set aside for a new one (:connect): the screens in the stack read
     * it, and a row left from it would send its actions to a namesake on the new host. */
    if (c == app->conn)
        kd_screen_close_all(app);
    app->hosts = kd_realloc(app->hosts, (app->nhosts + 1) * sizeof(*app->hosts));
    app->hosts[app->nhosts++] = c;
    app->dirty_header = true;
}

static size_t index_of(const kd_app *app, const kd_conn *c)
{
    for (size_t i = 0; i < app->nhosts; i++)
        if (app->hosts[i] == c)
            return i;
    return SIZE_MAX;
}

void kd_hosts_set_current(kd_app *app, kd_conn *c)
{
    size_t i = index_of(app, c);
    if (c == app->conn || i == SIZE_MAX)
        return;
    app->hosts[i] = app->conn;
    app->conn = c;
    app->details_uuid[0] = '\0';
    kd_view_list_load_tags(app);
    app->dirty_header = app->dirty_list = true;
    /* The screens in the stack (networks, pools...) read the host shown: a row left from the
     * other host would send its actions to a namesake here. */
    kd_screen_changed(app, KD_CONN_EV_LIST, NULL);
}

void kd_hosts_use(kd_app *app, kd_conn *c)
{
    if (c != app->conn) {
        kd_hosts_set_current(app, c);
        app->sel_uuid[0] = '\0';
        if (!app->group_hosts)
            app->sel = app->top = 0;
        kd_view_list_rebuild(app);
    }
    const kd_host_info *h = kd_conn_host(app->conn);
    kd_app_status(app, false, "on %s (%s); %zu host%s open", h->hostname, h->uri,
                  kd_hosts_count(app), kd_hosts_count(app) == 1 ? "" : "s");
}

kd_conn *kd_hosts_open(kd_app *app, const char *uri, kd_err *err)
{
    kd_conn *c = kd_hosts_find(app, uri);
    if (c)
        return c;
    c = kd_conn_open(uri, app->readonly, err);
    if (!c)
        return NULL;
    /* A URI spelled differently may name a host already open. */
    kd_conn *same = kd_hosts_find(app, kd_conn_host(c)->uri);
    if (same) {
        kd_conn_free(c);
        return same;
    }
    kd_conn_set_listener(c, kd_app_on_conn_event, app);
    kd_hosts_keep(app, c);
    kd_view_list_rebuild(app);
    return c;
}

void kd_hosts_close(kd_app *app, kd_conn *c)
{
    size_t i = index_of(app, c);
    if (i == SIZE_MAX)
        return;
    /* Its jobs' threads use it: libvirt aborts what it can, the rest are waited for. */
    kd_job_wait(c, true);
    kd_hwedit_conn_closing(app, c);
    app->hosts[i] = app->hosts[--app->nhosts];
    kd_conn_free(c);
    kd_view_list_rebuild(app);
    app->dirty_header = true;
}

void kd_hosts_changed(kd_app *app, kd_conn *c, kd_conn_event ev)
{
    const kd_host_info *h = kd_conn_host(c);
    if (ev == KD_CONN_EV_DISCONNECTED)
        kd_app_status(app, true, "disconnected from %s (not the host shown), retrying", h->uri);
    else if (ev == KD_CONN_EV_RECONNECTED)
        kd_app_status(app, false, "reconnected to %s", h->uri);
    if (app->group_hosts)
        kd_view_list_rebuild(app);
    app->dirty_header = app->dirty_list = true;
}

static int by_uri(const void *a, const void *b)
{
    return strcmp(kd_conn_host(*(kd_conn *const *)a)->uri, kd_conn_host(*(kd_conn *const *)b)->uri);
}

/* Every open host in the order of their URIs, which switching hosts does not change. */
static kd_conn **sorted_hosts(const kd_app *app, size_t *n)
{
    *n = kd_hosts_count(app);
    kd_conn **v = kd_calloc(*n ? *n : 1, sizeof(*v));
    size_t k = 0;
    if (app->conn)
        v[k++] = app->conn;
    for (size_t i = 0; i < app->nhosts; i++)
        v[k++] = app->hosts[i];
    qsort(v, *n, sizeof(*v), by_uri);
    return v;
}

void kd_hosts_build_rows(kd_app *app, kd_tags_fn tags)
{
    size_t nh;
    kd_conn **v = sorted_hosts(app, &nh);
    size_t total = nh;
    for (size_t h = 0; h < nh; h++)
        total += kd_conn_domain_count(v[h]);
    free(app->grows);
    app->grows = kd_calloc(total ? total : 1, sizeof(*app->grows));
    app->ngrows = 0;
    size_t *order = kd_calloc(total ? total : 1, sizeof(*order));
    kd_list_query q = {app->sort, app->sort_reverse, app->filter, tags, app};
    for (size_t h = 0; h < nh; h++) {
        app->grows[app->ngrows++] = (kd_host_row){v[h], SIZE_MAX};
        size_t n = kd_conn_domain_count(v[h]);
        size_t m = n ? kd_listmodel_build(kd_conn_domain_at(v[h], 0), n, &q, order) : 0;
        for (size_t i = 0; i < m; i++)
            app->grows[app->ngrows++] = (kd_host_row){v[h], order[i]};
    }
    free(order);
    free(v);
}

/* The host after the current one in URI order, for the switch key. */
kd_conn *kd_hosts_next(const kd_app *app)
{
    size_t n;
    kd_conn **v = sorted_hosts(app, &n);
    kd_conn *next = NULL;
    for (size_t i = 0; i < n; i++)
        if (v[i] == app->conn)
            next = v[(i + 1) % n];
    free(v);
    return next;
}

void kd_hosts_free(kd_app *app)
{
    for (size_t i = 0; i < app->nhosts; i++)
        kd_conn_free(app->hosts[i]);
    free(app->hosts);
    free(app->grows);
    app->hosts = NULL;
    app->grows = NULL;
    app->nhosts = app->ngrows = 0;
}
