#ifndef KD_STORE_STORE_PRIV_H
#define KD_STORE_STORE_PRIV_H

/* What the files of src/store/ share with each other and with nobody else. */

#include "store/store.h"

#include <sqlite3.h>

struct kd_store {
    sqlite3 *db;
    char *path; /* NULL for the in-memory database */
};

/* Fill err from the connection's last error: "<what>: <file> is locked by ...". */
void kd_store_db_fail(const kd_store *st, kd_err *err, const char *what, int rc);
/* -1 and KD_ERR_INVALID when value is NULL or empty; field names it in the message. */
int kd_store_require(const char *what, const char *field, const char *value, kd_err *err);
/* Prepare constant SQL and bind args as text parameters 1..n (a NULL one as SQL NULL). */
sqlite3_stmt *kd_store_prepare(kd_store *st, const char *what, const char *sql,
                               const char *const *args, size_t n, kd_err *err);
/* Constant statements without parameters: schema changes and transaction control only. */
int kd_store_exec(kd_store *st, const char *what, const char *sql, kd_err *err);

/* Schema step 2 (history.c): the statistics tables. */
int kd_store_migrate_stats(kd_store *st, kd_err *err);

#endif
