#ifndef KD_BACKEND_JOB_H
#define KD_BACKEND_JOB_H

/* Calls that can take seconds run on a worker thread; the result comes back to the one
 * event loop through a pipe handle, where the done callback runs. Everything here is called
 * on the loop thread.
 *
 * The contract at the edges:
 * - Every started job's done callback runs exactly once, on the loop thread, and the job
 *   and its arg are freed right after it returns.
 * - A job keeps its own reference on the libvirt connection: when the connection drops (or
 *   is replaced by a reconnect) under a running job, its libvirt calls fail with libvirt's
 *   error and the done callback reports it; nothing is used after it is freed.
 * - The kd_conn itself must outlive its jobs: before kd_conn_free, call
 *   kd_job_wait(conn, ...), which runs the remaining done callbacks before it returns.
 *   Quitting is kd_job_wait(NULL, true). */

#include "backend/conn.h"
#include "core/err.h"

#include <stdbool.h>

typedef struct kd_job kd_job;

/* Runs on the worker thread: no curses, no touching the domain table. */
typedef int (*kd_job_fn)(kd_conn *conn, void *arg, kd_err *err);
/* Runs on the loop when the job has finished; the job is freed after it returns. */
typedef void (*kd_job_done_fn)(kd_job *job, int result, const kd_err *err, void *opaque);

typedef struct {
    unsigned long long processed; /* bytes (or units) done, as libvirt reports */
    unsigned long long total;     /* 0 when unknown */
    bool known;                   /* false when libvirt has no progress for this job */
} kd_job_progress;

/* uuid (may be NULL) names the domain whose libvirt job gives progress and can be
 * aborted. arg is freed with arg_free after the job is done. On failure (NULL, err filled)
 * arg is freed at once and done is never called. */
kd_job *kd_job_start(kd_conn *conn, const char *label, const char *uuid, kd_job_fn fn, void *arg,
                     void (*arg_free)(void *), kd_job_done_fn done, void *opaque, kd_err *err);
const char *kd_job_label(const kd_job *job);
/* Ask libvirt (virDomainGetJobInfo) how far the job is. */
int kd_job_get_progress(kd_job *job, kd_job_progress *out, kd_err *err);
/* A job that is not a libvirt domain job can say how to stop it: cancel runs on the loop
 * thread with the job's arg (err may be NULL) and must make the worker return soon, e.g. by
 * setting a flag the worker reads or aborting its stream. */
void kd_job_set_cancel(kd_job *job, int (*cancel)(void *arg, kd_err *err));
/* The job's cancel hook, else virDomainAbortJob; the done callback still runs, with the
 * job's error. */
int kd_job_cancel(kd_job *job, kd_err *err);
/* Jobs whose done callback has not run yet (for the status line and for quitting); inside
 * a done callback its own job is no longer counted. */
size_t kd_job_count(void);
/* Block until every job of conn (every job, when conn is NULL) has finished, running their
 * done callbacks on the calling thread; with abort, first ask libvirt to abort their
 * domain jobs. With conn NULL the job pipe is released too. Returns how many done
 * callbacks ran. */
size_t kd_job_wait(kd_conn *conn, bool abort);

#endif
