#include "ui/app.h"
#include "ui/form.h"
#include "backend/job.h"
#include "backend/loop.h"
#include "core/paths.h"
#include "core/str.h"
#include "ui/term.h"
#include "ui/ui.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define MIN_COLS    40
#define MIN_ROWS    10
#define HEADER_ROWS 2

void kd_app_status(kd_app *app, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(app->status, sizeof(app->status), fmt, ap);
    va_end(ap);
    app->status_error = error;
    app->dirty_status = true;
}

void kd_app_dirty_all(kd_app *app)
{
    app->dirty_header = app->dirty_list = app->dirty_status = app->dirty_full = true;
}

static void free_windows(kd_app *app)
{
    WINDOW **ws[] = {&app->w_header, &app->w_list, &app->w_status, &app->w_full, &app->w_dialog};
    for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++) {
        if (*ws[i])
            delwin(*ws[i]);
        *ws[i] = NULL;
    }
}

void kd_app_layout(kd_app *app)
{
    free_windows(app);
    app->rows = LINES;
    app->cols = COLS;
    app->too_small = app->cols < MIN_COLS || app->rows < MIN_ROWS;
    if (!app->too_small) {
        app->w_header = newwin(HEADER_ROWS, app->cols, 0, 0);
        app->w_list = newwin(app->rows - HEADER_ROWS - 1, app->cols, HEADER_ROWS, 0);
        app->w_status = newwin(1, app->cols, app->rows - 1, 0);
        app->w_full = newwin(app->rows - 1, app->cols, 0, 0);
        /* The cursor is hidden: moving it after each update would only cost bytes. */
        WINDOW *ws[] = {app->w_header, app->w_list, app->w_status, app->w_full};
        for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++)
            leaveok(ws[i], TRUE);
    }
    clearok(curscr, TRUE);
    kd_view_list_rebuild(app);
    kd_app_dirty_all(app);
    for (size_t i = 0; i < app->nscreens; i++)
        if (app->screens[i].ops->resized)
            app->screens[i].ops->resized(app);
}

void kd_app_set_view(kd_app *app, kd_view view)
{
    app->view = view;
    kd_app_dirty_all(app);
}

static void on_tick(int timer, void *opaque)
{
    kd_app *app = opaque;
    (void)timer;
    /* Only the header counts down (reconnect) and the status shows job progress. */
    app->dirty_header = true;
    app->dirty_status = true;
    if (app->conn && kd_conn_alive(app->conn) && !app->jobs)
        kd_loop_update_timer(app->tick_timer, -1);
}

static void start_ticking(kd_app *app)
{
    if (app->tick_timer >= 0)
        kd_loop_update_timer(app->tick_timer, 1000);
}

void kd_app_on_conn_event(kd_conn *conn, kd_conn_event ev, const char *uuid, void *opaque)
{
    kd_app *app = opaque;
    const kd_host_info *h = kd_conn_host(conn);
    if (conn != app->conn) {
        /* A further host: only the grouped list shows it. */
        kd_hosts_changed(app, conn, ev);
        return;
    }
    switch (ev) {
    case KD_CONN_EV_DISCONNECTED:
        kd_app_status(app, true, "disconnected from %s, retrying", h->uri);
        start_ticking(app);
        break;
    case KD_CONN_EV_RECONNECTED:
        kd_app_status(app, false, "reconnected to %s", h->uri);
        kd_view_list_load_tags(app);
        break;
    case KD_CONN_EV_REBOOT: {
        const kd_domain *d = kd_conn_domain_by_uuid(conn, uuid);
        if (d)
            kd_app_status(app, false, "%s rebooted", d->name);
        break;
    }
    default:
        break;
    }
    kd_console_domain_changed(app, uuid);
    kd_screen_changed(app, ev, uuid);
    if (uuid && strcmp(uuid, app->details_uuid) == 0)
        app->details_uuid[0] = '\0'; /* re-read the details pane */
    kd_view_list_rebuild(app);
    app->dirty_header = app->dirty_list = true;
}

int kd_app_connect(kd_app *app, const char *uri)
{
    kd_conn *open = uri ? kd_hosts_find(app, uri) : NULL;
    if (open) {
        kd_hosts_use(app, open);
        return 0;
    }
    kd_err err;
    kd_err_clear(&err);
    kd_conn *c = kd_conn_open(uri, app->readonly, &err);
    if (!c) {
        app->offline_err = err;
        /* A host that does not answer does not cost the one we have. */
        if (!app->conn)
            app->offline = true;
        kd_app_dirty_all(app);
        return -1;
    }
    /* The host we had stays open among the others (see hosts.c). */
    kd_hosts_keep(app, app->conn);
    app->conn = c;
    app->offline = false;
    app->sel = 0;
    app->top = 0;
    app->sel_uuid[0] = '\0';
    app->details_uuid[0] = '\0';
    free(app->marks);
    app->marks = NULL;
    app->nmarks = 0;
    kd_conn_set_listener(c, kd_app_on_conn_event, app);
    kd_view_list_load_tags(app);
    kd_view_list_rebuild(app);
    kd_stats_ui_reset(app);
    kd_stats_ui_start(app);
    /* A problem found while starting (a bad keys file, say) outranks the greeting. */
    if (!app->status_error)
        kd_app_status(app, false, "connected to %s%s", kd_conn_host(c)->uri,
                      app->readonly ? " (read-only)" : "");
    kd_app_dirty_all(app);
    return 0;
}

static kd_ctx current_ctx(const kd_app *app)
{
    static const kd_ctx by_view[] = {
        [KD_VIEW_LIST] = KD_CTX_LIST,       [KD_VIEW_HELP] = KD_CTX_HELP,
        [KD_VIEW_CONNS] = KD_CTX_CONNS,     [KD_VIEW_STATS] = KD_CTX_STATS,
        [KD_VIEW_CONSOLE] = KD_CTX_CONSOLE,
    };
    if (app->view == KD_VIEW_LIST && app->offline)
        return KD_CTX_OFFLINE;
    if (app->view == KD_VIEW_SCREEN)
        return app->nscreens ? kd_screen_top(app)->ops->ctx : KD_CTX_LIST;
    return by_view[app->view];
}

static void dispatch_key(kd_app *app, kd_key key)
{
    if (app->dialog) {
        kd_dialog_key(app, key);
        return;
    }
    if (kd_form_active(app)) {
        kd_form_key(app, key);
        return;
    }
    if (app->status_error) {
        /* An error stays until the user has seen it and pressed something. */
        app->status_error = false;
        app->status[0] = '\0';
        app->dirty_status = true;
    }
    kd_ctx ctx = current_ctx(app);
    size_t first;
    if (ctx == KD_CTX_CONSOLE && app->console && kd_console_scrolling(app->console, &first))
        ctx = KD_CTX_SCROLLBACK;
    const char *name;
    const kd_screen *sc = app->view == KD_VIEW_SCREEN ? kd_screen_top(app) : NULL;
    if (sc && sc->ops->key) {
        /* A screen that passes the keyboard on: only its own bindings are ours. */
        name = kd_keymap_lookup_only(app->keymap, ctx, key);
        if (!name) {
            sc->ops->key(app, key);
            return;
        }
    } else if (ctx == KD_CTX_CONSOLE) {
        /* Live console: only its own bindings are ours, every other key is the guest's. */
        name = kd_keymap_lookup_only(app->keymap, ctx, key);
        if (!name) {
            kd_console_key(app, key);
            return;
        }
    } else {
        name = kd_keymap_lookup(app->keymap, ctx, key);
    }
    if (!name) {
        char kn[32];
        kd_key_name(key, kn, sizeof(kn));
        kd_app_status(app, false, "%s is not bound here; ? shows the keys", kn);
        return;
    }
    const kd_action *a = kd_action_find(name);
    if (a)
        a->run(app, 0, NULL);
}

static void on_input(int watch, int fd, int events, void *opaque)
{
    kd_app *app = opaque;
    wint_t wch;
    int r;
    (void)watch;
    (void)fd;
    if (events & (KD_LOOP_HANGUP | KD_LOOP_ERROR)) {
        app->quit = true; /* the terminal went away */
        return;
    }
    /* Drain everything that arrived: a key must never wait for the next wake-up. */
    while (!app->quit && !app->editor_pid && (r = wget_wch(stdscr, &wch)) != ERR) {
        if (r == KEY_CODE_YES && wch == KEY_RESIZE)
            continue;
        kd_key key = kd_key_from_curses(r == KEY_CODE_YES, (unsigned)wch);
        if (key == KD_KEY_ESC) {
            /* Esc followed at once by a key is Alt+key; a lone Esc stays Esc. */
            int r2 = wget_wch(stdscr, &wch);
            if (r2 != ERR)
                key = kd_key_from_curses(r2 == KEY_CODE_YES, (unsigned)wch) | KD_KEY_META;
        }
        dispatch_key(app, key);
    }
}

static void watch_input(kd_app *app, bool on)
{
    if (on && app->input_watch < 0)
        app->input_watch = kd_loop_add_handle(0, KD_LOOP_READ, on_input, app, NULL);
    if (!on && app->input_watch >= 0) {
        kd_loop_remove_handle(app->input_watch);
        app->input_watch = -1;
    }
}

void kd_app_suspend_screen(kd_app *app)
{
    watch_input(app, false);
    def_prog_mode();
    endwin();
}

void kd_app_resume_screen(kd_app *app)
{
    reset_prog_mode();
    /* The editor left the keypad in its own mode; ncurses would switch it back only at the
     * next read, after the first key had already been sent the other way. */
    keypad(stdscr, FALSE);
    keypad(stdscr, TRUE);
    watch_input(app, true);
    kd_term_resize();
    kd_app_layout(app);
}

static void reap_children(kd_app *app)
{
    int status;
    /* Only our own child: libvirt reaps the ones it starts (ssh, for example). */
    if (app->editor_pid > 0 && waitpid(app->editor_pid, &status, WNOHANG) == app->editor_pid) {
        pid_t pid = app->editor_pid;
        app->editor_pid = 0;
        kd_app_child_exited(app, pid, status);
    }
}

static void on_signal_pipe(int watch, int fd, int events, void *opaque)
{
    kd_app *app = opaque;
    int sig;
    (void)watch;
    (void)fd;
    (void)events;
    while ((sig = kd_term_next_signal()) != 0) {
        if (sig == SIGWINCH) {
            if (app->editor_pid)
                continue; /* the editor owns the terminal; we relayout on return */
            kd_term_resize();
            kd_app_layout(app);
            kd_console_fit(app);
        } else if (sig == SIGCHLD) {
            reap_children(app);
        } else {
            app->quit = true;
            app->exit_code = 128 + sig;
        }
    }
}

static void draw_list_view(kd_app *app)
{
    if (app->dirty_full) {
        /* Coming back from a full-screen view: everything below must be repainted. */
        touchwin(app->w_header);
        touchwin(app->w_list);
        app->dirty_header = app->dirty_list = app->dirty_status = true;
    }
    if (app->dirty_header) {
        kd_view_header_draw(app);
        wnoutrefresh(app->w_header);
    }
    if (app->dirty_list) {
        kd_view_list_draw(app);
        wnoutrefresh(app->w_list);
    }
}

static void draw_full_view(kd_app *app)
{
    if (!(app->dirty_full || app->dirty_list || app->dirty_header))
        return;
    if (app->view == KD_VIEW_HELP)
        kd_view_help_draw(app);
    else if (app->view == KD_VIEW_CONNS)
        kd_view_conns_draw(app);
    else if (app->view == KD_VIEW_STATS)
        kd_view_stats_draw(app);
    else if (app->view == KD_VIEW_CONSOLE)
        kd_view_console_draw(app);
    else if (app->view == KD_VIEW_SCREEN && app->nscreens)
        kd_screen_top(app)->ops->draw(app, app->w_full);
    else
        kd_view_offline_draw(app);
    wnoutrefresh(app->w_full);
}

static void draw_too_small(kd_app *app)
{
    char msg[64];
    werase(stdscr);
    snprintf(msg, sizeof(msg), "Terminal too small (%dx%d)", app->cols, app->rows);
    kd_draw_text(stdscr, 0, 0, app->cols, msg);
    snprintf(msg, sizeof(msg), "need %dx%d; q quits", MIN_COLS, MIN_ROWS);
    kd_draw_text(stdscr, 1, 0, app->cols, msg);
    wnoutrefresh(stdscr);
}

void kd_app_draw_now(kd_app *app)
{
    bool any = app->dirty_header || app->dirty_list || app->dirty_status || app->dirty_full;
    if (!any || app->editor_pid)
        return;
    curs_set(0);
    if (app->too_small) {
        draw_too_small(app);
    } else {
        if (app->view == KD_VIEW_LIST && !app->offline)
            draw_list_view(app);
        else
            draw_full_view(app);
        if (app->dirty_status || app->dirty_full) {
            leaveok(app->w_status, TRUE); /* a prompt may have wanted the cursor */
            kd_view_status_draw(app);
            wnoutrefresh(app->w_status);
        }
        kd_form_draw(app);
        kd_dialog_draw(app);
    }
    doupdate();
    const kd_screen *sc = app->view == KD_VIEW_SCREEN ? kd_screen_top(app) : NULL;
    if (sc && sc->ops->after_update && !app->too_small)
        sc->ops->after_update(app);
    app->dirty_header = app->dirty_list = app->dirty_status = app->dirty_full = false;
}

static int load_keymap(kd_app *app, kd_err *err)
{
    app->keymap = kd_keymap_new(kd_action_exists);
    for (const char *const *t = kd_keymap_defaults; *t; t++)
        if (kd_keymap_parse(app->keymap, *t, "defaults", err) < 0)
            return -1;
    char *dir = kd_paths_config_dir();
    char *path = kd_asprintf("%s/keys", dir);
    char *text = kd_file_read(path, 256 * 1024, NULL);
    if (text) {
        kd_err kerr;
        kd_err_clear(&kerr);
        /* A mistake in the user's file is reported, the defaults stay usable. */
        if (kd_keymap_parse(app->keymap, text, path, &kerr) < 0)
            kd_app_status(app, true, "%s", kerr.msg);
        free(text);
    }
    free(path);
    free(dir);
    return 0;
}

static void open_store(kd_app *app)
{
    char *dir = kd_paths_data_dir();
    char *path = kd_asprintf("%s/kvmdeck.db", dir);
    kd_err err;
    kd_err_clear(&err);
    app->store = kd_store_open(path, &err);
    if (!app->store) {
        app->store = kd_store_open(NULL, NULL);
        kd_app_status(app, true, "working in memory, nothing will be kept: %s", err.msg);
    }
    free(path);
    free(dir);
    char *v = NULL;
    kd_sort_key key;
    if (kd_store_get_pref(app->store, "list.sort", &v, NULL) == 0 && v &&
        kd_sort_key_parse(v, &key) == 0)
        app->sort = key;
    free(v);
    v = NULL;
    if (kd_store_get_pref(app->store, "list.reverse", &v, NULL) == 0 && v)
        app->sort_reverse = strcmp(v, "1") == 0;
    free(v);
    kd_stats_ui_load_prefs(app);
}

static void app_free(kd_app *app)
{
    kd_ui_jobs_free(app);
    kd_console_free_all(app);
    kd_screen_close_all(app);
    kd_stats_ui_stop(app);
    kd_dialog_free(app->dialog);
    kd_form_close_all(app);
    free_windows(app);
    kd_hosts_free(app);
    kd_conn_free(app->conn);
    kd_store_free(app->store);
    kd_keymap_free(app->keymap);
    kd_theme_clear(&app->theme);
    kd_dom_details_free(app->details);
    kd_view_details_free_graphs(app);
    kd_saved_conns_free(app->conns, app->nconns);
    for (size_t i = 0; i < app->ntags; i++)
        free(app->tags[i].tags);
    free(app->tags);
    free(app->marks);
    free(app->order);
    free(app->filter);
    free(app->filter_before);
    free(app->details_err);
    free(app->edit_path);
    free(app->uri);
}

int kd_ui_run(const kd_ui_opts *opts, kd_err *err)
{
    kd_app app;
    int ret = 1;
    int sig_watch = -1;

    memset(&app, 0, sizeof(app));
    app.input_watch = -1;
    app.tick_timer = -1;
    app.stats_timer = -1;
    app.console_timer = -1;
    app.uri = opts->uri ? kd_strdup(opts->uri) : NULL;
    app.readonly = opts->readonly;
    if (kd_loop_init(err) < 0 || load_keymap(&app, err) < 0)
        goto cleanup;
    if (kd_ui_load_config(&app, opts, err) < 0)
        goto cleanup;
    open_store(&app);
    if (kd_term_open(err) < 0)
        goto cleanup;
    kd_ui_apply_theme(&app);
    kd_app_install_auth(&app);
    watch_input(&app, true);
    sig_watch = kd_loop_add_handle(kd_term_signal_fd(), KD_LOOP_READ, on_signal_pipe, &app, err);
    app.tick_timer = kd_loop_add_timer(-1, on_tick, &app, err);
    if (app.input_watch < 0 || sig_watch < 0 || app.tick_timer < 0)
        goto cleanup;
    kd_app_layout(&app);
    kd_app_connect(&app, app.uri);
    while (!app.quit) {
        kd_app_draw_now(&app);
        if (kd_loop_run_once(err) < 0)
            goto cleanup;
    }
    ret = app.exit_code;

cleanup:
    /* A job's thread uses the connection: abort what libvirt can abort and wait for the
     * rest before the connection goes. */
    kd_job_wait(NULL, true);
    kd_conn_set_auth(NULL, NULL);
    watch_input(&app, false);
    kd_loop_remove_handle(sig_watch);
    kd_loop_remove_timer(app.tick_timer);
    kd_term_close();
    app_free(&app);
    return ret;
}
