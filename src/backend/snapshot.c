#include "backend/snapshot.h"
#include "backend/conn_priv.h"
#include "backend/virt.h"
#include "backend/xq.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* libvirt deletes external snapshots from 9.7.0 on (and only leaves of the tree). */
#define KD_LIBVIRT_EXTERNAL_DELETE 9007000UL

/* ---- reading ---------------------------------------------------------------------------- */

static void read_disks(kd_snapshot *s, kd_xq *q)
{
    kd_buf b;
    kd_buf_init(&b);
    int n;
    xmlXPathObjectPtr o = kd_xq_nodes(q, NULL, "/domainsnapshot/disks/disk", &n);
    for (int i = 0; i < n; i++) {
        xmlNodePtr d = o->nodesetval->nodeTab[i];
        char *name = kd_xq_str(q, d, "string(@name)");
        char *mode = kd_xq_str(q, d, "string(@snapshot)");
        char *file = kd_xq_str(q, d, "string(source/@file)");
        if (strcmp(mode, "external") == 0)
            s->external = true;
        kd_buf_printf(&b, "%s%s %s%s%s", b.len ? ", " : "", name, *mode ? mode : "default",
                      *file ? " " : "", file);
        free(name);
        free(mode);
        free(file);
    }
    xmlXPathFreeObject(o);
    s->disks = kd_buf_steal(&b);
    kd_buf_free(&b);
}

static int read_snapshot(kd_snapshot *s, virDomainSnapshotPtr snap, kd_err *err)
{
    s->name = kd_strdup(virDomainSnapshotGetName(snap));
    s->current = virDomainSnapshotIsCurrent(snap, 0) == 1;
    char *xml = virDomainSnapshotGetXMLDesc(snap, 0);
    if (!xml) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "XML of snapshot %s", s->name);
        return -1;
    }
    kd_xq q;
    int rc = kd_xq_open(&q, xml, "snapshot XML", err);
    free(xml);
    if (rc < 0)
        return -1;
    s->parent = kd_xq_str(&q, NULL, "string(/domainsnapshot/parent/name)");
    s->description = kd_xq_str(&q, NULL, "string(/domainsnapshot/description)");
    s->state = kd_xq_str(&q, NULL, "string(/domainsnapshot/state)");
    s->created = kd_xq_num(&q, NULL, "string(/domainsnapshot/creationTime)", 0);
    char *mem = kd_xq_str(&q, NULL, "string(/domainsnapshot/memory/@snapshot)");
    /* Older XML has no <memory>: a running or paused state then means memory was kept. */
    s->memory = *mem ? strcmp(mem, "no") != 0
                     : strcmp(s->state, "running") == 0 || strcmp(s->state, "paused") == 0;
    s->external = strcmp(mem, "external") == 0;
    free(mem);
    read_disks(s, &q);
    kd_xq_close(&q);
    return 0;
}

static void free_one(kd_snapshot *s)
{
    free(s->name);
    free(s->parent);
    free(s->description);
    free(s->state);
    free(s->disks);
}

void kd_snap_list_free(kd_snapshot *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free_one(&v[i]);
    free(v);
}

static int by_time(const void *a, const void *b)
{
    const kd_snapshot *x = a, *y = b;
    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Append the children of parent (already in time order in flat) below it, depth first. */
static void walk(kd_snapshot *flat, size_t n, bool *used, const char *parent, int depth,
                 kd_snapshot *out, size_t *nout)
{
    for (size_t i = 0; i < n; i++) {
        if (used[i] || strcmp(flat[i].parent, parent) != 0)
            continue;
        used[i] = true;
        size_t at = (*nout)++;
        out[at] = flat[i];
        out[at].depth = depth;
        walk(flat, n, used, flat[i].name, depth + 1, out, nout);
        out[at].nchildren = 0;
        for (size_t k = 0; k < n; k++)
            out[at].nchildren += strcmp(flat[k].parent, flat[i].name) == 0;
    }
}

static kd_snapshot *tree_order(kd_snapshot *flat, size_t n)
{
    qsort(flat, n, sizeof(*flat), by_time);
    kd_snapshot *out = kd_calloc(n ? n : 1, sizeof(*out));
    bool *used = kd_calloc(n ? n : 1, sizeof(bool));
    size_t nout = 0;
    walk(flat, n, used, "", 0, out, &nout);
    /* A parent libvirt did not list (should not happen): show the orphan as a root. */
    for (size_t i = 0; i < n; i++) {
        if (!used[i]) {
            used[i] = true;
            out[nout] = flat[i];
            out[nout++].depth = 0;
        }
    }
    free(used);
    free(flat);
    return out;
}

static virDomainPtr lookup_dom(kd_conn *conn, const char *uuid, kd_err *err)
{
    if (!kd_conn_virt_err(conn, err)) {
        return NULL;
    }
    return kd_conn_lookup(conn, uuid, err);
}

kd_snapshot *kd_snap_list(kd_conn *conn, const char *uuid, size_t *n, kd_err *err)
{
    *n = 0;
    virDomainPtr dom = lookup_dom(conn, uuid, err);
    if (!dom)
        return NULL;
    virDomainSnapshotPtr *snaps = NULL;
    int count = virDomainListAllSnapshots(dom, &snaps, 0);
    virDomainFree(dom);
    if (count < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "listing snapshots");
        return NULL;
    }
    kd_snapshot *flat = kd_calloc(count ? (size_t)count : 1, sizeof(*flat));
    int rc = 0;
    for (int i = 0; i < count; i++) {
        if (rc == 0)
            rc = read_snapshot(&flat[i], snaps[i], err);
        virDomainSnapshotFree(snaps[i]);
    }
    free(snaps);
    if (rc < 0) {
        kd_snap_list_free(flat, (size_t)count);
        return NULL;
    }
    for (int i = 0; i < count; i++) {
        /* A snapshot that failed half-way leaves NULLs; keep every string non-NULL. */
        if (!flat[i].parent)
            flat[i].parent = kd_strdup("");
    }
    *n = (size_t)count;
    return tree_order(flat, (size_t)count);
}

const kd_snapshot *kd_snap_find(const kd_snapshot *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

/* ---- creating --------------------------------------------------------------------------- */

static const char *const disk_modes[KD_SNAP_DISK_LAST] = {"default", "internal", "external", "no"};

const char *kd_snap_disk_mode_name(kd_snap_disk_mode m)
{
    return m < KD_SNAP_DISK_LAST ? disk_modes[m] : "?";
}

static bool any_external(const kd_snap_params *p)
{
    for (size_t i = 0; i < p->ndisks; i++)
        if (p->disks[i].mode == KD_SNAP_DISK_EXTERNAL)
            return true;
    return false;
}

static int check_params(const kd_snap_params *p, bool active, kd_err *err)
{
    if (kd_str_empty(p->name) || strchr(p->name, '/')) {
        kd_err_set(err, KD_ERR_INVALID, "a snapshot name cannot be empty or hold '/'");
        return -1;
    }
    for (size_t i = 0; i < p->ndisks; i++) {
        const kd_snap_disk *d = &p->disks[i];
        if (kd_str_empty(d->target) || d->mode >= KD_SNAP_DISK_LAST) {
            kd_err_set(err, KD_ERR_INVALID, "a disk of the snapshot has no target");
            return -1;
        }
        if (d->mode == KD_SNAP_DISK_EXTERNAL && !kd_str_empty(d->file) && d->file[0] != '/') {
            kd_err_set(err, KD_ERR_INVALID, "%s: the overlay '%s' needs an absolute path",
                       d->target, d->file);
            return -1;
        }
    }
    if (active && p->memory && any_external(p) &&
        (kd_str_empty(p->memory_file) || p->memory_file[0] != '/')) {
        kd_err_set(err, KD_ERR_INVALID,
                   "with external disks the memory state goes to a file: give its absolute "
                   "path, or leave the memory out");
        return -1;
    }
    return 0;
}

static xmlNodePtr child(xmlNodePtr parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);
}

static void attr(xmlNodePtr n, const char *name, const char *value)
{
    xmlNewProp(n, BAD_CAST name, BAD_CAST value);
}

static void add_memory(xmlNodePtr root, const kd_snap_params *p, bool active)
{
    xmlNodePtr m = child(root, "memory", NULL);
    if (!active || !p->memory) {
        attr(m, "snapshot", "no");
    } else if (any_external(p)) {
        attr(m, "snapshot", "external");
        attr(m, "file", p->memory_file);
    } else {
        attr(m, "snapshot", "internal");
    }
}

char *kd_snap_build_xml(const kd_snap_params *p, bool active, kd_err *err)
{
    if (check_params(p, active, err) < 0)
        return NULL;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "domainsnapshot");
    xmlDocSetRootElement(doc, root);
    child(root, "name", p->name);
    if (!kd_str_empty(p->description))
        child(root, "description", p->description);
    add_memory(root, p, active);
    xmlNodePtr disks = p->ndisks ? child(root, "disks", NULL) : NULL;
    for (size_t i = 0; i < p->ndisks; i++) {
        const kd_snap_disk *d = &p->disks[i];
        if (d->mode == KD_SNAP_DISK_DEFAULT)
            continue;
        xmlNodePtr x = child(disks, "disk", NULL);
        attr(x, "name", d->target);
        attr(x, "snapshot", kd_snap_disk_mode_name(d->mode));
        if (d->mode == KD_SNAP_DISK_EXTERNAL && !kd_str_empty(d->file))
            attr(child(x, "source", NULL), "file", d->file);
    }
    char *xml = kd_xq_dump(doc);
    xmlFreeDoc(doc);
    return xml;
}

static virDomainSnapshotPtr lookup_snap(virDomainPtr dom, const char *name, kd_err *err)
{
    virDomainSnapshotPtr s = virDomainSnapshotLookupByName(dom, name, 0);
    if (!s) {
        virErrorPtr e = virGetLastError();
        if (e && e->code == VIR_ERR_NO_DOMAIN_SNAPSHOT)
            kd_err_set(err, KD_ERR_NOTFOUND, "no snapshot named '%s'", name);
        else
            kd_virt_err(err, KD_ERR_LIBVIRT, "snapshot %s", name);
    }
    return s;
}

int kd_snap_create(kd_conn *conn, const char *uuid, const kd_snap_params *p, kd_err *err)
{
    if (kd_conn_check_writable(conn, "creating a snapshot", err) < 0)
        return -1;
    virDomainPtr dom = lookup_dom(conn, uuid, err);
    if (!dom)
        return -1;
    int rc = -1;
    bool active = virDomainIsActive(dom) == 1;
    char *xml = kd_snap_build_xml(p, active, err);
    virDomainSnapshotPtr exists = xml ? virDomainSnapshotLookupByName(dom, p->name, 0) : NULL;
    if (exists) {
        kd_err_set(err, KD_ERR_INVALID, "a snapshot named '%s' exists already", p->name);
        virDomainSnapshotFree(exists);
    } else if (xml) {
        unsigned flags = 0;
        /* Without memory (or with external disks of a shut-off domain) it is disk-only. */
        if ((active && !p->memory) || (!active && any_external(p)))
            flags |= VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY;
        virDomainSnapshotPtr s = virDomainSnapshotCreateXML(dom, xml, flags);
        if (!s) {
            kd_virt_err(err, KD_ERR_LIBVIRT, "snapshot-create-as %s", p->name);
        } else {
            virDomainSnapshotFree(s);
            rc = 0;
        }
    }
    free(xml);
    virDomainFree(dom);
    return rc;
}

/* ---- reverting, deleting ------------------------------------------------------------------ */

int kd_snap_revert(kd_conn *conn, const char *uuid, const char *name, kd_err *err)
{
    if (kd_conn_check_writable(conn, "reverting to a snapshot", err) < 0)
        return -1;
    virDomainPtr dom = lookup_dom(conn, uuid, err);
    if (!dom)
        return -1;
    int rc = -1;
    virDomainSnapshotPtr s = lookup_snap(dom, name, err);
    if (s) {
        if (virDomainRevertToSnapshot(s, 0) < 0)
            kd_virt_err(err, KD_ERR_LIBVIRT, "reverting to snapshot %s", name);
        else
            rc = 0;
        virDomainSnapshotFree(s);
    }
    virDomainFree(dom);
    return rc;
}

static const char *state_words(const char *snap_state)
{
    if (strcmp(snap_state, "running") == 0)
        return "running";
    if (strcmp(snap_state, "paused") == 0)
        return "paused";
    return "shut off";
}

char *kd_snap_revert_summary(const kd_snapshot *s, kd_dom_state now)
{
    char when[64] = "";
    time_t t = (time_t)s->created;
    struct tm tm;
    if (s->created > 0 && localtime_r(&t, &tm))
        strftime(when, sizeof(when), " (%Y-%m-%d %H:%M)", &tm);
    bool now_active = now == KD_DOM_RUNNING || now == KD_DOM_PAUSED || now == KD_DOM_BLOCKED ||
                      now == KD_DOM_SHUTDOWN || now == KD_DOM_PMSUSPENDED;
    const char *after = s->memory ? state_words(s->state) : "shut off";
    const char *before = now == KD_DOM_PAUSED ? "paused" : now_active ? "running" : "shut off";
    kd_buf b;
    kd_buf_init(&b);
    kd_buf_printf(&b, "Everything written to the disks since '%s'%s is lost", s->name, when);
    if (now_active)
        kd_buf_adds(&b, ", and so is the memory of the domain as it runs now");
    kd_buf_adds(&b, ".");
    if (strcmp(before, after) != 0)
        kd_buf_printf(&b, " The domain goes from %s to %s.", before, after);
    else
        kd_buf_printf(&b, " The domain stays %s.", after);
    return kd_buf_steal(&b);
}

/* The names the deletion removes, NULL-terminated in a vector of n + 1. */
static void collect(const kd_snapshot *v, size_t n, const char *parent, const char **out,
                    size_t *nout)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].parent, parent) == 0) {
            out[(*nout)++] = v[i].name;
            collect(v, n, v[i].name, out, nout);
        }
    }
}

static int check_delete(kd_conn *conn, const kd_snapshot *v, size_t n, const kd_snapshot *s,
                        kd_snap_del how, kd_err *err)
{
    if (how == KD_SNAP_DEL_CHILDREN_ONLY && s->nchildren == 0) {
        kd_err_set(err, KD_ERR_INVALID, "snapshot %s has no children", s->name);
        return -1;
    }
    if (how == KD_SNAP_DEL_ONE && s->external && s->nchildren) {
        kd_err_set(err, KD_ERR_INVALID,
                   "refused: snapshot %s is external and its overlay is the base of %zu "
                   "later snapshot(s); deleting it alone would lose what they need (delete "
                   "it with its children instead)",
                   s->name, s->nchildren);
        return -1;
    }
    const char **gone = kd_calloc(n + 1, sizeof(char *));
    size_t ngone = 0;
    if (how != KD_SNAP_DEL_CHILDREN_ONLY)
        gone[ngone++] = s->name;
    if (how != KD_SNAP_DEL_ONE)
        collect(v, n, s->name, gone, &ngone);
    const char *ext = NULL;
    for (size_t i = 0; i < ngone && !ext; i++)
        if (kd_snap_find(v, n, gone[i])->external)
            ext = gone[i];
    free(gone);
    unsigned long ver = 0;
    if (ext && (virConnectGetLibVersion(kd_conn_virt(conn), &ver) < 0 ||
                ver < KD_LIBVIRT_EXTERNAL_DELETE)) {
        kd_err_set(err, KD_ERR_INVALID,
                   "refused: snapshot %s is external, and libvirt %lu.%lu cannot delete "
                   "external snapshots (9.7 can); its files are still in use",
                   ext, ver / 1000000, ver / 1000 % 1000);
        return -1;
    }
    return 0;
}

int kd_snap_delete(kd_conn *conn, const char *uuid, const char *name, kd_snap_del how, kd_err *err)
{
    static const unsigned flags[KD_SNAP_DEL_LAST] = {0, VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN,
                                                     VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY};
    if (kd_conn_check_writable(conn, "deleting a snapshot", err) < 0)
        return -1;
    if (how >= KD_SNAP_DEL_LAST) {
        kd_err_set(err, KD_ERR_INVALID, "unknown way of deleting");
        return -1;
    }
    size_t n;
    kd_snapshot *v = kd_snap_list(conn, uuid, &n, err);
    if (!v)
        return -1;
    const kd_snapshot *s = kd_snap_find(v, n, name);
    int rc = -1;
    if (!s)
        kd_err_set(err, KD_ERR_NOTFOUND, "no snapshot named '%s'", name);
    else if (check_delete(conn, v, n, s, how, err) == 0)
        rc = 0;
    kd_snap_list_free(v, n);
    if (rc < 0)
        return -1;
    virDomainPtr dom = lookup_dom(conn, uuid, err);
    if (!dom)
        return -1;
    virDomainSnapshotPtr snap = lookup_snap(dom, name, err);
    rc = -1;
    if (snap) {
        if (virDomainSnapshotDelete(snap, flags[how]) < 0)
            kd_virt_err(err, KD_ERR_LIBVIRT, "deleting snapshot %s", name);
        else
            rc = 0;
        virDomainSnapshotFree(snap);
    }
    virDomainFree(dom);
    return rc;
}

char *kd_snap_dumpxml(kd_conn *conn, const char *uuid, const char *name, kd_err *err)
{
    virDomainPtr dom = lookup_dom(conn, uuid, err);
    if (!dom)
        return NULL;
    char *out = NULL;
    virDomainSnapshotPtr s = lookup_snap(dom, name, err);
    if (s) {
        char *x = virDomainSnapshotGetXMLDesc(s, 0);
        if (!x)
            kd_virt_err(err, KD_ERR_LIBVIRT, "XML of snapshot %s", name);
        out = x ? kd_strdup(x) : NULL;
        free(x);
        virDomainSnapshotFree(s);
    }
    virDomainFree(dom);
    return out;
}

char *kd_snap_current(kd_conn *conn, const char *uuid, kd_err *err)
{
    virDomainPtr dom = lookup_dom(conn, uuid, err);
    if (!dom)
        return NULL;
    char *out = NULL;
    int has = virDomainHasCurrentSnapshot(dom, 0);
    if (has < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "current snapshot");
    } else if (has == 0) {
        kd_err_set(err, KD_ERR_NOTFOUND, "the domain has no current snapshot");
    } else {
        virDomainSnapshotPtr s = virDomainSnapshotCurrent(dom, 0);
        if (!s)
            kd_virt_err(err, KD_ERR_LIBVIRT, "current snapshot");
        else
            out = kd_strdup(virDomainSnapshotGetName(s));
        if (s)
            virDomainSnapshotFree(s);
    }
    virDomainFree(dom);
    return out;
}
