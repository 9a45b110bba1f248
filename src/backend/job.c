#include "backend/job.h"
#include "backend/conn_priv.h"
#include "backend/loop.h"
#include "backend/virt.h"
#include "core/str.h"

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A worker touches only its own job's result and err, then writes the job's id to the pipe
 * and exits; everything else here belongs to the loop thread. Ids, not pointers, go through
 * the pipe, so a stale message can never reach freed memory. */
struct kd_job {
    uint64_t id;
    kd_conn *conn;
    /* Our own reference: a connection that drops, or is replaced by a reconnect, stays a
     * valid object until the worker's libvirt call has failed on it. */
    virConnectPtr vc;
    char *label;
    char uuid[37];
    bool has_uuid;
    kd_job_fn fn;
    void *arg;
    void (*arg_free)(void *);
    kd_job_done_fn done;
    void *opaque;
    int (*cancel)(void *arg, kd_err *err);
    pthread_t thread;
    int wfd;
    int result; /* written by the worker */
    kd_err err; /* written by the worker */
    kd_job *next;
};

static kd_job *jobs; /* started, and not yet reported to their done callback */
static size_t njobs;
static uint64_t last_id;
static size_t reported; /* done callbacks run so far, for kd_job_wait's count */
static int pipe_fds[2] = {-1, -1};
static int watch = -1;

/* ---- the worker ------------------------------------------------------------------------- */

static void *worker(void *opaque)
{
    kd_job *j = opaque;
    uint64_t id = j->id;
    int wfd = j->wfd;
    kd_err_clear(&j->err);
    j->result = j->fn(j->conn, j->arg, &j->err);
    /* A function that failed without a word still leaves the user something to read. */
    if (j->result < 0 && j->err.code == KD_ERR_NONE) {
        if (virGetLastError())
            kd_virt_err(&j->err, KD_ERR_LIBVIRT, "%s", j->label);
        else
            kd_err_set(&j->err, KD_ERR_LIBVIRT, "%s failed, giving no reason", j->label);
    }
    /* From here on the loop may free j. An 8-byte write to a pipe is atomic. */
    ssize_t n;
    do
        n = write(wfd, &id, sizeof(id));
    while (n < 0 && errno == EINTR);
    return NULL;
}

/* ---- reporting on the loop -------------------------------------------------------------- */

static void job_free(kd_job *j)
{
    if (j->arg_free)
        j->arg_free(j->arg);
    if (j->vc)
        virConnectClose(j->vc);
    free(j->label);
    free(j);
}

static kd_job *unlink_job(uint64_t id)
{
    for (kd_job **p = &jobs; *p; p = &(*p)->next) {
        if ((*p)->id == id) {
            kd_job *j = *p;
            *p = j->next;
            njobs--;
            return j;
        }
    }
    return NULL;
}

/* The job leaves the list before its callback runs, so kd_job_count() there counts the
 * others, and a callback may start new jobs or wait for them. */
static void finish(uint64_t id)
{
    kd_job *j = unlink_job(id);
    if (!j)
        return;
    pthread_join(j->thread, NULL);
    reported++;
    if (j->done)
        j->done(j, j->result, &j->err, j->opaque);
    job_free(j);
}

/* One id per read: an id read is finished before the next is taken, so a callback that
 * waits for jobs can never wait for one held in a caller's buffer. */
static int read_one(uint64_t *id)
{
    ssize_t n;
    do
        n = read(pipe_fds[0], id, sizeof(*id));
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof(*id) ? 0 : -1;
}

static void on_pipe(int w, int fd, int events, void *opaque)
{
    (void)w;
    (void)fd;
    (void)events;
    (void)opaque;
    uint64_t id;
    while (pipe_fds[0] >= 0 && read_one(&id) == 0)
        finish(id);
}

static int pipe_open(kd_err *err)
{
    if (watch >= 0)
        return 0;
    if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
        kd_err_set(err, KD_ERR_IO, "creating the job pipe: %s", strerror(errno));
        return -1;
    }
    /* Non-blocking for the loop only; a worker may block on a full pipe, which is fine. */
    fcntl(pipe_fds[0], F_SETFL, fcntl(pipe_fds[0], F_GETFL) | O_NONBLOCK);
    watch = kd_loop_add_handle(pipe_fds[0], KD_LOOP_READ, on_pipe, NULL, err);
    if (watch < 0) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        pipe_fds[0] = pipe_fds[1] = -1;
        return -1;
    }
    return 0;
}

static void pipe_close(void)
{
    if (watch < 0)
        return;
    kd_loop_remove_handle(watch);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    pipe_fds[0] = pipe_fds[1] = -1;
    watch = -1;
}

/* ---- the API ---------------------------------------------------------------------------- */

static kd_job *job_new(kd_conn *conn, virConnectPtr vc, const char *label, const char *uuid)
{
    kd_job *j = kd_calloc(1, sizeof(*j));
    j->id = ++last_id;
    j->conn = conn;
    j->vc = vc;
    virConnectRef(vc);
    j->label = kd_strdup(label);
    if (uuid) {
        snprintf(j->uuid, sizeof(j->uuid), "%s", uuid);
        j->has_uuid = true;
    }
    j->wfd = pipe_fds[1];
    return j;
}

static int spawn(kd_job *j, kd_err *err)
{
    /* Signals belong to the loop thread (SIGWINCH's self-pipe, SIGINT): workers block all. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&j->thread, NULL, worker, j);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        kd_err_set(err, KD_ERR_IO, "%s: cannot start a thread: %s", j->label, strerror(rc));
    return rc == 0 ? 0 : -1;
}

kd_job *kd_job_start(kd_conn *conn, const char *label, const char *uuid, kd_job_fn fn, void *arg,
                     void (*arg_free)(void *), kd_job_done_fn done, void *opaque, kd_err *err)
{
    if (!label || kd_str_empty(label))
        label = "job";
    virConnectPtr vc = conn ? kd_conn_virt(conn) : NULL;
    if (!fn || (uuid && strlen(uuid) != 36)) {
        kd_err_set(err, KD_ERR_INVALID, "%s: no function or a malformed UUID", label);
    } else if (!vc) {
        kd_err_set(err, KD_ERR_CONNECT, "%s: not connected", label);
    } else if (pipe_open(err) == 0) {
        /* libxml2 wants its globals set up by one thread before others parse. */
        xmlInitParser();
        kd_job *j = job_new(conn, vc, label, uuid);
        j->fn = fn;
        j->arg = arg;
        j->arg_free = arg_free;
        j->done = done;
        j->opaque = opaque;
        if (spawn(j, err) < 0) {
            job_free(j);
            return NULL;
        }
        j->next = jobs;
        jobs = j;
        njobs++;
        return j;
    }
    if (arg_free)
        arg_free(arg);
    return NULL;
}

const char *kd_job_label(const kd_job *job)
{
    return job->label;
}

static void fill_progress(const virDomainJobInfo *info, kd_job_progress *out)
{
    if (info->type == VIR_DOMAIN_JOB_NONE)
        return;
    out->known = true;
    if (info->dataTotal) {
        out->processed = info->dataProcessed;
        out->total = info->dataTotal;
    } else if (info->memTotal) {
        out->processed = info->memProcessed;
        out->total = info->memTotal;
    } else {
        out->processed = info->fileProcessed;
        out->total = info->fileTotal;
    }
}

int kd_job_get_progress(kd_job *job, kd_job_progress *out, kd_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!job->has_uuid)
        return 0;
    virDomainPtr dom = kd_conn_lookup(job->conn, job->uuid, err);
    if (!dom)
        return -1;
    virDomainJobInfo info;
    int rc = virDomainGetJobInfo(dom, &info);
    if (rc == 0) {
        fill_progress(&info, out);
    } else {
        virErrorPtr e = virGetLastError();
        /* A driver without domain jobs (the test driver) simply has no progress to give. */
        if (e && e->code == VIR_ERR_NO_SUPPORT)
            rc = 0;
        else
            kd_virt_err(err, KD_ERR_LIBVIRT, "progress of %s", job->label);
        virResetLastError();
    }
    virDomainFree(dom);
    return rc < 0 ? -1 : 0;
}

void kd_job_set_cancel(kd_job *job, int (*cancel)(void *arg, kd_err *err))
{
    job->cancel = cancel;
}

int kd_job_cancel(kd_job *job, kd_err *err)
{
    if (job->cancel)
        return job->cancel(job->arg, err);
    if (!job->has_uuid) {
        kd_err_set(err, KD_ERR_INVALID,
                   "cancel %s: it is not a libvirt domain job, so it "
                   "cannot be cancelled",
                   job->label);
        return -1;
    }
    char what[256];
    snprintf(what, sizeof(what), "cancel %s", job->label);
    if (kd_conn_check_writable(job->conn, what, err) < 0)
        return -1;
    virDomainPtr dom = kd_conn_lookup(job->conn, job->uuid, err);
    if (!dom)
        return -1;
    char *name = kd_strdup(virDomainGetName(dom));
    int rc = virDomainAbortJob(dom);
    if (rc < 0) {
        virErrorPtr e = virGetLastError();
        if (e && (e->code == VIR_ERR_NO_SUPPORT || e->code == VIR_ERR_OPERATION_INVALID))
            kd_err_set(err, KD_ERR_INVALID, "%s: %s has no job libvirt can abort (%s)", what, name,
                       e->message ? e->message : "no detail");
        else
            kd_virt_err(err, KD_ERR_LIBVIRT, "%s", what);
    }
    free(name);
    virDomainFree(dom);
    return rc < 0 ? -1 : 0;
}

size_t kd_job_count(void)
{
    return njobs;
}

static kd_job *first_of(const kd_conn *conn)
{
    for (kd_job *j = jobs; j; j = j->next)
        if (!conn || j->conn == conn)
            return j;
    return NULL;
}

/* Best effort: a job without a libvirt counterpart just runs to its end. */
static void abort_quietly(kd_job *j)
{
    if (j->cancel) {
        j->cancel(j->arg, NULL);
        return;
    }
    if (!j->has_uuid)
        return;
    virDomainPtr dom = virDomainLookupByUUIDString(j->vc, j->uuid);
    if (dom) {
        virDomainAbortJob(dom);
        virDomainFree(dom);
    }
    virResetLastError();
}

/* Block until the job with this id has reported, reporting every other one that comes
 * through the pipe first. */
static void wait_for_id(uint64_t want)
{
    for (;;) {
        uint64_t id;
        if (read_one(&id) == 0) {
            finish(id);
            if (id == want)
                return;
            continue;
        }
        struct pollfd p = {.fd = pipe_fds[0], .events = POLLIN};
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            return;
    }
}

size_t kd_job_wait(kd_conn *conn, bool abort)
{
    size_t before = reported;
    if (abort) {
        for (kd_job *j = jobs; j; j = j->next)
            if (!conn || j->conn == conn)
                abort_quietly(j);
    }
    kd_job *j;
    while ((j = first_of(conn)))
        wait_for_id(j->id);
    if (!conn && !jobs)
        pipe_close();
    return reported - before;
}
