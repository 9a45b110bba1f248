#include "backend/conn.h"
#include "backend/conn_priv.h"
#include "backend/loop.h"
#include "backend/virt.h"
#include "core/str.h"
#include "core/time.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A libvirtd restarted within a few seconds is back within about 5 s; a host that stays
 * away costs one cheap failed connect every 4 s. */
#define RETRY_FIRST_MS 250
#define RETRY_MAX_MS   4000
#define CRED_MAX       1024

#define EV_COUNT 8

struct kd_conn {
    virConnectPtr vc;
    char *uri; /* as the caller asked: reopened as is */
    bool readonly;
    bool alive;
    /* Set by the close callback, which may run on whichever thread noticed the death. */
    atomic_bool closed;
    bool close_cb;
    kd_host_info host;
    kd_domtab doms;
    int ev_ids[EV_COUNT];
    int timer;
    int delay_ms;         /* the current backoff step, 0 before the first */
    long long next_at_ms; /* monotonic time of the next attempt, -1 when none */
    unsigned attempts;
    kd_err last_err;
    int busy;    /* depth of listener calls under way */
    bool doomed; /* kd_conn_free was called from a listener */
    kd_conn_listener listener;
    void *listener_opaque;
};

static kd_conn_auth_fn auth_fn;
static void *auth_opaque;

static void destroy(kd_conn *c);

/* ---- listener ----------------------------------------------------------------------- */

/* False when the listener freed the connection: the caller must not touch it again. */
static bool notify(kd_conn *c, kd_conn_event ev, const char *uuid)
{
    if (!c->listener)
        return true;
    c->busy++;
    c->listener(c, ev, uuid, c->listener_opaque);
    c->busy--;
    if (!c->doomed)
        return true;
    if (c->busy == 0)
        destroy(c);
    return false;
}

/* ---- credentials -------------------------------------------------------------------- */

void kd_conn_set_auth(kd_conn_auth_fn fn, void *opaque)
{
    auth_fn = fn;
    auth_opaque = opaque;
}

static int cred_types[] = {VIR_CRED_AUTHNAME, VIR_CRED_USERNAME, VIR_CRED_PASSPHRASE,
                           VIR_CRED_ECHOPROMPT, VIR_CRED_NOECHOPROMPT};

/* libvirt's prompts read "Enter username for HOST"; a SASL challenge is the question
 * itself and goes along. A default (an echoed answer left empty takes it) is shown. */
static char *prompt_of(const virConnectCredential *cred, bool echo)
{
    bool challenge = (cred->type == VIR_CRED_ECHOPROMPT || cred->type == VIR_CRED_NOECHOPROMPT) &&
                     cred->challenge && *cred->challenge;
    bool def = echo && cred->defresult && *cred->defresult;
    return kd_asprintf("%s%s%s%s%s%s", cred->prompt ? cred->prompt : "Answer",
                       challenge ? ": " : "", challenge ? cred->challenge : "", def ? " [" : "",
                       def ? cred->defresult : "", def ? "]" : "");
}

static int ask_one(virConnectCredentialPtr cred, bool *cancelled)
{
    bool echo = cred->type != VIR_CRED_PASSPHRASE && cred->type != VIR_CRED_NOECHOPROMPT;
    char *prompt = prompt_of(cred, echo);
    char buf[CRED_MAX] = "";
    int rc = auth_fn(prompt, echo, buf, sizeof(buf), auth_opaque);
    free(prompt);
    if (rc == 0) {
        buf[sizeof(buf) - 1] = '\0';
        bool def = echo && buf[0] == '\0' && cred->defresult;
        cred->result = kd_strdup(def ? cred->defresult : buf);
        cred->resultlen = (unsigned)strlen(cred->result);
    } else {
        *cancelled = true;
    }
    explicit_bzero(buf, sizeof(buf));
    return rc == 0 ? 0 : -1;
}

/* Without an auth function every request fails, and libvirt reports the refusal. */
static int on_auth(virConnectCredentialPtr cred, unsigned int ncred, void *cbdata)
{
    for (unsigned i = 0; i < ncred; i++) {
        if (!auth_fn || ask_one(&cred[i], cbdata) < 0)
            return -1;
    }
    return 0;
}

/* ---- the domain table --------------------------------------------------------------- */

static void format_version(char *buf, size_t n, unsigned long v)
{
    snprintf(buf, n, "%lu.%lu.%lu", v / 1000000, (v / 1000) % 1000, v % 1000);
}

/* Read one domain into a plain record. */
static int read_domain(virDomainPtr dom, kd_domain *d)
{
    virDomainInfo info;
    int state = 0, reason = 0, autostart = 0;

    memset(d, 0, sizeof(*d));
    if (virDomainGetUUIDString(dom, d->uuid) < 0 || virDomainGetInfo(dom, &info) < 0)
        return -1;
    if (virDomainGetState(dom, &state, &reason, 0) < 0)
        state = info.state;
    d->name = kd_strdup(virDomainGetName(dom));
    d->state = state >= 0 && state < KD_DOM_LAST ? (kd_dom_state)state : KD_DOM_NOSTATE;
    /* virDomainGetID answers from the handle, not the daemon: a stopped event's handle
     * still carries the ID the domain had while it ran. */
    d->id = d->state == KD_DOM_SHUTOFF ? -1 : (int)virDomainGetID(dom);
    d->reason = reason;
    d->vcpus = info.nrVirtCpu;
    d->mem_kib = info.memory;
    d->maxmem_kib = info.maxMem;
    if (virDomainGetAutostart(dom, &autostart) == 0)
        d->autostart = autostart != 0;
    d->persistent = virDomainIsPersistent(dom) == 1;
    d->managed_save = virDomainHasManagedSaveImage(dom, 0) == 1;
    return 0;
}

static int refresh_one(kd_domtab *t, virDomainPtr dom)
{
    kd_domain d;
    if (read_domain(dom, &d) < 0)
        return -1;
    kd_domtab_put(t, &d);
    return 0;
}

/* Bring one record up to date and tell the listener; extra is a second event to send
 * after KD_CONN_EV_DOMAIN, or KD_CONN_EV_LAST for none. */
static void apply(kd_conn *c, virDomainPtr dom, bool gone, kd_conn_event extra)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(dom, uuid) < 0)
        return;
    /* A domain that cannot be read any more has gone away since the event was queued. */
    if (gone || refresh_one(&c->doms, dom) < 0)
        kd_domtab_remove(&c->doms, uuid);
    virResetLastError();
    if (notify(c, KD_CONN_EV_DOMAIN, uuid) && extra != KD_CONN_EV_LAST)
        notify(c, extra, uuid);
}

static int on_lifecycle(virConnectPtr vc, virDomainPtr dom, int event, int detail, void *opaque)
{
    (void)vc, (void)detail;
    /* Undefining a running domain leaves it running as a transient one; a transient
     * domain that stops is gone, and libvirt no longer answers for it. */
    bool gone;
    if (event == VIR_DOMAIN_EVENT_UNDEFINED)
        gone = virDomainIsActive(dom) != 1;
    else if (event == VIR_DOMAIN_EVENT_STOPPED)
        gone = virDomainIsPersistent(dom) != 1;
    else
        gone = false;
    apply(opaque, dom, gone, KD_CONN_EV_LAST);
    return 0;
}

/* One function per callback signature: libvirt calls each through its own type. */
static void on_reboot(virConnectPtr vc, virDomainPtr dom, void *opaque)
{
    (void)vc;
    apply(opaque, dom, false, KD_CONN_EV_REBOOT);
}

static void on_device(virConnectPtr vc, virDomainPtr dom, const char *alias, void *opaque)
{
    (void)vc, (void)alias;
    apply(opaque, dom, false, KD_CONN_EV_LAST);
}

static void on_metadata(virConnectPtr vc, virDomainPtr dom, int type, const char *ns, void *opaque)
{
    (void)vc, (void)type, (void)ns;
    apply(opaque, dom, false, KD_CONN_EV_LAST);
}

static void on_job(virConnectPtr vc, virDomainPtr dom, virTypedParameterPtr p, int np, void *opaque)
{
    (void)vc, (void)p, (void)np;
    apply(opaque, dom, false, KD_CONN_EV_JOB_DONE);
}

static void on_tunable(virConnectPtr vc, virDomainPtr dom, virTypedParameterPtr p, int np,
                       void *opaque)
{
    (void)vc, (void)p, (void)np;
    apply(opaque, dom, false, KD_CONN_EV_LAST);
}

static void on_balloon(virConnectPtr vc, virDomainPtr dom, unsigned long long kib, void *opaque)
{
    (void)vc, (void)kib;
    apply(opaque, dom, false, KD_CONN_EV_LAST);
}

/* Older daemons lack some of these; only lifecycle events are needed to keep the table. */
static const struct {
    int id;
    virConnectDomainEventGenericCallback cb;
    bool required;
} events[EV_COUNT] = {
    {VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), true},
    {VIR_DOMAIN_EVENT_ID_REBOOT, VIR_DOMAIN_EVENT_CALLBACK(on_reboot), false},
    {VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, VIR_DOMAIN_EVENT_CALLBACK(on_device), false},
    {VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, VIR_DOMAIN_EVENT_CALLBACK(on_device), false},
    {VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, VIR_DOMAIN_EVENT_CALLBACK(on_metadata), false},
    {VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, VIR_DOMAIN_EVENT_CALLBACK(on_job), false},
    {VIR_DOMAIN_EVENT_ID_TUNABLE, VIR_DOMAIN_EVENT_CALLBACK(on_tunable), false},
    {VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE, VIR_DOMAIN_EVENT_CALLBACK(on_balloon), false},
};
_Static_assert(sizeof(events) / sizeof(events[0]) == EV_COUNT, "one id slot per event");

/* ---- the libvirt connection --------------------------------------------------------- */

/* libvirt calls this with the connection's close lock held, possibly on a worker thread:
 * only flag the death and wake the loop, whose timer does the rest. */
static void on_close(virConnectPtr vc, int reason, void *opaque)
{
    kd_conn *c = opaque;
    (void)vc, (void)reason;
    atomic_store(&c->closed, true);
    kd_loop_update_timer(c->timer, 0);
}

static void free_host(kd_host_info *h)
{
    free(h->uri);
    free(h->hostname);
    free(h->hv_type);
    memset(h, 0, sizeof(*h));
}

static void read_host(kd_conn *c)
{
    unsigned long v = 0;
    virNodeInfo ni;
    char *s;

    free_host(&c->host);
    s = virConnectGetURI(c->vc);
    c->host.uri = kd_strdup(s ? s : c->uri ? c->uri : "");
    free(s);
    s = virConnectGetHostname(c->vc);
    c->host.hostname = kd_strdup(s ? s : "?");
    free(s);
    const char *t = virConnectGetType(c->vc);
    c->host.hv_type = kd_strdup(t ? t : "?");
    if (virConnectGetVersion(c->vc, &v) == 0)
        format_version(c->host.hv_version, sizeof(c->host.hv_version), v);
    else
        snprintf(c->host.hv_version, sizeof(c->host.hv_version), "?");
    if (virConnectGetLibVersion(c->vc, &v) == 0)
        format_version(c->host.lib_version, sizeof(c->host.lib_version), v);
    else
        snprintf(c->host.lib_version, sizeof(c->host.lib_version), "?");
    if (virNodeGetInfo(c->vc, &ni) == 0) {
        c->host.cpus = ni.cpus;
        c->host.mem_kib = ni.memory;
    }
    virResetLastError();
}

/* Let go of the libvirt connection, dead or alive; the table stays. */
static void drop_virt(kd_conn *c)
{
    if (!c->vc)
        return;
    for (int i = 0; i < EV_COUNT; i++) {
        if (c->ev_ids[i] >= 0)
            virConnectDomainEventDeregisterAny(c->vc, c->ev_ids[i]);
        c->ev_ids[i] = -1;
    }
    if (c->close_cb)
        virConnectUnregisterCloseCallback(c->vc, on_close);
    c->close_cb = false;
    virConnectClose(c->vc);
    c->vc = NULL;
    c->alive = false;
    atomic_store(&c->closed, false);
    virResetLastError();
}

static int subscribe(kd_conn *c, kd_err *err)
{
    for (int i = 0; i < EV_COUNT; i++) {
        c->ev_ids[i] =
            virConnectDomainEventRegisterAny(c->vc, NULL, events[i].id, events[i].cb, c, NULL);
        if (c->ev_ids[i] < 0 && events[i].required) {
            kd_virt_err(err, KD_ERR_CONNECT, "subscribing to domain events");
            return -1;
        }
    }
    /* Drivers that cannot report a death (ESX, say) are still usable. */
    c->close_cb = virConnectRegisterCloseCallback(c->vc, on_close, c, NULL) == 0;
    /* Local drivers do not speak keepalive; that is not an error. */
    virConnectSetKeepAlive(c->vc, 5, 3);
    virResetLastError();
    return 0;
}

/* Build the table aside, so that a failure leaves the old one. */
static int relist(kd_conn *c, kd_err *err)
{
    virDomainPtr *list = NULL;
    int n = virConnectListAllDomains(c->vc, &list, 0);
    if (n < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "listing domains");
        return -1;
    }
    kd_domtab fresh;
    kd_domtab_init(&fresh);
    for (int i = 0; i < n; i++) {
        kd_domain d;
        /* libvirt lists each domain once: append, no lookup per domain. */
        if (read_domain(list[i], &d) == 0)
            kd_domtab_append(&fresh, &d);
        virDomainFree(list[i]);
    }
    free(list);
    virResetLastError();
    kd_domtab_clear(&c->doms);
    c->doms = fresh;
    return 0;
}

/* Open c->uri, subscribe and list; on failure nothing is left open. */
static int open_virt(kd_conn *c, kd_err *err, bool *cancelled)
{
    virConnectAuth auth = {cred_types, sizeof(cred_types) / sizeof(cred_types[0]), on_auth,
                           cancelled};
    *cancelled = false;
    c->vc = virConnectOpenAuth(c->uri, &auth, c->readonly ? VIR_CONNECT_RO : 0);
    if (!c->vc) {
        const char *what = c->uri ? c->uri : "the default hypervisor";
        if (*cancelled)
            kd_err_set(err, KD_ERR_CONNECT, "cannot connect to %s: authentication cancelled", what);
        else
            kd_virt_err(err, KD_ERR_CONNECT, "cannot connect to %s", what);
        return -1;
    }
    if (subscribe(c, err) < 0 || relist(c, err) < 0) {
        drop_virt(c);
        return -1;
    }
    read_host(c);
    c->alive = true;
    return 0;
}

/* ---- reconnection ------------------------------------------------------------------- */

static void retry_after(kd_conn *c, int ms)
{
    c->delay_ms = ms;
    c->next_at_ms = kd_now_ms() + ms;
    kd_loop_update_timer(c->timer, ms);
}

static int attempt(kd_conn *c, kd_err *err)
{
    bool cancelled;
    kd_err why;
    kd_err_clear(&why);
    /* Disarmed first: the new connection's close callback may re-arm it. */
    kd_loop_update_timer(c->timer, -1);
    c->next_at_ms = -1;
    if (open_virt(c, &why, &cancelled) == 0) {
        c->attempts = 0;
        c->delay_ms = 0;
        kd_err_clear(&c->last_err);
        if (notify(c, KD_CONN_EV_RECONNECTED, NULL))
            notify(c, KD_CONN_EV_LIST, NULL);
        return 0;
    }
    c->attempts++;
    c->last_err = why;
    if (err)
        *err = why;
    /* Asking again every few seconds after the user said no would be a nag: wait for
     * kd_conn_reconnect instead. */
    if (!cancelled) {
        int next = c->delay_ms ? c->delay_ms * 2 : RETRY_FIRST_MS;
        retry_after(c, next < RETRY_MAX_MS ? next : RETRY_MAX_MS);
    }
    return -1;
}

static void on_timer(int timer, void *opaque)
{
    kd_conn *c = opaque;
    if (atomic_load(&c->closed)) {
        drop_virt(c);
        c->attempts = 0;
        kd_err_clear(&c->last_err);
        retry_after(c, RETRY_FIRST_MS);
        notify(c, KD_CONN_EV_DISCONNECTED, NULL);
        return;
    }
    if (c->alive) {
        kd_loop_update_timer(timer, -1);
        return;
    }
    attempt(c, NULL);
}

int kd_conn_reconnect(kd_conn *c, kd_err *err)
{
    if (kd_conn_alive(c))
        return 0;
    drop_virt(c);
    c->delay_ms = 0;
    return attempt(c, err);
}

int kd_conn_retry_in_ms(const kd_conn *c)
{
    if (kd_conn_alive(c) || c->next_at_ms < 0)
        return -1;
    long long left = c->next_at_ms - kd_now_ms();
    return left > 0 ? (int)left : 0;
}

unsigned kd_conn_attempts(const kd_conn *c)
{
    return c->attempts;
}

const kd_err *kd_conn_last_error(const kd_conn *c)
{
    return &c->last_err;
}

/* ---- life --------------------------------------------------------------------------- */

kd_conn *kd_conn_open(const char *uri, bool readonly, kd_err *err)
{
    bool cancelled;
    kd_virt_init();
    kd_conn *c = kd_calloc(1, sizeof(*c));
    kd_domtab_init(&c->doms);
    c->uri = uri ? kd_strdup(uri) : NULL;
    c->readonly = readonly;
    c->next_at_ms = -1;
    for (int i = 0; i < EV_COUNT; i++)
        c->ev_ids[i] = -1;
    atomic_init(&c->closed, false);
    kd_err_clear(&c->last_err);
    c->timer = kd_loop_add_timer(-1, on_timer, c, err);
    if (c->timer < 0 || open_virt(c, err, &cancelled) < 0) {
        destroy(c);
        return NULL;
    }
    return c;
}

static void destroy(kd_conn *c)
{
    kd_loop_remove_timer(c->timer);
    drop_virt(c);
    kd_domtab_clear(&c->doms);
    free_host(&c->host);
    free(c->uri);
    free(c);
}

void kd_conn_free(kd_conn *c)
{
    if (!c)
        return;
    if (c->busy > 0) {
        /* Inside a listener: the dispatcher frees it once the listener returns. */
        c->doomed = true;
        c->listener = NULL;
        return;
    }
    destroy(c);
}

int kd_conn_refresh(kd_conn *c, kd_err *err)
{
    if (!kd_conn_alive(c)) {
        kd_err_set(err, KD_ERR_CONNECT, "not connected to %s", c->host.uri);
        return -1;
    }
    if (relist(c, err) < 0)
        return -1;
    notify(c, KD_CONN_EV_LIST, NULL);
    return 0;
}

int kd_conn_refresh_domain(kd_conn *c, const char *uuid, kd_err *err)
{
    virDomainPtr dom = kd_conn_lookup(c, uuid, err);
    if (!dom) {
        virErrorPtr e = kd_conn_alive(c) ? virGetLastError() : NULL;
        bool absent = e && e->code == VIR_ERR_NO_DOMAIN;
        if (!absent || !kd_domtab_remove(&c->doms, uuid))
            return -1;
        virResetLastError();
        kd_err_clear(err);
        notify(c, KD_CONN_EV_DOMAIN, uuid);
        return 0;
    }
    /* The name first: every libvirt call clears the last error. */
    char *name = kd_strdup(virDomainGetName(dom));
    int rc = refresh_one(&c->doms, dom);
    if (rc < 0)
        kd_virt_err(err, KD_ERR_LIBVIRT, "reading domain %s", name);
    free(name);
    virDomainFree(dom);
    if (rc == 0)
        notify(c, KD_CONN_EV_DOMAIN, uuid);
    return rc;
}

/* ---- accessors ---------------------------------------------------------------------- */

bool kd_conn_readonly(const kd_conn *c)
{
    return c->readonly;
}

bool kd_conn_alive(const kd_conn *c)
{
    return c->alive && !atomic_load(&c->closed);
}

const kd_host_info *kd_conn_host(const kd_conn *c)
{
    return &c->host;
}

void kd_conn_set_listener(kd_conn *c, kd_conn_listener fn, void *opaque)
{
    c->listener = fn;
    c->listener_opaque = opaque;
}

size_t kd_conn_domain_count(const kd_conn *c)
{
    return c->doms.n;
}

const kd_domain *kd_conn_domain_at(const kd_conn *c, size_t i)
{
    return i < c->doms.n ? &c->doms.v[i] : NULL;
}

const kd_domain *kd_conn_domain_by_uuid(const kd_conn *c, const char *uuid)
{
    return kd_domtab_find((kd_domtab *)&c->doms, uuid);
}

const kd_domain *kd_conn_domain_by_name(const kd_conn *c, const char *name)
{
    return kd_domtab_find_name((kd_domtab *)&c->doms, name);
}

void kd_conn_count_states(const kd_conn *c, unsigned counts[KD_DOM_LAST])
{
    memset(counts, 0, sizeof(unsigned) * KD_DOM_LAST);
    for (size_t i = 0; i < c->doms.n; i++)
        counts[c->doms.v[i].state]++;
}

/* ---- for the rest of src/backend ---------------------------------------------------- */

virConnectPtr kd_conn_virt(const kd_conn *c)
{
    return kd_conn_alive(c) ? c->vc : NULL;
}

virConnectPtr kd_conn_virt_err(const kd_conn *c, kd_err *err)
{
    if (!kd_conn_alive(c)) {
        kd_err_set(err, KD_ERR_CONNECT, "not connected to %s (kvmdeck reconnects by itself)",
                   c->host.uri);
        return NULL;
    }
    return c->vc;
}

virDomainPtr kd_conn_lookup(const kd_conn *c, const char *uuid, kd_err *err)
{
    if (!kd_conn_virt_err(c, err))
        return NULL;
    /* Jobs call this from their threads: the domain table is the loop's, so the message
     * names the UUID rather than read a name from it. */
    virDomainPtr dom = virDomainLookupByUUIDString(c->vc, uuid);
    if (!dom)
        kd_virt_err(err, KD_ERR_NOTFOUND, "domain %s", uuid);
    return dom;
}

int kd_conn_check_writable(const kd_conn *c, const char *what, kd_err *err)
{
    if (!c->readonly)
        return 0;
    kd_err_set(err, KD_ERR_READONLY, "%s: the connection is read-only (started with -r)", what);
    return -1;
}
