#ifndef KD_STORE_PRESET_H
#define KD_STORE_PRESET_H

/* Named presets of the new-domain wizard: the answers as text (the wizard's own format),
 * kept among the preferences under "preset.NAME". */

#include "core/err.h"
#include "store/store.h"

/* Insert or replace. A name is not empty, at most 64 bytes, without control characters. */
int kd_store_preset_put(kd_store *st, const char *name, const char *text, kd_err *err);
/* *text (caller frees) or KD_ERR_NOTFOUND. */
int kd_store_preset_get(kd_store *st, const char *name, char **text, kd_err *err);
/* KD_ERR_NOTFOUND when there is no such preset. */
int kd_store_preset_del(kd_store *st, const char *name, kd_err *err);
/* The names, sorted, as a NULL-terminated vector (kd_strv_free); empty when none. */
int kd_store_preset_list(kd_store *st, char ***names, kd_err *err);

#endif
