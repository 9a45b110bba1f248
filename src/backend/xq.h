#ifndef KD_BACKEND_XQ_H
#define KD_BACKEND_XQ_H

/* Private to src/backend: reading libvirt's XML (networks, snapshots, capabilities) with
 * libxml2's XPath, for the files that need nothing more than strings and node lists. */

#include "core/err.h"

#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <stdbool.h>

typedef struct {
    xmlDocPtr doc;
    xmlXPathContextPtr ctx;
} kd_xq;

/* Parse xml (what names it in messages); -1 with KD_ERR_INVALID when it is not XML. */
int kd_xq_open(kd_xq *q, const char *xml, const char *what, kd_err *err);
void kd_xq_close(kd_xq *q);
/* The string value of expr at node (the document when NULL); "" when absent. Caller frees. */
char *kd_xq_str(kd_xq *q, xmlNodePtr node, const char *expr);
/* expr as a number; def when absent or not a number. */
long long kd_xq_num(kd_xq *q, xmlNodePtr node, const char *expr, long long def);
bool kd_xq_bool(kd_xq *q, xmlNodePtr node, const char *expr);
/* The nodes matching expr (*n of them), NULL when none; free with xmlXPathFreeObject. */
xmlXPathObjectPtr kd_xq_nodes(kd_xq *q, xmlNodePtr node, const char *expr, int *n);
/* A document serialised with indentation, as libvirt would take it. Caller frees. */
char *kd_xq_dump(xmlDocPtr doc);

/* Whether a URI names this machine (no host part: qemu:///system, qemu+unix:///system). */
bool kd_xq_uri_local(const char *uri);

#endif
