#include "backend/hwedit_priv.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The edits of a whole domain XML, in memory. The same edits serve an XML the wizard has
 * not defined yet and a driver that lacks a device call (the config is then redefined). */

static xmlNodePtr root_of(xmlDocPtr doc)
{
    return xmlDocGetRootElement(doc);
}

/* Put an element named name in the domain at a sensible place: after the element named
 * after, else at the end. */
static xmlNodePtr ensure_after(xmlNodePtr root, const char *name, const char *after)
{
    xmlNodePtr n = kd_hwx_child(root, name);
    if (n)
        return n;
    n = xmlNewNode(NULL, BAD_CAST name);
    xmlNodePtr prev = after ? kd_hwx_child(root, after) : NULL;
    if (prev)
        xmlAddNextSibling(prev, n);
    else
        xmlAddChild(root, n);
    return n;
}

static void set_kib(xmlNodePtr n, unsigned long long kib)
{
    xmlSetProp(n, BAD_CAST "unit", BAD_CAST "KiB");
    kd_hwx_set_ull(n, kib);
}

int kd_hwx_edit_memory(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err)
{
    if (kd_hw_check_memory(a->mem_kib, a->maxmem_kib, err) < 0)
        return -1;
    xmlNodePtr root = root_of(doc);
    xmlNodePtr mem = ensure_after(root, "memory", "uuid");
    set_kib(mem, a->maxmem_kib);
    set_kib(ensure_after(root, "currentMemory", "memory"), a->mem_kib);
    return 0;
}

int kd_hwx_edit_vcpus(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err)
{
    if (kd_hw_check_vcpus(a->vcpus, a->maxvcpus, err) < 0)
        return -1;
    xmlNodePtr root = root_of(doc);
    xmlNodePtr v = ensure_after(root, "vcpu", "currentMemory");
    kd_hwx_set_ull(v, a->maxvcpus);
    if (a->vcpus == a->maxvcpus) {
        xmlUnsetProp(v, BAD_CAST "current");
    } else {
        char buf[16];
        snprintf(buf, sizeof(buf), "%u", a->vcpus);
        xmlSetProp(v, BAD_CAST "current", BAD_CAST buf);
    }
    /* A topology that no longer multiplies to the maximum would make the XML invalid. */
    xmlNodePtr topo = kd_hwx_child(kd_hwx_child(root, "cpu"), "topology");
    if (topo) {
        char *s = kd_hwx_attr(topo, "sockets"), *c = kd_hwx_attr(topo, "cores");
        char *t = kd_hwx_attr(topo, "threads");
        unsigned long long p =
            strtoull(s, NULL, 10) * strtoull(c, NULL, 10) * strtoull(t, NULL, 10);
        free(s);
        free(c);
        free(t);
        if (p != a->maxvcpus) {
            char buf[16];
            snprintf(buf, sizeof(buf), "%u", a->maxvcpus);
            xmlSetProp(topo, BAD_CAST "sockets", BAD_CAST buf);
            xmlSetProp(topo, BAD_CAST "cores", BAD_CAST "1");
            xmlSetProp(topo, BAD_CAST "threads", BAD_CAST "1");
        }
    }
    return 0;
}

static void set_topology(xmlNodePtr cpu, const kd_hwx_args *a)
{
    xmlNodePtr topo = kd_hwx_child(cpu, "topology");
    if (a->sockets == 0) {
        kd_hwx_remove(topo);
        return;
    }
    if (!topo)
        topo = xmlNewChild(cpu, NULL, BAD_CAST "topology", NULL);
    const struct {
        const char *name;
        unsigned v;
    } f[] = {{"sockets", a->sockets}, {"cores", a->cores}, {"threads", a->threads}};
    for (size_t i = 0; i < 3; i++) {
        char buf[16];
        snprintf(buf, sizeof(buf), "%u", f[i].v);
        xmlSetProp(topo, BAD_CAST f[i].name, BAD_CAST buf);
    }
}

int kd_hwx_edit_cpu(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err)
{
    xmlNodePtr root = root_of(doc);
    xmlNodePtr vcpu = kd_hwx_child(root, "vcpu");
    char *t = vcpu ? kd_hwx_text(vcpu) : kd_strdup("1");
    unsigned maxv = (unsigned)strtoul(t, NULL, 10);
    free(t);
    if (kd_hw_check_topology(a->sockets, a->cores, a->threads, maxv, err) < 0)
        return -1;
    bool custom = a->cpu_mode == KD_HW_CPU_CUSTOM;
    if (custom && (!a->cpu_model || !*a->cpu_model)) {
        kd_err_set(err, KD_ERR_INVALID, "a custom CPU needs a model name (e.g. Skylake-Client)");
        return -1;
    }
    xmlNodePtr cpu = ensure_after(root, "cpu", "features");
    if (a->cpu_mode == KD_HW_CPU_DEFAULT)
        xmlUnsetProp(cpu, BAD_CAST "mode");
    else
        xmlSetProp(cpu, BAD_CAST "mode", BAD_CAST kd_hw_cpu_mode_name(a->cpu_mode));
    xmlNodePtr model = kd_hwx_child(cpu, "model");
    if (custom) {
        if (!model)
            model = xmlNewChild(cpu, NULL, BAD_CAST "model", NULL);
        kd_hwx_set_text(model, a->cpu_model);
        xmlSetProp(cpu, BAD_CAST "match", BAD_CAST "exact");
    } else if (a->cpu_mode != KD_HW_CPU_HOST_MODEL) {
        kd_hwx_remove(model); /* host-passthrough takes no model */
        xmlUnsetProp(cpu, BAD_CAST "match");
    }
    set_topology(cpu, a);
    if (!cpu->children && !cpu->properties)
        kd_hwx_remove(cpu);
    return 0;
}

static void remove_boot_orders(xmlDocPtr doc)
{
    xmlNodePtr devices = kd_hwx_child(root_of(doc), "devices");
    for (xmlNodePtr d = devices ? devices->children : NULL; d; d = d->next)
        if (d->type == XML_ELEMENT_NODE)
            kd_hwx_remove(kd_hwx_child(d, "boot"));
}

int kd_hwx_edit_boot(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err)
{
    static const char *const devs[] = {"hd", "cdrom", "network", "fd"};
    for (size_t i = 0; i < a->nboot; i++) {
        bool ok = false;
        for (size_t k = 0; k < sizeof(devs) / sizeof(devs[0]); k++)
            ok = ok || strcmp(a->boot_devs[i], devs[k]) == 0;
        if (!ok) {
            kd_err_set(err, KD_ERR_INVALID, "boot device '%s': hd, cdrom, network or fd",
                       a->boot_devs[i]);
            return -1;
        }
    }
    xmlNodePtr os = kd_hwx_child(root_of(doc), "os");
    if (!os) {
        kd_err_set(err, KD_ERR_INVALID, "the XML has no <os> element");
        return -1;
    }
    xmlNodePtr c = os->children;
    while (c) {
        xmlNodePtr next = c->next;
        if (c->type == XML_ELEMENT_NODE && (strcmp((const char *)c->name, "boot") == 0 ||
                                            strcmp((const char *)c->name, "bootmenu") == 0))
            kd_hwx_remove(c);
        c = next;
    }
    if (a->nboot)
        remove_boot_orders(doc); /* libvirt refuses <os><boot> with per-device orders */
    xmlNodePtr type = kd_hwx_child(os, "type");
    xmlNodePtr at = type;
    for (size_t i = 0; i < a->nboot; i++) {
        xmlNodePtr b = xmlNewNode(NULL, BAD_CAST "boot");
        xmlSetProp(b, BAD_CAST "dev", BAD_CAST a->boot_devs[i]);
        at = at ? xmlAddNextSibling(at, b) : xmlAddChild(os, b);
    }
    xmlNodePtr menu = xmlNewNode(NULL, BAD_CAST "bootmenu");
    xmlSetProp(menu, BAD_CAST "enable", BAD_CAST(a->bootmenu ? "yes" : "no"));
    if (at)
        xmlAddNextSibling(at, menu);
    else
        xmlAddChild(os, menu);
    return 0;
}

int kd_hwx_edit_description(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err)
{
    (void)err;
    xmlNodePtr root = root_of(doc);
    if (!a->text || !*a->text) {
        kd_hwx_remove(kd_hwx_child(root, "description"));
        return 0;
    }
    kd_hwx_set_text(ensure_after(root, "description", "uuid"), a->text);
    return 0;
}

int kd_hwx_edit_pin(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err)
{
    if (kd_hw_check_cpuset(a->cpuset, 0, err) < 0)
        return -1;
    xmlNodePtr cputune = ensure_after(root_of(doc), "cputune", "vcpu");
    char want[16];
    snprintf(want, sizeof(want), "%u", a->vcpu);
    xmlNodePtr pin = NULL;
    for (xmlNodePtr c = cputune->children; c && !pin; c = c->next) {
        char *v = c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "vcpupin") == 0
                      ? kd_hwx_attr(c, "vcpu")
                      : NULL;
        if (v && strcmp(v, want) == 0)
            pin = c;
        free(v);
    }
    if (!pin) {
        pin = xmlNewChild(cputune, NULL, BAD_CAST "vcpupin", NULL);
        xmlSetProp(pin, BAD_CAST "vcpu", BAD_CAST want);
    }
    xmlSetProp(pin, BAD_CAST "cpuset", BAD_CAST a->cpuset);
    return 0;
}

int kd_hwx_edit_add_device(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err)
{
    (void)err;
    xmlNodePtr devices = kd_hwx_ensure(root_of(doc), "devices");
    xmlNodePtr copy = xmlDocCopyNode(a->device, doc, 1);
    /* After the last device of the same kind, so disks stay together. */
    xmlNodePtr last = NULL;
    for (xmlNodePtr c = devices->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, a->device->name))
            last = c;
    if (last)
        xmlAddNextSibling(last, copy);
    else
        xmlAddChild(devices, copy);
    return 0;
}

int kd_hwx_edit_remove_disk(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err)
{
    xmlNodePtr d = kd_hwx_find_disk(doc, a->target);
    if (!d) {
        kd_err_set(err, KD_ERR_NOTFOUND, "no disk %s", a->target);
        return -1;
    }
    kd_hwx_remove(d);
    return 0;
}

int kd_hwx_edit_remove_nic(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err)
{
    xmlNodePtr n = kd_hwx_find_nic(doc, a->mac);
    if (!n) {
        kd_err_set(err, KD_ERR_NOTFOUND, "no NIC with MAC %s", a->mac);
        return -1;
    }
    kd_hwx_remove(n);
    return 0;
}

static void set_iotune(xmlNodePtr disk, const kd_hw_iotune *t)
{
    const struct {
        const char *name;
        unsigned long long v;
    } f[] = {
        {"total_bytes_sec", t->total_bytes_sec}, {"read_bytes_sec", t->read_bytes_sec},
        {"write_bytes_sec", t->write_bytes_sec}, {"total_iops_sec", t->total_iops_sec},
        {"read_iops_sec", t->read_iops_sec},     {"write_iops_sec", t->write_iops_sec},
    };
    kd_hwx_remove(kd_hwx_child(disk, "iotune"));
    xmlNodePtr io = NULL;
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (!f[i].v)
            continue;
        if (!io)
            io = xmlNewChild(disk, NULL, BAD_CAST "iotune", NULL);
        kd_hwx_set_ull(xmlNewChild(io, NULL, BAD_CAST f[i].name, NULL), f[i].v);
    }
}

int kd_hwx_edit_disk(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err)
{
    xmlNodePtr d = kd_hwx_find_disk(doc, a->target);
    if (!d) {
        kd_err_set(err, KD_ERR_NOTFOUND, "no disk %s", a->target);
        return -1;
    }
    if (a->bus && *a->bus) {
        xmlNodePtr t = kd_hwx_ensure(d, "target");
        xmlSetProp(t, BAD_CAST "bus", BAD_CAST a->bus);
        /* The old address belongs to the old bus's controller. */
        kd_hwx_remove(kd_hwx_child(d, "address"));
    }
    if (a->cache) {
        xmlNodePtr drv = kd_hwx_ensure(d, "driver");
        if (*a->cache)
            xmlSetProp(drv, BAD_CAST "cache", BAD_CAST a->cache);
        else
            xmlUnsetProp(drv, BAD_CAST "cache");
    }
    if (a->iotune)
        set_iotune(d, a->iotune);
    return 0;
}

int kd_hwx_edit_media(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err)
{
    xmlNodePtr d = kd_hwx_find_disk(doc, a->target);
    char *device = kd_hwx_attr(d, "device");
    bool removable = strcmp(device, "cdrom") == 0 || strcmp(device, "floppy") == 0;
    free(device);
    if (!d || !removable) {
        kd_err_set(err, KD_ERR_NOTFOUND, "no CD-ROM %s", a->target);
        return -1;
    }
    kd_hwx_disk_set_source(d, a->disk->path, a->disk->pool, a->disk->volume);
    return 0;
}

int kd_hwx_edit_nic(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err)
{
    xmlNodePtr n = kd_hwx_find_nic(doc, a->mac);
    if (!n) {
        kd_err_set(err, KD_ERR_NOTFOUND, "no NIC with MAC %s", a->mac);
        return -1;
    }
    xmlNodePtr made = kd_hwx_nic_node(a->nic, a->mac, err);
    if (!made)
        return -1;
    xmlNodePtr fresh = xmlDocCopyNode(made, doc, 1);
    xmlFreeNode(made);
    /* Keep what the new element does not say (address, target, boot order). */
    static const char *const keep[] = {"address", "boot", "target", "alias"};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        xmlNodePtr k = kd_hwx_child(n, keep[i]);
        if (k)
            xmlAddChild(fresh, xmlDocCopyNode(k, doc, 1));
    }
    xmlReplaceNode(n, fresh);
    xmlFreeNode(n);
    return 0;
}
