#include "backend/action.h"
#include "backend/create.h"
#include "core/paths.h"
#include "core/str.h"
#include "ui/app.h"
#include "ui/wizard_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The new-domain wizard's actions: + opens it; the summary page finishes, customizes in the
 * hardware editor, saves the answers as a preset or goes back a page. */

/* The XML in a file the user named, or NULL with the status line saying why. */
static char *read_xml(kd_app *app, const char *verb, const char *arg)
{
    if (!app->conn) {
        kd_app_status(app, true, "%s: not connected", verb);
        return NULL;
    }
    char *path = kd_paths_expand_home(arg);
    errno = 0;
    char *xml = kd_file_read(path, 4 * 1024 * 1024, NULL);
    if (!xml)
        kd_app_status(app, true, "%s: cannot read %s: %s", verb, path,
                      errno ? strerror(errno) : "too large or not a text file");
    free(path);
    return xml;
}

typedef struct {
    char *xml;
    char *file;
    char uuid[37];
} create_job;

static void create_job_free(void *p)
{
    create_job *j = p;
    free(j->xml);
    free(j->file);
    free(j);
}

static int create_run(kd_conn *conn, void *arg, kd_err *err)
{
    create_job *j = arg;
    return kd_create_transient(conn, j->xml, j->uuid, err);
}

static void create_after(kd_app *app, int rc, const kd_err *err, void *arg)
{
    create_job *j = arg;
    char *what = kd_asprintf("create %s", j->file);
    /* Into the list now, not when libvirt's event comes: the message names it. */
    if (rc == 0)
        kd_conn_refresh_domain(app->conn, j->uuid, NULL);
    const kd_domain *d = rc == 0 ? kd_conn_domain_by_uuid(app->conn, j->uuid) : NULL;
    kd_app_audit(app, d ? d->name : "", what, rc < 0 ? err : NULL);
    if (rc < 0)
        kd_app_status(app, true, "%s", err->msg);
    else
        kd_app_status(app, false, "%s: %s started (transient: gone when it stops)", what,
                      d ? d->name : j->uuid);
    free(what);
}

/* virsh's "create FILE" starts a transient domain from XML; without a file, the wizard. */
static void act_open(kd_app *app, int argc, char **argv)
{
    if (argc < 1) {
        kd_wiz_open(app);
        return;
    }
    char *xml = read_xml(app, "create", argv[0]);
    if (!xml)
        return;
    create_job *j = kd_calloc(1, sizeof(*j));
    j->xml = xml;
    j->file = kd_strdup(argv[0]);
    char *label = kd_asprintf("create %s", argv[0]);
    kd_ui_job_run(app, label, NULL, create_run, j, create_job_free, create_after);
    free(label);
}

/* virsh's "define FILE": a persistent domain from XML, checked against libvirt's schema. */
static void act_define(kd_app *app, int argc, char **argv)
{
    if (argc < 1) {
        kd_app_status(app, true, "usage: define FILE (a domain's XML; + opens the wizard)");
        return;
    }
    char *xml = read_xml(app, "define", argv[0]);
    if (!xml)
        return;
    kd_err err;
    kd_err_clear(&err);
    char uuid[37] = "";
    int rc = kd_dom_define(app->conn, xml, uuid, &err);
    free(xml);
    if (rc == 0)
        kd_conn_refresh_domain(app->conn, uuid, NULL);
    const kd_domain *d = rc == 0 ? kd_conn_domain_by_uuid(app->conn, uuid) : NULL;
    char *what = kd_asprintf("define %s", argv[0]);
    kd_app_audit(app, d ? d->name : "", what, rc < 0 ? &err : NULL);
    if (rc < 0)
        kd_app_status(app, true, "define %s: %s", argv[0], err.msg);
    else
        kd_app_status(app, false, "%s: %s defined", what, d ? d->name : uuid);
    free(what);
}

static void act_finish(kd_app *app, int argc, char **argv)
{
    kd_wiz_finish(app);
}

static void act_customize(kd_app *app, int argc, char **argv)
{
    kd_wiz_customize(app);
}

static void act_save_preset(kd_app *app, int argc, char **argv)
{
    kd_wiz_save_preset(app);
}

static void act_back(kd_app *app, int argc, char **argv)
{
    kd_wiz_back(app);
}

static void act_delete_preset(kd_app *app, int argc, char **argv)
{
    if (argc < 1)
        kd_wiz_pick_delete_preset(app);
    else
        kd_wiz_delete_preset(app, argv[0]);
}

const kd_action kd_actions_wizard[] = {
    {"domain.create", "create", "[FILE]",
     "Create a new domain (the wizard); with FILE, start a transient one from its XML", act_open},
    {"domain.define", "define", "FILE", "Define a domain from an XML file", act_define},
    {"wizard.finish", NULL, NULL, "Create and start the new domain", act_finish},
    {"wizard.customize", NULL, NULL, "Edit the new domain's hardware before creating it",
     act_customize},
    {"wizard.save_preset", NULL, NULL, "Save the wizard's answers as a preset", act_save_preset},
    {"wizard.back", NULL, NULL, "Back to the wizard's previous page", act_back},
    {"wizard.delete_preset", NULL, "[NAME]", "Delete a preset of the wizard", act_delete_preset},
};
const size_t kd_actions_wizard_count = sizeof(kd_actions_wizard) / sizeof(kd_actions_wizard[0]);

const char kd_keys_wizard[] = "bind list + domain.create\n"
                              "bind wizard Enter wizard.finish\n"
                              "bind wizard f wizard.finish\n"
                              "bind wizard c wizard.customize\n"
                              "bind wizard s wizard.save_preset\n"
                              "bind wizard Esc wizard.back\n"
                              "bind wizard b wizard.back\n"
                              "bind wizard D wizard.delete_preset\n"
                              "bind wizard q view.back\n"
                              "bind wizard j cursor.down\n"
                              "bind wizard Down cursor.down\n"
                              "bind wizard k cursor.up\n"
                              "bind wizard Up cursor.up\n"
                              "bind wizard NPage cursor.page_down\n"
                              "bind wizard Space cursor.page_down\n"
                              "bind wizard PPage cursor.page_up\n"
                              "bind wizard g cursor.top\n"
                              "bind wizard G cursor.bottom\n";
