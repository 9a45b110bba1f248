#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/conn.h"
#include "backend/job.h"
#include "backend/loop.h"
#include "backend/migrate.h"
#include "core/err.h"

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The test driver cannot migrate: what is tested here is everything before libvirt's
 * migration proper (words to flags, checks, the same-host refusal, an unreachable
 * destination) and that its refusal comes back through a job in words. tests/vm/migrate.sh
 * moves a real guest. */

#define DEFAULT_URI "test:///default"
#define FIXTURE_URI "test://" KD_FIXTURES_DIR "/hosts.xml"
/* Nothing listens on port 1: the remote driver is refused at once. */
#define DEAD_URI   "qemu+tcp://127.0.0.1:1/system"
#define MAX_ROUNDS 500

static int tick_timer = -1;

static void on_tick(int timer, void *opaque)
{
    (void)timer;
    (void)opaque;
}

static int group_setup(void **state)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_loop_init(&err) < 0)
        return -1;
    /* Bounds every kd_loop_run_once, so a job that never reports fails instead of hanging. */
    tick_timer = kd_loop_add_timer(10, on_tick, NULL, &err);
    return tick_timer < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
    kd_loop_remove_timer(tick_timer);
    kd_job_wait(NULL, true);
    return 0;
}

static int parse(kd_migrate_opts *o, const char *line, kd_err *err)
{
    char *copy = strdup(line);
    char *argv[16];
    int argc = 0;
    for (char *w = strtok(copy, " "); w && argc < 16; w = strtok(NULL, " "))
        argv[argc++] = w;
    int rc = kd_migrate_opts_parse(o, argc, argv, err);
    free(copy);
    return rc;
}

static void test_parse_flags(void **state)
{
    kd_migrate_opts o;
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(parse(&o,
                           "--live qemu+ssh://h2/system --persistent --undefinesource "
                           "--copy-storage-all --migrateuri tcp://10.0.0.2 --bandwidth 100",
                           &err),
                     0);
    assert_string_equal(o.dest_uri, "qemu+ssh://h2/system");
    assert_string_equal(o.migrate_uri, "tcp://10.0.0.2");
    assert_int_equal(o.bandwidth, 100);
    assert_true(o.live && o.persistent && o.undefine_source && o.copy_storage);
    assert_false(o.offline || o.p2p);
    assert_int_equal(kd_migrate_flags(&o), VIR_MIGRATE_LIVE | VIR_MIGRATE_PERSIST_DEST |
                                               VIR_MIGRATE_UNDEFINE_SOURCE |
                                               VIR_MIGRATE_NON_SHARED_DISK);
    kd_migrate_opts_clear(&o);

    assert_int_equal(parse(&o, "qemu:///system --offline --persistent --p2p", &err), 0);
    assert_int_equal(kd_migrate_flags(&o),
                     VIR_MIGRATE_OFFLINE | VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_PEER2PEER);
    assert_null(o.migrate_uri);
    kd_migrate_opts_clear(&o);

    assert_int_equal(parse(&o, "qemu:///system", &err), 0);
    assert_int_equal(kd_migrate_flags(&o), 0);
    kd_migrate_opts_clear(&o);
}

static void test_parse_errors(void **state)
{
    static const struct {
        const char *line;
        const char *msg;
    } bad[] = {
        {"--live", "no destination URI"},
        {"qemu:///system --fast", "unknown option --fast"},
        {"qemu:///system --migrateuri", "--migrateuri needs a value"},
        {"qemu:///system --bandwidth lots", "whole number, not 'lots'"},
        {"qemu:///system qemu+ssh://h2/system", "one destination URI only"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kd_migrate_opts o;
        kd_err err;
        kd_err_clear(&err);
        assert_int_equal(parse(&o, bad[i].line, &err), -1);
        assert_int_equal(err.code, KD_ERR_INVALID);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("'%s': got '%s', wanted '%s'", bad[i].line, err.msg, bad[i].msg);
        assert_null(o.dest_uri);
    }
}

static void test_validate(void **state)
{
    static const struct {
        const char *line;
        bool active;
        const char *msg; /* NULL: accepted */
    } cases[] = {
        {"qemu+ssh://h2/system --live", true, NULL},
        {"qemu+ssh://h2/system", true, NULL},
        {"qemu+ssh://h2/system --offline --persistent", false, NULL},
        {"host2", true, "not a libvirt URI"},
        {"qemu+ssh://h2/sys\ttem", true, "not a libvirt URI"},
        {"qemu+ssh://h2/system --migrateuri 10.0.0.2", true, "migration URI is not a URI"},
        {"qemu+ssh://h2/system --offline --live --persistent", false, "exclude each other"},
        {"qemu+ssh://h2/system --offline", false, "needs --persistent"},
        {"qemu+ssh://h2/system --offline --persistent", true, "is running"},
        {"qemu+ssh://h2/system --offline --persistent --copy-storage-all", false, "copies no"},
        {"qemu+ssh://h2/system --live", false, "not running"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kd_migrate_opts o;
        kd_err err;
        kd_err_clear(&err);
        assert_int_equal(parse(&o, cases[i].line, &err), 0);
        int rc = kd_migrate_validate(&o, cases[i].active, &err);
        kd_migrate_opts_clear(&o);
        if (!cases[i].msg) {
            if (rc != 0)
                fail_msg("'%s' refused: %s", cases[i].line, err.msg);
            continue;
        }
        assert_int_equal(rc, -1);
        if (!strstr(err.msg, cases[i].msg))
            fail_msg("'%s': got '%s', wanted '%s'", cases[i].line, err.msg, cases[i].msg);
    }
}

static const char *uuid_of(kd_conn *c, const char *name)
{
    const kd_domain *d = kd_conn_domain_by_name(c, name);
    assert_non_null(d);
    return d->uuid;
}

static kd_conn *open_conn(const char *uri, bool ro)
{
    kd_err err;
    kd_err_clear(&err);
    kd_conn *c = kd_conn_open(uri, ro, &err);
    if (!c)
        fail_msg("kd_conn_open %s: %s", uri, err.msg);
    return c;
}

static void test_same_host_refused(void **state)
{
    kd_conn *src = open_conn(DEFAULT_URI, false);
    kd_migrate_opts o = {.dest_uri = DEFAULT_URI, .live = true};
    kd_err err;
    kd_err_clear(&err);
    /* Opened by the backend itself... */
    assert_null(kd_migrate_prepare(src, uuid_of(src, "test"), &o, NULL, &err));
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_non_null(strstr(err.msg, "migrate test to test:///default: that is the source host"));
    /* ...and an open connection handed in. */
    kd_conn *dest = open_conn(DEFAULT_URI, false);
    kd_err_clear(&err);
    assert_null(kd_migrate_prepare(src, uuid_of(src, "test"), &o, dest, &err));
    assert_non_null(strstr(err.msg, "source host itself"));
    kd_conn_free(dest);
    kd_conn_free(src);
}

static void test_unreachable_destination(void **state)
{
    kd_conn *src = open_conn(DEFAULT_URI, false);
    kd_migrate_opts o = {.dest_uri = DEAD_URI, .live = true};
    kd_err err;
    kd_err_clear(&err);
    assert_null(kd_migrate_prepare(src, uuid_of(src, "test"), &o, NULL, &err));
    assert_int_equal(err.code, KD_ERR_LIBVIRT);
    if (!strstr(err.msg, "migrate to " DEAD_URI ": the destination cannot be reached"))
        fail_msg("got '%s'", err.msg);
    kd_conn_free(src);
}

static void test_bad_input_refused_before_libvirt(void **state)
{
    kd_conn *src = open_conn(FIXTURE_URI, false);
    kd_err err;
    /* A shut-off domain without --offline, a bad URI, and no such domain. */
    kd_migrate_opts o = {.dest_uri = DEFAULT_URI, .live = true};
    kd_err_clear(&err);
    assert_null(kd_migrate_prepare(src, uuid_of(src, "build"), &o, NULL, &err));
    assert_non_null(strstr(err.msg, "not running"));
    kd_migrate_opts bad = {.dest_uri = "nowhere", .live = true};
    kd_err_clear(&err);
    assert_null(kd_migrate_prepare(src, uuid_of(src, "web1"), &bad, NULL, &err));
    assert_non_null(strstr(err.msg, "not a libvirt URI"));
    kd_err_clear(&err);
    assert_null(kd_migrate_prepare(src, "00000000-0000-0000-0000-000000000000", &o, NULL, &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    kd_conn_free(src);
}

static void test_readonly_refused(void **state)
{
    kd_conn *src = open_conn(FIXTURE_URI, true);
    kd_migrate_opts o = {.dest_uri = DEFAULT_URI, .live = true};
    kd_err err;
    kd_err_clear(&err);
    assert_null(kd_migrate_prepare(src, uuid_of(src, "web1"), &o, NULL, &err));
    assert_int_equal(err.code, KD_ERR_READONLY);
    kd_conn_free(src);
}

typedef struct {
    bool done;
    int result;
    kd_err err;
} job_rec;

static void on_done(kd_job *job, int result, const kd_err *err, void *opaque)
{
    job_rec *r = opaque;
    (void)job;
    r->done = true;
    r->result = result;
    r->err = *err;
}

static void run_job(kd_conn *src, const char *uuid, kd_migrate_req *req, job_rec *r)
{
    kd_err err;
    kd_err_clear(&err);
    kd_job *j = kd_job_start(src, "migrate", uuid, kd_migrate_job, req, kd_migrate_req_free,
                             on_done, r, &err);
    if (!j)
        fail_msg("kd_job_start: %s", err.msg);
    for (int i = 0; i < MAX_ROUNDS && !r->done; i++)
        if (kd_loop_run_once(&err) < 0)
            fail_msg("kd_loop_run_once: %s", err.msg);
    assert_true(r->done);
}

/* Two different hosts as far as the checks go; the driver then says it cannot migrate, and
 * the domain stays where it was. */
static void test_driver_refusal_explained(void **state)
{
    for (int p2p = 0; p2p < 2; p2p++) {
        kd_conn *src = open_conn(FIXTURE_URI, false);
        const char *uuid = uuid_of(src, "web1");
        kd_migrate_opts o = {.dest_uri = DEFAULT_URI, .live = true, .p2p = p2p};
        kd_err err;
        kd_err_clear(&err);
        kd_migrate_req *req = kd_migrate_prepare(src, uuid, &o, NULL, &err);
        if (!req)
            fail_msg("prepare: %s", err.msg);
        kd_migrate_stats st;
        assert_int_equal(kd_migrate_stats_get(src, uuid, &st, &err), 0);
        assert_false(st.active);
        job_rec r = {0};
        run_job(src, uuid, req, &r);
        assert_int_equal(r.result, -1);
        const char *want = p2p ? "the source's driver cannot migrate peer-to-peer"
                               : "this hypervisor driver cannot migrate domains";
        if (!strstr(r.err.msg, want))
            fail_msg("p2p %d: got '%s'", p2p, r.err.msg);
        const kd_domain *d = kd_conn_domain_by_name(src, "web1");
        assert_non_null(d);
        assert_int_equal(d->state, KD_DOM_RUNNING);
        kd_conn_free(src);
    }
}

static void test_stats_unknown_domain(void **state)
{
    kd_conn *src = open_conn(DEFAULT_URI, false);
    kd_migrate_stats st;
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_migrate_stats_get(src, "00000000-0000-0000-0000-000000000000", &st, &err),
                     -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_false(st.active);
    kd_conn_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_flags),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_same_host_refused),
        cmocka_unit_test(test_unreachable_destination),
        cmocka_unit_test(test_bad_input_refused_before_libvirt),
        cmocka_unit_test(test_readonly_refused),
        cmocka_unit_test(test_driver_refusal_explained),
        cmocka_unit_test(test_stats_unknown_domain),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
