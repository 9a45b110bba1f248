#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/conn.h"
#include "backend/domain.h"
#include "backend/loop.h"
#include "backend/sample.h"
#include "backend/sampler.h"
#include "core/err.h"
#include "core/str.h"
#include "stats/rates.h"

#include <libvirt/libvirt.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The sampler against libvirt's test driver. That driver's bulk statistics carry the state
 * only, and its CPU time is the wall clock: the tests check identity, states, the number of
 * calls and the sanity of rates, never a CPU percentage. */

#define DEFAULT_URI "test:///default"
#define HOSTS_URI   "test://" KD_FIXTURES_DIR "/hosts.xml"
#define TEMP_NAME   "kd-test-sampler"
#define MANY_UP     120
#define MANY_DOWN   80
#define TEST_NS     "http://libvirt.org/schemas/domain/test/1.0"

static uint64_t mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static kd_conn *open_conn(const char *uri, bool readonly)
{
    kd_err err;
    kd_err_clear(&err);
    kd_conn *c = kd_conn_open(uri, readonly, &err);
    if (!c)
        fail_msg("kd_conn_open %s: %s", uri, err.msg);
    return c;
}

static void take(kd_conn *c, kd_sample *s)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_sampler_take(c, s, &err) < 0)
        fail_msg("kd_sampler_take: %s", err.msg);
}

static const kd_dom_sample *by_uuid(const kd_sample *s, const char *uuid)
{
    for (size_t i = 0; i < s->ndoms; i++)
        if (strcmp(s->doms[i].uuid, uuid) == 0)
            return &s->doms[i];
    return NULL;
}

static const kd_dom_sample *by_name(const kd_sample *s, const char *name)
{
    for (size_t i = 0; i < s->ndoms; i++)
        if (strcmp(s->doms[i].name, name) == 0)
            return &s->doms[i];
    return NULL;
}

/* ---- a generated host with many domains -------------------------------------------------- */

static void add_text(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_text(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST buf);
}

/* n_up running and n_down shut-off domains named kd-many-NNN; the first has no balloon. */
static char *write_host(int n_up, int n_down)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr node = xmlNewNode(NULL, BAD_CAST "node");
    xmlDocSetRootElement(doc, node);
    xmlNsPtr test = xmlNewNs(node, BAD_CAST TEST_NS, BAD_CAST "test");
    for (int i = 0; i < n_up + n_down; i++) {
        xmlNodePtr d = xmlNewChild(node, NULL, BAD_CAST "domain", NULL);
        xmlNewProp(d, BAD_CAST "type", BAD_CAST "test");
        add_text(d, NULL, "name", "kd-many-%03d", i);
        add_text(d, NULL, "uuid", "%08x-0000-4000-8000-%012x", 0xd0000000u + (unsigned)i, i);
        add_text(d, NULL, "memory", "%d", 65536);
        add_text(d, NULL, "vcpu", "%d", 1 + i % 4);
        xmlNodePtr os = xmlNewChild(d, NULL, BAD_CAST "os", NULL);
        add_text(os, NULL, "type", "hvm");
        xmlNodePtr devs = xmlNewChild(d, NULL, BAD_CAST "devices", NULL);
        xmlNodePtr b = xmlNewChild(devs, NULL, BAD_CAST "memballoon", NULL);
        xmlNewProp(b, BAD_CAST "model", BAD_CAST(i == 0 ? "none" : "virtio"));
        add_text(d, test, "runstate", "%d", i < n_up ? VIR_DOMAIN_RUNNING : VIR_DOMAIN_SHUTOFF);
    }
    char tmpl[] = "/tmp/kd-sampler-XXXXXX.xml";
    int fd = mkstemps(tmpl, 4);
    assert_true(fd >= 0);
    close(fd);
    assert_true(xmlSaveFormatFileEnc(tmpl, doc, "UTF-8", 1) > 0);
    xmlFreeDoc(doc);
    return kd_strdup(tmpl);
}

typedef struct {
    char *path;
    char *uri;
    kd_conn *conn;
} gen_host;

static void gen_open(gen_host *g, int n_up, int n_down)
{
    g->path = write_host(n_up, n_down);
    g->uri = kd_asprintf("test://%s", g->path);
    g->conn = open_conn(g->uri, false);
}

static void gen_close(gen_host *g)
{
    kd_conn_free(g->conn);
    unlink(g->path);
    free(g->path);
    free(g->uri);
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_default_host(void **state)
{
    kd_conn *c = open_conn(DEFAULT_URI, false);
    virConnectPtr raw = virConnectOpen(DEFAULT_URI);
    assert_non_null(raw);
    kd_sample s;
    uint64_t before = mono_now();
    time_t wall_before = time(NULL);
    take(c, &s);
    uint64_t after = mono_now();
    assert_true(s.mono_ns >= before && s.mono_ns <= after);
    assert_true(s.wall_s >= wall_before && s.wall_s <= time(NULL));

    assert_int_equal(s.ndoms, 1);
    virDomainPtr d = virDomainLookupByName(raw, "test");
    assert_non_null(d);
    char uuid[VIR_UUID_STRING_BUFLEN];
    assert_int_equal(virDomainGetUUIDString(d, uuid), 0);
    assert_string_equal(s.doms[0].uuid, uuid);
    assert_string_equal(s.doms[0].name, "test");
    assert_int_equal(s.doms[0].state, KD_DOM_RUNNING);
    assert_int_equal(s.doms[0].id, (int)virDomainGetID(d));
    virDomainFree(d);

    virNodeInfo ni;
    assert_int_equal(virNodeGetInfo(raw, &ni), 0);
    assert_string_equal(s.host_model, ni.model);
    assert_int_equal(s.host_cpus, ni.cpus);
    assert_int_equal(s.host_maxcpus, ni.nodes * ni.sockets * ni.cores * ni.threads);
    assert_int_equal(s.host_mhz, ni.mhz);
    assert_int_equal(s.host_mem_kib, ni.memory);
    assert_non_null(s.hostname);
    assert_string_equal(s.hostname, kd_conn_host(c)->hostname);

    /* The test driver has node CPU statistics but no memory statistics. */
    virNodeCPUStats cpu[8];
    int n = 8;
    int ncpu = 0;
    assert_int_equal(virNodeGetCPUStats(raw, VIR_NODE_CPU_STATS_ALL_CPUS, NULL, &ncpu, 0), 0);
    n = ncpu;
    assert_int_equal(virNodeGetCPUStats(raw, VIR_NODE_CPU_STATS_ALL_CPUS, cpu, &n, 0), 0);
    assert_true(s.has_host_cpu);
    for (int i = 0; i < n; i++)
        if (strcmp(cpu[i].field, VIR_NODE_CPU_STATS_IDLE) == 0)
            assert_int_equal(s.host_cpu_idle_ns, cpu[i].value);
    int nmem = 0;
    bool has_mem = virNodeGetMemoryStats(raw, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &nmem, 0) == 0;
    assert_int_equal(s.has_host_mem, has_mem);

    kd_sample_free(&s);
    assert_int_equal(s.ndoms, 0);
    kd_sample_free(&s); /* emptied: harmless */
    kd_sample_free(NULL);
    virConnectClose(raw);
    kd_conn_free(c);
}

/* Every domain of the fixture, each with libvirt's own name, state and ID. */
static void test_fixture_states(void **state)
{
    kd_conn *c = open_conn(HOSTS_URI, true);
    virConnectPtr raw = virConnectOpenReadOnly(HOSTS_URI);
    assert_non_null(raw);
    kd_sample s;
    take(c, &s);
    virDomainPtr *list = NULL;
    int n = virConnectListAllDomains(raw, &list, 0);
    assert_true(n >= 7);
    assert_int_equal(s.ndoms, n);
    for (int i = 0; i < n; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        int st, reason;
        assert_int_equal(virDomainGetUUIDString(list[i], uuid), 0);
        assert_int_equal(virDomainGetState(list[i], &st, &reason, 0), 0);
        const kd_dom_sample *d = by_uuid(&s, uuid);
        assert_non_null(d);
        assert_string_equal(d->name, virDomainGetName(list[i]));
        assert_int_equal(d->state, st);
        assert_int_equal(d->id, (int)virDomainGetID(list[i]));
        virDomainFree(list[i]);
    }
    free(list);
    assert_int_equal(by_name(&s, "it's <odd> & \"quoted\"")->state, KD_DOM_RUNNING);
    assert_int_equal(by_name(&s, "db1")->state, KD_DOM_PAUSED);
    assert_int_equal(by_name(&s, "crashy")->state, KD_DOM_CRASHED);
    assert_int_equal(by_name(&s, "build")->state, KD_DOM_SHUTOFF);
    assert_int_equal(by_name(&s, "build")->id, -1);
    kd_sample_free(&s);
    virConnectClose(raw);
    kd_conn_free(c);
}

static unsigned long calls_for_tick(kd_conn *c, kd_sample *s)
{
    unsigned long before = kd_sampler_calls();
    take(c, s);
    return kd_sampler_calls() - before;
}

/* The cost of a tick in libvirt calls does not depend on the number of domains. */
static void test_one_bulk_call(void **state)
{
    gen_host one, many;
    gen_open(&one, 1, 0);
    gen_open(&many, MANY_UP, MANY_DOWN);
    kd_sample s1, s2;
    unsigned long c1 = calls_for_tick(one.conn, &s1);
    unsigned long c2 = calls_for_tick(many.conn, &s2);
    assert_int_equal(s1.ndoms, 1);
    assert_int_equal(s2.ndoms, MANY_UP + MANY_DOWN);
    assert_int_equal(c1, c2);
    /* one bulk call, two for node CPU, one or two for node memory, one node info */
    assert_in_range(c2, 4, 6);
    kd_sample_free(&s2);
    assert_int_equal(calls_for_tick(many.conn, &s2), c2);

    char name[32];
    for (int i = 0; i < MANY_UP + MANY_DOWN; i++) {
        snprintf(name, sizeof(name), "kd-many-%03d", i);
        const kd_dom_sample *d = by_name(&s2, name);
        if (!d)
            fail_msg("%s missing from the sample", name);
        assert_int_equal(d->state, i < MANY_UP ? KD_DOM_RUNNING : KD_DOM_SHUTOFF);
        if (i < MANY_UP)
            assert_true(d->id > 0);
        else
            assert_int_equal(d->id, -1);
        assert_int_equal(strlen(d->uuid), 36);
    }
    kd_sample_free(&s1);
    kd_sample_free(&s2);
    gen_close(&one);
    gen_close(&many);
}

static void assert_sane(double v, const char *what, const char *name)
{
    if (kd_rate_valid(v) && !(isfinite(v) && v >= 0))
        fail_msg("%s of %s is %g", what, name, v);
}

static void check_dom_rates(const kd_dom_rates *d)
{
    const double figures[] = {
        d->cpu_ns,         d->cpu_pct,        d->vcpu_pct,       d->mem_kib,       d->maxmem_kib,
        d->mem_used_kib,   d->blk.rd_bytes_s, d->blk.wr_bytes_s, d->blk.rd_reqs_s, d->blk.wr_reqs_s,
        d->net.rx_bytes_s, d->net.tx_bytes_s, d->net.rx_pkts_s,  d->net.tx_pkts_s};
    for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++)
        assert_sane(figures[i], "a figure", d->name);
    for (size_t i = 0; i < d->nblocks; i++)
        assert_sane(d->blocks[i].rd_bytes_s, "block read", d->name);
    for (size_t i = 0; i < d->nnets; i++)
        assert_sane(d->nets[i].rx_bytes_s, "net rx", d->name);
}

static void test_rates_from_two_ticks(void **state)
{
    gen_host g;
    gen_open(&g, MANY_UP, MANY_DOWN);
    kd_sample a, b;
    take(g.conn, &a);
    take(g.conn, &b);
    kd_rates r;
    kd_rates_compute(&a, &b, &r);
    assert_true(kd_rate_valid(r.elapsed_s));
    assert_true(r.elapsed_s > 0 && r.elapsed_s < 60);
    assert_int_equal(r.ndoms, MANY_UP + MANY_DOWN);
    for (size_t i = 0; i < r.ndoms; i++) {
        assert_string_equal(r.doms[i].uuid, b.doms[i].uuid);
        assert_true(r.doms[i].has_prev);
        check_dom_rates(&r.doms[i]);
    }
    if (kd_rate_valid(r.host_cpu_pct))
        assert_true(r.host_cpu_pct >= 0 && r.host_cpu_pct <= 100);
    assert_sane(r.host_mem_used_kib, "host memory", "the host");
    kd_rates_free(&r);
    kd_sample_free(&a);
    kd_sample_free(&b);
    gen_close(&g);
}

/* A domain started and destroyed by another client shows in the very next tick. */
static void test_sees_other_clients(void **state)
{
    kd_conn *c = open_conn(DEFAULT_URI, false);
    virConnectPtr raw = virConnectOpen(DEFAULT_URI);
    assert_non_null(raw);
    virDomainPtr d = virDomainCreateXML(raw,
                                        "<domain type='test'><name>" TEMP_NAME "</name>"
                                        "<memory>65536</memory><os><type>hvm</type></os>"
                                        "</domain>",
                                        0);
    assert_non_null(d);
    char uuid[VIR_UUID_STRING_BUFLEN];
    assert_int_equal(virDomainGetUUIDString(d, uuid), 0);
    kd_sample a, b;
    take(c, &a);
    assert_non_null(by_uuid(&a, uuid));
    assert_int_equal(by_uuid(&a, uuid)->state, KD_DOM_RUNNING);
    assert_string_equal(by_uuid(&a, uuid)->name, TEMP_NAME);
    assert_int_equal(virDomainDestroy(d), 0);
    virDomainFree(d);
    take(c, &b);
    assert_null(by_uuid(&b, uuid));
    kd_rates r;
    kd_rates_compute(&a, &b, &r);
    assert_null(kd_rates_find(&r, uuid));
    assert_int_equal(r.ndoms, b.ndoms);
    kd_rates_free(&r);
    kd_sample_free(&a);
    kd_sample_free(&b);
    virConnectClose(raw);
    kd_conn_free(c);
}

static char *balloon_period(virConnectPtr raw, const char *name)
{
    virDomainPtr d = virDomainLookupByName(raw, name);
    assert_non_null(d);
    char *xml = virDomainGetXMLDesc(d, 0);
    virDomainFree(d);
    assert_non_null(xml);
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL, XML_PARSE_NONET);
    free(xml);
    assert_non_null(doc);
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o =
        xmlXPathEvalExpression(BAD_CAST "string(/domain/devices/memballoon/stats/@period)", ctx);
    char *period = kd_strdup(o && o->stringval ? (const char *)o->stringval : "");
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return period;
}

static void test_memory_period(void **state)
{
    kd_conn *c = open_conn(DEFAULT_URI, false);
    virConnectPtr raw = virConnectOpen(DEFAULT_URI);
    assert_non_null(raw);
    const kd_domain *test = kd_conn_domain_by_name(c, "test");
    assert_non_null(test);
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_sampler_set_memory_period(c, test->uuid, 7, &err), 0);
    char *period = balloon_period(raw, "test");
    assert_string_equal(period, "7");
    free(period);

    unsigned long before = kd_sampler_calls();
    assert_int_equal(kd_sampler_set_memory_period(c, test->uuid, -1, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_int_equal(kd_sampler_set_memory_period(c, NULL, 5, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_int_equal(kd_sampler_calls(), before); /* refused before reaching libvirt */

    kd_err_clear(&err);
    assert_int_equal(
        kd_sampler_set_memory_period(c, "00000000-0000-4000-8000-000000000000", 5, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_true(strlen(err.msg) > 0);
    virConnectClose(raw);
    kd_conn_free(c);

    kd_conn *ro = open_conn(DEFAULT_URI, true);
    test = kd_conn_domain_by_name(ro, "test");
    assert_non_null(test);
    kd_err_clear(&err);
    assert_int_equal(kd_sampler_set_memory_period(ro, test->uuid, 5, &err), -1);
    assert_int_equal(err.code, KD_ERR_READONLY);
    kd_conn_free(ro);
}

/* A guest without a balloon refuses, with libvirt's reason; the caller may ignore it. */
static void test_memory_period_no_balloon(void **state)
{
    gen_host g;
    gen_open(&g, 2, 0);
    const kd_domain *d = kd_conn_domain_by_name(g.conn, "kd-many-000");
    assert_non_null(d);
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_sampler_set_memory_period(g.conn, d->uuid, 5, &err), -1);
    assert_int_equal(err.code, KD_ERR_LIBVIRT);
    assert_non_null(strstr(err.msg, "kd-many-000"));
    if (!strstr(err.msg, "balloon"))
        fail_msg("%s", err.msg);
    d = kd_conn_domain_by_name(g.conn, "kd-many-001");
    assert_int_equal(kd_sampler_set_memory_period(g.conn, d->uuid, 5, &err), 0);
    gen_close(&g);
}

static int group_setup(void **state)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_loop_init(&err) < 0) {
        fprintf(stderr, "kd_loop_init: %s\n", err.msg);
        return -1;
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_host),
        cmocka_unit_test(test_fixture_states),
        cmocka_unit_test(test_one_bulk_call),
        cmocka_unit_test(test_rates_from_two_ticks),
        cmocka_unit_test(test_sees_other_clients),
        cmocka_unit_test(test_memory_period),
        cmocka_unit_test(test_memory_period_no_balloon),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
