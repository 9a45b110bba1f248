#include "core/str.h"
#include "ui/app.h"

#include <stdlib.h>
#include <string.h>

/* Moving around: the list, the help, the text view and the connections view share the
 * same cursor actions, each applied to the view that has the keyboard. */

static void clamp_move(size_t *pos, size_t n, long delta)
{
    if (n == 0) {
        *pos = 0;
        return;
    }
    long s = (long)*pos + delta;
    if (s < 0)
        s = 0;
    if (s >= (long)n)
        s = (long)n - 1;
    *pos = (size_t)s;
}

static long page(const kd_app *app)
{
    int rows = app->view == KD_VIEW_LIST ? kd_view_list_rows(app) : app->rows - 3;
    return rows > 1 ? rows - 1 : 1;
}

static void move_by(kd_app *app, long delta)
{
    switch (app->view) {
    case KD_VIEW_HELP: {
        size_t top = (size_t)app->help_top;
        int max = kd_view_help_lines(app) - (app->rows - 2);
        clamp_move(&top, max > 0 ? (size_t)max + 1 : 1, delta);
        app->help_top = (int)top;
        break;
    }
    case KD_VIEW_CONNS:
        clamp_move(&app->conns_sel, app->nconns, delta);
        break;
    case KD_VIEW_STATS:
        clamp_move(&app->stats_top, app->rates.ndoms + 1, delta);
        break;
    case KD_VIEW_CONSOLE:
        kd_console_scroll(app, delta);
        return;
    case KD_VIEW_SCREEN: {
        const kd_screen *sc = kd_screen_top(app);
        if (sc && sc->ops->cursor)
            sc->ops->cursor(app, delta);
        break;
    }
    case KD_VIEW_LIST:
        kd_view_list_move(app, delta);
        return;
    }
    app->dirty_full = true;
}

static void act_down(kd_app *app, int argc, char **argv)
{
    move_by(app, 1);
}

static void act_up(kd_app *app, int argc, char **argv)
{
    move_by(app, -1);
}

static void act_page_down(kd_app *app, int argc, char **argv)
{
    move_by(app, page(app));
}

static void act_page_up(kd_app *app, int argc, char **argv)
{
    move_by(app, -page(app));
}

static void act_top(kd_app *app, int argc, char **argv)
{
    move_by(app, -(1L << 30));
}

static void act_bottom(kd_app *app, int argc, char **argv)
{
    move_by(app, 1L << 30);
}

static void on_quit(kd_app *app, bool ok, const char *text, void *opaque)
{
    if (ok) {
        app->quit = true;
        app->exit_code = 0;
    }
}

static void act_quit(kd_app *app, int argc, char **argv)
{
    if (!app->jobs) {
        on_quit(app, true, "", NULL);
        return;
    }
    kd_dialog_spec spec = {.title = "Quit while a job runs?",
                           .message = "Running jobs are cancelled where libvirt can cancel "
                                      "them (a save: the domain keeps running); kvmdeck waits "
                                      "for the others to end.",
                           .done = on_quit};
    kd_dialog_confirm(app, &spec);
}

/* Where leaving a view goes: the screen it was opened from, else the list. */
static kd_view below(const kd_app *app)
{
    return app->nscreens ? KD_VIEW_SCREEN : KD_VIEW_LIST;
}

static void act_help(kd_app *app, int argc, char **argv)
{
    kd_app_set_view(app, app->view == KD_VIEW_HELP ? below(app) : KD_VIEW_HELP);
    app->help_top = 0;
}

static void act_back(kd_app *app, int argc, char **argv)
{
    if (app->view == KD_VIEW_SCREEN && app->nscreens) {
        kd_screen_close(app);
        return;
    }
    kd_app_set_view(app, below(app));
}

static void act_redraw(kd_app *app, int argc, char **argv)
{
    kd_app_layout(app);
}

static void act_palette(kd_app *app, int argc, char **argv)
{
    kd_app_palette_open(app);
}

static void act_demo(kd_app *app, int argc, char **argv)
{
    free(app->uri);
    app->uri = kd_strdup("test:///default");
    kd_app_connect(app, app->uri);
}

static void act_retry(kd_app *app, int argc, char **argv)
{
    if (kd_app_connect(app, app->uri) < 0)
        kd_app_status(app, true, "still no hypervisor: %s", app->offline_err.msg);
}

static void act_connect(kd_app *app, int argc, char **argv)
{
    if (argc < 1) {
        kd_app_status(app, true, "usage: connect URI");
        return;
    }
    char *uri = kd_strdup(argv[0]);
    if (kd_app_connect(app, uri) < 0) {
        if (!app->offline)
            kd_app_status(app, true, "%s (still on %s)", app->offline_err.msg,
                          kd_conn_host(app->conn)->uri);
        free(uri);
        return;
    }
    free(app->uri);
    app->uri = uri;
    kd_app_set_view(app, KD_VIEW_LIST);
}

const kd_action kd_actions_nav[] = {
    {"cursor.down", NULL, NULL, "Move down", act_down},
    {"cursor.up", NULL, NULL, "Move up", act_up},
    {"cursor.page_down", NULL, NULL, "Move down a page", act_page_down},
    {"cursor.page_up", NULL, NULL, "Move up a page", act_page_up},
    {"cursor.top", NULL, NULL, "Go to the top", act_top},
    {"cursor.bottom", NULL, NULL, "Go to the bottom", act_bottom},
    {"help.toggle", "help", NULL, "Show or close this help", act_help},
    {"view.back", NULL, NULL, "Back to the screen before (the domain list at the top)", act_back},
    {"palette.open", NULL, NULL, "Command palette (virsh's verbs)", act_palette},
    {"app.redraw", NULL, NULL, "Redraw the screen", act_redraw},
    {"conn.demo", NULL, NULL, "Open libvirt's demo host (test:///default)", act_demo},
    {"conn.retry", NULL, NULL, "Try to connect again", act_retry},
    {"conn.open", "connect", "URI", "Connect to another hypervisor URI", act_connect},
    {"app.quit", "quit", NULL, "Quit kvmdeck", act_quit},
};
const size_t kd_actions_nav_count = sizeof(kd_actions_nav) / sizeof(kd_actions_nav[0]);

static const struct {
    const kd_action *v;
    const size_t *n;
} tables[] = {
    {kd_actions_nav, &kd_actions_nav_count},
    {kd_actions_domain, &kd_actions_domain_count},
    {kd_actions_more, &kd_actions_more_count},
    {kd_actions_views, &kd_actions_views_count},
    {kd_actions_stats, &kd_actions_stats_count},
    {kd_actions_console, &kd_actions_console_count},
    {kd_actions_storage, &kd_actions_storage_count},
    {kd_actions_network, &kd_actions_network_count},
    {kd_actions_snapshot, &kd_actions_snapshot_count},
    {kd_actions_host, &kd_actions_host_count},
    {kd_actions_migrate, &kd_actions_migrate_count},
    {kd_actions_wizard, &kd_actions_wizard_count},
    {kd_actions_hwedit, &kd_actions_hwedit_count},
    {kd_actions_vnc, &kd_actions_vnc_count},
    {kd_actions_pager, &kd_actions_pager_count},
    {kd_actions_info, &kd_actions_info_count},
};

size_t kd_action_count(void)
{
    size_t n = 0;
    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
        n += *tables[t].n;
    return n;
}

const kd_action *kd_action_at(size_t i)
{
    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
        if (i < *tables[t].n)
            return &tables[t].v[i];
        i -= *tables[t].n;
    }
    return NULL;
}

const kd_action *kd_action_find(const char *name)
{
    for (size_t i = 0, n = kd_action_count(); i < n; i++)
        if (strcmp(kd_action_at(i)->name, name) == 0)
            return kd_action_at(i);
    return NULL;
}

const kd_action *kd_action_find_verb(const char *verb)
{
    for (size_t i = 0, n = kd_action_count(); i < n; i++) {
        const kd_action *a = kd_action_at(i);
        if (a->verb && strcmp(a->verb, verb) == 0)
            return a;
    }
    return NULL;
}

int kd_action_exists(const char *name)
{
    return kd_action_find(name) != NULL;
}
