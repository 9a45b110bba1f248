#include "backend/job.h"
#include "backend/loop.h"
#include "backend/storage.h"
#include "core/str.h"
#include "ui/act_common.h"
#include "ui/app.h"
#include "ui/storage_ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Storage work that takes as long as the bytes it moves: uploads, downloads and clones on
 * worker threads. Transfers are listed here so the volumes screen can draw their progress
 * and X can cancel them; libvirt has no job to ask for either. */

typedef struct {
    kd_vol_transfer *t;
    char *label;
} xfer;

static xfer *xfers;
static size_t nxfers;
static int redraw_timer = -1;

size_t kd_storage_xfer_count(void)
{
    return nxfers;
}

void kd_storage_xfer_get(size_t i, const char **label, unsigned long long *done,
                         unsigned long long *total)
{
    *label = xfers[i].label;
    kd_storage_transfer_progress(xfers[i].t, done, total);
}

static void on_redraw(int timer, void *opaque)
{
    kd_app *app = opaque;
    /* The bars are on the volumes screen; elsewhere only the status line shows the job. */
    if (app->view == KD_VIEW_SCREEN && kd_vols_pool(app))
        app->dirty_full = true;
    app->dirty_status = true;
}

/* Redraw the progress a few times a second while something moves, never otherwise. */
static void timer_update(kd_app *app)
{
    if (redraw_timer < 0 && nxfers) {
        kd_err err;
        kd_err_clear(&err);
        redraw_timer = kd_loop_add_timer(250, on_redraw, app, &err);
    } else if (redraw_timer >= 0 && !nxfers) {
        kd_loop_remove_timer(redraw_timer);
        redraw_timer = -1;
    }
}

static void xfer_remove(const kd_vol_transfer *t)
{
    for (size_t i = 0; i < nxfers; i++) {
        if (xfers[i].t == t) {
            free(xfers[i].label);
            xfers[i] = xfers[--nxfers];
            return;
        }
    }
}

/* The arg is freed here, not by the job, so that the transfer list drops it first. */
static kd_job *run_job(kd_app *app, const char *label, kd_ui_job_fn fn, void *arg,
                       kd_ui_job_after_fn after)
{
    return kd_ui_job_run(app, label, NULL, fn, arg, NULL, after);
}

/* X anywhere and quitting stop a transfer like the volumes screen's X does. */
static int cancel_xfer(void *arg, kd_err *err)
{
    kd_storage_transfer_cancel(arg);
    return 0;
}

static void after_xfer(kd_app *app, int rc, const kd_err *err, void *arg)
{
    kd_vol_transfer *t = arg;
    bool up = kd_storage_transfer_upload(t);
    char *what = kd_asprintf("%s %s %s --pool %s", up ? "vol-upload" : "vol-download",
                             kd_storage_transfer_vol(t), kd_storage_transfer_path(t),
                             kd_storage_transfer_pool(t));
    kd_act_report(app, "", what, rc, err);
    if (rc == 0) {
        unsigned long long done, total;
        kd_storage_transfer_progress(t, &done, &total);
        char size[24];
        kd_storage_fmt_bytes(size, sizeof(size), done);
        kd_app_status(app, false, "%s: done, %s%s", what, size,
                      kd_storage_transfer_was_sparse(t) ? " (holes kept)" : "");
    }
    free(what);
    xfer_remove(t);
    kd_storage_transfer_free(t);
    timer_update(app);
    kd_vols_reload(app);
    kd_pools_reload(app);
}

void kd_storage_xfer_start(kd_app *app, const char *pool, const char *vol, const char *path,
                           bool upload)
{
    const char *verb = upload ? "vol-upload" : "vol-download";
    if (kd_storage_refuse(app, verb, upload))
        return;
    if (!path || !*path) {
        kd_app_status(app, true, "%s: no local file given", verb);
        return;
    }
    kd_vol_transfer *t = kd_storage_transfer_new(pool, vol, path, upload);
    char *label = kd_asprintf("%s %s", verb, vol);
    xfers = kd_realloc(xfers, (nxfers + 1) * sizeof(*xfers));
    xfers[nxfers++] = (xfer){t, kd_strdup(label)};
    kd_job *job = run_job(app, label, kd_storage_transfer_run, t, after_xfer);
    if (job) {
        kd_job_set_cancel(job, cancel_xfer);
    } else {
        xfer_remove(t);
        kd_storage_transfer_free(t);
    }
    free(label);
    timer_update(app);
    app->dirty_full = true;
}

void kd_storage_xfer_cancel_all(kd_app *app)
{
    if (!nxfers) {
        kd_app_status(app, false, "no upload or download is running");
        return;
    }
    for (size_t i = 0; i < nxfers; i++)
        kd_storage_transfer_cancel(xfers[i].t);
    kd_app_status(app, false, "cancelling %zu transfer%s", nxfers, nxfers == 1 ? "" : "s");
}

int kd_storage_xfer_draw(kd_app *app, WINDOW *w, int y, int rows, int cols)
{
    int used = 0;
    for (size_t i = 0; i < nxfers && used < rows; i++, used++) {
        unsigned long long done, total;
        const char *label;
        kd_storage_xfer_get(i, &label, &done, &total);
        char d[24], t[24], line[160];
        kd_storage_fmt_bytes(d, sizeof(d), done);
        kd_storage_fmt_bytes(t, sizeof(t), total);
        unsigned pct = total ? (unsigned)((done > total ? total : done) * 100 / total) : 0;
        snprintf(line, sizeof(line), "%3u%% %s / %s  %s", pct, d, t, label);
        kd_storage_draw_bar(w, y + used, 1, 20, done, total);
        kd_draw_text(w, y + used, 22, cols - 23, line);
    }
    (void)app;
    return used;
}

/* ---- clone -------------------------------------------------------------------------------- */

typedef struct {
    char *pool, *vol, *new_name;
} clone_arg;

static void clone_free(clone_arg *c)
{
    free(c->pool);
    free(c->vol);
    free(c->new_name);
    free(c);
}

static int job_clone(kd_conn *conn, void *arg, kd_err *err)
{
    clone_arg *c = arg;
    return kd_storage_vol_clone(conn, c->pool, c->vol, c->new_name, err);
}

static void after_clone(kd_app *app, int rc, const kd_err *err, void *arg)
{
    clone_arg *c = arg;
    char *what = kd_asprintf("vol-clone %s %s --pool %s", c->vol, c->new_name, c->pool);
    kd_act_report(app, "", what, rc, err);
    free(what);
    clone_free(c);
    kd_vols_reload(app);
    kd_pools_reload(app);
}

void kd_storage_clone_start(kd_app *app, const char *pool, const char *vol, const char *new_name)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_storage_refuse(app, "vol-clone", true))
        return;
    /* Refuse a bad name now rather than after a thread has started. */
    if (kd_storage_check_name("vol-clone", new_name, &err) < 0) {
        kd_app_status(app, true, "%s", err.msg);
        return;
    }
    clone_arg *c = kd_calloc(1, sizeof(*c));
    c->pool = kd_strdup(pool);
    c->vol = kd_strdup(vol);
    c->new_name = kd_strdup(new_name);
    char *label = kd_asprintf("vol-clone %s", vol);
    if (!run_job(app, label, job_clone, c, after_clone))
        clone_free(c);
    free(label);
}
