#include "backend/action_priv.h"
#include "backend/conn_priv.h"
#include "backend/create.h"
#include "backend/storage.h"
#include "backend/virt.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

/* Read by the create path, written only by kd_create_fail_at, which only tests call. */
static kd_create_step fail_step = KD_CREATE_LAST;

void kd_create_fail_at(kd_create_step step)
{
    fail_step = step;
}

static const char *const step_names[KD_CREATE_LAST] = {
    "creating the disk volume",
    "defining the domain",
    "starting the domain",
};

static bool injected(kd_create_step step, kd_err *err)
{
    if (fail_step != step)
        return false;
    kd_err_set(err, KD_ERR_LIBVIRT, "%s: failure injected by a test", step_names[step]);
    return true;
}

typedef struct {
    kd_conn *conn;
    const kd_domspec *s;
    char *vol;        /* the volume made here, to delete on failure */
    virDomainPtr dom; /* the domain defined here, to undefine on failure */
} create_run;

static bool wants_volume(const kd_domspec *s)
{
    return s->src != KD_SRC_IMPORT && s->stor == KD_STOR_NEW;
}

static int step_volume(create_run *r, kd_err *err)
{
    if (!wants_volume(r->s))
        return 0;
    if (injected(KD_CREATE_VOLUME, err))
        return -1;
    char *name = kd_domspec_volume_name(r->s);
    kd_vol_spec vs = {
        .name = name, .capacity = r->s->disk_mib * 1024ULL * 1024ULL, .format = r->s->disk_format};
    if (kd_storage_vol_create(r->conn, r->s->pool, &vs, NULL, err) < 0) {
        free(name);
        return -1;
    }
    r->vol = name;
    return 0;
}

static int step_define(create_run *r, const char *xml, char *uuid_out, kd_err *err)
{
    if (injected(KD_CREATE_DEFINE, err))
        return -1;
    virConnectPtr vc = kd_conn_virt_err(r->conn, err);
    if (!vc) {
        return -1;
    }
    virDomainPtr dom = kd_dom_define_raw(vc, xml);
    if (!dom) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "define %s", r->s->name);
        return -1;
    }
    r->dom = dom;
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (uuid_out && virDomainGetUUIDString(dom, uuid) == 0)
        memcpy(uuid_out, uuid, VIR_UUID_STRING_BUFLEN);
    return 0;
}

static int step_start(create_run *r, kd_err *err)
{
    if (injected(KD_CREATE_START, err))
        return -1;
    if (virDomainCreate(r->dom) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "start %s", r->s->name);
        return -1;
    }
    return 0;
}

/* Undo in reverse order. A failure to undo is added to the message: the user must know
 * what is left behind. */
static void rollback(create_run *r, kd_err *err)
{
    if (r->dom) {
        virDomainDestroy(r->dom); /* running only if a later step failed after the start */
        if (virDomainUndefineFlags(r->dom, VIR_DOMAIN_UNDEFINE_NVRAM) < 0 &&
            virDomainUndefine(r->dom) < 0) {
            virErrorPtr e = virGetLastError();
            size_t len = strlen(err->msg);
            snprintf(err->msg + len, sizeof(err->msg) - len, "; the domain %s is left: %s",
                     r->s->name, e && e->message ? e->message : "cannot undefine");
        }
        virResetLastError();
    }
    if (r->vol) {
        kd_err undo;
        kd_err_clear(&undo);
        if (kd_storage_vol_delete(r->conn, r->s->pool, r->vol, true, &undo) < 0) {
            size_t len = strlen(err->msg);
            snprintf(err->msg + len, sizeof(err->msg) - len, "; the volume %s/%s is left: %s",
                     r->s->pool, r->vol, undo.msg);
        }
    }
}

int kd_create_domain(kd_conn *conn, const kd_domspec *s, const char *xml, bool start,
                     char *uuid_out, kd_err *err)
{
    if (kd_conn_check_writable(conn, "create", err) < 0)
        return -1;
    create_run r = {.conn = conn, .s = s};
    int rc = 0;
    if (step_volume(&r, err) < 0 || step_define(&r, xml, uuid_out, err) < 0 ||
        (start && step_start(&r, err) < 0)) {
        rollback(&r, err);
        rc = -1;
    }
    if (r.dom)
        virDomainFree(r.dom);
    free(r.vol);
    return rc;
}

int kd_create_transient(kd_conn *conn, const char *xml, char *uuid_out, kd_err *err)
{
    if (kd_conn_check_writable(conn, "create", err) < 0)
        return -1;
    virConnectPtr vc = kd_conn_virt_err(conn, err);
    if (!vc)
        return -1;
    virDomainPtr dom = virDomainCreateXML(vc, xml, 0);
    if (!dom) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "create");
        return -1;
    }
    if (uuid_out && virDomainGetUUIDString(dom, uuid_out) < 0)
        uuid_out[0] = '\0';
    virDomainFree(dom);
    return 0;
}
