#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/conn.h"
#include "backend/conn_priv.h"
#include "backend/domain.h"
#include "backend/loop.h"
#include "core/err.h"

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libvirt's test driver keeps one "default" host per process, shared by every connection to
 * test:///default and rebuilt when the last one closes. The tests change it through a raw
 * connection of their own, as another libvirt client would, and watch kvmdeck follow. */

#define DEFAULT_URI "test:///default"
#define FIXTURE_URI "test://" KD_FIXTURES_DIR "/hosts.xml"
#define TEST_UUID   "6695eb01-f6a4-8304-79aa-97f2502e193f"
#define TEMP_PREFIX "kd-test"
#define MAX_ROUNDS  200
#define TICK_MS     10

typedef struct {
    int domain_events;
    int list_events;
    int disconnects;
    int reconnects;
    int reboots;
    int jobs_done;
    int malformed; /* events whose uuid does not fit the event */
    char watch_uuid[37];
    int watch_hits;   /* KD_CONN_EV_DOMAIN events for watch_uuid */
    int watch_reboot; /* KD_CONN_EV_REBOOT for watch_uuid, right after its DOMAIN event */
    kd_conn_event last;
    char last_uuid[37];
} listen_rec;

typedef struct {
    kd_conn *conn;
    virConnectPtr raw;
    listen_rec rec;
} fixture;

static int tick_timer = -1;
static int ticks;

static void on_tick(int timer, void *opaque)
{
    (void)timer;
    ++*(int *)opaque;
}

static void on_event(kd_conn *conn, kd_conn_event ev, const char *uuid, void *opaque)
{
    listen_rec *r = opaque;
    (void)conn;
    /* Counted, not asserted: a failed assertion would jump out of libvirt's loop. */
    bool wants_uuid =
        ev == KD_CONN_EV_DOMAIN || ev == KD_CONN_EV_REBOOT || ev == KD_CONN_EV_JOB_DONE;
    if (wants_uuid ? !uuid || strlen(uuid) != 36 : uuid != NULL) {
        r->malformed++;
        return;
    }
    switch (ev) {
    case KD_CONN_EV_DOMAIN:
        r->domain_events++;
        if (strcmp(uuid, r->watch_uuid) == 0)
            r->watch_hits++;
        break;
    case KD_CONN_EV_LIST:
        r->list_events++;
        break;
    case KD_CONN_EV_DISCONNECTED:
        r->disconnects++;
        break;
    case KD_CONN_EV_RECONNECTED:
        r->reconnects++;
        break;
    case KD_CONN_EV_REBOOT:
        r->reboots++;
        if (strcmp(uuid, r->watch_uuid) == 0 && r->last == KD_CONN_EV_DOMAIN &&
            strcmp(r->last_uuid, uuid) == 0)
            r->watch_reboot++;
        break;
    case KD_CONN_EV_JOB_DONE:
        r->jobs_done++;
        break;
    case KD_CONN_EV_LAST:
        r->malformed++;
        break;
    }
    r->last = ev;
    snprintf(r->last_uuid, sizeof(r->last_uuid), "%s", uuid ? uuid : "");
}

static void watch(fixture *f, const char *uuid)
{
    snprintf(f->rec.watch_uuid, sizeof(f->rec.watch_uuid), "%s", uuid);
    f->rec.watch_hits = 0;
}

static int group_setup(void **state)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_loop_init(&err) < 0) {
        fprintf(stderr, "kd_loop_init: %s\n", err.msg);
        return -1;
    }
    /* A steady timer bounds every kd_loop_run_once, so a missing event fails the test
     * after MAX_ROUNDS instead of hanging it. */
    tick_timer = kd_loop_add_timer(TICK_MS, on_tick, &ticks, &err);
    return tick_timer < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
    kd_loop_remove_timer(tick_timer);
    return 0;
}

/* Put the shared host back as the driver starts it: `test` running, nothing of ours left. */
static void restore_default(virConnectPtr raw)
{
    virDomainPtr *list = NULL;
    int n = virConnectListAllDomains(raw, &list, 0);
    for (int i = 0; i < n; i++) {
        virDomainPtr d = list[i];
        const char *name = virDomainGetName(d);
        int st = 0, reason = 0;
        if (strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0) {
            if (virDomainIsActive(d) == 1)
                virDomainDestroy(d);
            if (virDomainIsPersistent(d) == 1)
                virDomainUndefine(d);
        } else if (strcmp(name, "test") == 0 && virDomainGetState(d, &st, &reason, 0) == 0) {
            if (st == VIR_DOMAIN_PAUSED)
                virDomainResume(d);
            else if (st == VIR_DOMAIN_SHUTOFF)
                virDomainCreate(d);
            virDomainSetAutostart(d, 0);
        }
        virDomainFree(d);
    }
    free(list);
}

static int open_default(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    kd_err err;
    kd_err_clear(&err);
    if (!f)
        return -1;
    f->conn = kd_conn_open(DEFAULT_URI, false, &err);
    if (!f->conn) {
        fprintf(stderr, "kd_conn_open: %s\n", err.msg);
        free(f);
        return -1;
    }
    kd_conn_set_listener(f->conn, on_event, &f->rec);
    f->raw = virConnectOpen(DEFAULT_URI);
    if (!f->raw) {
        kd_conn_free(f->conn);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int close_default(void **state)
{
    fixture *f = *state;
    /* The test driver never drops a connection. */
    int ok = f->rec.malformed == 0 && f->rec.disconnects == 0 && f->rec.reconnects == 0;
    if (!ok)
        fprintf(stderr, "listener: %d malformed events, %d disconnects, %d reconnects\n",
                f->rec.malformed, f->rec.disconnects, f->rec.reconnects);
    restore_default(f->raw);
    kd_conn_free(f->conn);
    virConnectClose(f->raw);
    free(f);
    return ok ? 0 : -1;
}

typedef bool (*conn_pred)(const kd_conn *conn, const void *arg);

/* Dispatch events until pred holds; false after MAX_ROUNDS rounds. */
static bool wait_for(const kd_conn *conn, conn_pred pred, const void *arg)
{
    for (int i = 0; i < MAX_ROUNDS; i++) {
        if (pred(conn, arg))
            return true;
        kd_err err;
        if (kd_loop_run_once(&err) < 0)
            fail_msg("kd_loop_run_once: %s", err.msg);
    }
    return pred(conn, arg);
}

typedef struct {
    const char *uuid;
    kd_dom_state state;
} want_state;

static bool has_state(const kd_conn *conn, const void *arg)
{
    const want_state *w = arg;
    const kd_domain *d = kd_conn_domain_by_uuid(conn, w->uuid);
    return d && d->state == w->state;
}

static bool is_listed(const kd_conn *conn, const void *arg)
{
    return kd_conn_domain_by_uuid(conn, arg) != NULL;
}

static bool is_gone(const kd_conn *conn, const void *arg)
{
    return kd_conn_domain_by_uuid(conn, arg) == NULL;
}

static void wait_state(fixture *f, const char *uuid, kd_dom_state state)
{
    want_state w = {uuid, state};
    if (!wait_for(f->conn, has_state, &w)) {
        const kd_domain *d = kd_conn_domain_by_uuid(f->conn, uuid);
        fail_msg("%s never became %s (now %s)", uuid, kd_dom_state_name(state),
                 d ? kd_dom_state_name(d->state) : "missing");
    }
}

static void run_rounds(int n)
{
    for (int i = 0; i < n; i++) {
        kd_err err;
        if (kd_loop_run_once(&err) < 0)
            fail_msg("kd_loop_run_once: %s", err.msg);
    }
}

/* Dispatch until the watched domain has had at least n KD_CONN_EV_DOMAIN events. */
static bool wait_hits(fixture *f, int n)
{
    for (int i = 0; i < MAX_ROUNDS && f->rec.watch_hits < n; i++)
        run_rounds(1);
    return f->rec.watch_hits >= n;
}

static virDomainPtr raw_domain(fixture *f, const char *name)
{
    virDomainPtr d = virDomainLookupByName(f->raw, name);
    assert_non_null(d);
    return d;
}

/* ---- the default host ------------------------------------------------------------------- */

static void test_default_domain(void **state)
{
    fixture *f = *state;
    assert_true(kd_conn_alive(f->conn));
    assert_false(kd_conn_readonly(f->conn));
    assert_int_equal(kd_conn_domain_count(f->conn), 1);

    const kd_domain *d = kd_conn_domain_by_name(f->conn, "test");
    assert_non_null(d);
    assert_string_equal(d->name, "test");
    assert_string_equal(d->uuid, TEST_UUID);
    assert_int_equal(d->state, KD_DOM_RUNNING);
    assert_int_equal(d->id, 1);
    assert_int_equal(d->vcpus, 2);
    assert_int_equal(d->mem_kib, 2097152);
    assert_int_equal(d->maxmem_kib, 8388608);
    assert_true(d->persistent);
    assert_false(d->autostart);
    assert_false(d->managed_save);

    assert_ptr_equal(kd_conn_domain_by_uuid(f->conn, TEST_UUID), d);
    assert_ptr_equal(kd_conn_domain_at(f->conn, 0), d);
    assert_null(kd_conn_domain_at(f->conn, 1));
    assert_null(kd_conn_domain_by_name(f->conn, "nosuch"));
    assert_null(kd_conn_domain_by_name(f->conn, "TEST"));
    assert_null(kd_conn_domain_by_uuid(f->conn, "00000000-0000-0000-0000-000000000000"));
}

static void format_version(char *buf, size_t n, unsigned long v)
{
    snprintf(buf, n, "%lu.%lu.%lu", v / 1000000, (v / 1000) % 1000, v % 1000);
}

static void test_host_info(void **state)
{
    fixture *f = *state;
    const kd_host_info *h = kd_conn_host(f->conn);
    assert_non_null(h);
    assert_string_equal(h->uri, DEFAULT_URI);
    /* libvirt names the test driver "TEST" (virsh version prints the same). */
    assert_string_equal(h->hv_type, virConnectGetType(f->raw));
    assert_string_equal(h->hv_type, "TEST");
    assert_non_null(h->hostname);
    assert_true(h->hostname[0] != '\0');
    assert_true(h->cpus > 0);
    assert_true(h->mem_kib > 0);

    unsigned long v = 0;
    char want[32];
    assert_int_equal(virConnectGetLibVersion(f->raw, &v), 0);
    format_version(want, sizeof(want), v);
    assert_string_equal(h->lib_version, want);
    assert_int_equal(virConnectGetVersion(f->raw, &v), 0);
    format_version(want, sizeof(want), v);
    assert_string_equal(h->hv_version, want);

    virNodeInfo ni;
    assert_int_equal(virNodeGetInfo(f->raw, &ni), 0);
    assert_int_equal(h->cpus, ni.cpus);
    assert_int_equal(h->mem_kib, ni.memory);
}

static void test_count_states(void **state)
{
    fixture *f = *state;
    unsigned counts[KD_DOM_LAST];
    memset(counts, 0xff, sizeof(counts));
    kd_conn_count_states(f->conn, counts);
    unsigned total = 0;
    for (int i = 0; i < KD_DOM_LAST; i++)
        total += counts[i];
    assert_int_equal(total, kd_conn_domain_count(f->conn));
    assert_int_equal(counts[KD_DOM_RUNNING], 1);
    assert_int_equal(counts[KD_DOM_PAUSED], 0);
    assert_int_equal(counts[KD_DOM_SHUTOFF], 0);
}

static void test_shared_default_instance(void **state)
{
    /* The event tests rely on this: a change through one connection is the same host's
     * change for every other connection in the process. */
    fixture *f = *state;
    virConnectPtr other = virConnectOpen(DEFAULT_URI);
    assert_non_null(other);
    virDomainPtr d = raw_domain(f, "test");
    assert_int_equal(virDomainSuspend(d), 0);

    virDomainPtr od = virDomainLookupByName(other, "test");
    assert_non_null(od);
    int st = 0, reason = 0;
    assert_int_equal(virDomainGetState(od, &st, &reason, 0), 0);
    assert_int_equal(st, VIR_DOMAIN_PAUSED);

    /* A full re-read sees it without any event being dispatched. */
    f->rec.list_events = 0;
    kd_err err;
    assert_int_equal(kd_conn_refresh(f->conn, &err), 0);
    assert_int_equal(f->rec.list_events, 1);
    const kd_domain *kd = kd_conn_domain_by_name(f->conn, "test");
    assert_non_null(kd);
    assert_int_equal(kd->state, KD_DOM_PAUSED);

    virDomainFree(od);
    virDomainFree(d);
    virConnectClose(other);
}

static void test_count_states_after_change(void **state)
{
    fixture *f = *state;
    virDomainPtr d = raw_domain(f, "test");
    assert_int_equal(virDomainSuspend(d), 0);
    wait_state(f, TEST_UUID, KD_DOM_PAUSED);
    unsigned counts[KD_DOM_LAST];
    kd_conn_count_states(f->conn, counts);
    assert_int_equal(counts[KD_DOM_RUNNING], 0);
    assert_int_equal(counts[KD_DOM_PAUSED], 1);
    virDomainFree(d);
}

/* ---- events ----------------------------------------------------------------------------- */

static void test_event_suspend_resume(void **state)
{
    fixture *f = *state;
    virDomainPtr d = raw_domain(f, "test");
    watch(f, TEST_UUID);

    assert_int_equal(virDomainSuspend(d), 0);
    wait_state(f, TEST_UUID, KD_DOM_PAUSED);
    assert_true(f->rec.watch_hits >= 1);
    assert_int_equal(f->rec.domain_events, f->rec.watch_hits);
    assert_int_equal(kd_conn_domain_by_uuid(f->conn, TEST_UUID)->id, 1);

    int before = f->rec.watch_hits;
    assert_int_equal(virDomainResume(d), 0);
    wait_state(f, TEST_UUID, KD_DOM_RUNNING);
    assert_true(f->rec.watch_hits > before);
    assert_int_equal(kd_conn_domain_count(f->conn), 1);
    virDomainFree(d);
}

static void test_event_destroy_start(void **state)
{
    fixture *f = *state;
    virDomainPtr d = raw_domain(f, "test");
    watch(f, TEST_UUID);

    assert_int_equal(virDomainDestroy(d), 0);
    wait_state(f, TEST_UUID, KD_DOM_SHUTOFF);
    assert_true(f->rec.watch_hits >= 1);
    /* A persistent domain stays in the list when it stops. */
    const kd_domain *kd = kd_conn_domain_by_uuid(f->conn, TEST_UUID);
    assert_int_equal(kd->id, -1);
    assert_true(kd->persistent);
    assert_int_equal(kd_conn_domain_count(f->conn), 1);

    int before = f->rec.watch_hits;
    assert_int_equal(virDomainCreate(d), 0);
    wait_state(f, TEST_UUID, KD_DOM_RUNNING);
    assert_true(f->rec.watch_hits > before);
    kd = kd_conn_domain_by_uuid(f->conn, TEST_UUID);
    assert_int_equal(kd->id, (int)virDomainGetID(d));
    assert_true(kd->id > 1);
    virDomainFree(d);
}

#define NEW_UUID "8e1f0c4a-5b7d-4c3e-9a2f-0d6b1e7c9a31"
#define NEW_NAME TEMP_PREFIX " it's <new> & \"odd\""

static const char new_xml[] = "<domain type='test'>"
                              "<name>" TEMP_PREFIX " it&apos;s &lt;new&gt; &amp; "
                              "&quot;odd&quot;</name>"
                              "<uuid>" NEW_UUID "</uuid>"
                              "<memory unit='KiB'>65536</memory>"
                              "<vcpu>3</vcpu>"
                              "<os><type>hvm</type></os>"
                              "</domain>";

static void test_event_define_undefine(void **state)
{
    fixture *f = *state;
    watch(f, NEW_UUID);
    virDomainPtr d = virDomainDefineXML(f->raw, new_xml);
    assert_non_null(d);
    assert_string_equal(virDomainGetName(d), NEW_NAME);

    assert_true(wait_for(f->conn, is_listed, NEW_UUID));
    assert_true(f->rec.watch_hits >= 1);
    const kd_domain *kd = kd_conn_domain_by_name(f->conn, NEW_NAME);
    assert_non_null(kd);
    assert_string_equal(kd->uuid, NEW_UUID);
    assert_int_equal(kd->state, KD_DOM_SHUTOFF);
    assert_int_equal(kd->id, -1);
    assert_int_equal(kd->vcpus, 3);
    assert_int_equal(kd->maxmem_kib, 65536);
    assert_true(kd->persistent);
    assert_int_equal(kd_conn_domain_count(f->conn), 2);

    int before = f->rec.watch_hits;
    assert_int_equal(virDomainUndefine(d), 0);
    assert_true(wait_for(f->conn, is_gone, NEW_UUID));
    assert_true(f->rec.watch_hits > before);
    assert_null(kd_conn_domain_by_name(f->conn, NEW_NAME));
    assert_int_equal(kd_conn_domain_count(f->conn), 1);
    virDomainFree(d);
}

static void test_event_transient(void **state)
{
    fixture *f = *state;
    watch(f, NEW_UUID);
    virDomainPtr d = virDomainCreateXML(f->raw, new_xml, 0);
    assert_non_null(d);

    wait_state(f, NEW_UUID, KD_DOM_RUNNING);
    assert_true(f->rec.watch_hits >= 1);
    const kd_domain *kd = kd_conn_domain_by_uuid(f->conn, NEW_UUID);
    assert_false(kd->persistent);
    assert_true(kd->id > 0);

    /* A transient domain that stops no longer exists, so it leaves the list. */
    assert_int_equal(virDomainDestroy(d), 0);
    virDomainFree(d);
    if (!wait_for(f->conn, is_gone, NEW_UUID))
        fail_msg("a destroyed transient domain is still listed as %s",
                 kd_dom_state_name(kd_conn_domain_by_uuid(f->conn, NEW_UUID)->state));
}

static void test_event_undefine_running(void **state)
{
    /* Undefining a running domain only makes it transient: it goes on running, and the
     * list must go on showing it until it stops. */
    fixture *f = *state;
    virDomainPtr d = virDomainDefineXML(f->raw, new_xml);
    assert_non_null(d);
    assert_int_equal(virDomainCreate(d), 0);
    wait_state(f, NEW_UUID, KD_DOM_RUNNING);

    watch(f, NEW_UUID);
    assert_int_equal(virDomainUndefine(d), 0);
    assert_int_equal(virDomainIsActive(d), 1);
    assert_int_equal(virDomainIsPersistent(d), 0);
    /* Wait for the UNDEFINED event itself, then look at the table. */
    assert_true(wait_hits(f, 1));
    const kd_domain *kd = kd_conn_domain_by_uuid(f->conn, NEW_UUID);
    if (!kd)
        fail_msg("a running domain vanished from the list when it was undefined");
    assert_int_equal(kd->state, KD_DOM_RUNNING);
    assert_false(kd->persistent);

    assert_int_equal(virDomainDestroy(d), 0);
    assert_true(wait_for(f->conn, is_gone, NEW_UUID));
    virDomainFree(d);
}

static void test_autostart_refresh(void **state)
{
    /* Autostart changes raise no lifecycle event; a refresh picks them up. */
    fixture *f = *state;
    virDomainPtr d = raw_domain(f, "test");
    assert_int_equal(virDomainSetAutostart(d, 1), 0);
    kd_err err;
    f->rec.list_events = 0;
    assert_int_equal(kd_conn_refresh(f->conn, &err), 0);
    assert_int_equal(f->rec.list_events, 1);
    const kd_domain *kd = kd_conn_domain_by_name(f->conn, "test");
    assert_non_null(kd);
    assert_true(kd->autostart);
    assert_int_equal(kd->state, KD_DOM_RUNNING);
    virDomainFree(d);
}

/* ---- more events, and re-reading one domain ------------------------------------------- */

static void test_event_metadata(void **state)
{
    /* The test driver changes memory without any event; a description change then sends
     * METADATA_CHANGE alone, and its re-read of the domain brings the memory along. */
    fixture *f = *state;
    virDomainPtr d = raw_domain(f, "test");
    assert_int_equal(virDomainSetMemory(d, 1048576), 0);
    run_rounds(5);
    assert_int_equal(kd_conn_domain_by_uuid(f->conn, TEST_UUID)->mem_kib, 2097152);

    watch(f, TEST_UUID);
    assert_int_equal(
        virDomainSetMetadata(d, VIR_DOMAIN_METADATA_DESCRIPTION, "a & <b>", NULL, NULL, 0), 0);
    if (!wait_hits(f, 1))
        fail_msg("no KD_CONN_EV_DOMAIN after a description change");
    assert_int_equal(f->rec.domain_events, 1);
    assert_int_equal(f->rec.list_events, 0);
    const kd_domain *kd = kd_conn_domain_by_uuid(f->conn, TEST_UUID);
    assert_int_equal(kd->mem_kib, 1048576);
    assert_int_equal(kd->state, KD_DOM_RUNNING);
    assert_int_equal(kd_conn_domain_count(f->conn), 1);
    virDomainFree(d);
}

static void test_event_reboot(void **state)
{
    fixture *f = *state;
    virDomainPtr d = raw_domain(f, "test");
    watch(f, TEST_UUID);
    assert_int_equal(virDomainReboot(d, 0), 0);
    for (int i = 0; i < 50 && f->rec.reboots == 0; i++)
        run_rounds(1);
    virDomainFree(d);
    const kd_domain *kd = kd_conn_domain_by_uuid(f->conn, TEST_UUID);
    assert_non_null(kd);
    assert_int_equal(kd->state, KD_DOM_RUNNING);
    if (f->rec.reboots == 0) {
        /* libvirt 9.0's test driver reboots without sending VIR_DOMAIN_EVENT_ID_REBOOT;
         * tests/vm covers the event on a real guest. */
        fprintf(stderr, "# the test driver sent no reboot event\n");
        skip();
    }
    assert_int_equal(f->rec.reboots, 1);
    assert_int_equal(f->rec.watch_reboot, 1);
}

static void test_refresh_domain(void **state)
{
    fixture *f = *state;
    virDomainPtr d = raw_domain(f, "test");
    assert_int_equal(virDomainSetAutostart(d, 1), 0);
    /* libvirt sends nothing for autostart: the table only learns it when asked. */
    run_rounds(5);
    assert_false(kd_conn_domain_by_uuid(f->conn, TEST_UUID)->autostart);

    watch(f, TEST_UUID);
    kd_err err;
    kd_err_clear(&err);
    if (kd_conn_refresh_domain(f->conn, TEST_UUID, &err) < 0)
        fail_msg("kd_conn_refresh_domain: %s", err.msg);
    assert_true(kd_conn_domain_by_uuid(f->conn, TEST_UUID)->autostart);
    assert_int_equal(f->rec.watch_hits, 1);
    assert_int_equal(f->rec.domain_events, 1);
    assert_int_equal(f->rec.list_events, 0);
    assert_int_equal(kd_conn_domain_count(f->conn), 1);
    virDomainFree(d);
}

static void test_refresh_domain_gone(void **state)
{
    fixture *f = *state;
    virDomainPtr d = virDomainDefineXML(f->raw, new_xml);
    assert_non_null(d);
    assert_true(wait_for(f->conn, is_listed, NEW_UUID));

    /* Undefined behind kvmdeck's back, and asked about before the event is dispatched. */
    assert_int_equal(virDomainUndefine(d), 0);
    virDomainFree(d);
    watch(f, NEW_UUID);
    kd_err err;
    kd_err_clear(&err);
    if (kd_conn_refresh_domain(f->conn, NEW_UUID, &err) < 0)
        fail_msg("kd_conn_refresh_domain on a vanished domain: %s", err.msg);
    assert_int_equal(err.code, KD_ERR_NONE);
    assert_null(kd_conn_domain_by_uuid(f->conn, NEW_UUID));
    assert_int_equal(f->rec.watch_hits, 1);
    assert_int_equal(kd_conn_domain_count(f->conn), 1);

    /* Neither listed nor known: an error, and the table is left alone. */
    int before = f->rec.domain_events;
    kd_err_clear(&err);
    assert_int_equal(kd_conn_refresh_domain(f->conn, NEW_UUID, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, NEW_UUID));
    kd_err_clear(&err);
    assert_int_equal(kd_conn_refresh_domain(f->conn, "not a uuid", &err), -1);
    assert_int_not_equal(err.code, KD_ERR_NONE);
    assert_int_equal(f->rec.domain_events, before);
    assert_int_equal(kd_conn_domain_count(f->conn), 1);
}

static void test_connected_state(void **state)
{
    /* What the status line reads while all is well; reconnecting is then a no-op. */
    fixture *f = *state;
    assert_true(kd_conn_alive(f->conn));
    assert_int_equal(kd_conn_retry_in_ms(f->conn), -1);
    assert_int_equal(kd_conn_attempts(f->conn), 0);
    assert_int_equal(kd_conn_last_error(f->conn)->code, KD_ERR_NONE);
    virConnectPtr vc = kd_conn_virt(f->conn);
    assert_non_null(vc);

    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_conn_reconnect(f->conn, &err), 0);
    run_rounds(5);
    assert_ptr_equal(kd_conn_virt(f->conn), vc);
    assert_int_equal(f->rec.reconnects, 0);
    assert_int_equal(f->rec.list_events, 0);
    assert_int_equal(kd_conn_retry_in_ms(f->conn), -1);
    assert_int_equal(kd_conn_domain_count(f->conn), 1);
}

typedef struct {
    kd_conn *conn;
    int calls;
} freeing;

static void free_on_event(kd_conn *conn, kd_conn_event ev, const char *uuid, void *opaque)
{
    freeing *fr = opaque;
    (void)ev, (void)uuid;
    fr->calls++;
    if (conn == fr->conn) {
        kd_conn_free(conn);
        fr->conn = NULL;
    }
}

static void test_free_in_listener(void **state)
{
    /* A UI that drops the connection from its listener (to open another) must not leave
     * kvmdeck touching freed memory; AddressSanitizer is the judge. */
    (void)state;
    kd_err err;
    kd_err_clear(&err);
    freeing fr = {kd_conn_open(DEFAULT_URI, false, &err), 0};
    assert_non_null(fr.conn);
    kd_conn_set_listener(fr.conn, free_on_event, &fr);
    virConnectPtr raw = virConnectOpen(DEFAULT_URI);
    assert_non_null(raw);
    virDomainPtr d = virDomainLookupByUUIDString(raw, TEST_UUID);
    assert_non_null(d);
    assert_int_equal(virDomainSuspend(d), 0);
    for (int i = 0; i < MAX_ROUNDS && fr.calls == 0; i++)
        run_rounds(1);
    assert_int_equal(fr.calls, 1);
    assert_null(fr.conn);
    /* Its callbacks went with it. */
    assert_int_equal(virDomainResume(d), 0);
    run_rounds(10);
    assert_int_equal(fr.calls, 1);

    fr.conn = kd_conn_open(DEFAULT_URI, false, &err);
    assert_non_null(fr.conn);
    kd_conn_set_listener(fr.conn, free_on_event, &fr);
    assert_int_equal(kd_conn_refresh(fr.conn, &err), 0);
    assert_int_equal(fr.calls, 2);
    assert_null(fr.conn);
    virDomainFree(d);
    virConnectClose(raw);
}

/* ---- credentials -------------------------------------------------------------------- */

#define AUTH_USER "alice"
#define AUTH_PASS "s3cret & <more> \"x\""

/* A test-driver host that asks for a user name and a password. */
static const char auth_host_xml[] =
    "<node><auth><user password='s3cret &amp; &lt;more&gt; &quot;x&quot;'>" AUTH_USER
    "</user></auth>"
    "<domain type='test'><name>guarded</name><memory>65536</memory>"
    "<os><type>hvm</type></os></domain></node>";

typedef struct {
    const char *answers[4];
    int cancel_at; /* -1: never */
    int asked;
    bool echo[4];
    char prompt[4][128];
} auth_script;

static int scripted_auth(const char *prompt, bool echo, char *buf, size_t buflen, void *opaque)
{
    auth_script *s = opaque;
    int i = s->asked++;
    if (i >= 4 || i == s->cancel_at || !s->answers[i])
        return -1;
    s->echo[i] = echo;
    snprintf(s->prompt[i], sizeof(s->prompt[i]), "%s", prompt);
    snprintf(buf, buflen, "%s", s->answers[i]);
    return 0;
}

static char auth_path[64];

static int auth_setup(void **state)
{
    (void)state;
    snprintf(auth_path, sizeof(auth_path), "/tmp/kd-test-auth-XXXXXX");
    int fd = mkstemp(auth_path);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, auth_host_xml, sizeof(auth_host_xml) - 1);
    close(fd);
    return n == (ssize_t)sizeof(auth_host_xml) - 1 ? 0 : -1;
}

static int auth_teardown(void **state)
{
    (void)state;
    kd_conn_set_auth(NULL, NULL);
    unlink(auth_path);
    return 0;
}

static kd_conn *open_auth(auth_script *s, kd_err *err)
{
    char uri[96];
    snprintf(uri, sizeof(uri), "test://%s", auth_path);
    kd_conn_set_auth(s ? scripted_auth : NULL, s);
    kd_err_clear(err);
    return kd_conn_open(uri, false, err);
}

static void test_auth_answered(void **state)
{
    (void)state;
    auth_script s = {.answers = {AUTH_USER, AUTH_PASS}, .cancel_at = -1};
    kd_err err;
    kd_conn *c = open_auth(&s, &err);
    if (!c)
        fail_msg("open with the right credentials: %s", err.msg);
    assert_int_equal(s.asked, 2);
    /* The name is shown as typed, the password is not. */
    assert_true(s.echo[0]);
    assert_false(s.echo[1]);
    /* libvirt's own words, without the host name repeated. */
    assert_string_equal(s.prompt[0], "Enter username for localhost");
    assert_string_equal(s.prompt[1], "Enter " AUTH_USER "'s password for localhost");
    assert_non_null(kd_conn_domain_by_name(c, "guarded"));
    kd_conn_free(c);
}

static void test_auth_refused(void **state)
{
    (void)state;
    auth_script s = {.answers = {AUTH_USER, "s3cret"}, .cancel_at = -1};
    kd_err err;
    assert_null(open_auth(&s, &err));
    assert_int_equal(s.asked, 2);
    assert_int_equal(err.code, KD_ERR_CONNECT);
    if (!strstr(err.msg, "authentication failed"))
        fail_msg("'%s' does not say the authentication failed", err.msg);

    /* Nothing more is asked once the user has said no. */
    s = (auth_script){.answers = {AUTH_USER, AUTH_PASS}, .cancel_at = 0};
    assert_null(open_auth(&s, &err));
    assert_int_equal(s.asked, 1);
    assert_int_equal(err.code, KD_ERR_CONNECT);
    if (!strstr(err.msg, "cancelled") || !strstr(err.msg, auth_path))
        fail_msg("'%s' does not say that the user cancelled", err.msg);
    s = (auth_script){.answers = {AUTH_USER, AUTH_PASS}, .cancel_at = 1};
    assert_null(open_auth(&s, &err));
    assert_int_equal(s.asked, 2);
    assert_non_null(strstr(err.msg, "cancelled"));
}

static void test_auth_none(void **state)
{
    /* Without a way to ask, the open fails with libvirt's own reason. */
    (void)state;
    kd_err err;
    assert_null(open_auth(NULL, &err));
    assert_int_equal(err.code, KD_ERR_CONNECT);
    assert_non_null(strstr(err.msg, auth_path));
    if (!strstr(err.msg, "auth"))
        fail_msg("'%s' does not mention authentication", err.msg);

    /* A host that asks for nothing never calls the function. */
    auth_script s = {.cancel_at = -1};
    kd_conn_set_auth(scripted_auth, &s);
    kd_err_clear(&err);
    kd_conn *c = kd_conn_open(FIXTURE_URI, false, &err);
    assert_non_null(c);
    assert_int_equal(s.asked, 0);
    kd_conn_free(c);
}

static void test_state_restored(void **state)
{
    /* Runs last. The driver rebuilds the default host once its last connection closes, so
     * after the others every test here starts from the host as libvirt first creates it. */
    fixture *f = *state;
    assert_int_equal(kd_conn_domain_count(f->conn), 1);
    const kd_domain *kd = kd_conn_domain_by_name(f->conn, "test");
    assert_non_null(kd);
    assert_int_equal(kd->state, KD_DOM_RUNNING);
    assert_int_equal(kd->id, 1);
    assert_false(kd->autostart);
    assert_null(kd_conn_domain_by_uuid(f->conn, NEW_UUID));
}

/* ---- opening ---------------------------------------------------------------------------- */

static void test_bad_uri(void **state)
{
    kd_err err;
    kd_err_clear(&err);
    kd_conn *c = kd_conn_open("nosuchdriver:///x", false, &err);
    assert_null(c);
    assert_int_equal(err.code, KD_ERR_CONNECT);
    if (!strstr(err.msg, "nosuchdriver:///x"))
        fail_msg("'%s' does not name the URI", err.msg);

    kd_err_clear(&err);
    c = kd_conn_open("test:///no/such/host.xml", false, &err);
    assert_null(c);
    assert_int_equal(err.code, KD_ERR_CONNECT);
    assert_non_null(strstr(err.msg, "/no/such/host.xml"));
}

static void test_readonly(void **state)
{
    kd_err err;
    kd_err_clear(&err);
    kd_conn *c = kd_conn_open(DEFAULT_URI, true, &err);
    if (!c)
        fail_msg("read-only open: %s", err.msg);
    assert_true(kd_conn_readonly(c));
    assert_true(kd_conn_alive(c));
    const kd_domain *d = kd_conn_domain_by_name(c, "test");
    assert_non_null(d);
    assert_int_equal(d->state, KD_DOM_RUNNING);
    assert_string_equal(kd_conn_host(c)->uri, DEFAULT_URI);
    kd_conn_free(c);
    kd_conn_free(NULL);
}

/* ---- a fixture host --------------------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *uuid;
    int id;
    kd_dom_state state;
    unsigned vcpus;
    unsigned long long mem_kib;
    unsigned long long maxmem_kib;
    bool persistent;
    bool managed_save;
} fixture_dom;

static const fixture_dom fixture_doms[] = {
    {"web1", "11111111-1111-4111-8111-111111111111", 1, KD_DOM_RUNNING, 4, 1048576, 2097152, true,
     false},
    {"db1", "22222222-2222-4222-8222-222222222222", 2, KD_DOM_PAUSED, 2, 4194304, 4194304, true,
     false},
    {"build", "33333333-3333-4333-8333-333333333333", -1, KD_DOM_SHUTOFF, 1, 524288, 524288, true,
     false},
    {"restored", "44444444-4444-4444-8444-444444444444", -1, KD_DOM_SHUTOFF, 2, 1048576, 1048576,
     true, true},
    {"crashy", "55555555-5555-4555-8555-555555555555", 3, KD_DOM_CRASHED, 1, 262144, 262144, true,
     false},
    {"scratch", "66666666-6666-4666-8666-666666666666", 4, KD_DOM_RUNNING, 1, 131072, 131072, false,
     false},
    {"it's <odd> & \"quoted\"", "77777777-7777-4777-8777-777777777777", 5, KD_DOM_RUNNING, 3,
     786432, 786432, true, false},
};

static void test_fixture_host(void **state)
{
    kd_err err;
    kd_err_clear(&err);
    kd_conn *c = kd_conn_open(FIXTURE_URI, false, &err);
    if (!c)
        fail_msg("%s: %s", FIXTURE_URI, err.msg);
    size_t n = sizeof(fixture_doms) / sizeof(fixture_doms[0]);
    assert_int_equal(kd_conn_domain_count(c), n);

    for (size_t i = 0; i < n; i++) {
        const fixture_dom *w = &fixture_doms[i];
        const kd_domain *d = kd_conn_domain_by_name(c, w->name);
        if (!d)
            fail_msg("%s is not listed", w->name);
        assert_ptr_equal(kd_conn_domain_by_uuid(c, w->uuid), d);
        assert_string_equal(d->name, w->name);
        if (d->state != w->state)
            fail_msg("%s is %s, expected %s", w->name, kd_dom_state_name(d->state),
                     kd_dom_state_name(w->state));
        assert_int_equal(d->id, w->id);
        assert_int_equal(d->vcpus, w->vcpus);
        assert_int_equal(d->mem_kib, w->mem_kib);
        assert_int_equal(d->maxmem_kib, w->maxmem_kib);
        assert_int_equal(d->persistent, w->persistent);
        assert_int_equal(d->managed_save, w->managed_save);
        assert_false(d->autostart);
    }

    unsigned counts[KD_DOM_LAST];
    kd_conn_count_states(c, counts);
    assert_int_equal(counts[KD_DOM_RUNNING], 3);
    assert_int_equal(counts[KD_DOM_PAUSED], 1);
    assert_int_equal(counts[KD_DOM_SHUTOFF], 2);
    assert_int_equal(counts[KD_DOM_CRASHED], 1);
    assert_int_equal(counts[KD_DOM_BLOCKED] + counts[KD_DOM_NOSTATE] + counts[KD_DOM_SHUTDOWN] +
                         counts[KD_DOM_PMSUSPENDED],
                     0);

    const kd_host_info *h = kd_conn_host(c);
    assert_string_equal(h->uri, FIXTURE_URI);
    assert_string_equal(h->hv_type, "TEST");
    assert_int_equal(h->cpus, 8);
    assert_int_equal(h->mem_kib, 16777216);
    kd_conn_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_domain, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_host_info, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_count_states, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_shared_default_instance, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_count_states_after_change, open_default,
                                        close_default),
        cmocka_unit_test_setup_teardown(test_event_suspend_resume, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_event_destroy_start, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_event_define_undefine, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_event_transient, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_event_undefine_running, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_autostart_refresh, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_event_metadata, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_event_reboot, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_refresh_domain, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_refresh_domain_gone, open_default, close_default),
        cmocka_unit_test_setup_teardown(test_connected_state, open_default, close_default),
        cmocka_unit_test(test_free_in_listener),
        cmocka_unit_test_setup_teardown(test_auth_answered, auth_setup, auth_teardown),
        cmocka_unit_test_setup_teardown(test_auth_refused, auth_setup, auth_teardown),
        cmocka_unit_test_setup_teardown(test_auth_none, auth_setup, auth_teardown),
        cmocka_unit_test(test_bad_uri),
        cmocka_unit_test(test_readonly),
        cmocka_unit_test(test_fixture_host),
        cmocka_unit_test_setup_teardown(test_state_restored, open_default, close_default),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
