#ifndef KD_BACKEND_DOMAIN_H
#define KD_BACKEND_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

/* A domain as the rest of kvmdeck sees it: plain data, no libvirt handle. */

typedef enum {
    KD_DOM_NOSTATE,
    KD_DOM_RUNNING,
    KD_DOM_BLOCKED,
    KD_DOM_PAUSED,
    KD_DOM_SHUTDOWN, /* being shut down */
    KD_DOM_SHUTOFF,
    KD_DOM_CRASHED,
    KD_DOM_PMSUSPENDED,
    KD_DOM_LAST
} kd_dom_state;

typedef struct {
    char uuid[37];
    char *name;
    int id; /* -1 when not running */
    kd_dom_state state;
    int reason;
    unsigned vcpus;
    unsigned long long mem_kib;
    unsigned long long maxmem_kib;
    bool autostart;
    bool persistent;
    bool managed_save;
} kd_domain;

/* virsh's words: "running", "paused", "shut off", ... */
const char *kd_dom_state_name(kd_dom_state state);

/* An ordered table of domains keyed by UUID. */
typedef struct {
    kd_domain *v;
    size_t n;
    size_t cap;
    /* Indexes sorted by UUID and by name, rebuilt on the first lookup after a change: a
     * tick looks up every domain, and a full re-list puts every domain. */
    size_t *by_uuid;
    size_t *by_name;
    bool stale;
} kd_domtab;

void kd_domtab_init(kd_domtab *t);
void kd_domtab_clear(kd_domtab *t);
kd_domain *kd_domtab_find(kd_domtab *t, const char *uuid);
kd_domain *kd_domtab_find_name(kd_domtab *t, const char *name);
/* Insert or replace by UUID; takes ownership of d->name. */
void kd_domtab_put(kd_domtab *t, kd_domain *d);
/* Add a record known not to be there yet; takes ownership of d->name. */
void kd_domtab_append(kd_domtab *t, kd_domain *d);
/* Returns true when a record was removed. */
bool kd_domtab_remove(kd_domtab *t, const char *uuid);

#endif
