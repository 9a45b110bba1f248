#include "backend/details.h"
#include "backend/conn_priv.h"
#include "backend/virt.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- XPath helpers ------------------------------------------------------------------ */

/* The string value of expr evaluated at node (the document when NULL); "" when absent. */
static char *xp_str(xmlXPathContextPtr ctx, xmlNodePtr node, const char *expr)
{
    ctx->node = node ? node : (xmlNodePtr)ctx->doc;
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    xmlChar *v = o ? xmlXPathCastToString(o) : NULL;
    char *s = kd_strdup(v ? (const char *)v : "");
    xmlFree(v);
    xmlXPathFreeObject(o);
    return s;
}

static bool xp_bool(xmlXPathContextPtr ctx, const char *expr)
{
    ctx->node = (xmlNodePtr)ctx->doc;
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    bool b = o && xmlXPathCastToBoolean(o);
    xmlXPathFreeObject(o);
    return b;
}

/* Matching nodes, or NULL when there are none; free with xmlXPathFreeObject. */
static xmlXPathObjectPtr xp_nodes(xmlXPathContextPtr ctx, const char *expr, int *n)
{
    ctx->node = (xmlNodePtr)ctx->doc;
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    *n = o && o->type == XPATH_NODESET && o->nodesetval ? o->nodesetval->nodeNr : 0;
    if (*n == 0) {
        xmlXPathFreeObject(o);
        return NULL;
    }
    return o;
}

/* The first non-empty string value among exprs (NULL-terminated), or "". */
static char *xp_first(xmlXPathContextPtr ctx, xmlNodePtr node, const char *const *exprs)
{
    for (; *exprs; exprs++) {
        char *s = xp_str(ctx, node, *exprs);
        if (*s)
            return s;
        free(s);
    }
    return kd_strdup("");
}

/* ---- sections of the domain XML ----------------------------------------------------- */

static char *firmware_of(xmlXPathContextPtr ctx, const char *os_type)
{
    if (xp_bool(ctx, "normalize-space(/domain/os/kernel) != ''"))
        return kd_strdup("direct kernel boot");
    if (xp_bool(ctx, "/domain/os[@firmware='efi'] | /domain/os/loader[@type='pflash']")) {
        /* Older XML marks the loader; firmware auto-selection lists features. */
        bool secure = xp_bool(ctx, "/domain/os/loader[@secure='yes'] | /domain/os/firmware/"
                                   "feature[@name='secure-boot' and @enabled='yes']");
        return kd_strdup(secure ? "UEFI (secure boot)" : "UEFI");
    }
    return kd_strdup(strcmp(os_type, "hvm") == 0 ? "BIOS" : "");
}

static void add_graphics(kd_buf *b, xmlXPathContextPtr ctx, xmlNodePtr g)
{
    static const char *const listen[] = {"@listen", "listen[@type='address']/@address", NULL};
    static const char *const sock[] = {"@socket", "listen[@type='socket']/@socket", NULL};
    char *type = xp_str(ctx, g, "@type");
    char *port = xp_str(ctx, g, "@port");
    char *tls = xp_str(ctx, g, "@tlsPort");
    char *autoport = xp_str(ctx, g, "@autoport");
    char *host = xp_first(ctx, g, listen);
    char *path = xp_first(ctx, g, sock);
    long p = *port ? strtol(port, NULL, 10) : -1, t = *tls ? strtol(tls, NULL, 10) : -1;

    kd_buf_printf(b, "%s%s", b->len ? ", " : "", *type ? type : "?");
    if (*path)
        kd_buf_printf(b, " socket %s", path);
    else if (p > 0 || t > 0) {
        bool v6 = strchr(host, ':') != NULL;
        if (*host)
            kd_buf_printf(b, " %s%s%s:%ld", v6 ? "[" : "", host, v6 ? "]" : "", p > 0 ? p : t);
        else
            kd_buf_printf(b, " port %ld", p > 0 ? p : t);
        if (p > 0 && t > 0)
            kd_buf_printf(b, " (tls %ld)", t);
    } else if (p == -1 && (strcmp(autoport, "yes") == 0 || *port))
        kd_buf_adds(b, " (autoport, not running)");
    free(type);
    free(port);
    free(tls);
    free(autoport);
    free(host);
    free(path);
}

static char *graphics_of(xmlXPathContextPtr ctx)
{
    kd_buf b;
    int n;
    kd_buf_init(&b);
    xmlXPathObjectPtr o = xp_nodes(ctx, "/domain/devices/graphics", &n);
    for (int i = 0; i < n; i++)
        add_graphics(&b, ctx, o->nodesetval->nodeTab[i]);
    xmlXPathFreeObject(o);
    return kd_buf_steal(&b);
}

static void read_disk(kd_disk_info *d, xmlXPathContextPtr ctx, xmlNodePtr n)
{
    static const char *const src[] = {"source/@file", "source/@dev", "source/@dir", NULL};
    d->target = xp_str(ctx, n, "target/@dev");
    d->device = xp_str(ctx, n, "@device");
    if (!*d->device) {
        free(d->device);
        d->device = kd_strdup("disk");
    }
    d->bus = xp_str(ctx, n, "target/@bus");
    d->format = xp_str(ctx, n, "driver/@type");
    char *pool = xp_str(ctx, n, "source/@pool");
    char *vol = xp_str(ctx, n, "source/@volume");
    char *proto = xp_str(ctx, n, "source/@protocol");
    char *name = xp_str(ctx, n, "source/@name");
    if (*pool || *vol)
        d->source = kd_asprintf("%s/%s", pool, vol);
    else if (*proto)
        d->source = *name ? kd_asprintf("%s:%s", proto, name) : kd_strdup(proto);
    else
        d->source = xp_first(ctx, n, src);
    free(pool);
    free(vol);
    free(proto);
    free(name);
}

static void read_nic(kd_nic_info *nic, xmlXPathContextPtr ctx, xmlNodePtr n)
{
    /* The live XML of a "network" NIC names its bridge too: the network comes first. */
    static const char *const src[] = {"source/@network", "source/@bridge", "source/@dev",
                                      "source/@path",    "source/@name",   NULL};
    nic->mac = xp_str(ctx, n, "mac/@address");
    nic->type = xp_str(ctx, n, "@type");
    nic->source = xp_first(ctx, n, src);
    nic->model = xp_str(ctx, n, "model/@type");
    nic->ips = kd_strdup("");
}

static void read_devices(kd_dom_details *d, xmlXPathContextPtr ctx)
{
    int n;
    xmlXPathObjectPtr o = xp_nodes(ctx, "/domain/devices/disk", &n);
    d->disks = kd_calloc((size_t)n + 1, sizeof(*d->disks));
    for (int i = 0; i < n; i++)
        read_disk(&d->disks[d->ndisks++], ctx, o->nodesetval->nodeTab[i]);
    xmlXPathFreeObject(o);

    o = xp_nodes(ctx, "/domain/devices/interface", &n);
    d->nics = kd_calloc((size_t)n + 1, sizeof(*d->nics));
    for (int i = 0; i < n; i++)
        read_nic(&d->nics[d->nnics++], ctx, o->nodesetval->nodeTab[i]);
    xmlXPathFreeObject(o);
}

static void read_details(kd_dom_details *d, xmlXPathContextPtr ctx)
{
    d->os_type = xp_str(ctx, NULL, "/domain/os/type");
    d->arch = xp_str(ctx, NULL, "/domain/os/type/@arch");
    d->machine = xp_str(ctx, NULL, "/domain/os/type/@machine");
    d->firmware = firmware_of(ctx, d->os_type);
    d->emulator = xp_str(ctx, NULL, "/domain/devices/emulator");
    d->graphics = graphics_of(ctx);
    d->description = xp_str(ctx, NULL, "/domain/description");
    d->guest_agent = xp_bool(ctx, "/domain/devices/channel/target[@name='org.qemu.guest_agent.0'"
                                  " and not(@state='disconnected')]");
    read_devices(d, ctx);
}

kd_dom_details *kd_dom_details_parse(const char *xml, kd_err *err)
{
    kd_virt_init();
    if (!xml || !*xml) {
        kd_err_set(err, KD_ERR_INVALID, "domain XML: the description is empty");
        return NULL;
    }
    xmlResetLastError();
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "not well-formed");
        kd_err_set(err, KD_ERR_INVALID, "domain XML, line %d: %s", e ? e->line : 0,
                   kd_str_trim(msg));
        return NULL;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || xmlStrcmp(root->name, BAD_CAST "domain") != 0) {
        kd_err_set(err, KD_ERR_INVALID, "not a domain description: the root element is <%s>",
                   root ? (const char *)root->name : "");
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    if (!ctx)
        kd_die_oom();
    kd_dom_details *d = kd_calloc(1, sizeof(*d));
    d->uptime_s = -1;
    read_details(d, ctx);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return d;
}

/* ---- what the XML does not say ------------------------------------------------------ */

/* Whether entry "addr" or "addr/prefix (source)" is already in the list. */
static bool has_addr(const char *list, const char *addr)
{
    size_t n = strlen(addr);
    for (const char *p = list; *p;) {
        if (strncmp(p, addr, n) == 0 && (p[n] == '/' || p[n] == ' '))
            return true;
        const char *next = strstr(p, ", ");
        if (!next)
            break;
        p = next + 2;
    }
    return false;
}

static void add_addr(kd_nic_info *nic, const virDomainIPAddress *a, const char *source)
{
    if (!a->addr || has_addr(nic->ips, a->addr))
        return;
    char *entry = a->prefix ? kd_asprintf("%s/%u (%s)", a->addr, a->prefix, source)
                            : kd_asprintf("%s (%s)", a->addr, source);
    char *all = *nic->ips ? kd_asprintf("%s, %s", nic->ips, entry) : kd_strdup(entry);
    free(entry);
    free(nic->ips);
    nic->ips = all;
}

static void add_source(kd_dom_details *d, virDomainPtr dom, unsigned source, const char *name)
{
    virDomainInterfacePtr *ifs = NULL;
    int n = virDomainInterfaceAddresses(dom, &ifs, source, 0);
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; ifs[i]->hwaddr && k < d->nnics; k++) {
            if (strcasecmp(d->nics[k].mac, ifs[i]->hwaddr) != 0)
                continue;
            for (unsigned j = 0; j < ifs[i]->naddrs; j++)
                add_addr(&d->nics[k], &ifs[i]->addrs[j], name);
        }
        virDomainInterfaceFree(ifs[i]);
    }
    free(ifs);
    /* No leases (not a libvirt network), no agent, no ARP entry yet: all normal. */
    virResetLastError();
}

static void read_addresses(kd_dom_details *d, virDomainPtr dom)
{
    add_source(d, dom, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, "lease");
    if (d->guest_agent)
        add_source(d, dom, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, "agent");
    add_source(d, dom, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP, "arp");
}

/* Only libvirtd on this machine writes pid files here that name this machine's processes. */
static bool local_system_qemu(const char *uri)
{
    static const char *const local[] = {"qemu:///system", "qemu+unix:///system"};
    for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
        size_t n = strlen(local[i]);
        if (strncmp(uri, local[i], n) == 0 && (uri[n] == '\0' || uri[n] == '?'))
            return true;
    }
    return false;
}

static long read_pid(const char *name)
{
    char *path = kd_asprintf("/run/libvirt/qemu/%s.pid", name);
    char *s = kd_file_read(path, 64, NULL);
    free(path);
    long pid = s ? strtol(s, NULL, 10) : 0;
    free(s);
    if (pid <= 0)
        return -1;
    /* A stale pid file may name a pid since reused by something else. */
    path = kd_asprintf("/proc/%ld/comm", pid);
    s = kd_file_read(path, 64, NULL);
    free(path);
    bool qemu = s && strncmp(s, "qemu", 4) == 0;
    free(s);
    return qemu ? pid : -1;
}

/* Field 22 of /proc/PID/stat is the start time in clock ticks after boot. */
static long long uptime_of(const char *name)
{
    long pid = read_pid(name);
    if (pid < 0)
        return -1;
    char *path = kd_asprintf("/proc/%ld/stat", pid);
    char *stat = kd_file_read(path, 4096, NULL);
    char *up = kd_file_read("/proc/uptime", 64, NULL);
    free(path);
    long long ret = -1;
    char *p = stat ? strrchr(stat, ')') : NULL;
    unsigned long long start = 0;
    double now = 0;
    /* After "pid (comm)": state is field 3, so skip 19 fields to reach field 22. */
    if (p && up &&
        sscanf(p + 1,
               " %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s"
               " %*s %*s %*s %*s %llu",
               &start) == 1 &&
        sscanf(up, "%lf", &now) == 1) {
        long hz = sysconf(_SC_CLK_TCK);
        double s = now - (double)start / (double)(hz > 0 ? hz : 100);
        ret = s >= 0 ? (long long)s : -1;
    }
    free(stat);
    free(up);
    return ret;
}

kd_dom_details *kd_dom_details_get(kd_conn *conn, const char *uuid, kd_err *err)
{
    virDomainPtr dom = kd_conn_lookup(conn, uuid, err);
    if (!dom)
        return NULL;
    /* Not VIR_DOMAIN_XML_SECURE: the details pane has no use for graphics passwords. */
    char *name = kd_strdup(virDomainGetName(dom)); /* before a call clears the error */
    char *xml = virDomainGetXMLDesc(dom, 0);
    if (!xml) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "reading the description of %s", name);
        free(name);
        virDomainFree(dom);
        return NULL;
    }
    kd_dom_details *d = kd_dom_details_parse(xml, err);
    free(xml);
    if (d && virDomainIsActive(dom) == 1) {
        read_addresses(d, dom);
        if (local_system_qemu(kd_conn_host(conn)->uri))
            d->uptime_s = uptime_of(name);
    }
    virResetLastError();
    free(name);
    virDomainFree(dom);
    return d;
}

void kd_dom_details_free(kd_dom_details *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->ndisks; i++) {
        free(d->disks[i].target);
        free(d->disks[i].device);
        free(d->disks[i].bus);
        free(d->disks[i].source);
        free(d->disks[i].format);
    }
    for (size_t i = 0; i < d->nnics; i++) {
        free(d->nics[i].mac);
        free(d->nics[i].type);
        free(d->nics[i].source);
        free(d->nics[i].model);
        free(d->nics[i].ips);
    }
    free(d->disks);
    free(d->nics);
    free(d->os_type);
    free(d->arch);
    free(d->machine);
    free(d->firmware);
    free(d->emulator);
    free(d->graphics);
    free(d->description);
    free(d);
}
