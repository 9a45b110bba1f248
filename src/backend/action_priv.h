#ifndef KD_BACKEND_ACTION_PRIV_H
#define KD_BACKEND_ACTION_PRIV_H

/* Private to src/backend: the XML and storage helpers action.c and clone.c share. */

#include "backend/conn.h"
#include "core/err.h"

#include <libvirt/libvirt.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

/* The live connection, or NULL with KD_ERR_CONNECT: "<what>: not connected to <uri>". */
virConnectPtr kd_action_virt(const kd_conn *conn, const char *what, kd_err *err);

/* Parse XML text without touching the network; a syntax error names its line:
 * "<what>, line 3: Opening and ending tag mismatch: ...". */
xmlDocPtr kd_xml_read(const char *xml, const char *what, kd_err *err);
/* The document as text; caller frees. */
char *kd_xml_write(xmlDocPtr doc);
/* The first child element of parent with this name, or NULL. */
xmlNodePtr kd_xml_child(xmlNodePtr parent, const char *name);
/* An attribute as a malloc'd string (free), or NULL. */
char *kd_xml_attr(xmlNodePtr node, const char *name);
/* Replace an element's text; special characters are escaped on output. */
void kd_xml_set_text(xmlNodePtr node, const char *text);

/* One <disk> of a domain definition and the storage behind it. */
typedef struct {
    xmlNodePtr node;      /* the <disk> element, in the caller's document */
    char *target;         /* "vda", for messages */
    char *source;         /* a path or "pool/volume"; NULL for an empty drive */
    bool shared;          /* read-only (every CD-ROM) or <shareable/>: never copied or deleted */
    virStorageVolPtr vol; /* the pool volume behind source, NULL when it is in no pool */
} kd_disk;

/* Every <disk> of a parsed domain definition, with its volume looked up for the disks that
 * are not shared. Never fails: a source outside every pool just has vol == NULL. */
size_t kd_disks_read(virConnectPtr vc, xmlDocPtr doc, kd_disk **out);
void kd_disks_free(kd_disk *disks, size_t n);

/* virDomainDefineXMLFlags with schema validation when the driver offers it. */
virDomainPtr kd_dom_define_raw(virConnectPtr vc, const char *xml);

#endif
