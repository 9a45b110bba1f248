#include "backend/hwedit.h"
#include "backend/hwedit_priv.h"
#include "core/str.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const cpu_mode_names[KD_HW_CPU_LAST] = {
    [KD_HW_CPU_DEFAULT] = "default",
    [KD_HW_CPU_HOST_PASSTHROUGH] = "host-passthrough",
    [KD_HW_CPU_HOST_MODEL] = "host-model",
    [KD_HW_CPU_CUSTOM] = "custom",
};

const char *kd_hw_cpu_mode_name(kd_hw_cpu_mode mode)
{
    return mode < KD_HW_CPU_LAST ? cpu_mode_names[mode] : "default";
}

int kd_hw_cpu_mode_parse(const char *s, kd_hw_cpu_mode *out)
{
    for (int i = 0; i < KD_HW_CPU_LAST; i++) {
        if (s && strcmp(s, cpu_mode_names[i]) == 0) {
            *out = (kd_hw_cpu_mode)i;
            return 0;
        }
    }
    return -1;
}

/* ---- units ---- */

static unsigned long long to_kib(unsigned long long v, const char *unit)
{
    static const struct {
        const char *unit;
        double factor; /* to KiB */
    } units[] = {
        {"b", 1.0 / 1024},  {"bytes", 1.0 / 1024}, {"KB", 1000.0 / 1024}, {"k", 1},
        {"KiB", 1},         {"MB", 1e6 / 1024},    {"M", 1024},           {"MiB", 1024},
        {"GB", 1e9 / 1024}, {"G", 1 << 20},        {"GiB", 1 << 20},      {"TB", 1e12 / 1024},
        {"T", 1ULL << 30},  {"TiB", 1ULL << 30},
    };
    if (!unit || !*unit)
        return v;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcasecmp(unit, units[i].unit) == 0)
            return (unsigned long long)((double)v * units[i].factor);
    return v;
}

static unsigned long long node_kib(xmlNodePtr n)
{
    if (!n)
        return 0;
    char *t = kd_hwx_text(n), *u = kd_hwx_attr(n, "unit");
    unsigned long long v = to_kib(strtoull(t, NULL, 10), u);
    free(t);
    free(u);
    return v;
}

static unsigned attr_uint(xmlNodePtr n, const char *name)
{
    if (!n)
        return 0;
    char *s = kd_hwx_attr(n, name);
    unsigned v = (unsigned)strtoul(s, NULL, 10);
    free(s);
    return v;
}

/* ---- sections ---- */

static void parse_cpu(kd_hw_model *m, xmlNodePtr cpu)
{
    m->cpu_model = kd_strdup("");
    if (!cpu)
        return;
    char *mode = kd_hwx_attr(cpu, "mode");
    if (kd_hw_cpu_mode_parse(mode, &m->cpu_mode) < 0)
        m->cpu_mode = kd_hwx_child(cpu, "model") ? KD_HW_CPU_CUSTOM : KD_HW_CPU_DEFAULT;
    free(mode);
    xmlNodePtr model = kd_hwx_child(cpu, "model");
    if (model) {
        free(m->cpu_model);
        m->cpu_model = kd_hwx_text(model);
    }
    xmlNodePtr topo = kd_hwx_child(cpu, "topology");
    m->sockets = attr_uint(topo, "sockets");
    m->cores = attr_uint(topo, "cores");
    m->threads = attr_uint(topo, "threads");
}

static void parse_os(kd_hw_model *m, xmlNodePtr os)
{
    for (xmlNodePtr c = os ? os->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, "boot") == 0) {
            m->boot_devs = kd_realloc(m->boot_devs, (m->nboot + 1) * sizeof(char *));
            m->boot_devs[m->nboot++] = kd_hwx_attr(c, "dev");
        } else if (strcmp((const char *)c->name, "bootmenu") == 0) {
            char *e = kd_hwx_attr(c, "enable");
            m->bootmenu = strcmp(e, "yes") == 0;
            free(e);
        }
    }
}

static char *disk_source(xmlNodePtr src)
{
    if (!src)
        return kd_strdup("");
    static const char *const attrs[] = {"file", "dev", "dir", "name"};
    char *pool = kd_hwx_attr(src, "pool");
    if (*pool) {
        char *vol = kd_hwx_attr(src, "volume");
        char *s = kd_asprintf("%s/%s", pool, vol);
        free(pool);
        free(vol);
        return s;
    }
    free(pool);
    for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
        char *v = kd_hwx_attr(src, attrs[i]);
        if (*v)
            return v;
        free(v);
    }
    return kd_strdup("");
}

static void parse_iotune(kd_hw_iotune *t, xmlNodePtr io)
{
    static const struct {
        const char *name;
        size_t off;
    } f[] = {
        {"total_bytes_sec", offsetof(kd_hw_iotune, total_bytes_sec)},
        {"read_bytes_sec", offsetof(kd_hw_iotune, read_bytes_sec)},
        {"write_bytes_sec", offsetof(kd_hw_iotune, write_bytes_sec)},
        {"total_iops_sec", offsetof(kd_hw_iotune, total_iops_sec)},
        {"read_iops_sec", offsetof(kd_hw_iotune, read_iops_sec)},
        {"write_iops_sec", offsetof(kd_hw_iotune, write_iops_sec)},
    };
    for (size_t i = 0; io && i < sizeof(f) / sizeof(f[0]); i++) {
        xmlNodePtr c = kd_hwx_child(io, f[i].name);
        if (!c)
            continue;
        char *v = kd_hwx_text(c);
        *(unsigned long long *)((char *)t + f[i].off) = strtoull(v, NULL, 10);
        free(v);
    }
}

static void parse_disk(kd_hw_model *m, xmlNodePtr n)
{
    char *device = kd_hwx_attr(n, "device");
    if (*device && strcmp(device, "disk") != 0 && strcmp(device, "cdrom") != 0 &&
        strcmp(device, "floppy") != 0) {
        free(device);
        return; /* a lun: not edited here */
    }
    m->disks = kd_realloc(m->disks, (m->ndisks + 1) * sizeof(*m->disks));
    kd_hw_disk *d = &m->disks[m->ndisks++];
    memset(d, 0, sizeof(*d));
    d->device = *device ? device : (free(device), kd_strdup("disk"));
    d->type = kd_hwx_attr(n, "type");
    xmlNodePtr target = kd_hwx_child(n, "target"), driver = kd_hwx_child(n, "driver");
    d->target = target ? kd_hwx_attr(target, "dev") : kd_strdup("");
    d->bus = target ? kd_hwx_attr(target, "bus") : kd_strdup("");
    d->source = disk_source(kd_hwx_child(n, "source"));
    d->format = driver ? kd_hwx_attr(driver, "type") : kd_strdup("");
    d->cache = driver ? kd_hwx_attr(driver, "cache") : kd_strdup("");
    d->readonly = kd_hwx_child(n, "readonly") != NULL;
    d->boot_order = (int)attr_uint(kd_hwx_child(n, "boot"), "order");
    parse_iotune(&d->iotune, kd_hwx_child(n, "iotune"));
}

static void parse_nic(kd_hw_model *m, xmlNodePtr n)
{
    static const char *const src_attrs[] = {"network", "bridge", "dev", "name"};
    m->nics = kd_realloc(m->nics, (m->nnics + 1) * sizeof(*m->nics));
    kd_hw_nic *nic = &m->nics[m->nnics++];
    memset(nic, 0, sizeof(*nic));
    nic->type = kd_hwx_attr(n, "type");
    xmlNodePtr src = kd_hwx_child(n, "source"), model = kd_hwx_child(n, "model");
    xmlNodePtr mac = kd_hwx_child(n, "mac");
    nic->source = NULL;
    for (size_t i = 0; src && !nic->source && i < sizeof(src_attrs) / sizeof(src_attrs[0]); i++) {
        char *v = kd_hwx_attr(src, src_attrs[i]);
        if (*v)
            nic->source = v;
        else
            free(v);
    }
    if (!nic->source)
        nic->source = kd_strdup("");
    nic->model = model ? kd_hwx_attr(model, "type") : kd_strdup("");
    nic->mac = mac ? kd_hwx_attr(mac, "address") : kd_strdup("");
    nic->boot_order = (int)attr_uint(kd_hwx_child(n, "boot"), "order");
}

static void parse_pins(kd_hw_model *m, xmlNodePtr cputune)
{
    for (xmlNodePtr c = cputune ? cputune->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "vcpupin") != 0)
            continue;
        m->pins = kd_realloc(m->pins, (m->npins + 1) * sizeof(*m->pins));
        m->pins[m->npins].vcpu = attr_uint(c, "vcpu");
        m->pins[m->npins++].cpuset = kd_hwx_attr(c, "cpuset");
    }
}

static void parse_devices(kd_hw_model *m, xmlNodePtr devices)
{
    for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, "disk") == 0)
            parse_disk(m, c);
        else if (strcmp((const char *)c->name, "interface") == 0)
            parse_nic(m, c);
    }
}

kd_hw_model *kd_hw_model_parse(const char *xml, kd_err *err)
{
    xmlDocPtr doc = kd_hwx_parse(xml, err);
    if (!doc)
        return NULL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    kd_hw_model *m = kd_calloc(1, sizeof(*m));
    xmlNodePtr name = kd_hwx_child(root, "name"), desc = kd_hwx_child(root, "description");
    m->name = name ? kd_hwx_text(name) : kd_strdup("");
    m->description = desc ? kd_hwx_text(desc) : kd_strdup("");
    m->maxmem_kib = node_kib(kd_hwx_child(root, "memory"));
    xmlNodePtr cur = kd_hwx_child(root, "currentMemory");
    m->mem_kib = cur ? node_kib(cur) : m->maxmem_kib;
    xmlNodePtr vcpu = kd_hwx_child(root, "vcpu");
    char *t = vcpu ? kd_hwx_text(vcpu) : kd_strdup("1");
    m->maxvcpus = (unsigned)strtoul(t, NULL, 10);
    free(t);
    m->vcpus = vcpu ? attr_uint(vcpu, "current") : 0;
    if (m->vcpus == 0)
        m->vcpus = m->maxvcpus;
    parse_cpu(m, kd_hwx_child(root, "cpu"));
    parse_os(m, kd_hwx_child(root, "os"));
    parse_devices(m, kd_hwx_child(root, "devices"));
    parse_pins(m, kd_hwx_child(root, "cputune"));
    xmlFreeDoc(doc);
    return m;
}

void kd_hw_model_free(kd_hw_model *m)
{
    if (!m)
        return;
    free(m->name);
    free(m->cpu_model);
    free(m->description);
    for (size_t i = 0; i < m->nboot; i++)
        free(m->boot_devs[i]);
    free(m->boot_devs);
    for (size_t i = 0; i < m->ndisks; i++) {
        kd_hw_disk *d = &m->disks[i];
        free(d->target);
        free(d->device);
        free(d->bus);
        free(d->type);
        free(d->source);
        free(d->format);
        free(d->cache);
    }
    free(m->disks);
    for (size_t i = 0; i < m->nnics; i++) {
        free(m->nics[i].type);
        free(m->nics[i].source);
        free(m->nics[i].model);
        free(m->nics[i].mac);
    }
    free(m->nics);
    for (size_t i = 0; i < m->npins; i++)
        free(m->pins[i].cpuset);
    free(m->pins);
    free(m);
}

const kd_hw_disk *kd_hw_model_disk(const kd_hw_model *m, const char *target)
{
    for (size_t i = 0; m && target && i < m->ndisks; i++)
        if (strcmp(m->disks[i].target, target) == 0)
            return &m->disks[i];
    return NULL;
}

const kd_hw_nic *kd_hw_model_nic(const kd_hw_model *m, const char *mac)
{
    for (size_t i = 0; m && mac && i < m->nnics; i++)
        if (strcasecmp(m->nics[i].mac, mac) == 0)
            return &m->nics[i];
    return NULL;
}

static const char *target_prefix(const char *bus)
{
    if (!bus || !*bus || strcmp(bus, "virtio") == 0)
        return "vd";
    if (strcmp(bus, "ide") == 0)
        return "hd";
    if (strcmp(bus, "fdc") == 0)
        return "fd";
    if (strcmp(bus, "xen") == 0)
        return "xvd";
    return "sd";
}

/* Linux's names: a..z, then aa..zz, as libvirt counts them. */
static void target_name(char *buf, size_t n, const char *prefix, unsigned idx)
{
    char suffix[8];
    int len = 0;
    char rev[8];
    unsigned i = idx;
    do {
        rev[len++] = (char)('a' + i % 26);
        i = i / 26;
    } while (i-- > 0 && len < 7);
    for (int k = 0; k < len; k++)
        suffix[k] = rev[len - 1 - k];
    suffix[len] = '\0';
    snprintf(buf, n, "%s%s", prefix, suffix);
}

char *kd_hw_model_next_target(const kd_hw_model *m, const char *bus)
{
    const char *prefix = target_prefix(bus);
    char name[32];
    for (unsigned i = 0;; i++) {
        target_name(name, sizeof(name), prefix, i);
        if (!kd_hw_model_disk(m, name))
            return kd_strdup(name);
    }
}
