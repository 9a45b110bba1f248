#include "core/str.h"
#include "ui/app.h"
#include "ui/snapshot_ui.h"

#include <stdlib.h>
#include <string.h>

/* Creating and reverting run on a worker thread: with the memory of a running guest
 * they take as long as writing or reading that memory. */

typedef struct {
    char uuid[37];
    char *name;
    char *description;
    char *memory_file;
    bool memory;
    kd_snap_disk *disks; /* strings owned */
    size_t ndisks;
} snap_job;

static void snap_job_free(void *p)
{
    snap_job *j = p;
    for (size_t i = 0; i < j->ndisks; i++) {
        free((char *)j->disks[i].target);
        free((char *)j->disks[i].file);
    }
    free(j->disks);
    free(j->name);
    free(j->description);
    free(j->memory_file);
    free(j);
}

static char *dup_or_null(const char *s)
{
    return s ? kd_strdup(s) : NULL;
}

static snap_job *job_new(const char *uuid, const kd_snap_params *p)
{
    snap_job *j = kd_calloc(1, sizeof(*j));
    memcpy(j->uuid, uuid, sizeof(j->uuid));
    j->name = kd_strdup(p->name);
    j->description = dup_or_null(p->description);
    j->memory_file = dup_or_null(p->memory_file);
    j->memory = p->memory;
    j->disks = kd_calloc(p->ndisks ? p->ndisks : 1, sizeof(*j->disks));
    for (size_t i = 0; i < p->ndisks; i++)
        j->disks[i] = (kd_snap_disk){kd_strdup(p->disks[i].target), p->disks[i].mode,
                                     dup_or_null(p->disks[i].file)};
    j->ndisks = p->ndisks;
    return j;
}

static int job_create(kd_conn *conn, void *arg, kd_err *err)
{
    snap_job *j = arg;
    kd_snap_params p = {j->name, j->description, j->memory, j->memory_file, j->disks, j->ndisks};
    return kd_snap_create(conn, j->uuid, &p, err);
}

static void after_create(kd_app *app, int rc, const kd_err *err, void *arg)
{
    snap_job *j = arg;
    kd_snap_ui_after(app, j->uuid, j->name, "snapshot-create-as", rc, err);
}

int kd_snap_ui_create(kd_app *app, const char *uuid, const kd_snap_params *p, kd_err *err)
{
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, uuid);
    if (!d) {
        kd_err_set(err, KD_ERR_NOTFOUND, "the domain is gone");
        return -1;
    }
    if (kd_conn_readonly(app->conn)) {
        kd_err_set(err, KD_ERR_READONLY, "the connection is read-only (-r)");
        return -1;
    }
    /* What can be checked at once is, so that a form can keep its answers. */
    bool active = d->state != KD_DOM_SHUTOFF && d->state != KD_DOM_CRASHED;
    char *xml = kd_snap_build_xml(p, active, err);
    if (!xml)
        return -1;
    free(xml);
    size_t n = 0;
    kd_err lerr;
    kd_err_clear(&lerr);
    kd_snapshot *v = kd_snap_list(app->conn, uuid, &n, &lerr);
    bool taken = v && kd_snap_find(v, n, p->name);
    kd_snap_list_free(v, n);
    if (taken) {
        kd_err_set(err, KD_ERR_INVALID, "a snapshot named '%s' exists already", p->name);
        return -1;
    }
    char *label = kd_asprintf("snapshot %s of %s", p->name, d->name);
    kd_ui_job_run(app, label, uuid, job_create, job_new(uuid, p), snap_job_free, after_create);
    free(label);
    return 0;
}

static int job_revert(kd_conn *conn, void *arg, kd_err *err)
{
    snap_job *j = arg;
    return kd_snap_revert(conn, j->uuid, j->name, err);
}

static void after_revert(kd_app *app, int rc, const kd_err *err, void *arg)
{
    snap_job *j = arg;
    kd_snap_ui_after(app, j->uuid, j->name, "snapshot-revert", rc, err);
}

void kd_snap_ui_revert(kd_app *app, const char *uuid, const char *name)
{
    kd_snap_params p = {.name = name};
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, uuid);
    char *label = kd_asprintf("revert %s to %s", d ? d->name : uuid, name);
    kd_ui_job_run(app, label, uuid, job_revert, job_new(uuid, &p), snap_job_free, after_revert);
    free(label);
}
