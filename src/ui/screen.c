#include "core/str.h"
#include "core/utf8.h"
#include "ui/app.h"

#include <stdlib.h>
#include <string.h>

/* The stack of screens modules add, and the small pieces every such screen needs. */

static void free_screen(kd_screen *s)
{
    if (s->state_free)
        s->state_free(s->state);
    memset(s, 0, sizeof(*s));
}

static void remove_at(kd_app *app, size_t i)
{
    free_screen(&app->screens[i]);
    memmove(&app->screens[i], &app->screens[i + 1],
            (app->nscreens - i - 1) * sizeof(app->screens[0]));
    app->nscreens--;
    memset(&app->screens[app->nscreens], 0, sizeof(app->screens[0]));
}

void kd_screen_open(kd_app *app, const kd_screen_ops *ops, void *state, void (*state_free)(void *))
{
    for (size_t i = 0; i < app->nscreens; i++) {
        if (app->screens[i].ops != ops)
            continue;
        kd_screen keep = app->screens[i];
        memmove(&app->screens[i], &app->screens[i + 1],
                (app->nscreens - i - 1) * sizeof(app->screens[0]));
        app->screens[app->nscreens - 1] = keep;
        if (state != keep.state && state_free)
            state_free(state);
        kd_app_set_view(app, KD_VIEW_SCREEN);
        return;
    }
    if (app->nscreens == KD_SCREEN_DEPTH)
        remove_at(app, 0); /* the oldest goes */
    app->screens[app->nscreens++] = (kd_screen){ops, state, state_free};
    kd_app_set_view(app, KD_VIEW_SCREEN);
}

const kd_screen *kd_screen_top(const kd_app *app)
{
    return app->nscreens ? &app->screens[app->nscreens - 1] : NULL;
}

void *kd_screen_state(const kd_app *app, const kd_screen_ops *ops)
{
    const kd_screen *s = kd_screen_top(app);
    return app->view == KD_VIEW_SCREEN && s && s->ops == ops ? s->state : NULL;
}

void *kd_screen_find(const kd_app *app, const kd_screen_ops *ops)
{
    for (size_t i = 0; i < app->nscreens; i++)
        if (app->screens[i].ops == ops)
            return app->screens[i].state;
    return NULL;
}

void kd_screen_close(kd_app *app)
{
    if (app->nscreens)
        remove_at(app, app->nscreens - 1);
    kd_app_set_view(app, app->nscreens ? KD_VIEW_SCREEN : KD_VIEW_LIST);
}

void kd_screen_close_all(kd_app *app)
{
    while (app->nscreens)
        remove_at(app, app->nscreens - 1);
    if (app->view == KD_VIEW_SCREEN)
        app->view = KD_VIEW_LIST;
}

void kd_screen_changed(kd_app *app, kd_conn_event ev, const char *uuid)
{
    for (size_t i = 0; i < app->nscreens; i++) {
        if (app->screens[i].ops->changed) {
            app->screens[i].ops->changed(app, ev, uuid);
            if (i == app->nscreens - 1 && app->view == KD_VIEW_SCREEN)
                app->dirty_full = true;
        }
    }
}

void kd_cursor_move(kd_cursor *c, size_t n, long delta)
{
    if (n == 0) {
        c->sel = c->top = 0;
        return;
    }
    long s = (long)c->sel + delta;
    if (s < 0)
        s = 0;
    if (s >= (long)n)
        s = (long)n - 1;
    c->sel = (size_t)s;
}

void kd_cursor_fit(kd_cursor *c, size_t n, int rows)
{
    if (n == 0) {
        c->sel = c->top = 0;
        return;
    }
    if (c->sel >= n)
        c->sel = n - 1;
    size_t r = rows > 0 ? (size_t)rows : 1;
    if (c->sel < c->top)
        c->top = c->sel;
    if (c->sel >= c->top + r)
        c->top = c->sel - r + 1;
    if (c->top + r > n)
        c->top = n > r ? n - r : 0;
}

/* A hint row too long for the window loses whole items before its last one (the way
 * out, "q back"), with "..." where they were: ? lists every key anyway. */
char *kd_screen_fit_hint(const char *hint, int cols)
{
    if (kd_utf8_width(hint) <= cols)
        return kd_strdup(hint);
    const char *last = NULL;
    for (const char *p = strstr(hint, "  "); p; p = strstr(p + 2, "  "))
        last = p;
    if (!last)
        return kd_strdup(hint);
    while (*last == ' ')
        last++;
    size_t keep = (size_t)(last - hint);
    for (;;) {
        /* Cut at the separator before keep. */
        const char *cut = NULL;
        for (const char *p = strstr(hint, "  "); p && (size_t)(p - hint) < keep;
             p = strstr(p + 2, "  "))
            cut = p;
        if (!cut)
            return kd_strdup(last);
        keep = (size_t)(cut - hint);
        char *t = kd_asprintf("%.*s  ...  %s", (int)keep, hint, last);
        if (kd_utf8_width(t) <= cols)
            return t;
        free(t);
    }
}

int kd_screen_frame(kd_app *app, WINDOW *w, const char *title, const char *hint)
{
    int rows = getmaxy(w), cols = getmaxx(w);
    werase(w);
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_HEADER_TITLE));
    kd_draw_fill(w, 0, 0, cols);
    kd_draw_text(w, 0, 1, cols - 2, title);
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_HELP_KEY));
    if (hint && rows > 2) {
        char *fit = kd_screen_fit_hint(hint, cols - 2);
        kd_draw_text(w, rows - 1, 1, cols - 2, fit);
        free(fit);
    }
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
    (void)app;
    return rows > 2 ? rows - 2 : 0;
}
