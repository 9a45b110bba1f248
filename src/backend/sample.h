#ifndef KD_BACKEND_SAMPLE_H
#define KD_BACKEND_SAMPLE_H

/* One tick's raw, cumulative figures, as the backend reads them in one bulk call:
 * plain data for src/stats/, which turns pairs of samples into rates. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *name; /* vda, or the interface name vnet0 */
    uint64_t rd_reqs, rd_bytes, wr_reqs, wr_bytes;
} kd_block_sample;

typedef struct {
    char *name;
    uint64_t rx_bytes, rx_pkts, rx_errs, rx_drop;
    uint64_t tx_bytes, tx_pkts, tx_errs, tx_drop;
} kd_net_sample;

enum {
    KD_SAMPLE_HAS_CPU = 1 << 0,
    KD_SAMPLE_HAS_BALLOON = 1 << 1,   /* current/maximum */
    KD_SAMPLE_HAS_GUEST_MEM = 1 << 2, /* available/unused from the guest's driver */
    KD_SAMPLE_HAS_VCPU = 1 << 3,      /* vcpus (vcpu.current) */
    KD_SAMPLE_HAS_VCPU_TIME = 1 << 4, /* vcpu_time_ns: at least one vcpu.N.time */
};

typedef struct {
    char uuid[37];
    char *name;
    int id;    /* -1 when not running */
    int state; /* kd_dom_state */
    unsigned flags;
    unsigned vcpus;
    uint64_t cpu_time_ns;  /* cpu.time: all of the domain's threads */
    uint64_t vcpu_time_ns; /* sum of vcpu.N.time */
    uint64_t mem_kib;      /* balloon.current */
    uint64_t maxmem_kib;   /* balloon.maximum */
    uint64_t avail_kib;    /* balloon.available */
    uint64_t unused_kib;   /* balloon.unused */
    kd_block_sample *blocks;
    size_t nblocks;
    kd_net_sample *nets;
    size_t nnets;
} kd_dom_sample;

typedef struct {
    uint64_t mono_ns;      /* CLOCK_MONOTONIC when the sample was taken */
    int64_t wall_s;        /* time(NULL), for CSV and history */
    char *hostname;        /* NULL when unknown */
    char host_model[32];   /* virNodeInfo.model: "x86_64"; virt-top's Arch column */
    unsigned host_cpus;    /* active CPUs: the divisor of %CPU */
    unsigned host_maxcpus; /* nodes x sockets x cores x threads: virt-top's Physical CPUs */
    unsigned host_mhz;
    uint64_t host_mem_kib; /* installed memory, from the node info */
    bool has_host_cpu;
    uint64_t host_cpu_user_ns, host_cpu_system_ns, host_cpu_idle_ns, host_cpu_iowait_ns;
    /* From the node's memory statistics (/proc/meminfo), which need not agree with the node
     * info's figure inside containers; used memory is computed from these alone. */
    bool has_host_mem;
    uint64_t host_total_kib, host_free_kib, host_buffers_kib, host_cached_kib;
    kd_dom_sample *doms;
    size_t ndoms;
} kd_sample;

/* Free what the sample holds and zero it; the struct itself is the caller's. NULL is fine. */
void kd_sample_free(kd_sample *s);

#endif
