#include "backend/hwedit.h"
#include "backend/hwedit_priv.h"
#include "backend/storage.h"
#include "backend/virt.h"
#include "core/str.h"

#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The changes of devices: disks, CD-ROM media, NICs. */

/* ---- device calls: the element XML goes to attach, detach or update ---- */

static int device_call(virDomainPtr dom, xmlNodePtr node, bool live,
                       int (*fn)(virDomainPtr, const char *, unsigned))
{
    char *xml = kd_hwx_dump_node(node);
    int r = fn(dom, xml, live ? VIR_DOMAIN_AFFECT_LIVE : VIR_DOMAIN_AFFECT_CONFIG);
    free(xml);
    return r;
}

static int attach(virDomainPtr dom, const kd_hwx_args *a, bool live)
{
    return device_call(dom, a->device, live, virDomainAttachDeviceFlags);
}

static int attach_config(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *w, size_t n)
{
    (void)ed, (void)w, (void)n;
    return attach(dom, a, false);
}

static int attach_live(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *w, size_t n)
{
    (void)ed, (void)w, (void)n;
    return attach(dom, a, true);
}

/* Find the device in the side's XML, let edit change it (NULL: as it is), then hand its
 * element to fn. A device the running domain lacks is left for the next boot. */
static int side_call(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, bool live,
                     kd_hwx_edit_fn edit, int (*fn)(virDomainPtr, const char *, unsigned),
                     char *why, size_t n)
{
    kd_err err;
    xmlDocPtr doc = kd_hwed_doc(ed, dom, live, &err);
    if (!doc)
        return -1;
    const char *name = a->target ? a->target : a->mac;
    xmlNodePtr node = a->target ? kd_hwx_find_disk(doc, a->target) : kd_hwx_find_nic(doc, a->mac);
    int r;
    if (!node && live) {
        snprintf(why, n, "%s is not in the running domain", name);
        r = KD_HW_CALL_PARTIAL;
    } else if (!node) {
        r = KD_HW_CALL_REDEFINE; /* the redefinition reports what is missing */
    } else if (edit && edit(doc, a, &err) < 0) {
        snprintf(why, n, "%s", err.msg);
        r = live ? KD_HW_CALL_PARTIAL : KD_HW_CALL_REDEFINE;
    } else {
        /* The edit may have replaced the element: find it again. */
        node = a->target ? kd_hwx_find_disk(doc, a->target) : kd_hwx_find_nic(doc, a->mac);
        r = device_call(dom, node, live, fn);
    }
    xmlFreeDoc(doc);
    return r;
}

static int detach_config(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *w, size_t n)
{
    return side_call(ed, dom, a, false, NULL, virDomainDetachDeviceFlags, w, n);
}

static int detach_live(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *w, size_t n)
{
    return side_call(ed, dom, a, true, NULL, virDomainDetachDeviceFlags, w, n);
}

static int media_config(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *w, size_t n)
{
    return side_call(ed, dom, a, false, kd_hwx_edit_media, virDomainUpdateDeviceFlags, w, n);
}

static int media_live(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *w, size_t n)
{
    return side_call(ed, dom, a, true, kd_hwx_edit_media, virDomainUpdateDeviceFlags, w, n);
}

static int nic_config(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *w, size_t n)
{
    return side_call(ed, dom, a, false, kd_hwx_edit_nic, virDomainUpdateDeviceFlags, w, n);
}

static int nic_live(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *w, size_t n)
{
    return side_call(ed, dom, a, true, kd_hwx_edit_nic, virDomainUpdateDeviceFlags, w, n);
}

/* ---- disks ---- */

static bool target_used(kd_hwed *ed, const char *target)
{
    return kd_hw_model_disk(kd_hwed_config(ed), target) ||
           kd_hw_model_disk(kd_hwed_live(ed), target);
}

int kd_hwed_add_disk(kd_hwed *ed, const kd_hw_disk_spec *spec, kd_hw_result *res, kd_err *err)
{
    bool cdrom = spec->device && strcmp(spec->device, "cdrom") == 0;
    const char *bus = spec->bus && *spec->bus ? spec->bus : cdrom ? "sata" : "virtio";
    char *target = NULL;
    if (spec->target && *spec->target) {
        target = kd_strdup(spec->target);
    } else {
        /* Free in both the config and the running domain. */
        target = kd_hw_model_next_target(kd_hwed_config(ed), bus);
        while (target_used(ed, target)) {
            kd_hw_disk extra = {.target = target};
            kd_hw_model both = *kd_hwed_config(ed);
            both.disks = &extra;
            both.ndisks = 1;
            char *next = kd_hw_model_next_target(&both, bus);
            free(target);
            target = next;
        }
    }
    if (target_used(ed, target)) {
        kd_err_set(err, KD_ERR_INVALID, "target %s is already in use", target);
        free(target);
        return -1;
    }
    kd_hw_disk_spec s = *spec;
    s.bus = bus;
    xmlNodePtr node = kd_hwx_disk_node(&s, target, err);
    free(target);
    if (!node)
        return -1;
    static const kd_hw_change ch = {"new disk", kd_hwx_edit_add_device, attach_config, attach_live};
    kd_hwx_args a = {.device = node};
    int r = kd_hwed_apply(ed, &ch, &a, res, err);
    xmlFreeNode(node);
    return r;
}

int kd_hwed_remove_disk(kd_hwed *ed, const char *target, kd_hw_result *res, kd_err *err)
{
    if (!target_used(ed, target)) {
        kd_err_set(err, KD_ERR_NOTFOUND, "no disk %s", target ? target : "");
        return -1;
    }
    static const kd_hw_change ch = {"disk removal", kd_hwx_edit_remove_disk, detach_config,
                                    detach_live};
    kd_hwx_args a = {.target = target};
    return kd_hwed_apply(ed, &ch, &a, res, err);
}

static int iotune_call(virDomainPtr dom, const kd_hwx_args *a, unsigned flags)
{
    const kd_hw_iotune *t = a->iotune;
    const struct {
        const char *name;
        unsigned long long v;
    } f[] = {
        {VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_BYTES_SEC, t->total_bytes_sec},
        {VIR_DOMAIN_BLOCK_IOTUNE_READ_BYTES_SEC, t->read_bytes_sec},
        {VIR_DOMAIN_BLOCK_IOTUNE_WRITE_BYTES_SEC, t->write_bytes_sec},
        {VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_IOPS_SEC, t->total_iops_sec},
        {VIR_DOMAIN_BLOCK_IOTUNE_READ_IOPS_SEC, t->read_iops_sec},
        {VIR_DOMAIN_BLOCK_IOTUNE_WRITE_IOPS_SEC, t->write_iops_sec},
    };
    virTypedParameterPtr params = NULL;
    int np = 0, max = 0;
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (virTypedParamsAddULLong(&params, &np, &max, f[i].name, f[i].v) < 0)
            kd_die_oom();
    int r = virDomainSetBlockIoTune(dom, a->target, params, np, flags);
    virTypedParamsFree(params, np);
    return r;
}

static int io_config(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *w, size_t n)
{
    (void)ed, (void)w, (void)n;
    return iotune_call(dom, a, VIR_DOMAIN_AFFECT_CONFIG);
}

static int io_live(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *w, size_t n)
{
    (void)ed, (void)w, (void)n;
    return iotune_call(dom, a, VIR_DOMAIN_AFFECT_LIVE);
}

/* Of two results, the one that says less was applied now. */
static void merge(kd_hw_result *into, const kd_hw_result *r)
{
    if (r->applied == KD_HW_NEXT_BOOT || into->applied == KD_HW_LAST) {
        char why[sizeof(into->why)];
        snprintf(why, sizeof(why), "%s", into->applied == KD_HW_NEXT_BOOT ? into->why : "");
        *into = *r;
        if (!into->why[0])
            snprintf(into->why, sizeof(into->why), "%s", why);
    }
}

int kd_hwed_set_disk(kd_hwed *ed, const char *target, const char *bus, const char *cache,
                     const kd_hw_iotune *iotune, kd_hw_result *res, kd_err *err)
{
    const kd_hw_disk *d = kd_hw_model_disk(kd_hwed_config(ed), target);
    if (!d) {
        kd_err_set(err, KD_ERR_NOTFOUND, "no disk %s in the config", target ? target : "");
        return -1;
    }
    bool boot_part = (bus && strcmp(bus, d->bus) != 0) || (cache && strcmp(cache, d->cache) != 0);
    bool io_part = iotune && memcmp(iotune, &d->iotune, sizeof(*iotune)) != 0;
    kd_hw_result r;
    memset(res, 0, sizeof(*res));
    res->applied = KD_HW_LAST;
    /* The live-capable part first: a refusal there leaves everything as it was. */
    if (io_part) {
        static const kd_hw_change ch = {"I/O limits", kd_hwx_edit_disk, io_config, io_live};
        kd_hwx_args a = {.target = target, .iotune = iotune};
        if (kd_hwed_apply(ed, &ch, &a, &r, err) < 0)
            return -1;
        merge(res, &r);
    }
    if (boot_part) {
        static const kd_hw_change ch = {"disk bus and cache", kd_hwx_edit_disk, NULL, NULL};
        kd_hwx_args a = {.target = target, .bus = bus, .cache = cache};
        if (kd_hwed_apply(ed, &ch, &a, &r, err) < 0)
            return -1;
        merge(res, &r);
    }
    if (res->applied == KD_HW_LAST)
        res->applied = KD_HW_UNCHANGED;
    return 0;
}

int kd_hwed_change_media(kd_hwed *ed, const char *target, const char *path, const char *pool,
                         const char *volume, kd_hw_result *res, kd_err *err)
{
    const kd_hw_disk *d = kd_hw_model_disk(kd_hwed_config(ed), target);
    if (!d || (strcmp(d->device, "cdrom") != 0 && strcmp(d->device, "floppy") != 0)) {
        kd_err_set(err, KD_ERR_NOTFOUND, "no CD-ROM %s", target ? target : "");
        return -1;
    }
    static const kd_hw_change ch = {"CD-ROM media", kd_hwx_edit_media, media_config, media_live};
    kd_hw_disk_spec media = {.path = path, .pool = pool, .volume = volume};
    kd_hwx_args a = {.target = target, .disk = &media};
    return kd_hwed_apply(ed, &ch, &a, res, err);
}

int kd_hwed_create_volume(kd_hwed *ed, const char *pool, const char *name,
                          unsigned long long capacity, const char *format, char **path_out,
                          kd_err *err)
{
    kd_conn *conn = kd_hwed_conn(ed);
    if (!conn) {
        kd_err_set(err, KD_ERR_CONNECT, "no connection to create a volume on");
        return -1;
    }
    if (capacity == 0) {
        kd_err_set(err, KD_ERR_INVALID, "a new volume needs a size");
        return -1;
    }
    kd_vol_spec spec = {.name = name, .capacity = capacity, .format = format ? format : "qcow2"};
    return kd_storage_vol_create(conn, pool, &spec, path_out, err);
}

/* ---- NICs ---- */

int kd_hwed_add_nic(kd_hwed *ed, const kd_hw_nic_spec *spec, kd_hw_result *res, kd_err *err)
{
    char mac[18];
    if (spec->mac && *spec->mac) {
        if (kd_hw_check_mac(spec->mac, err) < 0)
            return -1;
        snprintf(mac, sizeof(mac), "%s", spec->mac);
    } else {
        /* One MAC for both the config and the running domain. */
        do
            kd_hw_mac_generate(mac);
        while (kd_hw_model_nic(kd_hwed_config(ed), mac) || kd_hw_model_nic(kd_hwed_live(ed), mac));
    }
    if (kd_hw_model_nic(kd_hwed_config(ed), mac) || kd_hw_model_nic(kd_hwed_live(ed), mac)) {
        kd_err_set(err, KD_ERR_INVALID, "MAC %s is already used by a NIC of this domain", mac);
        return -1;
    }
    xmlNodePtr node = kd_hwx_nic_node(spec, mac, err);
    if (!node)
        return -1;
    static const kd_hw_change ch = {"new NIC", kd_hwx_edit_add_device, attach_config, attach_live};
    kd_hwx_args a = {.device = node};
    int r = kd_hwed_apply(ed, &ch, &a, res, err);
    xmlFreeNode(node);
    return r;
}

int kd_hwed_remove_nic(kd_hwed *ed, const char *mac, kd_hw_result *res, kd_err *err)
{
    if (!kd_hw_model_nic(kd_hwed_config(ed), mac) && !kd_hw_model_nic(kd_hwed_live(ed), mac)) {
        kd_err_set(err, KD_ERR_NOTFOUND, "no NIC with MAC %s", mac ? mac : "");
        return -1;
    }
    static const kd_hw_change ch = {"NIC removal", kd_hwx_edit_remove_nic, detach_config,
                                    detach_live};
    kd_hwx_args a = {.mac = mac};
    return kd_hwed_apply(ed, &ch, &a, res, err);
}

int kd_hwed_set_nic(kd_hwed *ed, const char *mac, const kd_hw_nic_spec *spec, kd_hw_result *res,
                    kd_err *err)
{
    if (!kd_hw_model_nic(kd_hwed_config(ed), mac)) {
        kd_err_set(err, KD_ERR_NOTFOUND, "no NIC with MAC %s in the config", mac ? mac : "");
        return -1;
    }
    /* Build once to check the spec before anything changes. */
    xmlNodePtr check = kd_hwx_nic_node(spec, mac, err);
    if (!check)
        return -1;
    xmlFreeNode(check);
    static const kd_hw_change ch = {"NIC", kd_hwx_edit_nic, nic_config, nic_live};
    kd_hwx_args a = {.mac = mac, .nic = spec};
    return kd_hwed_apply(ed, &ch, &a, res, err);
}
