#include "ui/listmodel.h"
#include "core/str.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const key_names[KD_SORT_LAST] = {
    [KD_SORT_NAME] = "name",   [KD_SORT_ID] = "id",         [KD_SORT_STATE] = "state",
    [KD_SORT_VCPUS] = "vcpus", [KD_SORT_MEMORY] = "memory", [KD_SORT_AUTOSTART] = "autostart",
    [KD_SORT_TAGS] = "tags",
};

const char *kd_sort_key_name(kd_sort_key key)
{
    return key >= 0 && key < KD_SORT_LAST ? key_names[key] : "?";
}

int kd_sort_key_parse(const char *name, kd_sort_key *out)
{
    for (int i = 0; i < KD_SORT_LAST; i++) {
        if (strcasecmp(name, key_names[i]) == 0) {
            *out = (kd_sort_key)i;
            return 0;
        }
    }
    return -1;
}

static bool has_tag(const char *tags, const char *tag, size_t len)
{
    for (const char *p = tags; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == len && strncasecmp(p, tag, len) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

static bool word_matches(const kd_domain *d, const char *tags, const char *w)
{
    if (strncasecmp(w, "tag:", 4) == 0)
        return has_tag(tags, w + 4, strlen(w + 4));
    if (strncasecmp(w, "state:", 6) == 0)
        return strcasestr(kd_dom_state_name(d->state), w + 6) != NULL;
    return strcasestr(d->name, w) || strcasestr(kd_dom_state_name(d->state), w) ||
           (tags && strcasestr(tags, w));
}

bool kd_listmodel_match(const kd_domain *d, const char *tags, const char *filter)
{
    if (kd_str_empty(filter))
        return true;
    char **words;
    const char *bad;
    int n = kd_str_split_words(filter, &words, &bad);
    if (n < 0) {
        /* An open quote while typing: close it and match on what is there. */
        char *closed = kd_asprintf("%s%c", filter, strstr(bad, "double") ? '"' : '\'');
        n = kd_str_split_words(closed, &words, &bad);
        free(closed);
        if (n < 0)
            return false;
    }
    bool ok = true;
    for (int i = 0; ok && i < n; i++)
        ok = word_matches(d, tags, words[i]);
    kd_strv_free(words);
    return ok;
}

typedef struct {
    const kd_domain *doms;
    const kd_list_query *q;
} sort_ctx;

static int cmp_u64(unsigned long long a, unsigned long long b)
{
    return a < b ? -1 : a > b;
}

static int compare(const kd_domain *a, const kd_domain *b, const sort_ctx *c)
{
    const char *ta, *tb;
    switch (c->q->key) {
    case KD_SORT_ID:
        /* Inactive domains (id -1) after the running ones. */
        return cmp_u64((unsigned)a->id, (unsigned)b->id);
    case KD_SORT_STATE:
        return strcmp(kd_dom_state_name(a->state), kd_dom_state_name(b->state));
    case KD_SORT_VCPUS:
        return cmp_u64(a->vcpus, b->vcpus);
    case KD_SORT_MEMORY:
        return cmp_u64(a->mem_kib, b->mem_kib);
    case KD_SORT_AUTOSTART:
        return (int)b->autostart - (int)a->autostart;
    case KD_SORT_TAGS:
        ta = c->q->tags ? c->q->tags(a->uuid, c->q->tags_opaque) : NULL;
        tb = c->q->tags ? c->q->tags(b->uuid, c->q->tags_opaque) : NULL;
        /* Untagged domains last. */
        if (!ta || !tb)
            return (ta == NULL) - (tb == NULL);
        return strcmp(ta, tb);
    case KD_SORT_NAME:
    default:
        return strcmp(a->name, b->name);
    }
}

static sort_ctx *the_ctx; /* qsort has no context argument in C11 */

static int cmp_index(const void *pa, const void *pb)
{
    const kd_domain *a = &the_ctx->doms[*(const size_t *)pa];
    const kd_domain *b = &the_ctx->doms[*(const size_t *)pb];
    int r = compare(a, b, the_ctx);
    if (the_ctx->q->reverse)
        r = -r;
    /* Ties go by name then UUID, always ascending, so the order is stable. */
    if (r == 0)
        r = strcmp(a->name, b->name);
    if (r == 0)
        r = strcmp(a->uuid, b->uuid);
    return r;
}

size_t kd_listmodel_build(const kd_domain *doms, size_t n, const kd_list_query *q, size_t *order)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *tags = q->tags ? q->tags(doms[i].uuid, q->tags_opaque) : NULL;
        if (kd_listmodel_match(&doms[i], tags, q->filter))
            order[m++] = i;
    }
    sort_ctx c = {doms, q};
    the_ctx = &c;
    qsort(order, m, sizeof(*order), cmp_index);
    the_ctx = NULL;
    return m;
}
