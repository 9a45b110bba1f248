#ifndef KD_BACKEND_CONN_H
#define KD_BACKEND_CONN_H

#include "backend/domain.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct kd_conn kd_conn;

typedef struct {
    char *uri; /* the URI libvirt actually opened */
    char *hostname;
    char *hv_type; /* "QEMU", "TEST", ... */
    char hv_version[32];
    char lib_version[32];
    unsigned cpus;
    unsigned long long mem_kib;
} kd_host_info;

typedef enum {
    KD_CONN_EV_DOMAIN,       /* one domain changed, was added or removed */
    KD_CONN_EV_LIST,         /* the whole table was rebuilt */
    KD_CONN_EV_DISCONNECTED, /* the connection died */
} kd_conn_event;

/* uuid is set for KD_CONN_EV_DOMAIN, NULL otherwise. */
typedef void (*kd_conn_listener)(kd_conn *conn, kd_conn_event ev, const char *uuid, void *opaque);

/* uri NULL lets libvirt choose its default. Needs kd_loop_init() first. */
kd_conn *kd_conn_open(const char *uri, bool readonly, kd_err *err);
void kd_conn_free(kd_conn *conn);

bool kd_conn_readonly(const kd_conn *conn);
bool kd_conn_alive(const kd_conn *conn);
const kd_host_info *kd_conn_host(const kd_conn *conn);
void kd_conn_set_listener(kd_conn *conn, kd_conn_listener fn, void *opaque);

/* The domain table, kept current by libvirt's events. Pointers stay valid until the
 * next event is dispatched. */
size_t kd_conn_domain_count(const kd_conn *conn);
const kd_domain *kd_conn_domain_at(const kd_conn *conn, size_t i);
const kd_domain *kd_conn_domain_by_uuid(const kd_conn *conn, const char *uuid);
const kd_domain *kd_conn_domain_by_name(const kd_conn *conn, const char *name);
/* counts[state] for every state. */
void kd_conn_count_states(const kd_conn *conn, unsigned counts[KD_DOM_LAST]);

/* Re-read the whole table (used on connect, and by tests). */
int kd_conn_refresh(kd_conn *conn, kd_err *err);

#endif
