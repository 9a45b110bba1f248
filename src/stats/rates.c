#include "stats/rates.h"
#include "backend/domain.h"
#include "core/str.h"

#include <stdlib.h>
#include <string.h>

#define NS_PER_S   1e9
#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* A counter in a device's sample and the rate it becomes. */
typedef struct {
    size_t counter; /* uint64_t in kd_block_sample / kd_net_sample */
    size_t rate;    /* double in kd_block_rates / kd_net_rates */
} counter_map;

/* How one kind of device is laid out, so disks and interfaces share one code path. */
typedef struct {
    const counter_map *map;
    size_t nmap;
    size_t sample_size, rates_size;
    size_t sample_name, rates_name; /* offsets of the char * names */
} dev_kind;

static const counter_map block_map[] = {
    {offsetof(kd_block_sample, rd_bytes), offsetof(kd_block_rates, rd_bytes_s)},
    {offsetof(kd_block_sample, wr_bytes), offsetof(kd_block_rates, wr_bytes_s)},
    {offsetof(kd_block_sample, rd_reqs), offsetof(kd_block_rates, rd_reqs_s)},
    {offsetof(kd_block_sample, wr_reqs), offsetof(kd_block_rates, wr_reqs_s)},
};

static const counter_map net_map[] = {
    {offsetof(kd_net_sample, rx_bytes), offsetof(kd_net_rates, rx_bytes_s)},
    {offsetof(kd_net_sample, tx_bytes), offsetof(kd_net_rates, tx_bytes_s)},
    {offsetof(kd_net_sample, rx_pkts), offsetof(kd_net_rates, rx_pkts_s)},
    {offsetof(kd_net_sample, tx_pkts), offsetof(kd_net_rates, tx_pkts_s)},
};

static const dev_kind block_kind = {
    block_map,
    NFIELDS(block_map),
    sizeof(kd_block_sample),
    sizeof(kd_block_rates),
    offsetof(kd_block_sample, name),
    offsetof(kd_block_rates, name),
};

static const dev_kind net_kind = {
    net_map,
    NFIELDS(net_map),
    sizeof(kd_net_sample),
    sizeof(kd_net_rates),
    offsetof(kd_net_sample, name),
    offsetof(kd_net_rates, name),
};

static uint64_t get_u64(const void *base, size_t off)
{
    uint64_t v;
    memcpy(&v, (const char *)base + off, sizeof(v));
    return v;
}

static double *rate_at(void *base, size_t off)
{
    return (double *)(void *)((char *)base + off);
}

static const char *name_at(const void *base, size_t off)
{
    const char *s;
    memcpy(&s, (const char *)base + off, sizeof(s));
    return s;
}

static void clear_rates(const dev_kind *k, void *r)
{
    for (size_t i = 0; i < k->nmap; i++)
        *rate_at(r, k->map[i].rate) = NAN;
}

static const void *find_dev(const dev_kind *k, const void *devs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        const void *d = (const char *)devs + i * k->sample_size;
        if (kd_str_eq(name_at(d, k->sample_name), name))
            return d;
    }
    return NULL;
}

/* A device whose counters went backwards was replaced or reset: all its figures are n/a
 * this tick, the next tick starts the new series. */
static void dev_rates(const dev_kind *k, const void *p, const void *c, double elapsed, void *r)
{
    for (size_t i = 0; i < k->nmap; i++)
        if (get_u64(c, k->map[i].counter) < get_u64(p, k->map[i].counter))
            return;
    for (size_t i = 0; i < k->nmap; i++) {
        uint64_t delta = get_u64(c, k->map[i].counter) - get_u64(p, k->map[i].counter);
        *rate_at(r, k->map[i].rate) = (double)delta / elapsed;
    }
}

/* A total over part of the devices would look like a drop in traffic: it is all or n/a. */
static void dev_total(const dev_kind *k, const void *rates, size_t n, void *total)
{
    clear_rates(k, total);
    if (n == 0)
        return;
    for (size_t f = 0; f < k->nmap; f++) {
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += *rate_at((char *)rates + i * k->rates_size, k->map[f].rate);
        *rate_at(total, k->map[f].rate) = sum; /* NAN wins the sum */
    }
}

/* prev_devs NULL: no usable previous sample, names only. */
static void *devs_compute(const dev_kind *k, const void *prev_devs, size_t nprev,
                          const void *cur_devs, size_t n, double elapsed)
{
    char *out = kd_calloc(n, k->rates_size);
    for (size_t i = 0; i < n; i++) {
        const void *c = (const char *)cur_devs + i * k->sample_size;
        void *r = out + i * k->rates_size;
        char *name = kd_strdup(name_at(c, k->sample_name));
        memcpy((char *)r + k->rates_name, &name, sizeof(name));
        clear_rates(k, r);
        const void *p = prev_devs ? find_dev(k, prev_devs, nprev, name) : NULL;
        if (p)
            dev_rates(k, p, c, elapsed, r);
    }
    return out;
}

static void free_devs(const dev_kind *k, void *devs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *name;
        memcpy(&name, (char *)devs + i * k->rates_size + k->rates_name, sizeof(name));
        free(name);
    }
    free(devs);
}

static bool has(const kd_dom_sample *d, unsigned flag)
{
    return (d->flags & flag) != 0;
}

/* A domain that stopped and started again has a new ID, and its cpu.time starts over. */
static bool restarted(const kd_dom_sample *p, const kd_dom_sample *c)
{
    if (p->id != c->id)
        return true;
    return has(p, KD_SAMPLE_HAS_CPU) && has(c, KD_SAMPLE_HAS_CPU) &&
           c->cpu_time_ns < p->cpu_time_ns;
}

static double pct(double used, double span)
{
    return span > 0 ? used / span * 100.0 : NAN;
}

static void dom_memory(const kd_dom_sample *c, kd_dom_rates *r)
{
    r->mem_kib = r->maxmem_kib = r->mem_used_kib = NAN;
    if (has(c, KD_SAMPLE_HAS_BALLOON)) {
        r->mem_kib = (double)c->mem_kib;
        r->maxmem_kib = (double)c->maxmem_kib;
    }
    if (has(c, KD_SAMPLE_HAS_GUEST_MEM) && c->avail_kib >= c->unused_kib)
        r->mem_used_kib = (double)(c->avail_kib - c->unused_kib);
}

static void dom_cpu(const kd_dom_sample *p, const kd_dom_sample *c, double elapsed,
                    unsigned host_cpus, kd_dom_rates *r)
{
    double span_ns = elapsed * NS_PER_S;
    if (has(p, KD_SAMPLE_HAS_CPU) && has(c, KD_SAMPLE_HAS_CPU)) {
        r->cpu_ns = (double)(c->cpu_time_ns - p->cpu_time_ns);
        r->cpu_pct = pct(r->cpu_ns, span_ns * host_cpus);
    }
    if (has(p, KD_SAMPLE_HAS_VCPU_TIME) && has(c, KD_SAMPLE_HAS_VCPU_TIME) &&
        has(c, KD_SAMPLE_HAS_VCPU) && c->vcpu_time_ns >= p->vcpu_time_ns)
        r->vcpu_pct = pct((double)(c->vcpu_time_ns - p->vcpu_time_ns), span_ns * c->vcpus);
}

/* p NULL, or elapsed NAN: the domain gets its identity and memory, and n/a rates. */
static void dom_compute(const kd_dom_sample *p, const kd_dom_sample *c, double elapsed,
                        unsigned host_cpus, kd_dom_rates *r)
{
    memcpy(r->uuid, c->uuid, sizeof(r->uuid));
    r->name = kd_strdup(c->name ? c->name : "");
    r->id = c->id;
    r->state = c->state;
    r->vcpus = c->vcpus;
    r->cpu_ns = r->cpu_pct = r->vcpu_pct = NAN;
    dom_memory(c, r);
    r->has_prev = p && !restarted(p, c);
    bool rates = r->has_prev && kd_rate_valid(elapsed);
    if (rates)
        dom_cpu(p, c, elapsed, host_cpus, r);
    r->nblocks = c->nblocks;
    r->blocks = devs_compute(&block_kind, rates ? p->blocks : NULL, rates ? p->nblocks : 0,
                             c->blocks, c->nblocks, elapsed);
    r->nnets = c->nnets;
    r->nets = devs_compute(&net_kind, rates ? p->nets : NULL, rates ? p->nnets : 0, c->nets,
                           c->nnets, elapsed);
    dev_total(&block_kind, r->blocks, r->nblocks, &r->blk);
    dev_total(&net_kind, r->nets, r->nnets, &r->net);
}

static void host_compute(const kd_sample *p, const kd_sample *c, double elapsed, kd_rates *r)
{
    r->host_cpus = c->host_cpus;
    r->host_cpu_pct = NAN;
    uint64_t total = c->has_host_mem ? c->host_total_kib : c->host_mem_kib;
    r->host_mem_kib = total ? (double)total : NAN;
    r->host_mem_used_kib = NAN;
    uint64_t unavailable = c->host_free_kib + c->host_buffers_kib + c->host_cached_kib;
    if (c->has_host_mem && c->host_total_kib >= unavailable)
        r->host_mem_used_kib = (double)(c->host_total_kib - unavailable);
    if (!p || !kd_rate_valid(elapsed) || !p->has_host_cpu || !c->has_host_cpu)
        return;
    /* Any counter going back means the host rebooted between the two samples. */
    if (c->host_cpu_user_ns < p->host_cpu_user_ns ||
        c->host_cpu_system_ns < p->host_cpu_system_ns ||
        c->host_cpu_idle_ns < p->host_cpu_idle_ns || c->host_cpu_iowait_ns < p->host_cpu_iowait_ns)
        return;
    double busy = (double)(c->host_cpu_user_ns - p->host_cpu_user_ns) +
                  (double)(c->host_cpu_system_ns - p->host_cpu_system_ns);
    double idle = (double)(c->host_cpu_idle_ns - p->host_cpu_idle_ns) +
                  (double)(c->host_cpu_iowait_ns - p->host_cpu_iowait_ns);
    r->host_cpu_pct = pct(busy, busy + idle);
}

static int cmp_dom_ptr(const void *a, const void *b)
{
    const kd_dom_sample *x = *(const kd_dom_sample *const *)a;
    const kd_dom_sample *y = *(const kd_dom_sample *const *)b;
    return strcmp(x->uuid, y->uuid);
}

static int cmp_uuid_key(const void *key, const void *elem)
{
    const kd_dom_sample *d = *(const kd_dom_sample *const *)elem;
    return strcmp(key, d->uuid);
}

void kd_rates_compute(const kd_sample *prev, const kd_sample *cur, kd_rates *out)
{
    memset(out, 0, sizeof(*out));
    out->mono_ns = cur->mono_ns;
    out->wall_s = cur->wall_s;
    out->elapsed_s = NAN;
    if (prev && cur->mono_ns > prev->mono_ns)
        out->elapsed_s = (double)(cur->mono_ns - prev->mono_ns) / NS_PER_S;
    host_compute(prev, cur, out->elapsed_s, out);

    /* Sorted by UUID so that matching stays cheap with hundreds of domains. */
    size_t np = prev ? prev->ndoms : 0;
    const kd_dom_sample **index = kd_calloc(np, sizeof(*index));
    for (size_t i = 0; i < np; i++)
        index[i] = &prev->doms[i];
    qsort(index, np, sizeof(*index), cmp_dom_ptr);

    out->ndoms = cur->ndoms;
    out->doms = kd_calloc(cur->ndoms, sizeof(*out->doms));
    for (size_t i = 0; i < cur->ndoms; i++) {
        const kd_dom_sample *c = &cur->doms[i];
        const kd_dom_sample *const *hit =
            np ? bsearch(c->uuid, index, np, sizeof(*index), cmp_uuid_key) : NULL;
        dom_compute(hit ? *hit : NULL, c, out->elapsed_s, cur->host_cpus, &out->doms[i]);
    }
    free(index);
}

void kd_rates_free(kd_rates *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ndoms; i++) {
        kd_dom_rates *d = &r->doms[i];
        free_devs(&block_kind, d->blocks, d->nblocks);
        free_devs(&net_kind, d->nets, d->nnets);
        free(d->name);
    }
    free(r->doms);
    memset(r, 0, sizeof(*r));
}

const kd_dom_rates *kd_rates_find(const kd_rates *r, const char *uuid)
{
    for (size_t i = 0; i < r->ndoms; i++)
        if (strcmp(r->doms[i].uuid, uuid) == 0)
            return &r->doms[i];
    return NULL;
}
