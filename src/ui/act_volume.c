#include "backend/storage.h"
#include "core/str.h"
#include "ui/act_common.h"
#include "ui/app.h"
#include "ui/pager.h"
#include "ui/storage_ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

/* The volume verbs: from the palette with virsh's arguments, or from the volumes screen's
 * keys on the selected volume, asking for what is missing. */

typedef struct {
    char *pool;
    char *vol;
    char *path;
    unsigned long long size;
} vol_arg;

static void vol_arg_free(void *p)
{
    vol_arg *a = p;
    if (!a)
        return;
    free(a->pool);
    free(a->vol);
    free(a->path);
    free(a);
}

/* The volume an action is about: the palette's VOL (a name with --pool or the shown pool,
 * or a path), else the selected one. */
static vol_arg *target(kd_app *app, const char *verb, const kd_storage_args *a)
{
    vol_arg *v = kd_calloc(1, sizeof(*v));
    const kd_vol *sel = kd_vols_selected(app);
    kd_err err;
    kd_err_clear(&err);
    if (a->npos && a->pos[0][0] == '/' && !a->pool) {
        if (kd_storage_vol_locate(app->conn, a->pos[0], &v->pool, &v->vol, &err) < 0) {
            kd_app_status(app, true, "%s: %s", verb, err.msg);
            vol_arg_free(v);
            return NULL;
        }
    } else if (a->npos) {
        const char *pool = a->pool ? a->pool : kd_vols_pool(app);
        if (!pool) {
            kd_app_status(app, true, "%s %s: which pool? add --pool POOL", verb, a->pos[0]);
            vol_arg_free(v);
            return NULL;
        }
        v->pool = kd_strdup(pool);
        v->vol = kd_strdup(a->pos[0]);
    } else if (sel) {
        v->pool = kd_strdup(kd_vols_pool(app));
        v->vol = kd_strdup(sel->name);
        v->path = kd_strdup(sel->path);
    } else {
        kd_app_status(app, true,
                      "%s: name a volume (%s VOL --pool POOL), or choose one on "
                      "a pool's volumes screen",
                      verb, verb);
        vol_arg_free(v);
        return NULL;
    }
    return v;
}

static vol_arg *begin(kd_app *app, const char *verb, bool write, int argc, char **argv,
                      kd_storage_args *a)
{
    if (kd_storage_refuse(app, verb, write) || kd_storage_args_parse(app, verb, argc, argv, a) < 0)
        return NULL;
    return target(app, verb, a);
}

static void prompt(kd_app *app, const char *title, const char *msg, const char *initial,
                   kd_dialog_done_fn done, vol_arg *v)
{
    kd_dialog_spec spec = {.title = title,
                           .message = msg,
                           .initial = initial,
                           .done = done,
                           .opaque = v,
                           .opaque_free = vol_arg_free};
    kd_dialog_prompt(app, &spec);
}

static void finish(kd_app *app, const char *what, int rc, const kd_err *err)
{
    kd_act_report(app, "", what, rc, err);
    kd_vols_reload(app);
    kd_pools_reload(app);
}

/* ---- create ------------------------------------------------------------------------------- */

void kd_act_vol_create(kd_app *app, int argc, char **argv)
{
    const char *verb = "vol-create-as";
    kd_storage_args a;
    if (kd_storage_refuse(app, verb, true) || kd_storage_args_parse(app, verb, argc, argv, &a) < 0)
        return;
    if (a.npos == 0) {
        const char *pool = a.pool ? a.pool : kd_vols_pool(app);
        if (pool)
            kd_vol_form_open(app, pool);
        else
            kd_app_status(app, true, "%s POOL NAME SIZE [--format F] [--backing-vol V]", verb);
        return;
    }
    if (a.npos < 3 && !(a.npos == 2 && a.backing)) {
        kd_app_status(app, true, "%s POOL NAME SIZE [--format F] [--backing-vol V]", verb);
        return;
    }
    kd_err err;
    kd_err_clear(&err);
    unsigned long long size = 0;
    if (a.npos > 2 && kd_storage_parse_size(a.pos[2], &size, &err) < 0) {
        kd_app_status(app, true, "%s: %s", verb, err.msg);
        return;
    }
    kd_vol_spec s = {.name = a.pos[1], .capacity = size, .format = a.format, .backing = a.backing};
    int rc = kd_storage_vol_create(app->conn, a.pos[0], &s, NULL, &err);
    char *what = kd_asprintf("%s %s %s %s", verb, a.pos[0], a.pos[1], a.npos > 2 ? a.pos[2] : "");
    if (rc == 0)
        kd_vols_select(app, a.pos[1]);
    finish(app, what, rc, &err);
    free(what);
}

/* ---- resize ------------------------------------------------------------------------------- */

static void do_resize(kd_app *app, vol_arg *v, bool shrink)
{
    kd_err err;
    kd_err_clear(&err);
    int rc = kd_storage_vol_resize(app->conn, v->pool, v->vol, v->size, shrink, &err);
    char *what = kd_asprintf("vol-resize %s %llu --pool %s%s", v->vol, v->size, v->pool,
                             shrink ? " --shrink" : "");
    finish(app, what, rc, &err);
    free(what);
}

static void run_shrink(kd_app *app, void *opaque)
{
    do_resize(app, opaque, true);
}

/* From the palette, shrinking needs --shrink as in virsh; from the prompt, a question. */
static void resize_to(kd_app *app, vol_arg *v, const char *size_text, bool shrink_flag, bool ask)
{
    kd_err err;
    kd_err_clear(&err);
    kd_vol *cur = kd_storage_vol_get(app->conn, v->pool, v->vol, &err);
    if (!cur || kd_storage_parse_size(size_text, &v->size, &err) < 0) {
        kd_app_status(app, true, "vol-resize: %s", err.msg);
        kd_storage_vols_free(cur, 1);
        vol_arg_free(v);
        return;
    }
    bool smaller = v->size < cur->capacity;
    kd_storage_vols_free(cur, 1);
    if (!smaller || shrink_flag || !ask) {
        do_resize(app, v, shrink_flag);
        vol_arg_free(v);
        return;
    }
    char *msg = kd_asprintf("Shrink volume '%s' to %s? Whatever is stored past the new end is "
                            "lost. (y/n)",
                            v->vol, size_text);
    kd_act_confirm(app, "Shrink volume", msg, NULL, run_shrink, v, vol_arg_free);
    free(msg);
}

static void on_resize_size(kd_app *app, bool ok, const char *text, void *opaque)
{
    vol_arg *v = opaque;
    if (!ok || !*text)
        return;
    vol_arg *copy = kd_calloc(1, sizeof(*copy));
    copy->pool = kd_strdup(v->pool);
    copy->vol = kd_strdup(v->vol);
    resize_to(app, copy, text, false, true);
}

void kd_act_vol_resize(kd_app *app, int argc, char **argv)
{
    kd_storage_args a;
    vol_arg *v = begin(app, "vol-resize", true, argc, argv, &a);
    if (!v)
        return;
    if (a.npos >= 2) {
        resize_to(app, v, a.pos[1], a.shrink, false);
        return;
    }
    kd_err err;
    kd_err_clear(&err);
    kd_vol *cur = kd_storage_vol_get(app->conn, v->pool, v->vol, &err);
    if (!cur) {
        kd_app_status(app, true, "%s", err.msg);
        vol_arg_free(v);
        return;
    }
    char size[24];
    kd_storage_fmt_bytes(size, sizeof(size), cur->capacity);
    char *msg = kd_asprintf("New size of '%s' (now %s), e.g. 20G, 512M:", v->vol, size);
    kd_storage_vols_free(cur, 1);
    prompt(app, "Resize volume", msg, "", on_resize_size, v);
    free(msg);
}

/* ---- clone -------------------------------------------------------------------------------- */

static void on_clone_name(kd_app *app, bool ok, const char *text, void *opaque)
{
    vol_arg *v = opaque;
    if (ok && *text)
        kd_storage_clone_start(app, v->pool, v->vol, text);
}

void kd_act_vol_clone(kd_app *app, int argc, char **argv)
{
    kd_storage_args a;
    vol_arg *v = begin(app, "vol-clone", true, argc, argv, &a);
    if (!v)
        return;
    if (a.npos >= 2) {
        kd_storage_clone_start(app, v->pool, v->vol, a.pos[1]);
        vol_arg_free(v);
        return;
    }
    char *initial = kd_asprintf("%s-clone", v->vol);
    char *msg = kd_asprintf("Name of the copy of '%s' (in pool %s):", v->vol, v->pool);
    prompt(app, "Clone volume", msg, initial, on_clone_name, v);
    free(msg);
    free(initial);
}

/* ---- delete ------------------------------------------------------------------------------- */

static void do_delete(kd_app *app, vol_arg *v, bool force);

static void run_delete_anyway(kd_app *app, void *opaque)
{
    do_delete(app, opaque, true);
}

static void do_delete(kd_app *app, vol_arg *v, bool force)
{
    kd_err err;
    kd_err_clear(&err);
    int rc = kd_storage_vol_delete(app->conn, v->pool, v->vol, force, &err);
    char *users = NULL;
    if (rc < 0 && !force && err.code == KD_ERR_INVALID && v->path)
        users = kd_storage_path_users(app->conn, v->path, NULL);
    if (users && *users) {
        /* In use: say by whom, and ask once more, explicitly, by name. */
        char *msg = kd_asprintf("Volume '%s' is used by: %s.\nDeleting it breaks their disks. "
                                "Type the volume's name to delete it anyway.",
                                v->vol, users);
        vol_arg *copy = kd_calloc(1, sizeof(*copy));
        *copy = (vol_arg){kd_strdup(v->pool), kd_strdup(v->vol), kd_strdup(v->path), 0};
        kd_act_confirm(app, "Delete anyway?", msg, v->vol, run_delete_anyway, copy, vol_arg_free);
        kd_app_status(app, true, "%s", err.msg);
        free(msg);
        free(users);
        return;
    }
    free(users);
    char *what = kd_asprintf("vol-delete %s --pool %s%s", v->vol, v->pool, force ? " --force" : "");
    finish(app, what, rc, &err);
    free(what);
}

static void run_delete(kd_app *app, void *opaque)
{
    do_delete(app, opaque, false);
}

void kd_act_vol_delete(kd_app *app, int argc, char **argv)
{
    kd_storage_args a;
    vol_arg *v = begin(app, "vol-delete", true, argc, argv, &a);
    if (!v)
        return;
    if (!v->path) {
        kd_err err;
        kd_err_clear(&err);
        kd_vol *cur = kd_storage_vol_get(app->conn, v->pool, v->vol, &err);
        /* No question about a volume that is not there. */
        if (!cur && err.code == KD_ERR_NOTFOUND) {
            kd_app_status(app, true, "vol-delete: pool '%s' has no volume named '%s'", v->pool,
                          v->vol);
            vol_arg_free(v);
            return;
        }
        v->path = cur ? kd_strdup(cur->path) : NULL;
        kd_storage_vols_free(cur, 1);
    }
    if (a.force) {
        do_delete(app, v, true);
        vol_arg_free(v);
        return;
    }
    char *msg =
        kd_asprintf("Delete volume '%s' of pool %s? Its data is lost. (y/n)", v->vol, v->pool);
    kd_act_confirm(app, "Delete volume", msg, NULL, run_delete, v, vol_arg_free);
    free(msg);
}

/* ---- upload, download, XML ---------------------------------------------------------------- */

/* What is wrong with a local file before a transfer starts, or NULL. */
static const char *local_problem(const char *path, bool upload, char *buf, size_t n)
{
    struct stat st;
    if (upload) {
        if (stat(path, &st) < 0 || access(path, R_OK) < 0)
            snprintf(buf, n, "%s: %s", path, strerror(errno));
        else if (S_ISDIR(st.st_mode))
            snprintf(buf, n, "%s is a directory: name a file", path);
        else
            return NULL;
        return buf;
    }
    if (lstat(path, &st) == 0) {
        snprintf(buf, n, "%s exists: kvmdeck does not overwrite it", path);
        return buf;
    }
    char *dir = kd_strdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    const char *d = slash ? dir : ".";
    const char *why = access(d, W_OK) < 0 ? strerror(errno) : NULL;
    if (why)
        snprintf(buf, n, "cannot write in %s: %s", d, why);
    free(dir);
    return why ? buf : NULL;
}

static void transfer_prompt(kd_app *app, vol_arg *v, const char *initial, bool upload);

static void on_file(kd_app *app, bool ok, const char *text, void *opaque, bool upload)
{
    vol_arg *v = opaque;
    if (!ok || !*text)
        return;
    char buf[512];
    const char *problem = local_problem(text, upload, buf, sizeof(buf));
    if (!problem) {
        kd_storage_xfer_start(app, v->pool, v->vol, text, upload);
        return;
    }
    /* Asked again with what was typed, so one wrong letter costs one key. */
    vol_arg *again = kd_calloc(1, sizeof(*again));
    again->pool = kd_strdup(v->pool);
    again->vol = kd_strdup(v->vol);
    transfer_prompt(app, again, text, upload);
    kd_app_status(app, true, "%s: %s", upload ? "vol-upload" : "vol-download", problem);
}

static void on_upload_file(kd_app *app, bool ok, const char *text, void *opaque)
{
    on_file(app, ok, text, opaque, true);
}

static void on_download_file(kd_app *app, bool ok, const char *text, void *opaque)
{
    on_file(app, ok, text, opaque, false);
}

static void transfer_prompt(kd_app *app, vol_arg *v, const char *initial, bool upload)
{
    char *msg = upload ? kd_asprintf("Local file to write into volume '%s' (it overwrites the "
                                     "volume's data):",
                                     v->vol)
                       : kd_asprintf("New local file to save volume '%s' in:", v->vol);
    prompt(app, upload ? "Upload into volume" : "Download volume", msg, initial,
           upload ? on_upload_file : on_download_file, v);
    free(msg);
}

static void transfer(kd_app *app, int argc, char **argv, bool upload)
{
    const char *verb = upload ? "vol-upload" : "vol-download";
    kd_storage_args a;
    vol_arg *v = begin(app, verb, upload, argc, argv, &a);
    if (!v)
        return;
    if (a.npos >= 2) {
        kd_storage_xfer_start(app, v->pool, v->vol, a.pos[1], upload);
        vol_arg_free(v);
        return;
    }
    char cwd[4096];
    const char *dir = getcwd(cwd, sizeof(cwd)) ? cwd : "/tmp";
    char *initial = upload ? kd_asprintf("%s/", dir) : kd_asprintf("%s/%s", dir, v->vol);
    transfer_prompt(app, v, initial, upload);
    free(initial);
}

void kd_act_vol_upload(kd_app *app, int argc, char **argv)
{
    transfer(app, argc, argv, true);
}

void kd_act_vol_download(kd_app *app, int argc, char **argv)
{
    transfer(app, argc, argv, false);
}

void kd_act_vol_dumpxml(kd_app *app, int argc, char **argv)
{
    kd_storage_args a;
    vol_arg *v = begin(app, "vol-dumpxml", false, argc, argv, &a);
    if (!v)
        return;
    kd_err err;
    kd_err_clear(&err);
    char *xml = kd_storage_vol_xml(app->conn, v->pool, v->vol, &err);
    if (xml) {
        char *title = kd_asprintf("vol-dumpxml %s --pool %s", v->vol, v->pool);
        kd_pager_open(app, title, xml);
        free(title);
    } else {
        kd_app_status(app, true, "%s", err.msg);
    }
    free(xml);
    vol_arg_free(v);
}

void kd_act_vol_refresh(kd_app *app, int argc, char **argv)
{
    const char *pool = kd_vols_pool(app);
    if (!pool || kd_storage_refuse(app, "pool-refresh", true)) {
        if (!pool)
            kd_app_status(app, true, "pool-refresh: no pool's volumes are shown");
        return;
    }
    char *name = kd_strdup(pool);
    kd_err err;
    kd_err_clear(&err);
    int rc = kd_storage_pool_refresh(app->conn, name, &err);
    char *what = kd_asprintf("pool-refresh %s", name);
    finish(app, what, rc, &err);
    free(what);
    free(name);
}

void kd_act_vol_cancel(kd_app *app, int argc, char **argv)
{
    kd_storage_xfer_cancel_all(app);
}
