#ifndef KD_BACKEND_SNAPSHOT_H
#define KD_BACKEND_SNAPSHOT_H

/* A domain's snapshots: the tree as libvirt keeps it, creating (internal or external per
 * disk, with or without the memory state), reverting, deleting with the checks that keep
 * data another snapshot needs. Domains are named by UUID, snapshots by name. */

#include "backend/conn.h"
#include "backend/domain.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *name;
    char *parent;      /* "" for a root */
    char *description; /* "" when none */
    char *state;       /* the domain's state then: running, paused, shutoff, disk-snapshot */
    long long created; /* seconds since the epoch */
    bool current;
    bool memory;   /* the memory state was kept (internal or external) */
    bool external; /* the memory or a disk lives in a file of its own */
    char *disks;   /* "vda internal, vdb external /var/lib/x.qcow2", or "" */
    int depth;     /* 0 for a root */
    size_t nchildren;
} kd_snapshot;

/* Every snapshot of the domain in tree order (depth first, each level oldest first). */
kd_snapshot *kd_snap_list(kd_conn *conn, const char *uuid, size_t *n, kd_err *err);
void kd_snap_list_free(kd_snapshot *v, size_t n);
/* The snapshot named name in v, or NULL. */
const kd_snapshot *kd_snap_find(const kd_snapshot *v, size_t n, const char *name);

typedef enum {
    KD_SNAP_DISK_DEFAULT, /* as libvirt decides */
    KD_SNAP_DISK_INTERNAL,
    KD_SNAP_DISK_EXTERNAL, /* into file: a new overlay; the current image becomes its base */
    KD_SNAP_DISK_NONE,     /* left out of the snapshot */
    KD_SNAP_DISK_LAST
} kd_snap_disk_mode;

typedef struct {
    const char *target; /* vda */
    kd_snap_disk_mode mode;
    const char *file; /* EXTERNAL: an absolute path, or NULL for libvirt's choice */
} kd_snap_disk;

typedef struct {
    const char *name;
    const char *description; /* NULL or "": none */
    /* Keep the memory state (the domain must be running or paused; a shut-off domain has
     * none and gets a disk-only snapshot whatever this says). */
    bool memory;
    /* With memory and external disks the memory goes to a file too: its absolute path. */
    const char *memory_file;
    const kd_snap_disk *disks; /* disks not named here: KD_SNAP_DISK_DEFAULT */
    size_t ndisks;
} kd_snap_params;

const char *kd_snap_disk_mode_name(kd_snap_disk_mode m); /* "default", "internal", ... */
/* The snapshot XML for p (active: whether the domain runs). Caller frees. */
char *kd_snap_build_xml(const kd_snap_params *p, bool active, kd_err *err);
int kd_snap_create(kd_conn *conn, const char *uuid, const kd_snap_params *p, kd_err *err);
int kd_snap_revert(kd_conn *conn, const char *uuid, const char *name, kd_err *err);
/* What reverting to s loses and changes when the domain is now in state now, in a
 * sentence or two for a confirmation. Caller frees. */
char *kd_snap_revert_summary(const kd_snapshot *s, kd_dom_state now);

typedef enum {
    KD_SNAP_DEL_ONE,           /* its children move up to its parent */
    KD_SNAP_DEL_WITH_CHILDREN, /* it and everything below it */
    KD_SNAP_DEL_CHILDREN_ONLY, /* everything below it */
    KD_SNAP_DEL_LAST
} kd_snap_del;

/* Refused (KD_ERR_INVALID, saying why) when it would lose data another snapshot needs, or
 * when this libvirt cannot delete an external snapshot. */
int kd_snap_delete(kd_conn *conn, const char *uuid, const char *name, kd_snap_del how, kd_err *err);
char *kd_snap_dumpxml(kd_conn *conn, const char *uuid, const char *name, kd_err *err);
/* The current snapshot's name; NULL with KD_ERR_NOTFOUND when there is none. */
char *kd_snap_current(kd_conn *conn, const char *uuid, kd_err *err);

#endif
