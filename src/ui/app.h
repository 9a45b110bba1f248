#ifndef KD_UI_APP_H
#define KD_UI_APP_H

/* Shared by the files of src/ui only. */

#include "backend/conn.h"
#include "ui/keymap.h"
#include "ui/theme.h"
#include "ui/ui.h"

#include <curses.h>
#include <stdbool.h>

typedef struct kd_app kd_app;

typedef struct {
    const char *name;
    const char *help;
    void (*run)(kd_app *app);
} kd_action;

struct kd_app {
    kd_conn *conn;
    char *uri; /* what the user asked for; NULL for libvirt's default */
    bool readonly;
    kd_keymap *keymap;
    kd_theme theme;
    bool quit;
    int exit_code;

    bool offline; /* no connection: the offline view offers the demo host */
    kd_err offline_err;

    /* The list: an order over the connection's table, and the selection by UUID so it
     * survives domains appearing and going. */
    size_t *order;
    size_t norder;
    size_t sel;
    size_t top;
    char sel_uuid[37];

    bool help_open;
    int help_top;

    char status[256];
    bool status_error;

    int rows, cols;
    bool too_small;
    WINDOW *w_header, *w_list, *w_status, *w_full;
    bool dirty_header, dirty_list, dirty_status, dirty_full;
};

/* Actions (actions.c) */
const kd_action *kd_action_find(const char *name);
size_t kd_action_count(void);
const kd_action *kd_action_at(size_t i);
int kd_action_exists(const char *name);

/* Views */
void kd_view_list_rebuild(kd_app *app);
void kd_view_list_draw(kd_app *app);
void kd_view_header_draw(kd_app *app);
void kd_view_status_draw(kd_app *app);
void kd_view_help_draw(kd_app *app);
void kd_view_offline_draw(kd_app *app);
int kd_view_list_rows(const kd_app *app);
int kd_view_help_lines(const kd_app *app);

/* Screen */
void kd_app_status(kd_app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void kd_app_dirty_all(kd_app *app);
void kd_app_layout(kd_app *app);
int kd_app_connect(kd_app *app, const char *uri);

/* Config and theme (config.c) */
int kd_ui_load_theme(kd_app *app, const kd_ui_opts *opts, kd_err *err);
void kd_ui_apply_theme(kd_app *app);

/* Drawing helpers (draw.c) */
/* Write at most cols columns of UTF-8 text; returns the columns used. */
int kd_draw_text(WINDOW *w, int y, int x, int cols, const char *s);
void kd_draw_fill(WINDOW *w, int y, int x, int cols);
/* Write text over as many rows as it needs (at most max_rows), breaking at spaces where
 * it can; returns the rows used. */
int kd_draw_wrapped(WINDOW *w, int y, int x, int cols, int max_rows, const char *s);
void kd_draw_format_kib(char *buf, size_t n, unsigned long long kib);

#endif
