#ifndef KD_BACKEND_NETWORK_H
#define KD_BACKEND_NETWORK_H

/* Virtual networks: listing (facts read from each network's XML), creating NAT, routed and
 * isolated IPv4 networks from a few parameters, their lifecycle and DHCP leases. Networks
 * are named by name, as virsh names them. */

#include "backend/conn.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum { KD_NET_NAT, KD_NET_ROUTE, KD_NET_ISOLATED, KD_NET_MODE_LAST } kd_net_mode;

typedef struct {
    char *name;
    char uuid[37];
    bool active;
    bool autostart;
    bool persistent;
    char *bridge;     /* "virbr0", or "" */
    char *forward;    /* "nat", "route", "bridge", ..., "isolated" when there is none */
    char *address;    /* the first IPv4 address with its prefix, "192.168.122.1/24", or "" */
    char *dhcp_start; /* the first DHCP range, or "" */
    char *dhcp_end;
} kd_network;

/* Every network, active or not, sorted by name. */
kd_network *kd_net_list(kd_conn *conn, size_t *n, kd_err *err);
void kd_net_list_free(kd_network *v, size_t n);

const char *kd_net_mode_name(kd_net_mode m); /* "nat", "route", "isolated" */
int kd_net_mode_parse(const char *s, kd_net_mode *out);

typedef struct {
    const char *name;
    kd_net_mode mode;
    const char *address;    /* the host's IPv4 address on the network: 10.0.5.1 */
    unsigned prefix;        /* 1..30 */
    const char *dhcp_start; /* NULL or "": no DHCP */
    const char *dhcp_end;
    const char *bridge; /* NULL or "": libvirt picks virbrN */
} kd_net_params;

/* "10.0.5.1/24" or "10.0.5.1/255.255.255.0" into an address (caller frees) and a prefix. */
int kd_net_parse_cidr(const char *s, char **address, unsigned *prefix, kd_err *err);
/* Check the parameters alone (names, addresses, the range inside the subnet). */
int kd_net_params_check(const kd_net_params *p, kd_err *err);
/* The network XML for p (checked first). Caller frees. */
char *kd_net_build_xml(const kd_net_params *p, kd_err *err);
/* Check p against the host too (name, bridge and subnet not taken), then define the
 * network (persistent, not started). */
int kd_net_define(kd_conn *conn, const kd_net_params *p, kd_err *err);

int kd_net_start(kd_conn *conn, const char *name, kd_err *err);
int kd_net_stop(kd_conn *conn, const char *name, kd_err *err);
int kd_net_set_autostart(kd_conn *conn, const char *name, bool on, kd_err *err);
/* Stop it first when it is active, then remove its definition. */
int kd_net_undefine(kd_conn *conn, const char *name, kd_err *err);
char *kd_net_dumpxml(kd_conn *conn, const char *name, kd_err *err);

typedef struct {
    char *mac;
    char *ip;         /* with its prefix: 192.168.122.45/24 */
    char *hostname;   /* "" when the client sent none */
    long long expiry; /* seconds since the epoch; 0 when it never expires */
} kd_net_lease;

kd_net_lease *kd_net_leases(kd_conn *conn, const char *name, size_t *n, kd_err *err);
void kd_net_leases_free(kd_net_lease *v, size_t n);

#endif
