#ifndef KD_BACKEND_ACTION_H
#define KD_BACKEND_ACTION_H

/* Domain lifecycle actions by UUID. Each returns 0, or -1 with err filled (libvirt's
 * message, or KD_ERR_READONLY on a read-only connection). The domain table is updated
 * by the events these cause, not here. */

#include "backend/conn.h"
#include "core/err.h"

#include <stdbool.h>

typedef enum {
    KD_OP_START,
    KD_OP_START_PAUSED,
    KD_OP_SHUTDOWN, /* ACPI */
    KD_OP_REBOOT,   /* ACPI */
    KD_OP_RESET,
    KD_OP_DESTROY,
    KD_OP_SUSPEND,
    KD_OP_RESUME,
    KD_OP_MANAGEDSAVE,
    KD_OP_MANAGEDSAVE_REMOVE,
    KD_OP_AUTOSTART_ON,
    KD_OP_AUTOSTART_OFF,
    KD_OP_LAST
} kd_op;

/* virsh's verb for an operation ("start", "shutdown", "managedsave-remove", ...). */
const char *kd_op_verb(kd_op op);
/* Whether the operation can take long enough to belong on a worker thread. */
bool kd_op_is_slow(kd_op op);
int kd_dom_run(kd_conn *conn, const char *uuid, kd_op op, kd_err *err);

int kd_dom_save(kd_conn *conn, const char *uuid, const char *file, kd_err *err);
int kd_dom_restore(kd_conn *conn, const char *file, kd_err *err);
/* Whether name can go to a new or renamed domain: not empty, no '/', no control characters,
 * not used by any domain of the host. 0, or -1 with KD_ERR_INVALID and a message. */
int kd_dom_check_name(kd_conn *conn, const char *name, kd_err *err);
int kd_dom_rename(kd_conn *conn, const char *uuid, const char *new_name, kd_err *err);

enum {
    KD_UNDEFINE_STORAGE = 1 << 0,   /* delete the domain's disk volumes too */
    KD_UNDEFINE_SNAPSHOTS = 1 << 1, /* drop snapshot metadata */
    KD_UNDEFINE_NVRAM = 1 << 2,     /* remove the UEFI variable store */
    KD_UNDEFINE_MANAGED_SAVE = 1 << 3,
};
/* A running domain is made transient (it disappears when it stops). KD_UNDEFINE_STORAGE
 * needs a shut-off domain and deletes, after the undefine, each disk's pool volume (found
 * by path for file and block disks, by name for volume disks); CD-ROMs, read-only and
 * shareable disks are left alone. Disks that could not be deleted (in no pool, or libvirt
 * refused) are named in err, and -1 is returned although the domain is gone. */
int kd_dom_undefine(kd_conn *conn, const char *uuid, unsigned flags, kd_err *err);

/* The domain's XML (inactive = the persistent definition, with secrets such as graphics
 * passwords when the connection is writable, so that it can be edited and defined again
 * without losing them). Caller frees. */
char *kd_dom_dumpxml(kd_conn *conn, const char *uuid, bool inactive, kd_err *err);
/* Define (or redefine) a domain from XML, validated against libvirt's schema when the driver
 * can; uuid_out (37 bytes, may be NULL) gets its UUID. Redefining an existing UUID is atomic
 * in libvirt: when it refuses, the old definition is untouched. */
int kd_dom_define(kd_conn *conn, const char *xml, char *uuid_out, kd_err *err);
/* Check XML without defining anything: well-formed (a syntax error gives its line), a
 * <domain> root, and valid against libvirt's RELAX NG schema (domain.rng, the check behind
 * VIR_DOMAIN_DEFINE_VALIDATE) read from the local libvirt installation. libvirt has no call
 * that runs its driver's semantic checks without defining, and defining to test is not
 * done here, so those checks (and the schema, when no domain.rng is installed) are left to
 * kd_dom_define. 0 when valid, -1 with KD_ERR_INVALID and the schema's messages. */
int kd_dom_validate_xml(kd_conn *conn, const char *xml, kd_err *err);

/* Copy a shut-off domain without a managed save image: new name, new UUID, new MAC
 * addresses (52:54:00:xx:xx:xx, unused on the host), and every disk volume copied in its
 * own pool as <new name>.<ext> (or <new name>-N.<ext>). CD-ROMs, read-only and shareable
 * disks are shared, not copied; any other disk outside every pool is refused. The clone
 * gets no SMBIOS UUID and no UEFI variable file of the source (libvirt makes new ones). On
 * failure nothing new is left behind. Slow: run it as a job. */
int kd_dom_clone(kd_conn *conn, const char *uuid, const char *new_name, kd_err *err);

#endif
