#include "backend/domain.h"
#include "core/str.h"

#include <stdlib.h>
#include <string.h>

static const char *const state_names[KD_DOM_LAST] = {
    [KD_DOM_NOSTATE] = "no state",     [KD_DOM_RUNNING] = "running",
    [KD_DOM_BLOCKED] = "idle",         [KD_DOM_PAUSED] = "paused",
    [KD_DOM_SHUTDOWN] = "in shutdown", [KD_DOM_SHUTOFF] = "shut off",
    [KD_DOM_CRASHED] = "crashed",      [KD_DOM_PMSUSPENDED] = "pmsuspended",
};

const char *kd_dom_state_name(kd_dom_state state)
{
    if (state < 0 || state >= KD_DOM_LAST)
        return "unknown";
    return state_names[state];
}

void kd_domtab_init(kd_domtab *t)
{
    t->v = NULL;
    t->n = 0;
    t->cap = 0;
    t->by_uuid = NULL;
    t->by_name = NULL;
    t->stale = true;
}

void kd_domtab_clear(kd_domtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].name);
    free(t->v);
    free(t->by_uuid);
    free(t->by_name);
    kd_domtab_init(t);
}

static const kd_domtab *sorting; /* qsort has no context argument */

static int cmp_uuid(const void *a, const void *b)
{
    return strcmp(sorting->v[*(const size_t *)a].uuid, sorting->v[*(const size_t *)b].uuid);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(sorting->v[*(const size_t *)a].name, sorting->v[*(const size_t *)b].name);
}

static void reindex(kd_domtab *t)
{
    if (!t->stale)
        return;
    free(t->by_uuid);
    free(t->by_name);
    t->by_uuid = kd_calloc(t->n ? t->n : 1, sizeof(size_t));
    t->by_name = kd_calloc(t->n ? t->n : 1, sizeof(size_t));
    for (size_t i = 0; i < t->n; i++)
        t->by_uuid[i] = t->by_name[i] = i;
    sorting = t;
    qsort(t->by_uuid, t->n, sizeof(size_t), cmp_uuid);
    qsort(t->by_name, t->n, sizeof(size_t), cmp_name);
    sorting = NULL;
    t->stale = false;
}

static kd_domain *search(kd_domtab *t, const size_t *index, const char *key, bool by_name)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        kd_domain *d = &t->v[index[mid]];
        int r = strcmp(key, by_name ? d->name : d->uuid);
        if (r == 0)
            return d;
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

kd_domain *kd_domtab_find(kd_domtab *t, const char *uuid)
{
    reindex(t);
    return search(t, t->by_uuid, uuid, false);
}

kd_domain *kd_domtab_find_name(kd_domtab *t, const char *name)
{
    reindex(t);
    return search(t, t->by_name, name, true);
}

void kd_domtab_append(kd_domtab *t, kd_domain *d)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->v = kd_realloc(t->v, t->cap * sizeof(*t->v));
    }
    t->v[t->n++] = *d;
    t->stale = true;
}

void kd_domtab_put(kd_domtab *t, kd_domain *d)
{
    kd_domain *old = kd_domtab_find(t, d->uuid);
    if (old) {
        bool renamed = strcmp(old->name, d->name) != 0;
        free(old->name);
        *old = *d;
        t->stale = t->stale || renamed;
        return;
    }
    kd_domtab_append(t, d);
}

bool kd_domtab_remove(kd_domtab *t, const char *uuid)
{
    kd_domain *d = kd_domtab_find(t, uuid);
    if (!d)
        return false;
    free(d->name);
    size_t i = (size_t)(d - t->v);
    memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(*t->v));
    t->n--;
    t->stale = true;
    return true;
}
