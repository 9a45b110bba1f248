#ifndef KD_TESTS_STORE_HELPERS_H
#define KD_TESTS_STORE_HELPERS_H

/* Shared by the store's tests: fixtures (a private in-memory store, or a fresh directory
 * under /tmp), a raw sqlite connection playing "another program", and assertions. */

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

int setup_mem(void **state);
int teardown_mem(void **state);
int setup_dir(void **state);
int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw);
int teardown_dir(void **state);
double now_s(void);
int child_exit(pid_t pid);
char *repeat(char c, size_t n);
void assert_err(const kd_err *err, kd_err_code code, const char *part1, const char *part2);
char *slurp(const char *path, size_t *len);
void assert_file_is(const char *path, const char *before, size_t before_len);
void write_file(const char *path, const char *data, size_t len);
sqlite3 *raw_open(const char *path);
void raw_exec(sqlite3 *db, const char *sql);
void raw_exec_file(const char *path, const char *sql);
char *raw_text(const char *path, const char *sql);
long raw_int(const char *path, const char *sql);
kd_store *open_ok(const char *path);
void assert_open_fails(const char *path, kd_err_code code, const char *why, const char *named);
void put_pref_ok(kd_store *st, const char *key, const char *value);
void assert_pref(kd_store *st, const char *key, const char *want);
kd_audit_row *audit_rows(kd_store *st, size_t limit, size_t *n, size_t want);
kd_saved_conn *conn_rows(kd_store *st, size_t *n, size_t want);
void make_store(const char *path);
void assert_store_data(kd_store *st);
void assert_refused(const char *path, const char *why);

#define MEM(fn)  cmocka_unit_test_setup_teardown(fn, setup_mem, teardown_mem)
#define DISK(fn) cmocka_unit_test_setup_teardown(fn, setup_dir, teardown_dir)

#endif
