#include "backend/sampler.h"
#include "backend/conn_priv.h"
#include "backend/domain.h"
#include "backend/virt.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STATS_GROUPS                                                                               \
    (VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON |              \
     VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK)

/* No domain filter: inactive domains come back too (state and configured memory only), so
 * the view can count and list them as virt-top does. NOWAIT: a domain whose monitor is
 * busy with a long job gives only what needs no monitor this tick, instead of stalling the
 * whole tick; its missing figures show as n/a. */
#define STATS_FLAGS VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT

/* The private bits mark halves of a pair that only counts when both halves arrived. */
enum {
    SEEN_AVAIL = 1u << 16,
    SEEN_UNUSED = 1u << 17,
    SEEN_MASK = SEEN_AVAIL | SEEN_UNUSED,
};

static atomic_ulong calls;

/* Every call that reaches the driver goes through here, so kd_sampler_calls can prove the
 * cost of a tick does not grow with the number of domains. */
static void count_call(void)
{
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
}

unsigned long kd_sampler_calls(void)
{
    return atomic_load_explicit(&calls, memory_order_relaxed);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Drivers differ in the integer type they use for the same field. */
static bool param_u64(const virTypedParameter *p, uint64_t *v)
{
    if (p->type == VIR_TYPED_PARAM_UINT)
        *v = p->value.ui;
    else if (p->type == VIR_TYPED_PARAM_ULLONG)
        *v = p->value.ul;
    else if (p->type == VIR_TYPED_PARAM_INT && p->value.i >= 0)
        *v = (uint64_t)p->value.i;
    else if (p->type == VIR_TYPED_PARAM_LLONG && p->value.l >= 0)
        *v = (uint64_t)p->value.l;
    else
        return false;
    return true;
}

static void set_state(kd_dom_sample *d, uint64_t v)
{
    d->state = v < KD_DOM_LAST ? (int)v : KD_DOM_NOSTATE;
}

static void set_vcpus(kd_dom_sample *d, uint64_t v)
{
    d->vcpus = v > 0xffff ? 0xffff : (unsigned)v;
}

typedef struct {
    const char *field;
    size_t off; /* of a uint64_t in kd_dom_sample, when set is NULL */
    void (*set)(kd_dom_sample *d, uint64_t v);
    unsigned flag;
} dom_field;

static const dom_field dom_fields[] = {
    {"state.state", 0, set_state, 0},
    {"cpu.time", offsetof(kd_dom_sample, cpu_time_ns), NULL, KD_SAMPLE_HAS_CPU},
    {"balloon.current", offsetof(kd_dom_sample, mem_kib), NULL, KD_SAMPLE_HAS_BALLOON},
    {"balloon.maximum", offsetof(kd_dom_sample, maxmem_kib), NULL, 0},
    {"balloon.available", offsetof(kd_dom_sample, avail_kib), NULL, SEEN_AVAIL},
    {"balloon.unused", offsetof(kd_dom_sample, unused_kib), NULL, SEEN_UNUSED},
    {"vcpu.current", 0, set_vcpus, KD_SAMPLE_HAS_VCPU},
};

typedef struct {
    const char *field;
    size_t off; /* of a uint64_t in the device's struct */
} dev_field;

static const dev_field block_fields[] = {
    {"rd.reqs", offsetof(kd_block_sample, rd_reqs)},
    {"rd.bytes", offsetof(kd_block_sample, rd_bytes)},
    {"wr.reqs", offsetof(kd_block_sample, wr_reqs)},
    {"wr.bytes", offsetof(kd_block_sample, wr_bytes)},
};

static const dev_field net_fields[] = {
    {"rx.bytes", offsetof(kd_net_sample, rx_bytes)}, {"rx.pkts", offsetof(kd_net_sample, rx_pkts)},
    {"rx.errs", offsetof(kd_net_sample, rx_errs)},   {"rx.drop", offsetof(kd_net_sample, rx_drop)},
    {"tx.bytes", offsetof(kd_net_sample, tx_bytes)}, {"tx.pkts", offsetof(kd_net_sample, tx_pkts)},
    {"tx.errs", offsetof(kd_net_sample, tx_errs)},   {"tx.drop", offsetof(kd_net_sample, tx_drop)},
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

static void put_u64(void *base, size_t off, uint64_t v)
{
    memcpy((char *)base + off, &v, sizeof(v));
}

/* "block.3.rd.bytes" with prefix "block." -> index 3, *rest "rd.bytes". */
static bool split_indexed(const char *field, const char *prefix, size_t *index, const char **rest)
{
    size_t n = strlen(prefix);
    if (strncmp(field, prefix, n) != 0 || field[n] < '0' || field[n] > '9')
        return false;
    char *end;
    unsigned long i = strtoul(field + n, &end, 10);
    if (*end != '.')
        return false;
    *index = i;
    *rest = end + 1;
    return true;
}

/* Fills one device field; the device's name is its string parameter "name". */
static void put_dev(void *dev, char **name, const dev_field *tab, size_t ntab, const char *rest,
                    const virTypedParameter *p)
{
    uint64_t v;
    if (strcmp(rest, "name") == 0) {
        if (p->type == VIR_TYPED_PARAM_STRING && p->value.s && !*name)
            *name = kd_strdup(p->value.s);
        return;
    }
    for (size_t i = 0; i < ntab; i++)
        if (strcmp(rest, tab[i].field) == 0 && param_u64(p, &v))
            put_u64(dev, tab[i].off, v);
}

static bool put_indexed(kd_dom_sample *d, const virTypedParameter *p)
{
    size_t i;
    const char *rest;
    uint64_t v;
    if (split_indexed(p->field, "block.", &i, &rest)) {
        if (i < d->nblocks)
            put_dev(&d->blocks[i], &d->blocks[i].name, block_fields, NFIELDS(block_fields), rest,
                    p);
        return true;
    }
    if (split_indexed(p->field, "net.", &i, &rest)) {
        if (i < d->nnets)
            put_dev(&d->nets[i], &d->nets[i].name, net_fields, NFIELDS(net_fields), rest, p);
        return true;
    }
    if (split_indexed(p->field, "vcpu.", &i, &rest)) {
        if (strcmp(rest, "time") == 0 && param_u64(p, &v)) {
            d->vcpu_time_ns += v;
            d->flags |= KD_SAMPLE_HAS_VCPU_TIME;
        }
        return true;
    }
    return false;
}

static void put_field(kd_dom_sample *d, const virTypedParameter *p)
{
    uint64_t v;
    if (put_indexed(d, p))
        return;
    for (size_t i = 0; i < NFIELDS(dom_fields); i++) {
        const dom_field *f = &dom_fields[i];
        if (strcmp(p->field, f->field) != 0 || !param_u64(p, &v))
            continue;
        if (f->set)
            f->set(d, v);
        else
            put_u64(d, f->off, v);
        d->flags |= f->flag;
        return;
    }
}

/* The counts come before the devices in libvirt's list, but nothing promises it: size the
 * arrays in a first pass. A count larger than the list itself is a broken reply. */
static void size_devices(kd_dom_sample *d, const virTypedParameter *params, int nparams)
{
    uint64_t v;
    for (int i = 0; i < nparams; i++) {
        if (strcmp(params[i].field, "block.count") == 0 && param_u64(&params[i], &v))
            d->nblocks = v <= (uint64_t)nparams ? (size_t)v : 0;
        else if (strcmp(params[i].field, "net.count") == 0 && param_u64(&params[i], &v))
            d->nnets = v <= (uint64_t)nparams ? (size_t)v : 0;
    }
    if (d->nblocks)
        d->blocks = kd_calloc(d->nblocks, sizeof(*d->blocks));
    if (d->nnets)
        d->nets = kd_calloc(d->nnets, sizeof(*d->nets));
}

static void name_devices(kd_dom_sample *d)
{
    for (size_t i = 0; i < d->nblocks; i++)
        if (!d->blocks[i].name)
            d->blocks[i].name = kd_asprintf("block%zu", i);
    for (size_t i = 0; i < d->nnets; i++)
        if (!d->nets[i].name)
            d->nets[i].name = kd_asprintf("net%zu", i);
}

static void read_record(const kd_conn *conn, virDomainStatsRecordPtr rec, kd_dom_sample *d)
{
    memset(d, 0, sizeof(*d));
    /* The name is a plain accessor; libvirt's UUID and ID getters each format the UUID for
     * a debug message, which at a thousand domains costs more than the bulk call itself.
     * The domain table, kept by events, already knows both. */
    const char *name = virDomainGetName(rec->dom);
    d->name = kd_strdup(name ? name : "?");
    const kd_domain *known = name ? kd_conn_domain_by_name(conn, name) : NULL;
    if (known) {
        memcpy(d->uuid, known->uuid, sizeof(d->uuid));
        d->id = known->id;
    } else {
        if (virDomainGetUUIDString(rec->dom, d->uuid) < 0)
            d->uuid[0] = '\0';
        d->id = (int)virDomainGetID(rec->dom);
    }
    size_devices(d, rec->params, rec->nparams);
    for (int i = 0; i < rec->nparams; i++)
        put_field(d, &rec->params[i]);
    if ((d->flags & SEEN_MASK) == SEEN_MASK)
        d->flags |= KD_SAMPLE_HAS_GUEST_MEM;
    d->flags &= ~(unsigned)SEEN_MASK;
    name_devices(d);
}

static int read_domains(const kd_conn *conn, virConnectPtr vc, kd_sample *s, kd_err *err)
{
    virDomainStatsRecordPtr *recs = NULL;
    uint64_t t0 = now_ns();
    count_call();
    int n = virConnectGetAllDomainStats(vc, STATS_GROUPS, &recs, STATS_FLAGS);
    uint64_t t1 = now_ns();
    if (n < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "reading domain statistics");
        return -1;
    }
    /* The figures were read somewhere during the call; its middle is the best guess. */
    s->mono_ns = t0 + (t1 - t0) / 2;
    s->ndoms = (size_t)n;
    s->doms = kd_calloc(s->ndoms, sizeof(*s->doms));
    for (int i = 0; i < n; i++)
        read_record(conn, recs[i], &s->doms[i]);
    virDomainStatsRecordListFree(recs);
    return 0;
}

typedef struct {
    const char *field;
    size_t off;    /* in kd_sample */
    bool required; /* without it the group is useless */
} host_field;

/* Interrupt time (BSD) is busy time, as kernel time is. */
static const host_field host_cpu_fields[] = {
    {VIR_NODE_CPU_STATS_USER, offsetof(kd_sample, host_cpu_user_ns), true},
    {VIR_NODE_CPU_STATS_KERNEL, offsetof(kd_sample, host_cpu_system_ns), true},
    {VIR_NODE_CPU_STATS_INTR, offsetof(kd_sample, host_cpu_system_ns), false},
    {VIR_NODE_CPU_STATS_IDLE, offsetof(kd_sample, host_cpu_idle_ns), true},
    {VIR_NODE_CPU_STATS_IOWAIT, offsetof(kd_sample, host_cpu_iowait_ns), false},
};

static const host_field host_mem_fields[] = {
    {VIR_NODE_MEMORY_STATS_TOTAL, offsetof(kd_sample, host_total_kib), true},
    {VIR_NODE_MEMORY_STATS_FREE, offsetof(kd_sample, host_free_kib), true},
    {VIR_NODE_MEMORY_STATS_BUFFERS, offsetof(kd_sample, host_buffers_kib), false},
    {VIR_NODE_MEMORY_STATS_CACHED, offsetof(kd_sample, host_cached_kib), false},
};

/* Adds a known field into its slot; returns how many required fields it was. */
static size_t add_host_field(kd_sample *s, const host_field *tab, size_t ntab, const char *field,
                             unsigned long long value)
{
    size_t seen = 0;
    for (size_t i = 0; i < ntab; i++) {
        if (strcmp(field, tab[i].field) != 0)
            continue;
        uint64_t cur;
        memcpy(&cur, (char *)s + tab[i].off, sizeof(cur));
        put_u64(s, tab[i].off, cur + value);
        seen += tab[i].required;
    }
    return seen;
}

static size_t count_required(const host_field *tab, size_t ntab)
{
    size_t n = 0;
    for (size_t i = 0; i < ntab; i++)
        n += tab[i].required;
    return n;
}

/* libvirt wants the exact parameter count, which only a first call tells. A host that
 * offers no CPU statistics is not an error: the figure is simply absent. */
static void read_host_cpu(virConnectPtr vc, kd_sample *s)
{
    int n = 0;
    count_call();
    if (virNodeGetCPUStats(vc, VIR_NODE_CPU_STATS_ALL_CPUS, NULL, &n, 0) < 0 || n <= 0) {
        virResetLastError();
        return;
    }
    virNodeCPUStatsPtr p = kd_calloc((size_t)n, sizeof(*p));
    size_t seen = 0;
    count_call();
    if (virNodeGetCPUStats(vc, VIR_NODE_CPU_STATS_ALL_CPUS, p, &n, 0) == 0)
        for (int i = 0; i < n; i++)
            seen += add_host_field(s, host_cpu_fields, NFIELDS(host_cpu_fields), p[i].field,
                                   p[i].value);
    virResetLastError();
    free(p);
    s->has_host_cpu = seen == count_required(host_cpu_fields, NFIELDS(host_cpu_fields));
}

static void read_host_mem(virConnectPtr vc, kd_sample *s)
{
    int n = 0;
    count_call();
    if (virNodeGetMemoryStats(vc, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n, 0) < 0 || n <= 0) {
        virResetLastError();
        return;
    }
    virNodeMemoryStatsPtr p = kd_calloc((size_t)n, sizeof(*p));
    size_t seen = 0;
    count_call();
    if (virNodeGetMemoryStats(vc, VIR_NODE_MEMORY_STATS_ALL_CELLS, p, &n, 0) == 0)
        for (int i = 0; i < n; i++)
            seen += add_host_field(s, host_mem_fields, NFIELDS(host_mem_fields), p[i].field,
                                   p[i].value);
    virResetLastError();
    free(p);
    s->has_host_mem = seen == count_required(host_mem_fields, NFIELDS(host_mem_fields));
}

static void read_node_info(kd_conn *conn, virConnectPtr vc, kd_sample *s)
{
    const kd_host_info *h = kd_conn_host(conn);
    virNodeInfo ni;
    s->hostname = h->hostname ? kd_strdup(h->hostname) : NULL;
    count_call();
    if (virNodeGetInfo(vc, &ni) < 0) {
        virResetLastError();
        s->host_cpus = s->host_maxcpus = h->cpus;
        s->host_mem_kib = h->mem_kib;
        return;
    }
    snprintf(s->host_model, sizeof(s->host_model), "%s", ni.model);
    s->host_cpus = ni.cpus;
    s->host_maxcpus = ni.nodes * ni.sockets * ni.cores * ni.threads;
    if (s->host_maxcpus < ni.cpus)
        s->host_maxcpus = ni.cpus;
    s->host_mhz = ni.mhz;
    s->host_mem_kib = ni.memory;
}

int kd_sampler_take(kd_conn *conn, kd_sample *out, kd_err *err)
{
    memset(out, 0, sizeof(*out));
    virConnectPtr vc = kd_conn_virt(conn);
    if (!vc) {
        kd_err_set(err, KD_ERR_CONNECT, "reading statistics: not connected to %s",
                   kd_conn_host(conn)->uri);
        return -1;
    }
    out->wall_s = (int64_t)time(NULL);
    if (read_domains(conn, vc, out, err) < 0) {
        kd_sample_free(out);
        return -1;
    }
    read_host_cpu(vc, out);
    read_host_mem(vc, out);
    read_node_info(conn, vc, out);
    return 0;
}

int kd_sampler_set_memory_period(kd_conn *conn, const char *uuid, int seconds, kd_err *err)
{
    if (!uuid || seconds < 0) {
        kd_err_set(err, KD_ERR_INVALID, "memory statistics period: %s",
                   uuid ? "the period cannot be negative" : "no domain given");
        return -1;
    }
    if (kd_conn_check_writable(conn, "setting the memory statistics period", err) < 0)
        return -1;
    if (kd_conn_virt(conn))
        count_call();
    virDomainPtr dom = kd_conn_lookup(conn, uuid, err);
    if (!dom)
        return -1;
    /* Every libvirt call clears the last error: read the name before, not in the report. */
    const char *name = virDomainGetName(dom);
    count_call();
    int rc = virDomainSetMemoryStatsPeriod(dom, seconds, VIR_DOMAIN_AFFECT_LIVE);
    if (rc < 0)
        kd_virt_err(err, KD_ERR_LIBVIRT, "setting the memory statistics period of %s",
                    name ? name : uuid);
    virDomainFree(dom);
    return rc < 0 ? -1 : 0;
}

void kd_sample_free(kd_sample *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ndoms; i++) {
        kd_dom_sample *d = &s->doms[i];
        for (size_t j = 0; j < d->nblocks; j++)
            free(d->blocks[j].name);
        for (size_t j = 0; j < d->nnets; j++)
            free(d->nets[j].name);
        free(d->blocks);
        free(d->nets);
        free(d->name);
    }
    free(s->doms);
    free(s->hostname);
    memset(s, 0, sizeof(*s));
}

/* One physical CPU's counters: busy is everything but idle and iowait. */
static int read_pcpu(virConnectPtr vc, int cpu, unsigned long long *busy, unsigned long long *total)
{
    virNodeCPUStats p[8];
    int n = 8;
    count_call();
    if (virNodeGetCPUStats(vc, cpu, p, &n, 0) < 0)
        return -1;
    unsigned long long idle = 0;
    *total = 0;
    for (int i = 0; i < n; i++) {
        *total += p[i].value;
        if (strcmp(p[i].field, VIR_NODE_CPU_STATS_IDLE) == 0 ||
            strcmp(p[i].field, VIR_NODE_CPU_STATS_IOWAIT) == 0)
            idle += p[i].value;
    }
    *busy = *total - idle;
    return 0;
}

int kd_sampler_take_pcpus(kd_conn *conn, unsigned long long **busy, unsigned long long **total,
                          unsigned *n, kd_err *err)
{
    virConnectPtr vc = kd_conn_virt(conn);
    virNodeInfo ni;
    *busy = *total = NULL;
    *n = 0;
    if (!vc) {
        kd_err_set(err, KD_ERR_CONNECT, "physical CPUs: not connected");
        return -1;
    }
    count_call();
    if (virNodeGetInfo(vc, &ni) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "physical CPUs");
        return -1;
    }
    unsigned cpus = ni.cpus;
    *busy = kd_calloc(cpus ? cpus : 1, sizeof(**busy));
    *total = kd_calloc(cpus ? cpus : 1, sizeof(**total));
    for (unsigned i = 0; i < cpus; i++) {
        if (read_pcpu(vc, (int)i, &(*busy)[i], &(*total)[i]) < 0) {
            kd_virt_err(err, KD_ERR_LIBVIRT, "statistics of physical CPU %u", i);
            free(*busy);
            free(*total);
            *busy = *total = NULL;
            return -1;
        }
    }
    *n = cpus;
    return 0;
}
