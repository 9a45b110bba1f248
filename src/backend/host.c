#include "backend/host.h"
#include "backend/conn_priv.h"
#include "backend/virt.h"
#include "backend/xq.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- capabilities ------------------------------------------------------------------------ */

/* "0-3,8" from a list of CPU ids in ascending order. */
static char *cpu_ranges(kd_xq *q, xmlNodePtr cell, unsigned *count)
{
    int n;
    xmlXPathObjectPtr o = kd_xq_nodes(q, cell, "cpus/cpu", &n);
    kd_buf b;
    kd_buf_init(&b);
    long start = -1, prev = -2;
    for (int i = 0; i <= n; i++) {
        long id = i < n ? (long)kd_xq_num(q, o->nodesetval->nodeTab[i], "string(@id)", -1) : -1;
        if (id >= 0 && id == prev + 1) {
            prev = id;
            continue;
        }
        if (start >= 0)
            kd_buf_printf(&b, start == prev ? "%s%ld" : "%s%ld-%ld", b.len ? "," : "", start, prev);
        start = prev = id;
    }
    xmlXPathFreeObject(o);
    *count = (unsigned)n;
    char *s = kd_buf_steal(&b);
    kd_buf_free(&b);
    return s;
}

static void read_cells(kd_host_details *h, kd_xq *q)
{
    int n;
    xmlXPathObjectPtr o = kd_xq_nodes(q, NULL, "/capabilities/host/topology/cells/cell", &n);
    h->cells = kd_calloc(n ? (size_t)n : 1, sizeof(*h->cells));
    for (int i = 0; i < n; i++) {
        xmlNodePtr c = o->nodesetval->nodeTab[i];
        kd_host_cell *x = &h->cells[i];
        x->id = (int)kd_xq_num(q, c, "string(@id)", i);
        x->mem_kib = (unsigned long long)kd_xq_num(q, c, "string(memory)", 0);
        x->cpus = cpu_ranges(q, c, &x->ncpus);
    }
    h->ncells = (size_t)n;
    xmlXPathFreeObject(o);
}

static void read_guests(kd_host_details *h, kd_xq *q)
{
    int n;
    xmlXPathObjectPtr o = kd_xq_nodes(q, NULL, "/capabilities/guest", &n);
    h->guests = kd_calloc(n ? (size_t)n : 1, sizeof(*h->guests));
    for (int i = 0; i < n; i++) {
        xmlNodePtr g = o->nodesetval->nodeTab[i];
        h->guests[i].os_type = kd_xq_str(q, g, "string(os_type)");
        h->guests[i].arch = kd_xq_str(q, g, "string(arch/@name)");
        int nd;
        xmlXPathObjectPtr d = kd_xq_nodes(q, g, "arch/domain/@type", &nd);
        kd_buf b;
        kd_buf_init(&b);
        for (int k = 0; k < nd; k++) {
            char *t = kd_xq_str(q, d->nodesetval->nodeTab[k], "string(.)");
            kd_buf_printf(&b, "%s%s", k ? ", " : "", t);
            if (strcmp(t, "kvm") == 0)
                h->kvm = true;
            free(t);
        }
        xmlXPathFreeObject(d);
        h->guests[i].domain_types = kd_buf_steal(&b);
        kd_buf_free(&b);
    }
    h->nguests = (size_t)n;
    xmlXPathFreeObject(o);
}

/* The page sizes the host CPU offers, in KiB, into sizes (at most max). */
static int page_sizes(kd_xq *q, unsigned *sizes, int max)
{
    int n;
    xmlXPathObjectPtr o = kd_xq_nodes(q, NULL, "/capabilities/host/cpu/pages/@size", &n);
    int k = 0;
    for (int i = 0; i < n && k < max; i++)
        sizes[k++] = (unsigned)kd_xq_num(q, o->nodesetval->nodeTab[i], "string(.)", 0);
    xmlXPathFreeObject(o);
    return k;
}

static void read_pages(kd_host_details *h, virConnectPtr c, kd_xq *q)
{
    unsigned sizes[16];
    int nsizes = page_sizes(q, sizes, 16);
    int ncells = h->ncells ? (int)h->ncells : 1;
    if (nsizes == 0)
        return;
    unsigned long long *counts = kd_calloc((size_t)(nsizes * ncells), sizeof(*counts));
    /* Hosts without NUMA topology answer for cell 0 only. */
    int got = virNodeGetFreePages(c, (unsigned)nsizes, sizes, 0, (unsigned)ncells, counts, 0);
    /* Some drivers (test) fill every entry and answer 0, as virsh expects: trust the size. */
    if (got >= 0) {
        got = nsizes * ncells;
        h->pages = kd_calloc((size_t)got, sizeof(*h->pages));
        for (int i = 0; i < got; i++) {
            h->pages[i].cell = h->ncells ? h->cells[i / nsizes].id : -1;
            h->pages[i].size_kib = sizes[i % nsizes];
            h->pages[i].free = counts[i];
        }
        h->npages = (size_t)got;
    }
    free(counts);
}

static void read_cell_free(kd_host_details *h, virConnectPtr c)
{
    if (!h->ncells)
        return;
    unsigned long long *mem = kd_calloc(h->ncells, sizeof(*mem));
    int got = virNodeGetCellsFreeMemory(c, mem, h->cells[0].id, (int)h->ncells);
    for (int i = 0; i < got && (size_t)i < h->ncells; i++)
        h->cells[i].free_kib = mem[i] / 1024;
    free(mem);
}

/* ---- KVM ----------------------------------------------------------------------------------- */

static bool has_virt_flag(const char *cpuinfo)
{
    size_t len;
    char *text = kd_file_read(cpuinfo, 4 << 20, &len);
    bool found = false;
    char *cur = text;
    for (char *line; text && !found && (line = kd_str_next_line(&cur));) {
        if (strncmp(line, "flags", 5) != 0)
            continue;
        char *save, *tok = strtok_r(strchr(line, ':') ? strchr(line, ':') + 1 : line, " \t", &save);
        for (; tok && !found; tok = strtok_r(NULL, " \t", &save))
            found = strcmp(tok, "vmx") == 0 || strcmp(tok, "svm") == 0;
    }
    free(text);
    return found;
}

static bool module_loaded(const char *modules)
{
    size_t len;
    char *text = kd_file_read(modules, 4 << 20, &len);
    bool found = false;
    char *cur = text;
    for (char *line; text && !found && (line = kd_str_next_line(&cur));)
        found = strncmp(line, "kvm_intel ", 10) == 0 || strncmp(line, "kvm_amd ", 8) == 0;
    free(text);
    return found;
}

char *kd_host_kvm_diagnose(const char *cpuinfo, const char *kvm_dev, const char *modules)
{
    if (!has_virt_flag(cpuinfo))
        return kd_strdup("the CPU shows no vmx/svm flag: hardware virtualization is absent, "
                         "off in the firmware, or (inside a VM) nested virtualization is off");
    struct stat st;
    if (stat(kvm_dev, &st) < 0) {
        if (!module_loaded(modules))
            return kd_asprintf("%s is missing: the kvm_intel/kvm_amd module is not loaded "
                               "(modprobe kvm_intel or kvm_amd)",
                               kvm_dev);
        return kd_asprintf("%s is missing although the kvm module is loaded", kvm_dev);
    }
    if (access(kvm_dev, R_OK | W_OK) < 0)
        return kd_asprintf("no permission on %s (mode %03o, owner %u:%u): add the user to "
                           "its group (kvm)",
                           kvm_dev, (unsigned)(st.st_mode & 0777), (unsigned)st.st_uid,
                           (unsigned)st.st_gid);
    return kd_asprintf("%s is usable, yet libvirt offers no kvm domain type: restart libvirtd "
                       "so that it probes again",
                       kvm_dev);
}

static char *kvm_reason(const kd_host_details *h)
{
    if (h->kvm)
        return kd_strdup("available");
    if (strcmp(h->hv_type, "QEMU") != 0)
        return kd_asprintf("not a QEMU/KVM host (driver %s)", h->hv_type);
    if (!kd_xq_uri_local(h->uri))
        return kd_strdup("the remote host offers no kvm domain type (its /dev/kvm cannot be "
                         "inspected from here)");
    return kd_host_kvm_diagnose("/proc/cpuinfo", "/dev/kvm", "/proc/modules");
}

/* ---- the whole ------------------------------------------------------------------------------- */

static int read_caps(kd_host_details *h, virConnectPtr c, kd_err *err)
{
    h->caps_xml = NULL;
    char *caps = virConnectGetCapabilities(c);
    if (!caps) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "capabilities");
        return -1;
    }
    h->caps_xml = kd_strdup(caps);
    free(caps);
    kd_xq q;
    if (kd_xq_open(&q, h->caps_xml, "capabilities", err) < 0)
        return -1;
    h->cpu_model = kd_xq_str(&q, NULL, "string(/capabilities/host/cpu/model)");
    h->cpu_vendor = kd_xq_str(&q, NULL, "string(/capabilities/host/cpu/vendor)");
    read_cells(h, &q);
    read_guests(h, &q);
    read_cell_free(h, c);
    read_pages(h, c, &q);
    kd_xq_close(&q);
    return 0;
}

kd_host_details *kd_host_get(kd_conn *conn, kd_err *err)
{
    virConnectPtr c = kd_conn_virt_err(conn, err);
    if (!c) {
        return NULL;
    }
    virNodeInfo ni;
    if (virNodeGetInfo(c, &ni) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "host information");
        return NULL;
    }
    kd_host_details *h = kd_calloc(1, sizeof(*h));
    const kd_host_info *hi = kd_conn_host(conn);
    h->hostname = kd_strdup(hi->hostname ? hi->hostname : "");
    h->uri = kd_strdup(hi->uri ? hi->uri : "");
    h->hv_type = kd_strdup(hi->hv_type ? hi->hv_type : "");
    h->hv_version = kd_strdup(hi->hv_version);
    h->lib_version = kd_strdup(hi->lib_version);
    h->cpu_arch = kd_strndup(ni.model, strnlen(ni.model, sizeof(ni.model)));
    h->cpus = ni.cpus;
    h->mhz = ni.mhz;
    h->nodes = ni.nodes;
    h->sockets = ni.sockets;
    h->cores = ni.cores;
    h->threads = ni.threads;
    h->mem_kib = ni.memory;
    unsigned long long free_b = virNodeGetFreeMemory(c);
    h->free_kib = free_b / 1024;
    if (read_caps(h, c, err) < 0) {
        kd_host_details_free(h);
        return NULL;
    }
    h->kvm_why = kvm_reason(h);
    return h;
}

void kd_host_details_free(kd_host_details *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->ncells; i++)
        free(h->cells[i].cpus);
    for (size_t i = 0; i < h->nguests; i++) {
        free(h->guests[i].os_type);
        free(h->guests[i].arch);
        free(h->guests[i].domain_types);
    }
    free(h->cells);
    free(h->pages);
    free(h->guests);
    free(h->hostname);
    free(h->uri);
    free(h->hv_type);
    free(h->hv_version);
    free(h->lib_version);
    free(h->cpu_arch);
    free(h->cpu_model);
    free(h->cpu_vendor);
    free(h->kvm_why);
    free(h->caps_xml);
    free(h);
}

char *kd_host_freecell_text(const kd_host_details *h)
{
    kd_buf b;
    kd_buf_init(&b);
    unsigned long long total = 0;
    for (size_t i = 0; i < h->ncells; i++) {
        kd_buf_printf(&b, "%5d: %12llu KiB\n", h->cells[i].id, h->cells[i].free_kib);
        total += h->cells[i].free_kib;
    }
    if (!h->ncells)
        total = h->free_kib;
    kd_buf_printf(&b, "Total: %12llu KiB\n", total);
    char *s = kd_buf_steal(&b);
    kd_buf_free(&b);
    return s;
}
