#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The store is tested through its API; a raw sqlite connection plays "another program" that
 * holds locks, edits the schema version or owns the file. Files live in a fresh directory
 * under /tmp that each test removes. */

#define ODD      "it's <odd> & \"quoted\"\nline two: caf\xc3\xa9 \xe2\x9c\x93 '; DROP TABLE prefs; --"
#define URI1     "qemu:///system"
#define URI2     "qemu+ssh://root@other/system"
#define UUID1    "6695eb01-f6a4-8304-79aa-97f2502e193f"
#define UUID2    "11111111-2222-3333-4444-555555555555"
#define FILE_MAX (64u << 20)
/* The schema this build writes, and how the error names the one a test step adds after it. */
#define SCHEMA      2
#define NEXT_SCHEMA "schema 3"

typedef struct {
    char dir[64];
    char path[128];
} fixture;

/* ---- helpers ---------------------------------------------------------------------------- */

static int setup_mem(void **state)
{
    kd_err err;
    kd_store *st = kd_store_open(NULL, &err);
    if (!st)
        return -1;
    *state = st;
    return 0;
}

static int teardown_mem(void **state)
{
    kd_store_free(*state);
    return 0;
}

static int setup_dir(void **state)
{
    fixture *f = kd_calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/kd-store-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/state.db", f->dir);
    *state = f;
    return 0;
}

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int teardown_dir(void **state)
{
    fixture *f = *state;
    chmod(f->dir, 0700);
    int ret = nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return ret;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The exit code of a child that must have exited normally. */
static int child_exit(pid_t pid)
{
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static char *repeat(char c, size_t n)
{
    char *s = kd_malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void assert_err(const kd_err *err, kd_err_code code, const char *part1, const char *part2)
{
    assert_int_equal(err->code, code);
    if (part1 && !strstr(err->msg, part1))
        fail_msg("'%s' not in '%s'", part1, err->msg);
    if (part2 && !strstr(err->msg, part2))
        fail_msg("'%s' not in '%s'", part2, err->msg);
}

static char *slurp(const char *path, size_t *len)
{
    char *data = kd_file_read(path, FILE_MAX, len);
    assert_non_null(data);
    return data;
}

static void assert_file_is(const char *path, const char *before, size_t before_len)
{
    size_t len;
    char *now = slurp(path, &len);
    assert_int_equal(len, before_len);
    assert_memory_equal(now, before, len);
    free(now);
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

static void raw_exec_file(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    raw_exec(db, sql);
    sqlite3_close(db);
}

static char *raw_text(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    char *s = kd_strdup((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return s;
}

static long raw_int(const char *path, const char *sql)
{
    char *s = raw_text(path, sql);
    long v = strtol(s, NULL, 10);
    free(s);
    return v;
}

static kd_store *open_ok(const char *path)
{
    kd_err err;
    kd_err_clear(&err);
    kd_store *st = kd_store_open(path, &err);
    if (!st)
        fail_msg("open %s: %s", path ? path : "(memory)", err.msg);
    return st;
}

static void assert_open_fails(const char *path, kd_err_code code, const char *why,
                              const char *named)
{
    kd_err err;
    kd_err_clear(&err);
    assert_null(kd_store_open(path, &err));
    assert_err(&err, code, why, named);
}

static void put_pref_ok(kd_store *st, const char *key, const char *value)
{
    kd_err err;
    if (kd_store_put_pref(st, key, value, &err) < 0)
        fail_msg("put %s: %s", key, err.msg);
}

static void assert_pref(kd_store *st, const char *key, const char *want)
{
    kd_err err;
    char *value = (char *)"sentinel";
    assert_int_equal(kd_store_get_pref(st, key, &value, &err), 0);
    if (want)
        assert_string_equal(value, want);
    else
        assert_null(value);
    free(value);
}

/* A listing that must succeed with `want` rows. */
static kd_audit_row *audit_rows(kd_store *st, size_t limit, size_t *n, size_t want)
{
    kd_err err;
    kd_audit_row *rows = NULL;
    if (kd_store_list_audit(st, limit, &rows, n, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(*n, want);
    return rows;
}

static kd_saved_conn *conn_rows(kd_store *st, size_t *n, size_t want)
{
    kd_err err;
    kd_saved_conn *v = NULL;
    if (kd_store_list_conns(st, &v, n, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(*n, want);
    return v;
}

/* A store file holding a little of everything. */
static void make_store(const char *path)
{
    kd_err err;
    kd_store *st = open_ok(path);
    put_pref_ok(st, "theme", "mono");
    assert_int_equal(kd_store_put_conn(st, "home", URI1, &err), 0);
    assert_int_equal(kd_store_put_tag(st, URI1, UUID1, "web", &err), 0);
    assert_int_equal(kd_store_add_audit(st, URI1, "web1", "domain.start", "ok", &err), 0);
    kd_store_free(st);
}

static void assert_store_data(kd_store *st)
{
    kd_err err;
    char **tags = NULL;
    assert_pref(st, "theme", "mono");
    assert_int_equal(kd_store_get_tags(st, URI1, UUID1, &tags, &err), 0);
    assert_string_equal(tags[0], "web");
    assert_null(tags[1]);
    kd_strv_free(tags);
    size_t n;
    kd_saved_conn *conns = conn_rows(st, &n, 1);
    assert_string_equal(conns[0].uri, URI1);
    kd_saved_conns_free(conns, n);
}

/* ---- in memory ---------------------------------------------------------------------------- */

static void test_memory_open(void **state)
{
    kd_store *st = *state;
    assert_true(kd_store_in_memory(st));
    assert_int_equal(kd_store_schema_version(), SCHEMA);
    /* Two in-memory stores are private to their handles. */
    kd_store *other = open_ok(NULL);
    put_pref_ok(other, "k", "v");
    assert_pref(st, "k", NULL);
    assert_pref(other, "k", "v");
    kd_store_free(other);
    kd_store_free(NULL);
    kd_saved_conns_free(NULL, 0);
    kd_audit_rows_free(NULL, 0);
}

static void test_prefs(void **state)
{
    kd_store *st = *state;
    assert_pref(st, "theme", NULL);
    put_pref_ok(st, "theme", "solarized-dark");
    put_pref_ok(st, "refresh", "2");
    assert_pref(st, "theme", "solarized-dark");
    put_pref_ok(st, "theme", "mono");
    assert_pref(st, "theme", "mono");
    put_pref_ok(st, "theme", "");
    assert_pref(st, "theme", "");
    put_pref_ok(st, "theme", NULL);
    assert_pref(st, "theme", NULL);
    assert_pref(st, "refresh", "2");
}

static void test_prefs_odd_strings(void **state)
{
    kd_store *st = *state;
    put_pref_ok(st, ODD, ODD "value");
    assert_pref(st, ODD, ODD "value");
    /* The would-be injection was stored as text: the table is still there and still works. */
    put_pref_ok(st, "after", "yes");
    assert_pref(st, "after", "yes");
    char *big = repeat('x', 1u << 20);
    big[1000] = '\n';
    put_pref_ok(st, "big", big);
    assert_pref(st, "big", big);
    free(big);
}

static void test_conns(void **state)
{
    kd_store *st = *state;
    kd_err err;
    size_t n;
    kd_saved_conn *v = conn_rows(st, &n, 0);
    kd_saved_conns_free(v, n);

    assert_int_equal(kd_store_put_conn(st, "zeta", URI2, &err), 0);
    assert_int_equal(kd_store_put_conn(st, "alpha", "test:///default", &err), 0);
    assert_int_equal(kd_store_put_conn(st, ODD, URI1, &err), 0);
    assert_int_equal(kd_store_put_conn(st, "zeta", URI1, &err), 0); /* replaces */
    v = conn_rows(st, &n, 3);
    assert_string_equal(v[0].name, "alpha");
    assert_string_equal(v[0].uri, "test:///default");
    assert_string_equal(v[1].name, ODD);
    assert_string_equal(v[2].name, "zeta");
    assert_string_equal(v[2].uri, URI1);
    kd_saved_conns_free(v, n);

    assert_int_equal(kd_store_del_conn(st, "alpha", &err), 0);
    kd_err_clear(&err);
    assert_int_equal(kd_store_del_conn(st, "alpha", &err), -1);
    assert_err(&err, KD_ERR_NOTFOUND, "alpha", NULL);
    v = conn_rows(st, &n, 2);
    assert_string_equal(v[0].name, ODD);
    kd_saved_conns_free(v, n);
}

static void assert_tags(kd_store *st, const char *uri, const char *uuid, const char *const *want)
{
    kd_err err;
    char **tags = NULL;
    assert_int_equal(kd_store_get_tags(st, uri, uuid, &tags, &err), 0);
    assert_non_null(tags);
    size_t i = 0;
    for (; want[i]; i++) {
        assert_non_null(tags[i]);
        assert_string_equal(tags[i], want[i]);
    }
    assert_null(tags[i]);
    kd_strv_free(tags);
}

static void test_tags(void **state)
{
    kd_store *st = *state;
    kd_err err;
    static const char *const none[] = {NULL};
    assert_tags(st, URI1, UUID1, none);
    assert_int_equal(kd_store_put_tag(st, URI1, UUID1, "web", &err), 0);
    assert_int_equal(kd_store_put_tag(st, URI1, UUID1, "db", &err), 0);
    assert_int_equal(kd_store_put_tag(st, URI1, UUID1, ODD, &err), 0);
    assert_int_equal(kd_store_put_tag(st, URI1, UUID1, "web", &err), 0); /* no duplicate */
    assert_int_equal(kd_store_put_tag(st, URI2, UUID1, "other-host", &err), 0);
    assert_int_equal(kd_store_put_tag(st, URI1, UUID2, "other-vm", &err), 0);

    static const char *const want[] = {"db", ODD, "web", NULL};
    assert_tags(st, URI1, UUID1, want);
    static const char *const host2[] = {"other-host", NULL};
    assert_tags(st, URI2, UUID1, host2);
    static const char *const vm2[] = {"other-vm", NULL};
    assert_tags(st, URI1, UUID2, vm2);
}

static void test_tags_del(void **state)
{
    kd_store *st = *state;
    kd_err err;
    assert_int_equal(kd_store_put_tag(st, URI1, UUID1, "a", &err), 0);
    assert_int_equal(kd_store_put_tag(st, URI1, UUID1, "b", &err), 0);
    assert_int_equal(kd_store_put_tag(st, URI2, UUID1, "a", &err), 0);
    assert_int_equal(kd_store_del_tag(st, URI1, UUID1, "a", &err), 0);
    assert_int_equal(kd_store_del_tag(st, URI1, UUID1, "a", &err), 0);     /* already gone */
    assert_int_equal(kd_store_del_tag(st, URI1, UUID2, "never", &err), 0); /* never there */
    static const char *const left[] = {"b", NULL};
    assert_tags(st, URI1, UUID1, left);
    static const char *const kept[] = {"a", NULL};
    assert_tags(st, URI2, UUID1, kept); /* same tag on another host is untouched */
}

static void test_audit_order_and_limit(void **state)
{
    kd_store *st = *state;
    kd_err err;
    static const char *const actions[] = {"a1", "a2", "a3", "a4", "a5"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(kd_store_add_audit(st, URI1, "web1", actions[i], "ok", &err), 0);
    size_t n;
    kd_audit_row *rows = audit_rows(st, 3, &n, 3);
    assert_string_equal(rows[0].action, "a5");
    assert_string_equal(rows[1].action, "a4");
    assert_string_equal(rows[2].action, "a3");
    kd_audit_rows_free(rows, n);

    rows = audit_rows(st, 100, &n, 5);
    assert_string_equal(rows[4].action, "a1");
    kd_audit_rows_free(rows, n);

    rows = audit_rows(st, SIZE_MAX, &n, 5);
    kd_audit_rows_free(rows, n);

    n = 7;
    rows = audit_rows(st, 0, &n, 0);
    kd_audit_rows_free(rows, n);
}

static void test_audit_contents(void **state)
{
    kd_store *st = *state;
    kd_err err;
    char *big = repeat('e', 200000);
    long long before = (long long)time(NULL);
    assert_int_equal(kd_store_add_audit(st, URI2, ODD, "domain.rename", ODD, &err), 0);
    assert_int_equal(kd_store_add_audit(st, NULL, NULL, "pool.refresh", big, &err), 0);
    long long after = (long long)time(NULL);

    size_t n;
    kd_audit_row *rows = audit_rows(st, 10, &n, 2);
    assert_null(rows[0].uri);
    assert_null(rows[0].domain);
    assert_string_equal(rows[0].action, "pool.refresh");
    assert_string_equal(rows[0].result, big);
    assert_string_equal(rows[1].uri, URI2);
    assert_string_equal(rows[1].domain, ODD);
    assert_string_equal(rows[1].result, ODD);
    for (size_t i = 0; i < n; i++) {
        assert_true(rows[i].time >= before);
        assert_true(rows[i].time <= after);
    }
    kd_audit_rows_free(rows, n);
    free(big);
}

static void test_invalid_args(void **state)
{
    kd_store *st = *state;
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_store_put_pref(st, NULL, "v", &err), -1);
    assert_err(&err, KD_ERR_INVALID, "key", NULL);
    char *value = (char *)"sentinel";
    assert_int_equal(kd_store_get_pref(st, "", &value, &err), -1);
    assert_null(value);
    assert_int_equal(kd_store_put_conn(st, "", URI1, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "name", NULL);
    assert_int_equal(kd_store_put_conn(st, "x", NULL, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "URI", NULL);
    assert_int_equal(kd_store_put_tag(st, URI1, UUID1, "", &err), -1);
    assert_err(&err, KD_ERR_INVALID, "tag", NULL);
    assert_int_equal(kd_store_put_tag(st, URI1, NULL, "t", &err), -1);
    assert_err(&err, KD_ERR_INVALID, "UUID", NULL);
    assert_int_equal(kd_store_add_audit(st, URI1, "d", NULL, "ok", &err), -1);
    assert_err(&err, KD_ERR_INVALID, "action", NULL);
    assert_int_equal(kd_store_add_audit(st, URI1, "d", "x.y", NULL, &err), -1);
    assert_err(&err, KD_ERR_INVALID, "result", NULL);
    assert_null(kd_store_open("", &err));
    assert_err(&err, KD_ERR_INVALID, "path", NULL);

    /* Nothing reached the tables. */
    size_t n;
    kd_saved_conn *conns = conn_rows(st, &n, 0);
    kd_saved_conns_free(conns, n);
    kd_audit_row *rows = audit_rows(st, 10, &n, 0);
    kd_audit_rows_free(rows, n);
    static const char *const none[] = {NULL};
    assert_tags(st, URI1, UUID1, none);
}

/* ---- on disk ------------------------------------------------------------------------------- */

static void test_file_create_and_reopen(void **state)
{
    fixture *f = *state;
    char *deep = kd_asprintf("%s/a/b/state.db", f->dir);
    kd_store *st = open_ok(deep);
    assert_false(kd_store_in_memory(st));
    kd_store_free(st);
    char *a = kd_asprintf("%s/a", f->dir);
    char *ab = kd_asprintf("%s/a/b", f->dir);
    struct stat sb;
    assert_int_equal(stat(a, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0700);
    assert_int_equal(stat(ab, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0700);

    make_store(deep);
    st = open_ok(deep);
    assert_store_data(st);
    kd_store_free(st);

    char *mode = raw_text(deep, "PRAGMA journal_mode");
    assert_string_equal(mode, "wal");
    free(mode);
    assert_int_equal(raw_int(deep, "PRAGMA user_version"), kd_store_schema_version());
    assert_int_equal(raw_int(deep, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                   " AND name = 'audit_time'"),
                     1);
    free(a);
    free(ab);
    free(deep);
}

static void test_file_audit_sorted_by_time(void **state)
{
    fixture *f = *state;
    make_store(f->path);
    /* Written later but stamped earlier, as by a host whose clock was fixed: time wins. */
    raw_exec_file(f->path, "INSERT INTO audit (time, uri, domain, action, result)"
                           " VALUES (1000, 'u', 'old', 'domain.stop', 'ok')");
    kd_store *st = open_ok(f->path);
    size_t n;
    kd_audit_row *rows = audit_rows(st, 10, &n, 2);
    assert_string_equal(rows[0].domain, "web1");
    assert_string_equal(rows[1].domain, "old");
    assert_int_equal(rows[1].time, 1000);
    kd_audit_rows_free(rows, n);
    kd_store_free(st);
}

static void test_two_handles(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_store *a = open_ok(f->path);
    kd_store *b = open_ok(f->path);
    put_pref_ok(a, "k", "from a");
    assert_pref(b, "k", "from a");
    put_pref_ok(b, "k", "from b");
    assert_pref(a, "k", "from b");
    assert_int_equal(kd_store_put_tag(b, URI1, UUID1, "shared", &err), 0);
    static const char *const shared[] = {"shared", NULL};
    assert_tags(a, URI1, UUID1, shared);
    assert_int_equal(kd_store_add_audit(a, URI1, "web1", "from.a", "ok", &err), 0);
    assert_int_equal(kd_store_add_audit(b, URI1, "web1", "from.b", "ok", &err), 0);
    size_t n;
    kd_audit_row *rows = audit_rows(a, 10, &n, 2);
    assert_string_equal(rows[0].action, "from.b");
    assert_string_equal(rows[1].action, "from.a");
    kd_audit_rows_free(rows, n);
    assert_int_equal(kd_store_put_conn(b, "c", URI2, &err), 0);
    assert_int_equal(kd_store_del_conn(a, "c", &err), 0);
    kd_saved_conn *conns = conn_rows(b, &n, 0);
    kd_saved_conns_free(conns, n);
    kd_store_free(a);
    assert_pref(b, "k", "from b");
    kd_store_free(b);
}

/* Several instances start at once on a file that does not exist yet: each creates or finds
 * the schema, none fails, and the steps run once. */
static void test_concurrent_first_open(void **state)
{
    fixture *f = *state;
    enum { KIDS = 4 };
    int go[2];
    pid_t kids[KIDS];
    assert_int_equal(pipe(go), 0);
    fflush(NULL);
    for (int i = 0; i < KIDS; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            char c;
            close(go[1]);
            if (read(go[0], &c, 1) != 0) /* released when the parent closes the pipe */
                _exit(1);
            kd_err err;
            kd_store *st = kd_store_open(f->path, &err);
            char key[16];
            snprintf(key, sizeof(key), "kid%d", i);
            int ok = st && kd_store_put_pref(st, key, "here", &err) == 0;
            if (!ok)
                fprintf(stderr, "kid %d: %s\n", i, err.msg);
            kd_store_free(st);
            _exit(ok ? 0 : 2);
        }
    }
    close(go[0]);
    close(go[1]);
    for (int i = 0; i < KIDS; i++) {
        assert_int_equal(child_exit(kids[i]), 0);
    }
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), SCHEMA);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM prefs WHERE value = 'here'"), KIDS);
}

/* Another process holds the write lock briefly: the busy timeout waits it out. */
static void test_waits_for_short_lock(void **state)
{
    fixture *f = *state;
    make_store(f->path);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3 *db = NULL;
        if (sqlite3_open(f->path, &db) != SQLITE_OK ||
            sqlite3_exec(db,
                         "BEGIN EXCLUSIVE; INSERT INTO prefs (key, value) VALUES ('child', 'x')",
                         NULL, NULL, NULL) != SQLITE_OK)
            _exit(1);
        if (write(fds[1], "x", 1) != 1)
            _exit(2);
        usleep(400 * 1000);
        int rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(db);
        _exit(rc == SQLITE_OK ? 0 : 3);
    }
    close(fds[1]);
    char c;
    assert_int_equal(read(fds[0], &c, 1), 1);
    close(fds[0]);

    kd_store *st = open_ok(f->path); /* reading is not blocked by a writer */
    double t0 = now_s();
    put_pref_ok(st, "parent", "y");
    assert_true(now_s() - t0 >= 0.2); /* it really had to wait */
    assert_int_equal(child_exit(pid), 0);
    assert_pref(st, "child", "x");
    assert_pref(st, "parent", "y");
    assert_store_data(st);
    kd_store_free(st);
}

/* A writer that holds its lock past the timeout: the write fails and says why, reads go on,
 * and once the lock is gone everything is as it was. */
static void test_locked_write_fails(void **state)
{
    fixture *f = *state;
    make_store(f->path);
    sqlite3 *other = raw_open(f->path);
    raw_exec(other, "BEGIN EXCLUSIVE; UPDATE prefs SET value = 'other' WHERE key = 'theme'");

    kd_store *st = open_ok(f->path);
    kd_err err;
    kd_err_clear(&err);
    double t0 = now_s();
    assert_int_equal(kd_store_put_pref(st, "theme", "light", &err), -1);
    assert_true(now_s() - t0 >= 1.5);
    assert_err(&err, KD_ERR_DB, "locked by another program", f->path);
    assert_int_equal(kd_store_add_audit(st, URI1, "web1", "x", "ok", &err), -1);
    assert_err(&err, KD_ERR_DB, "locked by another program", NULL);
    assert_pref(st, "theme", "mono"); /* reads still work */

    raw_exec(other, "ROLLBACK");
    sqlite3_close(other);
    assert_store_data(st);
    put_pref_ok(st, "theme", "light");
    assert_pref(st, "theme", "light");
    size_t n;
    kd_audit_row *rows = audit_rows(st, 10, &n, 1); /* the failed write left no row */
    kd_audit_rows_free(rows, n);
    kd_store_free(st);
}

/* In rollback-journal mode an exclusive lock keeps even readers out, so opening fails. */
static void test_locked_open_fails(void **state)
{
    fixture *f = *state;
    make_store(f->path);
    raw_exec_file(f->path, "PRAGMA journal_mode = DELETE");
    sqlite3 *other = raw_open(f->path);
    raw_exec(other, "BEGIN EXCLUSIVE; INSERT INTO prefs (key, value) VALUES ('other', '1')");

    double t0 = now_s();
    assert_open_fails(f->path, KD_ERR_DB, "locked by another program", f->path);
    assert_true(now_s() - t0 >= 1.5);

    raw_exec(other, "ROLLBACK");
    sqlite3_close(other);
    kd_store *st = open_ok(f->path);
    assert_store_data(st);
    assert_pref(st, "other", NULL);
    kd_store_free(st);
    char *mode = raw_text(f->path, "PRAGMA journal_mode");
    assert_string_equal(mode, "wal");
    free(mode);
}

static void assert_refused(const char *path, const char *why)
{
    size_t len;
    char *before = slurp(path, &len);
    assert_open_fails(path, KD_ERR_DB, why, path);
    assert_file_is(path, before, len);
    free(before);
}

#define CORRUPT "not a kvmdeck database or is corrupt"

static void test_text_file_refused(void **state)
{
    fixture *f = *state;
    kd_buf b;
    kd_buf_init(&b);
    while (b.len < 4096)
        kd_buf_adds(&b, "theme = mono\n# a config file, not a database\n");
    write_file(f->path, b.data, b.len);
    kd_buf_free(&b);
    assert_refused(f->path, CORRUPT);
    /* A short file that starts like sqlite is no better. */
    write_file(f->path, "SQLite format 3\0garbage", 23);
    assert_refused(f->path, CORRUPT);
}

/* A store big enough to span many pages, then damaged on disk. */
static size_t make_big_store(const char *path)
{
    kd_err err;
    kd_store *st = open_ok(path);
    char *text = repeat('r', 3000);
    for (int i = 0; i < 100; i++)
        assert_int_equal(kd_store_add_audit(st, URI1, "web1", "domain.start", text, &err), 0);
    free(text);
    kd_store_free(st);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_true(sb.st_size > 64 * 1024);
    return (size_t)sb.st_size;
}

static void test_truncated_refused(void **state)
{
    fixture *f = *state;
    size_t size = make_big_store(f->path);
    assert_int_equal(truncate(f->path, (off_t)(size / 2)), 0);
    assert_refused(f->path, CORRUPT);
    assert_int_equal(truncate(f->path, 50), 0);
    assert_refused(f->path, CORRUPT);
}

static void test_garbled_refused(void **state)
{
    fixture *f = *state;
    size_t size = make_big_store(f->path);
    size_t len;
    char *data = slurp(f->path, &len);
    assert_int_equal(len, size);
    char *garbled = kd_malloc(len);
    memcpy(garbled, data, len);
    for (size_t i = len / 2; i < len / 2 + 8192; i++)
        garbled[i] = (char)(i * 7 + 13);
    write_file(f->path, garbled, len);
    assert_refused(f->path, CORRUPT);

    /* Page 1 holds the schema: damage just past the header. */
    memcpy(garbled, data, len);
    memset(garbled + 100, 0xff, 400);
    write_file(f->path, garbled, len);
    assert_refused(f->path, CORRUPT);
    free(garbled);
    free(data);
}

static void test_foreign_database_refused(void **state)
{
    fixture *f = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    raw_exec(db, "CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('one')");
    sqlite3_close(db);
    assert_refused(f->path, CORRUPT);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM songs"), 1);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master"), 1);

    /* Versioned data of another program is refused as well. */
    raw_exec_file(f->path, "PRAGMA user_version = 1");
    assert_refused(f->path, CORRUPT);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    make_store(f->path);
    raw_exec_file(f->path, "PRAGMA user_version = 99");
    assert_refused(f->path, "written by a newer kvmdeck");
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 99);
}

static void test_bad_paths(void **state)
{
    fixture *f = *state;
    assert_int_equal(mkdir(f->path, 0700), 0);
    assert_open_fails(f->path, KD_ERR_DB, "not a regular file", f->path);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));

    char *blocker = kd_asprintf("%s/blocker", f->dir);
    char *deep = kd_asprintf("%s/blocker/sub/state.db", f->dir);
    char *near = kd_asprintf("%s/blocker/state.db", f->dir);
    write_file(blocker, "keep me", 7);
    assert_open_fails(deep, KD_ERR_IO, "cannot create the directory", blocker);
    assert_open_fails(near, KD_ERR_IO, "Not a directory", blocker);
    assert_file_is(blocker, "keep me", 7);
    free(near);
    free(deep);
    free(blocker);
}

/* Root writes through any permission bits, so as root the check runs in a child that has
 * given up root. */
static int unwritable_check(const char *path)
{
    if (geteuid() == 0 &&
        (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0 || geteuid() == 0))
        return 77;
    kd_err err;
    kd_err_clear(&err);
    kd_store *st = kd_store_open(path, &err);
    if (st)
        return 1;
    if (err.code != KD_ERR_DB || !strstr(err.msg, "not writable") || !strstr(err.msg, path))
        return 2;
    return 0;
}

static void test_unwritable_file(void **state)
{
    fixture *f = *state;
    make_store(f->path);
    assert_int_equal(chmod(f->path, 0444), 0);
    assert_int_equal(chmod(f->dir, 0755), 0);
    size_t len;
    char *before = slurp(f->path, &len);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(unwritable_check(f->path));
    int code = child_exit(pid);
    if (code == 77) {
        free(before);
        skip();
    }
    assert_int_equal(code, 0);
    assert_file_is(f->path, before, len);
    free(before);
    char *wal = kd_asprintf("%s-wal", f->path);
    assert_int_equal(access(wal, F_OK), -1); /* not even a journal was started */
    free(wal);
}

/* ---- migrations ---------------------------------------------------------------------------- */

static int step_ok(kd_store *st, kd_err *err)
{
    return kd_store_put_pref(st, "migrated", "v2", err);
}

static int step_fail(kd_store *st, kd_err *err)
{
    if (kd_store_put_pref(st, "half-done", "yes", err) < 0)
        return -1;
    kd_err_set(err, KD_ERR_DB, "step two cannot run");
    return -1;
}

static void test_failing_migration_rolls_back(void **state)
{
    fixture *f = *state;
    make_store(f->path);
    size_t len;
    char *before = slurp(f->path, &len);
    static const kd_store_migration steps[] = {step_fail};
    kd_err err;
    kd_err_clear(&err);
    assert_null(kd_store_open_with_migrations(f->path, steps, 1, &err));
    assert_err(&err, KD_ERR_DB, "step two cannot run", "rolled back");
    assert_non_null(strstr(err.msg, f->path));
    assert_file_is(f->path, before, len);
    free(before);
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), SCHEMA);

    kd_store *st = open_ok(f->path);
    assert_pref(st, "half-done", NULL);
    assert_store_data(st);
    kd_store_free(st);
}

static void test_failing_migration_on_new_file(void **state)
{
    fixture *f = *state;
    static const kd_store_migration steps[] = {step_fail};
    kd_err err;
    assert_null(kd_store_open_with_migrations(f->path, steps, 1, &err));
    assert_err(&err, KD_ERR_DB, NEXT_SCHEMA, "step two cannot run");
    /* The steps before it stand, each in its own transaction. */
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), SCHEMA);
    kd_store *st = open_ok(f->path);
    assert_pref(st, "half-done", NULL);
    kd_store_free(st);
}

static void test_migration_runs_once(void **state)
{
    fixture *f = *state;
    static const kd_store_migration steps[] = {step_ok};
    kd_err err;
    kd_store *st = kd_store_open_with_migrations(f->path, steps, 1, &err);
    assert_non_null(st);
    assert_pref(st, "migrated", "v2");
    put_pref_ok(st, "migrated", "changed later");
    kd_store_free(st);
    assert_int_equal(raw_int(f->path, "PRAGMA user_version"), SCHEMA + 1);

    st = kd_store_open_with_migrations(f->path, steps, 1, &err);
    assert_non_null(st);
    assert_pref(st, "migrated", "changed later");
    kd_store_free(st);

    /* This build knows one schema less than the file that a "newer" build wrote. */
    assert_refused(f->path, "written by a newer kvmdeck");
}

static void test_memory_migrations(void **state)
{
    (void)state;
    static const kd_store_migration steps[] = {step_ok};
    kd_err err;
    kd_store *st = kd_store_open_with_migrations(NULL, steps, 1, &err);
    assert_non_null(st);
    assert_true(kd_store_in_memory(st));
    assert_pref(st, "migrated", "v2");
    kd_store_free(st);
    static const kd_store_migration bad[] = {step_fail};
    assert_null(kd_store_open_with_migrations(NULL, bad, 1, &err));
    assert_err(&err, KD_ERR_DB, "in-memory", "step two cannot run");
}

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

#define MEM(fn)  cmocka_unit_test_setup_teardown(fn, setup_mem, teardown_mem)
#define DISK(fn) cmocka_unit_test_setup_teardown(fn, setup_dir, teardown_dir)

int main(void)
{
    const struct CMUnitTest tests[] = {
        MEM(test_memory_open),
        MEM(test_prefs),
        MEM(test_prefs_odd_strings),
        MEM(test_conns),
        MEM(test_tags),
        MEM(test_tags_del),
        MEM(test_audit_order_and_limit),
        MEM(test_audit_contents),
        MEM(test_invalid_args),
        cmocka_unit_test(test_memory_migrations),
        DISK(test_file_create_and_reopen),
        DISK(test_file_audit_sorted_by_time),
        DISK(test_two_handles),
        DISK(test_concurrent_first_open),
        DISK(test_waits_for_short_lock),
        DISK(test_locked_write_fails),
        DISK(test_locked_open_fails),
        DISK(test_text_file_refused),
        DISK(test_truncated_refused),
        DISK(test_garbled_refused),
        DISK(test_foreign_database_refused),
        DISK(test_newer_schema_refused),
        DISK(test_bad_paths),
        DISK(test_unwritable_file),
        DISK(test_failing_migration_rolls_back),
        DISK(test_failing_migration_on_new_file),
        DISK(test_migration_runs_once),
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
