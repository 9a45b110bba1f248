#ifndef KD_BACKEND_STORAGE_PRIV_H
#define KD_BACKEND_STORAGE_PRIV_H

/* Private to src/backend: what the storage files share. */

#include "backend/storage.h"

#include <libvirt/libvirt.h>
#include <libxml/tree.h>

/* The live connection for "what", checking it is writable when write; NULL with err. */
virConnectPtr kd_storage_virt(kd_conn *conn, const char *what, bool write, kd_err *err);
/* A pool by name (virStoragePoolFree it), or NULL with KD_ERR_NOTFOUND / the reason. */
virStoragePoolPtr kd_storage_pool_lookup(kd_conn *conn, const char *name, const char *what,
                                         bool write, kd_err *err);
/* A volume of a pool by name (virStorageVolFree it), or NULL with err. */
virStorageVolPtr kd_storage_vol_lookup(kd_conn *conn, const char *pool, const char *name,
                                       const char *what, bool write, kd_err *err);
/* The text of the first element at a path of child names ("target", "path"), or NULL. */
char *kd_storage_xml_text(xmlNodePtr node, const char *const *path);
/* A new child element with literal text (escaped on output). */
xmlNodePtr kd_storage_xml_add(xmlNodePtr parent, const char *name, const char *text);

#endif
