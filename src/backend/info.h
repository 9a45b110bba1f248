#ifndef KD_BACKEND_INFO_H
#define KD_BACKEND_INFO_H

/* virsh's read-only information verbs, as the text virsh prints: the same field names in
 * the same order, tables laid out as virsh lays them out. Domains are named as virsh names
 * them (name, UUID or Id), pools, volumes, networks and snapshots by name. Each returns a
 * string the caller frees, or NULL with err (KD_ERR_NOTFOUND naming what does not exist,
 * KD_ERR_CONNECT while disconnected). */

#include "backend/conn.h"
#include "core/err.h"

#include <stdbool.h>

/* Which domains list shows. */
typedef enum { KD_INFO_LIST_ACTIVE, KD_INFO_LIST_ALL, KD_INFO_LIST_INACTIVE } kd_info_list_which;

char *kd_info_dominfo(kd_conn *conn, const char *dom, kd_err *err);
/* "running", or with reason "running (booted)". */
char *kd_info_domstate(kd_conn *conn, const char *dom, bool reason, kd_err *err);
char *kd_info_list(kd_conn *conn, kd_info_list_which which, kd_err *err);
char *kd_info_domblklist(kd_conn *conn, const char *dom, kd_err *err);
char *kd_info_domiflist(kd_conn *conn, const char *dom, kd_err *err);
/* source: "lease" (NULL), "agent" or "arp". */
char *kd_info_domifaddr(kd_conn *conn, const char *dom, const char *source, kd_err *err);
char *kd_info_pool_info(kd_conn *conn, const char *pool, kd_err *err);
char *kd_info_vol_info(kd_conn *conn, const char *pool, const char *vol, kd_err *err);
char *kd_info_net_info(kd_conn *conn, const char *net, kd_err *err);
/* The host's memory (cell -1: all of it, else one NUMA cell's), in KiB. */
char *kd_info_nodememstats(kd_conn *conn, int cell, kd_err *err);
char *kd_info_snapshot_info(kd_conn *conn, const char *dom, const char *snap, kd_err *err);

#endif
