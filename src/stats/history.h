#ifndef KD_STATS_HISTORY_H
#define KD_STATS_HISTORY_H

/* Fixed-size history of a few series per domain and for the host, one point per tick,
 * for drawing graphs; and the aggregation into coarser buckets that persistence uses.
 * A tick without a rate stores NAN: a gap, drawn as such, never as zero. */

#include "stats/rates.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    /* Stored by number in the local database: never renumber. */
    KD_SERIES_CPU = 0,  /* %CPU of the host (domain: cpu_pct; host: host_cpu_pct) */
    KD_SERIES_MEM = 1,  /* KiB used (domain: inside the guest; host: host_mem_used_kib) */
    KD_SERIES_DISK = 2, /* read + write bytes/s (host: the sum over the domains that have it) */
    KD_SERIES_NET = 3,  /* rx + tx bytes/s (host: likewise) */
    KD_SERIES_LAST
} kd_series;

typedef struct kd_history kd_history;

/* capacity: points kept per series (600 = 10 minutes at one tick a second). A domain that
 * stops appearing gets gaps, and is forgotten after forget_after ticks without it. */
kd_history *kd_history_new(size_t capacity, unsigned forget_after);
void kd_history_free(kd_history *h);

/* Append one tick. */
void kd_history_add(kd_history *h, const kd_rates *r);

size_t kd_history_capacity(const kd_history *h);
/* Number of domains currently remembered, and whether this one is. */
size_t kd_history_ndoms(const kd_history *h);
bool kd_history_has(const kd_history *h, const char *uuid);

/* Copy the last n points (fewer if fewer are kept) of a series, oldest first, into out;
 * returns how many. uuid NULL reads the host. A domain's series is as long as the domain
 * has been known, so its points line up with the newest end of kd_history_read_times. */
size_t kd_history_read(const kd_history *h, const char *uuid, kd_series s, double *out, size_t n);
/* The wall-clock time (seconds) of the last n ticks, oldest first. */
size_t kd_history_read_times(const kd_history *h, int64_t *out, size_t n);

typedef struct {
    int64_t start;         /* a multiple of the bucket width */
    double mean, min, max; /* NAN when the bucket held only gaps */
    unsigned n;            /* points that were not gaps */
} kd_bucket;

/* Aggregate points (t[i], v[i]), oldest first, into buckets of width seconds aligned on
 * multiples of width; gaps (NAN) are skipped but a bucket made only of gaps is still
 * returned, with n == 0. Writes at most max buckets and returns how many were written. */
size_t kd_history_downsample(const int64_t *t, const double *v, size_t n, int64_t width,
                             kd_bucket *out, size_t max);

#endif
