#include "core/str.h"
#include "store/store_priv.h"

#include <math.h>
#include <stdlib.h>

/* Statistics history. A series (uri, uuid, series) is named once in stat_series and its points
 * refer to it by id: with a thousand domains the raw table holds millions of rows, and repeating
 * the URI and UUID in each row and again in an index would make it several times larger.
 *
 * Both point tables are clustered on (t, sid), time first. A tick then appends its points to
 * the last pages of the table, a few pages however many series there are; clustered by series,
 * every tick rewrote one page per series (measured with a thousand domains: 38 MB written per
 * tick against 0.3 MB). Reading one series walks the distinct times with one seek each, and
 * thinning takes whole pages off the old end. */

#define BUCKET_S KD_STORE_STATS_BUCKET_S
/* stat_series.last_t is moved forward at most once a minute per series, so that keeping it
 * costs no write per tick; every point of a series is at most this much newer than it. */
#define LAST_SLACK_S 60
/* The most one prune takes on: 3 minutes of points (under a second with a thousand domains)
 * and 6 hours of buckets. */
#define PRUNE_RAW_CHUNK_S    (3 * 60)
#define PRUNE_BUCKET_CHUNK_S (6 * 3600)
/* Beyond any real clock or retention (about 2,000 years), and far from overflow. */
#define KEEP_MAX_S ((int64_t)1 << 36)

#define WHAT_PUT   "recording statistics"
#define WHAT_GET   "reading statistics history"
#define WHAT_PRUNE "thinning statistics history"

int kd_store_migrate_stats(kd_store *st, kd_err *err)
{
    /* Series ids are never reused, so that a point left behind by a forgotten series could
     * never be shown as another's. Buckets keep the sum rather than the mean so that a late
     * point merges exactly; the extremes cost nothing in the same pass and keep the spikes that
     * a mean hides. */
    static const char sql[] =
        "CREATE TABLE stat_series (id INTEGER PRIMARY KEY AUTOINCREMENT, uri TEXT NOT NULL,"
        " uuid TEXT NOT NULL, series INTEGER NOT NULL, last_t INTEGER NOT NULL,"
        " UNIQUE (uri, uuid, series));"
        "CREATE TABLE stat_raw (t INTEGER NOT NULL, sid INTEGER NOT NULL, value REAL,"
        " PRIMARY KEY (t, sid)) WITHOUT ROWID;"
        "CREATE TABLE stat_minute (t INTEGER NOT NULL, sid INTEGER NOT NULL, sum_v REAL,"
        " min_v REAL, max_v REAL, n INTEGER NOT NULL, PRIMARY KEY (t, sid)) WITHOUT ROWID;";
    return kd_store_exec(st, "creating the statistics tables", sql, err);
}

static int fail_stmt(kd_store *st, kd_err *err, const char *what, int rc)
{
    kd_store_db_fail(st, err, what, rc);
    return -1;
}

/* The start of the bucket holding t, rounding down for negative times too. */
static int64_t bucket_of(int64_t t)
{
    int64_t r = t % BUCKET_S;
    return t - (r < 0 ? r + BUCKET_S : r);
}

/* Runs a statement that returns no row, then resets it for the next use. */
static int step_done(kd_store *st, sqlite3_stmt *stmt, const char *what, kd_err *err)
{
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE)
        fail_stmt(st, err, what, rc);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- recording ------------------------------------------------------------------------- */

enum { PUT_FIND, PUT_NAME, PUT_TOUCH, PUT_POINT, PUT_LAST };

/* Prepared once per call and reused for every point; bindings outlive sqlite3_reset, so the
 * URI and the time are bound once. Parameters: ?1 uri, ?2 uuid, ?3 series, ?4 t, ?5 sid,
 * ?6 value. */
static const char *const put_sql[PUT_LAST] = {
    [PUT_FIND] = "SELECT id, last_t FROM stat_series WHERE uri = ?1 AND uuid = ?2 AND series = ?3",
    [PUT_NAME] = "INSERT INTO stat_series (uri, uuid, series, last_t) VALUES (?1, ?2, ?3, ?4)",
    [PUT_TOUCH] = "UPDATE stat_series SET last_t = ?4 WHERE id = ?5",
    [PUT_POINT] = "INSERT OR REPLACE INTO stat_raw (t, sid, value) VALUES (?4, ?5, ?6)",
};

typedef struct {
    kd_store *st;
    sqlite3_stmt *s[PUT_LAST];
    int64_t t;
    kd_err *err;
} put_ctx;

static int check_points(const kd_stat_point *p, size_t n, int64_t t, kd_err *err)
{
    if (n && !p) {
        kd_err_set(err, KD_ERR_INVALID, WHAT_PUT ": %zu points were announced but none given", n);
        return -1;
    }
    if (t < 0 || t > KEEP_MAX_S) {
        kd_err_set(err, KD_ERR_INVALID,
                   WHAT_PUT ": the time %lld is out of range (seconds since 1970)", (long long)t);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!p[i].uuid) {
            kd_err_set(err, KD_ERR_INVALID, WHAT_PUT ": point %zu has no UUID", i);
            return -1;
        }
        if (p[i].series < 0) {
            kd_err_set(err, KD_ERR_INVALID, WHAT_PUT ": point %zu has the series number %d", i,
                       p[i].series);
            return -1;
        }
    }
    return 0;
}

/* Binds one parameter in every statement that uses it. */
static int bind_all(put_ctx *c, int idx, int type, sqlite3_int64 num, const char *text)
{
    for (int i = 0; i < PUT_LAST; i++) {
        if (!sqlite3_bind_parameter_name(c->s[i], idx))
            continue;
        int rc = type == SQLITE_TEXT ? sqlite3_bind_text(c->s[i], idx, text, -1, SQLITE_STATIC)
                                     : sqlite3_bind_int64(c->s[i], idx, num);
        if (rc != SQLITE_OK)
            return fail_stmt(c->st, c->err, WHAT_PUT, rc);
    }
    return 0;
}

/* The series' id, naming it on first sight; its last_t moves on once a minute at most. */
static int series_id(put_ctx *c, const kd_stat_point *p, sqlite3_int64 *sid)
{
    if (bind_all(c, 2, SQLITE_TEXT, 0, p->uuid) < 0 ||
        bind_all(c, 3, SQLITE_INTEGER, p->series, NULL) < 0)
        return -1;
    sqlite3_stmt *find = c->s[PUT_FIND];
    int rc = sqlite3_step(find);
    bool found = rc == SQLITE_ROW;
    *sid = found ? sqlite3_column_int64(find, 0) : 0;
    bool stale = found && sqlite3_column_int64(find, 1) < c->t - LAST_SLACK_S;
    sqlite3_reset(find);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail_stmt(c->st, c->err, WHAT_PUT, rc);
    if (!found) {
        if (step_done(c->st, c->s[PUT_NAME], WHAT_PUT, c->err) < 0)
            return -1;
        *sid = sqlite3_last_insert_rowid(c->st->db);
    }
    if (bind_all(c, 5, SQLITE_INTEGER, *sid, NULL) < 0)
        return -1;
    return stale ? step_done(c->st, c->s[PUT_TOUCH], WHAT_PUT, c->err) : 0;
}

static int put_point(put_ctx *c, const kd_stat_point *p)
{
    sqlite3_int64 sid;
    if (series_id(c, p, &sid) < 0)
        return -1;
    sqlite3_stmt *point = c->s[PUT_POINT];
    int rc =
        isfinite(p->value) ? sqlite3_bind_double(point, 6, p->value) : sqlite3_bind_null(point, 6);
    if (rc != SQLITE_OK)
        return fail_stmt(c->st, c->err, WHAT_PUT, rc);
    return step_done(c->st, point, WHAT_PUT, c->err);
}

static int put_all(put_ctx *c, const char *uri, const kd_stat_point *p, size_t n)
{
    for (int i = 0; i < PUT_LAST; i++) {
        c->s[i] = kd_store_prepare(c->st, WHAT_PUT, put_sql[i], NULL, 0, c->err);
        if (!c->s[i])
            return -1;
    }
    if (bind_all(c, 1, SQLITE_TEXT, 0, uri) < 0 || bind_all(c, 4, SQLITE_INTEGER, c->t, NULL) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (put_point(c, &p[i]) < 0)
            return -1;
    }
    return 0;
}

int kd_store_put_stats(kd_store *st, const char *uri, int64_t t, const kd_stat_point *p, size_t n,
                       kd_err *err)
{
    if (kd_store_require(WHAT_PUT, "URI", uri, err) < 0 || check_points(p, n, t, err) < 0)
        return -1;
    if (n == 0)
        return 0;
    /* IMMEDIATE takes the write lock up front, so a busy file is waited for here and not
     * reported halfway through. */
    if (kd_store_exec(st, WHAT_PUT, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    put_ctx c = {.st = st, .t = t, .err = err};
    int ret = put_all(&c, uri, p, n);
    for (int i = 0; i < PUT_LAST; i++)
        sqlite3_finalize(c.s[i]);
    if (ret == 0 && kd_store_exec(st, WHAT_PUT, "COMMIT", err) == 0)
        return 0;
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* ---- reading --------------------------------------------------------------------------- */

typedef struct {
    int64_t *t;
    double *v;
    size_t n, cap;
} series_vec;

static void push_row(series_vec *sv, sqlite3_stmt *stmt)
{
    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 64;
        sv->t = kd_realloc(sv->t, sv->cap * sizeof(*sv->t));
        sv->v = kd_realloc(sv->v, sv->cap * sizeof(*sv->v));
    }
    sv->t[sv->n] = sqlite3_column_int64(stmt, 0);
    sv->v[sv->n] =
        sqlite3_column_type(stmt, 1) == SQLITE_NULL ? NAN : sqlite3_column_double(stmt, 1);
    sv->n++;
}

static sqlite3_stmt *prepare_get(kd_store *st, const char *uri, const char *uuid, int series,
                                 int64_t t0, kd_err *err)
{
    /* Each walk goes from one distinct time to the next with one seek (sqlite has no skip
     * scan without statistics), and fetches this series' point there with another. One
     * statement reads one snapshot, so a prune that moves points into a bucket meanwhile can
     * neither hide them nor show them twice. Buckets sort before raw points of the same
     * second. */
    static const char sql[] =
        "WITH RECURSIVE"
        " s(id) AS (SELECT id FROM stat_series WHERE uri = ?1 AND uuid = ?2 AND series = ?3),"
        " mt(t) AS (SELECT min(t) FROM stat_minute WHERE t >= ?4 AND EXISTS (SELECT 1 FROM s)"
        "  UNION ALL SELECT (SELECT min(t) FROM stat_minute WHERE t > mt.t) FROM mt"
        "  WHERE mt.t IS NOT NULL),"
        " rt(t) AS (SELECT min(t) FROM stat_raw WHERE t >= ?4 AND EXISTS (SELECT 1 FROM s)"
        "  UNION ALL SELECT (SELECT min(t) FROM stat_raw WHERE t > rt.t) FROM rt"
        "  WHERE rt.t IS NOT NULL)"
        " SELECT m.t, CASE WHEN m.n > 0 THEN m.sum_v / m.n END, 0 FROM mt, stat_minute m"
        "  WHERE m.t = mt.t AND m.sid = (SELECT id FROM s)"
        " UNION ALL"
        " SELECT r.t, r.value, 1 FROM rt, stat_raw r"
        "  WHERE r.t = rt.t AND r.sid = (SELECT id FROM s)"
        " ORDER BY 1, 3";
    const char *args[] = {uri, uuid};
    sqlite3_stmt *stmt = kd_store_prepare(st, WHAT_GET, sql, args, 2, err);
    if (!stmt)
        return NULL;
    int rc = sqlite3_bind_int(stmt, 3, series);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 4, t0);
    if (rc == SQLITE_OK)
        return stmt;
    fail_stmt(st, err, WHAT_GET, rc);
    sqlite3_finalize(stmt);
    return NULL;
}

int kd_store_get_stats(kd_store *st, const char *uri, const char *uuid, int series, int64_t t0,
                       int64_t **t, double **v, size_t *n, kd_err *err)
{
    *t = NULL;
    *v = NULL;
    *n = 0;
    if (kd_store_require(WHAT_GET, "URI", uri, err) < 0)
        return -1;
    if (!uuid) {
        kd_err_set(err, KD_ERR_INVALID, WHAT_GET ": the UUID is missing (\"\" is the host)");
        return -1;
    }
    sqlite3_stmt *stmt = prepare_get(st, uri, uuid, series, t0, err);
    if (!stmt)
        return -1;
    series_vec sv = {0};
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        push_row(&sv, stmt);
    if (rc != SQLITE_DONE) {
        fail_stmt(st, err, WHAT_GET, rc);
        sqlite3_finalize(stmt);
        free(sv.t);
        free(sv.v);
        return -1;
    }
    sqlite3_finalize(stmt);
    *t = sv.t;
    *v = sv.v;
    *n = sv.n;
    return 0;
}

/* ---- reading whole ticks --------------------------------------------------------------- */

typedef struct {
    sqlite3_int64 id;
    char *uuid;
    int series;
} series_name;

typedef struct {
    series_name *names; /* sorted by id */
    size_t nnames, cap;
    kd_stat_point *p; /* the tick being gathered */
    size_t np, pcap;
} walk;

static void walk_free(walk *w)
{
    for (size_t i = 0; i < w->nnames; i++)
        free(w->names[i].uuid);
    free(w->names);
    free(w->p);
}

static int load_names(kd_store *st, const char *uri, walk *w, kd_err *err)
{
    const char *args[] = {uri};
    sqlite3_stmt *stmt = kd_store_prepare(
        st, WHAT_GET, "SELECT id, uuid, series FROM stat_series WHERE uri = ?1 ORDER BY id", args,
        1, err);
    if (!stmt)
        return -1;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (w->nnames == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 64;
            w->names = kd_realloc(w->names, w->cap * sizeof(*w->names));
        }
        const unsigned char *uuid = sqlite3_column_text(stmt, 1);
        if (!uuid)
            kd_die_oom(); /* the column is NOT NULL */
        w->names[w->nnames++] =
            (series_name){sqlite3_column_int64(stmt, 0), kd_strdup((const char *)uuid),
                          sqlite3_column_int(stmt, 2)};
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : fail_stmt(st, err, WHAT_GET, rc);
}

static const series_name *find_name(const walk *w, sqlite3_int64 id)
{
    size_t lo = 0, hi = w->nnames;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->names[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < w->nnames && w->names[lo].id == id ? &w->names[lo] : NULL;
}

static void add_point(walk *w, const series_name *name, sqlite3_stmt *stmt)
{
    if (w->np == w->pcap) {
        w->pcap = w->pcap ? w->pcap * 2 : 64;
        w->p = kd_realloc(w->p, w->pcap * sizeof(*w->p));
    }
    bool gap = sqlite3_column_type(stmt, 2) == SQLITE_NULL;
    w->p[w->np++] =
        (kd_stat_point){name->uuid, name->series, gap ? NAN : sqlite3_column_double(stmt, 2)};
}

/* Rows of other hosts are passed over: they share the table's time order. */
static int walk_ticks(kd_store *st, walk *w, int64_t t0, kd_stat_tick_fn fn, void *ctx, kd_err *err)
{
    sqlite3_stmt *stmt = kd_store_prepare(
        st, WHAT_GET, "SELECT t, sid, value FROM stat_raw WHERE t >= ?1", NULL, 0, err);
    if (!stmt)
        return -1;
    int rc = sqlite3_bind_int64(stmt, 1, t0);
    int64_t cur = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t t = sqlite3_column_int64(stmt, 0);
        if (w->np && t != cur) {
            fn(cur, w->p, w->np, ctx);
            w->np = 0;
        }
        cur = t;
        const series_name *name = find_name(w, sqlite3_column_int64(stmt, 1));
        if (name)
            add_point(w, name, stmt);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return fail_stmt(st, err, WHAT_GET, rc);
    if (w->np)
        fn(cur, w->p, w->np, ctx);
    return 0;
}

int kd_store_each_stats(kd_store *st, const char *uri, int64_t t0, kd_stat_tick_fn fn, void *ctx,
                        kd_err *err)
{
    if (kd_store_require(WHAT_GET, "URI", uri, err) < 0)
        return -1;
    if (!fn) {
        kd_err_set(err, KD_ERR_INVALID, WHAT_GET ": no function to hand the points to");
        return -1;
    }
    /* One read transaction: the names and the points are of the same moment. */
    if (kd_store_exec(st, WHAT_GET, "BEGIN", err) < 0)
        return -1;
    walk w = {0};
    int ret = load_names(st, uri, &w, err);
    if (ret == 0 && w.nnames)
        ret = walk_ticks(st, &w, t0, fn, ctx, err);
    walk_free(&w);
    sqlite3_exec(st->db, ret == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    return ret;
}

/* ---- thinning -------------------------------------------------------------------------- */

typedef enum { CUT_RAW, CUT_BUCKET, CUT_NAME, CUT_LAST } cut_kind;

typedef struct {
    const char *sql; /* ?1 is the cut named by `cut`, ?2 the bucket width */
    cut_kind cut;
} prune_step;

/* In this order, in one transaction; each takes rows off the old end of its table. A late point
 * for a minute already made into a bucket is added to it, which is why buckets hold sums. */
static const prune_step prune_steps[] = {
    {"INSERT INTO stat_minute (t, sid, sum_v, min_v, max_v, n)"
     " SELECT t - ((t % ?2) + ?2) % ?2, sid, sum(value), min(value), max(value), count(value)"
     " FROM stat_raw WHERE t < ?1 GROUP BY 1, 2"
     " ON CONFLICT (t, sid) DO UPDATE SET"
     " sum_v = CASE WHEN n + excluded.n > 0"
     "  THEN coalesce(sum_v, 0) + coalesce(excluded.sum_v, 0) END,"
     " min_v = min(coalesce(min_v, excluded.min_v), coalesce(excluded.min_v, min_v)),"
     " max_v = max(coalesce(max_v, excluded.max_v), coalesce(excluded.max_v, max_v)),"
     " n = n + excluded.n",
     CUT_RAW},
    {"DELETE FROM stat_raw WHERE t < ?1", CUT_RAW},
    {"DELETE FROM stat_minute WHERE t < ?1", CUT_BUCKET},
    /* A series none of whose points can be left after the two cuts is forgotten, so that
     * domains that come and go leave no names behind. */
    {"DELETE FROM stat_series WHERE last_t < ?1", CUT_NAME},
};

static int run_prune_step(kd_store *st, const prune_step *ps, const int64_t *cuts, kd_err *err)
{
    sqlite3_stmt *stmt = kd_store_prepare(st, WHAT_PRUNE, ps->sql, NULL, 0, err);
    if (!stmt)
        return -1;
    int params = sqlite3_bind_parameter_count(stmt);
    int rc = SQLITE_OK;
    if (params >= 1)
        rc = sqlite3_bind_int64(stmt, 1, cuts[ps->cut]);
    if (rc == SQLITE_OK && params >= 2)
        rc = sqlite3_bind_int(stmt, 2, BUCKET_S);
    int ret =
        rc == SQLITE_OK ? step_done(st, stmt, WHAT_PRUNE, err) : fail_stmt(st, err, WHAT_PRUNE, rc);
    sqlite3_finalize(stmt);
    return ret;
}

/* Fills in the defaults and refuses what would lose data by surprise. */
static int check_keep(int64_t now, int64_t *raw_keep, int64_t *bucket_keep, kd_err *err)
{
    if (*raw_keep == 0)
        *raw_keep = KD_STORE_RAW_KEEP_S;
    if (*bucket_keep == 0)
        *bucket_keep = KD_STORE_BUCKET_KEEP_S;
    if (now < 0 || now > KEEP_MAX_S || *raw_keep < 0 || *bucket_keep < 0 ||
        *bucket_keep > KEEP_MAX_S) {
        kd_err_set(err, KD_ERR_INVALID,
                   WHAT_PRUNE ": times out of range (now %lld, keep %lld s and %lld s)",
                   (long long)now, (long long)*raw_keep, (long long)*bucket_keep);
        return -1;
    }
    if (*raw_keep > *bucket_keep) {
        kd_err_set(err, KD_ERR_INVALID,
                   WHAT_PRUNE ": full resolution (%lld s) cannot be kept longer than the "
                              "one-minute means (%lld s)",
                   (long long)*raw_keep, (long long)*bucket_keep);
        return -1;
    }
    return 0;
}

/* Two integers from a one-row query, with ?1 and ?2 bound if it has them; NULL reads as
 * `none`. */
static int read_pair(kd_store *st, const char *sql, int64_t a, int64_t b, int64_t none,
                     int64_t out[2], kd_err *err)
{
    sqlite3_stmt *stmt = kd_store_prepare(st, WHAT_PRUNE, sql, NULL, 0, err);
    if (!stmt)
        return -1;
    int rc = SQLITE_OK, params = sqlite3_bind_parameter_count(stmt);
    if (params >= 1)
        rc = sqlite3_bind_int64(stmt, 1, a);
    if (rc == SQLITE_OK && params >= 2)
        rc = sqlite3_bind_int64(stmt, 2, b);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    for (int i = 0; rc == SQLITE_ROW && i < 2; i++)
        out[i] = sqlite3_column_type(stmt, i) == SQLITE_NULL ? none : sqlite3_column_int64(stmt, i);
    sqlite3_finalize(stmt);
    return rc == SQLITE_ROW ? 0 : fail_stmt(st, err, WHAT_PRUNE, rc);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* This call's cuts: due ones, but no more than a chunk past the oldest row, so that a backlog
 * (after a day with kvmdeck closed) is worked off over several calls instead of stalling one. */
static int plan_cuts(kd_store *st, const int64_t due[2], int64_t cuts[CUT_LAST], kd_err *err)
{
    int64_t oldest[2];
    if (read_pair(st, "SELECT (SELECT min(t) FROM stat_raw), (SELECT min(t) FROM stat_minute)", 0,
                  0, INT64_MAX, oldest, err) < 0)
        return -1;
    cuts[CUT_RAW] = due[0];
    if (oldest[0] != INT64_MAX)
        cuts[CUT_RAW] = min64(due[0], bucket_of(oldest[0]) + PRUNE_RAW_CHUNK_S);
    cuts[CUT_BUCKET] = due[1];
    if (oldest[1] != INT64_MAX)
        cuts[CUT_BUCKET] = min64(due[1], oldest[1] + PRUNE_BUCKET_CHUNK_S);
    /* Every point of a series is at most LAST_SLACK_S newer than its last_t. */
    cuts[CUT_NAME] = min64(cuts[CUT_RAW], cuts[CUT_BUCKET]) - LAST_SLACK_S;
    return 0;
}

static int prune_chunk(kd_store *st, const int64_t due[2], kd_err *err)
{
    int64_t cuts[CUT_LAST], left[2];
    if (plan_cuts(st, due, cuts, err) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(prune_steps) / sizeof(prune_steps[0]); i++) {
        if (run_prune_step(st, &prune_steps[i], cuts, err) < 0)
            return -1;
    }
    if (read_pair(st,
                  "SELECT EXISTS (SELECT 1 FROM stat_raw WHERE t < ?1),"
                  " EXISTS (SELECT 1 FROM stat_minute WHERE t < ?2)",
                  due[0], due[1], 0, left, err) < 0)
        return -1;
    return left[0] || left[1] ? 1 : 0;
}

int kd_store_prune_stats(kd_store *st, int64_t now, int64_t raw_keep_s, int64_t bucket_keep_s,
                         kd_err *err)
{
    if (check_keep(now, &raw_keep_s, &bucket_keep_s, err) < 0)
        return -1;
    /* Whole minutes only: a bucket made from part of its minute would be made again. */
    const int64_t due[2] = {bucket_of(now - raw_keep_s), now - bucket_keep_s};
    if (kd_store_exec(st, WHAT_PRUNE, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    int ret = prune_chunk(st, due, err);
    if (ret >= 0 && kd_store_exec(st, WHAT_PRUNE, "COMMIT", err) == 0)
        return ret;
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}
