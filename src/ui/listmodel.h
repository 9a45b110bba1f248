#ifndef KD_UI_LISTMODEL_H
#define KD_UI_LISTMODEL_H

/* Which domains the list shows, and in what order: filtering and sorting apart from
 * drawing, so they can be tested on plain records. */

#include "backend/domain.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    KD_SORT_NAME,
    KD_SORT_ID,
    KD_SORT_STATE,
    KD_SORT_VCPUS,
    KD_SORT_MEMORY,
    KD_SORT_AUTOSTART,
    KD_SORT_TAGS,
    KD_SORT_LAST
} kd_sort_key;

const char *kd_sort_key_name(kd_sort_key key);
int kd_sort_key_parse(const char *name, kd_sort_key *out);

/* The tags of a domain as one string ("db,prod"), or NULL. */
typedef const char *(*kd_tags_fn)(const char *uuid, void *opaque);

typedef struct {
    kd_sort_key key;
    bool reverse;
    const char *filter; /* NULL or "" shows everything */
    kd_tags_fn tags;
    void *tags_opaque;
} kd_list_query;

/* Whether a domain passes the filter: every word must match. A word matches a
 * case-insensitive part of the name, the state's name, or a tag; "tag:X" matches only a
 * tag X, "state:X" only the state. */
bool kd_listmodel_match(const kd_domain *d, const char *tags, const char *filter);
/* Fill order (room for n) with the indexes into doms that pass, sorted; returns how many. */
size_t kd_listmodel_build(const kd_domain *doms, size_t n, const kd_list_query *q, size_t *order);

#endif
