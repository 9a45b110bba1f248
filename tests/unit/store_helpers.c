#include "store_helpers.h"

int setup_mem(void **state)
{
    kd_err err;
    kd_store *st = kd_store_open(NULL, &err);
    if (!st)
        return -1;
    *state = st;
    return 0;
}

int teardown_mem(void **state)
{
    kd_store_free(*state);
    return 0;
}

int setup_dir(void **state)
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

int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

int teardown_dir(void **state)
{
    fixture *f = *state;
    chmod(f->dir, 0700);
    int ret = nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return ret;
}

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The exit code of a child that must have exited normally. */
int child_exit(pid_t pid)
{
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

char *repeat(char c, size_t n)
{
    char *s = kd_malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

void assert_err(const kd_err *err, kd_err_code code, const char *part1, const char *part2)
{
    assert_int_equal(err->code, code);
    if (part1 && !strstr(err->msg, part1))
        fail_msg("'%s' not in '%s'", part1, err->msg);
    if (part2 && !strstr(err->msg, part2))
        fail_msg("'%s' not in '%s'", part2, err->msg);
}

char *slurp(const char *path, size_t *len)
{
    char *data = kd_file_read(path, FILE_MAX, len);
    assert_non_null(data);
    return data;
}

void assert_file_is(const char *path, const char *before, size_t before_len)
{
    size_t len;
    char *now = slurp(path, &len);
    assert_int_equal(len, before_len);
    assert_memory_equal(now, before, len);
    free(now);
}

void write_file(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    return db;
}

void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

void raw_exec_file(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    raw_exec(db, sql);
    sqlite3_close(db);
}

char *raw_text(const char *path, const char *sql)
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

long raw_int(const char *path, const char *sql)
{
    char *s = raw_text(path, sql);
    long v = strtol(s, NULL, 10);
    free(s);
    return v;
}

kd_store *open_ok(const char *path)
{
    kd_err err;
    kd_err_clear(&err);
    kd_store *st = kd_store_open(path, &err);
    if (!st)
        fail_msg("open %s: %s", path ? path : "(memory)", err.msg);
    return st;
}

void assert_open_fails(const char *path, kd_err_code code, const char *why, const char *named)
{
    kd_err err;
    kd_err_clear(&err);
    assert_null(kd_store_open(path, &err));
    assert_err(&err, code, why, named);
}

void put_pref_ok(kd_store *st, const char *key, const char *value)
{
    kd_err err;
    if (kd_store_put_pref(st, key, value, &err) < 0)
        fail_msg("put %s: %s", key, err.msg);
}

void assert_pref(kd_store *st, const char *key, const char *want)
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
kd_audit_row *audit_rows(kd_store *st, size_t limit, size_t *n, size_t want)
{
    kd_err err;
    kd_audit_row *rows = NULL;
    if (kd_store_list_audit(st, limit, &rows, n, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(*n, want);
    return rows;
}

kd_saved_conn *conn_rows(kd_store *st, size_t *n, size_t want)
{
    kd_err err;
    kd_saved_conn *v = NULL;
    if (kd_store_list_conns(st, &v, n, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(*n, want);
    return v;
}

/* A store file holding a little of everything. */
void make_store(const char *path)
{
    kd_err err;
    kd_store *st = open_ok(path);
    put_pref_ok(st, "theme", "mono");
    assert_int_equal(kd_store_put_conn(st, "home", URI1, &err), 0);
    assert_int_equal(kd_store_put_tag(st, URI1, UUID1, "web", &err), 0);
    assert_int_equal(kd_store_add_audit(st, URI1, "web1", "domain.start", "ok", &err), 0);
    kd_store_free(st);
}

void assert_store_data(kd_store *st)
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

void assert_refused(const char *path, const char *why)
{
    size_t len;
    char *before = slurp(path, &len);
    assert_open_fails(path, KD_ERR_DB, why, path);
    assert_file_is(path, before, len);
    free(before);
}
