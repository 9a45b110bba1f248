#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/domain.h"
#include "backend/sample.h"
#include "core/str.h"
#include "stats/history.h"
#include "stats/rates.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Made-up samples with round numbers, so that every expected rate is exact. */

#define SEC 1000000000ull

static const char *const UUID_A = "aaaaaaaa-0000-4000-8000-000000000001";
static const char *const UUID_B = "bbbbbbbb-0000-4000-8000-000000000002";
static const char *const UUID_C = "cccccccc-0000-4000-8000-000000000003";

static kd_sample *sample_new(uint64_t mono_ns, unsigned host_cpus)
{
    kd_sample *s = kd_calloc(1, sizeof(*s));
    s->mono_ns = mono_ns;
    s->wall_s = (int64_t)(mono_ns / SEC);
    s->host_cpus = host_cpus;
    return s;
}

static void sample_destroy(kd_sample *s)
{
    kd_sample_free(s);
    free(s);
}

static kd_dom_sample *add_dom(kd_sample *s, const char *uuid, const char *name, int id)
{
    s->doms = kd_realloc(s->doms, (s->ndoms + 1) * sizeof(*s->doms));
    kd_dom_sample *d = &s->doms[s->ndoms++];
    memset(d, 0, sizeof(*d));
    snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
    d->name = kd_strdup(name);
    d->id = id;
    d->state = id > 0 ? KD_DOM_RUNNING : KD_DOM_SHUTOFF;
    return d;
}

static void set_cpu(kd_dom_sample *d, uint64_t cpu_ns, unsigned vcpus, uint64_t vcpu_ns)
{
    d->flags |= KD_SAMPLE_HAS_CPU | KD_SAMPLE_HAS_VCPU | KD_SAMPLE_HAS_VCPU_TIME;
    d->cpu_time_ns = cpu_ns;
    d->vcpus = vcpus;
    d->vcpu_time_ns = vcpu_ns;
}

static void add_block(kd_dom_sample *d, const char *name, uint64_t rd_reqs, uint64_t rd_bytes,
                      uint64_t wr_reqs, uint64_t wr_bytes)
{
    d->blocks = kd_realloc(d->blocks, (d->nblocks + 1) * sizeof(*d->blocks));
    d->blocks[d->nblocks++] =
        (kd_block_sample){kd_strdup(name), rd_reqs, rd_bytes, wr_reqs, wr_bytes};
}

static void add_net(kd_dom_sample *d, const char *name, uint64_t rx_bytes, uint64_t rx_pkts,
                    uint64_t tx_bytes, uint64_t tx_pkts)
{
    d->nets = kd_realloc(d->nets, (d->nnets + 1) * sizeof(*d->nets));
    kd_net_sample n = {0};
    n.name = kd_strdup(name);
    n.rx_bytes = rx_bytes;
    n.rx_pkts = rx_pkts;
    n.tx_bytes = tx_bytes;
    n.tx_pkts = tx_pkts;
    d->nets[d->nnets++] = n;
}

static const kd_dom_rates *find(const kd_rates *r, const char *uuid)
{
    const kd_dom_rates *d = kd_rates_find(r, uuid);
    assert_non_null(d);
    return d;
}

#define assert_na(v) assert_true(isnan(v))
/* Exact up to rounding; a NAN never passes. */
#define assert_rate(v, exp)                                                                        \
    do {                                                                                           \
        double got_ = (v), want_ = (exp);                                                          \
        if (!(fabs(got_ - want_) <= 1e-9 * fmax(1.0, fabs(want_))))                                \
            fail_msg("%s = %.17g, expected %.17g", #v, got_, want_);                               \
    } while (0)

/* ---- CPU -------------------------------------------------------------------------------- */

/* 2 s apart on 4 host CPUs: 4 s of CPU is 50% of the host; 2 s over 2 vCPUs is 50%. */
static void test_cpu_percent(void **state)
{
    kd_sample *p = sample_new(10 * SEC, 4), *c = sample_new(12 * SEC, 4);
    set_cpu(add_dom(p, UUID_A, "a", 1), 10 * SEC, 2, 3 * SEC);
    set_cpu(add_dom(c, UUID_A, "a", 1), 14 * SEC, 2, 5 * SEC);
    kd_rates r;
    kd_rates_compute(p, c, &r);
    assert_rate(r.elapsed_s, 2.0);
    const kd_dom_rates *d = find(&r, UUID_A);
    assert_true(d->has_prev);
    assert_rate(d->cpu_ns, 4e9);
    assert_rate(d->cpu_pct, 50.0);
    assert_rate(d->vcpu_pct, 50.0);
    assert_string_equal(d->name, "a");
    assert_int_equal(d->vcpus, 2);
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

/* A busy guest can use more than its vCPUs (emulator threads) but the figures stay exact. */
static void test_cpu_percent_uneven(void **state)
{
    kd_sample *p = sample_new(0, 8), *c = sample_new(SEC / 2, 8);
    set_cpu(add_dom(p, UUID_A, "a", 3), 0, 3, 0);
    set_cpu(add_dom(c, UUID_A, "a", 3), SEC, 3, 3 * SEC / 4);
    kd_rates r;
    kd_rates_compute(p, c, &r);
    const kd_dom_rates *d = find(&r, UUID_A);
    assert_rate(d->cpu_pct, 25.0);  /* 1 s / (0.5 s x 8) */
    assert_rate(d->vcpu_pct, 50.0); /* 0.75 s / (0.5 s x 3) */
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

static void test_zero_vcpus_and_cpus(void **state)
{
    kd_sample *p = sample_new(0, 0), *c = sample_new(SEC, 0);
    set_cpu(add_dom(p, UUID_A, "a", 1), 0, 0, 0);
    set_cpu(add_dom(c, UUID_A, "a", 1), SEC, 0, SEC);
    kd_rates r;
    kd_rates_compute(p, c, &r);
    const kd_dom_rates *d = find(&r, UUID_A);
    assert_rate(d->cpu_ns, 1e9);
    assert_na(d->cpu_pct);  /* no host CPUs known */
    assert_na(d->vcpu_pct); /* no vCPUs */
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

/* ---- block and network ---------------------------------------------------------------- */

static void test_block_rates(void **state)
{
    kd_sample *p = sample_new(0, 1), *c = sample_new(4 * SEC, 1);
    kd_dom_sample *dp = add_dom(p, UUID_A, "a", 1), *dc = add_dom(c, UUID_A, "a", 1);
    add_block(dp, "vda", 100, 4096, 10, 8192);
    add_block(dp, "vdb", 0, 0, 0, 0);
    add_block(dc, "vdb", 40, 40960, 4, 4096); /* order changed: matched by name */
    add_block(dc, "vda", 500, 4096 + 409600, 30, 8192 + 81920);
    kd_rates r;
    kd_rates_compute(p, c, &r);
    const kd_dom_rates *d = find(&r, UUID_A);
    assert_int_equal(d->nblocks, 2);
    assert_string_equal(d->blocks[0].name, "vdb");
    assert_rate(d->blocks[0].rd_reqs_s, 10);
    assert_rate(d->blocks[0].rd_bytes_s, 10240);
    assert_rate(d->blocks[0].wr_reqs_s, 1);
    assert_rate(d->blocks[0].wr_bytes_s, 1024);
    assert_string_equal(d->blocks[1].name, "vda");
    assert_rate(d->blocks[1].rd_reqs_s, 100);
    assert_rate(d->blocks[1].rd_bytes_s, 102400);
    assert_rate(d->blocks[1].wr_reqs_s, 5);
    assert_rate(d->blocks[1].wr_bytes_s, 20480);
    assert_null(d->blk.name);
    assert_rate(d->blk.rd_reqs_s, 110);
    assert_rate(d->blk.rd_bytes_s, 112640);
    assert_rate(d->blk.wr_reqs_s, 6);
    assert_rate(d->blk.wr_bytes_s, 21504);
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

static void test_net_rates(void **state)
{
    kd_sample *p = sample_new(SEC, 1), *c = sample_new(3 * SEC, 1);
    kd_dom_sample *dp = add_dom(p, UUID_A, "a", 1), *dc = add_dom(c, UUID_A, "a", 1);
    add_net(dp, "vnet0", 1000, 10, 2000, 20);
    add_net(dp, "vnet1", 0, 0, 0, 0);
    add_net(dc, "vnet0", 3000, 30, 2000, 20);
    add_net(dc, "vnet1", 600, 6, 400, 4);
    kd_rates r;
    kd_rates_compute(p, c, &r);
    const kd_dom_rates *d = find(&r, UUID_A);
    assert_int_equal(d->nnets, 2);
    assert_rate(d->nets[0].rx_bytes_s, 1000);
    assert_rate(d->nets[0].rx_pkts_s, 10);
    assert_rate(d->nets[0].tx_bytes_s, 0);
    assert_rate(d->nets[0].tx_pkts_s, 0);
    assert_rate(d->nets[1].rx_bytes_s, 300);
    assert_rate(d->nets[1].tx_pkts_s, 2);
    assert_rate(d->net.rx_bytes_s, 1300);
    assert_rate(d->net.tx_bytes_s, 200);
    assert_rate(d->net.rx_pkts_s, 13);
    assert_rate(d->net.tx_pkts_s, 2);
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

/* No devices: there is no figure, which is not the same as zero traffic. */
static void test_no_devices(void **state)
{
    kd_sample *p = sample_new(0, 1), *c = sample_new(SEC, 1);
    add_dom(p, UUID_A, "a", 1);
    add_dom(c, UUID_A, "a", 1);
    kd_rates r;
    kd_rates_compute(p, c, &r);
    const kd_dom_rates *d = find(&r, UUID_A);
    assert_int_equal(d->nblocks, 0);
    assert_na(d->blk.rd_bytes_s);
    assert_na(d->net.tx_bytes_s);
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

/* ---- resets ----------------------------------------------------------------------------- */

/* cpu.time going backwards: the domain restarted. No rate at all this tick, and the next
 * tick measures from the new series. */
static void test_cpu_counter_reset(void **state)
{
    kd_sample *p = sample_new(0, 2), *c = sample_new(SEC, 2), *n = sample_new(2 * SEC, 2);
    kd_dom_sample *dp = add_dom(p, UUID_A, "a", 1);
    set_cpu(dp, 900 * SEC, 1, 800 * SEC);
    add_block(dp, "vda", 1000, 1000000, 0, 0);
    kd_dom_sample *dc = add_dom(c, UUID_A, "a", 1);
    set_cpu(dc, SEC / 10, 1, SEC / 20);
    add_block(dc, "vda", 1000, 2000000, 0, 0); /* looks fine, but the domain restarted */
    kd_dom_sample *dn = add_dom(n, UUID_A, "a", 1);
    set_cpu(dn, SEC / 10 + SEC, 1, SEC / 20 + SEC / 2);
    add_block(dn, "vda", 1000, 2000000 + 512, 0, 0);

    kd_rates r;
    kd_rates_compute(p, c, &r);
    const kd_dom_rates *d = find(&r, UUID_A);
    assert_false(d->has_prev);
    assert_na(d->cpu_ns);
    assert_na(d->cpu_pct);
    assert_na(d->vcpu_pct);
    assert_na(d->blocks[0].rd_bytes_s);
    assert_na(d->blk.rd_bytes_s);
    kd_rates_free(&r);

    kd_rates_compute(c, n, &r);
    d = find(&r, UUID_A);
    assert_true(d->has_prev);
    assert_rate(d->cpu_pct, 50.0); /* 1 s over 1 s on 2 CPUs */
    assert_rate(d->vcpu_pct, 50.0);
    assert_rate(d->blk.rd_bytes_s, 512);
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
    sample_destroy(n);
}

/* Stopped and started between two ticks: a new ID, even if cpu.time happens to be larger. */
static void test_restart_new_id(void **state)
{
    kd_sample *p = sample_new(0, 1), *c = sample_new(SEC, 1);
    set_cpu(add_dom(p, UUID_A, "a", 4), SEC, 1, SEC);
    set_cpu(add_dom(c, UUID_A, "a", 5), 5 * SEC, 1, 5 * SEC);
    kd_rates r;
    kd_rates_compute(p, c, &r);
    const kd_dom_rates *d = find(&r, UUID_A);
    assert_false(d->has_prev);
    assert_na(d->cpu_pct);
    assert_int_equal(d->id, 5);
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

/* A disk replaced under the same name: its counters restart. Only that disk, and the total
 * that would include it, are n/a; huge wrapped numbers never appear. */
static void test_device_counter_reset(void **state)
{
    kd_sample *p = sample_new(0, 1), *c = sample_new(SEC, 1);
    kd_dom_sample *dp = add_dom(p, UUID_A, "a", 1), *dc = add_dom(c, UUID_A, "a", 1);
    set_cpu(dp, 0, 1, 0);
    set_cpu(dc, SEC / 2, 1, SEC / 2);
    add_block(dp, "vda", 10, 10000, 10, 10000);
    add_block(dp, "vdb", 10, 10000, 10, 10000);
    add_block(dc, "vda", 20, 20000, 20, 20000);
    add_block(dc, "vdb", 20, 50, 20, 20000); /* rd.bytes went back */
    add_net(dp, "vnet0", 100, 1, 100, 1);
    add_net(dc, "vnet0", 100, 1, 99, 1);
    kd_rates r;
    kd_rates_compute(p, c, &r);
    const kd_dom_rates *d = find(&r, UUID_A);
    assert_true(d->has_prev);
    assert_rate(d->cpu_pct, 50.0);
    assert_rate(d->blocks[0].rd_bytes_s, 10000);
    assert_na(d->blocks[1].rd_bytes_s);
    assert_na(d->blocks[1].wr_bytes_s); /* the whole device starts over */
    assert_na(d->blocks[1].rd_reqs_s);
    assert_na(d->blk.rd_bytes_s);
    assert_na(d->blk.wr_reqs_s);
    assert_na(d->nets[0].rx_bytes_s);
    assert_na(d->net.tx_bytes_s);
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

/* A disk hot-plugged between ticks has no rate yet, nor does the total. */
static void test_device_appears(void **state)
{
    kd_sample *p = sample_new(0, 1), *c = sample_new(SEC, 1);
    kd_dom_sample *dp = add_dom(p, UUID_A, "a", 1), *dc = add_dom(c, UUID_A, "a", 1);
    add_block(dp, "vda", 0, 0, 0, 0);
    add_block(dc, "vda", 1, 512, 0, 0);
    add_block(dc, "sdz", 99, 99999, 0, 0);
    kd_rates r;
    kd_rates_compute(p, c, &r);
    const kd_dom_rates *d = find(&r, UUID_A);
    assert_rate(d->blocks[0].rd_bytes_s, 512);
    assert_string_equal(d->blocks[1].name, "sdz");
    assert_na(d->blocks[1].rd_bytes_s);
    assert_na(d->blk.rd_bytes_s);
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

/* ---- time --------------------------------------------------------------------------------- */

static void check_no_rates(uint64_t prev_ns, uint64_t cur_ns)
{
    kd_sample *p = sample_new(prev_ns, 2), *c = sample_new(cur_ns, 2);
    kd_dom_sample *dp = add_dom(p, UUID_A, "a", 1), *dc = add_dom(c, UUID_A, "a", 1);
    set_cpu(dp, 0, 1, 0);
    set_cpu(dc, SEC, 1, SEC);
    add_block(dp, "vda", 0, 0, 0, 0);
    add_block(dc, "vda", 1, 1, 1, 1);
    dc->flags |= KD_SAMPLE_HAS_BALLOON;
    dc->mem_kib = 2048;
    p->has_host_cpu = c->has_host_cpu = true;
    c->host_cpu_user_ns = SEC;
    c->host_cpu_idle_ns = SEC;
    kd_rates r;
    kd_rates_compute(p, c, &r);
    assert_na(r.elapsed_s);
    assert_na(r.host_cpu_pct);
    const kd_dom_rates *d = find(&r, UUID_A);
    assert_na(d->cpu_ns);
    assert_na(d->cpu_pct);
    assert_na(d->vcpu_pct);
    assert_na(d->blocks[0].rd_reqs_s);
    assert_na(d->blk.wr_bytes_s);
    assert_rate(d->mem_kib, 2048); /* not a rate: still known */
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

static void test_zero_elapsed(void **state)
{
    check_no_rates(5 * SEC, 5 * SEC);
}

static void test_negative_elapsed(void **state)
{
    check_no_rates(5 * SEC, 4 * SEC);
}

static void test_first_tick(void **state)
{
    kd_sample *c = sample_new(SEC, 2);
    set_cpu(add_dom(c, UUID_A, "a", 1), SEC, 1, SEC);
    c->has_host_cpu = true;
    kd_rates r;
    kd_rates_compute(NULL, c, &r);
    assert_na(r.elapsed_s);
    assert_na(r.host_cpu_pct);
    assert_int_equal(r.ndoms, 1);
    assert_false(r.doms[0].has_prev);
    assert_na(r.doms[0].cpu_pct);
    kd_rates_free(&r);
    kd_rates_free(&r); /* freed rates are empty, freeing again is harmless */
    kd_rates_free(NULL);
    sample_destroy(c);
}

/* ---- domains coming and going ------------------------------------------------------------ */

static void test_domains_appear_and_vanish(void **state)
{
    kd_sample *p = sample_new(0, 1), *c = sample_new(SEC, 1);
    set_cpu(add_dom(p, UUID_A, "a", 1), 0, 1, 0);
    set_cpu(add_dom(p, UUID_B, "b", 2), 0, 1, 0);
    set_cpu(add_dom(c, UUID_C, "c", 3), SEC, 1, SEC);
    set_cpu(add_dom(c, UUID_A, "a", 1), SEC / 4, 1, SEC / 4);
    kd_rates r;
    kd_rates_compute(p, c, &r);
    assert_int_equal(r.ndoms, 2);
    /* Same order as the current sample. */
    assert_string_equal(r.doms[0].uuid, UUID_C);
    assert_string_equal(r.doms[1].uuid, UUID_A);
    assert_false(r.doms[0].has_prev);
    assert_na(r.doms[0].cpu_pct);
    assert_true(r.doms[1].has_prev);
    assert_rate(r.doms[1].cpu_pct, 25.0);
    assert_null(kd_rates_find(&r, UUID_B));
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

/* Hundreds of domains in opposite orders: each is matched with its own past. */
static void test_many_domains_matched(void **state)
{
    enum { N = 300 };
    kd_sample *p = sample_new(0, 10), *c = sample_new(SEC, 10);
    char uuid[37];
    for (int i = 0; i < N; i++) {
        snprintf(uuid, sizeof(uuid), "%08d-0000-4000-8000-000000000000", i);
        set_cpu(add_dom(p, uuid, "x", i + 1), (uint64_t)i * SEC, 1, 0);
    }
    for (int i = N - 1; i >= 0; i--) {
        snprintf(uuid, sizeof(uuid), "%08d-0000-4000-8000-000000000000", i);
        /* domain i used i/100 s of CPU: i/10 % of 10 CPUs over 1 s */
        set_cpu(add_dom(c, uuid, "x", i + 1), (uint64_t)i * SEC + (uint64_t)i * SEC / 100, 1, 0);
    }
    kd_rates r;
    kd_rates_compute(p, c, &r);
    assert_int_equal(r.ndoms, N);
    for (int i = 0; i < N; i++) {
        snprintf(uuid, sizeof(uuid), "%08d-0000-4000-8000-000000000000", i);
        assert_rate(find(&r, uuid)->cpu_pct, i / 10.0);
    }
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

/* ---- memory --------------------------------------------------------------------------------- */

static void test_memory(void **state)
{
    kd_sample *c = sample_new(SEC, 1);
    kd_dom_sample *a = add_dom(c, UUID_A, "a", 1);
    a->flags |= KD_SAMPLE_HAS_BALLOON | KD_SAMPLE_HAS_GUEST_MEM;
    a->mem_kib = 1048576;
    a->maxmem_kib = 2097152;
    a->avail_kib = 1000000;
    a->unused_kib = 250000;
    kd_dom_sample *b = add_dom(c, UUID_B, "b", 2); /* a balloon but no guest driver stats */
    b->flags |= KD_SAMPLE_HAS_BALLOON;
    b->mem_kib = 512;
    kd_dom_sample *cc = add_dom(c, UUID_C, "c", 3); /* nothing at all */
    (void)cc;
    kd_rates r;
    kd_rates_compute(NULL, c, &r);
    const kd_dom_rates *d = find(&r, UUID_A);
    assert_rate(d->mem_kib, 1048576);
    assert_rate(d->maxmem_kib, 2097152);
    assert_rate(d->mem_used_kib, 750000);
    d = find(&r, UUID_B);
    assert_rate(d->mem_kib, 512);
    assert_na(d->mem_used_kib);
    d = find(&r, UUID_C);
    assert_na(d->mem_kib);
    assert_na(d->maxmem_kib);
    assert_na(d->mem_used_kib);
    kd_rates_free(&r);
    sample_destroy(c);
}

/* A guest reporting more unused than available is wrong, not negative. */
static void test_memory_inconsistent(void **state)
{
    kd_sample *c = sample_new(SEC, 1);
    kd_dom_sample *a = add_dom(c, UUID_A, "a", 1);
    a->flags |= KD_SAMPLE_HAS_BALLOON | KD_SAMPLE_HAS_GUEST_MEM;
    a->avail_kib = 100;
    a->unused_kib = 101;
    kd_rates r;
    kd_rates_compute(NULL, c, &r);
    assert_na(find(&r, UUID_A)->mem_used_kib);
    kd_rates_free(&r);
    sample_destroy(c);
}

/* ---- host ----------------------------------------------------------------------------------- */

static void set_host_cpu(kd_sample *s, uint64_t user, uint64_t sys, uint64_t idle, uint64_t iowait)
{
    s->has_host_cpu = true;
    s->host_cpu_user_ns = user;
    s->host_cpu_system_ns = sys;
    s->host_cpu_idle_ns = idle;
    s->host_cpu_iowait_ns = iowait;
}

static void test_host_cpu(void **state)
{
    kd_sample *p = sample_new(0, 4), *c = sample_new(SEC, 4);
    set_host_cpu(p, 1000, 500, 10000, 200);
    set_host_cpu(c, 1200, 600, 10600, 300); /* busy 300 of 1000 */
    kd_rates r;
    kd_rates_compute(p, c, &r);
    assert_rate(r.host_cpu_pct, 30.0);
    assert_int_equal(r.host_cpus, 4);
    kd_rates_free(&r);

    set_host_cpu(c, 900, 600, 10600, 300); /* user went back: the host rebooted */
    kd_rates_compute(p, c, &r);
    assert_na(r.host_cpu_pct);
    kd_rates_free(&r);

    set_host_cpu(c, 1000, 500, 10000, 200); /* no time counted at all */
    kd_rates_compute(p, c, &r);
    assert_na(r.host_cpu_pct);
    kd_rates_free(&r);

    set_host_cpu(c, 1200, 600, 10600, 300);
    p->has_host_cpu = false; /* the driver has no node CPU statistics */
    kd_rates_compute(p, c, &r);
    assert_na(r.host_cpu_pct);
    kd_rates_free(&r);
    sample_destroy(p);
    sample_destroy(c);
}

static void test_host_memory(void **state)
{
    kd_sample *c = sample_new(SEC, 1);
    c->host_mem_kib = 15000; /* the node info may disagree (containers): not used */
    c->has_host_mem = true;
    c->host_total_kib = 16000;
    c->host_free_kib = 2000;
    c->host_buffers_kib = 1000;
    c->host_cached_kib = 5000;
    kd_rates r;
    kd_rates_compute(NULL, c, &r);
    assert_rate(r.host_mem_kib, 16000);
    assert_rate(r.host_mem_used_kib, 8000);
    kd_rates_free(&r);
    c->has_host_mem = false;
    kd_rates_compute(NULL, c, &r);
    assert_rate(r.host_mem_kib, 15000);
    assert_na(r.host_mem_used_kib);
    kd_rates_free(&r);
    sample_destroy(c);
}

/* ---- history ------------------------------------------------------------------------------ */

/* One tick of rates with a host CPU figure and optionally domain A with a CPU figure. */
static void tick(kd_history *h, int64_t t, double host_cpu, bool with_a, double a_cpu)
{
    kd_rates r;
    memset(&r, 0, sizeof(r));
    r.wall_s = t;
    r.host_cpu_pct = host_cpu;
    r.host_mem_used_kib = NAN;
    kd_dom_rates a;
    memset(&a, 0, sizeof(a));
    snprintf(a.uuid, sizeof(a.uuid), "%s", UUID_A);
    a.cpu_pct = a_cpu;
    a.mem_used_kib = 100;
    a.blk = (kd_block_rates){NULL, 10, 5, 1, 1};
    a.net = (kd_net_rates){NULL, 7, NAN, 1, 1};
    if (with_a) {
        r.doms = &a;
        r.ndoms = 1;
    }
    kd_history_add(h, &r);
}

static void test_history_wraps(void **state)
{
    kd_history *h = kd_history_new(5, 10);
    assert_int_equal(kd_history_capacity(h), 5);
    for (int i = 1; i <= 8; i++)
        tick(h, 100 + i, i, false, NAN);
    double v[10];
    int64_t t[10];
    assert_int_equal(kd_history_read(h, NULL, KD_SERIES_CPU, v, 10), 5);
    for (int i = 0; i < 5; i++)
        assert_rate(v[i], 4 + i);
    assert_int_equal(kd_history_read(h, NULL, KD_SERIES_CPU, v, 3), 3);
    assert_rate(v[0], 6);
    assert_rate(v[2], 8);
    assert_int_equal(kd_history_read_times(h, t, 10), 5);
    assert_int_equal(t[0], 104);
    assert_int_equal(t[4], 108);
    assert_int_equal(kd_history_read(h, NULL, KD_SERIES_LAST, v, 10), 0);
    kd_history_free(h);
    kd_history_free(NULL);
}

static void test_history_gaps_and_series(void **state)
{
    kd_history *h = kd_history_new(600, 10);
    tick(h, 1, 10, false, NAN);
    tick(h, 2, NAN, true, NAN); /* domain A appears, no rate yet */
    tick(h, 3, 30, true, 42);
    double v[8];
    assert_int_equal(kd_history_read(h, NULL, KD_SERIES_CPU, v, 8), 3);
    assert_rate(v[0], 10);
    assert_na(v[1]);
    assert_rate(v[2], 30);
    /* A has two points, the newest two ticks. */
    assert_int_equal(kd_history_read(h, UUID_A, KD_SERIES_CPU, v, 8), 2);
    assert_na(v[0]);
    assert_rate(v[1], 42);
    assert_int_equal(kd_history_read(h, UUID_A, KD_SERIES_MEM, v, 8), 2);
    assert_rate(v[1], 100);
    assert_int_equal(kd_history_read(h, UUID_A, KD_SERIES_DISK, v, 8), 2);
    assert_rate(v[1], 15);
    /* rx known, tx not: the sum is a gap. */
    assert_int_equal(kd_history_read(h, UUID_A, KD_SERIES_NET, v, 8), 2);
    assert_na(v[1]);
    /* The host's disk is the sum of its guests'; with none valid it is a gap. */
    assert_int_equal(kd_history_read(h, NULL, KD_SERIES_DISK, v, 8), 3);
    assert_na(v[0]);
    assert_rate(v[2], 15);
    assert_int_equal(kd_history_read(h, NULL, KD_SERIES_NET, v, 8), 3);
    assert_na(v[2]);
    assert_int_equal(kd_history_read(h, UUID_B, KD_SERIES_CPU, v, 8), 0);
    kd_history_free(h);
}

static void test_history_forgets(void **state)
{
    kd_history *h = kd_history_new(10, 2);
    tick(h, 1, 0, true, 5);
    tick(h, 2, 0, false, NAN);
    tick(h, 3, 0, false, NAN);
    assert_true(kd_history_has(h, UUID_A)); /* absent 2 ticks: still kept, with gaps */
    double v[10];
    assert_int_equal(kd_history_read(h, UUID_A, KD_SERIES_CPU, v, 10), 3);
    assert_rate(v[0], 5);
    assert_na(v[1]);
    assert_na(v[2]);
    tick(h, 4, 0, true, 6); /* back before being forgotten: one series */
    assert_int_equal(kd_history_read(h, UUID_A, KD_SERIES_CPU, v, 10), 4);
    assert_rate(v[3], 6);
    for (int i = 5; i <= 7; i++)
        tick(h, i, 0, false, NAN);
    assert_false(kd_history_has(h, UUID_A));
    assert_int_equal(kd_history_ndoms(h), 0);
    assert_int_equal(kd_history_read(h, UUID_A, KD_SERIES_CPU, v, 10), 0);
    kd_history_free(h);
}

/* ---- downsampling ---------------------------------------------------------------------------- */

static void test_downsample(void **state)
{
    int64_t t[180];
    double v[180];
    for (int i = 0; i < 180; i++) {
        t[i] = 30 + i;         /* 30..209: buckets 0, 60, 120, 180 */
        v[i] = i < 30 ? 1 : i; /* bucket 0 holds 30 ones */
    }
    for (int i = 100; i < 150; i++)
        v[i] = NAN; /* 130..179: the rest of bucket 120 is a gap */
    kd_bucket b[8];
    size_t n = kd_history_downsample(t, v, 180, 60, b, 8);
    assert_int_equal(n, 4);
    assert_int_equal(b[0].start, 0);
    assert_int_equal(b[0].n, 30);
    assert_rate(b[0].mean, 1);
    assert_int_equal(b[1].start, 60);
    assert_int_equal(b[1].n, 60);
    assert_rate(b[1].mean, (30 + 89) / 2.0);
    assert_rate(b[1].min, 30);
    assert_rate(b[1].max, 89);
    assert_int_equal(b[2].start, 120);
    assert_int_equal(b[2].n, 10); /* t 120..129 */
    assert_rate(b[2].mean, (90 + 99) / 2.0);
    assert_int_equal(b[3].start, 180);
    assert_int_equal(b[3].n, 30);
    assert_rate(b[3].mean, (150 + 179) / 2.0);

    /* Too few slots: the first buckets, complete. */
    assert_int_equal(kd_history_downsample(t, v, 180, 60, b, 2), 2);
    assert_rate(b[1].mean, (30 + 89) / 2.0);
    assert_int_equal(kd_history_downsample(t, v, 180, 0, b, 8), 0);
    assert_int_equal(kd_history_downsample(t, v, 0, 60, b, 8), 0);
}

static void test_downsample_gaps_and_negative(void **state)
{
    int64_t t[] = {-61, -60, -1, 0, 59};
    double v[] = {NAN, NAN, NAN, 4, 8};
    kd_bucket b[4];
    size_t n = kd_history_downsample(t, v, 5, 60, b, 4);
    assert_int_equal(n, 3);
    assert_int_equal(b[0].start, -120);
    assert_int_equal(b[0].n, 0);
    assert_na(b[0].mean);
    assert_na(b[0].min);
    assert_int_equal(b[1].start, -60);
    assert_int_equal(b[1].n, 0);
    assert_int_equal(b[2].start, 0);
    assert_int_equal(b[2].n, 2);
    assert_rate(b[2].mean, 6);
    assert_rate(b[2].min, 4);
    assert_rate(b[2].max, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_percent),
        cmocka_unit_test(test_cpu_percent_uneven),
        cmocka_unit_test(test_zero_vcpus_and_cpus),
        cmocka_unit_test(test_block_rates),
        cmocka_unit_test(test_net_rates),
        cmocka_unit_test(test_no_devices),
        cmocka_unit_test(test_cpu_counter_reset),
        cmocka_unit_test(test_restart_new_id),
        cmocka_unit_test(test_device_counter_reset),
        cmocka_unit_test(test_device_appears),
        cmocka_unit_test(test_zero_elapsed),
        cmocka_unit_test(test_negative_elapsed),
        cmocka_unit_test(test_first_tick),
        cmocka_unit_test(test_domains_appear_and_vanish),
        cmocka_unit_test(test_many_domains_matched),
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_memory_inconsistent),
        cmocka_unit_test(test_host_cpu),
        cmocka_unit_test(test_host_memory),
        cmocka_unit_test(test_history_wraps),
        cmocka_unit_test(test_history_gaps_and_series),
        cmocka_unit_test(test_history_forgets),
        cmocka_unit_test(test_downsample),
        cmocka_unit_test(test_downsample_gaps_and_negative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
