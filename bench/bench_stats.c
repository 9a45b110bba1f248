/* The marginal cost of kvmdeck's stats tick against the bare bulk call it is built on.
 *
 *   bench_stats URI THEMES_DIR TICKS
 *
 * Runs phases of TICKS ticks each on one connection. Under callgrind (started with
 * --instr-atstart=no) every phase is one dump named after it, holding only the parts of the
 * tick that phase measures; run.sh divides by TICKS. Run natively it prints the wall time
 * per tick of the phases that measure whole ticks. */

#include "harness.h"

#include "backend/conn_priv.h"
#include "backend/sampler.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>

/* The same groups and flags as src/backend/sampler.c (private there): the baseline must ask
 * libvirt for exactly what kvmdeck asks for. */
#define BARE_GROUPS                                                                                \
    (VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON |              \
     VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK)
#define BARE_FLAGS VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT

enum {
    PART_BARE = 1 << 0,
    PART_SAMPLE = 1 << 1,  /* kd_sampler_take */
    PART_COMPUTE = 1 << 2, /* rates, history, the previous sample freed */
    PART_DRAW = 1 << 3,    /* the dirty flags, then kd_app_draw_now */
    PART_REAL = 1 << 4,    /* the program's own tick (kd_stats_ui_start runs it), then draw */
    PART_TICK = PART_SAMPLE | PART_COMPUTE | PART_DRAW,
};

/* What the baseline does with each record besides freeing it: nothing, or one of the calls
 * kvmdeck's sampler could make, to price them one by one. */
typedef void (*record_fn)(virDomainPtr dom);

static void rec_name(virDomainPtr dom)
{
    if (!virDomainGetName(dom))
        abort();
}

static void rec_uuid(virDomainPtr dom)
{
    unsigned char uuid[VIR_UUID_BUFLEN];
    if (virDomainGetUUID(dom, uuid) < 0)
        abort();
}

/* What src/backend/sampler.c does for each record today. */
static void rec_uuidstr_id(virDomainPtr dom)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(dom, uuid) < 0)
        abort();
    (void)virDomainGetID(dom);
}

typedef struct {
    const char *name;
    kd_view view;
    bool synth; /* compute and draw synthetic figures instead of the test driver's */
    unsigned parts;
    record_fn each; /* for PART_BARE */
} phase;

static const phase phases[] = {
    {"bare", KD_VIEW_LIST, false, PART_BARE, NULL},
    {"bare+name", KD_VIEW_LIST, false, PART_BARE, rec_name},
    {"bare+uuid", KD_VIEW_LIST, false, PART_BARE, rec_uuid},
    {"bare+uuidstr+id", KD_VIEW_LIST, false, PART_BARE, rec_uuidstr_id},
    {"sample", KD_VIEW_LIST, false, PART_SAMPLE, NULL},
    {"compute", KD_VIEW_LIST, false, PART_COMPUTE, NULL},
    {"draw.list", KD_VIEW_LIST, false, PART_DRAW, NULL},
    {"tick.list", KD_VIEW_LIST, false, PART_TICK, NULL},
    {"real.list", KD_VIEW_LIST, false, PART_REAL, NULL},
    {"synth.compute", KD_VIEW_LIST, true, PART_COMPUTE, NULL},
    {"synth.draw.list", KD_VIEW_LIST, true, PART_DRAW, NULL},
    {"synth.tick.list", KD_VIEW_LIST, true, PART_TICK, NULL},
    {"draw.stats", KD_VIEW_STATS, false, PART_DRAW, NULL},
    {"tick.stats", KD_VIEW_STATS, false, PART_TICK, NULL},
    {"real.stats", KD_VIEW_STATS, false, PART_REAL, NULL},
    {"synth.draw.stats", KD_VIEW_STATS, true, PART_DRAW, NULL},
    {"synth.tick.stats", KD_VIEW_STATS, true, PART_TICK, NULL},
};

typedef struct {
    kd_app app;
    kd_conn *conn;
    virConnectPtr vc;
    kd_bench_synth *synth;
    bool collecting;
} bench;

/* Callgrind counts only while collecting; natively this does nothing. */
static void collect(bench *b, bool on)
{
    if (b->collecting == on)
        return;
    CALLGRIND_TOGGLE_COLLECT;
    b->collecting = on;
}

static void tick_bare(bench *b, record_fn each)
{
    virDomainStatsRecordPtr *recs = NULL;
    int n = virConnectGetAllDomainStats(b->vc, BARE_GROUPS, &recs, BARE_FLAGS);
    if (n < 0) {
        fprintf(stderr, "bench_stats: virConnectGetAllDomainStats failed\n");
        exit(1);
    }
    for (int i = 0; i < n && each; i++)
        each(recs[i]->dom);
    virDomainStatsRecordListFree(recs);
}

static void tick_kvmdeck(bench *b, const phase *p)
{
    kd_err err;
    kd_sample s;
    kd_err_clear(&err);
    collect(b, p->parts & PART_SAMPLE);
    if (kd_sampler_take(b->conn, &s, &err) < 0) {
        fprintf(stderr, "bench_stats: kd_sampler_take: %s\n", err.msg);
        exit(1);
    }
    if (p->synth) {
        /* The test driver's sample was paid for; its figures are replaced by moving ones. */
        collect(b, false);
        kd_sample_free(&s);
        kd_bench_synth_next(b->synth, true, &s);
    }
    collect(b, p->parts & PART_COMPUTE);
    kd_bench_tick_compute(&b->app, &s);
    collect(b, p->parts & PART_DRAW);
    kd_bench_tick_dirty(&b->app);
    kd_app_draw_now(&b->app);
}

static void tick(bench *b, const phase *p)
{
    if (p->parts & PART_BARE) {
        collect(b, true);
        tick_bare(b, p->each);
    } else if (p->parts & PART_REAL) {
        collect(b, true);
        kd_stats_ui_start(&b->app); /* runs the tick at once: sample, rates, history, store */
        kd_app_draw_now(&b->app);
    } else {
        tick_kvmdeck(b, p);
    }
    collect(b, false);
}

static void run_phase(bench *b, const phase *p, unsigned ticks)
{
    if (b->app.view != p->view) {
        kd_app_set_view(&b->app, p->view);
        kd_app_draw_now(&b->app);
    }
    /* Two unmeasured ticks: the first rates after a change of data, the history's slots. */
    for (int i = 0; i < 2; i++)
        tick(b, p);
    CALLGRIND_ZERO_STATS;
    uint64_t t0 = kd_bench_now_ns();
    for (unsigned i = 0; i < ticks; i++)
        tick(b, p);
    uint64_t t1 = kd_bench_now_ns();
    CALLGRIND_DUMP_STATS_AT(p->name);
    bool whole = p->parts & (PART_BARE | PART_REAL) || (p->parts & PART_TICK) == PART_TICK ||
                 p->parts == PART_SAMPLE;
    if (whole && !RUNNING_ON_VALGRIND)
        printf("phase %s ticks=%u ns_per_tick=%llu\n", p->name, ticks,
               (unsigned long long)((t1 - t0) / ticks));
}

/* Heap taken by a history of the program's size holding this host's domains. */
static void report_history_memory(bench *b)
{
    size_t before = mallinfo2().uordblks;
    kd_history *h = kd_history_new(kd_history_capacity(b->app.history), 30);
    kd_history_add(h, &b->app.rates);
    size_t after = mallinfo2().uordblks;
    printf("memory history_kib=%zu domains=%zu points_per_series=%zu\n", (after - before) / 1024,
           kd_history_ndoms(h), kd_history_capacity(h));
    kd_history_free(h);
}

int main(int argc, char **argv)
{
    bench b;
    char *end;
    if (argc != 4 || strtoul(argv[3], &end, 10) == 0 || *end) {
        fprintf(stderr, "usage: bench_stats URI THEMES_DIR TICKS\n");
        return 2;
    }
    unsigned ticks = (unsigned)strtoul(argv[3], NULL, 10);
    setlocale(LC_ALL, "");
    memset(&b, 0, sizeof(b));
    b.collecting = true;
    b.conn = kd_bench_connect(argv[1]);
    b.vc = kd_conn_virt(b.conn);
    kd_bench_screen_open(50, 160, "xterm-256color", "/dev/null");
    kd_bench_app_init(&b.app, b.conn, argv[2], true);
    b.synth = kd_bench_synth_new(b.conn, 42);
    kd_app_draw_now(&b.app);
    printf("domains %zu\n", kd_conn_domain_count(b.conn));

    CALLGRIND_START_INSTRUMENTATION;
    for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
        run_phase(&b, &phases[i], ticks);
    CALLGRIND_STOP_INSTRUMENTATION;
    report_history_memory(&b);

    kd_bench_synth_free(b.synth);
    kd_bench_app_free(&b.app);
    kd_bench_screen_close();
    kd_conn_free(b.conn);
    return 0;
}
