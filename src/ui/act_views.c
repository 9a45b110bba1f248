#include "core/str.h"
#include "ui/app.h"
#include "ui/pager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Actions on what the list shows (marks, filter, sort, tags, details) and the other
 * screens (audit log, saved connections). */

static bool is_marked(const kd_app *app, const char *uuid, size_t *at)
{
    for (size_t i = 0; i < app->nmarks; i++) {
        if (strcmp(app->marks[i].uuid, uuid) == 0) {
            if (at)
                *at = i;
            return true;
        }
    }
    return false;
}

static void act_mark(kd_app *app, int argc, char **argv)
{
    const kd_domain *d = kd_view_list_selected(app);
    if (!d)
        return;
    size_t at;
    if (is_marked(app, d->uuid, &at)) {
        app->marks[at] = app->marks[--app->nmarks];
    } else {
        app->marks = kd_realloc(app->marks, (app->nmarks + 1) * sizeof(kd_uuid));
        memcpy(app->marks[app->nmarks++].uuid, d->uuid, sizeof(d->uuid));
    }
    kd_app_status(app, false, "%zu marked; actions apply to all of them", app->nmarks);
    const kd_action *down = kd_action_find("cursor.down");
    down->run(app, 0, NULL);
    app->dirty_list = true;
}

static void act_unmark(kd_app *app, int argc, char **argv)
{
    free(app->marks);
    app->marks = NULL;
    app->nmarks = 0;
    kd_app_status(app, false, "no domain marked");
    app->dirty_list = true;
}

static void set_filter(kd_app *app, const char *text)
{
    free(app->filter);
    app->filter = text && *text ? kd_strdup(text) : NULL;
    kd_view_list_rebuild(app);
    app->dirty_header = true;
}

static void on_filter_change(kd_app *app, const char *text, void *opaque)
{
    set_filter(app, text);
}

static void on_filter_done(kd_app *app, bool ok, const char *text, void *opaque)
{
    if (!ok)
        set_filter(app, app->filter_before);
    free(app->filter_before);
    app->filter_before = NULL;
}

static void act_filter(kd_app *app, int argc, char **argv)
{
    if (argc > 0) {
        kd_buf b;
        kd_buf_init(&b);
        /* Words the palette unquoted are quoted again, so "a b" stays one word. */
        for (int i = 0; i < argc; i++) {
            char *q = kd_str_quote(argv[i]);
            kd_buf_printf(&b, "%s%s", i ? " " : "", q);
            free(q);
        }
        set_filter(app, b.data);
        kd_buf_free(&b);
        return;
    }
    free(app->filter_before);
    app->filter_before = app->filter ? kd_strdup(app->filter) : NULL;
    kd_dialog_spec spec = {.title = "/",
                           .initial = app->filter,
                           .bar = true,
                           .changed = on_filter_change,
                           .done = on_filter_done};
    kd_dialog_prompt(app, &spec);
}

static void act_clear(kd_app *app, int argc, char **argv)
{
    if (app->filter)
        set_filter(app, NULL);
    else if (app->nmarks)
        act_unmark(app, 0, NULL);
}

static void save_sort(kd_app *app)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_store_put_pref(app->store, "list.sort", kd_sort_key_name(app->sort), &err) < 0 ||
        kd_store_put_pref(app->store, "list.reverse", app->sort_reverse ? "1" : "0", &err) < 0)
        kd_app_status(app, true, "saving the sort order: %s", err.msg);
    else
        kd_app_status(app, false, "sorted by %s%s", kd_sort_key_name(app->sort),
                      app->sort_reverse ? ", reversed" : "");
    kd_view_list_rebuild(app);
}

static void act_sort_next(kd_app *app, int argc, char **argv)
{
    if (argc > 0) {
        kd_sort_key k;
        if (kd_sort_key_parse(argv[0], &k) < 0) {
            kd_app_status(app, true, "sort by: name, id, state, vcpus, memory, autostart, tags");
            return;
        }
        app->sort = k;
        app->sort_reverse = argc > 1 && strcmp(argv[1], "--reverse") == 0;
    } else {
        app->sort = (kd_sort_key)((app->sort + 1) % KD_SORT_LAST);
    }
    save_sort(app);
}

static void act_sort_reverse(kd_app *app, int argc, char **argv)
{
    app->sort_reverse = !app->sort_reverse;
    save_sort(app);
}

static void act_details(kd_app *app, int argc, char **argv)
{
    app->show_details = !app->show_details;
    app->details_uuid[0] = '\0';
    app->dirty_list = true;
}

/* ---- tags ------------------------------------------------------------------------------ */

static int change_tags(kd_app *app, const char *uuid, char **words, int n, bool remove_all)
{
    const char *uri = kd_conn_host(app->conn)->uri;
    kd_err err;
    kd_err_clear(&err);
    for (int i = 0; i < n; i++) {
        bool del = remove_all || words[i][0] == '-';
        const char *tag = words[i][0] == '-' || words[i][0] == '+' ? words[i] + 1 : words[i];
        if (!*tag || strchr(tag, ',')) {
            kd_app_status(app, true, "a tag cannot be empty or hold a comma: '%s'", words[i]);
            return -1;
        }
        int rc = del ? kd_store_del_tag(app->store, uri, uuid, tag, &err)
                     : kd_store_put_tag(app->store, uri, uuid, tag, &err);
        if (rc < 0) {
            kd_app_status(app, true, "tags: %s", err.msg);
            return -1;
        }
    }
    kd_view_list_load_tags(app);
    kd_view_list_rebuild(app);
    return 0;
}

typedef struct {
    char uuid[37];
} tag_target;

static void on_tags(kd_app *app, bool ok, const char *text, void *opaque)
{
    tag_target *t = opaque;
    if (!ok)
        return;
    /* The line replaces the tags: remove the old ones not typed again, add the rest. */
    char **words;
    const char *bad;
    int n = kd_str_split_words(text, &words, &bad);
    if (n < 0) {
        kd_app_status(app, true, "tags: %s", bad);
        return;
    }
    char **old = NULL;
    kd_store_get_tags(app->store, kd_conn_host(app->conn)->uri, t->uuid, &old, NULL);
    for (size_t i = 0; old && old[i]; i++) {
        bool kept = false;
        for (int k = 0; k < n; k++)
            kept = kept || strcmp(words[k], old[i]) == 0;
        if (!kept)
            change_tags(app, t->uuid, &old[i], 1, true);
    }
    kd_strv_free(old);
    if (change_tags(app, t->uuid, words, n, false) == 0) {
        const kd_domain *d = kd_conn_domain_by_uuid(app->conn, t->uuid);
        kd_app_status(app, false, "tags of %s: %s", d ? d->name : t->uuid, n ? text : "(none)");
    }
    kd_strv_free(words);
}

static void act_tags(kd_app *app, int argc, char **argv)
{
    kd_uuid *t;
    size_t n = kd_app_targets(app, argc > 0 ? 1 : 0, argv, &t);
    if (n == 0)
        return;
    if (argc > 1) {
        /* tag DOMAIN a b -c: add a and b, remove c */
        if (change_tags(app, t[0].uuid, argv + 1, argc - 1, false) == 0)
            kd_app_status(app, false, "tags of %s: %s", argv[0],
                          kd_view_list_tags(app, t[0].uuid) ? kd_view_list_tags(app, t[0].uuid)
                                                            : "(none)");
        free(t);
        return;
    }
    tag_target *tt = kd_calloc(1, sizeof(*tt));
    memcpy(tt->uuid, t[0].uuid, sizeof(tt->uuid));
    free(t);
    const char *cur = kd_view_list_tags(app, tt->uuid);
    char *initial = kd_strdup(cur ? cur : "");
    for (char *p = initial; *p; p++)
        if (*p == ',')
            *p = ' ';
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, tt->uuid);
    char *title = kd_asprintf("Tags of %s", d->name);
    kd_dialog_spec spec = {.title = title,
                           .message = "Words separated by spaces; filter with / tag:NAME.",
                           .initial = initial,
                           .done = on_tags,
                           .opaque = tt,
                           .opaque_free = free};
    kd_dialog_prompt(app, &spec);
    free(title);
    free(initial);
}

static void act_untag(kd_app *app, int argc, char **argv)
{
    kd_uuid *t;
    if (argc < 2) {
        kd_app_status(app, true, "usage: untag DOMAIN TAG...");
        return;
    }
    if (kd_app_targets(app, 1, argv, &t) == 0)
        return;
    if (change_tags(app, t[0].uuid, argv + 1, argc - 1, true) == 0)
        kd_app_status(app, false, "removed %d tag%s from %s", argc - 1, argc > 2 ? "s" : "",
                      argv[0]);
    free(t);
}

/* ---- audit log and saved connections --------------------------------------------------- */

static void act_audit(kd_app *app, int argc, char **argv)
{
    kd_audit_row *rows;
    size_t n;
    kd_err err;
    kd_err_clear(&err);
    if (kd_store_list_audit(app->store, 5000, &rows, &n, &err) < 0) {
        kd_app_status(app, true, "audit log: %s", err.msg);
        return;
    }
    kd_buf b;
    kd_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        char when[32];
        time_t t = (time_t)rows[i].time;
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
        kd_buf_printf(&b, "%s  %-20s  %-24s  %s  [%s]\n", when, rows[i].domain, rows[i].action,
                      rows[i].result, rows[i].uri);
    }
    if (n == 0)
        kd_buf_adds(&b, "No changes recorded yet.\n");
    kd_audit_rows_free(rows, n);
    kd_pager_open(app, "Audit log (newest first)", b.data);
    kd_buf_free(&b);
}

/* Hosts open now but not saved are listed too, after the saved ones. */
static void add_open_hosts(kd_app *app)
{
    for (size_t i = 0; i < kd_hosts_count(app); i++) {
        const char *uri = kd_conn_host(i == 0 ? app->conn : app->hosts[i - 1])->uri;
        bool saved = false;
        for (size_t k = 0; k < app->nconns && !saved; k++)
            saved = strcmp(app->conns[k].uri, uri) == 0;
        if (saved)
            continue;
        app->conns = kd_realloc(app->conns, (app->nconns + 1) * sizeof(*app->conns));
        app->conns[app->nconns].name = kd_strdup(KD_CONN_UNSAVED);
        app->conns[app->nconns++].uri = kd_strdup(uri);
    }
}

static void load_conns(kd_app *app)
{
    kd_err err;
    kd_err_clear(&err);
    kd_saved_conns_free(app->conns, app->nconns);
    app->conns = NULL;
    app->nconns = 0;
    if (kd_store_list_conns(app->store, &app->conns, &app->nconns, &err) < 0)
        kd_app_status(app, true, "saved connections: %s", err.msg);
    add_open_hosts(app);
    if (app->conns_sel >= app->nconns)
        app->conns_sel = app->nconns ? app->nconns - 1 : 0;
    app->dirty_full = true;
}

static void act_conns(kd_app *app, int argc, char **argv)
{
    load_conns(app);
    kd_app_set_view(app, KD_VIEW_CONNS);
}

static void act_conn_pick(kd_app *app, int argc, char **argv)
{
    if (app->nconns == 0) {
        kd_app_status(app, true, "no saved connection; s saves the current one, a adds one");
        return;
    }
    char *uri = kd_strdup(app->conns[app->conns_sel].uri);
    char *args[] = {uri, NULL};
    kd_action_find("conn.open")->run(app, 1, args);
    free(uri);
}

static void on_conn_save(kd_app *app, bool ok, const char *text, void *opaque)
{
    char *uri = opaque;
    if (!ok || !*text)
        return;
    kd_err err;
    kd_err_clear(&err);
    if (kd_store_put_conn(app->store, text, uri, &err) < 0)
        kd_app_status(app, true, "saving the connection: %s", err.msg);
    else
        kd_app_status(app, false, "saved %s as '%s'", uri, text);
    load_conns(app);
}

static void ask_name(kd_app *app, const char *uri)
{
    char *msg = kd_asprintf("A name for %s", uri);
    kd_dialog_spec spec = {.title = "Save connection",
                           .message = msg,
                           .initial = kd_conn_host(app->conn)->hostname,
                           .done = on_conn_save,
                           .opaque = kd_strdup(uri),
                           .opaque_free = free};
    kd_dialog_prompt(app, &spec);
    free(msg);
}

static void act_conn_save(kd_app *app, int argc, char **argv)
{
    if (argc >= 2) {
        on_conn_save(app, true, argv[0], argv[1]);
        return;
    }
    if (app->conn)
        ask_name(app, kd_conn_host(app->conn)->uri);
}

static void on_conn_uri(kd_app *app, bool ok, const char *text, void *opaque)
{
    if (ok && *text)
        ask_name(app, text);
}

static void act_conn_add(kd_app *app, int argc, char **argv)
{
    kd_dialog_spec spec = {.title = "Add connection",
                           .message = "A libvirt URI, e.g. qemu+ssh://root@host/system",
                           .initial = "qemu:///system",
                           .done = on_conn_uri};
    kd_dialog_prompt(app, &spec);
}

static void on_conn_delete(kd_app *app, bool ok, const char *text, void *opaque)
{
    kd_err err;
    kd_err_clear(&err);
    if (ok && kd_store_del_conn(app->store, opaque, &err) < 0)
        kd_app_status(app, true, "%s", err.msg);
    load_conns(app);
}

static void act_conn_delete(kd_app *app, int argc, char **argv)
{
    if (app->nconns == 0)
        return;
    const char *name = app->conns[app->conns_sel].name;
    char *title = kd_asprintf("Forget the connection '%s'?", name);
    kd_dialog_spec spec = {.title = title,
                           .message = app->conns[app->conns_sel].uri,
                           .done = on_conn_delete,
                           .opaque = kd_strdup(name),
                           .opaque_free = free};
    kd_dialog_confirm(app, &spec);
    free(title);
}

static void act_job_cancel(kd_app *app, int argc, char **argv)
{
    if (!app->jobs) {
        kd_app_status(app, true, "no job is running");
        return;
    }
    kd_ui_job_cancel_all(app);
}

const kd_action kd_actions_views[] = {
    {"list.mark", NULL, NULL, "Mark or unmark for a bulk action", act_mark},
    {"list.unmark", NULL, NULL, "Unmark every domain", act_unmark},
    {"list.filter", "filter", "TEXT", "Filter as you type (tag:NAME, state:NAME)", act_filter},
    {"list.clear", NULL, NULL, "Clear the filter, else the marks", act_clear},
    {"list.sort", "sort", "KEY [--reverse]", "Sort by the next column", act_sort_next},
    {"list.sort_reverse", NULL, NULL, "Reverse the sort order", act_sort_reverse},
    {"list.details", NULL, NULL, "Show or hide the details pane", act_details},
    {"domain.tags", "tag", "DOMAIN [TAG|-TAG]...", "Set tags", act_tags},
    {"domain.untag", "untag", "DOMAIN TAG...", "Remove tags", act_untag},
    {"view.audit", "audit", NULL, "The audit log of changes", act_audit},
    {"view.connections", "connections", NULL, "Saved connections", act_conns},
    {"conn.pick", NULL, NULL, "Connect to the chosen connection", act_conn_pick},
    {"conn.save", "conn-save", "NAME URI", "Save the current connection", act_conn_save},
    {"conn.add", NULL, NULL, "Add a connection", act_conn_add},
    {"conn.delete", NULL, NULL, "Forget the chosen connection", act_conn_delete},
    {"job.cancel", "domjobabort", NULL, "Cancel running jobs", act_job_cancel},
};
const size_t kd_actions_views_count = sizeof(kd_actions_views) / sizeof(kd_actions_views[0]);
