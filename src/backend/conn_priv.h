#ifndef KD_BACKEND_CONN_PRIV_H
#define KD_BACKEND_CONN_PRIV_H

/* Private to src/backend: what other backend files need of a connection. */

#include "backend/conn.h"

#include <libvirt/libvirt.h>

/* The live libvirt connection, NULL while disconnected. Borrowed. */
virConnectPtr kd_conn_virt(const kd_conn *conn);
/* As kd_conn_virt, filling err ("not connected to URI; reconnecting") when there is none. */
virConnectPtr kd_conn_virt_err(const kd_conn *conn, kd_err *err);
/* A new reference to the domain with this UUID (virDomainFree it), or NULL with err. */
virDomainPtr kd_conn_lookup(const kd_conn *conn, const char *uuid, kd_err *err);
/* Refuse a changing call on a read-only connection: -1 with KD_ERR_READONLY. */
int kd_conn_check_writable(const kd_conn *conn, const char *what, kd_err *err);

#endif
