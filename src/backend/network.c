#include "backend/network.h"
#include "backend/conn_priv.h"
#include "backend/virt.h"
#include "backend/xq.h"
#include "core/str.h"

#include <arpa/inet.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const mode_names[KD_NET_MODE_LAST] = {"nat", "route", "isolated"};

const char *kd_net_mode_name(kd_net_mode m)
{
    return m < KD_NET_MODE_LAST ? mode_names[m] : "?";
}

int kd_net_mode_parse(const char *s, kd_net_mode *out)
{
    for (int i = 0; i < KD_NET_MODE_LAST; i++) {
        if (s && strcmp(s, mode_names[i]) == 0) {
            *out = (kd_net_mode)i;
            return 0;
        }
    }
    if (s && strcmp(s, "routed") == 0) {
        *out = KD_NET_ROUTE;
        return 0;
    }
    return -1;
}

/* ---- listing ------------------------------------------------------------------------ */

static unsigned prefix_of_mask(uint32_t mask)
{
    unsigned p = 0;
    while (p < 32 && (mask & (0x80000000u >> p)))
        p++;
    return p;
}

static void read_net_xml(kd_network *n, const char *xml)
{
    kd_xq q;
    kd_err err;
    n->bridge = n->forward = n->address = n->dhcp_start = n->dhcp_end = NULL;
    if (kd_xq_open(&q, xml, "network XML", &err) < 0) {
        n->bridge = kd_strdup("");
        n->forward = kd_strdup("");
        n->address = kd_strdup("");
        n->dhcp_start = kd_strdup("");
        n->dhcp_end = kd_strdup("");
        return;
    }
    n->bridge = kd_xq_str(&q, NULL, "string(/network/bridge/@name)");
    if (!kd_xq_bool(&q, NULL, "/network/forward"))
        n->forward = kd_strdup("isolated");
    else if (!kd_xq_bool(&q, NULL, "/network/forward/@mode"))
        n->forward = kd_strdup("nat"); /* libvirt's default mode */
    else
        n->forward = kd_xq_str(&q, NULL, "string(/network/forward/@mode)");
    const char *ip = "/network/ip[not(@family) or @family='ipv4'][1]";
    char expr[160];
    snprintf(expr, sizeof(expr), "string(%s/@address)", ip);
    char *addr = kd_xq_str(&q, NULL, expr);
    snprintf(expr, sizeof(expr), "string(%s/@prefix)", ip);
    char *prefix = kd_xq_str(&q, NULL, expr);
    snprintf(expr, sizeof(expr), "string(%s/@netmask)", ip);
    char *mask = kd_xq_str(&q, NULL, expr);
    struct in_addr m;
    if (!*addr)
        n->address = kd_strdup("");
    else if (*prefix)
        n->address = kd_asprintf("%s/%s", addr, prefix);
    else if (*mask && inet_pton(AF_INET, mask, &m) == 1)
        n->address = kd_asprintf("%s/%u", addr, prefix_of_mask(ntohl(m.s_addr)));
    else
        n->address = kd_strdup(addr);
    free(addr);
    free(prefix);
    free(mask);
    snprintf(expr, sizeof(expr), "string(%s/dhcp/range[1]/@start)", ip);
    n->dhcp_start = kd_xq_str(&q, NULL, expr);
    snprintf(expr, sizeof(expr), "string(%s/dhcp/range[1]/@end)", ip);
    n->dhcp_end = kd_xq_str(&q, NULL, expr);
    kd_xq_close(&q);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const kd_network *)a)->name, ((const kd_network *)b)->name);
}

kd_network *kd_net_list(kd_conn *conn, size_t *n, kd_err *err)
{
    *n = 0;
    virConnectPtr c = kd_conn_virt_err(conn, err);
    if (!c) {
        return NULL;
    }
    virNetworkPtr *nets = NULL;
    int count = virConnectListAllNetworks(c, &nets, 0);
    if (count < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "listing networks");
        return NULL;
    }
    kd_network *v = kd_calloc(count ? (size_t)count : 1, sizeof(*v));
    for (int i = 0; i < count; i++) {
        kd_network *x = &v[i];
        x->name = kd_strdup(virNetworkGetName(nets[i]));
        if (virNetworkGetUUIDString(nets[i], x->uuid) < 0)
            x->uuid[0] = '\0';
        int autostart = 0;
        x->active = virNetworkIsActive(nets[i]) == 1;
        x->persistent = virNetworkIsPersistent(nets[i]) == 1;
        x->autostart = virNetworkGetAutostart(nets[i], &autostart) == 0 && autostart;
        char *xml = virNetworkGetXMLDesc(nets[i], 0);
        read_net_xml(x, xml);
        free(xml);
        virNetworkFree(nets[i]);
    }
    free(nets);
    qsort(v, (size_t)count, sizeof(*v), by_name);
    *n = (size_t)count;
    return v;
}

void kd_net_list_free(kd_network *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].bridge);
        free(v[i].forward);
        free(v[i].address);
        free(v[i].dhcp_start);
        free(v[i].dhcp_end);
    }
    free(v);
}

/* ---- parameters ---------------------------------------------------------------------- */

static int parse_ip(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (!s || inet_pton(AF_INET, s, &a) != 1)
        return -1;
    *out = ntohl(a.s_addr);
    return 0;
}

int kd_net_parse_cidr(const char *s, char **address, unsigned *prefix, kd_err *err)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash) {
        kd_err_set(err, KD_ERR_INVALID, "'%s': give ADDRESS/PREFIX, e.g. 10.0.5.1/24", s ? s : "");
        return -1;
    }
    char *addr = kd_strndup(s, (size_t)(slash - s));
    uint32_t ip, mask;
    char *end;
    unsigned long p = strtoul(slash + 1, &end, 10);
    if (parse_ip(addr, &ip) < 0) {
        kd_err_set(err, KD_ERR_INVALID, "'%s' is not an IPv4 address", addr);
        free(addr);
        return -1;
    }
    if (end != slash + 1 && !*end && p <= 32) {
        *prefix = (unsigned)p;
    } else if (parse_ip(slash + 1, &mask) == 0 && (mask | (mask - 1)) == UINT32_MAX) {
        /* A netmask is a run of ones then zeros: its complement plus one is a power of 2. */
        *prefix = prefix_of_mask(mask);
    } else {
        kd_err_set(err, KD_ERR_INVALID, "'%s' is neither a prefix (0-32) nor a netmask", slash + 1);
        free(addr);
        return -1;
    }
    *address = addr;
    return 0;
}

static bool bad_name(const char *s)
{
    return !s || !*s || strchr(s, '/') || strlen(s) > 200;
}

static int check_bridge(const char *b, kd_err *err)
{
    if (kd_str_empty(b))
        return 0;
    if (strlen(b) > 15 || strcspn(b, "/: \t\n%") != strlen(b)) {
        kd_err_set(err, KD_ERR_INVALID,
                   "bridge '%s': at most 15 characters, without '/', ':', '%%' or blanks", b);
        return -1;
    }
    return 0;
}

static int check_range(const kd_net_params *p, uint32_t net, uint32_t mask, uint32_t ip,
                       kd_err *err)
{
    bool has_start = !kd_str_empty(p->dhcp_start), has_end = !kd_str_empty(p->dhcp_end);
    if (!has_start && !has_end)
        return 0;
    uint32_t lo, hi, bcast = net | ~mask;
    if (!has_start || !has_end) {
        kd_err_set(err, KD_ERR_INVALID, "a DHCP range needs both a start and an end");
        return -1;
    }
    if (parse_ip(p->dhcp_start, &lo) < 0 || parse_ip(p->dhcp_end, &hi) < 0) {
        kd_err_set(err, KD_ERR_INVALID, "DHCP range %s - %s: not IPv4 addresses", p->dhcp_start,
                   p->dhcp_end);
        return -1;
    }
    if ((lo & mask) != net || (hi & mask) != net || lo == net || hi == bcast) {
        kd_err_set(err, KD_ERR_INVALID, "DHCP range %s - %s is not inside the subnet %s/%u",
                   p->dhcp_start, p->dhcp_end, p->address, p->prefix);
        return -1;
    }
    if (lo > hi) {
        kd_err_set(err, KD_ERR_INVALID, "DHCP range: the start %s comes after the end %s",
                   p->dhcp_start, p->dhcp_end);
        return -1;
    }
    if (ip >= lo && ip <= hi) {
        kd_err_set(err, KD_ERR_INVALID, "DHCP range %s - %s holds the host's own address %s",
                   p->dhcp_start, p->dhcp_end, p->address);
        return -1;
    }
    return 0;
}

int kd_net_params_check(const kd_net_params *p, kd_err *err)
{
    if (bad_name(p->name)) {
        kd_err_set(err, KD_ERR_INVALID, "a network name cannot be empty or hold '/'");
        return -1;
    }
    if (p->mode >= KD_NET_MODE_LAST) {
        kd_err_set(err, KD_ERR_INVALID, "mode: nat, route or isolated");
        return -1;
    }
    uint32_t ip;
    if (parse_ip(p->address, &ip) < 0) {
        kd_err_set(err, KD_ERR_INVALID, "'%s' is not an IPv4 address",
                   p->address ? p->address : "");
        return -1;
    }
    if (p->prefix < 1 || p->prefix > 30) {
        kd_err_set(err, KD_ERR_INVALID,
                   "prefix /%u: give 1 to 30 (a netmask of 128.0.0.0 to "
                   "255.255.255.252)",
                   p->prefix);
        return -1;
    }
    uint32_t mask = UINT32_MAX << (32 - p->prefix), net = ip & mask;
    if (ip == net || ip == (net | ~mask)) {
        kd_err_set(err, KD_ERR_INVALID,
                   "%s is the %s address of %s/%u: give the host an address inside it", p->address,
                   ip == net ? "network" : "broadcast", p->address, p->prefix);
        return -1;
    }
    if (check_range(p, net, mask, ip, err) < 0)
        return -1;
    return check_bridge(p->bridge, err);
}

/* ---- XML ------------------------------------------------------------------------------ */

static xmlNodePtr child(xmlNodePtr parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);
}

static void attr(xmlNodePtr n, const char *name, const char *value)
{
    xmlNewProp(n, BAD_CAST name, BAD_CAST value);
}

char *kd_net_build_xml(const kd_net_params *p, kd_err *err)
{
    if (kd_net_params_check(p, err) < 0)
        return NULL;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "network");
    xmlDocSetRootElement(doc, root);
    child(root, "name", p->name);
    if (p->mode != KD_NET_ISOLATED)
        attr(child(root, "forward", NULL), "mode", kd_net_mode_name(p->mode));
    if (!kd_str_empty(p->bridge)) {
        xmlNodePtr b = child(root, "bridge", NULL);
        attr(b, "name", p->bridge);
        attr(b, "stp", "on");
        attr(b, "delay", "0");
    }
    xmlNodePtr ip = child(root, "ip", NULL);
    char prefix[8];
    snprintf(prefix, sizeof(prefix), "%u", p->prefix);
    attr(ip, "address", p->address);
    attr(ip, "prefix", prefix);
    if (!kd_str_empty(p->dhcp_start)) {
        xmlNodePtr r = child(child(ip, "dhcp", NULL), "range", NULL);
        attr(r, "start", p->dhcp_start);
        attr(r, "end", p->dhcp_end);
    }
    char *xml = kd_xq_dump(doc);
    xmlFreeDoc(doc);
    return xml;
}

/* ---- checks against the host ------------------------------------------------------------ */

static bool subnets_overlap(const char *a, unsigned pa, const char *cidr_b)
{
    char *addr = NULL;
    unsigned pb;
    uint32_t x, y;
    kd_err e;
    if (kd_str_empty(cidr_b) || kd_net_parse_cidr(cidr_b, &addr, &pb, &e) < 0)
        return false;
    bool ok = parse_ip(a, &x) == 0 && parse_ip(addr, &y) == 0;
    free(addr);
    unsigned p = pa < pb ? pa : pb;
    uint32_t mask = p ? UINT32_MAX << (32 - p) : 0;
    return ok && (x & mask) == (y & mask);
}

static int check_host(kd_conn *conn, const kd_net_params *p, kd_err *err)
{
    size_t n;
    kd_network *nets = kd_net_list(conn, &n, err);
    if (!nets)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (strcmp(nets[i].name, p->name) == 0) {
            kd_err_set(err, KD_ERR_INVALID, "a network named '%s' exists already", p->name);
            rc = -1;
        } else if (!kd_str_empty(p->bridge) && strcmp(nets[i].bridge, p->bridge) == 0) {
            kd_err_set(err, KD_ERR_INVALID, "bridge %s is taken by network '%s'", p->bridge,
                       nets[i].name);
            rc = -1;
        } else if (subnets_overlap(p->address, p->prefix, nets[i].address)) {
            kd_err_set(err, KD_ERR_INVALID, "%s/%u overlaps network '%s' (%s)", p->address,
                       p->prefix, nets[i].name, nets[i].address);
            rc = -1;
        }
    }
    kd_net_list_free(nets, n);
    if (rc == 0 && !kd_str_empty(p->bridge) && kd_xq_uri_local(kd_conn_host(conn)->uri) &&
        strncmp(kd_conn_host(conn)->uri, "test:", 5) != 0) {
        /* On this machine an interface of that name (not a libvirt network) also takes it. */
        char *path = kd_asprintf("/sys/class/net/%s", p->bridge);
        if (access(path, F_OK) == 0) {
            kd_err_set(err, KD_ERR_INVALID, "an interface named %s exists on the host", p->bridge);
            rc = -1;
        }
        free(path);
    }
    return rc;
}

int kd_net_define(kd_conn *conn, const kd_net_params *p, kd_err *err)
{
    if (kd_conn_check_writable(conn, "defining a network", err) < 0)
        return -1;
    char *xml = kd_net_build_xml(p, err);
    if (!xml)
        return -1;
    int rc = -1;
    if (check_host(conn, p, err) == 0) {
        virNetworkPtr net = virNetworkDefineXML(kd_conn_virt(conn), xml);
        if (!net) {
            kd_virt_err(err, KD_ERR_LIBVIRT, "defining network %s", p->name);
        } else {
            virNetworkFree(net);
            rc = 0;
        }
    }
    free(xml);
    return rc;
}

/* ---- lifecycle -------------------------------------------------------------------------- */

static virNetworkPtr lookup(kd_conn *conn, const char *name, kd_err *err)
{
    virConnectPtr c = kd_conn_virt_err(conn, err);
    if (!c) {
        return NULL;
    }
    virNetworkPtr net = virNetworkLookupByName(c, name);
    if (!net) {
        virErrorPtr e = virGetLastError();
        if (e && e->code == VIR_ERR_NO_NETWORK)
            kd_err_set(err, KD_ERR_NOTFOUND, "no network named '%s'", name);
        else
            kd_virt_err(err, KD_ERR_LIBVIRT, "network %s", name);
    }
    return net;
}

typedef int (*net_op)(virNetworkPtr net, kd_conn *conn, const char *name, kd_err *err);

static int with_net(kd_conn *conn, const char *name, const char *what, net_op op, kd_err *err)
{
    if (kd_conn_check_writable(conn, what, err) < 0)
        return -1;
    virNetworkPtr net = lookup(conn, name, err);
    if (!net)
        return -1;
    int rc = op(net, conn, name, err);
    virNetworkFree(net);
    return rc;
}

static int op_start(virNetworkPtr net, kd_conn *conn, const char *name, kd_err *err)
{
    if (virNetworkIsActive(net) == 1) {
        kd_err_set(err, KD_ERR_INVALID, "network %s is already active", name);
        return -1;
    }
    if (virNetworkCreate(net) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "starting network %s", name);
        return -1;
    }
    return 0;
}

static int op_stop(virNetworkPtr net, kd_conn *conn, const char *name, kd_err *err)
{
    if (virNetworkIsActive(net) != 1) {
        kd_err_set(err, KD_ERR_INVALID, "network %s is not active", name);
        return -1;
    }
    if (virNetworkDestroy(net) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "stopping network %s", name);
        return -1;
    }
    return 0;
}

static int op_autostart(virNetworkPtr net, kd_conn *conn, const char *name, kd_err *err, int on)
{
    if (virNetworkSetAutostart(net, on) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "autostart of network %s", name);
        return -1;
    }
    return 0;
}

static int op_autostart_on(virNetworkPtr net, kd_conn *conn, const char *name, kd_err *err)
{
    return op_autostart(net, conn, name, err, 1);
}

static int op_autostart_off(virNetworkPtr net, kd_conn *conn, const char *name, kd_err *err)
{
    return op_autostart(net, conn, name, err, 0);
}

static int op_undefine(virNetworkPtr net, kd_conn *conn, const char *name, kd_err *err)
{
    bool persistent = virNetworkIsPersistent(net) == 1;
    if (virNetworkIsActive(net) == 1 && virNetworkDestroy(net) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "stopping network %s", name);
        return -1;
    }
    /* A transient network is gone once stopped. */
    if (persistent && virNetworkUndefine(net) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "undefining network %s", name);
        return -1;
    }
    return 0;
}

int kd_net_start(kd_conn *conn, const char *name, kd_err *err)
{
    return with_net(conn, name, "starting a network", op_start, err);
}

int kd_net_stop(kd_conn *conn, const char *name, kd_err *err)
{
    return with_net(conn, name, "stopping a network", op_stop, err);
}

int kd_net_set_autostart(kd_conn *conn, const char *name, bool on, kd_err *err)
{
    return with_net(conn, name, "changing autostart", on ? op_autostart_on : op_autostart_off, err);
}

int kd_net_undefine(kd_conn *conn, const char *name, kd_err *err)
{
    return with_net(conn, name, "undefining a network", op_undefine, err);
}

char *kd_net_dumpxml(kd_conn *conn, const char *name, kd_err *err)
{
    virNetworkPtr net = lookup(conn, name, err);
    if (!net)
        return NULL;
    char *x = virNetworkGetXMLDesc(net, 0);
    if (!x)
        kd_virt_err(err, KD_ERR_LIBVIRT, "XML of network %s", name);
    virNetworkFree(net);
    char *s = x ? kd_strdup(x) : NULL;
    free(x);
    return s;
}

/* ---- leases ----------------------------------------------------------------------------- */

kd_net_lease *kd_net_leases(kd_conn *conn, const char *name, size_t *n, kd_err *err)
{
    *n = 0;
    virNetworkPtr net = lookup(conn, name, err);
    if (!net)
        return NULL;
    virNetworkDHCPLeasePtr *leases = NULL;
    int count = virNetworkGetDHCPLeases(net, NULL, &leases, 0);
    /* The error first: virNetworkFree clears libvirt's last error. */
    if (count < 0)
        kd_virt_err(err, KD_ERR_LIBVIRT, "DHCP leases of network %s", name);
    virNetworkFree(net);
    if (count < 0)
        return NULL;
    kd_net_lease *v = kd_calloc(count ? (size_t)count : 1, sizeof(*v));
    for (int i = 0; i < count; i++) {
        virNetworkDHCPLeasePtr l = leases[i];
        v[i].mac = kd_strdup(l->mac ? l->mac : "");
        v[i].ip = kd_asprintf("%s/%u", l->ipaddr ? l->ipaddr : "", l->prefix);
        v[i].hostname = kd_strdup(l->hostname ? l->hostname : "");
        v[i].expiry = l->expirytime;
        virNetworkDHCPLeaseFree(l);
    }
    free(leases);
    *n = (size_t)count;
    return v;
}

void kd_net_leases_free(kd_net_lease *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].mac);
        free(v[i].ip);
        free(v[i].hostname);
    }
    free(v);
}
