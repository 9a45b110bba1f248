#ifndef KD_UI_APP_H
#define KD_UI_APP_H

/* Shared by the files of src/ui only. */

#include "backend/conn.h"
#include "backend/details.h"
#include "backend/sample.h"
#include "stats/history.h"
#include "stats/rates.h"
#include "store/store.h"
#include "ui/dialog.h"
#include "ui/keymap.h"
#include "ui/listmodel.h"
#include "ui/theme.h"
#include "ui/ui.h"

#include <curses.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct kd_app kd_app;

/* A named action: bound to keys, run from the palette by name or by virsh's verb.
 * argv holds the palette's arguments (argc 0 from a key). */
typedef struct {
    const char *name;
    const char *verb;  /* virsh's verb, or NULL */
    const char *usage; /* the palette's arguments, e.g. "DOMAIN [--paused]" */
    const char *help;
    void (*run)(kd_app *app, int argc, char **argv);
} kd_action;

typedef enum {
    KD_VIEW_LIST,
    KD_VIEW_HELP,
    KD_VIEW_CONNS,
    KD_VIEW_STATS,
    KD_VIEW_CONSOLE,
    KD_VIEW_SCREEN /* a screen a module adds: app->screen */
} kd_view;

/* A full-screen view a module adds (pools, networks, snapshots, the hardware editor, a
 * graphical console...). Screens stack: opening one from another and leaving it (view.back)
 * comes back to the first; leaving the last comes back to the domain list. */
typedef struct {
    const char *name;
    kd_ctx ctx; /* its key bindings; the global context is consulted after it */
    /* Draw the whole of w (app->w_full), erasing it first. */
    void (*draw)(kd_app *app, WINDOW *w);
    /* The cursor.* actions: move the selection by delta rows; a delta of +-(1 << 30)
     * means the last or first. May be NULL. */
    void (*cursor)(kd_app *app, long delta);
    /* Set for screens that pass the keyboard on (a console): every key not bound in ctx
     * comes here, and the global context is not consulted. May be NULL. */
    void (*key)(kd_app *app, kd_key key);
    /* The connection reported a change (uuid NULL: not about one domain). May be NULL. */
    void (*changed)(kd_app *app, kd_conn_event ev, const char *uuid);
    /* The screen was laid out again (resize, Ctrl+L). May be NULL. */
    void (*resized)(kd_app *app);
    /* After curses has written its frame: for screens that write to the terminal
     * themselves (images). May be NULL. */
    void (*after_update)(kd_app *app);
} kd_screen_ops;

typedef struct {
    const kd_screen_ops *ops;
    void *state;
    void (*state_free)(void *);
} kd_screen;

#define KD_SCREEN_DEPTH 8

typedef struct kd_console kd_console;

/* What the stats view shows, as virt-top's 0, 1, 2 and 3 keys choose. */
typedef enum { KD_STATS_DOMAINS, KD_STATS_PCPUS, KD_STATS_NET, KD_STATS_BLOCK } kd_stats_mode;

typedef enum {
    KD_SCOL_ID,
    KD_SCOL_NAME,
    KD_SCOL_CPU,
    KD_SCOL_MEM,
    KD_SCOL_DISK,
    KD_SCOL_NET,
    KD_SCOL_TIME,
    KD_SCOL_LAST
} kd_stats_col;

typedef struct {
    char uuid[37];
} kd_uuid;

typedef struct {
    char uuid[37];
    char *tags; /* "a,b", sorted */
} kd_tag_entry;

typedef struct kd_ui_job kd_ui_job;

/* A row of the list grouped by host: a domain of conn, or (dom SIZE_MAX) conn's heading. */
typedef struct {
    kd_conn *conn;
    size_t dom;
} kd_host_row;

struct kd_app {
    kd_conn *conn;
    char *uri; /* what the user asked for; NULL for libvirt's default */
    bool readonly;
    kd_store *store;
    kd_keymap *keymap;
    kd_theme theme;
    int shutdown_timeout_s;
    bool quit;
    int exit_code;

    bool offline; /* no connection: the offline view offers the demo host */
    kd_err offline_err;
    int tick_timer; /* once a second while something on screen counts down */

    kd_view view;

    /* The list: an order over the connection's table, the selection by UUID so it
     * survives domains appearing and going, marks for bulk actions. */
    size_t *order;
    size_t norder;
    size_t sel;
    size_t top;
    char sel_uuid[37];
    kd_sort_key sort;
    bool sort_reverse;
    char *filter;
    char *filter_before; /* restored when the filter prompt is cancelled */
    kd_uuid *marks;
    size_t nmarks;
    kd_tag_entry *tags;
    size_t ntags;

    bool show_details;
    kd_dom_details *details;
    char details_uuid[37];
    char *details_err;
    /* The details graphs' last hour, read from the store once a tick, not every redraw. */
    double *graph_v[KD_SERIES_LAST];
    size_t graph_n[KD_SERIES_LAST];
    char graph_uuid[37];
    long long graph_at;

    int help_top;

    /* The connections view. */
    kd_saved_conn *conns;
    size_t nconns;
    size_t conns_sel;

    kd_ui_job *jobs;

    /* Several hosts (hosts.c): the open connections besides conn, which is the one actions
     * use. Grouped, the list shows every host's domains in rows (sel and top index them),
     * and selecting a domain makes its host conn. */
    kd_conn **hosts;
    size_t nhosts;
    bool group_hosts;
    kd_host_row *grows;
    size_t ngrows;

    /* Screens modules add, the shown one on top. */
    kd_screen screens[KD_SCREEN_DEPTH];
    size_t nscreens;

    /* Serial consoles, each receiving whether shown or not; console is the one shown. */
    kd_console *consoles;
    kd_console *console;
    bool console_split;
    int console_timer; /* the next redraw of a console that is receiving */
    long long console_drawn_ms;

    /* Live figures: one bulk sample a tick, rates from the last two, history. */
    kd_sample sample;
    bool have_sample;
    kd_rates rates;
    kd_history *history;
    int stats_timer;
    int delay_ms;
    kd_stats_mode stats_mode;
    kd_stats_col stats_sort;
    bool stats_reverse;
    size_t stats_top;
    unsigned npcpu;
    unsigned long long *pcpu_busy, *pcpu_total;
    double *pcpu_pct;
    long long history_saved_at;
    long long history_paused_until;
    bool history_prune_more;

    /* $EDITOR running on a domain's XML. */
    pid_t editor_pid;
    char *edit_path;
    char edit_uuid[37];

    char status[512];
    bool status_error;
    kd_dialog *dialog;
    struct kd_modal *modals; /* forms and pickers (form.c), the top one first */

    int rows, cols;
    bool too_small;
    int input_watch;
    WINDOW *w_header, *w_list, *w_status, *w_full, *w_dialog;
    bool dirty_header, dirty_list, dirty_status, dirty_full;
};

/* Actions (actions.c holds the index over every table) */
const kd_action *kd_action_find(const char *name);
const kd_action *kd_action_find_verb(const char *verb);
size_t kd_action_count(void);
const kd_action *kd_action_at(size_t i);
int kd_action_exists(const char *name);
extern const kd_action kd_actions_nav[];
extern const size_t kd_actions_nav_count;
extern const kd_action kd_actions_domain[];
extern const size_t kd_actions_domain_count;
extern const kd_action kd_actions_more[];
extern const size_t kd_actions_more_count;
extern const kd_action kd_actions_views[];
extern const size_t kd_actions_views_count;

/* The domains an action applies to: named in argv[0] (the palette), else the marked
 * ones, else the selected one. Returns how many (0 with a status message if none). */
size_t kd_app_targets(kd_app *app, int argc, char **argv, kd_uuid **out);
/* Record a change in the audit log. */
void kd_app_audit(kd_app *app, const char *domain, const char *action, const kd_err *err);
void kd_app_palette_open(kd_app *app);
void kd_app_run_command(kd_app *app, const char *line);
char **kd_app_complete(kd_app *app, const char *line, size_t *word_start);

/* Jobs on worker threads, as the UI tracks them (ui_job.c) */
typedef int (*kd_ui_job_fn)(kd_conn *conn, void *arg, kd_err *err);
typedef void (*kd_ui_job_after_fn)(kd_app *app, int result, const kd_err *err, void *arg);
/* Returns the job (for kd_job_set_cancel), or NULL with a status message when it could not
 * start (arg has been freed then). */
struct kd_job *kd_ui_job_run(kd_app *app, const char *label, const char *uuid, kd_ui_job_fn fn,
                             void *arg, void (*arg_free)(void *), kd_ui_job_after_fn after);
void kd_ui_job_cancel_all(kd_app *app);
size_t kd_ui_job_status(kd_app *app, char *buf, size_t n);
void kd_ui_jobs_free(kd_app *app);

/* Live statistics (stats_ui.c) */
void kd_stats_ui_start(kd_app *app);
void kd_stats_ui_stop(kd_app *app);
void kd_stats_ui_set_delay(kd_app *app, int ms);
void kd_stats_ui_reset(kd_app *app);
void kd_stats_ui_load_prefs(kd_app *app);
extern const kd_action kd_actions_stats[];
extern const size_t kd_actions_stats_count;
void kd_view_stats_draw(kd_app *app);
/* Human figures: "1.5M", "320K", "12"; "-" for n/a. */
void kd_format_rate(char *buf, size_t n, double v);

/* Serial consoles (console_ui.c, view_console.c) */
struct kd_vt;
/* dev: a console or serial device alias ("serial0", "console1"), NULL for the first. */
void kd_console_open(kd_app *app, const char *uuid, const char *dev);
void kd_console_close(kd_app *app, kd_console *c);
void kd_console_free_all(kd_app *app);
void kd_console_domain_changed(kd_app *app, const char *uuid);
void kd_console_fit(kd_app *app);
void kd_console_key(kd_app *app, kd_key key);
void kd_console_scroll(kd_app *app, long delta);
void kd_console_search_prompt(kd_app *app, bool backwards);
void kd_console_search_again(kd_app *app, bool backwards);
void kd_console_save_prompt(kd_app *app);
void kd_console_toggle_log(kd_app *app);
struct kd_vt *kd_console_vt(const kd_console *c);
const char *kd_console_name(const kd_console *c);
const char *kd_console_status(const kd_console *c);
/* Whether the guest's console stream is open (not waiting for the domain or refused). */
bool kd_console_attached(const kd_console *c);
bool kd_console_scrolling(const kd_console *c, size_t *first);
bool kd_console_logging(const kd_console *c);
kd_console *kd_console_next(const kd_console *c);
void kd_view_console_draw(kd_app *app);
extern const kd_action kd_actions_console[];
extern const size_t kd_actions_console_count;

/* Screens (screen.c). Opening a screen already in the stack brings it back to the top
 * (state is then freed with state_free and the one kept is used). */
void kd_screen_open(kd_app *app, const kd_screen_ops *ops, void *state, void (*state_free)(void *));
/* The shown screen's state when it is ops' screen, else NULL. */
void *kd_screen_state(const kd_app *app, const kd_screen_ops *ops);
/* The state of ops' screen anywhere in the stack, else NULL. */
void *kd_screen_find(const kd_app *app, const kd_screen_ops *ops);
const kd_screen *kd_screen_top(const kd_app *app);
/* Leave the shown screen: back to the one below, else to the domain list. */
void kd_screen_close(kd_app *app);
void kd_screen_close_all(kd_app *app);
/* Tell every screen in the stack about a change of the connection. */
void kd_screen_changed(kd_app *app, kd_conn_event ev, const char *uuid);
/* A cursor over n rows, kept visible in a window of rows rows. */
typedef struct {
    size_t sel;
    size_t top;
} kd_cursor;
void kd_cursor_move(kd_cursor *c, size_t n, long delta);
void kd_cursor_fit(kd_cursor *c, size_t n, int rows);
/* Draw a screen's frame: a title on the first row, a key hint on the last; returns the
 * rows between them. */
int kd_screen_frame(kd_app *app, WINDOW *w, const char *title, const char *hint);
/* A hint row ("a add  d delete  q back") fitted to cols: whole items before the last one
 * are dropped, "..." marks where. The caller frees it. */
char *kd_screen_fit_hint(const char *hint, int cols);

/* Actions of the screens modules add. */
extern const kd_action kd_actions_storage[];
extern const size_t kd_actions_storage_count;
extern const kd_action kd_actions_network[];
extern const size_t kd_actions_network_count;
extern const kd_action kd_actions_snapshot[];
extern const size_t kd_actions_snapshot_count;
extern const kd_action kd_actions_host[];
extern const size_t kd_actions_host_count;
extern const kd_action kd_actions_migrate[];
extern const size_t kd_actions_migrate_count;
extern const kd_action kd_actions_wizard[];
extern const size_t kd_actions_wizard_count;
extern const kd_action kd_actions_hwedit[];
extern const size_t kd_actions_hwedit_count;
extern const kd_action kd_actions_info[];
extern const size_t kd_actions_info_count;
extern const kd_action kd_actions_pager[];
extern const size_t kd_actions_pager_count;
extern const kd_action kd_actions_vnc[];
extern const size_t kd_actions_vnc_count;
/* Their default key bindings (keymap text, as kd_keymap_default_text). */
extern const char kd_keys_storage[], kd_keys_network[], kd_keys_snapshot[], kd_keys_host[],
    kd_keys_migrate[], kd_keys_wizard[], kd_keys_hwedit[], kd_keys_vnc[];

/* Several hosts (hosts.c) */
/* The name the connections view gives an open host that is not saved. */
#define KD_CONN_UNSAVED "(open, not saved)"
void kd_app_on_conn_event(kd_conn *conn, kd_conn_event ev, const char *uuid, void *opaque);
/* The open host (current or further) whose URI is uri, else NULL. */
kd_conn *kd_hosts_find(const kd_app *app, const char *uri);
/* c (NULL: nothing) joins the further hosts. */
void kd_hosts_keep(kd_app *app, kd_conn *c);
/* Make an open host the current one: the list, and the actions, are its. */
void kd_hosts_use(kd_app *app, kd_conn *c);
/* The open host for uri, opening it as a further host (not made current) if needed. */
kd_conn *kd_hosts_open(kd_app *app, const char *uri, kd_err *err);
/* Close a further host, after its jobs have finished. */
void kd_hosts_close(kd_app *app, kd_conn *c);
void kd_hosts_changed(kd_app *app, kd_conn *c, kd_conn_event ev);
/* Swap an open host in as conn, without rebuilding the list (the grouped list does that). */
void kd_hosts_set_current(kd_app *app, kd_conn *c);
/* Fill app->grows: every open host's heading, then its domains as the list shows them. */
void kd_hosts_build_rows(kd_app *app, kd_tags_fn tags);
/* The host after the current one (in the order of their URIs). */
kd_conn *kd_hosts_next(const kd_app *app);
void kd_hosts_free(kd_app *app);
/* Every open host, the current one included. */
size_t kd_hosts_count(const kd_app *app);
/* A running migration's progress for the status line (act_migrate.c); 0 when none runs. */
size_t kd_migrate_ui_status(kd_app *app, char *buf, size_t n);

/* Views */
void kd_view_list_rebuild(kd_app *app);
/* Move the list's selection (cursor.* actions), over headings when grouped by host. */
void kd_view_list_move(kd_app *app, long delta);
void kd_view_list_draw(kd_app *app);
void kd_view_header_draw(kd_app *app);
void kd_view_status_draw(kd_app *app);
void kd_view_help_draw(kd_app *app);
void kd_view_offline_draw(kd_app *app);
void kd_view_conns_draw(kd_app *app);
void kd_view_details_draw(kd_app *app, WINDOW *w, int y, int height);
int kd_view_list_rows(const kd_app *app);
int kd_view_help_lines(const kd_app *app);
const kd_domain *kd_view_list_selected(const kd_app *app);
bool kd_view_list_marked(const kd_app *app, const char *uuid);
const char *kd_view_list_tags(const kd_app *app, const char *uuid);
void kd_view_list_load_tags(kd_app *app);
void kd_view_details_refresh(kd_app *app);
void kd_view_details_free_graphs(kd_app *app);

/* Screen */
void kd_app_status(kd_app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void kd_app_dirty_all(kd_app *app);
void kd_app_layout(kd_app *app);
int kd_app_connect(kd_app *app, const char *uri);
void kd_app_set_view(kd_app *app, kd_view view);
/* Hand the terminal to a program (the editor) and take it back. */
void kd_app_suspend_screen(kd_app *app);
void kd_app_resume_screen(kd_app *app);
void kd_app_child_exited(kd_app *app, pid_t pid, int status);
/* Draw what is dirty at once (for the nested key loop of a credentials prompt). */
void kd_app_draw_now(kd_app *app);
/* Ask the user for credentials when libvirt needs them (auth.c). */
void kd_app_install_auth(kd_app *app);

/* Config and theme (config.c) */
int kd_ui_load_config(kd_app *app, const kd_ui_opts *opts, kd_err *err);
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
