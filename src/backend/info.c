#include "backend/info.h"
#include "backend/conn_priv.h"
#include "backend/virt.h"
#include "backend/xq.h"
#include "core/str.h"
#include "core/utf8.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The domain verbs. virsh's words and layouts are copied on purpose: users compare this
 * text with what virsh prints, and scripts of theirs may grep for the same labels. */

#define FIELD "%-15s %s\n"

/* As virsh: a name, else a UUID, else an Id. */
static virDomainPtr find_domain(kd_conn *conn, const char *name, kd_err *err)
{
    virConnectPtr c = kd_conn_virt_err(conn, err);
    if (!c)
        return NULL;
    virDomainPtr d = virDomainLookupByName(c, name);
    if (!d && strlen(name) == 36)
        d = virDomainLookupByUUIDString(c, name);
    char *end;
    long id = strtol(name, &end, 10);
    if (!d && *name && !*end && id >= 0 && id <= INT_MAX)
        d = virDomainLookupByID(c, (int)id);
    if (d)
        return d;
    /* A 36-character name that is not a UUID makes libvirt say "invalid argument". */
    int code = virGetLastErrorCode();
    if (code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_INVALID_ARG)
        kd_err_set(err, KD_ERR_NOTFOUND, "no domain named '%s'", name);
    else
        kd_virt_err(err, KD_ERR_LIBVIRT, "domain '%s'", name);
    return NULL;
}

static const char *state_word(int s)
{
    static const char *const words[] = {
        [VIR_DOMAIN_NOSTATE] = "no state",     [VIR_DOMAIN_RUNNING] = "running",
        [VIR_DOMAIN_BLOCKED] = "idle",         [VIR_DOMAIN_PAUSED] = "paused",
        [VIR_DOMAIN_SHUTDOWN] = "in shutdown", [VIR_DOMAIN_SHUTOFF] = "shut off",
        [VIR_DOMAIN_CRASHED] = "crashed",      [VIR_DOMAIN_PMSUSPENDED] = "pmsuspended",
    };
    if (s < 0 || s >= (int)(sizeof(words) / sizeof(words[0])) || !words[s])
        return "no state";
    return words[s];
}

static const char *const running_why[] = {
    "unknown",       "booted",   "migrated",           "restored",
    "from snapshot", "unpaused", "migration canceled", "save canceled",
    "event wakeup",  "crashed",  "post-copy",          "post-copy failed"};
static const char *const paused_why[] = {
    "unknown",   "user",        "migrating",     "saving",           "dumping",
    "I/O error", "watchdog",    "from snapshot", "shutting down",    "creating snapshot",
    "crashed",   "starting up", "post-copy",     "post-copy failed", "api error"};
static const char *const shutdown_why[] = {"unknown", "user"};
static const char *const shutoff_why[] = {"unknown", "shutdown",      "destroyed",
                                          "crashed", "migrated",      "saved",
                                          "failed",  "from snapshot", "daemon"};
static const char *const crashed_why[] = {"unknown", "panicked"};

static const struct {
    const char *const *v;
    size_t n;
} reasons[] = {
    [VIR_DOMAIN_RUNNING] = {running_why, sizeof(running_why) / sizeof(running_why[0])},
    [VIR_DOMAIN_PAUSED] = {paused_why, sizeof(paused_why) / sizeof(paused_why[0])},
    [VIR_DOMAIN_SHUTDOWN] = {shutdown_why, sizeof(shutdown_why) / sizeof(shutdown_why[0])},
    [VIR_DOMAIN_SHUTOFF] = {shutoff_why, sizeof(shutoff_why) / sizeof(shutoff_why[0])},
    [VIR_DOMAIN_CRASHED] = {crashed_why, sizeof(crashed_why) / sizeof(crashed_why[0])},
};

static const char *reason_word(int s, int r)
{
    if (s < 0 || s >= (int)(sizeof(reasons) / sizeof(reasons[0])) || r < 0 ||
        (size_t)r >= reasons[s].n)
        return "unknown";
    return reasons[s].v[r];
}

static void add_security(kd_buf *b, virDomainPtr d)
{
    virSecurityModel model;
    memset(&model, 0, sizeof(model));
    if (virNodeGetSecurityModel(virDomainGetConnect(d), &model) < 0 || !model.model[0])
        return;
    kd_buf_printf(b, FIELD, "Security model:", model.model);
    kd_buf_printf(b, FIELD, "Security DOI:", model.doi);
    virSecurityLabel label;
    memset(&label, 0, sizeof(label));
    if (virDomainGetSecurityLabel(d, &label) == 0 && label.label[0])
        kd_buf_printf(b, "%-15s %s (%s)\n", "Security label:", label.label,
                      label.enforcing ? "enforcing" : "permissive");
}

static const char *yes_no(int v)
{
    return v < 0 ? "unknown" : v ? "yes" : "no";
}

char *kd_info_dominfo(kd_conn *conn, const char *dom, kd_err *err)
{
    virDomainPtr d = find_domain(conn, dom, err);
    if (!d)
        return NULL;
    virDomainInfo info;
    if (virDomainGetInfo(d, &info) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "domain '%s'", dom);
        virDomainFree(d);
        return NULL;
    }
    kd_buf b;
    kd_buf_init(&b);
    unsigned id = virDomainGetID(d);
    if (id == (unsigned)-1)
        kd_buf_printf(&b, FIELD, "Id:", "-");
    else
        kd_buf_printf(&b, "%-15s %u\n", "Id:", id);
    kd_buf_printf(&b, FIELD, "Name:", virDomainGetName(d));
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(d, uuid) == 0)
        kd_buf_printf(&b, FIELD, "UUID:", uuid);
    char *os = virDomainGetOSType(d);
    if (os)
        kd_buf_printf(&b, FIELD, "OS Type:", os);
    free(os);
    kd_buf_printf(&b, FIELD, "State:", state_word(info.state));
    kd_buf_printf(&b, "%-15s %d\n", "CPU(s):", info.nrVirtCpu);
    if (info.cpuTime != 0)
        kd_buf_printf(&b, "%-15s %.1lfs\n", "CPU time:", (double)info.cpuTime / 1e9);
    if (info.maxMem != UINT_MAX)
        kd_buf_printf(&b, "%-15s %lu KiB\n", "Max memory:", info.maxMem);
    else
        kd_buf_printf(&b, FIELD, "Max memory:", "no limit");
    kd_buf_printf(&b, "%-15s %lu KiB\n", "Used memory:", info.memory);
    kd_buf_printf(&b, FIELD, "Persistent:", yes_no(virDomainIsPersistent(d)));
    int autostart;
    if (virDomainGetAutostart(d, &autostart) == 0)
        kd_buf_printf(&b, FIELD, "Autostart:", autostart ? "enable" : "disable");
    kd_buf_printf(&b, FIELD, "Managed save:", yes_no(virDomainHasManagedSaveImage(d, 0)));
    add_security(&b, d);
    virResetLastError();
    virDomainFree(d);
    return kd_buf_steal(&b);
}

char *kd_info_domstate(kd_conn *conn, const char *dom, bool reason, kd_err *err)
{
    virDomainPtr d = find_domain(conn, dom, err);
    if (!d)
        return NULL;
    int state, why;
    int rc = virDomainGetState(d, &state, &why, 0);
    if (rc < 0)
        kd_virt_err(err, KD_ERR_LIBVIRT, "domain '%s'", dom);
    virDomainFree(d);
    if (rc < 0)
        return NULL;
    if (reason)
        return kd_asprintf("%s (%s)\n", state_word(state), reason_word(state, why));
    return kd_asprintf("%s\n", state_word(state));
}

/* ---- virsh's tables: a space, the columns three spaces apart and padded to the widest
 * cell (the last not padded), a line of dashes under the heading ---- */

typedef struct {
    size_t ncols;
    char **cells; /* row after row, the heading first */
    size_t n;
} table;

static void table_add(table *t, char **row)
{
    t->cells = kd_realloc(t->cells, (t->n + t->ncols) * sizeof(char *));
    for (size_t i = 0; i < t->ncols; i++)
        t->cells[t->n + i] = row[i];
    t->n += t->ncols;
}

static void table_row(table *t, const char *const *row)
{
    char *copy[8];
    for (size_t i = 0; i < t->ncols; i++)
        copy[i] = kd_strdup(row[i] && *row[i] ? row[i] : "-");
    table_add(t, copy);
}

static char *table_text(table *t)
{
    int width[8] = {0}, total = 0;
    for (size_t i = 0; i < t->n; i++) {
        int w = kd_utf8_width(t->cells[i]);
        if (w > width[i % t->ncols])
            width[i % t->ncols] = w;
    }
    for (size_t c = 0; c < t->ncols; c++)
        total += width[c] + 3;
    kd_buf b;
    kd_buf_init(&b);
    for (size_t i = 0; i < t->n; i++) {
        size_t c = i % t->ncols;
        kd_buf_printf(&b, "%s%s", c ? "   " : " ", t->cells[i]);
        for (int w = kd_utf8_width(t->cells[i]); c + 1 < t->ncols && w < width[c]; w++)
            kd_buf_adds(&b, " ");
        if (c + 1 == t->ncols)
            kd_buf_adds(&b, "\n");
        if (c + 1 == t->ncols && i + 1 == t->ncols)
            for (int k = 0; k < total; k++)
                kd_buf_adds(&b, k + 1 == total ? "-\n" : "-");
        free(t->cells[i]);
    }
    free(t->cells);
    return kd_buf_steal(&b);
}

static table table_new(size_t ncols, const char *const *heading)
{
    table t = {ncols, NULL, 0};
    char *copy[8];
    for (size_t i = 0; i < ncols; i++)
        copy[i] = kd_strdup(heading[i]);
    table_add(&t, copy);
    return t;
}

/* Running domains by Id, then the others by name, as virsh lists them. */
static int by_id_name(const void *a, const void *b)
{
    virDomainPtr da = *(virDomainPtr const *)a, db = *(virDomainPtr const *)b;
    unsigned ia = virDomainGetID(da), ib = virDomainGetID(db);
    if (ia != ib)
        return ia < ib ? -1 : 1;
    return strcmp(virDomainGetName(da), virDomainGetName(db));
}

char *kd_info_list(kd_conn *conn, kd_info_list_which which, kd_err *err)
{
    virConnectPtr c = kd_conn_virt_err(conn, err);
    if (!c)
        return NULL;
    static const unsigned flags[] = {[KD_INFO_LIST_ACTIVE] = VIR_CONNECT_LIST_DOMAINS_ACTIVE,
                                     [KD_INFO_LIST_ALL] = 0,
                                     [KD_INFO_LIST_INACTIVE] = VIR_CONNECT_LIST_DOMAINS_INACTIVE};
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(c, &doms, flags[which]);
    if (n < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "listing the domains");
        return NULL;
    }
    qsort(doms, (size_t)n, sizeof(*doms), by_id_name);
    static const char *const head[] = {"Id", "Name", "State"};
    table t = table_new(3, head);
    for (int i = 0; i < n; i++) {
        int state, why;
        if (virDomainGetState(doms[i], &state, &why, 0) < 0)
            state = VIR_DOMAIN_NOSTATE;
        unsigned id = virDomainGetID(doms[i]);
        char *ids = id == (unsigned)-1 ? kd_strdup("-") : kd_asprintf("%u", id);
        const char *row[] = {ids, virDomainGetName(doms[i]), state_word(state)};
        table_row(&t, row);
        free(ids);
        virDomainFree(doms[i]);
    }
    free(doms);
    virResetLastError();
    return table_text(&t);
}

/* The table of the devices at xpath in the domain's XML, one cell per column expr. */
static char *xml_table(kd_conn *conn, const char *dom, const char *xpath, size_t ncols,
                       const char *const *head, const char *const *exprs, kd_err *err)
{
    virDomainPtr d = find_domain(conn, dom, err);
    if (!d)
        return NULL;
    char *xml = virDomainGetXMLDesc(d, 0);
    if (!xml)
        kd_virt_err(err, KD_ERR_LIBVIRT, "reading the XML of %s", dom);
    virDomainFree(d);
    kd_xq q;
    int rc = xml ? kd_xq_open(&q, xml, "the domain's XML", err) : -1;
    free(xml);
    if (rc < 0)
        return NULL;
    table t = table_new(ncols, head);
    int n;
    xmlXPathObjectPtr nodes = kd_xq_nodes(&q, NULL, xpath, &n);
    for (int i = 0; i < n; i++) {
        char *cells[8];
        for (size_t c = 0; c < ncols; c++)
            cells[c] = kd_xq_str(&q, nodes->nodesetval->nodeTab[i], exprs[c]);
        table_row(&t, (const char *const *)cells);
        for (size_t c = 0; c < ncols; c++)
            free(cells[c]);
    }
    if (nodes)
        xmlXPathFreeObject(nodes);
    kd_xq_close(&q);
    return table_text(&t);
}

char *kd_info_domblklist(kd_conn *conn, const char *dom, kd_err *err)
{
    static const char *const head[] = {"Target", "Source"};
    static const char *const exprs[] = {"string(./target/@dev)",
                                        "string(./source/@file|./source/@dev|./source/@dir|"
                                        "./source/@name|./source/@volume)"};
    return xml_table(conn, dom, "/domain/devices/disk", 2, head, exprs, err);
}

char *kd_info_domiflist(kd_conn *conn, const char *dom, kd_err *err)
{
    static const char *const head[] = {"Interface", "Type", "Source", "Model", "MAC"};
    static const char *const exprs[] = {
        "string(./target/@dev)", "string(./@type)",
        "string(./source/@bridge|./source/@dev|./source/@network|./source/@name|"
        "./source/@path)",
        "string(./model/@type)", "string(./mac/@address)"};
    return xml_table(conn, dom, "/domain/devices/interface", 5, head, exprs, err);
}

static int addr_source(const char *source, unsigned *out, kd_err *err)
{
    static const char *const names[] = {[VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE] = "lease",
                                        [VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT] = "agent",
                                        [VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP] = "arp"};
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!source || strcmp(source, names[i]) == 0) {
            *out = i;
            return 0;
        }
    kd_err_set(err, KD_ERR_INVALID, "unknown source '%s': lease, agent or arp", source);
    return -1;
}

static void add_iface(kd_buf *b, const virDomainInterface *ifc)
{
    const char *mac = ifc->hwaddr ? ifc->hwaddr : "";
    if (!ifc->naddrs)
        kd_buf_printf(b, " %-10s %-17s    %-12s %s\n", ifc->name, ifc->hwaddr ? mac : "N/A", "N/A",
                      "N/A");
    for (size_t j = 0; j < ifc->naddrs; j++) {
        const virDomainIPAddress *a = &ifc->addrs[j];
        const char *type = a->type == VIR_IP_ADDR_TYPE_IPV6 ? "ipv6" : "ipv4";
        kd_buf_printf(b, " %-10s %-17s    %-12s %s/%d\n", j ? "-" : ifc->name, j ? "-" : mac, type,
                      a->addr, a->prefix);
    }
}

char *kd_info_domifaddr(kd_conn *conn, const char *dom, const char *source, kd_err *err)
{
    unsigned src;
    if (addr_source(source, &src, err) < 0)
        return NULL;
    virDomainPtr d = find_domain(conn, dom, err);
    if (!d)
        return NULL;
    virDomainInterfacePtr *ifaces = NULL;
    int n = virDomainInterfaceAddresses(d, &ifaces, src, 0);
    if (n < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "domain '%s'", dom);
        virDomainFree(d);
        return NULL;
    }
    kd_buf b;
    kd_buf_init(&b);
    kd_buf_printf(&b, " %-10s %-20s %-8s     %s\n", "Name", "MAC address", "Protocol", "Address");
    kd_buf_adds(&b, "-----------------------------------------------------------------------------"
                    "--\n");
    for (int i = 0; i < n; i++) {
        add_iface(&b, ifaces[i]);
        virDomainInterfaceFree(ifaces[i]);
    }
    free(ifaces);
    virDomainFree(d);
    return kd_buf_steal(&b);
}

/* Location as virsh words it: external when the memory or a disk lives in a file of its
 * own. */
static void add_snapshot_xml(kd_buf *b, virDomainSnapshotPtr s, kd_err *err)
{
    char *xml = virDomainSnapshotGetXMLDesc(s, 0);
    kd_xq q;
    if (!xml || kd_xq_open(&q, xml, "the snapshot's XML", err) < 0) {
        free(xml);
        return;
    }
    free(xml);
    char *state = kd_xq_str(&q, NULL, "string(/domainsnapshot/state)");
    bool external = kd_xq_bool(&q, NULL,
                               "boolean(/domainsnapshot/memory[@snapshot='external']|"
                               "/domainsnapshot/disks/disk[@snapshot='external'])");
    kd_buf_printf(b, FIELD, "State:", state);
    kd_buf_printf(b, FIELD, "Location:", external ? "external" : "internal");
    free(state);
    kd_xq_close(&q);
}

static void add_snapshot_tree(kd_buf *b, virDomainSnapshotPtr s)
{
    virDomainSnapshotPtr parent = virDomainSnapshotGetParent(s, 0);
    kd_buf_printf(b, FIELD, "Parent:", parent ? virDomainSnapshotGetName(parent) : "-");
    if (parent)
        virDomainSnapshotFree(parent);
    int children = virDomainSnapshotNumChildren(s, 0);
    int all = virDomainSnapshotNumChildren(s, VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS);
    if (children >= 0)
        kd_buf_printf(b, "%-15s %d\n", "Children:", children);
    if (all >= 0)
        kd_buf_printf(b, "%-15s %d\n", "Descendants:", all);
    int meta = virDomainSnapshotHasMetadata(s, 0);
    if (meta >= 0)
        kd_buf_printf(b, FIELD, "Metadata:", meta ? "yes" : "no");
    virResetLastError();
}

char *kd_info_snapshot_info(kd_conn *conn, const char *dom, const char *snap, kd_err *err)
{
    virDomainPtr d = find_domain(conn, dom, err);
    if (!d)
        return NULL;
    virDomainSnapshotPtr s = virDomainSnapshotLookupByName(d, snap, 0);
    if (!s) {
        if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN_SNAPSHOT)
            kd_err_set(err, KD_ERR_NOTFOUND, "domain '%s' has no snapshot named '%s'",
                       virDomainGetName(d), snap);
        else
            kd_virt_err(err, KD_ERR_LIBVIRT, "snapshot '%s'", snap);
        virDomainFree(d);
        return NULL;
    }
    kd_buf b;
    kd_buf_init(&b);
    kd_buf_printf(&b, FIELD, "Name:", virDomainSnapshotGetName(s));
    kd_buf_printf(&b, FIELD, "Domain:", virDomainGetName(d));
    int current = virDomainSnapshotIsCurrent(s, 0);
    if (current >= 0)
        kd_buf_printf(&b, FIELD, "Current:", current ? "yes" : "no");
    kd_err_clear(err);
    add_snapshot_xml(&b, s, err);
    add_snapshot_tree(&b, s);
    virDomainSnapshotFree(s);
    virDomainFree(d);
    if (err->code != KD_ERR_NONE) {
        kd_buf_free(&b);
        return NULL;
    }
    return kd_buf_steal(&b);
}
