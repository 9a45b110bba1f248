#include "backend/storage.h"
#include "core/str.h"
#include "ui/act_common.h"
#include "ui/app.h"
#include "ui/pager.h"
#include "ui/storage_ui.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Storage pools: the palette's verbs (virsh's names) and the pools screen's keys. The
 * volume actions are in act_volume.c. */

/* ---- arguments ---------------------------------------------------------------------------- */

typedef enum { OPT_STR, OPT_BOOL, OPT_DEV } opt_kind;

static const struct {
    const char *name;
    opt_kind kind;
    size_t off;
} options[] = {
    {"--pool", OPT_STR, offsetof(kd_storage_args, pool)},
    {"--format", OPT_STR, offsetof(kd_storage_args, format)},
    {"--backing-vol", OPT_STR, offsetof(kd_storage_args, backing)},
    {"--type", OPT_STR, offsetof(kd_storage_args, type)},
    {"--target", OPT_STR, offsetof(kd_storage_args, target)},
    {"--source-host", OPT_STR, offsetof(kd_storage_args, host)},
    {"--source-path", OPT_STR, offsetof(kd_storage_args, source_path)},
    {"--source-name", OPT_STR, offsetof(kd_storage_args, source_name)},
    {"--source-format", OPT_STR, offsetof(kd_storage_args, source_format)},
    {"--source-dev", OPT_DEV, 0},
    {"--force", OPT_BOOL, offsetof(kd_storage_args, force)},
    {"--shrink", OPT_BOOL, offsetof(kd_storage_args, shrink)},
    {"--build", OPT_BOOL, offsetof(kd_storage_args, build)},
    {"--no-build", OPT_BOOL, offsetof(kd_storage_args, no_build)},
    {"--start", OPT_BOOL, offsetof(kd_storage_args, start)},
    {"--autostart", OPT_BOOL, offsetof(kd_storage_args, autostart)},
    {"--disable", OPT_BOOL, offsetof(kd_storage_args, disable)},
};

static int take_option(kd_app *app, const char *verb, int argc, char **argv, int *i,
                       kd_storage_args *out)
{
    for (size_t k = 0; k < sizeof(options) / sizeof(options[0]); k++) {
        if (strcmp(argv[*i], options[k].name) != 0)
            continue;
        if (options[k].kind == OPT_BOOL) {
            *(bool *)((char *)out + options[k].off) = true;
            return 0;
        }
        if (*i + 1 >= argc) {
            kd_app_status(app, true, "%s: %s needs a value", verb, argv[*i]);
            return -1;
        }
        const char *v = argv[++*i];
        if (options[k].kind == OPT_STR) {
            *(const char **)((char *)out + options[k].off) = v;
        } else if (out->ndevs == KD_STORAGE_MAX_DEVS) {
            kd_app_status(app, true, "%s: at most %d source devices", verb, KD_STORAGE_MAX_DEVS);
            return -1;
        } else {
            out->devs[out->ndevs++] = v;
        }
        return 0;
    }
    kd_app_status(app, true, "%s: unknown option %s", verb, argv[*i]);
    return -1;
}

int kd_storage_args_parse(kd_app *app, const char *verb, int argc, char **argv,
                          kd_storage_args *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0) {
            if (take_option(app, verb, argc, argv, &i, out) < 0)
                return -1;
        } else if (out->npos == KD_STORAGE_MAX_POS) {
            kd_app_status(app, true, "%s: too many arguments ('%s')", verb, argv[i]);
            return -1;
        } else {
            out->pos[out->npos++] = argv[i];
        }
    }
    return 0;
}

/* ---- shared ------------------------------------------------------------------------------- */

bool kd_storage_refuse(kd_app *app, const char *verb, bool write)
{
    if (!app->conn || !kd_conn_alive(app->conn)) {
        if (app->conn)
            kd_app_status(app, true, "%s: not connected to %s (kvmdeck reconnects by itself)", verb,
                          kd_conn_host(app->conn)->uri);
        else
            kd_app_status(app, true, "%s: not connected", verb);
        return true;
    }
    if (write && kd_conn_readonly(app->conn)) {
        kd_app_status(app, true, "%s refused: the connection is read-only (-r)", verb);
        return true;
    }
    return false;
}

/* ---- pool verbs --------------------------------------------------------------------------- */

/* The palette's arguments and the pool they name (or the selected one); NULL with a message. */
static const char *pool_arg(kd_app *app, const char *verb, bool write, int argc, char **argv,
                            kd_storage_args *a)
{
    if (kd_storage_refuse(app, verb, write) || kd_storage_args_parse(app, verb, argc, argv, a) < 0)
        return NULL;
    return kd_pools_target(app, a->npos ? a->pos[0] : NULL, verb);
}

typedef int (*pool_call)(kd_conn *conn, const char *name, kd_err *err);

/* Run a pool verb on the named or selected pool, report it, and show the result. */
static void pool_run(kd_app *app, const char *verb, int argc, char **argv, pool_call fn)
{
    kd_storage_args a;
    const char *name = pool_arg(app, verb, true, argc, argv, &a);
    if (!name)
        return;
    char *what = kd_asprintf("%s %s", verb, name);
    kd_err err;
    kd_err_clear(&err);
    int rc = fn(app->conn, name, &err);
    kd_act_report(app, "", what, rc, &err);
    free(what);
    kd_pools_reload(app);
    kd_vols_reload(app);
}

static void act_open(kd_app *app, int argc, char **argv)
{
    if (!kd_storage_refuse(app, "pool-list", false))
        kd_pools_open(app);
}

static void act_start(kd_app *app, int argc, char **argv)
{
    pool_run(app, "pool-start", argc, argv, kd_storage_pool_start);
}

static void act_stop(kd_app *app, int argc, char **argv)
{
    pool_run(app, "pool-destroy", argc, argv, kd_storage_pool_stop);
}

static void run_build(kd_app *app, void *opaque)
{
    char *name = opaque;
    pool_run(app, "pool-build", 1, &name, kd_storage_pool_build);
}

/* Building a logical or disk pool formats its devices: that is asked first. */
static void act_build(kd_app *app, int argc, char **argv)
{
    const char *verb = "pool-build";
    kd_storage_args a;
    const char *name = pool_arg(app, verb, true, argc, argv, &a);
    if (!name)
        return;
    kd_pool *p = kd_storage_pool_get(app->conn, name, NULL);
    bool formats = p && (strcmp(p->type, "logical") == 0 || strcmp(p->type, "disk") == 0);
    kd_storage_pools_free(p, 1);
    if (!formats) {
        char *n = kd_strdup(name);
        pool_run(app, verb, 1, &n, kd_storage_pool_build);
        free(n);
        return;
    }
    char *msg = kd_asprintf("Build pool '%s'? This formats its devices (a new volume group or "
                            "partition table): whatever they hold is lost. (y/n)",
                            name);
    kd_act_confirm(app, "Build pool", msg, NULL, run_build, kd_strdup(name), free);
    free(msg);
}

static void act_refresh(kd_app *app, int argc, char **argv)
{
    pool_run(app, "pool-refresh", argc, argv, kd_storage_pool_refresh);
}

static void act_autostart(kd_app *app, int argc, char **argv)
{
    const char *verb = "pool-autostart";
    kd_storage_args a;
    const char *name = pool_arg(app, verb, true, argc, argv, &a);
    if (!name)
        return;
    kd_err err;
    kd_err_clear(&err);
    bool on = !a.disable;
    /* A key flips it; the palette sets it as virsh does (on, or off with --disable). */
    if (argc == 0) {
        kd_pool *p = kd_storage_pool_get(app->conn, name, &err);
        if (!p) {
            kd_app_status(app, true, "%s", err.msg);
            return;
        }
        on = !p->autostart;
        kd_storage_pools_free(p, 1);
    }
    char *what = kd_asprintf("%s %s%s", verb, name, on ? "" : " --disable");
    int rc = kd_storage_pool_set_autostart(app->conn, name, on, &err);
    kd_act_report(app, "", what, rc, &err);
    free(what);
    kd_pools_reload(app);
}

static void act_dumpxml(kd_app *app, int argc, char **argv)
{
    const char *verb = "pool-dumpxml";
    kd_storage_args a;
    const char *name = pool_arg(app, verb, false, argc, argv, &a);
    if (!name)
        return;
    kd_err err;
    kd_err_clear(&err);
    char *xml = kd_storage_pool_xml(app->conn, name, &err);
    if (!xml) {
        kd_app_status(app, true, "%s", err.msg);
        return;
    }
    char *title = kd_asprintf("pool-dumpxml %s", name);
    kd_pager_open(app, title, xml);
    free(title);
    free(xml);
}

/* ---- removal, confirmed ------------------------------------------------------------------- */

typedef struct {
    char *name;
    bool storage;
} remove_arg;

static void remove_arg_free(void *p)
{
    remove_arg *r = p;
    if (r)
        free(r->name);
    free(r);
}

static void run_remove(kd_app *app, void *opaque)
{
    remove_arg *r = opaque;
    const char *verb = r->storage ? "pool-delete" : "pool-undefine";
    kd_err err;
    kd_err_clear(&err);
    int rc = kd_storage_pool_remove(app->conn, r->name, r->storage, &err);
    char *what = kd_asprintf("%s %s", verb, r->name);
    kd_act_report(app, "", what, rc, &err);
    free(what);
    if (rc == 0 && kd_vols_pool(app) && strcmp(kd_vols_pool(app), r->name) == 0)
        kd_screen_close(app);
    kd_pools_reload(app);
}

static void ask_remove(kd_app *app, int argc, char **argv, bool storage)
{
    const char *verb = storage ? "pool-delete" : "pool-undefine";
    kd_storage_args a;
    const char *name = pool_arg(app, verb, true, argc, argv, &a);
    if (!name)
        return;
    remove_arg *r = kd_calloc(1, sizeof(*r));
    r->name = kd_strdup(name);
    r->storage = storage;
    char *msg = storage ? kd_asprintf("Stop pool '%s', DELETE ITS STORAGE (the directory and "
                                      "what is in it, the volume group, ...) and undefine it.\n"
                                      "Type the pool's name to confirm.",
                                      name)
                        : kd_asprintf("Stop and undefine pool '%s'? Its volumes stay where "
                                      "they are. (y/n)",
                                      name);
    kd_act_confirm(app, storage ? "Delete pool and storage" : "Undefine pool", msg,
                   storage ? name : NULL, run_remove, r, remove_arg_free);
    free(msg);
}

static void act_undefine(kd_app *app, int argc, char **argv)
{
    ask_remove(app, argc, argv, false);
}

static void act_delete(kd_app *app, int argc, char **argv)
{
    ask_remove(app, argc, argv, true);
}

/* ---- defining ----------------------------------------------------------------------------- */

static void define_from_args(kd_app *app, const char *verb, kd_storage_args *a, bool transient)
{
    kd_pool_spec s = {.name = a->pos[0],
                      .type = a->type       ? a->type
                              : a->npos > 1 ? a->pos[1]
                                            : "dir",
                      .target = a->target     ? a->target
                                : a->npos > 2 ? a->pos[2]
                                              : NULL,
                      .source_name = a->source_name,
                      .devices = a->devs,
                      .ndevices = a->ndevs,
                      .host = a->host,
                      .source_path = a->source_path,
                      .format = a->source_format ? a->source_format : a->format};
    unsigned flags = transient ? KD_POOL_DEFINE_TRANSIENT : 0;
    if (a->build && !a->no_build)
        flags |= KD_POOL_DEFINE_BUILD;
    if (a->start || transient)
        flags |= KD_POOL_DEFINE_START;
    if (a->autostart)
        flags |= KD_POOL_DEFINE_AUTOSTART;
    kd_err err;
    kd_err_clear(&err);
    int rc = kd_storage_pool_define(app->conn, &s, flags, &err);
    char *what = kd_asprintf("%s %s %s", verb, s.name, s.type);
    kd_act_report(app, "", what, rc, &err);
    free(what);
    if (rc == 0)
        kd_pools_select(app, s.name);
    kd_pools_reload(app);
}

static void define_pool(kd_app *app, int argc, char **argv, bool transient)
{
    const char *verb = transient ? "pool-create-as" : "pool-define-as";
    kd_storage_args a;
    if (kd_storage_refuse(app, verb, true) || kd_storage_args_parse(app, verb, argc, argv, &a) < 0)
        return;
    if (a.npos == 0)
        kd_pool_form_open(app, transient);
    else
        define_from_args(app, verb, &a, transient);
}

static void act_define(kd_app *app, int argc, char **argv)
{
    define_pool(app, argc, argv, false);
}

static void act_create(kd_app *app, int argc, char **argv)
{
    define_pool(app, argc, argv, true);
}

static void act_volumes(kd_app *app, int argc, char **argv)
{
    const char *verb = "vol-list";
    kd_storage_args a;
    if (kd_storage_refuse(app, verb, false) || kd_storage_args_parse(app, verb, argc, argv, &a) < 0)
        return;
    const char *name = kd_pools_target(app, a.npos ? a.pos[0] : a.pool, verb);
    if (name)
        kd_vols_open(app, name);
}

const kd_action kd_actions_storage[] = {
    {"view.pools", "pool-list", NULL, "Storage pools", act_open},
    {"pool.new", "pool-define-as",
     "[NAME TYPE [TARGET]] [--source-host H] [--source-path P] "
     "[--source-dev D]... [--source-name VG] [--source-format F] [--target T] [--build] [--start] "
     "[--autostart]",
     "Define a new storage pool (a form without arguments)", act_define},
    {"pool.create", "pool-create-as", "[NAME TYPE [TARGET]] [options as pool-define-as]",
     "Create and start a transient storage pool", act_create},
    {"pool.start", "pool-start", "[POOL]", "Start a storage pool", act_start},
    {"pool.stop", "pool-destroy", "[POOL]", "Stop a storage pool (its storage stays)", act_stop},
    {"pool.build", "pool-build", "[POOL]", "Build a pool's storage (mkdir, vgcreate...)",
     act_build},
    {"pool.refresh", "pool-refresh", "[POOL]", "Rescan a pool's volumes", act_refresh},
    {"pool.autostart", "pool-autostart", "[POOL] [--disable]",
     "Toggle (key) or set a pool's autostart", act_autostart},
    {"pool.undefine", "pool-undefine", "[POOL]", "Stop and undefine a pool, keeping its storage",
     act_undefine},
    {"pool.delete", "pool-delete", "[POOL]",
     "Stop a pool, delete its storage and undefine it (type the name)", act_delete},
    {"pool.dumpxml", "pool-dumpxml", "[POOL]", "Show a pool's XML", act_dumpxml},
    {"pool.volumes", "vol-list", "[POOL]", "Open the volumes of a pool", act_volumes},
    {"vol.create", "vol-create-as", "POOL NAME SIZE [--format F] [--backing-vol V]",
     "Create a volume (a form without arguments)", kd_act_vol_create},
    {"vol.resize", "vol-resize", "[VOL SIZE] [--pool P] [--shrink]", "Resize a volume",
     kd_act_vol_resize},
    {"vol.clone", "vol-clone", "[VOL NEWNAME] [--pool P]", "Copy a volume in its pool",
     kd_act_vol_clone},
    {"vol.delete", "vol-delete", "[VOL] [--pool P] [--force]",
     "Delete a volume (refused while a domain uses it, unless forced)", kd_act_vol_delete},
    {"vol.upload", "vol-upload", "[VOL FILE] [--pool P]", "Upload a local file into a volume",
     kd_act_vol_upload},
    {"vol.download", "vol-download", "[VOL FILE] [--pool P]",
     "Download a volume into a new local file", kd_act_vol_download},
    {"vol.dumpxml", "vol-dumpxml", "[VOL] [--pool P]", "Show a volume's XML", kd_act_vol_dumpxml},
    {"vol.refresh", NULL, NULL, "Rescan the shown pool and read its volumes again",
     kd_act_vol_refresh},
    {"vol.cancel", NULL, NULL, "Cancel the running uploads and downloads", kd_act_vol_cancel},
};
const size_t kd_actions_storage_count = sizeof(kd_actions_storage) / sizeof(kd_actions_storage[0]);

const char kd_keys_storage[] = "bind list P view.pools\n"
                               "\n"
                               "# storage pools\n"
                               "bind pools j cursor.down\n"
                               "bind pools Down cursor.down\n"
                               "bind pools k cursor.up\n"
                               "bind pools Up cursor.up\n"
                               "bind pools g cursor.top\n"
                               "bind pools Home cursor.top\n"
                               "bind pools G cursor.bottom\n"
                               "bind pools End cursor.bottom\n"
                               "bind pools NPage cursor.page_down\n"
                               "bind pools PPage cursor.page_up\n"
                               "bind pools q view.back\n"
                               "bind pools Esc view.back\n"
                               "bind pools Enter pool.volumes\n"
                               "bind pools n pool.new\n"
                               "bind pools N pool.create\n"
                               "bind pools s pool.start\n"
                               "bind pools D pool.stop\n"
                               "bind pools b pool.build\n"
                               "bind pools r pool.refresh\n"
                               "bind pools a pool.autostart\n"
                               "bind pools u pool.undefine\n"
                               "bind pools U pool.delete\n"
                               "bind pools x pool.dumpxml\n"
                               "\n"
                               "# the volumes of a pool\n"
                               "bind volumes j cursor.down\n"
                               "bind volumes Down cursor.down\n"
                               "bind volumes k cursor.up\n"
                               "bind volumes Up cursor.up\n"
                               "bind volumes g cursor.top\n"
                               "bind volumes Home cursor.top\n"
                               "bind volumes G cursor.bottom\n"
                               "bind volumes End cursor.bottom\n"
                               "bind volumes NPage cursor.page_down\n"
                               "bind volumes PPage cursor.page_up\n"
                               "bind volumes q view.back\n"
                               "bind volumes Esc view.back\n"
                               "bind volumes n vol.create\n"
                               "bind volumes r vol.resize\n"
                               "bind volumes c vol.clone\n"
                               "bind volumes d vol.delete\n"
                               "bind volumes u vol.upload\n"
                               "bind volumes w vol.download\n"
                               "bind volumes x vol.dumpxml\n"
                               "bind volumes R vol.refresh\n"
                               "bind volumes X vol.cancel\n";
