#include "backend/action.h"
#include "core/str.h"
#include "ui/app.h"
#include "ui/pager.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Actions that ask for something first (a file, a name) or hand the terminal to an
 * editor: save, restore, rename, clone, undefine, dumpxml, edit. */

typedef struct {
    char uuid[37];
    char *name;
    char *text;
} dom_arg;

static void dom_arg_free(void *p)
{
    dom_arg *a = p;
    if (!a)
        return;
    free(a->name);
    free(a->text);
    free(a);
}

/* The one domain an action is about, with its name copied (the table may change). */
static dom_arg *one_target(kd_app *app, int argc, char **argv, const char *verb)
{
    if (app->conn && kd_conn_readonly(app->conn) && strcmp(verb, "dumpxml") != 0) {
        kd_app_status(app, true, "%s refused: the connection is read-only (-r)", verb);
        return NULL;
    }
    kd_uuid *t;
    size_t n = kd_app_targets(app, argc > 0 ? 1 : 0, argv, &t);
    if (n == 0)
        return NULL;
    if (n > 1) {
        free(t);
        kd_app_status(app, true, "%s works on one domain at a time", verb);
        return NULL;
    }
    dom_arg *a = kd_calloc(1, sizeof(*a));
    memcpy(a->uuid, t[0].uuid, sizeof(a->uuid));
    a->name = kd_strdup(kd_conn_domain_by_uuid(app->conn, a->uuid)->name);
    free(t);
    return a;
}

static void report(kd_app *app, const char *verb, const char *name, int rc, const kd_err *err)
{
    kd_app_audit(app, name, verb, rc < 0 ? err : NULL);
    if (rc < 0)
        kd_app_status(app, true, "%s", err->msg);
    else
        kd_app_status(app, false, "%s%s%s: done", verb, *name ? " " : "", name);
}

static void prompt(kd_app *app, const char *title, const char *msg, const char *initial,
                   kd_dialog_done_fn done, dom_arg *a)
{
    kd_dialog_spec spec = {.title = title,
                           .message = msg,
                           .initial = initial,
                           .done = done,
                           .opaque = a,
                           .opaque_free = dom_arg_free};
    kd_dialog_prompt(app, &spec);
}

/* ---- save / restore (worker thread: they take as long as the guest's memory) -------- */

static int job_save(kd_conn *conn, void *arg, kd_err *err)
{
    dom_arg *a = arg;
    return kd_dom_save(conn, a->uuid, a->text, err);
}

static void after_save(kd_app *app, int rc, const kd_err *err, void *arg)
{
    dom_arg *a = arg;
    report(app, "save", a->name, rc, err);
}

static void save_to(kd_app *app, dom_arg *a, const char *file)
{
    a->text = kd_strdup(file);
    char *label = kd_asprintf("save %s", a->name);
    kd_ui_job_run(app, label, a->uuid, job_save, a, dom_arg_free, after_save);
    free(label);
}

static void on_save_file(kd_app *app, bool ok, const char *text, void *opaque)
{
    if (!ok || !*text)
        return;
    dom_arg *a = opaque;
    dom_arg *copy = kd_calloc(1, sizeof(*copy));
    *copy = (dom_arg){.name = kd_strdup(a->name)};
    memcpy(copy->uuid, a->uuid, sizeof(copy->uuid));
    save_to(app, copy, text);
}

static void act_save(kd_app *app, int argc, char **argv)
{
    dom_arg *a = one_target(app, argc, argv, "save");
    if (!a)
        return;
    if (argc >= 2) {
        save_to(app, a, argv[1]);
        return;
    }
    char cwd[4096];
    char *initial = kd_asprintf("%s/%s.save", getcwd(cwd, sizeof(cwd)) ? cwd : "/tmp", a->name);
    for (char *p = strrchr(initial, '/') + 1; *p; p++)
        if (*p == '/')
            *p = '_';
    prompt(app, "Save to file",
           "The domain's memory is written to this file on the host and "
           "the domain stops. Restore brings it back.",
           initial, on_save_file, a);
    free(initial);
}

static int job_restore(kd_conn *conn, void *arg, kd_err *err)
{
    dom_arg *a = arg;
    return kd_dom_restore(conn, a->text, err);
}

static void after_restore(kd_app *app, int rc, const kd_err *err, void *arg)
{
    dom_arg *a = arg;
    char *what = kd_asprintf("restore %s", a->text);
    report(app, what, "", rc, err);
    free(what);
}

static void restore_from(kd_app *app, const char *file)
{
    dom_arg *a = kd_calloc(1, sizeof(*a));
    a->text = kd_strdup(file);
    kd_ui_job_run(app, "restore", NULL, job_restore, a, dom_arg_free, after_restore);
}

static void on_restore_file(kd_app *app, bool ok, const char *text, void *opaque)
{
    if (ok && *text)
        restore_from(app, text);
}

static void act_restore(kd_app *app, int argc, char **argv)
{
    if (app->conn && kd_conn_readonly(app->conn)) {
        kd_app_status(app, true, "restore refused: the connection is read-only (-r)");
        return;
    }
    if (argc >= 1) {
        restore_from(app, argv[0]);
        return;
    }
    kd_dialog_spec spec = {.title = "Restore from file",
                           .message = "A file written by save, on the host.",
                           .done = on_restore_file};
    kd_dialog_prompt(app, &spec);
}

/* ---- rename / clone -------------------------------------------------------------------- */

static void rename_to(kd_app *app, dom_arg *a, const char *new_name)
{
    kd_err err;
    kd_err_clear(&err);
    int rc = kd_dom_rename(app->conn, a->uuid, new_name, &err);
    char *what = kd_asprintf("domrename %s", new_name);
    report(app, what, a->name, rc, &err);
    free(what);
    if (rc == 0)
        kd_app_status(app, false, "renamed %s to %s", a->name, new_name);
}

static void on_rename(kd_app *app, bool ok, const char *text, void *opaque)
{
    if (ok && *text)
        rename_to(app, opaque, text);
}

static void act_rename(kd_app *app, int argc, char **argv)
{
    dom_arg *a = one_target(app, argc, argv, "domrename");
    if (!a)
        return;
    if (argc >= 2) {
        rename_to(app, a, argv[1]);
        dom_arg_free(a);
        return;
    }
    prompt(app, "Rename", "A new name for the domain (it must be shut off).", a->name, on_rename,
           a);
}

static int job_clone(kd_conn *conn, void *arg, kd_err *err)
{
    dom_arg *a = arg;
    return kd_dom_clone(conn, a->uuid, a->text, err);
}

static void after_clone(kd_app *app, int rc, const kd_err *err, void *arg)
{
    dom_arg *a = arg;
    char *what = kd_asprintf("clone %s", a->text);
    report(app, what, a->name, rc, err);
    free(what);
    if (rc == 0)
        kd_app_status(app, false, "cloned %s as %s", a->name, a->text);
}

static void clone_to(kd_app *app, dom_arg *a, const char *new_name)
{
    dom_arg *copy = kd_calloc(1, sizeof(*copy));
    memcpy(copy->uuid, a->uuid, sizeof(copy->uuid));
    copy->name = kd_strdup(a->name);
    copy->text = kd_strdup(new_name);
    char *label = kd_asprintf("clone %s", a->name);
    kd_ui_job_run(app, label, NULL, job_clone, copy, dom_arg_free, after_clone);
    free(label);
}

static void on_clone(kd_app *app, bool ok, const char *text, void *opaque)
{
    if (ok && *text)
        clone_to(app, opaque, text);
}

static void act_clone(kd_app *app, int argc, char **argv)
{
    dom_arg *a = one_target(app, argc, argv, "clone");
    if (!a)
        return;
    if (argc >= 2) {
        clone_to(app, a, argv[1]);
        dom_arg_free(a);
        return;
    }
    char *initial = kd_asprintf("%s-clone", a->name);
    prompt(app, "Clone",
           "A name for the copy. Its disks are copied in their pools; it gets a "
           "new UUID and new MAC addresses. The domain must be shut off.",
           initial, on_clone, a);
    free(initial);
}

/* ---- undefine -------------------------------------------------------------------------- */

typedef struct {
    dom_arg *a;
    unsigned flags;
} undefine_req;

static void do_undefine(kd_app *app, dom_arg *a, unsigned flags)
{
    kd_err err;
    kd_err_clear(&err);
    int rc = kd_dom_undefine(app->conn, a->uuid, flags, &err);
    report(app, flags & KD_UNDEFINE_STORAGE ? "undefine --remove-all-storage" : "undefine", a->name,
           rc, &err);
}

static void on_undefine(kd_app *app, bool ok, const char *text, void *opaque)
{
    undefine_req *r = opaque;
    if (ok)
        do_undefine(app, r->a, r->flags);
    else
        kd_app_status(app, false, "cancelled");
}

static void undefine_req_free(void *p)
{
    undefine_req *r = p;
    dom_arg_free(r->a);
    free(r);
}

static void ask_undefine(kd_app *app, dom_arg *a, unsigned flags)
{
    undefine_req *r = kd_calloc(1, sizeof(*r));
    r->a = a;
    r->flags = flags;
    char *title = kd_asprintf("Undefine %s", a->name);
    kd_dialog_spec spec = {.title = title,
                           .done = on_undefine,
                           .opaque = r,
                           .opaque_free = undefine_req_free,
                           .expect = a->name};
    if (flags & KD_UNDEFINE_STORAGE) {
        char *msg = kd_asprintf("This deletes the definition AND every disk volume of %s. "
                                "It cannot be undone.\nType the domain's name to go on:",
                                a->name);
        spec.message = msg;
        kd_dialog_typed(app, &spec);
        free(msg);
    } else {
        spec.message = "Remove the definition (with its managed save, snapshot metadata and "
                       "NVRAM). Disk volumes are kept. A running domain keeps running until "
                       "it stops.";
        kd_dialog_confirm(app, &spec);
    }
    free(title);
}

static unsigned undefine_flags(int argc, char **argv, bool *bad)
{
    static const struct {
        const char *flag;
        unsigned bit;
    } flags[] = {
        {"--remove-all-storage", KD_UNDEFINE_STORAGE},
        {"--snapshots-metadata", KD_UNDEFINE_SNAPSHOTS},
        {"--nvram", KD_UNDEFINE_NVRAM},
        {"--managed-save", KD_UNDEFINE_MANAGED_SAVE},
    };
    unsigned f = KD_UNDEFINE_MANAGED_SAVE | KD_UNDEFINE_SNAPSHOTS | KD_UNDEFINE_NVRAM;
    *bad = false;
    for (int i = 0; i < argc; i++) {
        size_t k;
        if (strncmp(argv[i], "--", 2) != 0)
            continue; /* the domain's name */
        for (k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
            if (strcmp(argv[i], flags[k].flag) == 0)
                break;
        if (k == sizeof(flags) / sizeof(flags[0]))
            *bad = true;
        else
            f |= flags[k].bit;
    }
    return f;
}

static void act_undefine(kd_app *app, int argc, char **argv)
{
    bool bad;
    unsigned flags = undefine_flags(argc, argv, &bad);
    if (bad) {
        kd_app_status(app, true,
                      "usage: undefine DOMAIN [--remove-all-storage] "
                      "[--snapshots-metadata] [--nvram] [--managed-save]");
        return;
    }
    dom_arg *a = one_target(app, argc, argv, "undefine");
    if (a)
        ask_undefine(app, a, flags);
}

static void act_undefine_storage(kd_app *app, int argc, char **argv)
{
    dom_arg *a = one_target(app, argc, argv, "undefine");
    if (a)
        ask_undefine(app, a,
                     KD_UNDEFINE_STORAGE | KD_UNDEFINE_MANAGED_SAVE | KD_UNDEFINE_SNAPSHOTS |
                         KD_UNDEFINE_NVRAM);
}

/* ---- dumpxml / edit -------------------------------------------------------------------- */

static void act_dumpxml(kd_app *app, int argc, char **argv)
{
    dom_arg *a = one_target(app, argc, argv, "dumpxml");
    if (!a)
        return;
    kd_err err;
    kd_err_clear(&err);
    bool inactive = argc >= 2 && strcmp(argv[1], "--inactive") == 0;
    char *xml = kd_dom_dumpxml(app->conn, a->uuid, inactive, &err);
    if (!xml) {
        kd_app_status(app, true, "%s", err.msg);
    } else {
        char *title = kd_asprintf("dumpxml %s%s", a->name, inactive ? " --inactive" : "");
        kd_pager_open(app, title, xml);
        free(title);
        free(xml);
    }
    dom_arg_free(a);
}

static void spawn_editor(kd_app *app)
{
    kd_app_suspend_screen(app);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGWINCH, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        execl("/bin/sh", "sh", "-c", "exec ${VISUAL:-${EDITOR:-vi}} \"$1\"", "sh", app->edit_path,
              (char *)NULL);
        _exit(127);
    }
    if (pid < 0) {
        kd_app_resume_screen(app);
        kd_app_status(app, true, "cannot start the editor: %s", strerror(errno));
        return;
    }
    app->editor_pid = pid;
}

static void end_edit(kd_app *app, bool keep_file)
{
    if (!keep_file && app->edit_path)
        unlink(app->edit_path);
    free(app->edit_path);
    app->edit_path = NULL;
}

static void on_edit_again(kd_app *app, bool ok, const char *text, void *opaque)
{
    if (ok) {
        spawn_editor(app);
        return;
    }
    kd_app_status(app, true, "not changed; your edit is kept in %s", app->edit_path);
    end_edit(app, true);
}

void kd_app_child_exited(kd_app *app, pid_t pid, int status)
{
    kd_app_resume_screen(app);
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, app->edit_uuid);
    const char *name = d ? d->name : app->edit_uuid;
    char *xml = kd_file_read(app->edit_path, 16 * 1024 * 1024, NULL);
    if (!xml) {
        kd_app_status(app, true, "cannot read %s: %s", app->edit_path, strerror(errno));
        end_edit(app, true);
        return;
    }
    kd_err err;
    kd_err_clear(&err);
    char uuid[37];
    int rc = kd_dom_define(app->conn, xml, uuid, &err);
    free(xml);
    kd_app_audit(app, name, "edit", rc < 0 ? &err : NULL);
    if (rc == 0) {
        bool running = d && d->state != KD_DOM_SHUTOFF;
        kd_app_status(app, false, "%s redefined%s", name,
                      running ? "; changes apply from its next start" : "");
        end_edit(app, false);
        return;
    }
    char *msg =
        kd_asprintf("%s\nEdit again? Nothing you typed is lost (n keeps the file).", err.msg);
    kd_dialog_spec spec = {
        .title = "libvirt refused the XML", .message = msg, .done = on_edit_again};
    kd_dialog_confirm(app, &spec);
    free(msg);
}

static void act_edit(kd_app *app, int argc, char **argv)
{
    if (app->edit_path) {
        kd_app_status(app, true, "already editing %s", app->edit_path);
        return;
    }
    dom_arg *a = one_target(app, argc, argv, "edit");
    if (!a)
        return;
    kd_err err;
    kd_err_clear(&err);
    char *xml = kd_dom_dumpxml(app->conn, a->uuid, true, &err);
    if (!xml) {
        kd_app_status(app, true, "%s", err.msg);
        dom_arg_free(a);
        return;
    }
    const char *tmp = getenv("TMPDIR");
    char *path = kd_asprintf("%s/kvmdeck-edit-XXXXXX.xml", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemps(path, 4);
    size_t len = strlen(xml);
    if (fd < 0 || write(fd, xml, len) != (ssize_t)len || close(fd) < 0) {
        kd_app_status(app, true, "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0)
            unlink(path);
        free(path);
    } else {
        app->edit_path = path;
        memcpy(app->edit_uuid, a->uuid, sizeof(app->edit_uuid));
        spawn_editor(app);
    }
    free(xml);
    dom_arg_free(a);
}

const kd_action kd_actions_more[] = {
    {"domain.save", "save", "DOMAIN FILE", "Save memory to a file and stop", act_save},
    {"domain.restore", "restore", "FILE", "Restore a domain saved to a file", act_restore},
    {"domain.rename", "domrename", "DOMAIN NEW-NAME", "Rename", act_rename},
    {"domain.clone", "clone", "DOMAIN NEW-NAME", "Copy with its disks (new UUID and MACs)",
     act_clone},
    {"domain.undefine", "undefine", "DOMAIN [--remove-all-storage] ...",
     "Remove the definition (disks kept)", act_undefine},
    {"domain.undefine_storage", NULL, NULL, "Remove the definition and its disk volumes",
     act_undefine_storage},
    {"domain.dumpxml", "dumpxml", "DOMAIN [--inactive]", "Show the domain's XML", act_dumpxml},
    {"domain.edit", "edit", "DOMAIN", "Edit the XML in $EDITOR, check it and redefine", act_edit},
};
const size_t kd_actions_more_count = sizeof(kd_actions_more) / sizeof(kd_actions_more[0]);
