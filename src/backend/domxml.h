#ifndef KD_BACKEND_DOMXML_H
#define KD_BACKEND_DOMXML_H

/* A new domain described as plain answers (what the wizard asks), turned into libvirt
 * domain XML; the checks of each answer; the host's abilities the answers depend on (KVM,
 * firmware, CPUs, memory); OS variants from osinfo-db or a built-in table.
 *
 * Storage is named in one string: an absolute path is a host file, anything else is
 * "POOL/VOLUME", a volume of a storage pool. */

#include "backend/conn.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    KD_SRC_ISO,    /* a CD-ROM image: a host file or a pool volume */
    KD_SRC_URL,    /* an ISO on an http, https or ftp server, as a network CD-ROM */
    KD_SRC_PXE,    /* network boot first */
    KD_SRC_IMPORT, /* boot an existing disk image */
    KD_SRC_KERNEL, /* direct kernel boot: kernel, initrd, command line */
    KD_SRC_LAST
} kd_src_kind;

typedef enum {
    KD_STOR_NEW,      /* a new volume in a pool */
    KD_STOR_EXISTING, /* an existing volume or file */
    KD_STOR_NONE,
    KD_STOR_LAST
} kd_stor_kind;

typedef enum {
    KD_NIC_NETWORK, /* a libvirt virtual network */
    KD_NIC_BRIDGE,  /* a host bridge */
    KD_NIC_MACVTAP, /* direct attachment to a host device, mode bridge */
    KD_NIC_NONE,
    KD_NIC_LAST
} kd_nic_kind;

typedef enum { KD_FW_BIOS, KD_FW_UEFI, KD_FW_UEFI_SECURE, KD_FW_LAST } kd_fw_kind;

typedef struct {
    char *name;
    kd_src_kind src;
    char *media;   /* ISO: a file or POOL/VOLUME */
    char *url;     /* URL */
    char *kernel;  /* KERNEL: host files */
    char *initrd;  /* may be empty */
    char *cmdline; /* may be empty */
    char *os;      /* an OS variant's short id ("debian12"), empty for generic */
    unsigned long long memory_mib;
    unsigned vcpus;
    kd_stor_kind stor;
    char *pool;                  /* NEW: the pool */
    unsigned long long disk_mib; /* NEW: the size */
    char *disk_format;           /* NEW: "qcow2" or "raw" (an existing disk: its own) */
    char *disk;                  /* EXISTING, and IMPORT's image: a file or POOL/VOLUME */
    kd_nic_kind nic;
    char *nic_source; /* the network, bridge or host device */
    kd_fw_kind fw;
    bool vnc;
    char *vnc_password; /* may be empty */
    char *virt_type;    /* "kvm", "qemu", "test"...: empty picks the host's best */
    bool hugepages;
    char *pin;   /* host CPUs for the vCPUs, "2-3" or "0,2": vCPU i on the i-th; may be empty */
    bool rng;    /* virtio-rng from /dev/urandom */
    bool agent;  /* the qemu-guest-agent channel */
    bool virtio; /* virtio disk and NIC (off for guests without drivers) */
} kd_domspec;

/* Defaults: 1 GiB, 1 vCPU, a 10 GiB qcow2 volume in pool "default", the "default"
 * network, BIOS, VNC, virtio, rng and agent on. Strings are empty, never NULL. */
kd_domspec *kd_domspec_new(void);
void kd_domspec_free(kd_domspec *s);
kd_domspec *kd_domspec_copy(const kd_domspec *s);
/* Set a string field (frees the old value). */
void kd_domspec_set(char **field, const char *value);
/* The name of the new volume: NAME.qcow2 or NAME.img. Caller frees. */
char *kd_domspec_volume_name(const kd_domspec *s);

/* Names of the enums' values as the presets store them ("iso", "network", "uefi"...). */
const char *kd_src_kind_name(kd_src_kind k);
const char *kd_stor_kind_name(kd_stor_kind k);
const char *kd_nic_kind_name(kd_nic_kind k);
const char *kd_fw_kind_name(kd_fw_kind k);

/* The answers as text ("key=value" lines) and back; unknown keys are ignored so that older
 * presets still load. */
char *kd_domspec_format(const kd_domspec *s);
kd_domspec *kd_domspec_parse(const char *text, kd_err *err);

/* ---- The host ------------------------------------------------------------------------ */

typedef struct {
    char *arch;         /* "x86_64" */
    char *virt_type;    /* the best domain type: "kvm", else "qemu", else what there is */
    bool kvm;           /* the hypervisor offers KVM */
    bool has_qemu;      /* TCG emulation is offered too */
    char *machine;      /* "q35" for QEMU, NULL otherwise */
    unsigned max_vcpus; /* of the domain capabilities; 0 when unknown */
    unsigned host_cpus;
    unsigned long long host_mem_mib;
    bool hugepages_known;                  /* the host said how many huge pages are free */
    unsigned long long hugepages_free_mib; /* free huge pages of every size, in MiB */
    bool uefi;                             /* UEFI firmware is installed */
    bool secure_boot;                      /* a secure-boot loader is installed */
} kd_hostcaps;

/* Read the capabilities and domain capabilities of the connection. The test driver has
 * no domain capabilities: then neither UEFI nor a limit of vCPUs is known. */
kd_hostcaps *kd_hostcaps_read(kd_conn *conn, kd_err *err);
void kd_hostcaps_free(kd_hostcaps *c);
/* Parse domain capabilities XML into c (firmware, max vCPUs, KVM); for tests. */
int kd_hostcaps_parse_domcaps(kd_hostcaps *c, const char *xml, kd_err *err);

/* ---- XML ----------------------------------------------------------------------------- */

/* The domain XML for the answers on this host. NULL with err when an answer cannot be
 * expressed (a URL that does not parse, a pinning list that does not). */
char *kd_domxml_build(const kd_domspec *s, const kd_hostcaps *caps, kd_err *err);

/* ---- Checks: 0, or -1 with KD_ERR_INVALID and a message for the user ------------------ */

/* Not empty, at most 64 bytes, no '/', no control characters, unused on the connection
 * (conn may be NULL to skip that). */
int kd_domspec_check_name(kd_conn *conn, const char *name, kd_err *err);
int kd_domspec_check_memory(const kd_hostcaps *caps, unsigned long long mib, kd_err *err);
int kd_domspec_check_vcpus(const kd_hostcaps *caps, unsigned vcpus, kd_err *err);
/* A regular, readable file (for ISO images, disk images, kernels, initrds). */
int kd_domspec_check_file(const char *what, const char *path, kd_err *err);
/* A file or POOL/VOLUME (the volume's existence is checked on the connection). */
int kd_domspec_check_storage(kd_conn *conn, const char *what, const char *ref, kd_err *err);
/* http, https or ftp with a host and a path; parts out are filled when not NULL. */
typedef struct {
    char *scheme;
    char *host;
    int port;
    char *path; /* with the query, if any */
} kd_url;
int kd_url_parse(const char *url, kd_url *out, kd_err *err);
void kd_url_clear(kd_url *u);
/* A size ("20G", "512M", "1.5G", a bare number in unit bytes): bytes, or -1 with err. */
long long kd_domspec_parse_size(const char *text, long long unit, kd_err *err);
/* A host CPU list "0-3,6" with every CPU below host_cpus. */
int kd_domspec_check_pin(const char *list, unsigned host_cpus, kd_err *err);
/* Enough free huge pages for mib of memory, when the host said how many there are. */
int kd_domspec_check_hugepages(const kd_hostcaps *caps, unsigned long long mib, kd_err *err);
/* Every answer at once, as before creating: the first problem found. */
int kd_domspec_check(kd_conn *conn, const kd_domspec *s, const kd_hostcaps *caps, kd_err *err);

/* ---- OS variants ---------------------------------------------------------------------- */

typedef struct {
    char *id;                    /* short id: "debian12" */
    char *name;                  /* "Debian 12" */
    unsigned long long ram_mib;  /* recommended (else minimum); 0 unknown */
    unsigned vcpus;              /* 0 unknown */
    unsigned long long disk_mib; /* 0 unknown */
    bool windows;                /* no virtio drivers in the installer; local time clock */
} kd_osvariant;

/* From osinfo-db under dir (NULL: /usr/share/osinfo, then /usr/share/osinfo-db), sorted by
 * name, else the built-in table. *from_db says which. */
int kd_osinfo_list(const char *dir, kd_osvariant **out, size_t *n, bool *from_db, kd_err *err);
void kd_osinfo_free(kd_osvariant *v, size_t n);
/* The built-in table, for hosts without osinfo-db. */
size_t kd_osinfo_builtin(const kd_osvariant **out);

#endif
