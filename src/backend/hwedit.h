#ifndef KD_BACKEND_HWEDIT_H
#define KD_BACKEND_HWEDIT_H

/* A domain's hardware as an editor sees it, and the changes it makes. The model is read
 * from the domain's persistent (inactive) XML and, when it runs, from its live XML. A
 * change always goes to the persistent config and, on a running domain, also to the live
 * one where libvirt allows; what happened is told in a kd_hw_result. An editor may also
 * work on a domain XML held in memory (not defined): changes then edit that XML only. */

#include "backend/conn.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    KD_HW_CPU_DEFAULT, /* no <cpu> mode: the hypervisor's default */
    KD_HW_CPU_HOST_PASSTHROUGH,
    KD_HW_CPU_HOST_MODEL,
    KD_HW_CPU_CUSTOM,
    KD_HW_CPU_LAST
} kd_hw_cpu_mode;

/* Block I/O limits (<iotune>); 0 means no limit. */
typedef struct {
    unsigned long long total_bytes_sec, read_bytes_sec, write_bytes_sec;
    unsigned long long total_iops_sec, read_iops_sec, write_iops_sec;
} kd_hw_iotune;

typedef struct {
    char *target; /* vda, sdb, hdc */
    char *device; /* disk, cdrom, floppy */
    char *bus;    /* virtio, sata, scsi, ide, usb */
    char *type;   /* file, block, volume, network */
    char *source; /* a path; "pool/volume" for a volume; "" for an empty drive */
    char *format; /* qcow2, raw; "" when unset */
    char *cache;  /* none, writeback, ...; "" when unset */
    bool readonly;
    int boot_order; /* <boot order='N'>, 0 when none */
    kd_hw_iotune iotune;
} kd_hw_disk;

typedef struct {
    char *type;   /* network, bridge, direct, user */
    char *source; /* network name, bridge name, host device */
    char *model;  /* virtio, e1000; "" when unset */
    char *mac;    /* "" when unset (libvirt makes one up when defining) */
    int boot_order;
} kd_hw_nic;

typedef struct {
    unsigned vcpu;
    char *cpuset; /* "0-1,3" */
} kd_hw_pin;

typedef struct {
    char *name;
    unsigned long long mem_kib;    /* <currentMemory> */
    unsigned long long maxmem_kib; /* <memory> */
    unsigned vcpus;                /* current */
    unsigned maxvcpus;
    kd_hw_cpu_mode cpu_mode;
    char *cpu_model;                  /* "" when none */
    unsigned sockets, cores, threads; /* 0 when no <topology> */
    char **boot_devs;                 /* <os><boot dev>: hd, cdrom, network, fd */
    size_t nboot;
    bool bootmenu;
    char *description;
    kd_hw_disk *disks; /* device disk and cdrom, in XML order */
    size_t ndisks;
    kd_hw_nic *nics;
    size_t nnics;
    kd_hw_pin *pins;
    size_t npins;
} kd_hw_model;

/* Parse a domain XML into a model (used by the editor and by tests). */
kd_hw_model *kd_hw_model_parse(const char *xml, kd_err *err);
void kd_hw_model_free(kd_hw_model *m);
const char *kd_hw_cpu_mode_name(kd_hw_cpu_mode mode); /* "host-passthrough", ..., "default" */
int kd_hw_cpu_mode_parse(const char *s, kd_hw_cpu_mode *out);
/* The disk or NIC by target or MAC (case-insensitive), or NULL. */
const kd_hw_disk *kd_hw_model_disk(const kd_hw_model *m, const char *target);
const kd_hw_nic *kd_hw_model_nic(const kd_hw_model *m, const char *mac);
/* The first free target name for bus ("virtio": vda, vdb...; sata/scsi/usb: sd*; ide:
 * hd*), never NULL. */
char *kd_hw_model_next_target(const kd_hw_model *m, const char *bus);

/* ---- validators: 0 when good, else -1 with KD_ERR_INVALID saying why ---- */

int kd_hw_check_mac(const char *mac, kd_err *err);
/* A random locally administered MAC in QEMU's 52:54:00 prefix; buf holds 18 bytes. */
void kd_hw_mac_generate(char buf[18]);
/* sockets x cores x threads must be maxvcpus (all 0: no topology). */
int kd_hw_check_topology(unsigned sockets, unsigned cores, unsigned threads, unsigned maxvcpus,
                         kd_err *err);
int kd_hw_check_memory(unsigned long long mem_kib, unsigned long long maxmem_kib, kd_err *err);
int kd_hw_check_vcpus(unsigned vcpus, unsigned maxvcpus, kd_err *err);
/* A CPU list as virsh vcpupin takes it: "0-3,^2,5"; n host CPUs bound it (0: no bound). */
int kd_hw_check_cpuset(const char *cpuset, unsigned ncpus, kd_err *err);

/* ---- the editor ---- */

typedef enum {
    KD_HW_LIVE,      /* running domain: applied now and saved in the config */
    KD_HW_SAVED,     /* not running: saved in the config */
    KD_HW_NEXT_BOOT, /* running domain: saved in the config, applies at next boot */
    KD_HW_LIVE_ONLY, /* transient domain: applied now, there is no config */
    KD_HW_XML,       /* an XML in memory: changed there */
    KD_HW_UNCHANGED, /* the values asked for are those already set */
    KD_HW_LAST
} kd_hw_applied;

typedef struct {
    kd_hw_applied applied;
    char why[320]; /* for KD_HW_NEXT_BOOT: why it could not apply live, or "" */
} kd_hw_result;

/* "applied live and saved", "saved for the next boot", ... with why when there is one. */
void kd_hw_result_text(const kd_hw_result *r, char *buf, size_t n);

typedef struct kd_hwed kd_hwed;

kd_hwed *kd_hwed_open(kd_conn *conn, const char *uuid, kd_err *err);
/* conn (may be NULL) is used only to create volumes for new disks. */
kd_hwed *kd_hwed_open_xml(kd_conn *conn, const char *xml, kd_err *err);
void kd_hwed_free(kd_hwed *ed);
/* Read the XML again (after each change the editor reloads by itself). */
int kd_hwed_reload(kd_hwed *ed, kd_err *err);
/* The persistent model (for a transient domain: the live one). */
const kd_hw_model *kd_hwed_config(const kd_hwed *ed);
/* The live model, NULL when the domain does not run (or for an XML in memory). */
const kd_hw_model *kd_hwed_live(const kd_hwed *ed);
bool kd_hwed_running(const kd_hwed *ed);
/* The host the editor works on (an XML in memory: the one it checks against). */
kd_conn *kd_hwed_conn(const kd_hwed *ed);
bool kd_hwed_in_memory(const kd_hwed *ed);
bool kd_hwed_autostart(const kd_hwed *ed);
/* The XML in memory, or the persistent XML of a domain; caller frees. */
char *kd_hwed_xml(const kd_hwed *ed, kd_err *err);

/* Every change returns 0 with res filled, or -1 with err (nothing changed). */
int kd_hwed_set_memory(kd_hwed *ed, unsigned long long mem_kib, unsigned long long maxmem_kib,
                       kd_hw_result *res, kd_err *err);
int kd_hwed_set_vcpus(kd_hwed *ed, unsigned vcpus, unsigned maxvcpus, kd_hw_result *res,
                      kd_err *err);
/* model is used with KD_HW_CPU_CUSTOM (and kept as host-model's fallback); topology all 0
 * removes it. Applies at next boot. */
int kd_hwed_set_cpu(kd_hwed *ed, kd_hw_cpu_mode mode, const char *model, unsigned sockets,
                    unsigned cores, unsigned threads, kd_hw_result *res, kd_err *err);
/* <os><boot dev> in this order (per-device <boot order> are removed, as libvirt refuses
 * both). Applies at next boot. */
int kd_hwed_set_boot(kd_hwed *ed, const char *const *devs, size_t n, bool bootmenu,
                     kd_hw_result *res, kd_err *err);
int kd_hwed_set_autostart(kd_hwed *ed, bool on, kd_hw_result *res, kd_err *err);
int kd_hwed_set_description(kd_hwed *ed, const char *text, kd_hw_result *res, kd_err *err);
int kd_hwed_pin_vcpu(kd_hwed *ed, unsigned vcpu, const char *cpuset, kd_hw_result *res,
                     kd_err *err);

typedef struct {
    const char *device; /* "disk" (NULL) or "cdrom" */
    const char *bus;    /* NULL: virtio for a disk, sata for a CD-ROM */
    const char *target; /* NULL: the next free name for bus */
    /* The source: a path, or pool + volume, or nothing (an empty CD-ROM). */
    const char *path;
    const char *pool, *volume;
    const char *format; /* NULL: raw; "" to leave it out */
    const char *cache;  /* NULL: unset */
} kd_hw_disk_spec;

/* The <disk> element for spec as XML (tests and the device calls use it). */
char *kd_hw_disk_xml(const kd_hw_disk_spec *spec, const char *target, kd_err *err);
int kd_hwed_add_disk(kd_hwed *ed, const kd_hw_disk_spec *spec, kd_hw_result *res, kd_err *err);
int kd_hwed_remove_disk(kd_hwed *ed, const char *target, kd_hw_result *res, kd_err *err);
/* bus and cache ("" unset, NULL unchanged) apply at next boot; iotune (NULL unchanged)
 * live where allowed. */
int kd_hwed_set_disk(kd_hwed *ed, const char *target, const char *bus, const char *cache,
                     const kd_hw_iotune *iotune, kd_hw_result *res, kd_err *err);
/* Insert path or pool/volume into a CD-ROM (all NULL: eject). */
int kd_hwed_change_media(kd_hwed *ed, const char *target, const char *path, const char *pool,
                         const char *volume, kd_hw_result *res, kd_err *err);

typedef struct {
    const char *type;   /* network, bridge, direct */
    const char *source; /* network name, bridge, host device */
    const char *model;  /* NULL or "": unset */
    const char *mac;    /* NULL or "": generated */
} kd_hw_nic_spec;

char *kd_hw_nic_xml(const kd_hw_nic_spec *spec, const char *mac, kd_err *err);
int kd_hwed_add_nic(kd_hwed *ed, const kd_hw_nic_spec *spec, kd_hw_result *res, kd_err *err);
int kd_hwed_remove_nic(kd_hwed *ed, const char *mac, kd_hw_result *res, kd_err *err);
/* Change a NIC's source and model (the MAC names it; it stays). */
int kd_hwed_set_nic(kd_hwed *ed, const char *mac, const kd_hw_nic_spec *spec, kd_hw_result *res,
                    kd_err *err);

/* Create a volume for a new disk: in the pool, capacity bytes, format (NULL: qcow2). The
 * path goes to *path_out (caller frees). */
int kd_hwed_create_volume(kd_hwed *ed, const char *pool, const char *name,
                          unsigned long long capacity, const char *format, char **path_out,
                          kd_err *err);

#endif
