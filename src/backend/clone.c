#include "backend/action.h"
#include "backend/action_priv.h"
#include "backend/conn_priv.h"
#include "backend/domain.h"
#include "backend/virt.h"
#include "core/str.h"

#include <ctype.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- XML helpers ---------------------------------------------------------------------- */

xmlNodePtr kd_xml_child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST name))
            return c;
    return NULL;
}

char *kd_xml_attr(xmlNodePtr node, const char *name)
{
    xmlChar *v = node ? xmlGetProp(node, BAD_CAST name) : NULL;
    if (!v)
        return NULL;
    char *s = kd_strdup((const char *)v);
    xmlFree(v);
    return s;
}

void kd_xml_set_text(xmlNodePtr node, const char *text)
{
    /* xmlNodeSetContent would read '&' as the start of an entity; a text node is literal. */
    xmlNodeSetContent(node, NULL);
    xmlAddChild(node, xmlNewText(BAD_CAST text));
}

/* ---- the storage behind <disk> elements ------------------------------------------------- */

/* Where each disk type keeps its source; only paths can be matched to a pool volume. */
static const struct {
    const char *type;
    const char *attr;
    bool by_path;
} source_attrs[] = {
    {"file", "file", true},
    {"block", "dev", true},
    {"dir", "dir", false},
    {"network", "name", false},
};

static virStorageVolPtr pool_volume(virConnectPtr vc, xmlNodePtr src, char **label)
{
    char *pool = kd_xml_attr(src, "pool");
    char *vol = kd_xml_attr(src, "volume");
    virStorageVolPtr v = NULL;
    if (pool && vol) {
        *label = kd_asprintf("%s/%s", pool, vol);
        virStoragePoolPtr p = virStoragePoolLookupByName(vc, pool);
        if (p) {
            v = virStorageVolLookupByName(p, vol);
            virStoragePoolFree(p);
        }
    }
    free(pool);
    free(vol);
    return v;
}

static virStorageVolPtr source_volume(virConnectPtr vc, const char *type, xmlNodePtr src,
                                      bool lookup, char **label)
{
    if (strcmp(type, "volume") == 0)
        return pool_volume(vc, src, label);
    for (size_t i = 0; i < sizeof(source_attrs) / sizeof(source_attrs[0]); i++) {
        if (strcmp(type, source_attrs[i].type) != 0)
            continue;
        *label = kd_xml_attr(src, source_attrs[i].attr);
        if (!*label || !lookup || !source_attrs[i].by_path || !vc)
            return NULL;
        return virStorageVolLookupByPath(vc, *label);
    }
    *label = kd_asprintf("(a disk of type %s)", type);
    return NULL;
}

static bool disk_shared(xmlNodePtr disk)
{
    char *device = kd_xml_attr(disk, "device");
    bool cdrom = device && strcmp(device, "cdrom") == 0;
    free(device);
    /* libvirt makes every CD-ROM read-only; a read-only or shareable disk is meant to be
     * used by several domains, so it belongs to none of them alone. */
    return cdrom || kd_xml_child(disk, "readonly") || kd_xml_child(disk, "shareable");
}

size_t kd_disks_read(virConnectPtr vc, xmlDocPtr doc, kd_disk **out)
{
    xmlNodePtr devices = kd_xml_child(xmlDocGetRootElement(doc), "devices");
    kd_disk *v = NULL;
    size_t n = 0, cap = 0;
    for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "disk"))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            v = kd_realloc(v, cap * sizeof(*v));
        }
        kd_disk *d = &v[n++];
        memset(d, 0, sizeof(*d));
        d->node = c;
        d->target = kd_xml_attr(kd_xml_child(c, "target"), "dev");
        if (!d->target)
            d->target = kd_strdup("?");
        d->shared = disk_shared(c);
        char *type = kd_xml_attr(c, "type");
        xmlNodePtr src = kd_xml_child(c, "source");
        if (src)
            d->vol = source_volume(vc, type ? type : "file", src, !d->shared, &d->source);
        free(type);
    }
    /* A path in no pool is an answer here, not an error. */
    virResetLastError();
    *out = v;
    return n;
}

void kd_disks_free(kd_disk *disks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(disks[i].target);
        free(disks[i].source);
        if (disks[i].vol)
            virStorageVolFree(disks[i].vol);
    }
    free(disks);
}

/* ---- a clone ---------------------------------------------------------------------------- */

typedef struct {
    virConnectPtr vc;
    const char *src_name;
    const char *new_name;
    xmlDocPtr doc;
    kd_disk *disks;
    size_t ndisks;
    virStorageVolPtr *made; /* volumes created so far, to delete if anything fails */
    size_t nmade;
} clone_ctx;

static int check_source(virDomainPtr dom, const char *name, kd_err *err)
{
    int state = 0, reason = 0;
    if (virDomainGetState(dom, &state, &reason, 0) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "clone %s", name);
        return -1;
    }
    if (state != VIR_DOMAIN_SHUTOFF) {
        const char *s = state >= 0 && state < KD_DOM_LAST ? kd_dom_state_name(state) : "?";
        kd_err_set(err, KD_ERR_INVALID, "clone %s: the domain must be shut off first (it is %s)",
                   name, s);
        return -1;
    }
    /* Its disks belong to the saved memory image: a clone booted from them would find
     * file systems still in use. */
    if (virDomainHasManagedSaveImage(dom, 0) == 1) {
        kd_err_set(err, KD_ERR_INVALID,
                   "clone %s: it has a saved state (managedsave); start and shut it down, "
                   "or remove the saved state, first",
                   name);
        return -1;
    }
    virResetLastError();
    return 0;
}

/* A new name, no UUID (libvirt makes one), and nothing else that must be unique per domain:
 * the SMBIOS UUID must match the new one, and a fresh UEFI variable store comes from the
 * firmware's template instead of sharing the source's file. */
static void set_identity(xmlDocPtr doc, const char *new_name)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr n;
    while ((n = kd_xml_child(root, "uuid"))) {
        xmlUnlinkNode(n);
        xmlFreeNode(n);
    }
    n = kd_xml_child(root, "name");
    if (!n)
        n = xmlNewChild(root, NULL, BAD_CAST "name", NULL);
    kd_xml_set_text(n, new_name);

    xmlNodePtr nvram = kd_xml_child(kd_xml_child(root, "os"), "nvram");
    if (nvram) {
        xmlNodeSetContent(nvram, NULL);
        xmlUnsetProp(nvram, BAD_CAST "type");
    }
    xmlNodePtr sys = kd_xml_child(kd_xml_child(root, "sysinfo"), "system");
    for (xmlNodePtr e = sys ? sys->children : NULL, next; e; e = next) {
        next = e->next;
        char *what = e->type == XML_ELEMENT_NODE ? kd_xml_attr(e, "name") : NULL;
        if (what && strcmp(what, "uuid") == 0) {
            xmlUnlinkNode(e);
            xmlFreeNode(e);
        }
        free(what);
    }
}

/* ---- MAC addresses ---------------------------------------------------------------------- */

typedef struct {
    char **v;
    size_t n;
    size_t cap;
} str_set;

static bool set_has(const str_set *s, const char *str)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcasecmp(s->v[i], str) == 0)
            return true;
    return false;
}

static void set_add(str_set *s, const char *str)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = kd_realloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n++] = kd_strdup(str);
}

static void set_free(str_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

/* Calls fn on every <interface><mac> of a domain document. */
static void each_mac(xmlDocPtr doc, void (*fn)(xmlNodePtr mac, void *opaque), void *opaque)
{
    xmlNodePtr devices = kd_xml_child(xmlDocGetRootElement(doc), "devices");
    for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "interface"))
            continue;
        xmlNodePtr mac = kd_xml_child(c, "mac");
        if (mac)
            fn(mac, opaque);
    }
}

static void collect_mac(xmlNodePtr mac, void *opaque)
{
    char *addr = kd_xml_attr(mac, "address");
    if (addr)
        set_add(opaque, addr);
    free(addr);
}

static void macs_of(virDomainPtr dom, unsigned flags, str_set *macs)
{
    char *xml = virDomainGetXMLDesc(dom, flags);
    xmlDocPtr doc = xml ? kd_xml_read(xml, "domain XML", NULL) : NULL;
    if (doc)
        each_mac(doc, collect_mac, macs);
    xmlFreeDoc(doc);
    free(xml);
}

/* Every MAC address of the host's domains, live and persistent. */
static int host_macs(virConnectPtr vc, str_set *macs, kd_err *err)
{
    virDomainPtr *list = NULL;
    int n = virConnectListAllDomains(vc, &list, 0);
    if (n < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "listing the host's MAC addresses");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        macs_of(list[i], 0, macs);
        if (virDomainIsActive(list[i]) == 1 && virDomainIsPersistent(list[i]) == 1)
            macs_of(list[i], VIR_DOMAIN_XML_INACTIVE, macs);
        virDomainFree(list[i]);
    }
    free(list);
    virResetLastError();
    return 0;
}

typedef struct {
    str_set *used;
    int failed;
} mac_ctx;

static void replace_mac(xmlNodePtr mac, void *opaque)
{
    mac_ctx *m = opaque;
    char addr[18];
    for (int tries = 0; tries < 1000; tries++) {
        unsigned char b[3];
        if (getentropy(b, sizeof(b)) < 0) {
            for (size_t i = 0; i < sizeof(b); i++)
                b[i] = (unsigned char)random();
        }
        /* 52:54:00 is QEMU's own range, with the locally administered bit set. */
        snprintf(addr, sizeof(addr), "52:54:00:%02x:%02x:%02x", b[0], b[1], b[2]);
        if (!set_has(m->used, addr)) {
            set_add(m->used, addr);
            xmlSetProp(mac, BAD_CAST "address", BAD_CAST addr);
            return;
        }
    }
    m->failed++;
}

static int new_macs(clone_ctx *c, kd_err *err)
{
    str_set used = {0};
    if (host_macs(c->vc, &used, err) < 0) {
        set_free(&used);
        kd_err_prefix(err, "clone %s", c->src_name);
        return -1;
    }
    mac_ctx m = {&used, 0};
    each_mac(c->doc, replace_mac, &m);
    set_free(&used);
    if (m.failed) {
        kd_err_set(err, KD_ERR_INVALID, "clone %s: no free MAC address found in 52:54:00",
                   c->src_name);
        return -1;
    }
    return 0;
}

/* ---- copying volumes -------------------------------------------------------------------- */

/* Refuse before anything is created: a disk outside every pool cannot be copied. */
static int check_disks(clone_ctx *c, kd_err *err)
{
    for (size_t i = 0; i < c->ndisks; i++) {
        const kd_disk *d = &c->disks[i];
        if (!d->source || d->shared || d->vol)
            continue;
        kd_err_set(err, KD_ERR_INVALID,
                   "clone %s: disk %s (%s) is in no storage pool, so it cannot be copied; "
                   "refresh or add its pool, or detach the disk",
                   c->src_name, d->target, d->source);
        return -1;
    }
    return 0;
}

/* Volume names follow the new domain's name; characters a shell would trip on become '_'. */
static char *vol_base(const char *dom_name)
{
    char *s = kd_strdup(dom_name);
    for (unsigned char *p = (unsigned char *)s; *p; p++)
        if (*p < 0x80 && !isalnum(*p) && !strchr("._+-", *p))
            *p = '_';
    return s;
}

static char *vol_suffix(const char *src_vol, const char *format)
{
    const char *dot = strrchr(src_vol, '.');
    if (dot && dot != src_vol && strlen(dot) > 1 && strlen(dot) <= 8) {
        bool ok = true;
        for (const char *p = dot + 1; *p; p++)
            ok = ok && isalnum((unsigned char)*p);
        if (ok)
            return kd_strdup(dot);
    }
    if (!format)
        return kd_strdup("");
    return kd_asprintf(".%s", strcmp(format, "raw") == 0 ? "img" : format);
}

static char *free_vol_name(virStoragePoolPtr pool, const char *base, const char *suffix)
{
    for (int i = 0; i < 1000; i++) {
        char *name =
            i ? kd_asprintf("%s-%d%s", base, i, suffix) : kd_asprintf("%s%s", base, suffix);
        virStorageVolPtr v = virStorageVolLookupByName(pool, name);
        if (!v) {
            virResetLastError();
            return name;
        }
        virStorageVolFree(v);
        free(name);
    }
    return NULL;
}

static char *vol_format(virStorageVolPtr vol)
{
    char *xml = virStorageVolGetXMLDesc(vol, 0);
    xmlDocPtr doc = xml ? kd_xml_read(xml, "volume XML", NULL) : NULL;
    char *format = NULL;
    if (doc)
        format = kd_xml_attr(
            kd_xml_child(kd_xml_child(xmlDocGetRootElement(doc), "target"), "format"), "type");
    xmlFreeDoc(doc);
    free(xml);
    return format;
}

static void add_size(xmlNodePtr parent, const char *tag, unsigned long long bytes)
{
    char num[32];
    snprintf(num, sizeof(num), "%llu", bytes);
    xmlNodePtr n = xmlNewTextChild(parent, NULL, BAD_CAST tag, BAD_CAST num);
    xmlNewProp(n, BAD_CAST "unit", BAD_CAST "bytes");
}

/* No backing store: libvirt copies the whole chain into one standalone volume. */
static char *vol_xml(const char *name, const virStorageVolInfo *info, const char *format)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "volume");
    xmlDocSetRootElement(doc, root);
    xmlNewTextChild(root, NULL, BAD_CAST "name", BAD_CAST name);
    add_size(root, "capacity", info->capacity);
    add_size(root, "allocation", info->allocation);
    if (format) {
        xmlNodePtr target = xmlNewChild(root, NULL, BAD_CAST "target", NULL);
        xmlNodePtr f = xmlNewChild(target, NULL, BAD_CAST "format", NULL);
        xmlNewProp(f, BAD_CAST "type", BAD_CAST format);
    }
    char *s = kd_xml_write(doc);
    xmlFreeDoc(doc);
    return s;
}

static virStorageVolPtr copy_volume(clone_ctx *c, const kd_disk *d, kd_err *err)
{
    virStorageVolPtr copy = NULL;
    char *format = vol_format(d->vol), *base = vol_base(c->new_name), *name = NULL;
    char *suffix = vol_suffix(virStorageVolGetName(d->vol), format), *xml = NULL;
    virStorageVolInfo info;
    virStoragePoolPtr pool = virStoragePoolLookupByVolume(d->vol);
    if (!pool || virStorageVolGetInfo(d->vol, &info) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "clone %s: disk %s", c->src_name, d->target);
        goto cleanup;
    }
    if (!(name = free_vol_name(pool, base, suffix))) {
        kd_err_set(err, KD_ERR_INVALID, "clone %s: no free volume name for %s%s", c->src_name, base,
                   suffix);
        goto cleanup;
    }
    xml = vol_xml(name, &info, format);
    copy = virStorageVolCreateXMLFrom(pool, xml, d->vol, 0);
    if (!copy)
        kd_virt_err(err, KD_ERR_LIBVIRT, "clone %s: copying disk %s (%s) to %s", c->src_name,
                    d->target, d->source, name);
cleanup:
    if (pool)
        virStoragePoolFree(pool);
    free(format);
    free(base);
    free(suffix);
    free(name);
    free(xml);
    return copy;
}

static int repoint_disk(const kd_disk *d, virStorageVolPtr copy, kd_err *err)
{
    char *type = kd_xml_attr(d->node, "type");
    xmlNodePtr src = kd_xml_child(d->node, "source");
    int rc = 0;
    if (type && strcmp(type, "volume") == 0) {
        xmlSetProp(src, BAD_CAST "volume", BAD_CAST virStorageVolGetName(copy));
    } else {
        char *path = virStorageVolGetPath(copy);
        if (path)
            xmlSetProp(src, BAD_CAST(type && strcmp(type, "block") == 0 ? "dev" : "file"),
                       BAD_CAST path);
        else
            kd_virt_err(err, KD_ERR_LIBVIRT, "disk %s: the copy's path", d->target);
        rc = path ? 0 : -1;
        free(path);
    }
    xmlNodePtr backing = kd_xml_child(d->node, "backingStore");
    if (backing) {
        xmlUnlinkNode(backing);
        xmlFreeNode(backing);
    }
    free(type);
    return rc;
}

static int copy_disks(clone_ctx *c, kd_err *err)
{
    c->made = kd_calloc(c->ndisks, sizeof(*c->made));
    for (size_t i = 0; i < c->ndisks; i++) {
        const kd_disk *d = &c->disks[i];
        if (!d->source || d->shared)
            continue;
        virStorageVolPtr copy = copy_volume(c, d, err);
        if (!copy)
            return -1;
        c->made[c->nmade++] = copy;
        if (repoint_disk(d, copy, err) < 0)
            return -1;
    }
    return 0;
}

/* Leave nothing half-made; a copy that cannot be removed is named in the error. */
static void rollback(clone_ctx *c, kd_err *err)
{
    for (size_t i = 0; i < c->nmade; i++) {
        if (virStorageVolDelete(c->made[i], 0) == 0)
            continue;
        virErrorPtr e = virGetLastError();
        char *path = virStorageVolGetPath(c->made[i]);
        char *old = kd_strdup(err ? err->msg : "");
        kd_err_set(err, err ? err->code : KD_ERR_LIBVIRT,
                   "%s (and the copy %s could not be removed: %s)", old, path ? path : "?",
                   e && e->message ? e->message : "unknown error");
        free(old);
        free(path);
    }
}

static int define_clone(clone_ctx *c, kd_err *err)
{
    char *xml = kd_xml_write(c->doc);
    virDomainPtr dom = kd_dom_define_raw(c->vc, xml);
    free(xml);
    if (!dom) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "clone %s: defining %s", c->src_name, c->new_name);
        return -1;
    }
    virDomainFree(dom);
    return 0;
}

static int clone_steps(clone_ctx *c, virDomainPtr dom, kd_conn *conn, kd_err *err)
{
    if (check_source(dom, c->src_name, err) < 0)
        return -1;
    if (kd_dom_check_name(conn, c->new_name, err) < 0) {
        kd_err_prefix(err, "clone %s", c->src_name);
        return -1;
    }
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (!xml) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "clone %s", c->src_name);
        return -1;
    }
    c->doc = kd_xml_read(xml, "domain XML", err);
    free(xml);
    if (!c->doc) {
        kd_err_prefix(err, "clone %s", c->src_name);
        return -1;
    }
    set_identity(c->doc, c->new_name);
    if (new_macs(c, err) < 0)
        return -1;
    c->ndisks = kd_disks_read(c->vc, c->doc, &c->disks);
    if (check_disks(c, err) < 0 || copy_disks(c, err) < 0 || define_clone(c, err) < 0)
        return -1;
    return 0;
}

int kd_dom_clone(kd_conn *conn, const char *uuid, const char *new_name, kd_err *err)
{
    if (kd_conn_check_writable(conn, "clone", err) < 0)
        return -1;
    virDomainPtr dom = kd_conn_lookup(conn, uuid, err);
    if (!dom)
        return -1;
    char *src_name = kd_strdup(virDomainGetName(dom));
    clone_ctx c = {.src_name = src_name, .new_name = new_name};
    c.vc = kd_action_virt(conn, "clone", err);
    int rc = c.vc ? clone_steps(&c, dom, conn, err) : -1;
    if (rc < 0)
        rollback(&c, err);
    for (size_t i = 0; i < c.nmade; i++)
        virStorageVolFree(c.made[i]);
    free(c.made);
    kd_disks_free(c.disks, c.ndisks);
    xmlFreeDoc(c.doc);
    free(src_name);
    virDomainFree(dom);
    return rc;
}
