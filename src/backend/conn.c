#include "backend/conn.h"
#include "backend/virt.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kd_conn {
    virConnectPtr vc;
    bool readonly;
    bool alive;
    kd_host_info host;
    kd_domtab doms;
    int lifecycle_cb;
    kd_conn_listener listener;
    void *listener_opaque;
};

static void notify(kd_conn *c, kd_conn_event ev, const char *uuid)
{
    if (c->listener)
        c->listener(c, ev, uuid, c->listener_opaque);
}

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
    d->id = (int)virDomainGetID(dom);
    d->state = state >= 0 && state < KD_DOM_LAST ? (kd_dom_state)state : KD_DOM_NOSTATE;
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

static int refresh_one(kd_conn *c, virDomainPtr dom)
{
    kd_domain d;
    if (read_domain(dom, &d) < 0)
        return -1;
    kd_domtab_put(&c->doms, &d);
    return 0;
}

static int on_lifecycle(virConnectPtr vc, virDomainPtr dom, int event, int detail, void *opaque)
{
    kd_conn *c = opaque;
    char uuid[VIR_UUID_STRING_BUFLEN];
    (void)vc;
    (void)detail;
    if (virDomainGetUUIDString(dom, uuid) < 0)
        return 0;
    /* Undefining a running domain leaves it running as a transient one; a transient
     * domain that stops is gone, and libvirt no longer answers for it. */
    bool gone;
    if (event == VIR_DOMAIN_EVENT_UNDEFINED)
        gone = virDomainIsActive(dom) != 1;
    else if (event == VIR_DOMAIN_EVENT_STOPPED)
        gone = virDomainIsPersistent(dom) != 1;
    else
        gone = false;
    if (gone || (refresh_one(c, dom) < 0))
        kd_domtab_remove(&c->doms, uuid);
    virResetLastError();
    notify(c, KD_CONN_EV_DOMAIN, uuid);
    return 0;
}

static void on_close(virConnectPtr vc, int reason, void *opaque)
{
    kd_conn *c = opaque;
    (void)vc;
    (void)reason;
    c->alive = false;
    notify(c, KD_CONN_EV_DISCONNECTED, NULL);
}

static void read_host(kd_conn *c)
{
    unsigned long v = 0;
    virNodeInfo ni;
    char *s;

    s = virConnectGetURI(c->vc);
    c->host.uri = kd_strdup(s ? s : "");
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
}

kd_conn *kd_conn_open(const char *uri, bool readonly, kd_err *err)
{
    kd_virt_init();
    kd_conn *c = kd_calloc(1, sizeof(*c));
    kd_domtab_init(&c->doms);
    c->readonly = readonly;
    c->lifecycle_cb = -1;
    c->vc = virConnectOpenAuth(uri, NULL, readonly ? VIR_CONNECT_RO : 0);
    if (!c->vc) {
        kd_virt_err(err, KD_ERR_CONNECT, "cannot connect to %s",
                    uri ? uri : "the default hypervisor");
        free(c);
        return NULL;
    }
    c->alive = true;
    read_host(c);
    /* Local drivers do not speak keepalive; that is not an error. */
    virConnectSetKeepAlive(c->vc, 5, 3);
    virResetLastError();
    c->lifecycle_cb =
        virConnectDomainEventRegisterAny(c->vc, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                         VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), c, NULL);
    virConnectRegisterCloseCallback(c->vc, on_close, c, NULL);
    if (kd_conn_refresh(c, err) < 0) {
        kd_conn_free(c);
        return NULL;
    }
    return c;
}

void kd_conn_free(kd_conn *c)
{
    if (!c)
        return;
    if (c->vc) {
        if (c->lifecycle_cb >= 0)
            virConnectDomainEventDeregisterAny(c->vc, c->lifecycle_cb);
        virConnectUnregisterCloseCallback(c->vc, on_close);
        virConnectClose(c->vc);
    }
    kd_domtab_clear(&c->doms);
    free(c->host.uri);
    free(c->host.hostname);
    free(c->host.hv_type);
    free(c);
}

int kd_conn_refresh(kd_conn *c, kd_err *err)
{
    virDomainPtr *list = NULL;
    int n = virConnectListAllDomains(c->vc, &list, 0);
    if (n < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "listing domains");
        return -1;
    }
    kd_domtab_clear(&c->doms);
    for (int i = 0; i < n; i++) {
        refresh_one(c, list[i]);
        virDomainFree(list[i]);
    }
    free(list);
    notify(c, KD_CONN_EV_LIST, NULL);
    return 0;
}

bool kd_conn_readonly(const kd_conn *c)
{
    return c->readonly;
}

bool kd_conn_alive(const kd_conn *c)
{
    return c->alive;
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
    for (size_t i = 0; i < c->doms.n; i++)
        if (strcmp(c->doms.v[i].name, name) == 0)
            return &c->doms.v[i];
    return NULL;
}

void kd_conn_count_states(const kd_conn *c, unsigned counts[KD_DOM_LAST])
{
    memset(counts, 0, sizeof(unsigned) * KD_DOM_LAST);
    for (size_t i = 0; i < c->doms.n; i++)
        counts[c->doms.v[i].state]++;
}
