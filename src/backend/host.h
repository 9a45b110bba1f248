#ifndef KD_BACKEND_HOST_H
#define KD_BACKEND_HOST_H

/* The host: CPUs, memory (per NUMA cell), huge pages, what the capabilities say about CPU
 * and guests, whether KVM is usable and why not, versions. Plain data read at once. */

#include "backend/conn.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int id;
    char *cpus; /* "0-3,8-11" */
    unsigned ncpus;
    unsigned long long mem_kib;
    unsigned long long free_kib; /* 0 when unknown */
} kd_host_cell;

typedef struct {
    int cell;                /* -1: the whole host */
    unsigned size_kib;       /* 4, 2048, 1048576 */
    unsigned long long free; /* pages */
} kd_host_pages;

typedef struct {
    char *os_type;      /* hvm */
    char *arch;         /* x86_64 */
    char *domain_types; /* "qemu, kvm" */
} kd_host_guest;

typedef struct {
    char *hostname;
    char *uri;
    char *hv_type;     /* QEMU */
    char *hv_version;  /* 7.2.0 */
    char *lib_version; /* 9.0.0 */
    char *cpu_arch;    /* from nodeinfo: x86_64 */
    char *cpu_model;   /* from the capabilities: Skylake-Client-IBRS, or "" */
    char *cpu_vendor;  /* Intel, or "" */
    unsigned cpus, mhz, nodes, sockets, cores, threads;
    unsigned long long mem_kib;
    unsigned long long free_kib; /* virNodeGetFreeMemory / 1024 */
    kd_host_cell *cells;
    size_t ncells;
    kd_host_pages *pages;
    size_t npages;
    kd_host_guest *guests;
    size_t nguests;
    bool kvm;      /* a guest arch offers domain type kvm */
    char *kvm_why; /* why not, or how it was found; never NULL */
    char *caps_xml;
} kd_host_details;

kd_host_details *kd_host_get(kd_conn *conn, kd_err *err);
void kd_host_details_free(kd_host_details *h);

/* Why KVM is not there, by looking at this machine: the CPU flags in cpuinfo (a file like
 * /proc/cpuinfo), the device node kvm_dev (/dev/kvm) and the loaded modules (a file like
 * /proc/modules). Caller frees. */
char *kd_host_kvm_diagnose(const char *cpuinfo, const char *kvm_dev, const char *modules);

/* Free memory per NUMA cell (virNodeGetCellsFreeMemory), as the text virsh freecell
 * shows. Caller frees. */
char *kd_host_freecell_text(const kd_host_details *h);

#endif
