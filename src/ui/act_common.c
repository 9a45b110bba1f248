#include "ui/act_common.h"

#include "core/str.h"

#include <stdlib.h>
#include <string.h>

char *kd_act_target(kd_app *app, int argc, char **argv, const char *sel, const char *verb,
                    const char *what)
{
    if (!app->conn) {
        kd_app_status(app, true, "not connected");
        return NULL;
    }
    if (argc > 0 && argv[0][0] != '-')
        return kd_strdup(argv[0]);
    if (sel)
        return kd_strdup(sel);
    kd_app_status(app, true, "usage: %s %s", verb, what);
    return NULL;
}

/* Whether msg already starts with what's verb ("vol-create-as: ..."): it is not said twice. */
static bool names_verb(const char *msg, const char *what)
{
    size_t n = strcspn(what, " ");
    return n > 0 && strncmp(msg, what, n) == 0 && (msg[n] == ':' || msg[n] == ' ');
}

void kd_act_report(kd_app *app, const char *subject, const char *what, int rc, const kd_err *err)
{
    kd_app_audit(app, subject, what, rc < 0 ? err : NULL);
    if (rc < 0 && names_verb(err->msg, what))
        kd_app_status(app, true, "%s", err->msg);
    else if (rc < 0)
        kd_app_status(app, true, "%s: %s", what, err->msg);
    else
        kd_app_status(app, false, "%s: done", what);
}

typedef struct {
    kd_act_run_fn run;
    void *opaque;
    void (*opaque_free)(void *);
} confirm_arg;

static void confirm_free(void *p)
{
    confirm_arg *c = p;
    if (c && c->opaque_free)
        c->opaque_free(c->opaque);
    free(c);
}

static void on_confirm(kd_app *app, bool ok, const char *text, void *opaque)
{
    confirm_arg *c = opaque;
    if (ok)
        c->run(app, c->opaque);
    else
        kd_app_status(app, false, "cancelled");
}

void kd_act_confirm(kd_app *app, const char *title, const char *msg, const char *expect,
                    kd_act_run_fn run, void *opaque, void (*opaque_free)(void *))
{
    confirm_arg *c = kd_calloc(1, sizeof(*c));
    *c = (confirm_arg){run, opaque, opaque_free};
    kd_dialog_spec spec = {.title = title,
                           .message = msg,
                           .expect = expect,
                           .done = on_confirm,
                           .opaque = c,
                           .opaque_free = confirm_free};
    if (expect)
        kd_dialog_typed(app, &spec);
    else
        kd_dialog_confirm(app, &spec);
}

void kd_act_list_draw(WINDOW *w, int rows, const char *heading, const char *empty, kd_cursor *cur,
                      size_t n, kd_act_row_fn row, const void *ctx)
{
    int cols = getmaxx(w);
    if (rows < 1)
        return;
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_fill(w, 1, 0, cols);
    kd_draw_text(w, 1, 1, cols - 2, heading);
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
    if (n == 0 && rows > 1)
        kd_draw_text(w, 2, 1, cols - 2, empty);
    kd_cursor_fit(cur, n, rows > 1 ? rows - 1 : 1);
    for (int r = 0; r + 1 < rows && cur->top + (size_t)r < n; r++) {
        size_t i = cur->top + (size_t)r;
        bool sel = i == cur->sel;
        wattrset(w, (attr_t)kd_theme_attr(sel ? KD_SLOT_LIST_SELECTED : KD_SLOT_NORMAL));
        if (sel)
            kd_draw_fill(w, 2 + r, 0, cols);
        row(w, 2 + r, cols, i, ctx);
    }
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
}
