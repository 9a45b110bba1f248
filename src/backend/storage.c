#include "backend/storage.h"
#include "backend/action_priv.h"
#include "backend/conn_priv.h"
#include "backend/storage_priv.h"
#include "backend/virt.h"
#include "core/str.h"

#include <ctype.h>
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- shared helpers ----------------------------------------------------------------------- */

static const char *const state_names[KD_POOL_LAST] = {
    [KD_POOL_INACTIVE] = "inactive",         [KD_POOL_BUILDING] = "building",
    [KD_POOL_RUNNING] = "running",           [KD_POOL_DEGRADED] = "degraded",
    [KD_POOL_INACCESSIBLE] = "inaccessible",
};

const char *kd_pool_state_name(kd_pool_state s)
{
    return s < KD_POOL_LAST ? state_names[s] : "?";
}

virConnectPtr kd_storage_virt(kd_conn *conn, const char *what, bool write, kd_err *err)
{
    if (write && kd_conn_check_writable(conn, what, err) < 0)
        return NULL;
    return kd_action_virt(conn, what, err);
}

virStoragePoolPtr kd_storage_pool_lookup(kd_conn *conn, const char *name, const char *what,
                                         bool write, kd_err *err)
{
    if (!name || kd_str_empty(name)) {
        kd_err_set(err, KD_ERR_INVALID, "%s: no pool named", what);
        return NULL;
    }
    virConnectPtr vc = kd_storage_virt(conn, what, write, err);
    if (!vc)
        return NULL;
    virStoragePoolPtr p = virStoragePoolLookupByName(vc, name);
    if (p)
        return p;
    virErrorPtr e = virGetLastError();
    if (e && e->code == VIR_ERR_NO_STORAGE_POOL)
        kd_err_set(err, KD_ERR_NOTFOUND, "%s: there is no storage pool named '%s'", what, name);
    else
        kd_virt_err(err, KD_ERR_LIBVIRT, "%s: pool '%s'", what, name);
    return NULL;
}

virStorageVolPtr kd_storage_vol_lookup(kd_conn *conn, const char *pool, const char *name,
                                       const char *what, bool write, kd_err *err)
{
    if (!name || kd_str_empty(name)) {
        kd_err_set(err, KD_ERR_INVALID, "%s: no volume named", what);
        return NULL;
    }
    virStoragePoolPtr p = kd_storage_pool_lookup(conn, pool, what, write, err);
    if (!p)
        return NULL;
    virStorageVolPtr v = NULL;
    int active = virStoragePoolIsActive(p);
    if (active == 0) {
        kd_err_set(err, KD_ERR_INVALID, "%s: pool '%s' is not active; start it first", what, pool);
    } else if (!(v = virStorageVolLookupByName(p, name))) {
        virErrorPtr e = virGetLastError();
        if (e && e->code == VIR_ERR_NO_STORAGE_VOL)
            kd_err_set(err, KD_ERR_NOTFOUND, "%s: pool '%s' has no volume named '%s'", what, pool,
                       name);
        else
            kd_virt_err(err, KD_ERR_LIBVIRT, "%s: volume '%s'", what, name);
    }
    virStoragePoolFree(p);
    return v;
}

char *kd_storage_xml_text(xmlNodePtr node, const char *const *path)
{
    for (; node && *path; path++)
        node = kd_xml_child(node, *path);
    if (!node)
        return NULL;
    xmlChar *c = xmlNodeGetContent(node);
    char *s = kd_strdup(c ? (const char *)c : "");
    xmlFree(c);
    return s;
}

xmlNodePtr kd_storage_xml_add(xmlNodePtr parent, const char *name, const char *text)
{
    xmlNodePtr n = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
    if (text)
        xmlAddChild(n, xmlNewText(BAD_CAST text));
    return n;
}

int kd_storage_check_name(const char *what, const char *name, kd_err *err)
{
    if (!name || kd_str_empty(name)) {
        kd_err_set(err, KD_ERR_INVALID, "%s: the name is empty", what);
        return -1;
    }
    if (strlen(name) > 200) {
        kd_err_set(err, KD_ERR_INVALID, "%s: the name is longer than 200 characters", what);
        return -1;
    }
    /* A volume's name is its file name in the pool's directory; quotes and control
     * characters would only make every later shell command on it a trap. */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p == '/' || *p == '\'' || *p == '"' || *p == '`' || *p == '\\' || *p < 0x20 ||
            *p == 0x7f) {
            kd_err_set(err, KD_ERR_INVALID,
                       "%s: the name '%s' may not contain /, quotes, backslashes or control "
                       "characters",
                       what, name);
            return -1;
        }
    }
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        kd_err_set(err, KD_ERR_INVALID, "%s: '%s' is not a usable name", what, name);
        return -1;
    }
    return 0;
}

static const struct {
    char suffix;
    int shift;
} size_units[] = {{'B', 0}, {'K', 10}, {'M', 20}, {'G', 30}, {'T', 40}, {'P', 50}, {'E', 60}};

static int unit_shift(const char *u)
{
    while (*u == ' ')
        u++;
    if (!*u)
        return 0;
    char c = (char)toupper((unsigned char)u[0]);
    const char *rest = u + 1;
    /* "G", "GB", "GiB" all mean 2^30 here, as in virsh. */
    if (*rest && strcasecmp(rest, "B") != 0 && strcasecmp(rest, "iB") != 0)
        return -1;
    if (c == 'B' && *rest)
        return -1;
    for (size_t i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++)
        if (size_units[i].suffix == c)
            return size_units[i].shift;
    return -1;
}

int kd_storage_parse_size(const char *s, unsigned long long *out, kd_err *err)
{
    const char *text = s ? s : "";
    while (isspace((unsigned char)*text))
        text++;
    char *end = NULL;
    errno = 0;
    double v = isdigit((unsigned char)*text) || *text == '.' ? strtod(text, &end) : -1;
    int shift = end && end != text && errno == 0 ? unit_shift(end) : -1;
    if (shift < 0 || v < 0 || !isfinite(v)) {
        kd_err_set(err, KD_ERR_INVALID,
                   "'%s' is not a size: give a number with an optional unit K, M, G, T "
                   "(e.g. 10G, 512M, 1.5T)",
                   text);
        return -1;
    }
    double bytes = ldexp(v, shift);
    if (bytes >= 18446744073709551615.0) {
        kd_err_set(err, KD_ERR_INVALID, "'%s' is too large a size", text);
        return -1;
    }
    *out = (unsigned long long)bytes;
    return 0;
}

/* ---- listing pools ------------------------------------------------------------------------ */

static void pool_read_xml(virStoragePoolPtr p, kd_pool *out)
{
    char *xml = virStoragePoolGetXMLDesc(p, 0);
    xmlDocPtr doc = xml ? kd_xml_read(xml, "pool XML", NULL) : NULL;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    out->type = root ? kd_xml_attr(root, "type") : NULL;
    static const char *const target[] = {"target", "path", NULL};
    out->target = root ? kd_storage_xml_text(root, target) : NULL;
    if (!out->type)
        out->type = kd_strdup("?");
    if (!out->target)
        out->target = kd_strdup("");
    xmlFreeDoc(doc);
    free(xml);
}

static void pool_fill(virStoragePoolPtr p, kd_pool *out)
{
    memset(out, 0, sizeof(*out));
    out->name = kd_strdup(virStoragePoolGetName(p));
    virStoragePoolGetUUIDString(p, out->uuid);
    virStoragePoolInfo info;
    if (virStoragePoolGetInfo(p, &info) == 0) {
        out->state = info.state < KD_POOL_LAST ? (kd_pool_state)info.state : KD_POOL_INACCESSIBLE;
        out->capacity = info.capacity;
        out->allocation = info.allocation;
        out->available = info.available;
    }
    int autostart = 0;
    out->autostart = virStoragePoolGetAutostart(p, &autostart) == 0 && autostart;
    out->persistent = virStoragePoolIsPersistent(p) == 1;
    pool_read_xml(p, out);
    /* A pool that vanished between the listing and these calls keeps its defaults. */
    virResetLastError();
}

static int pool_cmp(const void *a, const void *b)
{
    return strcmp(((const kd_pool *)a)->name, ((const kd_pool *)b)->name);
}

kd_pool *kd_storage_pools_list(kd_conn *conn, size_t *n, kd_err *err)
{
    *n = 0;
    virConnectPtr vc = kd_storage_virt(conn, "list storage pools", false, err);
    if (!vc)
        return NULL;
    virStoragePoolPtr *pools = NULL;
    int count = virConnectListAllStoragePools(vc, &pools, 0);
    if (count < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "list storage pools");
        return NULL;
    }
    kd_pool *v = kd_calloc((size_t)count + 1, sizeof(*v));
    for (int i = 0; i < count; i++) {
        pool_fill(pools[i], &v[i]);
        virStoragePoolFree(pools[i]);
    }
    free(pools);
    qsort(v, (size_t)count, sizeof(*v), pool_cmp);
    *n = (size_t)count;
    return v;
}

void kd_storage_pools_free(kd_pool *pools, size_t n)
{
    for (size_t i = 0; pools && i < n; i++) {
        free(pools[i].name);
        free(pools[i].type);
        free(pools[i].target);
    }
    free(pools);
}

kd_pool *kd_storage_pool_get(kd_conn *conn, const char *name, kd_err *err)
{
    virStoragePoolPtr p = kd_storage_pool_lookup(conn, name, "pool-info", false, err);
    if (!p)
        return NULL;
    kd_pool *out = kd_calloc(1, sizeof(*out));
    pool_fill(p, out);
    virStoragePoolFree(p);
    return out;
}

char *kd_storage_pool_xml(kd_conn *conn, const char *name, kd_err *err)
{
    virStoragePoolPtr p = kd_storage_pool_lookup(conn, name, "pool-dumpxml", false, err);
    if (!p)
        return NULL;
    char *xml = virStoragePoolGetXMLDesc(p, 0);
    if (!xml)
        kd_virt_err(err, KD_ERR_LIBVIRT, "pool-dumpxml %s", name);
    virStoragePoolFree(p);
    return xml;
}

/* ---- pool verbs --------------------------------------------------------------------------- */

typedef int (*pool_fn)(virStoragePoolPtr p, const void *arg);

static int do_start(virStoragePoolPtr p, const void *arg)
{
    (void)arg;
    return virStoragePoolCreate(p, 0);
}

static int do_stop(virStoragePoolPtr p, const void *arg)
{
    (void)arg;
    return virStoragePoolDestroy(p);
}

static int do_build(virStoragePoolPtr p, const void *arg)
{
    (void)arg;
    return virStoragePoolBuild(p, 0);
}

static int do_refresh(virStoragePoolPtr p, const void *arg)
{
    (void)arg;
    return virStoragePoolRefresh(p, 0);
}

static int do_autostart(virStoragePoolPtr p, const void *arg)
{
    return virStoragePoolSetAutostart(p, *(const bool *)arg ? 1 : 0);
}

static int do_delete(virStoragePoolPtr p, const void *arg)
{
    (void)arg;
    return virStoragePoolDelete(p, VIR_STORAGE_POOL_DELETE_NORMAL);
}

static int do_undefine(virStoragePoolPtr p, const void *arg)
{
    (void)arg;
    return virStoragePoolUndefine(p);
}

/* The state a verb needs, so the refusal can say what to do instead of libvirt's terse
 * "storage pool is already active". */
enum { NEED_ANY, NEED_ACTIVE, NEED_INACTIVE };

static int pool_verb(kd_conn *conn, const char *verb, const char *name, int need, pool_fn fn,
                     const void *arg, kd_err *err)
{
    virStoragePoolPtr p = kd_storage_pool_lookup(conn, name, verb, true, err);
    if (!p)
        return -1;
    int active = virStoragePoolIsActive(p);
    int rc = -1;
    if (need == NEED_ACTIVE && active == 0)
        kd_err_set(err, KD_ERR_INVALID, "%s %s: the pool is not active", verb, name);
    else if (need == NEED_INACTIVE && active == 1)
        kd_err_set(err, KD_ERR_INVALID, "%s %s: the pool is active; stop it first", verb, name);
    else if ((rc = fn(p, arg)) < 0)
        kd_virt_err(err, KD_ERR_LIBVIRT, "%s %s", verb, name);
    virStoragePoolFree(p);
    return rc < 0 ? -1 : 0;
}

int kd_storage_pool_start(kd_conn *conn, const char *name, kd_err *err)
{
    return pool_verb(conn, "pool-start", name, NEED_INACTIVE, do_start, NULL, err);
}

int kd_storage_pool_stop(kd_conn *conn, const char *name, kd_err *err)
{
    return pool_verb(conn, "pool-destroy", name, NEED_ACTIVE, do_stop, NULL, err);
}

int kd_storage_pool_build(kd_conn *conn, const char *name, kd_err *err)
{
    return pool_verb(conn, "pool-build", name, NEED_INACTIVE, do_build, NULL, err);
}

int kd_storage_pool_refresh(kd_conn *conn, const char *name, kd_err *err)
{
    return pool_verb(conn, "pool-refresh", name, NEED_ACTIVE, do_refresh, NULL, err);
}

int kd_storage_pool_set_autostart(kd_conn *conn, const char *name, bool on, kd_err *err)
{
    return pool_verb(conn, "pool-autostart", name, NEED_ANY, do_autostart, &on, err);
}

int kd_storage_pool_delete_storage(kd_conn *conn, const char *name, kd_err *err)
{
    return pool_verb(conn, "pool-delete", name, NEED_INACTIVE, do_delete, NULL, err);
}

int kd_storage_pool_undefine(kd_conn *conn, const char *name, kd_err *err)
{
    return pool_verb(conn, "pool-undefine", name, NEED_ANY, do_undefine, NULL, err);
}

int kd_storage_pool_remove(kd_conn *conn, const char *name, bool delete_storage, kd_err *err)
{
    kd_pool *p = kd_storage_pool_get(conn, name, err);
    if (!p)
        return -1;
    bool active = p->state != KD_POOL_INACTIVE, persistent = p->persistent;
    kd_storage_pools_free(p, 1);
    if (active && kd_storage_pool_stop(conn, name, err) < 0)
        return -1;
    /* A transient pool is gone once stopped: there is nothing left to delete or undefine. */
    if (!persistent)
        return 0;
    if (delete_storage && kd_storage_pool_delete_storage(conn, name, err) < 0)
        return -1;
    return kd_storage_pool_undefine(conn, name, err);
}
