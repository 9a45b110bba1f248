#include "store_helpers.h"

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

static void collect_tag(const char *uuid, const char *tag, void *opaque)
{
    kd_buf_printf(opaque, "%s:%s ", uuid, tag);
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

    /* The whole host in one walk: by UUID then tag, nothing of the other host. */
    kd_buf walked;
    kd_buf_init(&walked);
    assert_int_equal(kd_store_each_tag(st, URI1, collect_tag, &walked, &err), 0);
    char *expect = kd_asprintf("%s:other-vm %s:db %s:%s %s:web ", UUID2, UUID1, UUID1, ODD, UUID1);
    assert_string_equal(walked.data, expect);
    free(expect);
    kd_buf_free(&walked);
    assert_int_equal(kd_store_each_tag(st, NULL, collect_tag, &walked, &err), -1);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
