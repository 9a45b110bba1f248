/* The floor under kvmdeck's start-up and memory on a host: what any libvirt client pays to
 * open the connection, list every domain and read their statistics once.
 *
 *   bench_open URI
 *
 * With the test driver, the host's definitions are parsed and kept inside this process (with
 * a real host they live in libvirtd), so this floor is large for a big fixture. Prints the
 * domain count and this process's peak RSS (VmHWM, KiB). */

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATS_GROUPS                                                                               \
    (VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON |              \
     VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK)

static long vm_hwm_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_open URI\n");
        return 2;
    }
    virConnectPtr c = virConnectOpenReadOnly(argv[1]);
    if (!c) {
        fprintf(stderr, "bench_open: cannot open %s\n", argv[1]);
        return 1;
    }
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(c, &doms, 0);
    for (int i = 0; i < n; i++)
        virDomainFree(doms[i]);
    free(doms);
    virDomainStatsRecordPtr *recs = NULL;
    int m = virConnectGetAllDomainStats(c, STATS_GROUPS, &recs,
                                        VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
    if (m >= 0)
        virDomainStatsRecordListFree(recs);
    /* The line run.sh waits for: the floor's "first frame". */
    printf("domains %d\n", n);
    printf("vmhwm_kib %ld\n", vm_hwm_kib());
    fflush(stdout);
    virConnectClose(c);
    return n < 0 || m < 0;
}
