#ifndef KD_BACKEND_STORAGE_H
#define KD_BACKEND_STORAGE_H

/* Storage pools and their volumes, as virsh's pool-* and vol-* verbs see them. Pools and
 * volumes are named (a volume by its pool's name and its own); records are plain data the
 * caller frees. Sizes are bytes. Every changing call is refused on a read-only connection
 * (KD_ERR_READONLY) and fails with KD_ERR_CONNECT while disconnected. */

#include "backend/conn.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    KD_POOL_INACTIVE,
    KD_POOL_BUILDING,
    KD_POOL_RUNNING,
    KD_POOL_DEGRADED,
    KD_POOL_INACCESSIBLE,
    KD_POOL_LAST
} kd_pool_state;

typedef struct {
    char *name;
    char uuid[37];
    kd_pool_state state;
    bool autostart;
    bool persistent;
    char *type;   /* "dir", "logical", "netfs", "disk", ... */
    char *target; /* the target path, "" when the pool has none */
    unsigned long long capacity, allocation, available;
} kd_pool;

typedef struct {
    char *name;
    char *key;
    char *path;
    char *type;    /* "file", "block", "dir", "network", "netdir", "ploop" */
    char *format;  /* "raw", "qcow2", ... from the volume's XML; "" when it says none */
    char *backing; /* the backing store's path, "" when none */
    unsigned long long capacity, allocation;
} kd_vol;

const char *kd_pool_state_name(kd_pool_state s);

/* Every pool (active and inactive), sorted by name. */
kd_pool *kd_storage_pools_list(kd_conn *conn, size_t *n, kd_err *err);
void kd_storage_pools_free(kd_pool *pools, size_t n);
/* One pool by name. */
kd_pool *kd_storage_pool_get(kd_conn *conn, const char *name, kd_err *err);

/* ---- defining pools ---- */

enum {
    KD_POOL_DEFINE_BUILD = 1 << 0,     /* build it (mkdir, vgcreate, mklabel) after defining */
    KD_POOL_DEFINE_START = 1 << 1,     /* start it */
    KD_POOL_DEFINE_AUTOSTART = 1 << 2, /* mark it autostart */
    KD_POOL_DEFINE_TRANSIENT = 1 << 3, /* pool-create-as: create and start, never defined */
};

typedef struct {
    const char *name;
    const char *type;           /* "dir", "logical", "netfs", "disk" */
    const char *target;         /* dir, netfs: required; logical, disk: optional */
    const char *source_name;    /* logical: the volume group (defaults to the pool's name) */
    const char *const *devices; /* logical, disk: source devices (disk: exactly one) */
    size_t ndevices;
    const char *host;        /* netfs: the server */
    const char *source_path; /* netfs: the exported directory (or gluster volume) */
    const char *format;      /* netfs: nfs, cifs, glusterfs, auto; disk: dos, gpt, ... */
} kd_pool_spec;

/* The pool's XML for spec, built with libxml2; NULL with KD_ERR_INVALID when a field is
 * missing or wrong for the type. */
char *kd_storage_pool_xml_build(const kd_pool_spec *spec, kd_err *err);
/* Define (or with KD_POOL_DEFINE_TRANSIENT create) a pool, then build, start and set
 * autostart as flags ask. When a later step fails, what was done is undone (a pool defined
 * here is undefined again) and err names the step. */
int kd_storage_pool_define(kd_conn *conn, const kd_pool_spec *spec, unsigned flags, kd_err *err);

/* ---- pool verbs ---- */

int kd_storage_pool_start(kd_conn *conn, const char *name, kd_err *err);
/* Stop an active pool (virsh's pool-destroy); its storage stays. */
int kd_storage_pool_stop(kd_conn *conn, const char *name, kd_err *err);
int kd_storage_pool_build(kd_conn *conn, const char *name, kd_err *err);
int kd_storage_pool_refresh(kd_conn *conn, const char *name, kd_err *err);
int kd_storage_pool_set_autostart(kd_conn *conn, const char *name, bool on, kd_err *err);
/* virsh's pool-delete: delete the pool's storage (the directory of a dir pool); the pool
 * must be inactive. */
int kd_storage_pool_delete_storage(kd_conn *conn, const char *name, kd_err *err);
int kd_storage_pool_undefine(kd_conn *conn, const char *name, kd_err *err);
/* The whole removal the pools screen offers: stop when active, delete the storage when
 * asked, undefine when persistent. */
int kd_storage_pool_remove(kd_conn *conn, const char *name, bool delete_storage, kd_err *err);
/* The pool's XML as libvirt has it; caller frees. */
char *kd_storage_pool_xml(kd_conn *conn, const char *name, kd_err *err);

/* ---- volumes ---- */

/* Every volume of an active pool, sorted by name. */
kd_vol *kd_storage_vols_list(kd_conn *conn, const char *pool, size_t *n, kd_err *err);
void kd_storage_vols_free(kd_vol *vols, size_t n);
kd_vol *kd_storage_vol_get(kd_conn *conn, const char *pool, const char *name, kd_err *err);

typedef struct {
    const char *name;
    unsigned long long capacity;   /* bytes; 0 with a backing volume: the backing's size */
    unsigned long long allocation; /* bytes allocated now; 0 for a sparse volume */
    const char *format;            /* "raw", "qcow2", ...; NULL: raw, or qcow2 with backing */
    /* NULL for none; a volume of the same pool by name, or an absolute path (of a volume
     * in any pool): the new volume is a qcow2 overlay on it (<backingStore>). */
    const char *backing;
} kd_vol_spec;

/* The volume's XML for spec, built with libxml2 (backing_path/backing_format already
 * resolved, may be NULL). */
char *kd_storage_vol_xml_build(const kd_vol_spec *spec, const char *backing_path,
                               const char *backing_format, kd_err *err);
/* Create a volume; *path_out (may be NULL) gets the new volume's path (free it). */
int kd_storage_vol_create(kd_conn *conn, const char *pool, const kd_vol_spec *spec, char **path_out,
                          kd_err *err);

/* The names of the defined (persistent or running) domains whose disks use path, as
 * "a, b" (caller frees), "" when none; NULL with err when the domains cannot be read. */
char *kd_storage_path_users(kd_conn *conn, const char *path, kd_err *err);
/* Delete a volume. Unless force, refused (KD_ERR_INVALID, the message naming them) while
 * a defined domain's disk uses its path. */
int kd_storage_vol_delete(kd_conn *conn, const char *pool, const char *name, bool force,
                          kd_err *err);
/* Resize to capacity bytes. Shrinking is refused unless shrink. */
int kd_storage_vol_resize(kd_conn *conn, const char *pool, const char *name,
                          unsigned long long capacity, bool shrink, kd_err *err);
/* A copy of a volume in the same pool under new_name (virStorageVolCreateXMLFrom). */
int kd_storage_vol_clone(kd_conn *conn, const char *pool, const char *name, const char *new_name,
                         kd_err *err);
char *kd_storage_vol_xml(kd_conn *conn, const char *pool, const char *name, kd_err *err);
/* The pool and name of the volume at an absolute path (free both). */
int kd_storage_vol_locate(kd_conn *conn, const char *path, char **pool, char **name, kd_err *err);

/* Parse "10G", "512M", "1.5T", "4096" (bytes; suffixes K M G T P E in 1024s, an optional
 * "iB"/"B") into bytes; -1 with err naming the input otherwise. */
int kd_storage_parse_size(const char *s, unsigned long long *out, kd_err *err);
/* A name libvirt and a shell both take: no '/', no control characters, no quotes. */
int kd_storage_check_name(const char *what, const char *name, kd_err *err);

/* ---- upload and download through a stream, on a worker thread ---- */

typedef struct kd_vol_transfer kd_vol_transfer;

/* Upload local_path into the volume (upload) or download the volume into local_path.
 * Sparse-aware: holes are sent as holes when the server supports it, else it falls back to
 * a plain stream. The download's file is created (or truncated); a failed or cancelled
 * download removes a file it created. */
kd_vol_transfer *kd_storage_transfer_new(const char *pool, const char *vol, const char *local_path,
                                         bool upload);
/* The job function (kd_job_fn): runs the transfer on the worker thread. */
int kd_storage_transfer_run(kd_conn *conn, void *transfer, kd_err *err);
/* Safe from the loop thread while the job runs. */
void kd_storage_transfer_progress(const kd_vol_transfer *t, unsigned long long *done,
                                  unsigned long long *total);
/* Ask the running transfer to stop; it aborts its stream and fails with "cancelled". */
void kd_storage_transfer_cancel(kd_vol_transfer *t);
bool kd_storage_transfer_was_sparse(const kd_vol_transfer *t);
bool kd_storage_transfer_upload(const kd_vol_transfer *t);
const char *kd_storage_transfer_pool(const kd_vol_transfer *t);
const char *kd_storage_transfer_vol(const kd_vol_transfer *t);
const char *kd_storage_transfer_path(const kd_vol_transfer *t);
void kd_storage_transfer_free(void *t);

#endif
