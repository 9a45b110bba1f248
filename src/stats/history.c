#include "stats/history.h"
#include "backend/domain.h"
#include "core/str.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double *v;
    size_t cap;
    size_t head; /* where the next point goes */
    size_t len;
} ring;

typedef struct {
    char uuid[37];
    ring series[KD_SERIES_LAST];
    uint64_t last_tick; /* the tick that last carried this domain */
    unsigned absent;    /* ticks since then */
} dom_hist;

struct kd_history {
    size_t cap;
    unsigned forget_after;
    uint64_t tick;
    ring times;
    ring host[KD_SERIES_LAST];
    dom_hist **doms; /* sorted by uuid */
    size_t ndoms, doms_cap;
};

static void ring_init(ring *r, size_t cap)
{
    r->v = kd_calloc(cap, sizeof(*r->v));
    r->cap = cap;
    r->head = r->len = 0;
}

static void ring_push(ring *r, double v)
{
    r->v[r->head] = v;
    r->head = (r->head + 1) % r->cap;
    if (r->len < r->cap)
        r->len++;
}

static size_t ring_last(const ring *r, double *out, size_t n)
{
    if (n > r->len)
        n = r->len;
    size_t start = (r->head + r->cap - n) % r->cap;
    for (size_t i = 0; i < n; i++)
        out[i] = r->v[(start + i) % r->cap];
    return n;
}

kd_history *kd_history_new(size_t capacity, unsigned forget_after)
{
    kd_history *h = kd_calloc(1, sizeof(*h));
    h->cap = capacity ? capacity : 1;
    h->forget_after = forget_after;
    ring_init(&h->times, h->cap);
    for (int s = 0; s < KD_SERIES_LAST; s++)
        ring_init(&h->host[s], h->cap);
    return h;
}

static void dom_free(dom_hist *d)
{
    for (int s = 0; s < KD_SERIES_LAST; s++)
        free(d->series[s].v);
    free(d);
}

void kd_history_free(kd_history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->ndoms; i++)
        dom_free(h->doms[i]);
    free(h->doms);
    free(h->times.v);
    for (int s = 0; s < KD_SERIES_LAST; s++)
        free(h->host[s].v);
    free(h);
}

/* Index of uuid in the sorted table, or where it would go (*found false). */
static size_t dom_pos(const kd_history *h, const char *uuid, bool *found)
{
    size_t lo = 0, hi = h->ndoms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(h->doms[mid]->uuid, uuid);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static dom_hist *dom_get(kd_history *h, const char *uuid)
{
    bool found;
    size_t i = dom_pos(h, uuid, &found);
    if (found)
        return h->doms[i];
    if (h->ndoms == h->doms_cap) {
        h->doms_cap = h->doms_cap ? h->doms_cap * 2 : 16;
        h->doms = kd_realloc(h->doms, h->doms_cap * sizeof(*h->doms));
    }
    dom_hist *d = kd_calloc(1, sizeof(*d));
    snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
    for (int s = 0; s < KD_SERIES_LAST; s++)
        ring_init(&d->series[s], h->cap);
    memmove(&h->doms[i + 1], &h->doms[i], (h->ndoms - i) * sizeof(*h->doms));
    h->doms[i] = d;
    h->ndoms++;
    return d;
}

static double sum2(double a, double b)
{
    return a + b; /* a gap in either half is a gap in the sum */
}

static void dom_push(dom_hist *d, const kd_dom_rates *r)
{
    ring_push(&d->series[KD_SERIES_CPU], r->cpu_pct);
    ring_push(&d->series[KD_SERIES_MEM], r->mem_used_kib);
    ring_push(&d->series[KD_SERIES_DISK], sum2(r->blk.rd_bytes_s, r->blk.wr_bytes_s));
    ring_push(&d->series[KD_SERIES_NET], sum2(r->net.rx_bytes_s, r->net.tx_bytes_s));
}

/* The host's disk and net are what its guests move; a guest without the figure this tick
 * does not make the whole host a gap. */
static void host_push(kd_history *h, const kd_rates *r)
{
    double disk = 0, net = 0;
    size_t ndisk = 0, nnet = 0;
    for (size_t i = 0; i < r->ndoms; i++) {
        double d = sum2(r->doms[i].blk.rd_bytes_s, r->doms[i].blk.wr_bytes_s);
        double n = sum2(r->doms[i].net.rx_bytes_s, r->doms[i].net.tx_bytes_s);
        if (kd_rate_valid(d)) {
            disk += d;
            ndisk++;
        }
        if (kd_rate_valid(n)) {
            net += n;
            nnet++;
        }
    }
    ring_push(&h->host[KD_SERIES_CPU], r->host_cpu_pct);
    ring_push(&h->host[KD_SERIES_MEM], r->host_mem_used_kib);
    ring_push(&h->host[KD_SERIES_DISK], ndisk ? disk : NAN);
    ring_push(&h->host[KD_SERIES_NET], nnet ? net : NAN);
}

/* Domains missing from this tick get a gap; the long gone are dropped. */
static void age_absent(kd_history *h)
{
    size_t keep = 0;
    for (size_t i = 0; i < h->ndoms; i++) {
        dom_hist *d = h->doms[i];
        if (d->last_tick != h->tick) {
            for (int s = 0; s < KD_SERIES_LAST; s++)
                ring_push(&d->series[s], NAN);
            if (++d->absent > h->forget_after) {
                dom_free(d);
                continue;
            }
        }
        h->doms[keep++] = d;
    }
    h->ndoms = keep;
}

void kd_history_add(kd_history *h, const kd_rates *r)
{
    h->tick++;
    ring_push(&h->times, (double)r->wall_s);
    host_push(h, r);
    for (size_t i = 0; i < r->ndoms; i++) {
        /* A shut-off domain has nothing to graph: it ages out like a vanished one instead
         * of keeping rings of gaps (most of the memory on a host of mostly idle domains). */
        if (r->doms[i].state == KD_DOM_SHUTOFF)
            continue;
        dom_hist *d = dom_get(h, r->doms[i].uuid);
        if (d->last_tick == h->tick)
            continue; /* the same UUID twice in one tick: keep the first */
        d->last_tick = h->tick;
        d->absent = 0;
        dom_push(d, &r->doms[i]);
    }
    age_absent(h);
}

size_t kd_history_capacity(const kd_history *h)
{
    return h->cap;
}

size_t kd_history_ndoms(const kd_history *h)
{
    return h->ndoms;
}

bool kd_history_has(const kd_history *h, const char *uuid)
{
    bool found;
    dom_pos(h, uuid, &found);
    return found;
}

size_t kd_history_read(const kd_history *h, const char *uuid, kd_series s, double *out, size_t n)
{
    if (s < 0 || s >= KD_SERIES_LAST)
        return 0;
    if (!uuid)
        return ring_last(&h->host[s], out, n);
    bool found;
    size_t i = dom_pos(h, uuid, &found);
    return found ? ring_last(&h->doms[i]->series[s], out, n) : 0;
}

size_t kd_history_read_times(const kd_history *h, int64_t *out, size_t n)
{
    if (n > h->times.len)
        n = h->times.len;
    size_t start = (h->times.head + h->times.cap - n) % h->times.cap;
    for (size_t i = 0; i < n; i++)
        out[i] = (int64_t)h->times.v[(start + i) % h->times.cap];
    return n;
}

/* Rounds toward minus infinity, so that buckets before 1970 line up too. */
static int64_t bucket_start(int64_t t, int64_t width)
{
    int64_t q = t / width;
    if (t % width != 0 && t < 0)
        q--;
    return q * width;
}

static void bucket_add(kd_bucket *b, double *sum, double v)
{
    if (isnan(v))
        return;
    if (b->n == 0 || v < b->min)
        b->min = v;
    if (b->n == 0 || v > b->max)
        b->max = v;
    *sum += v;
    b->n++;
}

size_t kd_history_downsample(const int64_t *t, const double *v, size_t n, int64_t width,
                             kd_bucket *out, size_t max)
{
    if (width <= 0 || max == 0)
        return 0;
    size_t nb = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t start = bucket_start(t[i], width);
        if (nb == 0 || out[nb - 1].start != start) {
            if (nb > 0)
                out[nb - 1].mean = out[nb - 1].n ? sum / out[nb - 1].n : NAN;
            if (nb == max)
                return nb;
            out[nb++] = (kd_bucket){start, NAN, NAN, NAN, 0};
            sum = 0;
        }
        bucket_add(&out[nb - 1], &sum, v[i]);
    }
    if (nb > 0)
        out[nb - 1].mean = out[nb - 1].n ? sum / out[nb - 1].n : NAN;
    return nb;
}
