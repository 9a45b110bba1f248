#include "core/str.h"
#include "ui/app.h"

#include <stdlib.h>
#include <string.h>

/* libvirt asks for credentials in the middle of opening a connection, and wants the
 * answer before that call returns: the question is asked in a nested key loop. Nothing
 * typed is kept once libvirt has it. */

typedef struct {
    bool answered;
    bool closed;
    char *buf;
    size_t buflen;
} auth_answer;

static void on_answer(kd_app *app, bool ok, const char *text, void *opaque)
{
    auth_answer *a = opaque;
    (void)app;
    a->closed = true;
    if (!ok || strlen(text) >= a->buflen)
        return;
    memcpy(a->buf, text, strlen(text) + 1);
    a->answered = true;
}

static int ask(const char *prompt, bool echo, char *buf, size_t buflen, void *opaque)
{
    kd_app *app = opaque;
    auth_answer a = {false, false, buf, buflen};
    char *title = kd_asprintf("Credentials for %s", app->uri ? app->uri : "the hypervisor");
    kd_dialog_spec spec = {
        .title = title, .message = prompt, .secret = !echo, .done = on_answer, .opaque = &a};
    kd_dialog_prompt(app, &spec);
    free(title);
    nodelay(stdscr, FALSE);
    while (!a.closed) {
        kd_app_draw_now(app);
        wint_t wch;
        int r = wget_wch(stdscr, &wch);
        if (r == ERR)
            break;
        if (r == KEY_CODE_YES && wch == KEY_RESIZE)
            continue;
        kd_dialog_key(app, kd_key_from_curses(r == KEY_CODE_YES, (unsigned)wch));
    }
    nodelay(stdscr, TRUE);
    if (!a.closed) {
        kd_dialog_free(app->dialog);
        app->dialog = NULL;
    }
    kd_app_dirty_all(app);
    return a.answered ? 0 : -1;
}

void kd_app_install_auth(kd_app *app)
{
    kd_conn_set_auth(ask, app);
}
