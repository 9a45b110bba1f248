#include "core/str.h"
#include "ui/app.h"

#include <stdlib.h>
#include <string.h>

static void move_sel(kd_app *app, long delta)
{
    if (app->norder == 0)
        return;
    long s = (long)app->sel + delta;
    if (s < 0)
        s = 0;
    if (s >= (long)app->norder)
        s = (long)app->norder - 1;
    app->sel = (size_t)s;
    memcpy(app->sel_uuid, kd_conn_domain_at(app->conn, app->order[app->sel])->uuid,
           sizeof(app->sel_uuid));
    kd_view_list_rebuild(app);
}

static void scroll_help(kd_app *app, int delta)
{
    int max = kd_view_help_lines(app) - (app->rows - 2);
    app->help_top += delta;
    if (app->help_top > max)
        app->help_top = max;
    if (app->help_top < 0)
        app->help_top = 0;
    app->dirty_full = true;
}

static long page(const kd_app *app)
{
    int rows = app->help_open ? app->rows - 2 : kd_view_list_rows(app);
    return rows > 1 ? rows - 1 : 1;
}

static void move_by(kd_app *app, long delta)
{
    if (app->help_open)
        scroll_help(app, (int)delta);
    else
        move_sel(app, delta);
}

static void act_down(kd_app *app)
{
    move_by(app, 1);
}

static void act_up(kd_app *app)
{
    move_by(app, -1);
}

static void act_page_down(kd_app *app)
{
    move_by(app, page(app));
}

static void act_page_up(kd_app *app)
{
    move_by(app, -page(app));
}

static void act_top(kd_app *app)
{
    move_by(app, -(long)app->norder - 1000000);
}

static void act_bottom(kd_app *app)
{
    move_by(app, (long)app->norder + 1000000);
}

static void act_quit(kd_app *app)
{
    app->quit = true;
    app->exit_code = 0;
}

static void act_help(kd_app *app)
{
    app->help_open = !app->help_open;
    app->help_top = 0;
    kd_app_dirty_all(app);
}

static void act_redraw(kd_app *app)
{
    kd_app_layout(app);
}

static void act_demo(kd_app *app)
{
    free(app->uri);
    app->uri = kd_strdup("test:///default");
    kd_app_connect(app, app->uri);
}

static void act_retry(kd_app *app)
{
    if (kd_app_connect(app, app->uri) < 0)
        kd_app_status(app, true, "still no hypervisor: %s", app->offline_err.msg);
}

static const kd_action actions[] = {
    {"cursor.down", "Move down", act_down},
    {"cursor.up", "Move up", act_up},
    {"cursor.page_down", "Move down a page", act_page_down},
    {"cursor.page_up", "Move up a page", act_page_up},
    {"cursor.top", "Go to the first domain", act_top},
    {"cursor.bottom", "Go to the last domain", act_bottom},
    {"help.toggle", "Show or close this help", act_help},
    {"app.redraw", "Redraw the screen", act_redraw},
    {"conn.demo", "Open libvirt's demo host (test:///default)", act_demo},
    {"conn.retry", "Try to connect again", act_retry},
    {"app.quit", "Quit kvmdeck", act_quit},
};

const kd_action *kd_action_find(const char *name)
{
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(actions[i].name, name) == 0)
            return &actions[i];
    return NULL;
}

int kd_action_exists(const char *name)
{
    return kd_action_find(name) != NULL;
}

size_t kd_action_count(void)
{
    return sizeof(actions) / sizeof(actions[0]);
}

const kd_action *kd_action_at(size_t i)
{
    return i < kd_action_count() ? &actions[i] : NULL;
}
