#include "backend/domxml.h"
#include "core/str.h"

#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the answers ------------------------------------------------------------------------ */

/* Every string of the answers, for the loops that allocate, copy and free them. */
#define SPEC_STRINGS(s)                                                                            \
    {                                                                                              \
        &(s)->name, &(s)->media, &(s)->url, &(s)->kernel, &(s)->initrd, &(s)->cmdline, &(s)->os,   \
            &(s)->pool, &(s)->disk_format, &(s)->disk, &(s)->nic_source, &(s)->vnc_password,       \
            &(s)->virt_type, &(s)->pin                                                             \
    }

kd_domspec *kd_domspec_new(void)
{
    kd_domspec *s = kd_calloc(1, sizeof(*s));
    char **strs[] = SPEC_STRINGS(s);
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        *strs[i] = kd_strdup("");
    kd_domspec_set(&s->pool, "default");
    kd_domspec_set(&s->disk_format, "qcow2");
    kd_domspec_set(&s->nic_source, "default");
    s->memory_mib = 1024;
    s->vcpus = 1;
    s->disk_mib = 10240;
    s->stor = KD_STOR_NEW;
    s->nic = KD_NIC_NETWORK;
    s->vnc = s->rng = s->agent = s->virtio = true;
    return s;
}

void kd_domspec_set(char **field, const char *value)
{
    char *v = kd_strdup(value ? value : "");
    free(*field);
    *field = v;
}

void kd_domspec_free(kd_domspec *s)
{
    if (!s)
        return;
    char **strs[] = SPEC_STRINGS(s);
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        free(*strs[i]);
    free(s);
}

kd_domspec *kd_domspec_copy(const kd_domspec *src)
{
    kd_domspec *s = kd_malloc(sizeof(*s));
    *s = *src;
    char **strs[] = SPEC_STRINGS(s);
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        *strs[i] = kd_strdup(*strs[i] ? *strs[i] : "");
    return s;
}

char *kd_domspec_volume_name(const kd_domspec *s)
{
    return kd_asprintf("%s.%s", s->name, kd_str_eq(s->disk_format, "raw") ? "img" : "qcow2");
}

/* ---- XML helpers ------------------------------------------------------------------------ */

/* Text and attribute values are escaped by libxml2 on output. */
static xmlNodePtr el(xmlNodePtr parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, NULL, BAD_CAST name, text ? BAD_CAST text : NULL);
}

static void at(xmlNodePtr n, const char *name, const char *value)
{
    xmlNewProp(n, BAD_CAST name, BAD_CAST value);
}

static xmlNodePtr el_at(xmlNodePtr parent, const char *name, const char *attr, const char *value)
{
    xmlNodePtr n = el(parent, name, NULL);
    at(n, attr, value);
    return n;
}

static void at_num(xmlNodePtr n, const char *name, unsigned long long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", v);
    at(n, name, buf);
}

/* ---- devices ---------------------------------------------------------------------------- */

typedef struct {
    const kd_domspec *s;
    const kd_hostcaps *caps;
    const char *type; /* the domain type */
    bool q35;
    int next_virtio; /* vda, vdb... */
    int next_scsi;   /* sda, sdb... (sata or ide) */
} build_ctx;

/* A pool volume's format is the pool's to say (libvirt fills it in); a bare file is raw
 * unless its name says qcow2, since libvirt does not probe formats. */
static const char *guess_format(const char *ref)
{
    if (ref[0] != '/')
        return NULL;
    const char *dot = strrchr(ref, '.');
    if (dot && (kd_str_eq(dot, ".qcow2") || kd_str_eq(dot, ".qcow")))
        return "qcow2";
    return "raw";
}

/* <source> for a file or a pool volume; the disk's type attribute to match. */
static void disk_source(xmlNodePtr disk, const char *ref)
{
    if (ref[0] == '/') {
        at(disk, "type", "file");
        el_at(disk, "source", "file", ref);
        return;
    }
    const char *slash = strchr(ref, '/');
    char *pool = kd_strndup(ref, slash ? (size_t)(slash - ref) : strlen(ref));
    at(disk, "type", "volume");
    xmlNodePtr src = el_at(disk, "source", "pool", pool);
    at(src, "volume", slash ? slash + 1 : "");
    free(pool);
}

static void disk_target(build_ctx *c, xmlNodePtr disk, bool cdrom)
{
    char dev[8];
    const char *bus;
    if (!cdrom && c->s->virtio) {
        snprintf(dev, sizeof(dev), "vd%c", 'a' + c->next_virtio++);
        bus = "virtio";
    } else {
        snprintf(dev, sizeof(dev), "sd%c", 'a' + c->next_scsi++);
        bus = c->q35 ? "sata" : "ide";
        if (!c->q35)
            dev[0] = 'h';
    }
    xmlNodePtr t = el_at(disk, "target", "dev", dev);
    at(t, "bus", bus);
}

static void boot_order(xmlNodePtr dev, int order)
{
    if (order > 0)
        at_num(el(dev, "boot", NULL), "order", (unsigned long long)order);
}

static void add_cdrom(build_ctx *c, xmlNodePtr devs, const kd_url *url, int order)
{
    xmlNodePtr d = el_at(devs, "disk", "device", "cdrom");
    xmlNodePtr drv = el_at(d, "driver", "name", "qemu");
    at(drv, "type", "raw");
    if (url) {
        at(d, "type", "network");
        xmlNodePtr src = el_at(d, "source", "protocol", url->scheme);
        at(src, "name", url->path);
        xmlNodePtr host = el_at(src, "host", "name", url->host);
        at_num(host, "port", (unsigned long long)url->port);
    } else {
        disk_source(d, c->s->media);
    }
    disk_target(c, d, true);
    el(d, "readonly", NULL);
    boot_order(d, order);
}

static void add_disk(build_ctx *c, xmlNodePtr devs, const char *ref, const char *format, int order)
{
    xmlNodePtr d = el_at(devs, "disk", "device", "disk");
    xmlNodePtr drv = el_at(d, "driver", "name", "qemu");
    if (format)
        at(drv, "type", format);
    disk_source(d, ref);
    disk_target(c, d, false);
    boot_order(d, order);
}

static void add_nic(build_ctx *c, xmlNodePtr devs, int order)
{
    static const char *const types[KD_NIC_LAST] = {"network", "bridge", "direct", NULL};
    const kd_domspec *s = c->s;
    if (s->nic == KD_NIC_NONE || s->nic >= KD_NIC_LAST)
        return;
    xmlNodePtr n = el_at(devs, "interface", "type", types[s->nic]);
    if (s->nic == KD_NIC_NETWORK) {
        el_at(n, "source", "network", s->nic_source);
    } else if (s->nic == KD_NIC_BRIDGE) {
        el_at(n, "source", "bridge", s->nic_source);
    } else {
        xmlNodePtr src = el_at(n, "source", "dev", s->nic_source);
        at(src, "mode", "bridge");
    }
    el_at(n, "model", "type", s->virtio ? "virtio" : "e1000e");
    boot_order(n, order);
}

static void add_console(xmlNodePtr devs)
{
    xmlNodePtr serial = el_at(devs, "serial", "type", "pty");
    at(el(serial, "target", NULL), "port", "0");
    xmlNodePtr cons = el_at(devs, "console", "type", "pty");
    xmlNodePtr t = el_at(cons, "target", "type", "serial");
    at(t, "port", "0");
}

static void add_extras(build_ctx *c, xmlNodePtr devs)
{
    const kd_domspec *s = c->s;
    if (s->agent) {
        xmlNodePtr ch = el_at(devs, "channel", "type", "unix");
        xmlNodePtr t = el_at(ch, "target", "type", "virtio");
        at(t, "name", "org.qemu.guest_agent.0");
    }
    if (s->rng) {
        xmlNodePtr rng = el_at(devs, "rng", "model", "virtio");
        xmlNodePtr be = el(rng, "backend", "/dev/urandom");
        at(be, "model", "random");
    }
    if (s->vnc) {
        xmlNodePtr g = el_at(devs, "graphics", "type", "vnc");
        at(g, "port", "-1");
        at(g, "autoport", "yes");
        at(g, "listen", "127.0.0.1");
        if (*s->vnc_password)
            at(g, "passwd", s->vnc_password);
        xmlNodePtr l = el_at(g, "listen", "type", "address");
        at(l, "address", "127.0.0.1");
        xmlNodePtr in = el_at(devs, "input", "type", "tablet");
        at(in, "bus", "usb");
        el_at(el(devs, "video", NULL), "model", "type", "vga");
    }
    el_at(devs, "memballoon", "model", s->virtio ? "virtio" : "none");
}

static int add_devices(build_ctx *c, xmlNodePtr root, kd_err *err)
{
    const kd_domspec *s = c->s;
    xmlNodePtr devs = el(root, "devices", NULL);
    bool from_cd = s->src == KD_SRC_ISO || s->src == KD_SRC_URL;
    int disk_order = s->src == KD_SRC_KERNEL ? 0 : from_cd || s->src == KD_SRC_PXE ? 2 : 1;
    if (s->src == KD_SRC_IMPORT) {
        add_disk(c, devs, s->disk, guess_format(s->disk), disk_order);
    } else if (s->stor == KD_STOR_NEW) {
        char *vol = kd_domspec_volume_name(s);
        char *ref = kd_asprintf("%s/%s", s->pool, vol);
        add_disk(c, devs, ref, s->disk_format, disk_order);
        free(ref);
        free(vol);
    } else if (s->stor == KD_STOR_EXISTING) {
        add_disk(c, devs, s->disk, guess_format(s->disk), disk_order);
    }
    if (s->src == KD_SRC_ISO) {
        add_cdrom(c, devs, NULL, 1);
    } else if (s->src == KD_SRC_URL) {
        kd_url url;
        if (kd_url_parse(s->url, &url, err) < 0)
            return -1;
        add_cdrom(c, devs, &url, 1);
        kd_url_clear(&url);
    }
    add_nic(c, devs, s->src == KD_SRC_PXE ? 1 : 0);
    add_console(devs);
    add_extras(c, devs);
    return 0;
}

/* ---- the domain ------------------------------------------------------------------------- */

static void add_os(build_ctx *c, xmlNodePtr root)
{
    const kd_domspec *s = c->s;
    xmlNodePtr os = el(root, "os", NULL);
    if (s->fw != KD_FW_BIOS)
        at(os, "firmware", "efi");
    xmlNodePtr type = el(os, "type", "hvm");
    if (c->caps->arch)
        at(type, "arch", c->caps->arch);
    if (c->q35)
        at(type, "machine", c->caps->machine);
    if (s->fw == KD_FW_UEFI_SECURE) {
        xmlNodePtr fw = el(os, "firmware", NULL);
        xmlNodePtr f = el_at(fw, "feature", "enabled", "yes");
        at(f, "name", "enrolled-keys");
        f = el_at(fw, "feature", "enabled", "yes");
        at(f, "name", "secure-boot");
    }
    if (s->src == KD_SRC_KERNEL) {
        el(os, "kernel", s->kernel);
        if (*s->initrd)
            el(os, "initrd", s->initrd);
        if (*s->cmdline)
            el(os, "cmdline", s->cmdline);
    }
}

/* One vCPU per CPU of the list, in order, wrapping round when there are more vCPUs. */
static int add_cputune(const kd_domspec *s, xmlNodePtr root, kd_err *err)
{
    if (!*s->pin)
        return 0;
    if (kd_domspec_check_pin(s->pin, 0, err) < 0)
        return -1;
    unsigned cpus[1024];
    size_t n = 0;
    char *list = kd_strdup(s->pin), *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok && n < 1024;
         tok = strtok_r(NULL, ",", &save)) {
        unsigned a, b;
        if (sscanf(tok, "%u-%u", &a, &b) != 2)
            b = a = (unsigned)strtoul(tok, NULL, 10);
        for (unsigned i = a; i <= b && n < 1024; i++)
            cpus[n++] = i;
    }
    free(list);
    xmlNodePtr tune = el(root, "cputune", NULL);
    for (unsigned v = 0; v < s->vcpus; v++) {
        xmlNodePtr p = el(tune, "vcpupin", NULL);
        at_num(p, "vcpu", v);
        at_num(p, "cpuset", cpus[v % n]);
    }
    return 0;
}

static void add_basics(build_ctx *c, xmlNodePtr root)
{
    const kd_domspec *s = c->s;
    at(root, "type", c->type);
    el(root, "name", s->name);
    char mem[32];
    snprintf(mem, sizeof(mem), "%llu", s->memory_mib);
    at(el(root, "memory", mem), "unit", "MiB");
    at(el(root, "currentMemory", mem), "unit", "MiB");
    char n[16];
    snprintf(n, sizeof(n), "%u", s->vcpus);
    at(el(root, "vcpu", n), "placement", "static");
    if (s->hugepages)
        el(el(root, "memoryBacking", NULL), "hugepages", NULL);
}

static void add_features(build_ctx *c, xmlNodePtr root)
{
    const kd_domspec *s = c->s;
    xmlNodePtr f = el(root, "features", NULL);
    el(f, "acpi", NULL);
    el(f, "apic", NULL);
    if (s->fw == KD_FW_UEFI_SECURE)
        el_at(f, "smm", "state", "on");
    if (kd_str_eq(c->type, "kvm")) {
        xmlNodePtr cpu = el_at(root, "cpu", "mode", "host-passthrough");
        at(cpu, "check", "none");
        at(cpu, "migratable", "on");
    }
    bool windows = strncmp(s->os, "win", 3) == 0;
    el_at(root, "clock", "offset", windows ? "localtime" : "utc");
    el(root, "on_poweroff", "destroy");
    el(root, "on_reboot", "restart");
    el(root, "on_crash", "destroy");
}

char *kd_domxml_build(const kd_domspec *s, const kd_hostcaps *caps, kd_err *err)
{
    build_ctx c = {.s = s, .caps = caps};
    c.type = *s->virt_type ? s->virt_type : caps->virt_type ? caps->virt_type : "qemu";
    c.q35 = caps->machine != NULL && (kd_str_eq(c.type, "kvm") || kd_str_eq(c.type, "qemu"));
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "domain");
    xmlDocSetRootElement(doc, root);
    add_basics(&c, root);
    if (add_cputune(s, root, err) < 0) {
        xmlFreeDoc(doc);
        return NULL;
    }
    add_os(&c, root);
    add_features(&c, root);
    if (add_devices(&c, root, err) < 0) {
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlChar *out = NULL;
    int len = 0;
    xmlDocDumpFormatMemory(doc, &out, &len, 1);
    xmlFreeDoc(doc);
    if (!out)
        kd_die_oom();
    char *xml = kd_strndup((const char *)out, (size_t)len);
    xmlFree(out);
    return xml;
}
