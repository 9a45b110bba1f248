#include "core/str.h"
#include "ui/app.h"

#include <stdlib.h>
#include <string.h>

/* libvirt asks for credentials in the middle of opening a connection, and wants the
 * answer before that call returns: the question is asked in a nested key loop. Nothing
 * typed is kept once libvirt has it. */

static int ask(const char *prompt, bool echo, char *buf, size_t buflen, void *opaque)
{
    kd_app *app = opaque;
    char *title = kd_asprintf("Credentials for %s", app->uri ? app->uri : "the hypervisor");
    int r = kd_dialog_ask_now(app, title, prompt, !echo, buf, buflen);
    free(title);
    return r;
}

void kd_app_install_auth(kd_app *app)
{
    kd_conn_set_auth(ask, app);
}
