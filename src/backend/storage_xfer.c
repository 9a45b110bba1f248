#include "backend/conn_priv.h"
#include "backend/storage.h"
#include "backend/storage_priv.h"
#include "backend/virt.h"
#include "core/str.h"

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Volume upload and download through a virStream on a job's worker thread. The loop thread
 * reads the progress and may set the cancel flag; nothing else is shared. */

struct kd_vol_transfer {
    char *pool, *vol, *path;
    bool upload;
    int fd;
    atomic_ullong done;
    atomic_ullong total;
    atomic_bool cancel;
    atomic_bool sparse;
    int io_errno; /* a local read or write failure, for the message */
    bool created; /* the download made this file: remove it on failure */
};

kd_vol_transfer *kd_storage_transfer_new(const char *pool, const char *vol, const char *local_path,
                                         bool upload)
{
    kd_vol_transfer *t = kd_calloc(1, sizeof(*t));
    t->pool = kd_strdup(pool ? pool : "");
    t->vol = kd_strdup(vol ? vol : "");
    t->path = kd_strdup(local_path ? local_path : "");
    t->upload = upload;
    t->fd = -1;
    atomic_init(&t->done, 0);
    atomic_init(&t->total, 0);
    atomic_init(&t->cancel, false);
    atomic_init(&t->sparse, false);
    return t;
}

void kd_storage_transfer_free(void *p)
{
    kd_vol_transfer *t = p;
    if (!t)
        return;
    if (t->fd >= 0)
        close(t->fd);
    free(t->pool);
    free(t->vol);
    free(t->path);
    free(t);
}

void kd_storage_transfer_progress(const kd_vol_transfer *t, unsigned long long *done,
                                  unsigned long long *total)
{
    *done = atomic_load(&t->done);
    *total = atomic_load(&t->total);
}

void kd_storage_transfer_cancel(kd_vol_transfer *t)
{
    atomic_store(&t->cancel, true);
}

bool kd_storage_transfer_was_sparse(const kd_vol_transfer *t)
{
    return atomic_load(&t->sparse);
}

bool kd_storage_transfer_upload(const kd_vol_transfer *t)
{
    return t->upload;
}

const char *kd_storage_transfer_pool(const kd_vol_transfer *t)
{
    return t->pool;
}

const char *kd_storage_transfer_vol(const kd_vol_transfer *t)
{
    return t->vol;
}

const char *kd_storage_transfer_path(const kd_vol_transfer *t)
{
    return t->path;
}

/* ---- stream callbacks (worker thread) ----------------------------------------------------- */

static bool stop_now(kd_vol_transfer *t)
{
    return atomic_load(&t->cancel);
}

static int src_read(virStreamPtr st, char *buf, size_t n, void *opaque)
{
    (void)st;
    kd_vol_transfer *t = opaque;
    if (stop_now(t))
        return -1;
    ssize_t got;
    do
        got = read(t->fd, buf, n);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        t->io_errno = errno;
        return -1;
    }
    atomic_fetch_add(&t->done, (unsigned long long)got);
    return (int)got;
}

/* Where the file's next data or hole starts, as virsh does with SEEK_DATA / SEEK_HOLE. */
static int src_in_data(virStreamPtr st, int *in_data, long long *length, void *opaque)
{
    (void)st;
    kd_vol_transfer *t = opaque;
    if (stop_now(t))
        return -1;
    off_t cur = lseek(t->fd, 0, SEEK_CUR);
    off_t end = lseek(t->fd, 0, SEEK_END);
    if (cur < 0 || end < 0 || lseek(t->fd, cur, SEEK_SET) < 0) {
        t->io_errno = errno;
        return -1;
    }
    off_t data = lseek(t->fd, cur, SEEK_DATA);
    if (data < 0 && errno != ENXIO) {
        t->io_errno = errno;
        return -1;
    }
    if (data < 0 || data > cur) {
        *in_data = 0;
        *length = (data < 0 ? end : data) - cur;
    } else {
        off_t hole = lseek(t->fd, cur, SEEK_HOLE);
        *in_data = 1;
        *length = (hole < 0 ? end : hole) - cur;
    }
    if (lseek(t->fd, cur, SEEK_SET) < 0) {
        t->io_errno = errno;
        return -1;
    }
    return 0;
}

static int src_skip(virStreamPtr st, long long length, void *opaque)
{
    (void)st;
    kd_vol_transfer *t = opaque;
    if (lseek(t->fd, (off_t)length, SEEK_CUR) < 0) {
        t->io_errno = errno;
        return -1;
    }
    atomic_fetch_add(&t->done, (unsigned long long)length);
    return 0;
}

static int sink_write(virStreamPtr st, const char *buf, size_t n, void *opaque)
{
    (void)st;
    kd_vol_transfer *t = opaque;
    if (stop_now(t))
        return -1;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(t->fd, buf + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            t->io_errno = errno;
            return -1;
        }
        off += (size_t)w;
    }
    atomic_fetch_add(&t->done, n);
    return (int)n;
}

static int sink_hole(virStreamPtr st, long long length, void *opaque)
{
    (void)st;
    kd_vol_transfer *t = opaque;
    if (stop_now(t))
        return -1;
    off_t at = lseek(t->fd, (off_t)length, SEEK_CUR);
    /* A hole at the very end must still make the file that long. */
    if (at < 0 || ftruncate(t->fd, at) < 0) {
        t->io_errno = errno;
        return -1;
    }
    atomic_fetch_add(&t->done, (unsigned long long)length);
    return 0;
}

/* ---- running (worker thread) -------------------------------------------------------------- */

static bool sparse_refused(void)
{
    virErrorPtr e = virGetLastError();
    return e && (e->code == VIR_ERR_NO_SUPPORT || e->code == VIR_ERR_INVALID_ARG ||
                 e->code == VIR_ERR_ARGUMENT_UNSUPPORTED);
}

static void fail(kd_vol_transfer *t, kd_err *err, const char *verb)
{
    if (stop_now(t))
        kd_err_set(err, KD_ERR_INVALID, "%s %s: cancelled%s", verb, t->vol,
                   t->upload ? "; the volume holds a partial copy" : "");
    else if (t->io_errno)
        kd_err_set(err, KD_ERR_IO, "%s %s: %s: %s", verb, t->vol, t->path, strerror(t->io_errno));
    else
        kd_virt_err(err, KD_ERR_LIBVIRT, "%s %s", verb, t->vol);
}

static int open_local(kd_vol_transfer *t, unsigned long long vol_size, kd_err *err)
{
    if (t->upload) {
        t->fd = open(t->path, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (t->fd < 0 || fstat(t->fd, &sb) < 0) {
            kd_err_set(err, KD_ERR_IO, "vol-upload: %s: %s", t->path, strerror(errno));
            return -1;
        }
        if (!S_ISREG(sb.st_mode)) {
            kd_err_set(err, KD_ERR_INVALID, "vol-upload: %s is not a regular file", t->path);
            return -1;
        }
        if ((unsigned long long)sb.st_size > vol_size) {
            kd_err_set(err, KD_ERR_INVALID,
                       "vol-upload: %s (%lld bytes) is larger than volume %s (%llu bytes); "
                       "resize the volume first",
                       t->path, (long long)sb.st_size, t->vol, vol_size);
            return -1;
        }
        atomic_store(&t->total, (unsigned long long)sb.st_size);
        return 0;
    }
    /* Never overwrite: a typo in the path must not cost an existing file. */
    t->fd = open(t->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (t->fd < 0) {
        kd_err_set(err, KD_ERR_IO, "vol-download: %s: %s%s", t->path, strerror(errno),
                   errno == EEXIST ? " (choose a new file name)" : "");
        return -1;
    }
    t->created = true;
    atomic_store(&t->total, vol_size);
    return 0;
}

/* Start the stream sparse; when the server will not, start it again plain. */
static virStreamPtr open_stream(virConnectPtr vc, virStorageVolPtr v, kd_vol_transfer *t,
                                unsigned long long len, kd_err *err)
{
    const char *verb = t->upload ? "vol-upload" : "vol-download";
    for (int sparse = 1; sparse >= 0; sparse--) {
        virStreamPtr st = virStreamNew(vc, 0);
        if (!st) {
            kd_virt_err(err, KD_ERR_LIBVIRT, "%s %s", verb, t->vol);
            return NULL;
        }
        int rc;
        if (t->upload)
            rc = virStorageVolUpload(v, st, 0, len,
                                     sparse ? VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM : 0);
        else
            rc = virStorageVolDownload(v, st, 0, 0,
                                       sparse ? VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM : 0);
        if (rc == 0) {
            atomic_store(&t->sparse, sparse == 1);
            return st;
        }
        /* Read the error now: virStreamFree clears it. */
        bool retry = sparse && sparse_refused();
        if (!retry)
            kd_virt_err(err, KD_ERR_LIBVIRT, "%s %s", verb, t->vol);
        virStreamFree(st);
        if (!retry)
            return NULL;
    }
    return NULL;
}

static int pump(virStreamPtr st, kd_vol_transfer *t)
{
    bool sparse = atomic_load(&t->sparse);
    if (t->upload)
        return sparse ? virStreamSparseSendAll(st, src_read, src_in_data, src_skip, t)
                      : virStreamSendAll(st, src_read, t);
    return sparse ? virStreamSparseRecvAll(st, sink_write, sink_hole, t)
                  : virStreamRecvAll(st, sink_write, t);
}

static int transfer(virConnectPtr vc, virStorageVolPtr v, kd_vol_transfer *t, kd_err *err)
{
    const char *verb = t->upload ? "vol-upload" : "vol-download";
    virStorageVolInfo info;
    if (virStorageVolGetInfo(v, &info) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "%s %s", verb, t->vol);
        return -1;
    }
    /* A download streams the file as it is: its capacity for raw, about its allocation
     * for an image format. Only the progress bar depends on this guess. */
    if (open_local(t, info.capacity, err) < 0)
        return -1;
    unsigned long long len = atomic_load(&t->total);
    virStreamPtr st = open_stream(vc, v, t, t->upload ? len : 0, err);
    if (!st)
        return -1;
    int rc = pump(st, t);
    if (rc == 0)
        rc = virStreamFinish(st);
    if (rc < 0) {
        fail(t, err, verb);
        virStreamAbort(st);
    }
    virStreamFree(st);
    if (rc == 0 && !t->upload && fsync(t->fd) < 0) {
        kd_err_set(err, KD_ERR_IO, "%s %s: %s: %s", verb, t->vol, t->path, strerror(errno));
        rc = -1;
    }
    return rc;
}

int kd_storage_transfer_run(kd_conn *conn, void *arg, kd_err *err)
{
    kd_vol_transfer *t = arg;
    const char *verb = t->upload ? "vol-upload" : "vol-download";
    virStorageVolPtr v = kd_storage_vol_lookup(conn, t->pool, t->vol, verb, t->upload, err);
    if (!v)
        return -1;
    virConnectPtr vc = virStorageVolGetConnect(v);
    int rc = transfer(vc, v, t, err);
    virStorageVolFree(v);
    if (t->fd >= 0) {
        close(t->fd);
        t->fd = -1;
    }
    if (rc < 0 && t->created)
        unlink(t->path);
    if (rc == 0 && !t->upload) {
        unsigned long long done = atomic_load(&t->done);
        atomic_store(&t->total, done);
    }
    return rc;
}
