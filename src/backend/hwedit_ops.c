#include "backend/conn_priv.h"
#include "backend/hwedit.h"
#include "backend/hwedit_priv.h"
#include "backend/virt.h"
#include "core/str.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The changes of the overview: memory, vCPUs, CPU, boot, autostart, description, pinning. */

/* ---- memory ---- */

static int mem_config(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *why, size_t n)
{
    (void)why;
    (void)n;
    const kd_hw_model *c = kd_hwed_config(ed);
    /* The maximum first: raising both would otherwise refuse the new current amount. */
    if (c && a->maxmem_kib != c->maxmem_kib &&
        virDomainSetMemoryFlags(dom, a->maxmem_kib,
                                VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_MEM_MAXIMUM) < 0)
        return -1;
    return virDomainSetMemoryFlags(dom, a->mem_kib, VIR_DOMAIN_AFFECT_CONFIG);
}

static int mem_live(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *why, size_t n)
{
    const kd_hw_model *l = kd_hwed_live(ed);
    if (a->mem_kib > l->maxmem_kib) {
        snprintf(why, n, "%llu MiB is above the running maximum of %llu MiB", a->mem_kib / 1024,
                 l->maxmem_kib / 1024);
        return KD_HW_CALL_PARTIAL;
    }
    if (a->mem_kib != l->mem_kib &&
        virDomainSetMemoryFlags(dom, a->mem_kib, VIR_DOMAIN_AFFECT_LIVE) < 0)
        return -1;
    if (a->maxmem_kib != l->maxmem_kib) {
        snprintf(why, n, "memory set now; the maximum changes at next boot");
        return KD_HW_CALL_PARTIAL;
    }
    return 0;
}

int kd_hwed_set_memory(kd_hwed *ed, unsigned long long mem_kib, unsigned long long maxmem_kib,
                       kd_hw_result *res, kd_err *err)
{
    if (kd_hw_check_memory(mem_kib, maxmem_kib, err) < 0)
        return -1;
    static const kd_hw_change ch = {"memory", kd_hwx_edit_memory, mem_config, mem_live};
    kd_hwx_args a = {.mem_kib = mem_kib, .maxmem_kib = maxmem_kib};
    return kd_hwed_apply(ed, &ch, &a, res, err);
}

/* ---- vCPUs ---- */

static int vcpus_config(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *why, size_t n)
{
    (void)why;
    (void)n;
    const kd_hw_model *c = kd_hwed_config(ed);
    bool max_changes = c && a->maxvcpus != c->maxvcpus;
    /* libvirt refuses a maximum its topology does not multiply to; the edit fixes both. */
    if (max_changes && c->sockets)
        return KD_HW_CALL_REDEFINE;
    if (max_changes &&
        virDomainSetVcpusFlags(dom, a->maxvcpus,
                               VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM) < 0)
        return -1;
    return virDomainSetVcpusFlags(dom, a->vcpus, VIR_DOMAIN_AFFECT_CONFIG);
}

static int vcpus_live(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *why, size_t n)
{
    const kd_hw_model *l = kd_hwed_live(ed);
    if (a->vcpus > l->maxvcpus) {
        snprintf(why, n, "%u vCPUs is above the running maximum of %u", a->vcpus, l->maxvcpus);
        return KD_HW_CALL_PARTIAL;
    }
    if (a->vcpus != l->vcpus && virDomainSetVcpusFlags(dom, a->vcpus, VIR_DOMAIN_AFFECT_LIVE) < 0)
        return -1;
    if (a->maxvcpus != l->maxvcpus) {
        snprintf(why, n, "vCPUs set now; the maximum changes at next boot");
        return KD_HW_CALL_PARTIAL;
    }
    return 0;
}

int kd_hwed_set_vcpus(kd_hwed *ed, unsigned vcpus, unsigned maxvcpus, kd_hw_result *res,
                      kd_err *err)
{
    if (kd_hw_check_vcpus(vcpus, maxvcpus, err) < 0)
        return -1;
    static const kd_hw_change ch = {"vCPUs", kd_hwx_edit_vcpus, vcpus_config, vcpus_live};
    kd_hwx_args a = {.vcpus = vcpus, .maxvcpus = maxvcpus};
    return kd_hwed_apply(ed, &ch, &a, res, err);
}

/* ---- CPU model and boot: only at boot, by redefinition ---- */

int kd_hwed_set_cpu(kd_hwed *ed, kd_hw_cpu_mode mode, const char *model, unsigned sockets,
                    unsigned cores, unsigned threads, kd_hw_result *res, kd_err *err)
{
    if (mode >= KD_HW_CPU_LAST) {
        kd_err_set(err, KD_ERR_INVALID, "unknown CPU mode");
        return -1;
    }
    if (kd_hw_check_topology(sockets, cores, threads, kd_hwed_config(ed)->maxvcpus, err) < 0)
        return -1;
    static const kd_hw_change ch = {"CPU model", kd_hwx_edit_cpu, NULL, NULL};
    kd_hwx_args a = {.cpu_mode = mode,
                     .cpu_model = model,
                     .sockets = sockets,
                     .cores = cores,
                     .threads = threads};
    return kd_hwed_apply(ed, &ch, &a, res, err);
}

int kd_hwed_set_boot(kd_hwed *ed, const char *const *devs, size_t n, bool bootmenu,
                     kd_hw_result *res, kd_err *err)
{
    static const kd_hw_change ch = {"boot order", kd_hwx_edit_boot, NULL, NULL};
    kd_hwx_args a = {.boot_devs = devs, .nboot = n, .bootmenu = bootmenu};
    return kd_hwed_apply(ed, &ch, &a, res, err);
}

/* ---- autostart and description ---- */

int kd_hwed_set_autostart(kd_hwed *ed, bool on, kd_hw_result *res, kd_err *err)
{
    memset(res, 0, sizeof(*res));
    if (kd_hwed_in_memory(ed)) {
        kd_err_set(err, KD_ERR_INVALID, "autostart is set once the domain is defined");
        return -1;
    }
    kd_conn *conn = kd_hwed_conn(ed);
    if (kd_conn_check_writable(conn, "autostart", err) < 0)
        return -1;
    virDomainPtr dom = kd_hwed_lookup(ed, err);
    if (!dom)
        return -1;
    int r = virDomainSetAutostart(dom, on ? 1 : 0);
    if (r < 0)
        kd_virt_err(err, KD_ERR_LIBVIRT, "setting autostart");
    else
        res->applied = KD_HW_SAVED;
    virDomainFree(dom);
    kd_err ignored;
    (void)kd_hwed_reload(ed, &ignored);
    return r < 0 ? -1 : 0;
}

static int desc_call(virDomainPtr dom, const kd_hwx_args *a, unsigned flags)
{
    const char *text = a->text && *a->text ? a->text : NULL;
    return virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_DESCRIPTION, text, NULL, NULL, flags);
}

static int desc_config(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *why, size_t n)
{
    (void)ed;
    (void)why;
    (void)n;
    return desc_call(dom, a, VIR_DOMAIN_AFFECT_CONFIG);
}

static int desc_live(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *why, size_t n)
{
    (void)ed;
    (void)why;
    (void)n;
    return desc_call(dom, a, VIR_DOMAIN_AFFECT_LIVE);
}

int kd_hwed_set_description(kd_hwed *ed, const char *text, kd_hw_result *res, kd_err *err)
{
    static const kd_hw_change ch = {"description", kd_hwx_edit_description, desc_config, desc_live};
    kd_hwx_args a = {.text = text ? text : ""};
    return kd_hwed_apply(ed, &ch, &a, res, err);
}

/* ---- vCPU pinning ---- */

/* The bitmap of a CPU list the validator accepted, over ncpus host CPUs. */
static unsigned char *cpumap_of(const char *cpuset, unsigned ncpus, int *maplen)
{
    *maplen = (int)VIR_CPU_MAPLEN(ncpus);
    unsigned char *map = kd_calloc((size_t)*maplen, 1);
    const char *p = cpuset;
    while (*p) {
        bool neg = *p == '^';
        char *end;
        unsigned long a = strtoul(p + neg, &end, 10), b = a;
        if (*end == '-')
            b = strtoul(end + 1, &end, 10);
        for (unsigned long c = a; c <= b && c < ncpus; c++) {
            if (neg)
                VIR_UNUSE_CPU(map, c);
            else
                VIR_USE_CPU(map, c);
        }
        p = *end == ',' ? end + 1 : end;
    }
    return map;
}

static int pin_call(virDomainPtr dom, const kd_hwx_args *a, unsigned flags)
{
    int ncpus = virNodeGetCPUMap(virDomainGetConnect(dom), NULL, NULL, 0);
    if (ncpus <= 0)
        return -1;
    int maplen;
    unsigned char *map = cpumap_of(a->cpuset, (unsigned)ncpus, &maplen);
    int r = virDomainPinVcpuFlags(dom, a->vcpu, map, maplen, flags);
    free(map);
    return r;
}

static int pin_config(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *why, size_t n)
{
    (void)ed;
    (void)why;
    (void)n;
    return pin_call(dom, a, VIR_DOMAIN_AFFECT_CONFIG);
}

static int pin_live(kd_hwed *ed, virDomainPtr dom, const kd_hwx_args *a, char *why, size_t n)
{
    const kd_hw_model *l = kd_hwed_live(ed);
    if (a->vcpu >= l->vcpus) {
        snprintf(why, n, "vCPU %u is not online now", a->vcpu);
        return KD_HW_CALL_PARTIAL;
    }
    return pin_call(dom, a, VIR_DOMAIN_AFFECT_LIVE);
}

static unsigned host_cpus(kd_hwed *ed)
{
    kd_conn *conn = kd_hwed_conn(ed);
    const kd_host_info *h = conn && !kd_hwed_in_memory(ed) ? kd_conn_host(conn) : NULL;
    return h ? h->cpus : 0;
}

int kd_hwed_pin_vcpu(kd_hwed *ed, unsigned vcpu, const char *cpuset, kd_hw_result *res, kd_err *err)
{
    const kd_hw_model *c = kd_hwed_config(ed);
    if (vcpu >= c->maxvcpus) {
        kd_err_set(err, KD_ERR_INVALID, "vCPU %u: the domain has vCPUs 0 to %u", vcpu,
                   c->maxvcpus - 1);
        return -1;
    }
    if (kd_hw_check_cpuset(cpuset, host_cpus(ed), err) < 0)
        return -1;
    static const kd_hw_change ch = {"vCPU pinning", kd_hwx_edit_pin, pin_config, pin_live};
    kd_hwx_args a = {.vcpu = vcpu, .cpuset = cpuset};
    return kd_hwed_apply(ed, &ch, &a, res, err);
}
