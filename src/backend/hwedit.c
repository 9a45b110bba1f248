#include "backend/hwedit.h"
#include "backend/conn_priv.h"
#include "backend/hwedit_priv.h"
#include "backend/virt.h"
#include "core/str.h"

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kd_hwed {
    kd_conn *conn;
    char uuid[37];
    xmlDocPtr doc; /* the XML in memory; NULL for a defined domain */
    char *orig;    /* the XML in memory as given, handed back while nothing changed */
    bool changed;
    kd_hw_model *config, *live;
    bool running, persistent, autostart;
};

kd_conn *kd_hwed_conn(const kd_hwed *ed)
{
    return ed->conn;
}

virDomainPtr kd_hwed_lookup(const kd_hwed *ed, kd_err *err)
{
    return kd_conn_lookup(ed->conn, ed->uuid, err);
}

xmlDocPtr kd_hwed_mem_doc(const kd_hwed *ed)
{
    return ed->doc;
}

const kd_hw_model *kd_hwed_config(const kd_hwed *ed)
{
    return ed->config ? ed->config : ed->live;
}

const kd_hw_model *kd_hwed_live(const kd_hwed *ed)
{
    return ed->running ? ed->live : NULL;
}

bool kd_hwed_running(const kd_hwed *ed)
{
    return ed->running;
}

bool kd_hwed_in_memory(const kd_hwed *ed)
{
    return ed->doc != NULL;
}

bool kd_hwed_autostart(const kd_hwed *ed)
{
    return ed->autostart;
}

static char *dom_xml(const kd_hwed *ed, virDomainPtr dom, bool live, kd_err *err)
{
    /* SECURE keeps passwords in a config that is redefined from this text; a read-only
     * connection may not ask for it, and cannot redefine anyway. */
    unsigned flags = live ? 0 : VIR_DOMAIN_XML_INACTIVE;
    if (!live && !kd_conn_readonly(ed->conn))
        flags |= VIR_DOMAIN_XML_SECURE;
    char *xml = virDomainGetXMLDesc(dom, flags);
    if (!xml)
        kd_virt_err(err, KD_ERR_LIBVIRT, "reading the domain's %s XML",
                    live ? "live" : "persistent");
    return xml;
}

xmlDocPtr kd_hwed_doc(kd_hwed *ed, virDomainPtr dom, bool live, kd_err *err)
{
    char *xml = dom_xml(ed, dom, live, err);
    if (!xml)
        return NULL;
    xmlDocPtr doc = kd_hwx_parse(xml, err);
    free(xml);
    return doc;
}

static int load_models(kd_hwed *ed, virDomainPtr dom, kd_err *err)
{
    int active = virDomainIsActive(dom), persistent = virDomainIsPersistent(dom), autostart = 0;
    if (active < 0 || persistent < 0 || virDomainGetAutostart(dom, &autostart) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "reading the domain's state");
        return -1;
    }
    kd_hw_model *config = NULL, *live = NULL;
    char *xml = NULL;
    if (persistent) {
        if (!(xml = dom_xml(ed, dom, false, err)) || !(config = kd_hw_model_parse(xml, err)))
            goto fail;
        free(xml);
        xml = NULL;
    }
    if (active) {
        if (!(xml = dom_xml(ed, dom, true, err)) || !(live = kd_hw_model_parse(xml, err)))
            goto fail;
        free(xml);
    }
    kd_hw_model_free(ed->config);
    kd_hw_model_free(ed->live);
    ed->config = config;
    ed->live = live;
    ed->running = active;
    ed->persistent = persistent;
    ed->autostart = autostart;
    return 0;
fail:
    free(xml);
    kd_hw_model_free(config);
    return -1;
}

int kd_hwed_reload(kd_hwed *ed, kd_err *err)
{
    if (ed->doc) {
        char *xml = kd_hwx_dump_doc(ed->doc);
        kd_hw_model *m = kd_hw_model_parse(xml, err);
        free(xml);
        if (!m)
            return -1;
        kd_hw_model_free(ed->config);
        ed->config = m;
        return 0;
    }
    virDomainPtr dom = kd_conn_lookup(ed->conn, ed->uuid, err);
    if (!dom)
        return -1;
    int r = load_models(ed, dom, err);
    virDomainFree(dom);
    return r;
}

kd_hwed *kd_hwed_open(kd_conn *conn, const char *uuid, kd_err *err)
{
    kd_hwed *ed = kd_calloc(1, sizeof(*ed));
    ed->conn = conn;
    snprintf(ed->uuid, sizeof(ed->uuid), "%s", uuid);
    if (kd_hwed_reload(ed, err) < 0) {
        kd_hwed_free(ed);
        return NULL;
    }
    return ed;
}

kd_hwed *kd_hwed_open_xml(kd_conn *conn, const char *xml, kd_err *err)
{
    xmlDocPtr doc = kd_hwx_parse(xml, err);
    if (!doc)
        return NULL;
    kd_hwed *ed = kd_calloc(1, sizeof(*ed));
    ed->conn = conn;
    ed->doc = doc;
    ed->orig = kd_strdup(xml);
    ed->persistent = true;
    if (kd_hwed_reload(ed, err) < 0) {
        kd_hwed_free(ed);
        return NULL;
    }
    return ed;
}

void kd_hwed_free(kd_hwed *ed)
{
    if (!ed)
        return;
    xmlFreeDoc(ed->doc);
    free(ed->orig);
    kd_hw_model_free(ed->config);
    kd_hw_model_free(ed->live);
    free(ed);
}

char *kd_hwed_xml(const kd_hwed *ed, kd_err *err)
{
    if (ed->doc)
        return ed->changed ? kd_hwx_dump_doc(ed->doc) : kd_strdup(ed->orig);
    virDomainPtr dom = kd_conn_lookup(ed->conn, ed->uuid, err);
    if (!dom)
        return NULL;
    char *xml = dom_xml(ed, dom, !ed->persistent, err);
    virDomainFree(dom);
    char *s = xml ? kd_strdup(xml) : NULL;
    free(xml);
    return s;
}

/* ---- the engine ---- */

static int edit_in_memory(kd_hwed *ed, const kd_hw_change *ch, const kd_hwx_args *a, kd_err *err)
{
    xmlDocPtr copy = xmlCopyDoc(ed->doc, 1);
    if (ch->edit(copy, a, err) < 0) {
        xmlFreeDoc(copy);
        return -1;
    }
    xmlFreeDoc(ed->doc);
    ed->doc = copy;
    ed->changed = true;
    return 0;
}

static int redefine(kd_hwed *ed, virDomainPtr dom, const kd_hw_change *ch, const kd_hwx_args *a,
                    kd_err *err)
{
    xmlDocPtr doc = kd_hwed_doc(ed, dom, false, err);
    if (!doc)
        return -1;
    int r = ch->edit(doc, a, err);
    if (r == 0) {
        char *xml = kd_hwx_dump_doc(doc);
        virDomainPtr d2 = virDomainDefineXML(virDomainGetConnect(dom), xml);
        if (d2)
            virDomainFree(d2);
        else {
            kd_virt_err(err, KD_ERR_LIBVIRT, "saving the %s in the config", ch->what);
            r = -1;
        }
        free(xml);
    }
    xmlFreeDoc(doc);
    return r;
}

static bool driver_lacks(void)
{
    int code = virGetLastErrorCode();
    if (code == VIR_ERR_INVALID_ARG) {
        /* How a driver refuses a flag it does not know (the test driver's pinning). */
        virErrorPtr e = virGetLastError();
        return e && e->message && strstr(e->message, "unsupported flags");
    }
    return code == VIR_ERR_NO_SUPPORT || code == VIR_ERR_ARGUMENT_UNSUPPORTED ||
           code == VIR_ERR_OPERATION_UNSUPPORTED;
}

static int apply_config(kd_hwed *ed, virDomainPtr dom, const kd_hw_change *ch, const kd_hwx_args *a,
                        kd_err *err)
{
    char why[8];
    int r = ch->config ? ch->config(ed, dom, a, why, sizeof(why)) : KD_HW_CALL_REDEFINE;
    if (r == -1 && driver_lacks() && ch->edit)
        r = KD_HW_CALL_REDEFINE; /* this driver has no such call: the same edit, by hand */
    else if (r == -1)
        kd_virt_err(err, KD_ERR_LIBVIRT, "saving the %s in the config", ch->what);
    if (r == KD_HW_CALL_REDEFINE)
        r = redefine(ed, dom, ch, a, err);
    return r;
}

static void apply_live(kd_hwed *ed, virDomainPtr dom, const kd_hw_change *ch, const kd_hwx_args *a,
                       kd_hw_result *res)
{
    if (!ch->live) {
        res->applied = KD_HW_NEXT_BOOT;
        return;
    }
    int r = ch->live(ed, dom, a, res->why, sizeof(res->why));
    if (r == 0) {
        res->applied = KD_HW_LIVE;
        return;
    }
    res->applied = KD_HW_NEXT_BOOT;
    if (r == -1) {
        virErrorPtr e = virGetLastError();
        snprintf(res->why, sizeof(res->why), "%s",
                 e && e->message ? e->message : "refused by libvirt");
    }
}

int kd_hwed_apply(kd_hwed *ed, const kd_hw_change *ch, const kd_hwx_args *a, kd_hw_result *res,
                  kd_err *err)
{
    memset(res, 0, sizeof(*res));
    if (ed->doc) {
        if (edit_in_memory(ed, ch, a, err) < 0)
            return -1;
        res->applied = KD_HW_XML;
        return kd_hwed_reload(ed, err);
    }
    if (kd_conn_check_writable(ed->conn, ch->what, err) < 0)
        return -1;
    virDomainPtr dom = kd_conn_lookup(ed->conn, ed->uuid, err);
    if (!dom)
        return -1;
    int r = 0;
    bool running = virDomainIsActive(dom) == 1, persistent = virDomainIsPersistent(dom) == 1;
    if (persistent)
        r = apply_config(ed, dom, ch, a, err);
    if (r == 0 && running) {
        apply_live(ed, dom, ch, a, res);
        if (!persistent && res->applied != KD_HW_LIVE) {
            kd_err_set(err, KD_ERR_INVALID, "%s: the domain is transient (no config) and %s",
                       ch->what, res->why[0] ? res->why : "this change needs a restart");
            r = -1;
        } else if (!persistent) {
            res->applied = KD_HW_LIVE_ONLY;
        }
    } else if (r == 0) {
        res->applied = KD_HW_SAVED;
    }
    virDomainFree(dom);
    /* The change stands even if reading it back fails; the next reload shows it. */
    kd_err reload_err;
    (void)kd_hwed_reload(ed, &reload_err);
    return r;
}
