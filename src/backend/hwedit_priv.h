#ifndef KD_BACKEND_HWEDIT_PRIV_H
#define KD_BACKEND_HWEDIT_PRIV_H

/* Private to the hardware editor's files: XML helpers and the edits of a domain XML that
 * the editor makes in memory, or through a redefinition when a driver lacks a call. */

#include "backend/hwedit.h"

#include <libvirt/libvirt.h>
#include <libxml/tree.h>

xmlDocPtr kd_hwx_parse(const char *xml, kd_err *err);
char *kd_hwx_dump_doc(xmlDocPtr doc);
char *kd_hwx_dump_node(xmlNodePtr node);
/* The first child element named name, or NULL. */
xmlNodePtr kd_hwx_child(xmlNodePtr parent, const char *name);
/* The first child element named name, made (appended) when missing. */
xmlNodePtr kd_hwx_ensure(xmlNodePtr parent, const char *name);
void kd_hwx_remove(xmlNodePtr node);
/* An attribute's value copied ("" when absent). */
char *kd_hwx_attr(xmlNodePtr node, const char *name);
char *kd_hwx_text(xmlNodePtr node);
void kd_hwx_set_text(xmlNodePtr node, const char *text);
void kd_hwx_set_ull(xmlNodePtr node, unsigned long long v);
/* The <devices> disk by target dev, interface by MAC (case-insensitive), or NULL. */
xmlNodePtr kd_hwx_find_disk(xmlDocPtr doc, const char *target);
xmlNodePtr kd_hwx_find_nic(xmlDocPtr doc, const char *mac);
/* The element for a disk or NIC spec, not attached to any document yet. */
xmlNodePtr kd_hwx_disk_node(const kd_hw_disk_spec *spec, const char *target, kd_err *err);
xmlNodePtr kd_hwx_nic_node(const kd_hw_nic_spec *spec, const char *mac, kd_err *err);
/* Set a disk's <source> (path, or pool + volume, or none) and its type to match. */
void kd_hwx_disk_set_source(xmlNodePtr disk, const char *path, const char *pool,
                            const char *volume);

/* Edits of a whole domain XML: 0, or -1 with err (the document may be half changed then;
 * callers edit a copy). */
typedef struct {
    unsigned long long mem_kib, maxmem_kib;
    unsigned vcpus, maxvcpus;
    kd_hw_cpu_mode cpu_mode;
    const char *cpu_model;
    unsigned sockets, cores, threads;
    const char *const *boot_devs;
    size_t nboot;
    bool bootmenu;
    const char *text;
    unsigned vcpu;
    const char *cpuset;
    const kd_hw_disk_spec *disk;
    const kd_hw_nic_spec *nic;
    const char *target;
    const char *mac;
    const char *bus, *cache; /* NULL: unchanged */
    const kd_hw_iotune *iotune;
    xmlNodePtr device; /* a device element to add (copied) */
} kd_hwx_args;

typedef int (*kd_hwx_edit_fn)(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);

int kd_hwx_edit_memory(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);
int kd_hwx_edit_vcpus(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);
int kd_hwx_edit_cpu(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);
int kd_hwx_edit_boot(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);
int kd_hwx_edit_description(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);
int kd_hwx_edit_pin(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);
int kd_hwx_edit_add_device(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);
int kd_hwx_edit_remove_disk(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);
int kd_hwx_edit_remove_nic(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);
int kd_hwx_edit_disk(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);
int kd_hwx_edit_media(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);
int kd_hwx_edit_nic(xmlDocPtr doc, const kd_hwx_args *a, kd_err *err);

/* ---- the engine that applies one change (hwedit.c) ---- */

/* A libvirt call for one side (config or live). Returns 0 when done; -1 when libvirt
 * failed (its last error says why); KD_HW_CALL_REDEFINE to make the change by redefining
 * the config instead; KD_HW_CALL_PARTIAL (live only) when part of it must wait for the
 * next boot, with why filled. */
enum { KD_HW_CALL_REDEFINE = -2, KD_HW_CALL_PARTIAL = 1 };
typedef int (*kd_hw_call_fn)(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *why,
                             size_t n);

typedef struct {
    const char *what;     /* "memory", for messages */
    kd_hwx_edit_fn edit;  /* the change made to an XML: in memory, or a redefinition */
    kd_hw_call_fn config; /* NULL: redefine the config with edit */
    kd_hw_call_fn live;   /* NULL: cannot change a running domain (next boot) */
} kd_hw_change;

int kd_hwed_apply(kd_hwed *ed, const kd_hw_change *ch, const kd_hwx_args *a, kd_hw_result *res,
                  kd_err *err);
/* The domain's XML parsed: live or persistent; NULL with err. */
xmlDocPtr kd_hwed_doc(kd_hwed *ed, virDomainPtr dom, bool live, kd_err *err);
/* The domain (virDomainFree it), or NULL with err. */
virDomainPtr kd_hwed_lookup(const kd_hwed *ed, kd_err *err);
/* When the editor works on an XML in memory: that document (borrowed), else NULL. */
xmlDocPtr kd_hwed_mem_doc(const kd_hwed *ed);

#endif
