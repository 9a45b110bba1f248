#include "ui/app.h"
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
    WINDOW **ws[] = {&app->w_header, &app->w_list, &app->w_status, &app->w_full};
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
    }
    clearok(curscr, TRUE);
    kd_app_dirty_all(app);
}

static void on_conn_event(kd_conn *conn, kd_conn_event ev, const char *uuid, void *opaque)
{
    kd_app *app = opaque;
    (void)conn;
    (void)uuid;
    if (ev == KD_CONN_EV_DISCONNECTED)
        kd_app_status(app, true, "disconnected from %s", kd_conn_host(app->conn)->uri);
    kd_view_list_rebuild(app);
    app->dirty_header = app->dirty_list = true;
}

int kd_app_connect(kd_app *app, const char *uri)
{
    kd_err err;
    kd_err_clear(&err);
    kd_conn *c = kd_conn_open(uri, app->readonly, &err);
    if (!c) {
        app->offline = true;
        app->offline_err = err;
        kd_app_dirty_all(app);
        return -1;
    }
    kd_conn_free(app->conn);
    app->conn = c;
    app->offline = false;
    app->sel = 0;
    app->top = 0;
    app->sel_uuid[0] = '\0';
    kd_conn_set_listener(c, on_conn_event, app);
    kd_view_list_rebuild(app);
    /* A problem found while starting (a bad keys file, say) outranks the greeting. */
    if (!app->status_error)
        kd_app_status(app, false, "connected to %s%s", kd_conn_host(c)->uri,
                      app->readonly ? " (read-only)" : "");
    kd_app_dirty_all(app);
    return 0;
}

static kd_ctx current_ctx(const kd_app *app)
{
    if (app->help_open)
        return KD_CTX_HELP;
    if (app->offline)
        return KD_CTX_OFFLINE;
    return KD_CTX_LIST;
}

static void dispatch_key(kd_app *app, kd_key key)
{
    if (app->status_error) {
        /* An error stays until the user has seen it and pressed something. */
        app->status_error = false;
        app->status[0] = '\0';
        app->dirty_status = true;
    }
    const char *name = kd_keymap_lookup(app->keymap, current_ctx(app), key);
    if (!name) {
        char kn[32];
        kd_key_name(key, kn, sizeof(kn));
        kd_app_status(app, false, "%s is not bound here; ? shows the keys", kn);
        return;
    }
    const kd_action *a = kd_action_find(name);
    if (a)
        a->run(app);
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
    while (!app->quit && (r = wget_wch(stdscr, &wch)) != ERR) {
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

static void on_signal_pipe(int watch, int fd, int events, void *opaque)
{
    kd_app *app = opaque;
    int sig;
    (void)watch;
    (void)fd;
    (void)events;
    while ((sig = kd_term_next_signal()) != 0) {
        if (sig == SIGWINCH) {
            kd_term_resize();
            kd_app_layout(app);
        } else {
            app->quit = true;
            app->exit_code = 128 + sig;
        }
    }
}

static void draw(kd_app *app)
{
    bool any = app->dirty_header || app->dirty_list || app->dirty_status || app->dirty_full;
    if (!any)
        return;
    if (app->too_small) {
        werase(stdscr);
        char msg[64];
        snprintf(msg, sizeof(msg), "Terminal too small (%dx%d)", app->cols, app->rows);
        kd_draw_text(stdscr, 0, 0, app->cols, msg);
        snprintf(msg, sizeof(msg), "need %dx%d; q quits", MIN_COLS, MIN_ROWS);
        kd_draw_text(stdscr, 1, 0, app->cols, msg);
        wnoutrefresh(stdscr);
    } else if (app->help_open || app->offline) {
        if (app->dirty_full || app->dirty_list || app->dirty_header) {
            if (app->help_open)
                kd_view_help_draw(app);
            else
                kd_view_offline_draw(app);
            wnoutrefresh(app->w_full);
        }
        kd_view_status_draw(app);
        wnoutrefresh(app->w_status);
    } else {
        if (app->dirty_full) {
            /* Coming back from a full-screen view: everything below must be repainted. */
            touchwin(app->w_header);
            touchwin(app->w_list);
            app->dirty_header = app->dirty_list = true;
        }
        if (app->dirty_header) {
            kd_view_header_draw(app);
            wnoutrefresh(app->w_header);
        }
        if (app->dirty_list) {
            kd_view_list_draw(app);
            wnoutrefresh(app->w_list);
        }
        if (app->dirty_status) {
            kd_view_status_draw(app);
            wnoutrefresh(app->w_status);
        }
    }
    doupdate();
    app->dirty_header = app->dirty_list = app->dirty_status = app->dirty_full = false;
}

static int load_keymap(kd_app *app, kd_err *err)
{
    app->keymap = kd_keymap_new(kd_action_exists);
    if (kd_keymap_parse(app->keymap, kd_keymap_default_text, "defaults", err) < 0)
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

static void app_free(kd_app *app)
{
    free_windows(app);
    kd_conn_free(app->conn);
    kd_keymap_free(app->keymap);
    kd_theme_clear(&app->theme);
    free(app->order);
    free(app->uri);
}

int kd_ui_run(const kd_ui_opts *opts, kd_err *err)
{
    kd_app app;
    int ret = 1;
    int in_watch = -1, sig_watch = -1;

    memset(&app, 0, sizeof(app));
    app.uri = opts->uri ? kd_strdup(opts->uri) : NULL;
    app.readonly = opts->readonly;
    if (kd_loop_init(err) < 0 || load_keymap(&app, err) < 0)
        goto cleanup;
    if (kd_ui_load_theme(&app, opts, err) < 0)
        goto cleanup;
    if (kd_term_open(err) < 0)
        goto cleanup;
    kd_ui_apply_theme(&app);
    in_watch = kd_loop_add_handle(0, KD_LOOP_READ, on_input, &app, err);
    sig_watch = kd_loop_add_handle(kd_term_signal_fd(), KD_LOOP_READ, on_signal_pipe, &app, err);
    if (in_watch < 0 || sig_watch < 0)
        goto cleanup;
    kd_app_layout(&app);
    kd_app_connect(&app, app.uri);
    while (!app.quit) {
        draw(&app);
        if (kd_loop_run_once(err) < 0)
            goto cleanup;
    }
    ret = app.exit_code;

cleanup:
    kd_loop_remove_handle(in_watch);
    kd_loop_remove_handle(sig_watch);
    kd_term_close();
    app_free(&app);
    return ret;
}
