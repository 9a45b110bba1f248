#include "core/str.h"
#include "store/preset.h"
#include "store/store_priv.h"

#include <stdlib.h>
#include <string.h>

#define PREFIX     "preset."
#define NAME_MAX_B 64

static int check_name(const char *what, const char *name, kd_err *err)
{
    if (kd_store_require(what, "preset name", name, err) < 0)
        return -1;
    if (strlen(name) > NAME_MAX_B) {
        kd_err_set(err, KD_ERR_INVALID, "%s: a preset name has at most %d bytes", what, NAME_MAX_B);
        return -1;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            kd_err_set(err, KD_ERR_INVALID, "%s: a preset name cannot hold control characters",
                       what);
            return -1;
        }
    }
    return 0;
}

int kd_store_preset_put(kd_store *st, const char *name, const char *text, kd_err *err)
{
    static const char what[] = "saving a preset";
    if (check_name(what, name, err) < 0)
        return -1;
    char *key = kd_asprintf(PREFIX "%s", name);
    int rc = kd_store_put_pref(st, key, text ? text : "", err);
    free(key);
    if (rc < 0)
        kd_err_prefix(err, "%s", what);
    return rc;
}

int kd_store_preset_get(kd_store *st, const char *name, char **text, kd_err *err)
{
    static const char what[] = "loading a preset";
    *text = NULL;
    if (check_name(what, name, err) < 0)
        return -1;
    char *key = kd_asprintf(PREFIX "%s", name);
    int rc = kd_store_get_pref(st, key, text, err);
    free(key);
    if (rc == 0 && !*text) {
        kd_err_set(err, KD_ERR_NOTFOUND, "%s: no preset named '%s'", what, name);
        return -1;
    }
    return rc;
}

int kd_store_preset_del(kd_store *st, const char *name, kd_err *err)
{
    static const char what[] = "deleting a preset";
    if (check_name(what, name, err) < 0)
        return -1;
    char *key = kd_asprintf(PREFIX "%s", name);
    const char *args[] = {key};
    sqlite3_stmt *stmt =
        kd_store_prepare(st, what, "DELETE FROM prefs WHERE key = ?", args, 1, err);
    int rc = stmt ? sqlite3_step(stmt) : SQLITE_ERROR;
    if (stmt && rc != SQLITE_DONE)
        kd_store_db_fail(st, err, what, rc);
    sqlite3_finalize(stmt);
    free(key);
    if (rc != SQLITE_DONE)
        return -1;
    if (sqlite3_changes(st->db) == 0) {
        kd_err_set(err, KD_ERR_NOTFOUND, "%s: no preset named '%s'", what, name);
        return -1;
    }
    return 0;
}

int kd_store_preset_list(kd_store *st, char ***names, kd_err *err)
{
    static const char what[] = "listing presets";
    /* A range rather than LIKE: '_' and '%' in names are not wildcards here. '.' + 1 is '/'. */
    const char *args[] = {PREFIX, "preset/"};
    sqlite3_stmt *stmt = kd_store_prepare(
        st, what, "SELECT key FROM prefs WHERE key >= ? AND key < ? ORDER BY key", args, 2, err);
    *names = NULL;
    if (!stmt)
        return -1;
    size_t n = 0;
    char **v = kd_calloc(1, sizeof(*v));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(stmt, 0);
        if (!key)
            continue;
        v = kd_realloc(v, (n + 2) * sizeof(*v));
        v[n++] = kd_strdup(key + strlen(PREFIX));
        v[n] = NULL;
    }
    if (rc != SQLITE_DONE) {
        kd_store_db_fail(st, err, what, rc);
        sqlite3_finalize(stmt);
        kd_strv_free(v);
        return -1;
    }
    sqlite3_finalize(stmt);
    *names = v;
    return 0;
}
