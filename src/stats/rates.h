#ifndef KD_STATS_RATES_H
#define KD_STATS_RATES_H

/* Rates from two cumulative samples. Pure computation: no libvirt, no clock.
 *
 * Every figure is a double, and NAN means "n/a": no previous sample for this domain or
 * device, a counter that went backwards (the domain restarted, a device was replaced: a new
 * series starts and this tick has no rate), a figure the driver did not report, no elapsed
 * time, or a division that has no meaning (0 vCPUs, 0 host CPUs). Test with kd_rate_valid();
 * a rate is never negative and never computed across a reset.
 *
 * doms[i] describes cur->doms[i] of the kd_rates_compute call, in the same order. */

#include "backend/sample.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *name;                                          /* NULL for a domain's total */
    double rd_bytes_s, wr_bytes_s, rd_reqs_s, wr_reqs_s; /* per second */
} kd_block_rates;

typedef struct {
    char *name; /* NULL for a domain's total */
    double rx_bytes_s, tx_bytes_s, rx_pkts_s, tx_pkts_s;
} kd_net_rates;

typedef struct {
    char uuid[37];
    char *name;
    int id;
    int state; /* kd_dom_state */
    unsigned vcpus;
    bool has_prev;   /* the previous sample had this domain, and it did not restart since */
    double cpu_ns;   /* cpu.time used over the interval (virt-top's "CPU (ns)") */
    double cpu_pct;  /* of the whole host: cpu_ns / (elapsed x host CPUs) x 100 */
    double vcpu_pct; /* of its own vCPUs: vcpu time / (elapsed x vcpus) x 100 */
    double mem_kib;  /* balloon current (allocated) */
    double maxmem_kib;
    double mem_used_kib; /* inside the guest: available - unused; NAN without balloon stats */
    kd_block_rates blk;  /* sum over every disk; NAN unless all of them have a rate */
    kd_block_rates *blocks;
    size_t nblocks;
    kd_net_rates net; /* sum over every interface, same rule */
    kd_net_rates *nets;
    size_t nnets;
} kd_dom_rates;

typedef struct {
    uint64_t mono_ns;
    int64_t wall_s;
    double elapsed_s; /* NAN when there was no previous sample or time did not advance */
    unsigned host_cpus;
    double host_cpu_pct;      /* busy = total - idle - iowait, over the node's CPU counters */
    double host_mem_kib;      /* MemTotal, or the node info's memory without statistics */
    double host_mem_used_kib; /* MemTotal - free - buffers - cached */
    kd_dom_rates *doms;
    size_t ndoms;
} kd_rates;

static inline bool kd_rate_valid(double v)
{
    return !isnan(v);
}

/* prev may be NULL (first tick: everything that is a rate is n/a). Domains are matched by
 * UUID, devices by name. out is overwritten; free it with kd_rates_free. */
void kd_rates_compute(const kd_sample *prev, const kd_sample *cur, kd_rates *out);
/* Free what the rates hold and zero them. NULL is fine. */
void kd_rates_free(kd_rates *r);
/* The domain with this UUID, or NULL. */
const kd_dom_rates *kd_rates_find(const kd_rates *r, const char *uuid);

#endif
