#include "backend/action.h"
#include "backend/action_priv.h"
#include "backend/conn_priv.h"
#include "backend/virt.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- lifecycle operations --------------------------------------------------------------- */

/* Drivers reject a mode flag they do not implement with one of these codes (the test driver
 * has no ACPI shutdown, older servers no validating define); the default mode is the closest
 * they have. */
static bool flag_refused(void)
{
    virErrorPtr e = virGetLastError();
    return e && (e->code == VIR_ERR_INVALID_ARG || e->code == VIR_ERR_NO_SUPPORT ||
                 e->code == VIR_ERR_ARGUMENT_UNSUPPORTED);
}

static int op_start(virDomainPtr d)
{
    /* A domain with a managed save image is restored from it by libvirt. */
    return virDomainCreateWithFlags(d, 0);
}

static int op_start_paused(virDomainPtr d)
{
    return virDomainCreateWithFlags(d, VIR_DOMAIN_START_PAUSED);
}

static int op_shutdown(virDomainPtr d)
{
    if (virDomainShutdownFlags(d, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) == 0)
        return 0;
    if (!flag_refused())
        return -1;
    return virDomainShutdownFlags(d, VIR_DOMAIN_SHUTDOWN_DEFAULT);
}

static int op_reboot(virDomainPtr d)
{
    if (virDomainReboot(d, VIR_DOMAIN_REBOOT_ACPI_POWER_BTN) == 0)
        return 0;
    if (!flag_refused())
        return -1;
    return virDomainReboot(d, VIR_DOMAIN_REBOOT_DEFAULT);
}

static int op_reset(virDomainPtr d)
{
    return virDomainReset(d, 0);
}

static int op_destroy(virDomainPtr d)
{
    return virDomainDestroy(d);
}

static int op_suspend(virDomainPtr d)
{
    return virDomainSuspend(d);
}

static int op_resume(virDomainPtr d)
{
    return virDomainResume(d);
}

static int op_managedsave(virDomainPtr d)
{
    return virDomainManagedSave(d, 0);
}

static int op_managedsave_remove(virDomainPtr d)
{
    return virDomainManagedSaveRemove(d, 0);
}

static int op_autostart_on(virDomainPtr d)
{
    return virDomainSetAutostart(d, 1);
}

static int op_autostart_off(virDomainPtr d)
{
    return virDomainSetAutostart(d, 0);
}

typedef struct {
    kd_op op;
    const char *verb;
    /* Starting may restore a saved memory image, saving writes one, and destroying waits for
     * a stuck process to die: each can take seconds. */
    bool slow;
    int (*fn)(virDomainPtr dom);
} op_entry;

static const op_entry op_table[] = {
    {KD_OP_START, "start", true, op_start},
    {KD_OP_START_PAUSED, "start --paused", true, op_start_paused},
    {KD_OP_SHUTDOWN, "shutdown", false, op_shutdown},
    {KD_OP_REBOOT, "reboot", false, op_reboot},
    {KD_OP_RESET, "reset", false, op_reset},
    {KD_OP_DESTROY, "destroy", true, op_destroy},
    {KD_OP_SUSPEND, "suspend", false, op_suspend},
    {KD_OP_RESUME, "resume", false, op_resume},
    {KD_OP_MANAGEDSAVE, "managedsave", true, op_managedsave},
    {KD_OP_MANAGEDSAVE_REMOVE, "managedsave-remove", false, op_managedsave_remove},
    {KD_OP_AUTOSTART_ON, "autostart", false, op_autostart_on},
    {KD_OP_AUTOSTART_OFF, "autostart --disable", false, op_autostart_off},
};
_Static_assert(sizeof(op_table) / sizeof(op_table[0]) == KD_OP_LAST, "one entry per kd_op");

static const op_entry *find_op(kd_op op)
{
    for (size_t i = 0; i < sizeof(op_table) / sizeof(op_table[0]); i++)
        if (op_table[i].op == op)
            return &op_table[i];
    return NULL;
}

const char *kd_op_verb(kd_op op)
{
    const op_entry *e = find_op(op);
    return e ? e->verb : "unknown";
}

bool kd_op_is_slow(kd_op op)
{
    const op_entry *e = find_op(op);
    return e && e->slow;
}

int kd_dom_run(kd_conn *conn, const char *uuid, kd_op op, kd_err *err)
{
    const op_entry *e = find_op(op);
    if (!e) {
        kd_err_set(err, KD_ERR_INVALID, "unknown domain operation %d", (int)op);
        return -1;
    }
    if (kd_conn_check_writable(conn, e->verb, err) < 0)
        return -1;
    virDomainPtr dom = kd_conn_lookup(conn, uuid, err);
    if (!dom)
        return -1;
    /* Taken before the call: every libvirt entry point clears the thread's last error. */
    char *name = kd_strdup(virDomainGetName(dom));
    int rc = e->fn(dom);
    if (rc < 0)
        kd_virt_err(err, KD_ERR_LIBVIRT, "%s %s", e->verb, name);
    free(name);
    virDomainFree(dom);
    return rc < 0 ? -1 : 0;
}

/* ---- save, restore, rename -------------------------------------------------------------- */

virConnectPtr kd_action_virt(const kd_conn *conn, const char *what, kd_err *err)
{
    virConnectPtr vc = kd_conn_virt(conn);
    if (!vc)
        kd_err_set(err, KD_ERR_CONNECT, "%s: not connected to %s", what, kd_conn_host(conn)->uri);
    return vc;
}

int kd_dom_save(kd_conn *conn, const char *uuid, const char *file, kd_err *err)
{
    if (kd_conn_check_writable(conn, "save", err) < 0)
        return -1;
    if (!file || kd_str_empty(file)) {
        kd_err_set(err, KD_ERR_INVALID, "save: no file name given");
        return -1;
    }
    virDomainPtr dom = kd_conn_lookup(conn, uuid, err);
    if (!dom)
        return -1;
    char *name = kd_strdup(virDomainGetName(dom));
    int rc = virDomainSave(dom, file);
    if (rc < 0)
        kd_virt_err(err, KD_ERR_LIBVIRT, "save %s to %s", name, file);
    free(name);
    virDomainFree(dom);
    return rc < 0 ? -1 : 0;
}

int kd_dom_restore(kd_conn *conn, const char *file, kd_err *err)
{
    if (kd_conn_check_writable(conn, "restore", err) < 0)
        return -1;
    if (!file || kd_str_empty(file)) {
        kd_err_set(err, KD_ERR_INVALID, "restore: no file name given");
        return -1;
    }
    virConnectPtr vc = kd_action_virt(conn, "restore", err);
    if (!vc)
        return -1;
    if (virDomainRestore(vc, file) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "restore from %s", file);
        return -1;
    }
    return 0;
}

static bool blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

int kd_dom_check_name(kd_conn *conn, const char *name, kd_err *err)
{
    if (!name || blank(name)) {
        kd_err_set(err, KD_ERR_INVALID, "a domain name cannot be empty");
        return -1;
    }
    if (strchr(name, '/')) {
        kd_err_set(err, KD_ERR_INVALID, "'%s': a domain name cannot contain '/'", name);
        return -1;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            kd_err_set(err, KD_ERR_INVALID, "a domain name cannot contain control characters");
            return -1;
        }
    }
    virConnectPtr vc = kd_action_virt(conn, "checking the name", err);
    if (!vc)
        return -1;
    virDomainPtr other = virDomainLookupByName(vc, name);
    if (other) {
        virDomainFree(other);
        kd_err_set(err, KD_ERR_INVALID, "a domain named '%s' already exists", name);
        return -1;
    }
    virErrorPtr e = virGetLastError();
    if (e && e->code != VIR_ERR_NO_DOMAIN) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "checking the name '%s'", name);
        return -1;
    }
    virResetLastError();
    return 0;
}

int kd_dom_rename(kd_conn *conn, const char *uuid, const char *new_name, kd_err *err)
{
    if (kd_conn_check_writable(conn, "rename", err) < 0)
        return -1;
    virDomainPtr dom = kd_conn_lookup(conn, uuid, err);
    if (!dom)
        return -1;
    char *name = kd_strdup(virDomainGetName(dom));
    int rc = kd_dom_check_name(conn, new_name, err);
    if (rc < 0) {
        kd_err_prefix(err, "rename %s", name);
    } else if ((rc = virDomainRename(dom, new_name, 0)) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "rename %s to %s", name, new_name);
    }
    free(name);
    virDomainFree(dom);
    return rc < 0 ? -1 : 0;
}

/* ---- undefine --------------------------------------------------------------------------- */

static const struct {
    unsigned kd;
    unsigned virt;
} undefine_map[] = {
    {KD_UNDEFINE_SNAPSHOTS, VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA},
    {KD_UNDEFINE_NVRAM, VIR_DOMAIN_UNDEFINE_NVRAM},
    {KD_UNDEFINE_MANAGED_SAVE, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE},
    {KD_UNDEFINE_STORAGE, 0}, /* ours: done after libvirt's part */
};

static int undefine_flags(unsigned flags, unsigned *out, kd_err *err)
{
    *out = 0;
    for (size_t i = 0; i < sizeof(undefine_map) / sizeof(undefine_map[0]); i++) {
        if (flags & undefine_map[i].kd) {
            *out |= undefine_map[i].virt;
            flags &= ~undefine_map[i].kd;
        }
    }
    if (flags) {
        kd_err_set(err, KD_ERR_INVALID, "undefine: unknown flags 0x%x", flags);
        return -1;
    }
    return 0;
}

/* Read the disks to delete before the definition that names them is gone. */
static int storage_read(kd_conn *conn, virDomainPtr dom, const char *name, xmlDocPtr *doc,
                        kd_disk **disks, size_t *n, kd_err *err)
{
    int active = virDomainIsActive(dom);
    if (active != 0) {
        if (active < 0)
            kd_virt_err(err, KD_ERR_LIBVIRT, "undefine %s", name);
        else
            kd_err_set(err, KD_ERR_INVALID,
                       "undefine %s: its disks cannot be deleted while it runs; stop it first",
                       name);
        return -1;
    }
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    if (!xml) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "undefine %s: reading its disks", name);
        return -1;
    }
    *doc = kd_xml_read(xml, "domain XML", err);
    free(xml);
    if (!*doc) {
        kd_err_prefix(err, "undefine %s", name);
        return -1;
    }
    *n = kd_disks_read(kd_conn_virt(conn), *doc, disks);
    return 0;
}

static bool seen_before(const kd_disk *disks, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (disks[j].source && strcmp(disks[j].source, disks[i].source) == 0)
            return true;
    return false;
}

/* The domain is already gone: delete what can be deleted and name the rest. */
static int storage_delete(const char *name, kd_disk *disks, size_t n, kd_err *err)
{
    kd_buf left;
    kd_buf_init(&left);
    for (size_t i = 0; i < n; i++) {
        kd_disk *d = &disks[i];
        if (!d->source || d->shared || seen_before(disks, i))
            continue;
        const char *sep = left.len ? "; " : "";
        if (!d->vol) {
            kd_buf_printf(&left, "%s%s (in no storage pool)", sep, d->source);
        } else if (virStorageVolDelete(d->vol, 0) < 0) {
            virErrorPtr e = virGetLastError();
            kd_buf_printf(&left, "%s%s (%s)", sep, d->source,
                          e && e->message ? e->message : "unknown libvirt error");
        }
    }
    int rc = 0;
    if (left.len) {
        kd_err_set(err, KD_ERR_LIBVIRT,
                   "undefine %s: the domain is gone, but these disks were not deleted: %s", name,
                   left.data);
        rc = -1;
    }
    kd_buf_free(&left);
    return rc;
}

/* Ask libvirt to remove only what the domain has: a driver may refuse a flag it does not
 * support (the test driver refuses NVRAM) even when there is nothing to remove. */
static unsigned applicable(virDomainPtr dom, unsigned vflags)
{
    if ((vflags & VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) && virDomainHasManagedSaveImage(dom, 0) != 1)
        vflags &= ~(unsigned)VIR_DOMAIN_UNDEFINE_MANAGED_SAVE;
    if ((vflags & VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) && virDomainSnapshotNum(dom, 0) <= 0)
        vflags &= ~(unsigned)VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
    if (vflags & VIR_DOMAIN_UNDEFINE_NVRAM) {
        char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
        xmlDocPtr doc = xml ? kd_xml_read(xml, "domain XML", NULL) : NULL;
        xmlNodePtr os = doc ? kd_xml_child(xmlDocGetRootElement(doc), "os") : NULL;
        if (!os || !kd_xml_child(os, "nvram"))
            vflags &= ~(unsigned)VIR_DOMAIN_UNDEFINE_NVRAM;
        xmlFreeDoc(doc);
        free(xml);
    }
    virResetLastError();
    return vflags;
}

int kd_dom_undefine(kd_conn *conn, const char *uuid, unsigned flags, kd_err *err)
{
    unsigned vflags;
    if (undefine_flags(flags, &vflags, err) < 0)
        return -1;
    if (kd_conn_check_writable(conn, "undefine", err) < 0)
        return -1;
    virDomainPtr dom = kd_conn_lookup(conn, uuid, err);
    if (!dom)
        return -1;
    char *name = kd_strdup(virDomainGetName(dom));
    xmlDocPtr doc = NULL;
    kd_disk *disks = NULL;
    size_t n = 0;
    int rc = -1;
    if ((flags & KD_UNDEFINE_STORAGE) && storage_read(conn, dom, name, &doc, &disks, &n, err) < 0)
        goto cleanup;
    if (virDomainUndefineFlags(dom, applicable(dom, vflags)) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "undefine %s", name);
        goto cleanup;
    }
    rc = storage_delete(name, disks, n, err);
cleanup:
    kd_disks_free(disks, n);
    xmlFreeDoc(doc);
    free(name);
    virDomainFree(dom);
    return rc;
}

/* ---- XML -------------------------------------------------------------------------------- */

/* The parser's first complaint is the one that names the mistake; the last one is usually
 * "premature end of data" at the bottom of the file. */
typedef struct {
    bool seen;
    int line;
    char msg[256];
} first_error;

static void keep_first(void *opaque, xmlErrorPtr e)
{
    first_error *f = opaque;
    if (f->seen || !e || !e->message || e->level < XML_ERR_ERROR)
        return;
    f->seen = true;
    f->line = e->line;
    snprintf(f->msg, sizeof(f->msg), "%.*s", (int)strcspn(e->message, "\n"), e->message);
}

xmlDocPtr kd_xml_read(const char *xml, const char *what, kd_err *err)
{
    if (!xml || kd_str_empty(xml)) {
        kd_err_set(err, KD_ERR_INVALID, "%s is empty", what);
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        kd_die_oom();
    first_error first = {false, 0, ""};
    /* Per thread in libxml2, so safe on a job's worker too; restored right after. */
    xmlSetStructuredErrorFunc(&first, keep_first);
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)strlen(xml), "domain.xml", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOWARNING);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!doc || !xmlDocGetRootElement(doc)) {
        if (first.seen) {
            kd_err_set(err, KD_ERR_INVALID, "%s, line %d: %s", what, first.line, first.msg);
        } else {
            kd_err_set(err, KD_ERR_INVALID, "%s has no root element", what);
        }
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

char *kd_xml_write(xmlDocPtr doc)
{
    xmlChar *out = NULL;
    int len = 0;
    xmlDocDumpMemory(doc, &out, &len);
    if (!out)
        kd_die_oom();
    char *s = kd_strndup((const char *)out, (size_t)len);
    xmlFree(out);
    return s;
}

static char *domain_name(xmlDocPtr doc)
{
    xmlNodePtr n = kd_xml_child(xmlDocGetRootElement(doc), "name");
    xmlChar *s = n ? xmlNodeGetContent(n) : NULL;
    if (!s)
        return NULL;
    char *name = kd_strdup((const char *)s);
    xmlFree(s);
    return name;
}

virDomainPtr kd_dom_define_raw(virConnectPtr vc, const char *xml)
{
    virDomainPtr d = virDomainDefineXMLFlags(vc, xml, VIR_DOMAIN_DEFINE_VALIDATE);
    if (d || !flag_refused())
        return d;
    return virDomainDefineXML(vc, xml);
}

int kd_dom_define(kd_conn *conn, const char *xml, char *uuid_out, kd_err *err)
{
    if (kd_conn_check_writable(conn, "define", err) < 0)
        return -1;
    virConnectPtr vc = kd_action_virt(conn, "define", err);
    if (!vc)
        return -1;
    xmlDocPtr doc = kd_xml_read(xml, "domain XML", err);
    if (!doc)
        return -1;
    char *name = domain_name(doc);
    xmlFreeDoc(doc);
    virDomainPtr dom = kd_dom_define_raw(vc, xml);
    if (!dom) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "define %s", name ? name : "domain");
        free(name);
        return -1;
    }
    int rc = 0;
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(dom, uuid) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "define %s", name ? name : "domain");
        rc = -1;
    } else if (uuid_out) {
        memcpy(uuid_out, uuid, VIR_UUID_STRING_BUFLEN);
    }
    free(name);
    virDomainFree(dom);
    return rc;
}

char *kd_dom_dumpxml(kd_conn *conn, const char *uuid, bool inactive, kd_err *err)
{
    virDomainPtr dom = kd_conn_lookup(conn, uuid, err);
    if (!dom)
        return NULL;
    /* The inactive definition is what gets edited and defined again; without SECURE its
     * passwords would be lost on the way. A read-only connection may not see them. */
    unsigned flags = 0;
    if (inactive)
        flags = VIR_DOMAIN_XML_INACTIVE | (kd_conn_readonly(conn) ? 0 : VIR_DOMAIN_XML_SECURE);
    char *name = kd_strdup(virDomainGetName(dom));
    char *xml = virDomainGetXMLDesc(dom, flags);
    if (!xml)
        kd_virt_err(err, KD_ERR_LIBVIRT, "dumpxml %s", name);
    free(name);
    virDomainFree(dom);
    return xml;
}

/* ---- validation ------------------------------------------------------------------------- */

/* libvirt offers no call that checks domain XML without defining it, but the check that
 * VIR_DOMAIN_DEFINE_VALIDATE makes is its RELAX NG schema, which libvirt installs with its
 * library. */
static const char *const schema_paths[] = {
    "/usr/share/libvirt/schemas/domain.rng",
    "/usr/local/share/libvirt/schemas/domain.rng",
};

typedef struct {
    kd_buf msg;
    int count;
} xml_errors;

#define MAX_SCHEMA_ERRORS 4

/* libxml2 2.12 made the error it passes const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *xml_error_ptr;
#else
typedef xmlError *xml_error_ptr;
#endif

static void collect_error(void *opaque, xml_error_ptr e)
{
    xml_errors *r = opaque;
    if (!e || !e->message || r->count++ >= MAX_SCHEMA_ERRORS)
        return;
    size_t len = strcspn(e->message, "\n");
    kd_buf_printf(&r->msg, "%sline %d: %.*s", r->msg.len ? "; " : "", e->line, (int)len,
                  e->message);
}

static void ignore_error(void *opaque, xml_error_ptr e)
{
    (void)opaque;
    (void)e;
}

static xmlRelaxNGPtr schema_load(void)
{
    for (size_t i = 0; i < sizeof(schema_paths) / sizeof(schema_paths[0]); i++) {
        if (access(schema_paths[i], R_OK) < 0)
            continue;
        xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewParserCtxt(schema_paths[i]);
        if (!pc)
            continue;
        xmlRelaxNGSetParserStructuredErrors(pc, ignore_error, NULL);
        xmlRelaxNGPtr schema = xmlRelaxNGParse(pc);
        xmlRelaxNGFreeParserCtxt(pc);
        if (schema)
            return schema;
    }
    return NULL;
}

static int schema_check(xmlDocPtr doc, kd_err *err)
{
    /* Compiling the schema takes about 10 ms: cheaper than sharing one across threads. */
    xmlRelaxNGPtr schema = schema_load();
    if (!schema)
        return 0;
    xmlRelaxNGValidCtxtPtr vc = xmlRelaxNGNewValidCtxt(schema);
    if (!vc)
        kd_die_oom();
    xml_errors errs = {.count = 0};
    kd_buf_init(&errs.msg);
    xmlRelaxNGSetValidStructuredErrors(vc, collect_error, &errs);
    int rc = xmlRelaxNGValidateDoc(vc, doc);
    if (rc != 0)
        kd_err_set(err, KD_ERR_INVALID,
                   "domain XML failed to validate against libvirt's schema: %s",
                   errs.msg.len ? errs.msg.data : "no detail given");
    kd_buf_free(&errs.msg);
    xmlRelaxNGFreeValidCtxt(vc);
    xmlRelaxNGFree(schema);
    return rc == 0 ? 0 : -1;
}

int kd_dom_validate_xml(kd_conn *conn, const char *xml, kd_err *err)
{
    (void)conn;
    xmlDocPtr doc = kd_xml_read(xml, "domain XML", err);
    if (!doc)
        return -1;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int rc = 0;
    if (!xmlStrEqual(root->name, BAD_CAST "domain")) {
        kd_err_set(err, KD_ERR_INVALID,
                   "domain XML, line %ld: the root element is <%s>, not <domain>",
                   xmlGetLineNo(root), (const char *)root->name);
        rc = -1;
    } else {
        rc = schema_check(doc, err);
    }
    xmlFreeDoc(doc);
    return rc;
}
