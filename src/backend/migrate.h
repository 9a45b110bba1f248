#ifndef KD_BACKEND_MIGRATE_H
#define KD_BACKEND_MIGRATE_H

/* Moving a domain to another libvirt host. The request is prepared on the loop thread
 * (checks, the destination connection), run on a worker (kd_job_start with
 * kd_migrate_job), watched from the loop with kd_migrate_stats_get on the source, and
 * cancelled with kd_job_cancel (virDomainAbortJob on the source). */

#include "backend/conn.h"
#include "core/err.h"

#include <stdbool.h>

typedef struct {
    char *dest_uri;          /* the destination host's libvirt URI */
    char *migrate_uri;       /* where the data goes (tcp://10.0.0.2), NULL: libvirt's pick */
    unsigned long bandwidth; /* MiB/s, 0: no limit */
    bool live;               /* keep the guest running while its memory is copied */
    bool offline;            /* only the definition moves; the domain must be shut off */
    bool persistent;         /* define the domain on the destination */
    bool undefine_source;    /* forget the definition on the source afterwards */
    bool copy_storage;       /* copy the disks too (non-shared storage) */
    bool p2p;                /* the source libvirtd connects to the destination itself */
} kd_migrate_opts;

void kd_migrate_opts_clear(kd_migrate_opts *o);

/* Fill o from virsh's words: "URI [--live] [--offline] [--persistent] [--undefinesource]
 * [--copy-storage-all] [--p2p] [--migrateuri URI] [--bandwidth MiB]", in any order. o is
 * cleared first; on failure it is left empty. */
int kd_migrate_opts_parse(kd_migrate_opts *o, int argc, char **argv, kd_err *err);

/* The virDomainMigrate flags the options stand for. */
unsigned kd_migrate_flags(const kd_migrate_opts *o);

/* Check the options against themselves and against the domain's state (running or not),
 * without asking libvirt: a message in words for each thing that cannot work. */
int kd_migrate_validate(const kd_migrate_opts *o, bool domain_active, kd_err *err);

typedef struct kd_migrate_req kd_migrate_req;

/* On the loop thread: validate, refuse a destination that is the source host itself, and
 * hold what the worker needs. dest is an open connection to o->dest_uri, or NULL: then the
 * destination is opened here without credentials (peer-to-peer needs none from us). */
kd_migrate_req *kd_migrate_prepare(kd_conn *src, const char *uuid, const kd_migrate_opts *o,
                                   kd_conn *dest, kd_err *err);
void kd_migrate_req_free(void *req);
/* The worker's function (a kd_job_fn whose arg is a kd_migrate_req). Blocks until libvirt
 * has finished; errors are explained (unreachable destination, same host, CPU, storage,
 * credentials, cancelled). */
int kd_migrate_job(kd_conn *src, void *req, kd_err *err);

typedef struct {
    bool active; /* a job runs on the domain */
    unsigned long long elapsed_ms;
    unsigned long long mem_total, mem_processed, mem_remaining; /* bytes */
    unsigned long long data_total, data_processed, data_remaining;
    unsigned long long dirty_rate; /* bytes per second, 0 when unknown */
    unsigned long long bps;        /* transfer speed, bytes per second */
    unsigned long long iteration;  /* passes over memory so far */
} kd_migrate_stats;

/* On the loop thread, on the source: how far the domain's job is (virDomainGetJobStats).
 * A driver without job statistics gives active false and returns 0. */
int kd_migrate_stats_get(kd_conn *src, const char *uuid, kd_migrate_stats *out, kd_err *err);

#endif
