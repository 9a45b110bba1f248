/* Migrate one domain with kvmdeck's backend, as the UI does it: prepare on the loop thread,
 * the migration on a worker job, the progress polled from the loop. For tests/vm/migrate.sh.
 *
 *   migrate_run SRC_URI DOMAIN DEST_URI [virsh's migrate options...]
 *
 * Prints "progress ..." lines while libvirt reports a job, then "migrated" and exits 0, or
 * the error and exits 1. With KD_MIGRATE_CANCEL_AFTER_MS set, cancels the job that long after
 * the start (kd_job_cancel, as the X key does). */

#include "backend/conn.h"
#include "backend/job.h"
#include "backend/loop.h"
#include "backend/migrate.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    bool done;
    int result;
    kd_err err;
} outcome;

static void on_done(kd_job *job, int result, const kd_err *err, void *opaque)
{
    outcome *o = opaque;
    (void)job;
    o->done = true;
    o->result = result;
    o->err = *err;
}

static void on_tick(int timer, void *opaque)
{
    (void)timer;
    (void)opaque;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void report(kd_conn *src, const char *uuid, int *seen)
{
    kd_migrate_stats st;
    kd_err err;
    kd_err_clear(&err);
    if (kd_migrate_stats_get(src, uuid, &st, &err) < 0 || !st.active)
        return;
    ++*seen;
    printf("progress mem %llu/%llu remaining %llu dirty %llu/s data %llu/%llu elapsed %llu ms\n",
           st.mem_processed, st.mem_total, st.mem_remaining, st.dirty_rate, st.data_processed,
           st.data_total, st.elapsed_ms);
    fflush(stdout);
}

static int run(kd_conn *src, const char *uuid, kd_migrate_req *req)
{
    outcome out = {0};
    kd_err err;
    kd_err_clear(&err);
    kd_job *job = kd_job_start(src, "migrate", uuid, kd_migrate_job, req, kd_migrate_req_free,
                               on_done, &out, &err);
    if (!job) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const char *c = getenv("KD_MIGRATE_CANCEL_AFTER_MS");
    long long cancel_at = c ? now_ms() + atoll(c) : -1;
    int seen = 0;
    while (!out.done) {
        if (kd_loop_run_once(&err) < 0)
            break;
        if (out.done)
            break;
        report(src, uuid, &seen);
        if (cancel_at >= 0 && now_ms() >= cancel_at) {
            cancel_at = -1;
            if (kd_job_cancel(job, &err) < 0)
                fprintf(stderr, "cancel: %s\n", err.msg);
            else
                printf("cancel requested\n");
        }
    }
    printf("progress reports: %d\n", seen);
    if (out.result < 0) {
        fprintf(stderr, "%s\n", out.err.msg);
        return 1;
    }
    printf("migrated\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: migrate_run SRC_URI DOMAIN DEST_URI [options...]\n");
        return 2;
    }
    kd_err err;
    kd_err_clear(&err);
    kd_migrate_opts o;
    if (kd_loop_init(&err) < 0 || kd_loop_add_timer(100, on_tick, NULL, &err) < 0 ||
        kd_migrate_opts_parse(&o, argc - 3, argv + 3, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    kd_conn *src = kd_conn_open(argv[1], false, &err);
    const kd_domain *d = src ? kd_conn_domain_by_name(src, argv[2]) : NULL;
    int rc = 1;
    if (!d) {
        fprintf(stderr, "%s\n", src ? "no such domain on the source" : err.msg);
    } else {
        char uuid[37];
        memcpy(uuid, d->uuid, sizeof(uuid));
        kd_migrate_req *req = kd_migrate_prepare(src, uuid, &o, NULL, &err);
        if (!req)
            fprintf(stderr, "%s\n", err.msg);
        else
            rc = run(src, uuid, req);
    }
    kd_job_wait(NULL, true);
    kd_migrate_opts_clear(&o);
    kd_conn_free(src);
    return rc;
}
