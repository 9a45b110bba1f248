#include "backend/action_priv.h"
#include "backend/storage.h"
#include "backend/storage_priv.h"
#include "backend/virt.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- listing ------------------------------------------------------------------------------ */

static const char *const vol_types[] = {"file", "block", "dir", "network", "netdir", "ploop"};

static void vol_read_xml(virStorageVolPtr v, kd_vol *out)
{
    char *xml = virStorageVolGetXMLDesc(v, 0);
    xmlDocPtr doc = xml ? kd_xml_read(xml, "volume XML", NULL) : NULL;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlNodePtr target = kd_xml_child(root, "target");
    out->format = kd_xml_attr(kd_xml_child(target, "format"), "type");
    static const char *const backing[] = {"backingStore", "path", NULL};
    out->backing = root ? kd_storage_xml_text(root, backing) : NULL;
    if (!out->format)
        out->format = kd_strdup("");
    if (!out->backing)
        out->backing = kd_strdup("");
    xmlFreeDoc(doc);
    free(xml);
}

static void vol_fill(virStorageVolPtr v, kd_vol *out)
{
    memset(out, 0, sizeof(*out));
    out->name = kd_strdup(virStorageVolGetName(v));
    const char *key = virStorageVolGetKey(v);
    out->key = kd_strdup(key ? key : "");
    char *path = virStorageVolGetPath(v);
    out->path = path ? path : kd_strdup("");
    virStorageVolInfo info;
    int type = -1;
    if (virStorageVolGetInfo(v, &info) == 0) {
        type = info.type;
        out->capacity = info.capacity;
        out->allocation = info.allocation;
    }
    bool known = type >= 0 && (size_t)type < sizeof(vol_types) / sizeof(vol_types[0]);
    out->type = kd_strdup(known ? vol_types[type] : "?");
    vol_read_xml(v, out);
    virResetLastError();
}

static int vol_cmp(const void *a, const void *b)
{
    return strcmp(((const kd_vol *)a)->name, ((const kd_vol *)b)->name);
}

kd_vol *kd_storage_vols_list(kd_conn *conn, const char *pool, size_t *n, kd_err *err)
{
    *n = 0;
    virStoragePoolPtr p = kd_storage_pool_lookup(conn, pool, "vol-list", false, err);
    if (!p)
        return NULL;
    kd_vol *out = NULL;
    virStorageVolPtr *vols = NULL;
    int count = -1;
    if (virStoragePoolIsActive(p) == 0)
        kd_err_set(err, KD_ERR_INVALID, "vol-list: pool '%s' is not active; start it first", pool);
    else if ((count = virStoragePoolListAllVolumes(p, &vols, 0)) < 0)
        kd_virt_err(err, KD_ERR_LIBVIRT, "vol-list %s", pool);
    if (count >= 0) {
        out = kd_calloc((size_t)count + 1, sizeof(*out));
        for (int i = 0; i < count; i++) {
            vol_fill(vols[i], &out[i]);
            virStorageVolFree(vols[i]);
        }
        free(vols);
        qsort(out, (size_t)count, sizeof(*out), vol_cmp);
        *n = (size_t)count;
    }
    virStoragePoolFree(p);
    return out;
}

static void vol_clear(kd_vol *v)
{
    free(v->name);
    free(v->key);
    free(v->path);
    free(v->type);
    free(v->format);
    free(v->backing);
}

void kd_storage_vols_free(kd_vol *vols, size_t n)
{
    for (size_t i = 0; vols && i < n; i++)
        vol_clear(&vols[i]);
    free(vols);
}

kd_vol *kd_storage_vol_get(kd_conn *conn, const char *pool, const char *name, kd_err *err)
{
    virStorageVolPtr v = kd_storage_vol_lookup(conn, pool, name, "vol-info", false, err);
    if (!v)
        return NULL;
    kd_vol *out = kd_calloc(1, sizeof(*out));
    vol_fill(v, out);
    virStorageVolFree(v);
    return out;
}

char *kd_storage_vol_xml(kd_conn *conn, const char *pool, const char *name, kd_err *err)
{
    virStorageVolPtr v = kd_storage_vol_lookup(conn, pool, name, "vol-dumpxml", false, err);
    if (!v)
        return NULL;
    char *xml = virStorageVolGetXMLDesc(v, 0);
    if (!xml)
        kd_virt_err(err, KD_ERR_LIBVIRT, "vol-dumpxml %s", name);
    virStorageVolFree(v);
    return xml;
}

int kd_storage_vol_locate(kd_conn *conn, const char *path, char **pool, char **name, kd_err *err)
{
    *pool = *name = NULL;
    virConnectPtr vc = kd_storage_virt(conn, "find a volume", false, err);
    if (!vc)
        return -1;
    virStorageVolPtr v = virStorageVolLookupByPath(vc, path);
    virStoragePoolPtr p = v ? virStoragePoolLookupByVolume(v) : NULL;
    bool found = p != NULL;
    if (p) {
        *pool = kd_strdup(virStoragePoolGetName(p));
        *name = kd_strdup(virStorageVolGetName(v));
        virStoragePoolFree(p);
    } else {
        kd_err_set(err, KD_ERR_NOTFOUND, "no storage pool has a volume at %s", path);
    }
    if (v)
        virStorageVolFree(v);
    virResetLastError();
    return found ? 0 : -1;
}

/* ---- creating ----------------------------------------------------------------------------- */

static void add_bytes(xmlNodePtr parent, const char *name, unsigned long long v)
{
    char num[32];
    snprintf(num, sizeof(num), "%llu", v);
    xmlNewProp(kd_storage_xml_add(parent, name, num), BAD_CAST "unit", BAD_CAST "bytes");
}

char *kd_storage_vol_xml_build(const kd_vol_spec *spec, const char *backing_path,
                               const char *backing_format, kd_err *err)
{
    if (kd_storage_check_name("vol-create-as", spec->name, err) < 0)
        return NULL;
    const char *format = spec->format && *spec->format ? spec->format
                         : backing_path                ? "qcow2"
                                                       : "raw";
    if (backing_path && strcmp(format, "qcow2") != 0) {
        kd_err_set(err, KD_ERR_INVALID,
                   "vol-create-as %s: a volume on a backing volume must be qcow2, not %s",
                   spec->name, format);
        return NULL;
    }
    if (spec->capacity == 0) {
        kd_err_set(err, KD_ERR_INVALID, "vol-create-as %s: the size must be more than 0",
                   spec->name);
        return NULL;
    }
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "volume");
    xmlDocSetRootElement(doc, root);
    kd_storage_xml_add(root, "name", spec->name);
    add_bytes(root, "capacity", spec->capacity);
    add_bytes(root, "allocation", spec->allocation);
    xmlNodePtr target = kd_storage_xml_add(root, "target", NULL);
    xmlNewProp(kd_storage_xml_add(target, "format", NULL), BAD_CAST "type", BAD_CAST format);
    if (backing_path) {
        xmlNodePtr b = kd_storage_xml_add(root, "backingStore", NULL);
        kd_storage_xml_add(b, "path", backing_path);
        if (backing_format && *backing_format)
            xmlNewProp(kd_storage_xml_add(b, "format", NULL), BAD_CAST "type",
                       BAD_CAST backing_format);
    }
    char *xml = kd_xml_write(doc);
    xmlFreeDoc(doc);
    return xml;
}

/* The backing volume: by name in the same pool, or by path in any pool. */
static kd_vol *backing_lookup(kd_conn *conn, const char *pool, const char *backing, kd_err *err)
{
    if (backing[0] != '/')
        return kd_storage_vol_get(conn, pool, backing, err);
    virConnectPtr vc = kd_storage_virt(conn, "vol-create-as", false, err);
    if (!vc)
        return NULL;
    virStorageVolPtr v = virStorageVolLookupByPath(vc, backing);
    if (!v) {
        kd_err_set(err, KD_ERR_NOTFOUND,
                   "vol-create-as: the backing volume '%s' is in no storage pool", backing);
        virResetLastError();
        return NULL;
    }
    kd_vol *out = kd_calloc(1, sizeof(*out));
    vol_fill(v, out);
    virStorageVolFree(v);
    return out;
}

static bool vol_exists(virStoragePoolPtr p, const char *name)
{
    virStorageVolPtr v = virStorageVolLookupByName(p, name);
    if (v)
        virStorageVolFree(v);
    virResetLastError();
    return v != NULL;
}

static char *create_xml(kd_conn *conn, const char *pool, const kd_vol_spec *spec, kd_err *err)
{
    if (!spec->backing || !*spec->backing)
        return kd_storage_vol_xml_build(spec, NULL, NULL, err);
    kd_vol *b = backing_lookup(conn, pool, spec->backing, err);
    if (!b)
        return NULL;
    kd_vol_spec s = *spec;
    if (s.capacity == 0)
        s.capacity = b->capacity;
    char *xml = kd_storage_vol_xml_build(&s, b->path, *b->format ? b->format : "raw", err);
    kd_storage_vols_free(b, 1);
    return xml;
}

int kd_storage_vol_create(kd_conn *conn, const char *pool, const kd_vol_spec *spec, char **path_out,
                          kd_err *err)
{
    if (path_out)
        *path_out = NULL;
    virStoragePoolPtr p = kd_storage_pool_lookup(conn, pool, "vol-create-as", true, err);
    if (!p)
        return -1;
    int rc = -1;
    char *xml = NULL;
    if (virStoragePoolIsActive(p) == 0) {
        kd_err_set(err, KD_ERR_INVALID, "vol-create-as: pool '%s' is not active; start it first",
                   pool);
    } else if (spec->name && vol_exists(p, spec->name)) {
        kd_err_set(err, KD_ERR_INVALID, "vol-create-as: pool '%s' already has a volume named '%s'",
                   pool, spec->name);
    } else if ((xml = create_xml(conn, pool, spec, err))) {
        virStorageVolPtr v = virStorageVolCreateXML(p, xml, 0);
        if (!v) {
            kd_virt_err(err, KD_ERR_LIBVIRT, "vol-create-as %s in %s", spec->name, pool);
        } else {
            if (path_out)
                *path_out = virStorageVolGetPath(v);
            virStorageVolFree(v);
            rc = 0;
        }
    }
    free(xml);
    virStoragePoolFree(p);
    return rc;
}

/* ---- who uses a volume -------------------------------------------------------------------- */

typedef struct {
    const char *path;
    const char *pool; /* for <disk type='volume'>; may be NULL */
    const char *vol;
} vol_ref;

static bool source_matches(xmlNodePtr src, const vol_ref *r)
{
    static const char *const attrs[] = {"file", "dev", "dir"};
    for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
        char *v = kd_xml_attr(src, attrs[i]);
        bool same = v && r->path && strcmp(v, r->path) == 0;
        free(v);
        if (same)
            return true;
    }
    char *pool = kd_xml_attr(src, "pool"), *vol = kd_xml_attr(src, "volume");
    bool same =
        pool && vol && r->pool && r->vol && strcmp(pool, r->pool) == 0 && strcmp(vol, r->vol) == 0;
    free(pool);
    free(vol);
    return same;
}

static bool domain_uses(const char *xml, const vol_ref *r)
{
    xmlDocPtr doc = kd_xml_read(xml, "domain XML", NULL);
    if (!doc)
        return false;
    xmlNodePtr devices = kd_xml_child(xmlDocGetRootElement(doc), "devices");
    bool used = false;
    for (xmlNodePtr c = devices ? devices->children : NULL; c && !used; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "disk"))
            continue;
        /* The disk's own source, and any backing chain the definition spells out. */
        for (xmlNodePtr d = c; d && !used; d = kd_xml_child(d, "backingStore")) {
            xmlNodePtr src = kd_xml_child(d, "source");
            used = src && source_matches(src, r);
        }
    }
    xmlFreeDoc(doc);
    return used;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct {
    char **v;
    size_t n, cap;
} name_list;

static void names_add(name_list *l, char *name)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = kd_realloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = name;
}

static char *names_join(name_list *l)
{
    if (l->n)
        qsort(l->v, l->n, sizeof(*l->v), name_cmp);
    kd_buf out;
    kd_buf_init(&out);
    for (size_t i = 0; i < l->n; i++) {
        kd_buf_printf(&out, "%s%s", i ? ", " : "", l->v[i]);
        free(l->v[i]);
    }
    free(l->v);
    return kd_buf_steal(&out);
}

static void domain_users(virConnectPtr vc, const vol_ref *r, virDomainPtr *doms, int n,
                         name_list *out)
{
    for (int i = 0; i < n; i++) {
        /* The persistent definition is what will use the disk at the next start; a
         * transient domain only has its live one, which this returns then. */
        char *xml = virDomainGetXMLDesc(doms[i], VIR_DOMAIN_XML_INACTIVE);
        if (xml && domain_uses(xml, r))
            names_add(out, kd_strdup(virDomainGetName(doms[i])));
        free(xml);
        virDomainFree(doms[i]);
    }
    (void)vc;
}

/* Overlays whose backing file this is break as surely as a domain's disk would. */
static void overlay_users(virConnectPtr vc, const char *path, name_list *out)
{
    virStoragePoolPtr *pools = NULL;
    int np = virConnectListAllStoragePools(vc, &pools, VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
    for (int i = 0; i < np; i++) {
        virStorageVolPtr *vols = NULL;
        int nv = virStoragePoolListAllVolumes(pools[i], &vols, 0);
        for (int k = 0; k < nv; k++) {
            kd_vol v;
            vol_fill(vols[k], &v);
            if (strcmp(v.backing, path) == 0)
                names_add(out,
                          kd_asprintf("volume %s/%s", virStoragePoolGetName(pools[i]), v.name));
            vol_clear(&v);
            virStorageVolFree(vols[k]);
        }
        free(vols);
        virStoragePoolFree(pools[i]);
    }
    free(pools);
}

static char *users_of(kd_conn *conn, const vol_ref *r, kd_err *err)
{
    virConnectPtr vc = kd_storage_virt(conn, "find the domains using a volume", false, err);
    if (!vc)
        return NULL;
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(vc, &doms, 0);
    if (n < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "list the domains using %s", r->path);
        return NULL;
    }
    name_list names = {0};
    domain_users(vc, r, doms, n, &names);
    free(doms);
    if (r->path && *r->path)
        overlay_users(vc, r->path, &names);
    virResetLastError();
    return names_join(&names);
}

char *kd_storage_path_users(kd_conn *conn, const char *path, kd_err *err)
{
    char *pool = NULL, *name = NULL;
    /* A path in a pool is also reachable as <disk type='volume'> pool and name. */
    kd_storage_vol_locate(conn, path, &pool, &name, NULL);
    vol_ref r = {path, pool, name};
    char *users = users_of(conn, &r, err);
    free(pool);
    free(name);
    return users;
}

/* ---- delete, resize, clone ---------------------------------------------------------------- */

int kd_storage_vol_delete(kd_conn *conn, const char *pool, const char *name, bool force,
                          kd_err *err)
{
    virStorageVolPtr v = kd_storage_vol_lookup(conn, pool, name, "vol-delete", true, err);
    if (!v)
        return -1;
    int rc = -1;
    char *path = virStorageVolGetPath(v);
    vol_ref r = {path, pool, name};
    char *users = force ? kd_strdup("") : users_of(conn, &r, err);
    if (users && *users) {
        kd_err_set(err, KD_ERR_INVALID,
                   "vol-delete %s: in use by %s; detach it there first, or delete anyway", name,
                   users);
    } else if (users) {
        rc = virStorageVolDelete(v, 0);
        if (rc < 0)
            kd_virt_err(err, KD_ERR_LIBVIRT, "vol-delete %s in %s", name, pool);
    }
    free(users);
    free(path);
    virStorageVolFree(v);
    return rc < 0 ? -1 : 0;
}

int kd_storage_vol_resize(kd_conn *conn, const char *pool, const char *name,
                          unsigned long long capacity, bool shrink, kd_err *err)
{
    virStorageVolPtr v = kd_storage_vol_lookup(conn, pool, name, "vol-resize", true, err);
    if (!v)
        return -1;
    int rc = -1;
    virStorageVolInfo info;
    if (capacity == 0) {
        kd_err_set(err, KD_ERR_INVALID, "vol-resize %s: the new size must be more than 0", name);
    } else if (virStorageVolGetInfo(v, &info) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "vol-resize %s", name);
    } else if (capacity < info.capacity && !shrink) {
        kd_err_set(err, KD_ERR_INVALID,
                   "vol-resize %s: shrinking needs --shrink (%llu < %llu bytes; the data past "
                   "the new end is lost)",
                   name, capacity, info.capacity);
    } else {
        unsigned flags = capacity < info.capacity ? VIR_STORAGE_VOL_RESIZE_SHRINK : 0;
        rc = virStorageVolResize(v, capacity, flags);
        if (rc < 0)
            kd_virt_err(err, KD_ERR_LIBVIRT, "vol-resize %s", name);
    }
    virStorageVolFree(v);
    return rc < 0 ? -1 : 0;
}

/* The source's definition under a new name; the key and path are the new volume's own. */
static char *clone_xml(virStorageVolPtr v, const char *new_name, kd_err *err)
{
    char *xml = virStorageVolGetXMLDesc(v, 0);
    if (!xml) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "vol-clone %s", virStorageVolGetName(v));
        return NULL;
    }
    xmlDocPtr doc = kd_xml_read(xml, "volume XML", err);
    free(xml);
    if (!doc)
        return NULL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr n = kd_xml_child(root, "name");
    if (!n)
        n = kd_storage_xml_add(root, "name", NULL);
    kd_xml_set_text(n, new_name);
    xmlNodePtr drop[] = {kd_xml_child(root, "key"),
                         kd_xml_child(kd_xml_child(root, "target"), "path")};
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
        if (drop[i]) {
            xmlUnlinkNode(drop[i]);
            xmlFreeNode(drop[i]);
        }
    }
    char *out = kd_xml_write(doc);
    xmlFreeDoc(doc);
    return out;
}

int kd_storage_vol_clone(kd_conn *conn, const char *pool, const char *name, const char *new_name,
                         kd_err *err)
{
    if (kd_storage_check_name("vol-clone", new_name, err) < 0)
        return -1;
    virStorageVolPtr v = kd_storage_vol_lookup(conn, pool, name, "vol-clone", true, err);
    if (!v)
        return -1;
    int rc = -1;
    virStoragePoolPtr p = virStoragePoolLookupByVolume(v);
    char *xml = NULL;
    if (!p) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "vol-clone %s", name);
    } else if (vol_exists(p, new_name)) {
        kd_err_set(err, KD_ERR_INVALID, "vol-clone: pool '%s' already has a volume named '%s'",
                   pool, new_name);
    } else if ((xml = clone_xml(v, new_name, err))) {
        virStorageVolPtr c = virStorageVolCreateXMLFrom(p, xml, v, 0);
        if (!c) {
            kd_virt_err(err, KD_ERR_LIBVIRT, "vol-clone %s to %s", name, new_name);
        } else {
            virStorageVolFree(c);
            rc = 0;
        }
    }
    free(xml);
    if (p)
        virStoragePoolFree(p);
    virStorageVolFree(v);
    return rc;
}
