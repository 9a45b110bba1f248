#ifndef KD_STORE_STORE_H
#define KD_STORE_STORE_H

/* Local state in sqlite: preferences, saved connections, tags, the audit log, statistics
 * history. The only code that speaks sqlite. Prepared statements only; schema migrations keyed on
 * PRAGMA user_version; WAL. */

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kd_store kd_store;

/* Open (creating it and its directory) the database at path; NULL path opens a private
 * in-memory database. A file that is corrupt, locked for too long, not writable or
 * newer than this program is never modified: NULL with a message saying which. */
kd_store *kd_store_open(const char *path, kd_err *err);
void kd_store_free(kd_store *st);
bool kd_store_in_memory(const kd_store *st);
/* The schema version this program writes. */
int kd_store_schema_version(void);

/* Preferences: *value is NULL when the key is unset; caller frees. A NULL value unsets. */
int kd_store_get_pref(kd_store *st, const char *key, char **value, kd_err *err);
int kd_store_put_pref(kd_store *st, const char *key, const char *value, kd_err *err);

typedef struct {
    char *name;
    char *uri;
} kd_saved_conn;

/* Insert or replace by name. Deleting a name that is not saved is KD_ERR_NOTFOUND. */
int kd_store_put_conn(kd_store *st, const char *name, const char *uri, kd_err *err);
int kd_store_del_conn(kd_store *st, const char *name, kd_err *err);
/* Sorted by name. */
int kd_store_list_conns(kd_store *st, kd_saved_conn **out, size_t *n, kd_err *err);
void kd_saved_conns_free(kd_saved_conn *v, size_t n);

/* Tags belong to a domain on a host: (uri, uuid). Adding an existing tag and removing a
 * missing one are no-ops. */
int kd_store_put_tag(kd_store *st, const char *uri, const char *uuid, const char *tag, kd_err *err);
int kd_store_del_tag(kd_store *st, const char *uri, const char *uuid, const char *tag, kd_err *err);
/* Every tag of a host's domains in one query, by domain UUID then tag. */
typedef void (*kd_store_tag_fn)(const char *uuid, const char *tag, void *opaque);
int kd_store_each_tag(kd_store *st, const char *uri, kd_store_tag_fn fn, void *opaque, kd_err *err);
/* A domain's tags, sorted; a NULL-terminated vector (kd_strv_free). */
int kd_store_get_tags(kd_store *st, const char *uri, const char *uuid, char ***tags, kd_err *err);

typedef struct {
    long long time; /* seconds since the epoch */
    char *uri;
    char *domain;
    char *action;
    char *result; /* "ok" or the error message */
} kd_audit_row;

/* Stamped with the current time; uri and domain may be NULL for host-wide actions. */
int kd_store_add_audit(kd_store *st, const char *uri, const char *domain, const char *action,
                       const char *result, kd_err *err);
/* Newest first, at most limit rows. */
int kd_store_list_audit(kd_store *st, size_t limit, kd_audit_row **out, size_t *n, kd_err *err);
void kd_audit_rows_free(kd_audit_row *v, size_t n);

/* ---- Statistics history ------------------------------------------------------------------
 * Series of figures per (uri, uuid, series): the last hour at full resolution, older data as
 * one-minute means, kept a week. Times are whole seconds since the epoch; a series holds one
 * point per second, the last one written wins. */

/* One figure of one domain at one time. uuid "" is the host. series is the caller's number
 * for the figure, stored as is (0 or more). A value that is not finite (NAN: no rate this
 * tick) is a gap: it is stored as one and read back as NAN, never as a number. */
typedef struct {
    const char *uuid;
    int series;
    double value;
} kd_stat_point;

#define KD_STORE_STATS_BUCKET_S 60              /* width of a downsampled bucket */
#define KD_STORE_RAW_KEEP_S     3600            /* default: full resolution for an hour */
#define KD_STORE_BUCKET_KEEP_S  (7 * 24 * 3600) /* default: buckets for a week */

/* Record one tick's figures at time t, all or none (one transaction). Every point is checked
 * before anything is written. n == 0 writes nothing. */
int kd_store_put_stats(kd_store *st, const char *uri, int64_t t, const kd_stat_point *p, size_t n,
                       kd_err *err);
/* Points of one series since t0 (inclusive), oldest first: the one-minute buckets whose start is
 * at or after t0 (a bucket's time is its start, its value the mean of its non-gap points, NAN if
 * it held only gaps), then the points still kept at full resolution. Caller frees *t and *v
 * (NULL when *n is 0). A series never recorded is empty, not an error. */
int kd_store_get_stats(kd_store *st, const char *uri, const char *uuid, int series, int64_t t0,
                       int64_t **t, double **v, size_t *n, kd_err *err);
/* Every point of uri still at full resolution with a time at or after t0, oldest first, handed
 * to fn one tick (one second) at a time: (t, the points of that second, how many). The points'
 * strings are valid during the call only, and fn must not use the store. For filling a whole
 * in-memory history at start-up: one pass over the table, where asking series by series costs
 * a walk over the same times for each of them. */
typedef void (*kd_stat_tick_fn)(int64_t t, const kd_stat_point *p, size_t n, void *ctx);
int kd_store_each_stats(kd_store *st, const char *uri, int64_t t0, kd_stat_tick_fn fn, void *ctx,
                        kd_err *err);

/* Downsample and drop; call it every minute or so. Each whole minute whose points are all older
 * than raw_keep_s before now becomes one bucket per series, and its points are deleted in the
 * same transaction; buckets that start more than bucket_keep_s before now are dropped. Running
 * it again changes nothing; a point recorded late for a minute already averaged is merged into
 * that bucket. 0 picks the defaults above; raw_keep_s may not exceed bucket_keep_s. One call
 * does a bounded amount (a few minutes of points, a few hours of buckets) and returns 1 when
 * more is due, so that a backlog left while kvmdeck was closed is worked off over the next
 * calls without stalling one; 0 when all is done; -1 on error. */
int kd_store_prune_stats(kd_store *st, int64_t now, int64_t raw_keep_s, int64_t bucket_keep_s,
                         kd_err *err);

/* ---- For tests only ----------------------------------------------------------------------
 * A schema step: runs inside the migration's transaction and may use the functions above;
 * -1 with err filled rolls the whole step back. kd_store_open_with_migrations runs the
 * program's own steps and then `extra`, as if this program knew n more versions, so a test
 * can prove that a failing step leaves the file as it was. Not for use outside tests. */
typedef int (*kd_store_migration)(kd_store *st, kd_err *err);
kd_store *kd_store_open_with_migrations(const char *path, const kd_store_migration *extra, size_t n,
                                        kd_err *err);

#endif
