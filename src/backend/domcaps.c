#include "backend/conn_priv.h"
#include "backend/domxml.h"
#include "backend/host.h"
#include "backend/virt.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

void kd_hostcaps_free(kd_hostcaps *c)
{
    if (!c)
        return;
    free(c->arch);
    free(c->virt_type);
    free(c->machine);
    free(c);
}

static xmlDocPtr parse(const char *xml, const char *what, kd_err *err)
{
    xmlDocPtr doc = xml ? xmlReadMemory(xml, (int)strlen(xml), what, NULL,
                                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
                        : NULL;
    if (!doc || !xmlDocGetRootElement(doc)) {
        kd_err_set(err, KD_ERR_INVALID, "%s: not well-formed XML", what);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

static bool named(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name);
}

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next) {
        if (named(n, name))
            return n;
    }
    return NULL;
}

static bool attr_is(xmlNodePtr n, const char *name, const char *value)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    bool eq = v && xmlStrEqual(v, BAD_CAST value);
    xmlFree(v);
    return eq;
}

static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    char *s = v ? kd_strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static char *text(xmlNodePtr n)
{
    xmlChar *v = n ? xmlNodeGetContent(n) : NULL;
    char *s = v ? kd_strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

/* Whether <enum name=NAME> under parent has a <value> equal to value, or containing it when
 * sub is set. */
static bool enum_has(xmlNodePtr parent, const char *name, const char *value, bool sub)
{
    for (xmlNodePtr e = parent ? parent->children : NULL; e; e = e->next) {
        bool is_enum = named(e, "enum") && (!name || attr_is(e, "name", name));
        for (xmlNodePtr v = is_enum ? e->children : NULL; v; v = v->next) {
            char *t = named(v, "value") ? text(v) : NULL;
            bool hit = t && (sub ? strstr(t, value) != NULL : kd_str_eq(t, value));
            free(t);
            if (hit)
                return true;
        }
    }
    return false;
}

/* Loader paths are bare <value> children of <loader>. */
static bool loader_has(xmlNodePtr loader, const char *sub)
{
    for (xmlNodePtr v = loader ? loader->children : NULL; v; v = v->next) {
        char *t = named(v, "value") ? text(v) : NULL;
        bool hit = t && (!sub || strstr(t, sub));
        free(t);
        if (hit)
            return true;
    }
    return false;
}

int kd_hostcaps_parse_domcaps(kd_hostcaps *c, const char *xml, kd_err *err)
{
    xmlDocPtr doc = parse(xml, "domain capabilities", err);
    if (!doc)
        return -1;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    char *max = attr(child(root, "vcpu"), "max");
    if (max)
        c->max_vcpus = (unsigned)strtoul(max, NULL, 10);
    free(max);
    char *dom = text(child(root, "domain"));
    if (dom && kd_str_eq(dom, "kvm"))
        c->kvm = true;
    free(dom);
    xmlNodePtr os = child(root, "os");
    xmlNodePtr loader = child(os, "loader");
    /* <os firmware='efi'> needs firmware descriptors, which the firmware enum lists. */
    c->uefi = attr_is(os, "supported", "yes") && enum_has(os, "firmware", "efi", false);
    c->secure_boot = c->uefi && (loader_has(loader, "secboot") || loader_has(loader, ".ms.") ||
                                 enum_has(loader, "secure", "yes", false));
    xmlFreeDoc(doc);
    return 0;
}

/* The guest architecture (the host's when offered) and its best domain type. */
static int parse_caps(kd_hostcaps *c, const char *xml, kd_err *err)
{
    xmlDocPtr doc = parse(xml, "capabilities", err);
    if (!doc)
        return -1;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    char *host_arch = text(child(child(child(root, "host"), "cpu"), "arch"));
    xmlNodePtr best = NULL;
    for (xmlNodePtr g = root->children; g; g = g->next) {
        xmlNodePtr arch = named(g, "guest") ? child(g, "arch") : NULL;
        char *os = text(child(g, "os_type"));
        bool hvm = os && kd_str_eq(os, "hvm");
        free(os);
        if (!arch || !hvm)
            continue;
        if (!best || (host_arch && attr_is(arch, "name", host_arch)))
            best = arch;
    }
    free(host_arch);
    if (!best) {
        kd_err_set(err, KD_ERR_INVALID, "the hypervisor offers no hardware-virtualized guests");
        xmlFreeDoc(doc);
        return -1;
    }
    c->arch = attr(best, "name");
    for (xmlNodePtr d = best->children; d; d = d->next) {
        if (!named(d, "domain"))
            continue;
        char *type = attr(d, "type");
        if (type && kd_str_eq(type, "kvm"))
            c->kvm = true;
        if (type && kd_str_eq(type, "qemu"))
            c->has_qemu = true;
        if (!c->virt_type && type)
            c->virt_type = kd_strdup(type);
        free(type);
    }
    if (c->virt_type && (c->kvm || c->has_qemu)) {
        free(c->virt_type);
        c->virt_type = kd_strdup(c->kvm ? "kvm" : "qemu");
        c->machine = kd_strdup("q35");
    }
    xmlFreeDoc(doc);
    return 0;
}

static void read_domcaps(kd_hostcaps *c, virConnectPtr vc)
{
    if (!c->machine)
        return;
    char *xml = virConnectGetDomainCapabilities(vc, NULL, c->arch, c->machine, c->virt_type, 0);
    if (!xml)
        xml = virConnectGetDomainCapabilities(vc, NULL, c->arch, NULL, c->virt_type, 0);
    if (!xml) {
        /* Listed but unusable (no /dev/kvm for this user, say): emulate. */
        if (c->kvm && c->has_qemu) {
            c->kvm = false;
            kd_domspec_set(&c->virt_type, "qemu");
            xml = virConnectGetDomainCapabilities(vc, NULL, c->arch, c->machine, "qemu", 0);
        }
    }
    virResetLastError();
    kd_err ignored;
    if (xml)
        kd_hostcaps_parse_domcaps(c, xml, &ignored);
    free(xml);
}

static void read_hugepages(kd_hostcaps *c, kd_conn *conn)
{
    kd_err ignored;
    kd_host_details *h = kd_host_get(conn, &ignored);
    if (!h)
        return;
    unsigned long long kib = 0;
    for (size_t i = 0; i < h->npages; i++) {
        if (h->pages[i].size_kib > 4)
            kib += h->pages[i].free * h->pages[i].size_kib;
    }
    c->hugepages_known = h->npages > 0;
    c->hugepages_free_mib = kib / 1024;
    kd_host_details_free(h);
}

kd_hostcaps *kd_hostcaps_read(kd_conn *conn, kd_err *err)
{
    virConnectPtr vc = kd_conn_virt(conn);
    if (!vc) {
        kd_err_set(err, KD_ERR_CONNECT, "reading the host's capabilities: not connected");
        return NULL;
    }
    char *xml = virConnectGetCapabilities(vc);
    if (!xml) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "reading the host's capabilities");
        return NULL;
    }
    kd_hostcaps *c = kd_calloc(1, sizeof(*c));
    int rc = parse_caps(c, xml, err);
    free(xml);
    if (rc < 0) {
        kd_hostcaps_free(c);
        return NULL;
    }
    read_domcaps(c, vc);
    read_hugepages(c, conn);
    const kd_host_info *h = kd_conn_host(conn);
    if (h) {
        c->host_cpus = h->cpus;
        c->host_mem_mib = h->mem_kib / 1024;
    }
    return c;
}
