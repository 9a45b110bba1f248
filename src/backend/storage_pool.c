#include "backend/action_priv.h"
#include "backend/storage.h"
#include "backend/storage_priv.h"
#include "backend/virt.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

/* Pool definitions built from a few parameters, as virsh's pool-define-as does. */

static const char *const netfs_formats[] = {"auto", "nfs", "cifs", "glusterfs", NULL};
static const char *const disk_formats[] = {"dos",  "dvh", "gpt",  "mac", "bsd",
                                           "pc98", "sun", "lvm2", NULL};

static bool one_of(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(v, *list) == 0)
            return true;
    return false;
}

static char *joined(const char *const *list)
{
    kd_buf b;
    kd_buf_init(&b);
    for (; *list; list++)
        kd_buf_printf(&b, "%s%s", b.len ? ", " : "", *list);
    return kd_buf_steal(&b);
}

static bool given(const char *s)
{
    return s && !kd_str_empty(s);
}

static int need_abs(const char *what, const char *field, const char *v, bool required, kd_err *err)
{
    if (!given(v)) {
        if (required)
            kd_err_set(err, KD_ERR_INVALID, "%s: a %s is required", what, field);
        return required ? -1 : 0;
    }
    if (v[0] != '/') {
        kd_err_set(err, KD_ERR_INVALID, "%s: the %s '%s' must be an absolute path", what, field, v);
        return -1;
    }
    return 0;
}

static int check_format(const char *what, const char *format, const char *const *allowed,
                        kd_err *err)
{
    if (!given(format) || one_of(format, allowed))
        return 0;
    char *list = joined(allowed);
    kd_err_set(err, KD_ERR_INVALID, "%s: unknown format '%s' (one of: %s)", what, format, list);
    free(list);
    return -1;
}

static void add_target(xmlNodePtr root, const char *target)
{
    if (!given(target))
        return;
    xmlNodePtr t = xmlNewChild(root, NULL, BAD_CAST "target", NULL);
    kd_storage_xml_add(t, "path", target);
}

static void add_format(xmlNodePtr src, const char *format)
{
    if (given(format))
        xmlNewProp(kd_storage_xml_add(src, "format", NULL), BAD_CAST "type", BAD_CAST format);
}

static void add_devices(xmlNodePtr src, const kd_pool_spec *s)
{
    for (size_t i = 0; i < s->ndevices; i++)
        xmlNewProp(kd_storage_xml_add(src, "device", NULL), BAD_CAST "path",
                   BAD_CAST s->devices[i]);
}

static int check_devices(const char *what, const kd_pool_spec *s, kd_err *err)
{
    for (size_t i = 0; i < s->ndevices; i++)
        if (need_abs(what, "source device", s->devices[i], true, err) < 0)
            return -1;
    return 0;
}

static int build_dir(xmlNodePtr root, const kd_pool_spec *s, const char *what, kd_err *err)
{
    if (need_abs(what, "target path", s->target, true, err) < 0)
        return -1;
    add_target(root, s->target);
    return 0;
}

static int build_logical(xmlNodePtr root, const kd_pool_spec *s, const char *what, kd_err *err)
{
    if (check_devices(what, s, err) < 0 || need_abs(what, "target path", s->target, false, err))
        return -1;
    xmlNodePtr src = xmlNewChild(root, NULL, BAD_CAST "source", NULL);
    add_devices(src, s);
    kd_storage_xml_add(src, "name", given(s->source_name) ? s->source_name : s->name);
    add_format(src, "lvm2");
    add_target(root, s->target);
    return 0;
}

static int build_netfs(xmlNodePtr root, const kd_pool_spec *s, const char *what, kd_err *err)
{
    if (!given(s->host)) {
        kd_err_set(err, KD_ERR_INVALID, "%s: a source host is required for a netfs pool", what);
        return -1;
    }
    if (!given(s->source_path)) {
        kd_err_set(err, KD_ERR_INVALID, "%s: a source path is required for a netfs pool", what);
        return -1;
    }
    if (check_format(what, s->format, netfs_formats, err) < 0 ||
        need_abs(what, "target path", s->target, true, err) < 0)
        return -1;
    xmlNodePtr src = xmlNewChild(root, NULL, BAD_CAST "source", NULL);
    xmlNewProp(kd_storage_xml_add(src, "host", NULL), BAD_CAST "name", BAD_CAST s->host);
    xmlNewProp(kd_storage_xml_add(src, "dir", NULL), BAD_CAST "path", BAD_CAST s->source_path);
    add_format(src, given(s->format) ? s->format : "auto");
    add_target(root, s->target);
    return 0;
}

static int build_disk(xmlNodePtr root, const kd_pool_spec *s, const char *what, kd_err *err)
{
    if (s->ndevices != 1) {
        kd_err_set(err, KD_ERR_INVALID, "%s: a disk pool needs exactly one source device", what);
        return -1;
    }
    if (check_devices(what, s, err) < 0 || check_format(what, s->format, disk_formats, err) < 0 ||
        need_abs(what, "target path", s->target, false, err) < 0)
        return -1;
    xmlNodePtr src = xmlNewChild(root, NULL, BAD_CAST "source", NULL);
    add_devices(src, s);
    add_format(src, s->format);
    add_target(root, given(s->target) ? s->target : "/dev");
    return 0;
}

static const struct {
    const char *type;
    int (*build)(xmlNodePtr root, const kd_pool_spec *s, const char *what, kd_err *err);
} pool_types[] = {
    {"dir", build_dir},
    {"logical", build_logical},
    {"netfs", build_netfs},
    {"disk", build_disk},
};

char *kd_storage_pool_xml_build(const kd_pool_spec *spec, kd_err *err)
{
    const char *what = "pool-define-as";
    if (kd_storage_check_name(what, spec->name, err) < 0)
        return NULL;
    const char *type = given(spec->type) ? spec->type : "dir";
    size_t i = 0, n = sizeof(pool_types) / sizeof(pool_types[0]);
    while (i < n && strcmp(pool_types[i].type, type) != 0)
        i++;
    if (i == n) {
        kd_err_set(err, KD_ERR_INVALID, "%s: unknown pool type '%s' (dir, logical, netfs, disk)",
                   what, type);
        return NULL;
    }
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "pool");
    xmlDocSetRootElement(doc, root);
    xmlNewProp(root, BAD_CAST "type", BAD_CAST type);
    kd_storage_xml_add(root, "name", spec->name);
    char *xml = NULL;
    if (pool_types[i].build(root, spec, what, err) == 0)
        xml = kd_xml_write(doc);
    xmlFreeDoc(doc);
    return xml;
}

/* Each step after the definition, with what to say when it fails. */
static int define_steps(virStoragePoolPtr p, const kd_pool_spec *s, unsigned flags, kd_err *err)
{
    if ((flags & KD_POOL_DEFINE_BUILD) && virStoragePoolBuild(p, 0) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "pool-build %s", s->name);
        return -1;
    }
    if ((flags & KD_POOL_DEFINE_START) && virStoragePoolCreate(p, 0) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "pool-start %s", s->name);
        return -1;
    }
    if ((flags & KD_POOL_DEFINE_AUTOSTART) && virStoragePoolSetAutostart(p, 1) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "pool-autostart %s", s->name);
        return -1;
    }
    return 0;
}

/* Leave nothing half-made: stop, remove a directory that was made here (libvirt only
 * removes it when empty), and undefine. */
static void undo_define(virStoragePoolPtr p, const kd_pool_spec *s, unsigned flags)
{
    if (virStoragePoolIsActive(p) == 1)
        virStoragePoolDestroy(p);
    if ((flags & KD_POOL_DEFINE_BUILD) && given(s->type) && strcmp(s->type, "dir") == 0)
        virStoragePoolDelete(p, VIR_STORAGE_POOL_DELETE_NORMAL);
    virStoragePoolUndefine(p);
    virResetLastError();
}

static bool pool_exists(virConnectPtr vc, const char *name)
{
    virStoragePoolPtr p = virStoragePoolLookupByName(vc, name);
    if (p)
        virStoragePoolFree(p);
    virResetLastError();
    return p != NULL;
}

int kd_storage_pool_define(kd_conn *conn, const kd_pool_spec *spec, unsigned flags, kd_err *err)
{
    bool transient = flags & KD_POOL_DEFINE_TRANSIENT;
    const char *verb = transient ? "pool-create-as" : "pool-define-as";
    virConnectPtr vc = kd_storage_virt(conn, verb, true, err);
    if (!vc)
        return -1;
    char *xml = kd_storage_pool_xml_build(spec, err);
    if (!xml)
        return -1;
    if (pool_exists(vc, spec->name)) {
        kd_err_set(err, KD_ERR_INVALID, "%s: a pool named '%s' already exists", verb, spec->name);
        free(xml);
        return -1;
    }
    virStoragePoolPtr p;
    if (transient)
        p = virStoragePoolCreateXML(
            vc, xml, (flags & KD_POOL_DEFINE_BUILD) ? VIR_STORAGE_POOL_CREATE_WITH_BUILD : 0);
    else
        p = virStoragePoolDefineXML(vc, xml, 0);
    free(xml);
    if (!p) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "%s %s", verb, spec->name);
        return -1;
    }
    int rc = 0;
    if (!transient && define_steps(p, spec, flags, err) < 0) {
        undo_define(p, spec, flags);
        rc = -1;
    }
    virStoragePoolFree(p);
    return rc;
}
