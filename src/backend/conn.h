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
    KD_CONN_EV_DISCONNECTED, /* the connection died; retries are scheduled */
    KD_CONN_EV_RECONNECTED,  /* open again; a KD_CONN_EV_LIST follows at once */
    KD_CONN_EV_REBOOT,       /* the guest rebooted (after its KD_CONN_EV_DOMAIN) */
    KD_CONN_EV_JOB_DONE,     /* a domain job ended (after its KD_CONN_EV_DOMAIN) */
    KD_CONN_EV_LAST
} kd_conn_event;

/* uuid is set for KD_CONN_EV_DOMAIN, _REBOOT and _JOB_DONE, NULL otherwise. The listener
 * may call kd_conn_free. */
typedef void (*kd_conn_listener)(kd_conn *conn, kd_conn_event ev, const char *uuid, void *opaque);

/* Asked for each credential libvirt needs while opening (or reopening) a connection:
 * fill buf (NUL-terminated, at most buflen bytes) and return 0, or return -1 when the
 * user cancels. echo is false for secrets. kvmdeck keeps no copy of the answer. */
typedef int (*kd_conn_auth_fn)(const char *prompt, bool echo, char *buf, size_t buflen,
                               void *opaque);
/* Process-wide; NULL (the default) refuses every credential request. */
void kd_conn_set_auth(kd_conn_auth_fn fn, void *opaque);

/* uri NULL lets libvirt choose its default. Needs kd_loop_init() first.
 *
 * When the connection dies the object stays: kd_conn_alive turns false, the domain table
 * keeps the last known records, KD_CONN_EV_DISCONNECTED is sent, and the same URI is
 * reopened from a loop timer with growing delays (250 ms doubling up to 4 s). On success
 * the table is re-listed and KD_CONN_EV_RECONNECTED then KD_CONN_EV_LIST are sent; the
 * strings in kd_conn_host are replaced then. */
kd_conn *kd_conn_open(const char *uri, bool readonly, kd_err *err);
void kd_conn_free(kd_conn *conn);

/* ms until the next reconnection attempt; -1 when connected, or when no attempt is
 * scheduled because the user cancelled a credential prompt (see kd_conn_reconnect). */
int kd_conn_retry_in_ms(const kd_conn *conn);
/* Failed attempts since the connection died; 0 when connected. */
unsigned kd_conn_attempts(const kd_conn *conn);
/* Why the last reconnection attempt failed (code KD_ERR_NONE when none has). */
const kd_err *kd_conn_last_error(const kd_conn *conn);
/* Try to reopen now, whatever the schedule (the UI's "retry" key); 0 at once when already
 * connected. On failure err says why, and the retries go on from 250 ms again unless the
 * user cancelled a credential prompt. */
int kd_conn_reconnect(kd_conn *conn, kd_err *err);

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
/* Re-read one domain, for changes libvirt sends no event for (autostart). A domain that
 * no longer exists leaves the table. Sends KD_CONN_EV_DOMAIN. -1 with KD_ERR_NOTFOUND
 * when the UUID is neither listed nor known to libvirt, KD_ERR_CONNECT when disconnected. */
int kd_conn_refresh_domain(kd_conn *conn, const char *uuid, kd_err *err);

#endif
