#include "backend/network.h"
#include "backend/storage.h"
#include "core/str.h"
#include "store/preset.h"
#include "ui/wizard_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The checks of the wizard's fields, by key, run as the focus leaves a field and on submit. */

#define MIB (1024LL * 1024LL)

long long kd_wiz_mib(const char *text, long long unit_mib)
{
    kd_err err;
    long long b = kd_domspec_parse_size(text, unit_mib * MIB, &err);
    return b < 0 ? -1 : b / MIB;
}

const kd_osvariant *kd_wiz_os_find(const kd_wiz *w, const char *id)
{
    for (size_t i = 0; id && *id && i < w->nos; i++) {
        if (kd_str_eq(w->os[i].id, id))
            return &w->os[i];
    }
    return NULL;
}

/* ---- checks ------------------------------------------------------------------------------ */

typedef const char *(*check_fn)(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n);

static const char *said(const kd_err *err, char *buf, size_t n)
{
    snprintf(buf, n, "%s", err->msg);
    return buf;
}

static const char *check_name(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    kd_err err;
    return kd_domspec_check_name(app->conn, v, &err) < 0 ? said(&err, buf, n) : NULL;
}

static const char *check_preset(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    char *text = NULL;
    kd_err err;
    if (!*v || kd_str_eq(v, w->preset))
        return NULL;
    if (!app->store || kd_store_preset_get(app->store, v, &text, &err) < 0) {
        snprintf(buf, n, "no preset named '%s' (F4 lists them)", v);
        return buf;
    }
    free(text);
    return NULL;
}

static const char *check_media(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    kd_err err;
    return kd_domspec_check_storage(app->conn, "ISO image", v, &err) < 0 ? said(&err, buf, n)
                                                                         : NULL;
}

static const char *check_disk(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    kd_err err;
    return kd_domspec_check_storage(app->conn, "disk", v, &err) < 0 ? said(&err, buf, n) : NULL;
}

static const char *check_url(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    kd_err err;
    kd_url u;
    if (kd_url_parse(v, &u, &err) < 0)
        return said(&err, buf, n);
    kd_url_clear(&u);
    return NULL;
}

static const char *check_kernel(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    kd_err err;
    return kd_domspec_check_file("kernel", v, &err) < 0 ? said(&err, buf, n) : NULL;
}

static const char *check_initrd(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    kd_err err;
    return *v && kd_domspec_check_file("initrd", v, &err) < 0 ? said(&err, buf, n) : NULL;
}

static const char *check_os(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    if (!*v || kd_wiz_os_find(w, v))
        return NULL;
    snprintf(buf, n, "unknown OS variant '%s' (F4 lists them)", v);
    return buf;
}

static const char *check_memory(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    kd_err err;
    long long mib = kd_wiz_mib(v, 1);
    if (mib < 0)
        return "not a size: 2048 (MiB), 2G or 512M";
    return kd_domspec_check_memory(w->caps, (unsigned long long)mib, &err) < 0 ? said(&err, buf, n)
                                                                               : NULL;
}

static const char *check_vcpus(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    kd_err err;
    char *end;
    unsigned long c = strtoul(v, &end, 10);
    if (!*v || *end || c > 4096)
        return "a number of vCPUs: 1, 2, 4...";
    return kd_domspec_check_vcpus(w->caps, (unsigned)c, &err) < 0 ? said(&err, buf, n) : NULL;
}

static const char *check_pool(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    kd_err err;
    if (!*v)
        return "choose a storage pool (F4)";
    kd_pool *p = kd_storage_pool_get(app->conn, v, &err);
    if (!p)
        return said(&err, buf, n);
    bool running = p->state == KD_POOL_RUNNING;
    kd_storage_pools_free(p, 1);
    if (!running) {
        snprintf(buf, n, "the pool '%s' is not active; start it on the pools screen", v);
        return buf;
    }
    /* The new volume is named after the domain: say on this page, not after the last one,
     * that the name holds what a volume's may not. Short, to fit under the field. */
    char *vol = kd_domspec_volume_name(w->spec);
    int bad = kd_storage_check_name("the new volume", vol, &err);
    free(vol);
    return bad < 0 ? "no quotes, / or \\ in a volume's name: rename the domain (page 1)" : NULL;
}

static const char *check_size(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    return kd_wiz_mib(v, 1024) > 0 ? NULL : "not a size: 20 (GiB), 20G or 512M";
}

static const char *check_nic(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    kd_form *f = kd_form_current(app);
    const char *kind = f ? kd_form_get(f, "nic") : NULL;
    if (!kind || kd_str_eq(kind, kd_wiz_nic_labels[KD_NIC_NONE]))
        return NULL;
    if (!*v)
        return "choose where the interface goes (F4)";
    if (!kd_str_eq(kind, kd_wiz_nic_labels[KD_NIC_NETWORK]))
        return NULL;
    kd_err err;
    size_t cnt = 0;
    kd_network *nets = kd_net_list(app->conn, &cnt, &err);
    const char *msg = "no such virtual network (F4 lists them)";
    for (size_t i = 0; nets && i < cnt; i++) {
        if (kd_str_eq(nets[i].name, v))
            msg = nets[i].active ? NULL : "the network is not active; start it first";
    }
    kd_net_list_free(nets, cnt);
    return msg;
}

static const char *check_nic_kind(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    bool none = kd_str_eq(v, kd_wiz_nic_labels[KD_NIC_NONE]);
    return none && w->spec->src == KD_SRC_PXE ? "network boot (PXE) needs a network interface"
                                              : NULL;
}

static const char *check_pin(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    kd_err err;
    return kd_domspec_check_pin(v, w->caps->host_cpus, &err) < 0 ? said(&err, buf, n) : NULL;
}

static const char *check_hugepages(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    kd_err err;
    if (!kd_str_eq(v, "1"))
        return NULL;
    return kd_domspec_check_hugepages(w->caps, w->spec->memory_mib, &err) < 0 ? said(&err, buf, n)
                                                                              : NULL;
}

static const char *check_password(kd_app *app, kd_wiz *w, const char *v, char *buf, size_t n)
{
    return strlen(v) > 8 ? "VNC passwords have at most 8 characters" : NULL;
}

static const struct {
    const char *key;
    check_fn fn;
} checks[] = {
    {"name", check_name},           {"preset", check_preset}, {"media", check_media},
    {"disk", check_disk},           {"url", check_url},       {"kernel", check_kernel},
    {"initrd", check_initrd},       {"os", check_os},         {"memory", check_memory},
    {"vcpus", check_vcpus},         {"pool", check_pool},     {"size", check_size},
    {"source", check_nic},          {"pin", check_pin},       {"password", check_password},
    {"hugepages", check_hugepages}, {"nic", check_nic_kind},
};

const char *kd_wiz_check(kd_app *app, kd_form *f, const char *key, const char *value, char *buf,
                         size_t n, void *opaque)
{
    (void)f;
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        if (kd_str_eq(checks[i].key, key))
            return checks[i].fn(app, opaque, value, buf, n);
    }
    return NULL;
}
