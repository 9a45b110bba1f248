#include "backend/hwedit_priv.h"
#include "core/str.h"

#include <libxml/parser.h>
#include <libxml/xmlsave.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- helpers ---- */

xmlDocPtr kd_hwx_parse(const char *xml, kd_err *err)
{
    xmlDocPtr doc = xml ? xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
                                        XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                                            XML_PARSE_NOWARNING)
                        : NULL;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || strcmp((const char *)root->name, "domain") != 0) {
        kd_err_set(err, KD_ERR_INVALID, "not a domain XML");
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

char *kd_hwx_dump_doc(xmlDocPtr doc)
{
    /* As libvirt writes it: indented, without an <?xml?> declaration. */
    xmlBufferPtr b = xmlBufferCreate();
    xmlSaveCtxtPtr ctx = xmlSaveToBuffer(b, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL);
    if (ctx) {
        xmlSaveDoc(ctx, doc);
        xmlSaveClose(ctx);
    }
    char *s = kd_strdup(xmlBufferContent(b) ? (const char *)xmlBufferContent(b) : "");
    xmlBufferFree(b);
    return s;
}

char *kd_hwx_dump_node(xmlNodePtr node)
{
    xmlBufferPtr b = xmlBufferCreate();
    xmlNodeDump(b, node->doc, node, 0, 0);
    char *s = kd_strdup((const char *)xmlBufferContent(b));
    xmlBufferFree(b);
    return s;
}

xmlNodePtr kd_hwx_child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

xmlNodePtr kd_hwx_ensure(xmlNodePtr parent, const char *name)
{
    xmlNodePtr c = kd_hwx_child(parent, name);
    return c ? c : xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

void kd_hwx_remove(xmlNodePtr node)
{
    if (!node)
        return;
    xmlUnlinkNode(node);
    xmlFreeNode(node);
}

char *kd_hwx_attr(xmlNodePtr node, const char *name)
{
    xmlChar *v = node ? xmlGetProp(node, BAD_CAST name) : NULL;
    char *s = kd_strdup(v ? (const char *)v : "");
    xmlFree(v);
    return s;
}

char *kd_hwx_text(xmlNodePtr node)
{
    xmlChar *v = node ? xmlNodeGetContent(node) : NULL;
    char *s = kd_strdup(v ? (const char *)v : "");
    xmlFree(v);
    return s;
}

void kd_hwx_set_text(xmlNodePtr node, const char *text)
{
    /* xmlNodeSetContent reads entities; the encoded form keeps '&' and '<' literal. */
    xmlChar *enc = xmlEncodeSpecialChars(node->doc, BAD_CAST text);
    xmlNodeSetContent(node, enc);
    xmlFree(enc);
}

void kd_hwx_set_ull(xmlNodePtr node, unsigned long long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", v);
    xmlNodeSetContent(node, BAD_CAST buf);
}

static xmlNodePtr find_device(xmlDocPtr doc, const char *elem, const char *child, const char *attr,
                              const char *value)
{
    xmlNodePtr devices = kd_hwx_child(xmlDocGetRootElement(doc), "devices");
    for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, elem) != 0)
            continue;
        char *v = kd_hwx_attr(kd_hwx_child(c, child), attr);
        bool match = strcasecmp(v, value) == 0;
        free(v);
        if (match)
            return c;
    }
    return NULL;
}

xmlNodePtr kd_hwx_find_disk(xmlDocPtr doc, const char *target)
{
    return find_device(doc, "disk", "target", "dev", target);
}

xmlNodePtr kd_hwx_find_nic(xmlDocPtr doc, const char *mac)
{
    return find_device(doc, "interface", "mac", "address", mac);
}

/* ---- device elements ---- */

void kd_hwx_disk_set_source(xmlNodePtr disk, const char *path, const char *pool, const char *volume)
{
    kd_hwx_remove(kd_hwx_child(disk, "source"));
    bool vol = pool && *pool && volume && *volume;
    xmlSetProp(disk, BAD_CAST "type", BAD_CAST(vol ? "volume" : "file"));
    if (!vol && !(path && *path))
        return;
    /* <source> comes right after <driver> for readability; libvirt does not mind order. */
    xmlNodePtr src = xmlNewNode(NULL, BAD_CAST "source");
    xmlNodePtr driver = kd_hwx_child(disk, "driver");
    if (driver)
        xmlAddNextSibling(driver, src);
    else if (disk->children)
        xmlAddPrevSibling(disk->children, src);
    else
        xmlAddChild(disk, src);
    if (vol) {
        xmlSetProp(src, BAD_CAST "pool", BAD_CAST pool);
        xmlSetProp(src, BAD_CAST "volume", BAD_CAST volume);
    } else {
        xmlSetProp(src, BAD_CAST "file", BAD_CAST path);
    }
}

xmlNodePtr kd_hwx_disk_node(const kd_hw_disk_spec *s, const char *target, kd_err *err)
{
    const char *device = s->device && *s->device ? s->device : "disk";
    bool cdrom = strcmp(device, "cdrom") == 0;
    if (!cdrom && strcmp(device, "disk") != 0) {
        kd_err_set(err, KD_ERR_INVALID, "device '%s': disk or cdrom", device);
        return NULL;
    }
    bool has_src = (s->path && *s->path) || (s->pool && *s->pool && s->volume && *s->volume);
    if (!cdrom && !has_src) {
        kd_err_set(err, KD_ERR_INVALID, "a disk needs a file or a volume");
        return NULL;
    }
    const char *bus = s->bus && *s->bus ? s->bus : cdrom ? "sata" : "virtio";
    if (cdrom && strcmp(bus, "virtio") == 0) {
        kd_err_set(err, KD_ERR_INVALID, "a CD-ROM cannot be on the virtio bus (sata, scsi, ide)");
        return NULL;
    }
    xmlNodePtr disk = xmlNewNode(NULL, BAD_CAST "disk");
    xmlSetProp(disk, BAD_CAST "device", BAD_CAST device);
    xmlNodePtr driver = xmlNewChild(disk, NULL, BAD_CAST "driver", NULL);
    xmlSetProp(driver, BAD_CAST "name", BAD_CAST "qemu");
    const char *format = s->format ? s->format : "raw";
    if (*format)
        xmlSetProp(driver, BAD_CAST "type", BAD_CAST format);
    if (s->cache && *s->cache)
        xmlSetProp(driver, BAD_CAST "cache", BAD_CAST s->cache);
    kd_hwx_disk_set_source(disk, s->path, s->pool, s->volume);
    xmlNodePtr t = xmlNewChild(disk, NULL, BAD_CAST "target", NULL);
    xmlSetProp(t, BAD_CAST "dev", BAD_CAST target);
    xmlSetProp(t, BAD_CAST "bus", BAD_CAST bus);
    if (cdrom)
        xmlNewChild(disk, NULL, BAD_CAST "readonly", NULL);
    return disk;
}

static const char *nic_source_attr(const char *type)
{
    if (strcmp(type, "network") == 0)
        return "network";
    if (strcmp(type, "bridge") == 0)
        return "bridge";
    if (strcmp(type, "direct") == 0)
        return "dev";
    return NULL;
}

xmlNodePtr kd_hwx_nic_node(const kd_hw_nic_spec *s, const char *mac, kd_err *err)
{
    const char *type = s->type && *s->type ? s->type : "network";
    const char *attr = nic_source_attr(type);
    if (!attr) {
        kd_err_set(err, KD_ERR_INVALID, "NIC type '%s': network, bridge or direct", type);
        return NULL;
    }
    if (!s->source || !*s->source) {
        kd_err_set(err, KD_ERR_INVALID, "a %s NIC needs a source (%s)", type,
                   strcmp(type, "network") == 0  ? "a network's name"
                   : strcmp(type, "bridge") == 0 ? "a bridge's name"
                                                 : "a host interface");
        return NULL;
    }
    if (mac && *mac && kd_hw_check_mac(mac, err) < 0)
        return NULL;
    xmlNodePtr nic = xmlNewNode(NULL, BAD_CAST "interface");
    xmlSetProp(nic, BAD_CAST "type", BAD_CAST type);
    if (mac && *mac)
        xmlSetProp(xmlNewChild(nic, NULL, BAD_CAST "mac", NULL), BAD_CAST "address", BAD_CAST mac);
    xmlNodePtr src = xmlNewChild(nic, NULL, BAD_CAST "source", NULL);
    xmlSetProp(src, BAD_CAST attr, BAD_CAST s->source);
    if (strcmp(type, "direct") == 0)
        xmlSetProp(src, BAD_CAST "mode", BAD_CAST "bridge");
    if (s->model && *s->model)
        xmlSetProp(xmlNewChild(nic, NULL, BAD_CAST "model", NULL), BAD_CAST "type",
                   BAD_CAST s->model);
    return nic;
}

char *kd_hw_disk_xml(const kd_hw_disk_spec *spec, const char *target, kd_err *err)
{
    xmlNodePtr n = kd_hwx_disk_node(spec, target, err);
    if (!n)
        return NULL;
    char *s = kd_hwx_dump_node(n);
    xmlFreeNode(n);
    return s;
}

char *kd_hw_nic_xml(const kd_hw_nic_spec *spec, const char *mac, kd_err *err)
{
    xmlNodePtr n = kd_hwx_nic_node(spec, mac, err);
    if (!n)
        return NULL;
    char *s = kd_hwx_dump_node(n);
    xmlFreeNode(n);
    return s;
}
