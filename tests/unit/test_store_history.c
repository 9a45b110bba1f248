/* The statistics history kept in the store: downsampling, retention, gaps, migration. */
#include "store_helpers.h"

/* ---- statistics history ------------------------------------------------------------------ */

#define T0   1700000040 /* a whole minute */
#define HOST ""

typedef struct {
    int64_t *t;
    double *v;
    size_t n;
} got_series;

static void put_stats_ok(kd_store *st, const char *uri, int64_t t, const kd_stat_point *p, size_t n)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_store_put_stats(st, uri, t, p, n, &err) < 0)
        fail_msg("put_stats at %lld: %s", (long long)t, err.msg);
}

/* One point of one series. */
static void put_one(kd_store *st, const char *uri, const char *uuid, int series, int64_t t,
                    double value)
{
    kd_stat_point p = {uuid, series, value};
    put_stats_ok(st, uri, t, &p, 1);
}

static got_series get_series(kd_store *st, const char *uri, const char *uuid, int series,
                             int64_t t0)
{
    kd_err err;
    kd_err_clear(&err);
    got_series g = {NULL, NULL, 99};
    if (kd_store_get_stats(st, uri, uuid, series, t0, &g.t, &g.v, &g.n, &err) < 0)
        fail_msg("get_stats: %s", err.msg);
    assert_true((g.n == 0) == (g.t == NULL));
    assert_true((g.n == 0) == (g.v == NULL));
    return g;
}

static void got_free(got_series *g)
{
    free(g->t);
    free(g->v);
}

static void assert_value(double got, double want, size_t i)
{
    if (isnan(want) != isnan(got) || (!isnan(want) && fabs(got - want) > 1e-9))
        fail_msg("point %zu: got %.17g, want %.17g", i, got, want);
}

/* The series holds exactly these points, in this order (NAN: a gap). */
static void assert_series(kd_store *st, const char *uri, const char *uuid, int series, int64_t t0,
                          const int64_t *wt, const double *wv, size_t wn)
{
    got_series g = get_series(st, uri, uuid, series, t0);
    if (g.n != wn)
        fail_msg("%zu points, want %zu", g.n, wn);
    for (size_t i = 0; i < wn; i++) {
        if (g.t[i] != wt[i])
            fail_msg("point %zu: time %lld, want %lld", i, (long long)g.t[i], (long long)wt[i]);
        assert_value(g.v[i], wv[i], i);
    }
    got_free(&g);
}

static void assert_empty_series(kd_store *st, const char *uri, const char *uuid, int series)
{
    got_series g = get_series(st, uri, uuid, series, 0);
    assert_int_equal(g.n, 0);
}

static int prune_ok(kd_store *st, int64_t now, int64_t raw_keep, int64_t bucket_keep)
{
    kd_err err;
    kd_err_clear(&err);
    int ret = kd_store_prune_stats(st, now, raw_keep, bucket_keep, &err);
    if (ret < 0)
        fail_msg("prune: %s", err.msg);
    return ret;
}

/* Prunes until nothing is due; returns the number of calls. */
static int prune_all(kd_store *st, int64_t now, int64_t raw_keep, int64_t bucket_keep)
{
    int calls = 1;
    while (prune_ok(st, now, raw_keep, bucket_keep) == 1) {
        calls++;
        assert_true(calls < 10000);
    }
    return calls;
}

static void test_stats_round_trip(void **state)
{
    kd_store *st = *state;
    const kd_stat_point tick1[] = {
        {HOST, 0, 12.5}, {UUID1, 0, 3.25}, {UUID1, 1, 1048576}, {UUID2, 0, 0}, {UUID2, 3, -1.5},
    };
    const kd_stat_point tick2[] = {{HOST, 0, 13}, {UUID1, 0, 4.5}, {UUID1, 1, 2097152}};
    put_stats_ok(st, URI1, T0, tick1, 5);
    put_stats_ok(st, URI1, T0 + 1, tick2, 3);
    put_stats_ok(st, URI1, T0 + 3, tick2, 1);

    assert_series(st, URI1, HOST, 0, 0, (int64_t[]){T0, T0 + 1, T0 + 3}, (double[]){12.5, 13, 13},
                  3);
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0, T0 + 1}, (double[]){3.25, 4.5}, 2);
    assert_series(st, URI1, UUID1, 1, T0, (int64_t[]){T0, T0 + 1}, (double[]){1048576, 2097152}, 2);
    assert_series(st, URI1, UUID2, 3, 0, (int64_t[]){T0}, (double[]){-1.5}, 1);
    assert_series(st, URI1, UUID2, 0, 0, (int64_t[]){T0}, (double[]){0}, 1);
    /* t0 is inclusive. */
    assert_series(st, URI1, HOST, 0, T0 + 1, (int64_t[]){T0 + 1, T0 + 3}, (double[]){13, 13}, 2);
    assert_series(st, URI1, HOST, 0, T0 + 4, NULL, NULL, 0);
    /* Never recorded: empty, not an error. */
    assert_empty_series(st, URI1, UUID2, 1);
    assert_empty_series(st, URI2, UUID1, 0);

    /* The same second written again: the last value wins, no duplicate. */
    put_one(st, URI1, HOST, 0, T0 + 1, 99);
    assert_series(st, URI1, HOST, 0, 0, (int64_t[]){T0, T0 + 1, T0 + 3}, (double[]){12.5, 99, 13},
                  3);
    /* An empty tick writes nothing and is no error. */
    put_stats_ok(st, URI1, T0 + 5, NULL, 0);
    assert_series(st, URI1, HOST, 0, T0 + 4, NULL, NULL, 0);
}

/* A thousand domains in one call, as a busy host's tick. */
static void test_stats_big_tick(void **state)
{
    kd_store *st = *state;
    enum { DOMS = 1000, SERIES = 5 };
    static char uuids[DOMS][40];
    kd_stat_point *p = kd_calloc(DOMS * SERIES, sizeof(*p));
    for (int d = 0; d < DOMS; d++) {
        snprintf(uuids[d], sizeof(uuids[d]), "%08d-0000-0000-0000-000000000000", d);
        for (int s = 0; s < SERIES; s++)
            p[d * SERIES + s] = (kd_stat_point){uuids[d], s, d * 10.0 + s};
    }
    for (int k = 0; k < 3; k++)
        put_stats_ok(st, URI1, T0 + k, p, DOMS * SERIES);
    free(p);
    assert_series(st, URI1, uuids[0], 0, 0, (int64_t[]){T0, T0 + 1, T0 + 2}, (double[]){0, 0, 0},
                  3);
    assert_series(st, URI1, uuids[999], 4, T0 + 2, (int64_t[]){T0 + 2}, (double[]){9994}, 1);
    assert_series(st, URI1, uuids[500], 2, 0, (int64_t[]){T0, T0 + 1, T0 + 2},
                  (double[]){5002, 5002, 5002}, 3);
}

/* Six points in each of three minutes, and more in the current one. */
static void fill_minutes(kd_store *st)
{
    for (int m = 0; m < 3; m++) {
        for (int i = 0; i < 6; i++)
            put_one(st, URI1, UUID1, 0, T0 + m * 60 + i * 10, m * 100 + i);
    }
    put_one(st, URI1, UUID1, 0, T0 + 180, 7);
    put_one(st, URI1, UUID1, 0, T0 + 200, 8);
}

static void test_stats_bucket_boundary(void **state)
{
    kd_store *st = *state;
    fill_minutes(st);
    /* Nothing is an hour old yet. */
    assert_int_equal(prune_ok(st, T0 + 200, 0, 0), 0);
    got_series g = get_series(st, URI1, UUID1, 0, 0);
    assert_int_equal(g.n, 20);
    got_free(&g);

    /* Two whole minutes are older than the hour; the third only in part, so it stays. */
    assert_int_equal(prune_all(st, T0 + 120 + 3600 + 30, 0, 0), 1);
    /* means: 2.5, 102.5, then the third minute's points as they were */
    assert_series(st, URI1, UUID1, 0, 0,
                  (int64_t[]){T0, T0 + 60, T0 + 120, T0 + 130, T0 + 140, T0 + 150, T0 + 160,
                              T0 + 170, T0 + 180, T0 + 200},
                  (double[]){2.5, 102.5, 200, 201, 202, 203, 204, 205, 7, 8}, 10);
    /* A bucket counts from its start: one starting before t0 is left out. */
    assert_series(st, URI1, UUID1, 0, T0 + 1,
                  (int64_t[]){T0 + 60, T0 + 120, T0 + 130, T0 + 140, T0 + 150, T0 + 160, T0 + 170,
                              T0 + 180, T0 + 200},
                  (double[]){102.5, 200, 201, 202, 203, 204, 205, 7, 8}, 9);
    assert_series(st, URI1, UUID1, 0, T0 + 190, (int64_t[]){T0 + 200}, (double[]){8}, 1);
}

static void test_stats_prune_means(void **state)
{
    fixture *f = *state;
    kd_store *st = open_ok(f->path);
    /* Minute A: 1 2 3 6 and a gap; minute B: 10 20; minute C: only gaps. */
    static const struct {
        int64_t dt;
        double v;
    } pts[] = {{0, 1},   {10, 2},   {20, 3},    {30, NAN}, {59, 6},
               {60, 10}, {119, 20}, {120, NAN}, {150, NAN}};
    for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++)
        put_one(st, URI1, UUID1, 2, T0 + pts[i].dt, pts[i].v);
    put_one(st, URI1, UUID1, 2, T0 + 200, 50); /* a later minute, not due */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_raw"), 10);

    int64_t now = T0 + 180 + 3600;
    prune_all(st, now, 0, 0);
    assert_series(st, URI1, UUID1, 2, 0, (int64_t[]){T0, T0 + 60, T0 + 120, T0 + 200},
                  (double[]){3, 15, NAN, 50}, 4);
    /* The averaged points are gone; extremes and counts are kept. */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_raw"), 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_minute"), 3);
    char *row = raw_text(f->path, "SELECT group_concat(min_v || '/' || max_v || '/' || n, ' ')"
                                  " FROM (SELECT * FROM stat_minute WHERE n > 0 ORDER BY t)");
    assert_string_equal(row, "1.0/6.0/4 10.0/20.0/2");
    free(row);
    assert_int_equal(raw_int(f->path, "SELECT n FROM stat_minute WHERE sum_v IS NULL"), 0);

    /* Again, and again later in the same minute: nothing changes. */
    assert_int_equal(prune_ok(st, now, 0, 0), 0);
    assert_int_equal(prune_ok(st, now + 19, 0, 0), 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_minute"), 3);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_raw"), 1);

    /* A point that arrives late for minute A is shown after its bucket until the next prune,
     * which merges it into the bucket instead of making a second one. */
    put_one(st, URI1, UUID1, 2, T0, 8);
    assert_series(st, URI1, UUID1, 2, 0, (int64_t[]){T0, T0, T0 + 60, T0 + 120, T0 + 200},
                  (double[]){3, 8, 15, NAN, 50}, 5);
    prune_all(st, now, 0, 0);
    assert_series(st, URI1, UUID1, 2, 0, (int64_t[]){T0, T0 + 60, T0 + 120, T0 + 200},
                  (double[]){4, 15, NAN, 50}, 4);
    row = raw_text(f->path, "SELECT min_v || '/' || max_v || '/' || n FROM stat_minute"
                            " WHERE t = 1700000040");
    assert_string_equal(row, "1.0/8.0/5");
    free(row);
    /* And a late gap for the minute of gaps leaves it a gap. */
    put_one(st, URI1, UUID1, 2, T0 + 121, NAN);
    prune_all(st, now, 0, 0);
    assert_series(st, URI1, UUID1, 2, T0 + 120, (int64_t[]){T0 + 120, T0 + 200},
                  (double[]){NAN, 50}, 2);
    kd_store_free(st);
}

/* A backlog (kvmdeck closed for a while) is worked off over several calls, each returning 1
 * while more is due, and ends as one long prune would. */
static void test_stats_prune_backlog(void **state)
{
    kd_store *st = *state;
    /* Two hours, a point every 30 s: minute k holds k*10 and k*10 + 2. */
    for (int64_t k = 0; k < 120; k++) {
        put_one(st, URI1, HOST, 0, T0 + k * 60, (double)k * 10);
        put_one(st, URI1, HOST, 0, T0 + k * 60 + 30, (double)k * 10 + 2);
    }
    int64_t now = T0 + 120 * 60 + 3600;
    assert_true(prune_all(st, now, 0, 0) > 1);
    got_series g = get_series(st, URI1, HOST, 0, 0);
    assert_int_equal(g.n, 120);
    for (size_t k = 0; k < g.n; k++) {
        assert_int_equal(g.t[k], T0 + (int64_t)k * 60);
        assert_value(g.v[k], (double)k * 10 + 1, k);
    }
    got_free(&g);
}

static void test_stats_retention(void **state)
{
    fixture *f = *state;
    kd_store *st = open_ok(f->path);
    /* Two domains; UUID2 stops reporting after the first minutes. */
    for (int64_t m = 0; m < 30; m++) {
        put_one(st, URI1, UUID1, 0, T0 + m * 60, (double)m);
        if (m < 3)
            put_one(st, URI1, UUID2, 0, T0 + m * 60, (double)m);
        /* Kept raw for 5 minutes, buckets for 10. */
        prune_all(st, T0 + m * 60, 300, 600);
    }
    int64_t now = T0 + 29 * 60;
    /* Buckets of minutes 19..24 (those starting less than 10 minutes ago), then the raw rest. */
    got_series g = get_series(st, URI1, UUID1, 0, 0);
    assert_int_equal(g.n, 11);
    for (size_t i = 0; i < g.n; i++) {
        assert_int_equal(g.t[i], T0 + (int64_t)(19 + i) * 60);
        assert_value(g.v[i], (double)(19 + i), i);
    }
    got_free(&g);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_minute WHERE t < 1700001180"), 0);
    assert_empty_series(st, URI1, UUID2, 0);
    /* Nothing is left that belongs to no series, and a gone domain leaves no name. */
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_raw"
                                      " WHERE sid NOT IN (SELECT id FROM stat_series)"),
                     0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_minute"
                                      " WHERE sid NOT IN (SELECT id FROM stat_series)"),
                     0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_series"), 1);

    /* UUID2 comes back: a new series, nothing of the old one. */
    put_one(st, URI1, UUID2, 0, now + 60, 77);
    assert_series(st, URI1, UUID2, 0, 0, (int64_t[]){now + 60}, (double[]){77}, 1);

    /* A week later everything is gone, names too. */
    prune_all(st, now + 8 * 86400, 0, 0);
    assert_empty_series(st, URI1, UUID1, 0);
    assert_empty_series(st, URI1, UUID2, 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_series"), 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_minute"), 0);
    kd_store_free(st);
}

/* A series keeps its name while any of its points or buckets is kept, though its last_t is
 * only moved on once a minute; checked after every prune of a steady recording. */
static void test_stats_names_outlive_points(void **state)
{
    fixture *f = *state;
    kd_store *st = open_ok(f->path);
    /* Named at T0 + 10; T0 + 65 is within the minute, so last_t stays. With the retention cut
     * on T0 + 60, the bucket of T0 + 60 is kept, and so must the name be. */
    put_one(st, URI1, UUID1, 0, T0 + 10, 1);
    put_one(st, URI1, UUID1, 0, T0 + 65, 2);
    prune_all(st, T0 + 180, 60, 120);
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0 + 60}, (double[]){2}, 1);

    for (int64_t t = T0 + 90; t < T0 + 1200; t += 15) {
        put_one(st, URI1, UUID2, 1, t, (double)t);
        prune_all(st, t, 60, 120);
        got_series g = get_series(st, URI1, UUID2, 1, 0);
        assert_true(g.n > 0);
        assert_int_equal(g.t[g.n - 1], t);
        got_free(&g);
        assert_int_equal(raw_int(f->path, "SELECT (SELECT count(*) FROM stat_raw"
                                          " WHERE sid NOT IN (SELECT id FROM stat_series))"
                                          " + (SELECT count(*) FROM stat_minute"
                                          " WHERE sid NOT IN (SELECT id FROM stat_series))"),
                         0);
    }
    kd_store_free(st);
}

/* A write that fails halfway (here another program's trigger refuses one row) takes back what
 * it did: a tick is all or nothing, and a failed prune deletes no point. */
static void test_stats_failure_midway(void **state)
{
    fixture *f = *state;
    kd_store *st = open_ok(f->path);
    put_one(st, URI1, UUID1, 0, T0, 1);
    raw_exec_file(f->path, "CREATE TRIGGER poison BEFORE INSERT ON stat_series"
                           " WHEN NEW.uuid = 'poison' BEGIN SELECT RAISE(ABORT, 'refused'); END;"
                           "CREATE TRIGGER keep_raw BEFORE DELETE ON stat_raw"
                           " BEGIN SELECT RAISE(ABORT, 'keep them'); END;");
    const kd_stat_point tick[] = {{UUID1, 0, 2}, {UUID2, 0, 3}, {"poison", 0, 4}};
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_store_put_stats(st, URI1, T0 + 1, tick, 3, &err), -1);
    assert_err(&err, KD_ERR_DB, "recording statistics", "refused");
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0}, (double[]){1}, 1);
    assert_empty_series(st, URI1, UUID2, 0);

    assert_int_equal(kd_store_prune_stats(st, T0 + 7200, 0, 0, &err), -1);
    assert_err(&err, KD_ERR_DB, "thinning statistics history", "keep them");
    /* The bucket made before the failing delete was taken back too. */
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0}, (double[]){1}, 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_raw"), 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_minute"), 0);

    /* The store goes on working once the obstacle is gone. */
    raw_exec_file(f->path, "DROP TRIGGER poison; DROP TRIGGER keep_raw");
    put_stats_ok(st, URI1, T0 + 1, tick, 3);
    prune_all(st, T0 + 7200, 0, 0);
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0}, (double[]){1.5}, 1);
    kd_store_free(st);
}

static void test_stats_nan_gaps(void **state)
{
    kd_store *st = *state;
    const kd_stat_point tick[] = {
        {UUID1, 0, NAN}, {UUID1, 1, INFINITY}, {UUID1, 2, -INFINITY}, {UUID1, 3, -0.0}};
    put_stats_ok(st, URI1, T0, tick, 4);
    put_one(st, URI1, UUID1, 0, T0 + 1, 5);
    put_one(st, URI1, UUID1, 0, T0 + 2, NAN);
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0, T0 + 1, T0 + 2}, (double[]){NAN, 5, NAN},
                  3);
    assert_series(st, URI1, UUID1, 1, 0, (int64_t[]){T0}, (double[]){NAN}, 1);
    assert_series(st, URI1, UUID1, 2, 0, (int64_t[]){T0}, (double[]){NAN}, 1);
    assert_series(st, URI1, UUID1, 3, 0, (int64_t[]){T0}, (double[]){0}, 1);
    /* Gaps do not drag a mean to zero. */
    prune_all(st, T0 + 60 + 3600, 0, 0);
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0}, (double[]){5}, 1);
    assert_series(st, URI1, UUID1, 1, 0, (int64_t[]){T0}, (double[]){NAN}, 1);
}

static void test_stats_isolation(void **state)
{
    kd_store *st = *state;
    const kd_stat_point a[] = {{UUID1, 0, 1}, {UUID2, 0, 2}, {HOST, 0, 3}, {UUID1, 1, 4}};
    const kd_stat_point b[] = {{UUID1, 0, 10}, {HOST, 0, 30}};
    put_stats_ok(st, URI1, T0, a, 4);
    put_stats_ok(st, URI2, T0, b, 2);
    put_stats_ok(st, URI2, T0 + 1, b, 1);
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0}, (double[]){1}, 1);
    assert_series(st, URI1, UUID2, 0, 0, (int64_t[]){T0}, (double[]){2}, 1);
    assert_series(st, URI1, HOST, 0, 0, (int64_t[]){T0}, (double[]){3}, 1);
    assert_series(st, URI1, UUID1, 1, 0, (int64_t[]){T0}, (double[]){4}, 1);
    assert_series(st, URI2, UUID1, 0, 0, (int64_t[]){T0, T0 + 1}, (double[]){10, 10}, 2);
    assert_series(st, URI2, HOST, 0, 0, (int64_t[]){T0}, (double[]){30}, 1);
    assert_empty_series(st, URI2, UUID2, 0);
    assert_empty_series(st, URI2, UUID1, 1);
    /* Buckets keep them apart as well. */
    prune_all(st, T0 + 60 + 3600, 0, 0);
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0}, (double[]){1}, 1);
    assert_series(st, URI2, UUID1, 0, 0, (int64_t[]){T0}, (double[]){10}, 1);
    assert_series(st, URI1, HOST, 0, 0, (int64_t[]){T0}, (double[]){3}, 1);
}

static void test_stats_odd_names(void **state)
{
    kd_store *st = *state;
    char *long_uuid = repeat('u', 10000);
    const kd_stat_point tick[] = {
        {ODD, 0, 1}, {long_uuid, 0, 2}, {"%s%n'\"", INT32_MAX, 3}, {"UUID1", 0, 4}};
    put_stats_ok(st, ODD, T0, tick, 4);
    put_stats_ok(st, "test:///default", T0, tick, 1);
    assert_series(st, ODD, ODD, 0, 0, (int64_t[]){T0}, (double[]){1}, 1);
    assert_series(st, ODD, long_uuid, 0, 0, (int64_t[]){T0}, (double[]){2}, 1);
    assert_series(st, ODD, "%s%n'\"", INT32_MAX, 0, (int64_t[]){T0}, (double[]){3}, 1);
    assert_series(st, "test:///default", ODD, 0, 0, (int64_t[]){T0}, (double[]){1}, 1);
    /* Names are matched exactly: no case folding, no prefixes, no patterns. */
    assert_empty_series(st, ODD, "uuid1", 0);
    assert_empty_series(st, ODD, "%", 0);
    assert_empty_series(st, "test:///default", long_uuid, 0);
    free(long_uuid);
    /* The would-be injection did nothing. */
    put_pref_ok(st, "after", "yes");
    assert_pref(st, "after", "yes");
}

static void test_stats_invalid(void **state)
{
    kd_store *st = *state;
    kd_err err;
    const kd_stat_point ok[] = {{UUID1, 0, 1}};
    const kd_stat_point no_uuid[] = {{UUID1, 0, 1}, {UUID2, 0, 2}, {NULL, 0, 3}};
    const kd_stat_point bad_series[] = {{UUID1, 0, 1}, {UUID1, -1, 2}};
    kd_err_clear(&err);
    assert_int_equal(kd_store_put_stats(st, NULL, T0, ok, 1, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "URI", NULL);
    assert_int_equal(kd_store_put_stats(st, "", T0, ok, 1, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "URI", NULL);
    assert_int_equal(kd_store_put_stats(st, URI1, T0, NULL, 2, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "2 points", NULL);
    assert_int_equal(kd_store_put_stats(st, URI1, T0, no_uuid, 3, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "point 2", "UUID");
    assert_int_equal(kd_store_put_stats(st, URI1, T0, bad_series, 2, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "point 1", "-1");
    assert_int_equal(kd_store_put_stats(st, URI1, -5, ok, 1, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "-5", "out of range");
    assert_int_equal(kd_store_put_stats(st, URI1, INT64_MAX, ok, 1, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "out of range", NULL);
    /* All or nothing: the good points before the bad one were not written. */
    assert_empty_series(st, URI1, UUID1, 0);
    assert_empty_series(st, URI1, UUID2, 0);

    int64_t *t = (int64_t *)&err;
    double *v = (double *)&err;
    size_t n = 7;
    assert_int_equal(kd_store_get_stats(st, URI1, NULL, 0, 0, &t, &v, &n, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "UUID", NULL);
    assert_null(t);
    assert_null(v);
    assert_int_equal(n, 0);
    assert_int_equal(kd_store_get_stats(st, "", UUID1, 0, 0, &t, &v, &n, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "URI", NULL);

    put_stats_ok(st, URI1, T0, ok, 1);
    assert_int_equal(kd_store_prune_stats(st, T0 + 9000, 7200, 3600, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "7200", "3600");
    assert_int_equal(kd_store_prune_stats(st, T0 + 9000, -1, 0, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "out of range", NULL);
    assert_int_equal(kd_store_prune_stats(st, -1, 0, 0, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "out of range", NULL);
    assert_int_equal(kd_store_prune_stats(st, T0, 0, INT64_MAX, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "out of range", NULL);
    /* The refused prunes touched nothing. */
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0}, (double[]){1}, 1);
    assert_int_equal(kd_store_each_stats(st, NULL, 0, NULL, NULL, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "URI", NULL);
    assert_int_equal(kd_store_each_stats(st, URI1, 0, NULL, NULL, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "function", NULL);
}

typedef struct {
    int64_t t[8];
    size_t n[8];
    double sum[8];
    size_t ticks;
    bool saw_gap, saw_other_host;
} tick_log;

static void log_tick(int64_t t, const kd_stat_point *p, size_t n, void *ctx)
{
    tick_log *log = ctx;
    assert_true(log->ticks < 8);
    log->t[log->ticks] = t;
    log->n[log->ticks] = n;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(p[i].uuid);
        if (isnan(p[i].value))
            log->saw_gap = true;
        else
            log->sum[log->ticks] += p[i].value;
        if (strcmp(p[i].uuid, "other-host") == 0)
            log->saw_other_host = true;
        if (strcmp(p[i].uuid, UUID2) == 0)
            assert_int_equal(p[i].series, 3);
    }
    log->ticks++;
}

static void test_stats_each_tick(void **state)
{
    kd_store *st = *state;
    kd_err err;
    const kd_stat_point a[] = {{HOST, 0, 1}, {UUID1, 0, 2}, {UUID2, 3, 4}};
    const kd_stat_point b[] = {{HOST, 0, 10}, {UUID1, 0, NAN}};
    put_one(st, URI1, UUID1, 0, T0 - 3600, 1000); /* averaged away below */
    prune_all(st, T0 + 60, 0, 0);
    put_stats_ok(st, URI1, T0, a, 3);
    put_stats_ok(st, URI1, T0 + 1, b, 2);
    put_stats_ok(st, URI1, T0 + 5, a, 1);
    put_one(st, URI2, "other-host", 0, T0 + 2, 5);

    tick_log log = {0};
    assert_int_equal(kd_store_each_stats(st, URI1, T0, log_tick, &log, &err), 0);
    assert_int_equal(log.ticks, 3);
    assert_int_equal(log.t[0], T0);
    assert_int_equal(log.n[0], 3);
    assert_value(log.sum[0], 7, 0);
    assert_int_equal(log.t[1], T0 + 1);
    assert_int_equal(log.n[1], 2);
    assert_value(log.sum[1], 10, 1);
    assert_int_equal(log.t[2], T0 + 5);
    assert_int_equal(log.n[2], 1);
    assert_true(log.saw_gap);
    assert_false(log.saw_other_host);

    memset(&log, 0, sizeof(log));
    assert_int_equal(kd_store_each_stats(st, URI1, T0 + 1, log_tick, &log, &err), 0);
    assert_int_equal(log.ticks, 2);
    assert_int_equal(log.t[0], T0 + 1);
    memset(&log, 0, sizeof(log));
    assert_int_equal(kd_store_each_stats(st, "qemu:///nowhere", 0, log_tick, &log, &err), 0);
    assert_int_equal(log.ticks, 0);
}

/* What a release that knew schema 1 only wrote, with a little of everything in it. */
static const char v1_schema[] =
    "CREATE TABLE prefs (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);"
    "CREATE TABLE connections (name TEXT PRIMARY KEY NOT NULL, uri TEXT NOT NULL);"
    "CREATE TABLE tags (uri TEXT NOT NULL, uuid TEXT NOT NULL, tag TEXT NOT NULL,"
    " PRIMARY KEY (uri, uuid, tag));"
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, uri TEXT,"
    " domain TEXT, action TEXT NOT NULL, result TEXT NOT NULL);"
    "CREATE INDEX audit_time ON audit (time);"
    "PRAGMA application_id = 1263947076;"
    "PRAGMA user_version = 1;"
    "INSERT INTO prefs VALUES ('theme', 'mono');"
    "INSERT INTO connections VALUES ('home', 'qemu:///system');"
    "INSERT INTO tags VALUES ('qemu:///system', '6695eb01-f6a4-8304-79aa-97f2502e193f', 'web');"
    "INSERT INTO audit (time, uri, domain, action, result)"
    " VALUES (1000, 'qemu:///system', 'web1', 'domain.start', 'ok');";

/* A file written by the release that knew schema 1 only. */
static void test_stats_migrates_v1_file(void **state)
{
    fixture *f = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    raw_exec(db, "PRAGMA journal_mode = WAL");
    raw_exec(db, v1_schema);
    sqlite3_close(db);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'stat%'"),
                     0);

    kd_store *st = open_ok(f->path);
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), SCHEMA);
    assert_store_data(st);
    size_t n;
    kd_audit_row *rows = audit_rows(st, 10, &n, 1);
    assert_string_equal(rows[0].action, "domain.start");
    assert_int_equal(rows[0].time, 1000);
    kd_audit_rows_free(rows, n);
    put_one(st, URI1, UUID1, 0, T0, 42);
    kd_store_free(st);

    /* Reopened: no second migration, both kinds of data there. */
    st = open_ok(f->path);
    assert_store_data(st);
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0}, (double[]){42}, 1);
    kd_store_free(st);
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), SCHEMA);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'stat%'"),
                     3);
}

/* A v1 file whose upgrade cannot be done (a table of that name is in the way) is rolled back
 * to exactly what it was. */
static void test_stats_failed_upgrade_rolls_back(void **state)
{
    fixture *f = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    raw_exec(db, "PRAGMA journal_mode = WAL");
    raw_exec(db, v1_schema);
    raw_exec(db, "CREATE TABLE stat_raw (x)");
    sqlite3_close(db);
    size_t len;
    char *before = slurp(f->path, &len);
    assert_open_fails(f->path, KD_ERR_DB, "rolled back", f->path);
    assert_file_is(f->path, before, len);
    free(before);
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'stat%'"),
                     1);
}

static void test_stats_newer_schema_refused(void **state)
{
    fixture *f = *state;
    make_store(f->path);
    kd_store *st = open_ok(f->path);
    put_one(st, URI1, UUID1, 0, T0, 1);
    kd_store_free(st);
    raw_exec_file(f->path, "PRAGMA user_version = 3");
    assert_refused(f->path, "written by a newer kvmdeck");
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 3);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_raw"), 1);
}

/* Another program holds the write lock: put_stats and prune fail with the locked message
 * after the usual wait, reads go on, and nothing recorded before is lost. */
static void test_stats_locked(void **state)
{
    fixture *f = *state;
    kd_store *st = open_ok(f->path);
    const kd_stat_point tick[] = {{HOST, 0, 1}, {UUID1, 0, 2}};
    put_stats_ok(st, URI1, T0, tick, 2);
    put_stats_ok(st, URI1, T0 + 1, tick, 2);

    sqlite3 *other = raw_open(f->path);
    raw_exec(other, "BEGIN EXCLUSIVE; INSERT INTO prefs (key, value) VALUES ('other', '1')");
    kd_err err;
    kd_err_clear(&err);
    double t0 = now_s();
    assert_int_equal(kd_store_put_stats(st, URI1, T0 + 2, tick, 2, &err), -1);
    assert_true(now_s() - t0 >= 1.5);
    assert_err(&err, KD_ERR_DB, "locked by another program", f->path);
    assert_non_null(strstr(err.msg, "recording statistics"));
    assert_int_equal(kd_store_prune_stats(st, T0 + 7200, 0, 0, &err), -1);
    assert_err(&err, KD_ERR_DB, "locked by another program", NULL);
    /* Reading is not blocked. */
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0, T0 + 1}, (double[]){2, 2}, 2);

    raw_exec(other, "ROLLBACK");
    sqlite3_close(other);
    assert_series(st, URI1, HOST, 0, 0, (int64_t[]){T0, T0 + 1}, (double[]){1, 1}, 2);
    put_stats_ok(st, URI1, T0 + 2, tick, 2);
    assert_series(st, URI1, UUID1, 0, 0, (int64_t[]){T0, T0 + 1, T0 + 2}, (double[]){2, 2, 2}, 3);
    kd_store_free(st);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM stat_raw"), 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        MEM(test_stats_round_trip),
        MEM(test_stats_big_tick),
        MEM(test_stats_bucket_boundary),
        DISK(test_stats_prune_means),
        MEM(test_stats_prune_backlog),
        DISK(test_stats_retention),
        DISK(test_stats_names_outlive_points),
        DISK(test_stats_failure_midway),
        MEM(test_stats_nan_gaps),
        MEM(test_stats_isolation),
        MEM(test_stats_odd_names),
        MEM(test_stats_invalid),
        MEM(test_stats_each_tick),
        DISK(test_stats_migrates_v1_file),
        DISK(test_stats_failed_upgrade_rolls_back),
        DISK(test_stats_newer_schema_refused),
        DISK(test_stats_locked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
