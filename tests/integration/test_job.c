#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/action.h"
#include "backend/conn.h"
#include "backend/conn_priv.h"
#include "backend/job.h"
#include "backend/loop.h"
#include "core/err.h"

#include <libvirt/libvirt.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Workers and done callbacks only record what they saw (an assertion would jump out of a
 * worker thread or out of libvirt's loop); the test body asserts on the records. */

#define FIXTURE_URI "test://" KD_FIXTURES_DIR "/hosts.xml"
#define WEB1        "11111111-1111-4111-8111-111111111111"
#define BUILD       "33333333-3333-4333-8333-333333333333"
#define MAX_ROUNDS  500
#define TICK_MS     10
#define MANY        32

static int tick_timer = -1;
static pthread_t loop_thread;

static void on_tick(int timer, void *opaque)
{
    (void)timer;
    (void)opaque;
}

static int group_setup(void **state)
{
    (void)state;
    kd_err err;
    if (kd_loop_init(&err) < 0)
        return -1;
    loop_thread = pthread_self();
    tick_timer = kd_loop_add_timer(TICK_MS, on_tick, NULL, &err);
    return tick_timer < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
    (void)state;
    kd_loop_remove_timer(tick_timer);
    return 0;
}

static int open_fixture(void **state)
{
    kd_err err;
    kd_err_clear(&err);
    *state = kd_conn_open(FIXTURE_URI, false, &err);
    if (!*state)
        fprintf(stderr, "%s: %s\n", FIXTURE_URI, err.msg);
    return *state ? 0 : -1;
}

static int close_fixture(void **state)
{
    /* The contract: no connection is freed under its jobs. */
    kd_job_wait(*state, true);
    kd_conn_free(*state);
    return kd_job_count() == 0 ? 0 : -1;
}

/* ---- what workers and callbacks record -------------------------------------------------- */

typedef struct {
    int calls;
    int result;
    kd_err err;
    char label[64];
    bool on_loop_thread;
    size_t count_inside;
} done_rec;

typedef struct {
    int value;         /* the worker returns it */
    int fail_silently; /* return -1 without filling err */
    kd_op op;          /* when run_op: kd_dom_run(op) on uuid */
    bool run_op;
    const char *uuid;
    sem_t *gate; /* when set, wait for it first */
    int sleep_ms;
    pthread_t worker; /* recorded by the worker */
    bool ran;
    int *frees; /* counts arg_free calls */
} work;

static int work_fn(kd_conn *conn, void *arg, kd_err *err)
{
    work *w = arg;
    w->worker = pthread_self();
    w->ran = true;
    if (w->gate)
        sem_wait(w->gate);
    if (w->sleep_ms) {
        struct timespec ts = {0, (long)w->sleep_ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (w->run_op)
        return kd_dom_run(conn, w->uuid, w->op, err);
    if (w->fail_silently)
        return -1;
    return w->value;
}

static void count_free(void *arg)
{
    work *w = arg;
    if (w->frees)
        ++*w->frees;
}

static void on_done(kd_job *job, int result, const kd_err *err, void *opaque)
{
    done_rec *r = opaque;
    r->calls++;
    r->result = result;
    r->err = *err;
    snprintf(r->label, sizeof(r->label), "%s", kd_job_label(job));
    r->on_loop_thread = pthread_equal(pthread_self(), loop_thread);
    r->count_inside = kd_job_count();
}

static kd_job *start(kd_conn *c, const char *label, const char *uuid, work *w, done_rec *r)
{
    kd_err err;
    kd_err_clear(&err);
    kd_job *j = kd_job_start(c, label, uuid, work_fn, w, count_free, on_done, r, &err);
    if (!j)
        fail_msg("kd_job_start: %s", err.msg);
    return j;
}

static void run_until(bool (*pred)(const void *), const void *arg)
{
    for (int i = 0; i < MAX_ROUNDS && !pred(arg); i++) {
        kd_err err;
        if (kd_loop_run_once(&err) < 0)
            fail_msg("kd_loop_run_once: %s", err.msg);
    }
    if (!pred(arg))
        fail_msg("a job never reported back through the loop");
}

static bool rec_done(const void *arg)
{
    return ((const done_rec *)arg)->calls > 0;
}

static bool none_left(const void *arg)
{
    (void)arg;
    return kd_job_count() == 0;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_thread_and_result(void **state)
{
    kd_conn *c = *state;
    int frees = 0;
    work w = {.value = 7, .frees = &frees};
    done_rec r = {0};
    assert_int_equal(kd_job_count(), 0);
    kd_job *j = start(c, "answer", NULL, &w, &r);
    assert_string_equal(kd_job_label(j), "answer");
    assert_int_equal(kd_job_count(), 1);
    run_until(rec_done, &r);

    assert_true(w.ran);
    assert_false(pthread_equal(w.worker, pthread_self()));
    assert_int_equal(r.calls, 1);
    assert_true(r.on_loop_thread);
    assert_int_equal(r.result, 7);
    assert_int_equal(r.err.code, KD_ERR_NONE);
    assert_string_equal(r.label, "answer");
    assert_int_equal(r.count_inside, 0);
    assert_int_equal(kd_job_count(), 0);
    assert_int_equal(frees, 1);

    /* Further rounds bring no second report. */
    for (int i = 0; i < 5; i++) {
        kd_err err;
        kd_loop_run_once(&err);
    }
    assert_int_equal(r.calls, 1);
}

static void test_many(void **state)
{
    kd_conn *c = *state;
    static work w[MANY];
    static done_rec r[MANY];
    int frees = 0;
    memset(w, 0, sizeof(w));
    memset(r, 0, sizeof(r));
    for (int i = 0; i < MANY; i++) {
        w[i].value = 100 + i;
        w[i].frees = &frees;
        w[i].sleep_ms = i % 4;
        char label[32];
        snprintf(label, sizeof(label), "job %d", i);
        start(c, label, NULL, &w[i], &r[i]);
    }
    assert_int_equal(kd_job_count(), MANY);
    run_until(none_left, NULL);
    for (int i = 0; i < MANY; i++) {
        char label[32];
        snprintf(label, sizeof(label), "job %d", i);
        assert_int_equal(r[i].calls, 1);
        assert_int_equal(r[i].result, 100 + i);
        assert_string_equal(r[i].label, label);
        assert_true(r[i].on_loop_thread);
        assert_false(pthread_equal(w[i].worker, pthread_self()));
    }
    assert_int_equal(frees, MANY);
}

static void test_failure(void **state)
{
    kd_conn *c = *state;
    work w = {.run_op = true, .op = KD_OP_START, .uuid = WEB1};
    done_rec r = {0};
    start(c, "start web1", WEB1, &w, &r);
    run_until(rec_done, &r);
    assert_int_equal(r.result, -1);
    assert_int_equal(r.err.code, KD_ERR_LIBVIRT);
    if (strncmp(r.err.msg, "start web1: ", 12) != 0)
        fail_msg("the job's error is '%s'", r.err.msg);

    /* A worker that fails without a word still reports something to show. */
    work silent = {.fail_silently = 1};
    done_rec rs = {0};
    start(c, "quiet one", NULL, &silent, &rs);
    run_until(rec_done, &rs);
    assert_int_equal(rs.result, -1);
    assert_int_not_equal(rs.err.code, KD_ERR_NONE);
    assert_non_null(strstr(rs.err.msg, "quiet one"));
}

static void test_real_action(void **state)
{
    kd_conn *c = *state;
    work w = {.run_op = true, .op = KD_OP_MANAGEDSAVE, .uuid = WEB1};
    done_rec r = {0};
    start(c, "managedsave web1", WEB1, &w, &r);
    run_until(rec_done, &r);
    if (r.result != 0)
        fail_msg("managedsave in a job: %s", r.err.msg);
    virDomainPtr d = virDomainLookupByUUIDString(kd_conn_virt(c), WEB1);
    int st = 0, reason = 0;
    assert_int_equal(virDomainGetState(d, &st, &reason, 0), 0);
    assert_int_equal(st, VIR_DOMAIN_SHUTOFF);
    assert_int_equal(virDomainHasManagedSaveImage(d, 0), 1);
    virDomainFree(d);
}

static void test_cancel_and_progress(void **state)
{
    kd_conn *c = *state;
    sem_t gate;
    sem_init(&gate, 0, 0);
    work w = {.gate = &gate, .value = 1};
    done_rec r = {0};
    kd_job *j = start(c, "save web1", WEB1, &w, &r);

    /* The test driver keeps no libvirt jobs: no progress, and nothing to abort. */
    kd_job_progress p;
    memset(&p, 0xff, sizeof(p));
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_job_get_progress(j, &p, &err), 0);
    assert_false(p.known);
    assert_int_equal(p.processed, 0);
    assert_int_equal(p.total, 0);

    kd_err_clear(&err);
    assert_int_equal(kd_job_cancel(j, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    if (strncmp(err.msg, "cancel save web1: web1 has no job libvirt can abort", 51) != 0)
        fail_msg("unclear: '%s'", err.msg);

    work w2 = {.gate = &gate, .value = 2};
    done_rec r2 = {0};
    kd_job *j2 = start(c, "local work", NULL, &w2, &r2);
    memset(&p, 0xff, sizeof(p));
    assert_int_equal(kd_job_get_progress(j2, &p, &err), 0);
    assert_false(p.known);
    kd_err_clear(&err);
    assert_int_equal(kd_job_cancel(j2, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_non_null(strstr(err.msg, "cannot be cancelled"));

    /* Neither has reported while the workers wait. */
    for (int i = 0; i < 3; i++)
        kd_loop_run_once(&err);
    assert_int_equal(r.calls + r2.calls, 0);
    assert_int_equal(kd_job_count(), 2);
    sem_post(&gate);
    sem_post(&gate);
    run_until(none_left, NULL);
    assert_int_equal(r.result, 1);
    assert_int_equal(r2.result, 2);
    sem_destroy(&gate);
}

static void test_start_errors(void **state)
{
    kd_conn *c = *state;
    int frees = 0;
    work w = {.frees = &frees};
    done_rec r = {0};
    kd_err err;
    kd_err_clear(&err);
    assert_null(kd_job_start(c, "bad", NULL, NULL, &w, count_free, on_done, &r, &err));
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_int_equal(frees, 1);
    kd_err_clear(&err);
    assert_null(kd_job_start(c, "bad", "not-a-uuid", work_fn, &w, count_free, on_done, &r, &err));
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_int_equal(frees, 2);
    assert_int_equal(kd_job_count(), 0);
    for (int i = 0; i < 3; i++)
        kd_loop_run_once(&err);
    assert_int_equal(r.calls, 0);
}

/* The connection goes away with jobs in flight: kd_job_wait runs their callbacks first,
 * and nothing reports afterwards. AddressSanitizer would catch a late touch. */
static void test_wait_before_free(void **state)
{
    (void)state;
    kd_conn *c = NULL;
    assert_int_equal(open_fixture((void **)&c), 0);
    static work w[4];
    static done_rec r[4];
    memset(w, 0, sizeof(w));
    memset(r, 0, sizeof(r));
    for (int i = 0; i < 4; i++) {
        w[i] = (work){.run_op = true, .op = KD_OP_SUSPEND, .uuid = WEB1, .sleep_ms = 20 * i};
        start(c, "suspend web1", WEB1, &w[i], &r[i]);
    }
    assert_int_equal(kd_job_wait(c, false), 4);
    assert_int_equal(kd_job_count(), 0);
    int ok = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(r[i].calls, 1);
        assert_true(r[i].on_loop_thread);
        ok += r[i].result == 0;
    }
    /* One suspend wins; the others find web1 already paused. */
    assert_int_equal(ok, 1);
    kd_conn_free(c);
    kd_err err;
    for (int i = 0; i < 5; i++)
        kd_loop_run_once(&err);
    for (int i = 0; i < 4; i++)
        assert_int_equal(r[i].calls, 1);
}

/* Quitting: every job is reported, the pipe is let go, and a later job still works. */
static void test_quit(void **state)
{
    kd_conn *c = *state;
    static work w[8];
    static done_rec r[8];
    memset(w, 0, sizeof(w));
    memset(r, 0, sizeof(r));
    for (int i = 0; i < 8; i++) {
        w[i] = (work){.value = i, .sleep_ms = 10};
        start(c, "slow", i % 2 ? WEB1 : NULL, &w[i], &r[i]);
    }
    assert_int_equal(kd_job_wait(NULL, true), 8);
    assert_int_equal(kd_job_count(), 0);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(r[i].calls, 1);
        assert_int_equal(r[i].result, i);
    }
    assert_int_equal(kd_job_wait(NULL, true), 0);

    work again = {.value = 5};
    done_rec ra = {0};
    start(c, "after quit", NULL, &again, &ra);
    run_until(rec_done, &ra);
    assert_int_equal(ra.result, 5);
}

/* A done callback may start the next job. */
typedef struct {
    kd_conn *conn;
    work next_work;
    done_rec next_rec;
    int first_result;
} chain;

static void on_first_done(kd_job *job, int result, const kd_err *err, void *opaque)
{
    (void)job;
    (void)err;
    chain *ch = opaque;
    ch->first_result = result;
    kd_err e;
    kd_job_start(ch->conn, "second", NULL, work_fn, &ch->next_work, NULL, on_done, &ch->next_rec,
                 &e);
}

static void test_chain(void **state)
{
    chain ch = {.conn = *state, .next_work = {.value = 2}, .first_result = 0};
    work first = {.value = 1};
    kd_err err;
    assert_non_null(
        kd_job_start(ch.conn, "first", NULL, work_fn, &first, NULL, on_first_done, &ch, &err));
    run_until(rec_done, &ch.next_rec);
    assert_int_equal(ch.first_result, 1);
    assert_int_equal(ch.next_rec.result, 2);
    assert_int_equal(kd_job_count(), 0);
}

#define JOB_TEST(fn) cmocka_unit_test_setup_teardown(fn, open_fixture, close_fixture)

int main(void)
{
    const struct CMUnitTest tests[] = {
        JOB_TEST(test_thread_and_result),
        JOB_TEST(test_many),
        JOB_TEST(test_failure),
        JOB_TEST(test_real_action),
        JOB_TEST(test_cancel_and_progress),
        JOB_TEST(test_start_errors),
        cmocka_unit_test(test_wait_before_free),
        JOB_TEST(test_quit),
        JOB_TEST(test_chain),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
