#ifndef KD_UI_SNAPSHOT_UI_H
#define KD_UI_SNAPSHOT_UI_H

/* Between the snapshots screen (act_snapshot.c), its form (snapshot_form.c) and the jobs
 * that create and revert (snapshot_job.c). */

#include "backend/snapshot.h"
#include "core/err.h"

typedef struct kd_app kd_app;

/* Check p at once (-1 with err), then create the snapshot as a job; when it ends the
 * result is recorded, said and shown (snapshot_job.c). */
int kd_snap_ui_create(kd_app *app, const char *uuid, const kd_snap_params *p, kd_err *err);
/* Revert as a job, likewise. */
void kd_snap_ui_revert(kd_app *app, const char *uuid, const char *name);
/* After a change: the audit log, the status line, the domain's row and the screen. */
void kd_snap_ui_after(kd_app *app, const char *uuid, const char *name, const char *verb, int rc,
                      const kd_err *err);
/* Open the form for a new snapshot of the domain. */
void kd_snap_ui_form(kd_app *app, const char *uuid);

#endif
