#include "store/store_priv.h"
#include "core/paths.h"
#include "core/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STR_(x) #x
#define STR(x)  STR_(x)

/* Long enough to ride out another instance's short write, short enough that a lock held by a
 * stuck program is reported while the user still remembers pressing the key. */
#define BUSY_WAIT_S 2
/* "KVMD" as a big-endian integer: marks the file as ours, so that another program's sqlite
 * file is refused instead of being given our tables. Decimal because PRAGMA wants it so. */
#define APPLICATION_ID 1263947076

#define WHAT_OPEN    "opening the local database"
#define WHAT_MIGRATE "upgrading the local database"

static const char *label(const kd_store *st)
{
    return st->path ? st->path : "the in-memory database";
}

/* ---- errors ---------------------------------------------------------------------------- */

typedef struct {
    int code;
    const char *phrase;
} rc_phrase;

static const rc_phrase rc_phrases[] = {
    {SQLITE_NOTADB, "is not a kvmdeck database or is corrupt"},
    {SQLITE_CORRUPT, "is not a kvmdeck database or is corrupt"},
    {SQLITE_BUSY, "is locked by another program (gave up after " STR(BUSY_WAIT_S) " s)"},
    {SQLITE_LOCKED, "is locked by another program"},
    {SQLITE_READONLY, "is not writable"},
    {SQLITE_PERM, "is not writable"},
    {SQLITE_CANTOPEN, "could not be opened"},
    {SQLITE_FULL, "cannot grow: the disk is full"},
    {SQLITE_IOERR, "could not be read or written"},
    {SQLITE_TOOBIG, "cannot hold a value that large"},
};

static void set_db_err(const kd_store *st, kd_err *err, const char *what, int rc,
                       const char *detail)
{
    int primary = rc & 0xff;
    if (primary == SQLITE_NOMEM)
        kd_die_oom();
    const char *phrase = "failed";
    for (size_t i = 0; i < sizeof(rc_phrases) / sizeof(rc_phrases[0]); i++) {
        if (rc_phrases[i].code == primary) {
            phrase = rc_phrases[i].phrase;
            break;
        }
    }
    kd_err_set(err, KD_ERR_DB, "%s: %s %s (sqlite: %s)", what, label(st), phrase,
               detail ? detail : sqlite3_errstr(rc));
}

void kd_store_db_fail(const kd_store *st, kd_err *err, const char *what, int rc)
{
    set_db_err(st, err, what, rc, sqlite3_errmsg(st->db));
}

int kd_store_require(const char *what, const char *field, const char *value, kd_err *err)
{
    if (value && *value)
        return 0;
    kd_err_set(err, KD_ERR_INVALID, "%s: the %s is empty", what, field);
    return -1;
}

/* ---- statements ------------------------------------------------------------------------ */

typedef void (*row_fn)(sqlite3_stmt *stmt, void *ctx);

/* Text parameters are bound in order, a NULL one as SQL NULL; the SQL itself is always a
 * constant of this file. */
sqlite3_stmt *kd_store_prepare(kd_store *st, const char *what, const char *sql,
                               const char *const *args, size_t n, kd_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        if (args[i])
            rc = sqlite3_bind_text(stmt, (int)i + 1, args[i], -1, SQLITE_STATIC);
        else
            rc = sqlite3_bind_null(stmt, (int)i + 1);
    }
    if (rc == SQLITE_OK)
        return stmt;
    kd_store_db_fail(st, err, what, rc);
    sqlite3_finalize(stmt);
    return NULL;
}

/* Room for one more element, doubling. */
static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return v;
    *cap = *cap ? *cap * 2 : 8;
    return kd_realloc(v, *cap * size);
}

/* Steps to the end, handing each row to fn, and always finalizes. */
static int step_all(kd_store *st, sqlite3_stmt *stmt, const char *what, row_fn fn, void *ctx,
                    kd_err *err)
{
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (fn)
            fn(stmt, ctx);
    }
    if (rc != SQLITE_DONE)
        kd_store_db_fail(st, err, what, rc);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int run(kd_store *st, const char *what, const char *sql, const char *const *args, size_t n,
               row_fn fn, void *ctx, kd_err *err)
{
    sqlite3_stmt *stmt = kd_store_prepare(st, what, sql, args, n, err);
    if (!stmt)
        return -1;
    return step_all(st, stmt, what, fn, ctx, err);
}

/* As run(), with one integer parameter after the text ones. */
static int run_num(kd_store *st, const char *what, const char *sql, const char *const *args,
                   size_t n, sqlite3_int64 num, row_fn fn, void *ctx, kd_err *err)
{
    sqlite3_stmt *stmt = kd_store_prepare(st, what, sql, args, n, err);
    if (!stmt)
        return -1;
    int rc = sqlite3_bind_int64(stmt, (int)n + 1, num);
    if (rc != SQLITE_OK) {
        kd_store_db_fail(st, err, what, rc);
        sqlite3_finalize(stmt);
        return -1;
    }
    return step_all(st, stmt, what, fn, ctx, err);
}

/* Several constant statements at once: schema changes and transaction control only. */
int kd_store_exec(kd_store *st, const char *what, const char *sql, kd_err *err)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return 0;
    kd_store_db_fail(st, err, what, rc);
    return -1;
}

static char *col_dup(sqlite3_stmt *stmt, int i)
{
    const unsigned char *s = sqlite3_column_text(stmt, i);
    if (!s && sqlite3_column_type(stmt, i) != SQLITE_NULL)
        kd_die_oom();
    if (!s)
        return NULL;
    return kd_strndup((const char *)s, (size_t)sqlite3_column_bytes(stmt, i));
}

static void read_int(sqlite3_stmt *stmt, void *ctx)
{
    *(long long *)ctx = sqlite3_column_int64(stmt, 0);
}

static void read_facts(sqlite3_stmt *stmt, void *ctx)
{
    long long *facts = ctx;
    for (int i = 0; i < 3; i++)
        facts[i] = sqlite3_column_int64(stmt, i);
}

static void read_text(sqlite3_stmt *stmt, void *ctx)
{
    char **out = ctx;
    free(*out);
    *out = col_dup(stmt, 0);
}

static int read_pragma(kd_store *st, const char *what, const char *sql, long long *out, kd_err *err)
{
    *out = 0;
    return run(st, what, sql, NULL, 0, read_int, out, err);
}

/* ---- schema ---------------------------------------------------------------------------- */

static int migrate_v1(kd_store *st, kd_err *err)
{
    static const char sql[] =
        "CREATE TABLE prefs (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);"
        "CREATE TABLE connections (name TEXT PRIMARY KEY NOT NULL, uri TEXT NOT NULL);"
        "CREATE TABLE tags (uri TEXT NOT NULL, uuid TEXT NOT NULL, tag TEXT NOT NULL,"
        " PRIMARY KEY (uri, uuid, tag));"
        "CREATE TABLE audit (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, uri TEXT,"
        " domain TEXT, action TEXT NOT NULL, result TEXT NOT NULL);"
        "CREATE INDEX audit_time ON audit (time);"
        "PRAGMA application_id = " STR(APPLICATION_ID) ";";
    return kd_store_exec(st, "creating the tables", sql, err);
}

/* Entry i brings the schema from version i to i + 1. Append only; never edit a shipped one. */
static const kd_store_migration builtin_steps[] = {
    migrate_v1,
    kd_store_migrate_stats,
};

#define N_BUILTIN ((int)(sizeof(builtin_steps) / sizeof(builtin_steps[0])))

int kd_store_schema_version(void)
{
    return N_BUILTIN;
}

static int set_user_version(kd_store *st, int version, kd_err *err)
{
    /* PRAGMA takes no parameters; the number is this program's own, never user data. */
    char *sql = kd_asprintf("PRAGMA user_version = %d", version);
    int ret = kd_store_exec(st, WHAT_MIGRATE, sql, err);
    free(sql);
    return ret;
}

static int migrate_step(kd_store *st, int target, kd_store_migration fn, kd_err *err)
{
    long long cur;
    /* Checked before taking the write lock, so an up-to-date file opens even while another
     * instance is writing. */
    if (read_pragma(st, WHAT_MIGRATE, "PRAGMA user_version", &cur, err) < 0)
        return -1;
    if (cur >= target)
        return 0;
    if (kd_store_exec(st, WHAT_MIGRATE, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    /* Another instance may have done this step while this one waited for the lock. */
    if (read_pragma(st, WHAT_MIGRATE, "PRAGMA user_version", &cur, err) < 0)
        goto rollback;
    if (cur >= target)
        return kd_store_exec(st, WHAT_MIGRATE, "ROLLBACK", err);
    if (fn(st, err) < 0 || set_user_version(st, target, err) < 0 ||
        kd_store_exec(st, WHAT_MIGRATE, "COMMIT", err) < 0)
        goto rollback;
    return 0;

rollback:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    kd_err_prefix(err, "upgrading %s to schema %d failed and was rolled back", label(st), target);
    return -1;
}

static int migrate(kd_store *st, const kd_store_migration *extra, size_t n_extra, kd_err *err)
{
    int known = N_BUILTIN + (int)n_extra;
    for (int target = 1; target <= known; target++) {
        kd_store_migration fn =
            target <= N_BUILTIN ? builtin_steps[target - 1] : extra[target - 1 - N_BUILTIN];
        if (migrate_step(st, target, fn, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- opening --------------------------------------------------------------------------- */

/* Checks done with plain system calls, before sqlite sees the file. */
static int check_path(const char *path, kd_err *err)
{
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (!S_ISREG(sb.st_mode)) {
            kd_err_set(err, KD_ERR_DB, WHAT_OPEN ": %s is not a regular file", path);
            return -1;
        }
        if (faccessat(AT_FDCWD, path, R_OK | W_OK, AT_EACCESS) < 0) {
            kd_err_set(err, KD_ERR_DB, WHAT_OPEN ": %s is not writable (%s); it was left as it is",
                       path, strerror(errno));
            return -1;
        }
        return 0;
    }
    /* ENOTDIR: a parent is a file; creating the directory below reports it by name. */
    if (errno != ENOENT && errno != ENOTDIR) {
        kd_err_set(err, KD_ERR_DB, WHAT_OPEN ": %s: %s", path, strerror(errno));
        return -1;
    }
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0;
    char *dir = kd_strndup(path, (size_t)(slash - path));
    int ret = 0;
    if (stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode)) {
            errno = ENOTDIR;
            ret = -1;
        }
    } else {
        ret = kd_paths_mkdir_p(dir);
    }
    if (ret < 0)
        kd_err_set(err, KD_ERR_IO, WHAT_OPEN ": cannot create the directory %s: %s", dir,
                   strerror(errno));
    free(dir);
    return ret;
}

static int connect_db(kd_store *st, kd_err *err)
{
    int rc = sqlite3_open_v2(st->path ? st->path : ":memory:", &st->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (!st->db)
        kd_die_oom();
    if (rc != SQLITE_OK) {
        kd_store_db_fail(st, err, WHAT_OPEN, rc);
        return -1;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, BUSY_WAIT_S * 1000);
    return 0;
}

/* Read-only checks: nothing may be written to a file before it is known to be ours. */
static int check_file(kd_store *st, int known, kd_err *err)
{
    char *verdict = NULL;
    if (run(st, WHAT_OPEN, "PRAGMA quick_check(1)", NULL, 0, read_text, &verdict, err) < 0)
        return -1;
    if (!verdict || strcmp(verdict, "ok") != 0) {
        set_db_err(st, err, WHAT_OPEN, SQLITE_CORRUPT, verdict ? verdict : "no verdict");
        free(verdict);
        return -1;
    }
    free(verdict);
    /* One statement reads one snapshot: another instance may be creating the schema right
     * now, and a mix of before and after would look like another program's file. */
    long long facts[3] = {0};
    if (run(st, WHAT_OPEN,
            "SELECT (SELECT application_id FROM pragma_application_id),"
            " (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)",
            NULL, 0, read_facts, facts, err) < 0)
        return -1;
    long long app = facts[0], version = facts[1], objects = facts[2];
    bool blank = app == 0 && version == 0 && objects == 0;
    if (!blank && app != APPLICATION_ID) {
        set_db_err(st, err, WHAT_OPEN, SQLITE_NOTADB, "it holds another program's tables");
        return -1;
    }
    if (version > known) {
        kd_err_set(err, KD_ERR_DB,
                   WHAT_OPEN ": %s was written by a newer kvmdeck (schema %lld; this one knows "
                             "up to %d); it was left untouched",
                   st->path, version, known);
        return -1;
    }
    return 0;
}

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* WAL lets a second instance read while one writes. Switching a file to it needs the file to
 * itself, and when two instances start at once sqlite answers BUSY without waiting (waiting
 * could deadlock them), so the retry is here, bounded by the usual wait. */
static int set_wal(kd_store *st, kd_err *err)
{
    double deadline = monotonic_s() + BUSY_WAIT_S;
    for (;;) {
        sqlite3_stmt *stmt =
            kd_store_prepare(st, WHAT_OPEN, "PRAGMA journal_mode = WAL", NULL, 0, err);
        if (!stmt)
            return -1;
        int rc = sqlite3_step(stmt);
        bool retry = (rc & 0xff) == SQLITE_BUSY && monotonic_s() < deadline;
        if (rc != SQLITE_ROW && !retry)
            kd_store_db_fail(st, err, WHAT_OPEN, rc);
        sqlite3_finalize(stmt);
        if (!retry)
            return rc == SQLITE_ROW ? 0 : -1;
        usleep(10 * 1000);
    }
}

static int configure(kd_store *st, kd_err *err)
{
    if (!st->path)
        return 0;
    if (set_wal(st, err) < 0)
        return -1;
    /* NORMAL loses at most the last commit on power loss and never corrupts under WAL. */
    return kd_store_exec(st, WHAT_OPEN, "PRAGMA synchronous = NORMAL", err);
}

kd_store *kd_store_open_with_migrations(const char *path, const kd_store_migration *extra, size_t n,
                                        kd_err *err)
{
    if (path && !*path) {
        kd_err_set(err, KD_ERR_INVALID, WHAT_OPEN ": the path is empty");
        return NULL;
    }
    if (path && check_path(path, err) < 0)
        return NULL;
    kd_store *st = kd_calloc(1, sizeof(*st));
    st->path = path ? kd_strdup(path) : NULL;
    if (connect_db(st, err) < 0 || (st->path && check_file(st, N_BUILTIN + (int)n, err) < 0) ||
        configure(st, err) < 0 || migrate(st, extra, n, err) < 0) {
        kd_store_free(st);
        return NULL;
    }
    return st;
}

kd_store *kd_store_open(const char *path, kd_err *err)
{
    return kd_store_open_with_migrations(path, NULL, 0, err);
}

void kd_store_free(kd_store *st)
{
    if (!st)
        return;
    sqlite3_close_v2(st->db);
    free(st->path);
    free(st);
}

bool kd_store_in_memory(const kd_store *st)
{
    return st->path == NULL;
}

/* ---- preferences ----------------------------------------------------------------------- */

int kd_store_get_pref(kd_store *st, const char *key, char **value, kd_err *err)
{
    static const char what[] = "reading a preference";
    *value = NULL;
    if (kd_store_require(what, "key", key, err) < 0)
        return -1;
    const char *args[] = {key};
    int ret =
        run(st, what, "SELECT value FROM prefs WHERE key = ?", args, 1, read_text, value, err);
    if (ret < 0) {
        free(*value);
        *value = NULL;
        return -1;
    }
    return 0;
}

int kd_store_put_pref(kd_store *st, const char *key, const char *value, kd_err *err)
{
    static const char what[] = "saving a preference";
    if (kd_store_require(what, "key", key, err) < 0)
        return -1;
    const char *args[] = {key, value};
    if (!value)
        return run(st, what, "DELETE FROM prefs WHERE key = ?", args, 1, NULL, NULL, err);
    return run(st, what, "INSERT OR REPLACE INTO prefs (key, value) VALUES (?, ?)", args, 2, NULL,
               NULL, err);
}

/* ---- saved connections ----------------------------------------------------------------- */

int kd_store_put_conn(kd_store *st, const char *name, const char *uri, kd_err *err)
{
    static const char what[] = "saving a connection";
    if (kd_store_require(what, "name", name, err) < 0 ||
        kd_store_require(what, "URI", uri, err) < 0)
        return -1;
    const char *args[] = {name, uri};
    return run(st, what, "INSERT OR REPLACE INTO connections (name, uri) VALUES (?, ?)", args, 2,
               NULL, NULL, err);
}

int kd_store_del_conn(kd_store *st, const char *name, kd_err *err)
{
    static const char what[] = "forgetting a connection";
    if (kd_store_require(what, "name", name, err) < 0)
        return -1;
    const char *args[] = {name};
    if (run(st, what, "DELETE FROM connections WHERE name = ?", args, 1, NULL, NULL, err) < 0)
        return -1;
    if (sqlite3_changes(st->db) == 0) {
        kd_err_set(err, KD_ERR_NOTFOUND, "%s: no saved connection is named '%s'", what, name);
        return -1;
    }
    return 0;
}

typedef struct {
    kd_saved_conn *v;
    size_t n, cap;
} conn_vec;

static void push_conn(sqlite3_stmt *stmt, void *ctx)
{
    conn_vec *cv = ctx;
    cv->v = grow(cv->v, cv->n, &cv->cap, sizeof(*cv->v));
    cv->v[cv->n].name = col_dup(stmt, 0);
    cv->v[cv->n].uri = col_dup(stmt, 1);
    cv->n++;
}

int kd_store_list_conns(kd_store *st, kd_saved_conn **out, size_t *n, kd_err *err)
{
    conn_vec cv = {0};
    *out = NULL;
    *n = 0;
    if (run(st, "listing saved connections", "SELECT name, uri FROM connections ORDER BY name",
            NULL, 0, push_conn, &cv, err) < 0) {
        kd_saved_conns_free(cv.v, cv.n);
        return -1;
    }
    *out = cv.v;
    *n = cv.n;
    return 0;
}

void kd_saved_conns_free(kd_saved_conn *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].name);
        free(v[i].uri);
    }
    free(v);
}

/* ---- tags ------------------------------------------------------------------------------ */

static int require_tag_args(const char *what, const char *uri, const char *uuid, kd_err *err)
{
    return kd_store_require(what, "URI", uri, err) < 0 ||
                   kd_store_require(what, "UUID", uuid, err) < 0
               ? -1
               : 0;
}

static int change_tag(kd_store *st, const char *what, const char *sql, const char *uri,
                      const char *uuid, const char *tag, kd_err *err)
{
    if (require_tag_args(what, uri, uuid, err) < 0 || kd_store_require(what, "tag", tag, err) < 0)
        return -1;
    const char *args[] = {uri, uuid, tag};
    return run(st, what, sql, args, 3, NULL, NULL, err);
}

int kd_store_put_tag(kd_store *st, const char *uri, const char *uuid, const char *tag, kd_err *err)
{
    return change_tag(st, "adding a tag",
                      "INSERT OR IGNORE INTO tags (uri, uuid, tag) VALUES (?, ?, ?)", uri, uuid,
                      tag, err);
}

int kd_store_del_tag(kd_store *st, const char *uri, const char *uuid, const char *tag, kd_err *err)
{
    return change_tag(st, "removing a tag",
                      "DELETE FROM tags WHERE uri = ? AND uuid = ? AND tag = ?", uri, uuid, tag,
                      err);
}

typedef struct {
    char **v;
    size_t n, cap; /* cap counts the slot for the terminating NULL */
} str_vec;

static void push_str(sqlite3_stmt *stmt, void *ctx)
{
    str_vec *sv = ctx;
    sv->v = grow(sv->v, sv->n + 1, &sv->cap, sizeof(*sv->v));
    sv->v[sv->n++] = col_dup(stmt, 0);
    sv->v[sv->n] = NULL;
}

int kd_store_get_tags(kd_store *st, const char *uri, const char *uuid, char ***tags, kd_err *err)
{
    static const char what[] = "reading tags";
    *tags = NULL;
    if (require_tag_args(what, uri, uuid, err) < 0)
        return -1;
    const char *args[] = {uri, uuid};
    str_vec sv = {.v = kd_calloc(1, sizeof(char *)), .cap = 1};
    if (run(st, what, "SELECT tag FROM tags WHERE uri = ? AND uuid = ? ORDER BY tag", args, 2,
            push_str, &sv, err) < 0) {
        kd_strv_free(sv.v);
        return -1;
    }
    *tags = sv.v;
    return 0;
}

typedef struct {
    kd_store_tag_fn fn;
    void *opaque;
} tag_walk;

static void walk_tag(sqlite3_stmt *stmt, void *ctx)
{
    tag_walk *w = ctx;
    const char *uuid = (const char *)sqlite3_column_text(stmt, 0);
    const char *tag = (const char *)sqlite3_column_text(stmt, 1);
    if (uuid && tag)
        w->fn(uuid, tag, w->opaque);
}

int kd_store_each_tag(kd_store *st, const char *uri, kd_store_tag_fn fn, void *opaque, kd_err *err)
{
    static const char what[] = "reading tags";
    if (kd_store_require(what, "uri", uri, err) < 0)
        return -1;
    tag_walk w = {fn, opaque};
    return run(st, what, "SELECT uuid, tag FROM tags WHERE uri = ? ORDER BY uuid, tag", &uri, 1,
               walk_tag, &w, err);
}

/* ---- audit log ------------------------------------------------------------------------- */

int kd_store_add_audit(kd_store *st, const char *uri, const char *domain, const char *action,
                       const char *result, kd_err *err)
{
    static const char what[] = "writing the audit log";
    if (kd_store_require(what, "action", action, err) < 0 ||
        kd_store_require(what, "result", result, err) < 0)
        return -1;
    const char *args[] = {uri, domain, action, result};
    return run_num(st, what,
                   "INSERT INTO audit (uri, domain, action, result, time) VALUES (?, ?, ?, ?, ?)",
                   args, 4, (sqlite3_int64)time(NULL), NULL, NULL, err);
}

typedef struct {
    kd_audit_row *v;
    size_t n, cap;
} audit_vec;

static void push_audit(sqlite3_stmt *stmt, void *ctx)
{
    audit_vec *av = ctx;
    av->v = grow(av->v, av->n, &av->cap, sizeof(*av->v));
    kd_audit_row *r = &av->v[av->n++];
    r->time = sqlite3_column_int64(stmt, 0);
    r->uri = col_dup(stmt, 1);
    r->domain = col_dup(stmt, 2);
    r->action = col_dup(stmt, 3);
    r->result = col_dup(stmt, 4);
}

int kd_store_list_audit(kd_store *st, size_t limit, kd_audit_row **out, size_t *n, kd_err *err)
{
    static const char what[] = "reading the audit log";
    audit_vec av = {0};
    *out = NULL;
    *n = 0;
    /* The id breaks ties: rows written within one second stay in the order they happened. */
    sqlite3_int64 lim = limit > (size_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)limit;
    if (run_num(st, what,
                "SELECT time, uri, domain, action, result FROM audit"
                " ORDER BY time DESC, id DESC LIMIT ?",
                NULL, 0, lim, push_audit, &av, err) < 0) {
        kd_audit_rows_free(av.v, av.n);
        return -1;
    }
    *out = av.v;
    *n = av.n;
    return 0;
}

void kd_audit_rows_free(kd_audit_row *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].uri);
        free(v[i].domain);
        free(v[i].action);
        free(v[i].result);
    }
    free(v);
}
