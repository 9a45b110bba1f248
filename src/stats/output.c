#include "stats/output.h"
#include "backend/domain.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* ---- shared ------------------------------------------------------------------------- */

/* The rates that belong to s->doms[i], or NULL when r is missing or does not match s. */
static const kd_dom_rates *rates_of(const kd_sample *s, const kd_rates *r, size_t i)
{
    if (!r || i >= r->ndoms || strcmp(r->doms[i].uuid, s->doms[i].uuid) != 0)
        return NULL;
    return &r->doms[i];
}

/* The host's memory as used memory is measured against it (see kd_rates.host_mem_kib). */
static uint64_t host_total_kib(const kd_sample *s)
{
    return s->has_host_mem ? s->host_total_kib : s->host_mem_kib;
}

static double get_double(const void *base, size_t off)
{
    double v;
    memcpy(&v, (const char *)base + off, sizeof(v));
    return v;
}

static uint64_t get_u64(const void *base, size_t off)
{
    uint64_t v;
    memcpy(&v, (const char *)base + off, sizeof(v));
    return v;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned cp, min;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2, cp = s[0] & 0x1fu, min = 0x80;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3, cp = s[0] & 0x0fu, min = 0x800;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4, cp = s[0] & 0x07u, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Writes an escape for an ASCII byte and returns true, or returns false to copy it. */
typedef bool (*escape_fn)(kd_buf *b, unsigned char c);

/* All three formats are UTF-8: a byte that is not part of valid UTF-8 becomes U+FFFD. */
static void put_text(kd_buf *b, const char *s, escape_fn esc)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t len = utf8_len(p + i, n - i);
        if (len == 0) {
            kd_buf_adds(b, "\xef\xbf\xbd");
            i++;
            continue;
        }
        if (len > 1 || !esc(b, p[i]))
            kd_buf_add(b, s + i, len);
        i += len;
    }
}

/* ---- CSV, as virt-top --csv writes it ------------------------------------------------ */

/* Every name is plain text: the header needs no quoting. */
static const char csv_header[] =
    "Hostname,Time,Arch,Physical CPUs,Count,Running,Blocked,Paused,Shutdown,Shutoff,Crashed,"
    "Active,Inactive,%CPU,Total hardware memory (KB),Total memory (KB),"
    "Total guest memory (KB),Total CPU time (ns),Domain ID,Domain name,CPU (ns),%CPU,"
    "Mem (bytes),%Mem,Block RDRQ,Block WRRQ,Net RXBY,Net TXBY\n";

typedef struct {
    kd_buf *b;
    bool first;
} csv_row;

static bool csv_escape(kd_buf *b, unsigned char c)
{
    if (c != '"')
        return false;
    kd_buf_adds(b, "\"\"");
    return true;
}

/* RFC 4180: a field with a comma, a quote or a line break is quoted, quotes doubled. */
static void csv_str(csv_row *row, const char *s)
{
    if (!row->first)
        kd_buf_add(row->b, ",", 1);
    row->first = false;
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        kd_buf_add(row->b, "\"", 1);
    put_text(row->b, s, csv_escape);
    if (quote)
        kd_buf_add(row->b, "\"", 1);
}

static void csv_u64(csv_row *row, uint64_t v)
{
    char num[24];
    snprintf(num, sizeof(num), "%" PRIu64, v);
    csv_str(row, num);
}

/* OCaml's string_of_float, which virt-top uses for CPU (ns) and the domain's %CPU: twelve
 * significant digits, and a trailing dot when that looks like an integer. n/a is empty. */
static void csv_ocaml_float(csv_row *row, double v)
{
    char num[40] = "";
    if (kd_rate_valid(v)) {
        snprintf(num, sizeof(num), "%.12g", v);
        if (strspn(num, "0123456789-") == strlen(num))
            strcat(num, ".");
    }
    csv_str(row, num);
}

/* virt-top reports block requests and network bytes as counts over the interval. */
static void csv_count(csv_row *row, double rate_s, double elapsed_s)
{
    if (kd_rate_valid(rate_s) && kd_rate_valid(elapsed_s))
        csv_u64(row, (uint64_t)llround(rate_s * elapsed_s));
    else
        csv_str(row, "");
}

void kd_output_csv_header(kd_buf *b)
{
    kd_buf_adds(b, csv_header);
}

typedef struct {
    unsigned count, state[KD_DOM_LAST];
    double cpu_ns;
    uint64_t mem_kib, guest_mem_kib;
} csv_totals;

static bool dom_active(const kd_dom_sample *d)
{
    return d->state != KD_DOM_SHUTOFF;
}

static void csv_sum(const kd_sample *s, const kd_rates *r, csv_totals *t)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < s->ndoms; i++) {
        const kd_dom_sample *d = &s->doms[i];
        const kd_dom_rates *dr = rates_of(s, r, i);
        t->count++;
        if (d->state >= 0 && d->state < KD_DOM_LAST)
            t->state[d->state]++;
        if (!dom_active(d))
            continue;
        if (dr && kd_rate_valid(dr->cpu_ns))
            t->cpu_ns += dr->cpu_ns;
        if (d->flags & KD_SAMPLE_HAS_BALLOON) {
            t->mem_kib += d->mem_kib;
            t->guest_mem_kib += d->id > 0 ? d->mem_kib : 0;
        }
    }
}

/* virt-top counts a suspended guest as paused. Shutoff is the number of shut-off domains
 * (virt-top files those under Inactive only, which leaves its Shutoff column always 0). */
static void csv_host(csv_row *row, const kd_sample *s, const kd_rates *r)
{
    csv_totals t;
    char buf[64] = "";
    struct tm tm;
    time_t when = (time_t)s->wall_s;

    csv_sum(s, r, &t);
    csv_str(row, s->hostname ? s->hostname : "");
    if (localtime_r(&when, &tm))
        snprintf(buf, sizeof(buf), "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
    csv_str(row, buf);
    csv_str(row, s->host_model);
    csv_u64(row, s->host_maxcpus);
    csv_u64(row, t.count);
    csv_u64(row, t.state[KD_DOM_RUNNING]);
    csv_u64(row, t.state[KD_DOM_BLOCKED]);
    csv_u64(row, t.state[KD_DOM_PAUSED] + t.state[KD_DOM_PMSUSPENDED]);
    csv_u64(row, t.state[KD_DOM_SHUTDOWN]);
    csv_u64(row, t.state[KD_DOM_SHUTOFF]);
    csv_u64(row, t.state[KD_DOM_CRASHED]);
    csv_u64(row, t.count - t.state[KD_DOM_SHUTOFF]);
    csv_u64(row, t.state[KD_DOM_SHUTOFF]);
    bool rates = r && kd_rate_valid(r->elapsed_s) && s->host_cpus > 0;
    buf[0] = '\0';
    if (rates)
        snprintf(buf, sizeof(buf), "%2.1f", 100.0 * t.cpu_ns / (s->host_cpus * r->elapsed_s * 1e9));
    csv_str(row, buf);
    csv_u64(row, s->host_mem_kib);
    csv_u64(row, t.mem_kib);
    csv_u64(row, t.guest_mem_kib);
    if (rates)
        csv_u64(row, (uint64_t)llround(t.cpu_ns));
    else
        csv_str(row, "");
}

static void csv_dom(csv_row *row, const kd_sample *s, const kd_dom_sample *d,
                    const kd_dom_rates *dr, double elapsed)
{
    char id[16];
    snprintf(id, sizeof(id), "%d", d->id);
    csv_str(row, id);
    csv_str(row, d->name ? d->name : "");
    csv_ocaml_float(row, dr ? dr->cpu_ns : NAN);
    csv_ocaml_float(row, dr ? dr->cpu_pct : NAN);
    bool mem = (d->flags & KD_SAMPLE_HAS_BALLOON) != 0;
    if (mem)
        csv_u64(row, d->mem_kib * 1024);
    else
        csv_str(row, "");
    if (mem && s->host_mem_kib > 0)
        csv_u64(row, 100 * d->mem_kib / s->host_mem_kib);
    else
        csv_str(row, "");
    csv_count(row, dr ? dr->blk.rd_reqs_s : NAN, elapsed);
    csv_count(row, dr ? dr->blk.wr_reqs_s : NAN, elapsed);
    csv_count(row, dr ? dr->net.rx_bytes_s : NAN, elapsed);
    csv_count(row, dr ? dr->net.tx_bytes_s : NAN, elapsed);
}

typedef struct {
    int id;
    size_t index;
} csv_order;

/* By ID as virt-top sorts, then in sample order, so that equal IDs stay stable. */
static int cmp_order(const void *a, const void *b)
{
    const csv_order *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

void kd_output_csv_row(kd_buf *b, const kd_sample *s, const kd_rates *r)
{
    csv_row row = {b, true};
    csv_host(&row, s, r);
    csv_order *order = kd_calloc(s->ndoms, sizeof(*order));
    size_t n = 0;
    for (size_t i = 0; i < s->ndoms; i++)
        if (dom_active(&s->doms[i]))
            order[n++] = (csv_order){s->doms[i].id, i};
    qsort(order, n, sizeof(*order), cmp_order);
    double elapsed = r ? r->elapsed_s : NAN;
    for (size_t k = 0; k < n; k++)
        csv_dom(&row, s, &s->doms[order[k].index], rates_of(s, r, order[k].index), elapsed);
    free(order);
    kd_buf_add(b, "\n", 1);
}

/* ---- JSON lines ---------------------------------------------------------------------- */

typedef struct {
    kd_buf *b;
    bool first[8]; /* per nesting level: nothing written in it yet */
    int depth;
} json_out;

static bool json_escape(kd_buf *b, unsigned char c)
{
    static const char *const named[] = {
        ['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t"};
    if (c == '"' || c == '\\') {
        kd_buf_printf(b, "\\%c", c);
        return true;
    }
    if (c >= 0x20)
        return false;
    if (c < NFIELDS(named) && named[c])
        kd_buf_adds(b, named[c]);
    else
        kd_buf_printf(b, "\\u%04x", c);
    return true;
}

static void json_key(json_out *j, const char *key)
{
    if (!j->first[j->depth])
        kd_buf_add(j->b, ",", 1);
    j->first[j->depth] = false;
    if (key) {
        kd_buf_add(j->b, "\"", 1);
        put_text(j->b, key, json_escape);
        kd_buf_add(j->b, "\":", 2);
    }
}

static void json_open(json_out *j, const char *key, char brace)
{
    json_key(j, key);
    kd_buf_add(j->b, &brace, 1);
    j->first[++j->depth] = true;
}

static void json_close(json_out *j, char brace)
{
    kd_buf_add(j->b, &brace, 1);
    j->depth--;
}

static void json_str(json_out *j, const char *key, const char *v)
{
    json_key(j, key);
    if (!v) {
        kd_buf_adds(j->b, "null");
        return;
    }
    kd_buf_add(j->b, "\"", 1);
    put_text(j->b, v, json_escape);
    kd_buf_add(j->b, "\"", 1);
}

static void json_num(json_out *j, const char *key, double v)
{
    json_key(j, key);
    if (isfinite(v))
        kd_buf_printf(j->b, "%.15g", v);
    else
        kd_buf_adds(j->b, "null");
}

static void json_u64(json_out *j, const char *key, uint64_t v, bool ok)
{
    json_key(j, key);
    if (ok)
        kd_buf_printf(j->b, "%" PRIu64, v);
    else
        kd_buf_adds(j->b, "null");
}

typedef struct {
    const char *key;
    size_t off; /* a double */
} json_field;

static const json_field json_block[] = {
    {"rd_bytes_s", offsetof(kd_block_rates, rd_bytes_s)},
    {"wr_bytes_s", offsetof(kd_block_rates, wr_bytes_s)},
    {"rd_reqs_s", offsetof(kd_block_rates, rd_reqs_s)},
    {"wr_reqs_s", offsetof(kd_block_rates, wr_reqs_s)},
};

static const json_field json_net[] = {
    {"rx_bytes_s", offsetof(kd_net_rates, rx_bytes_s)},
    {"tx_bytes_s", offsetof(kd_net_rates, tx_bytes_s)},
    {"rx_pkts_s", offsetof(kd_net_rates, rx_pkts_s)},
    {"tx_pkts_s", offsetof(kd_net_rates, tx_pkts_s)},
};

static void json_fields(json_out *j, const json_field *f, size_t nf, const void *v)
{
    for (size_t i = 0; i < nf; i++)
        json_num(j, f[i].key, v ? get_double(v, f[i].off) : NAN);
}

/* {"rd_bytes_s":..,"devices":[{"name":"vda",..}]}; without rates, the sample's names. */
static void json_devs(json_out *j, const char *key, const json_field *f, size_t nf,
                      const void *total, const void *devs, size_t size, size_t n,
                      const kd_dom_sample *d, bool block)
{
    json_open(j, key, '{');
    json_fields(j, f, nf, total);
    json_open(j, "devices", '[');
    for (size_t i = 0; i < n; i++) {
        json_open(j, NULL, '{');
        const char *name = block ? d->blocks[i].name : d->nets[i].name;
        const void *dev = devs ? (const char *)devs + i * size : NULL;
        json_str(j, "name", name);
        json_fields(j, f, nf, dev);
        json_close(j, '}');
    }
    json_close(j, ']');
    json_close(j, '}');
}

static void json_dom(json_out *j, const kd_dom_sample *d, const kd_dom_rates *r)
{
    json_open(j, NULL, '{');
    json_str(j, "uuid", d->uuid);
    json_str(j, "name", d->name);
    json_num(j, "id", d->id);
    json_str(j, "state", kd_dom_state_name((kd_dom_state)d->state));
    json_u64(j, "vcpus", d->vcpus, d->flags & KD_SAMPLE_HAS_VCPU);
    json_u64(j, "cpu_time_ns", d->cpu_time_ns, d->flags & KD_SAMPLE_HAS_CPU);
    json_num(j, "cpu_ns", r ? r->cpu_ns : NAN);
    json_num(j, "cpu_pct", r ? r->cpu_pct : NAN);
    json_num(j, "vcpu_pct", r ? r->vcpu_pct : NAN);
    json_u64(j, "mem_kib", d->mem_kib, d->flags & KD_SAMPLE_HAS_BALLOON);
    json_u64(j, "maxmem_kib", d->maxmem_kib, d->flags & KD_SAMPLE_HAS_BALLOON);
    json_num(j, "mem_used_kib", r ? r->mem_used_kib : NAN);
    bool devs = r && r->nblocks == d->nblocks && r->nnets == d->nnets;
    json_devs(j, "block", json_block, NFIELDS(json_block), r ? &r->blk : NULL,
              devs ? r->blocks : NULL, sizeof(kd_block_rates), d->nblocks, d, true);
    json_devs(j, "net", json_net, NFIELDS(json_net), r ? &r->net : NULL, devs ? r->nets : NULL,
              sizeof(kd_net_rates), d->nnets, d, false);
    json_close(j, '}');
}

void kd_output_json(kd_buf *b, const kd_sample *s, const kd_rates *r)
{
    json_out j = {.b = b, .first = {true}, .depth = 0};
    json_open(&j, NULL, '{');
    json_num(&j, "time", (double)s->wall_s);
    json_num(&j, "elapsed_s", r ? r->elapsed_s : NAN);
    json_open(&j, "host", '{');
    json_str(&j, "hostname", s->hostname);
    json_str(&j, "arch", s->host_model);
    json_u64(&j, "cpus", s->host_cpus, true);
    json_u64(&j, "maxcpus", s->host_maxcpus, true);
    json_num(&j, "cpu_pct", r ? r->host_cpu_pct : NAN);
    json_u64(&j, "mem_kib", host_total_kib(s), host_total_kib(s) > 0);
    json_num(&j, "mem_used_kib", r ? r->host_mem_used_kib : NAN);
    json_close(&j, '}');
    json_open(&j, "domains", '[');
    for (size_t i = 0; i < s->ndoms; i++)
        json_dom(&j, &s->doms[i], rates_of(s, r, i));
    json_close(&j, ']');
    json_close(&j, '}');
    kd_buf_add(b, "\n", 1);
}

/* ---- Prometheus text exposition ------------------------------------------------------ */

typedef enum { SRC_U64, SRC_INT, SRC_RATE } prom_src;
typedef enum { UNIT_ONE, UNIT_KIB, UNIT_NS } prom_unit; /* written as 1, bytes, seconds */

typedef struct {
    const char *name, *type, *help;
    prom_src src;
    size_t off;    /* in kd_dom_sample (U64, INT), kd_dom_rates (RATE) or the device sample */
    unsigned need; /* sample flags without which there is no value */
    prom_unit unit;
} prom_metric;

#define DS(f) offsetof(kd_dom_sample, f)
#define DR(f) offsetof(kd_dom_rates, f)

static const prom_metric prom_dom[] = {
    {"kvmdeck_domain_state", "gauge",
     "libvirt state: 0 none, 1 running, 2 blocked, 3 paused, 4 shutting down, 5 shut off, "
     "6 crashed, 7 suspended.",
     SRC_INT, DS(state), 0, UNIT_ONE},
    {"kvmdeck_domain_vcpus", "gauge", "Online virtual CPUs.", SRC_INT, DS(vcpus),
     KD_SAMPLE_HAS_VCPU, UNIT_ONE},
    {"kvmdeck_domain_cpu_seconds_total", "counter", "CPU time used by all of the domain's threads.",
     SRC_U64, DS(cpu_time_ns), KD_SAMPLE_HAS_CPU, UNIT_NS},
    {"kvmdeck_domain_vcpu_seconds_total", "counter", "CPU time used by the virtual CPUs.", SRC_U64,
     DS(vcpu_time_ns), KD_SAMPLE_HAS_VCPU_TIME, UNIT_NS},
    {"kvmdeck_domain_cpu_percent", "gauge", "Share of the host's CPUs over the last interval.",
     SRC_RATE, DR(cpu_pct), 0, UNIT_ONE},
    {"kvmdeck_domain_vcpu_percent", "gauge", "Share of its own vCPUs over the last interval.",
     SRC_RATE, DR(vcpu_pct), 0, UNIT_ONE},
    {"kvmdeck_domain_memory_bytes", "gauge", "Memory allocated to the guest (balloon).", SRC_U64,
     DS(mem_kib), KD_SAMPLE_HAS_BALLOON, UNIT_KIB},
    {"kvmdeck_domain_memory_max_bytes", "gauge", "Maximum memory of the guest.", SRC_U64,
     DS(maxmem_kib), KD_SAMPLE_HAS_BALLOON, UNIT_KIB},
    {"kvmdeck_domain_memory_used_bytes", "gauge", "Memory used inside the guest.", SRC_RATE,
     DR(mem_used_kib), 0, UNIT_KIB},
};

/* Per-device counters: name, help, offset in the device's sample. */
typedef struct {
    const char *name, *help;
    size_t off;
} prom_dev_metric;

#define BS(f) offsetof(kd_block_sample, f)
#define NS(f) offsetof(kd_net_sample, f)

static const prom_dev_metric prom_block[] = {
    {"kvmdeck_domain_block_read_bytes_total", "Bytes read.", BS(rd_bytes)},
    {"kvmdeck_domain_block_write_bytes_total", "Bytes written.", BS(wr_bytes)},
    {"kvmdeck_domain_block_read_requests_total", "Read requests.", BS(rd_reqs)},
    {"kvmdeck_domain_block_write_requests_total", "Write requests.", BS(wr_reqs)},
};

static const prom_dev_metric prom_net[] = {
    {"kvmdeck_domain_net_receive_bytes_total", "Bytes received.", NS(rx_bytes)},
    {"kvmdeck_domain_net_transmit_bytes_total", "Bytes sent.", NS(tx_bytes)},
    {"kvmdeck_domain_net_receive_packets_total", "Packets received.", NS(rx_pkts)},
    {"kvmdeck_domain_net_transmit_packets_total", "Packets sent.", NS(tx_pkts)},
    {"kvmdeck_domain_net_receive_errors_total", "Receive errors.", NS(rx_errs)},
    {"kvmdeck_domain_net_transmit_errors_total", "Send errors.", NS(tx_errs)},
    {"kvmdeck_domain_net_receive_drops_total", "Received packets dropped.", NS(rx_drop)},
    {"kvmdeck_domain_net_transmit_drops_total", "Packets to send dropped.", NS(tx_drop)},
};

static bool prom_label_escape(kd_buf *b, unsigned char c)
{
    if (c == '\\' || c == '"')
        kd_buf_printf(b, "\\%c", c);
    else if (c == '\n')
        kd_buf_adds(b, "\\n");
    else
        return false;
    return true;
}

static void prom_head(kd_buf *b, const char *name, const char *type, const char *help)
{
    kd_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{name="web1",uuid="...",device="vda"} */
static void prom_series(kd_buf *b, const char *metric, const kd_dom_sample *d, const char *key,
                        const char *dev)
{
    kd_buf_printf(b, "%s{name=\"", metric);
    put_text(b, d->name ? d->name : "", prom_label_escape);
    kd_buf_printf(b, "\",uuid=\"%s\"", d->uuid);
    if (key) {
        kd_buf_printf(b, ",%s=\"", key);
        put_text(b, dev ? dev : "", prom_label_escape);
        kd_buf_add(b, "\"", 1);
    }
    kd_buf_add(b, "} ", 2);
}

/* Writes the value and newline and returns true, or returns false when there is none. */
static bool prom_dom_value(kd_buf *b, const prom_metric *m, const kd_dom_sample *d,
                           const kd_dom_rates *r)
{
    if ((d->flags & m->need) != m->need)
        return false;
    if (m->src == SRC_RATE) {
        double v = r ? get_double(r, m->off) : NAN;
        if (!kd_rate_valid(v))
            return false;
        kd_buf_printf(b, "%.15g\n", m->unit == UNIT_KIB ? v * 1024 : v);
    } else if (m->src == SRC_INT) {
        int i;
        memcpy(&i, (const char *)d + m->off, sizeof(i));
        kd_buf_printf(b, "%d\n", i);
    } else if (m->unit == UNIT_NS) {
        uint64_t ns = get_u64(d, m->off);
        kd_buf_printf(b, "%" PRIu64 ".%09" PRIu64 "\n", ns / 1000000000u, ns % 1000000000u);
    } else {
        uint64_t u = get_u64(d, m->off);
        kd_buf_printf(b, "%" PRIu64 "\n", m->unit == UNIT_KIB ? u * 1024 : u);
    }
    return true;
}

/* Only whole lines go out: each series is written to a scratch buffer first and kept when
 * the metric turns out to have a value. */
static void prom_doms(kd_buf *b, const kd_sample *s, const kd_rates *r)
{
    kd_buf line;
    kd_buf_init(&line);
    for (size_t m = 0; m < NFIELDS(prom_dom); m++) {
        const prom_metric *pm = &prom_dom[m];
        prom_head(b, pm->name, pm->type, pm->help);
        for (size_t i = 0; i < s->ndoms; i++) {
            line.len = 0;
            prom_series(&line, pm->name, &s->doms[i], NULL, NULL);
            if (prom_dom_value(&line, pm, &s->doms[i], rates_of(s, r, i)))
                kd_buf_add(b, line.data, line.len);
        }
    }
    kd_buf_free(&line);
}

static void prom_devs(kd_buf *b, const kd_sample *s, const prom_dev_metric *tab, size_t ntab,
                      bool block)
{
    for (size_t m = 0; m < ntab; m++) {
        prom_head(b, tab[m].name, "counter", tab[m].help);
        for (size_t i = 0; i < s->ndoms; i++) {
            const kd_dom_sample *d = &s->doms[i];
            size_t n = block ? d->nblocks : d->nnets;
            for (size_t k = 0; k < n; k++) {
                const void *dev = block ? (const void *)&d->blocks[k] : (const void *)&d->nets[k];
                const char *name = block ? d->blocks[k].name : d->nets[k].name;
                prom_series(b, tab[m].name, d, block ? "device" : "interface", name);
                kd_buf_printf(b, "%" PRIu64 "\n", get_u64(dev, tab[m].off));
            }
        }
    }
}

/* A host figure without labels; n/a leaves the metric without a sample. */
static void prom_gauge(kd_buf *b, const char *name, const char *help, double v)
{
    prom_head(b, name, "gauge", help);
    if (kd_rate_valid(v))
        kd_buf_printf(b, "%s %.15g\n", name, v);
}

static void prom_host(kd_buf *b, const kd_sample *s, const kd_rates *r)
{
    unsigned count[KD_DOM_LAST] = {0};
    for (size_t i = 0; i < s->ndoms; i++)
        if (s->doms[i].state >= 0 && s->doms[i].state < KD_DOM_LAST)
            count[s->doms[i].state]++;
    prom_head(b, "kvmdeck_domains", "gauge", "Domains in each state.");
    for (int st = 0; st < KD_DOM_LAST; st++)
        kd_buf_printf(b, "kvmdeck_domains{state=\"%s\"} %u\n", kd_dom_state_name(st), count[st]);
    prom_gauge(b, "kvmdeck_host_cpus", "Active host CPUs.", s->host_cpus);
    prom_gauge(b, "kvmdeck_host_memory_bytes", "Memory of the host.", host_total_kib(s) * 1024.0);
    prom_gauge(b, "kvmdeck_host_cpu_percent",
               "Busy share of the host's CPUs over the last interval.", r ? r->host_cpu_pct : NAN);
    prom_gauge(b, "kvmdeck_host_memory_used_bytes", "Memory used, less buffers and cache.",
               r ? r->host_mem_used_kib * 1024 : NAN);
}

void kd_output_prom(kd_buf *b, const kd_sample *s, const kd_rates *r)
{
    prom_host(b, s, r);
    prom_doms(b, s, r);
    prom_devs(b, s, prom_block, NFIELDS(prom_block), true);
    prom_devs(b, s, prom_net, NFIELDS(prom_net), false);
}

/* ---- files --------------------------------------------------------------------------- */

int kd_output_put(FILE *f, const kd_buf *b, kd_err *err)
{
    if ((b->len && fwrite(b->data, 1, b->len, f) != b->len) || fflush(f) != 0) {
        kd_err_set(err, KD_ERR_IO, "writing statistics: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The rename is only durable once the directory itself reaches the disk; failing that is
 * not worth failing the write over. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir =
        slash ? kd_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : kd_strdup(".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* O_EXCL and O_NOFOLLOW: never write through a link someone planted at the temporary name.
 * A stale file of the same name (a crash of an earlier process with this pid) goes first. */
static int open_tmp(const char *tmp)
{
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = open(tmp, flags, 0644);
    if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
        fd = open(tmp, flags, 0644);
    return fd;
}

int kd_output_write_atomic(const char *path, const char *data, size_t len, kd_err *err)
{
    char *tmp = kd_asprintf("%s.%ld.tmp", path, (long)getpid());
    const char *step = "creating";
    int fd = open_tmp(tmp);
    if (fd < 0)
        goto fail;
    step = "writing";
    if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        goto fail_unlink;
    }
    if (close(fd) < 0)
        goto fail_unlink;
    step = "renaming";
    if (rename(tmp, path) < 0)
        goto fail_unlink;
    sync_dir(path);
    free(tmp);
    return 0;

fail_unlink:;
    int e = errno;
    unlink(tmp);
    errno = e;
fail:
    kd_err_set(err, KD_ERR_IO, "%s %s (to replace %s): %s", step, tmp, path, strerror(errno));
    free(tmp);
    return -1;
}

int kd_output_prom_file(const char *path, const kd_sample *s, const kd_rates *r, kd_err *err)
{
    kd_buf b;
    kd_buf_init(&b);
    kd_output_prom(&b, s, r);
    int rc = kd_output_write_atomic(path, b.data ? b.data : "", b.len, err);
    kd_buf_free(&b);
    return rc;
}
