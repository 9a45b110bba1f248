#include "backend/job.h"
#include "backend/loop.h"
#include "core/str.h"
#include "ui/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The UI's view of jobs on worker threads: what to say in the status line while they
 * run, and what to do on the loop when one is done. */

struct kd_ui_job {
    kd_ui_job *next;
    kd_app *app;
    kd_job *job;
    char *label;
    kd_ui_job_after_fn after;
    void *arg;
};

static void unlink_job(kd_app *app, kd_ui_job *uj)
{
    for (kd_ui_job **p = &app->jobs; *p; p = &(*p)->next) {
        if (*p == uj) {
            *p = uj->next;
            return;
        }
    }
}

static void on_done(kd_job *job, int result, const kd_err *err, void *opaque)
{
    kd_ui_job *uj = opaque;
    kd_app *app = uj->app;
    (void)job;
    unlink_job(app, uj);
    if (uj->after)
        uj->after(app, result, err, uj->arg);
    free(uj->label);
    free(uj);
    app->dirty_status = true;
}

kd_job *kd_ui_job_run(kd_app *app, const char *label, const char *uuid, kd_ui_job_fn fn, void *arg,
                      void (*arg_free)(void *), kd_ui_job_after_fn after)
{
    kd_err err;
    kd_err_clear(&err);
    kd_ui_job *uj = kd_calloc(1, sizeof(*uj));
    uj->app = app;
    uj->label = kd_strdup(label);
    uj->after = after;
    uj->arg = arg;
    uj->job = kd_job_start(app->conn, label, uuid, fn, arg, arg_free, on_done, uj, &err);
    if (!uj->job) {
        /* kd_job_start has freed arg already. */
        kd_app_status(app, true, "%s: %s", label, err.msg);
        free(uj->label);
        free(uj);
        return NULL;
    }
    uj->next = app->jobs;
    app->jobs = uj;
    kd_loop_update_timer(app->tick_timer, 1000);
    kd_app_status(app, false, "%s: started", label);
    return uj->job;
}

size_t kd_ui_job_status(kd_app *app, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (kd_ui_job *uj = app->jobs; uj && used < n; uj = uj->next) {
        kd_job_progress p;
        char pct[16] = "";
        if (kd_job_get_progress(uj->job, &p, NULL) == 0 && p.known && p.total > 0)
            snprintf(pct, sizeof(pct), " %llu%%", p.processed * 100 / p.total);
        int w = snprintf(buf + used, n - used, "%s%s%s...", used ? ", " : "", uj->label, pct);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (app->jobs && used < n)
        snprintf(buf + used, n - used, "  (X cancels)");
    return used;
}

void kd_ui_job_cancel_all(kd_app *app)
{
    for (kd_ui_job *uj = app->jobs; uj; uj = uj->next) {
        kd_err err;
        kd_err_clear(&err);
        if (kd_job_cancel(uj->job, &err) < 0)
            kd_app_status(app, true, "%s", err.msg);
        else
            kd_app_status(app, false, "cancelling %s", uj->label);
    }
}

void kd_ui_jobs_free(kd_app *app)
{
    /* Jobs still running when the program ends: their threads finish on their own and
     * nobody is left to hear the result; the records go. */
    while (app->jobs) {
        kd_ui_job *uj = app->jobs;
        app->jobs = uj->next;
        free(uj->label);
        free(uj);
    }
}
