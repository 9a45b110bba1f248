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
}

void kd_domtab_clear(kd_domtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].name);
    free(t->v);
    kd_domtab_init(t);
}

kd_domain *kd_domtab_find(kd_domtab *t, const char *uuid)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].uuid, uuid) == 0)
            return &t->v[i];
    return NULL;
}

void kd_domtab_put(kd_domtab *t, kd_domain *d)
{
    kd_domain *old = kd_domtab_find(t, d->uuid);
    if (old) {
        free(old->name);
        *old = *d;
        return;
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->v = kd_realloc(t->v, t->cap * sizeof(*t->v));
    }
    t->v[t->n++] = *d;
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
    return true;
}
