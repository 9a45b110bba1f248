#include "backend/hwedit.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int kd_hw_check_mac(const char *mac, kd_err *err)
{
    unsigned b[6];
    char extra;
    if (!mac || strlen(mac) != 17)
        goto bad;
    for (int i = 0; i < 17; i++) {
        bool colon = i % 3 == 2;
        if (colon ? mac[i] != ':' : !isxdigit((unsigned char)mac[i]))
            goto bad;
    }
    if (sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
               &extra) != 6)
        goto bad;
    if (b[0] & 1) {
        kd_err_set(err, KD_ERR_INVALID, "MAC %s is a multicast address (first byte odd)", mac);
        return -1;
    }
    if ((b[0] | b[1] | b[2] | b[3] | b[4] | b[5]) == 0) {
        kd_err_set(err, KD_ERR_INVALID, "MAC 00:00:00:00:00:00 is not an address");
        return -1;
    }
    return 0;
bad:
    kd_err_set(err, KD_ERR_INVALID, "MAC '%s': six hex pairs with colons, e.g. 52:54:00:12:34:56",
               mac ? mac : "");
    return -1;
}

void kd_hw_mac_generate(char buf[18])
{
    static unsigned seed;
    if (!seed)
        seed = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
    unsigned a = (unsigned)rand_r(&seed), c = (unsigned)rand_r(&seed);
    snprintf(buf, 18, "52:54:00:%02x:%02x:%02x", a & 0xff, (a >> 8) & 0xff, c & 0xff);
}

int kd_hw_check_topology(unsigned sockets, unsigned cores, unsigned threads, unsigned maxvcpus,
                         kd_err *err)
{
    if (sockets == 0 && cores == 0 && threads == 0)
        return 0;
    if (sockets == 0 || cores == 0 || threads == 0) {
        kd_err_set(err, KD_ERR_INVALID, "sockets, cores and threads must all be at least 1");
        return -1;
    }
    unsigned long long p = (unsigned long long)sockets * cores * threads;
    if (p != maxvcpus) {
        kd_err_set(err, KD_ERR_INVALID, "topology %u x %u x %u = %llu, not the maximum vCPUs (%u)",
                   sockets, cores, threads, p, maxvcpus);
        return -1;
    }
    return 0;
}

int kd_hw_check_memory(unsigned long long mem_kib, unsigned long long maxmem_kib, kd_err *err)
{
    if (mem_kib == 0 || maxmem_kib == 0) {
        kd_err_set(err, KD_ERR_INVALID, "memory must be more than 0");
        return -1;
    }
    if (mem_kib > maxmem_kib) {
        kd_err_set(err, KD_ERR_INVALID,
                   "memory (%llu MiB) is more than the maximum memory (%llu MiB)", mem_kib / 1024,
                   maxmem_kib / 1024);
        return -1;
    }
    return 0;
}

int kd_hw_check_vcpus(unsigned vcpus, unsigned maxvcpus, kd_err *err)
{
    if (vcpus == 0 || maxvcpus == 0) {
        kd_err_set(err, KD_ERR_INVALID, "vCPUs must be at least 1");
        return -1;
    }
    if (vcpus > maxvcpus) {
        kd_err_set(err, KD_ERR_INVALID, "vCPUs (%u) is more than the maximum vCPUs (%u)", vcpus,
                   maxvcpus);
        return -1;
    }
    return 0;
}

/* One "N", "N-M" or "^N" item of a CPU list; returns the end of it or NULL. */
static const char *cpuset_item(const char *p, unsigned ncpus, bool *positive)
{
    bool neg = *p == '^';
    if (neg)
        p++;
    if (!isdigit((unsigned char)*p))
        return NULL;
    char *end;
    unsigned long a = strtoul(p, &end, 10), b = a;
    if (*end == '-' && !neg) {
        if (!isdigit((unsigned char)end[1]))
            return NULL;
        b = strtoul(end + 1, &end, 10);
    }
    if (b < a || (ncpus && b >= ncpus))
        return NULL;
    if (!neg)
        *positive = true;
    return end;
}

int kd_hw_check_cpuset(const char *cpuset, unsigned ncpus, kd_err *err)
{
    const char *p = cpuset ? cpuset : "";
    bool positive = false;
    while (*p) {
        p = cpuset_item(p, ncpus, &positive);
        if (!p || (*p && *p != ','))
            goto bad;
        if (*p == ',' && !*++p)
            goto bad;
    }
    if (positive)
        return 0;
bad:
    if (ncpus)
        kd_err_set(err, KD_ERR_INVALID,
                   "CPU list '%s': numbers 0 to %u, ranges and ^exclusions, e.g. 0-1,3",
                   cpuset ? cpuset : "", ncpus - 1);
    else
        kd_err_set(err, KD_ERR_INVALID,
                   "CPU list '%s': numbers, ranges and ^exclusions, e.g. 0-1,3",
                   cpuset ? cpuset : "");
    return -1;
}

void kd_hw_result_text(const kd_hw_result *r, char *buf, size_t n)
{
    static const char *const text[KD_HW_LAST] = {
        [KD_HW_LIVE] = "applied live and saved in the config",
        [KD_HW_SAVED] = "saved in the config",
        [KD_HW_NEXT_BOOT] = "saved in the config; applies at next boot",
        [KD_HW_LIVE_ONLY] = "applied live (transient domain: no config to save)",
        [KD_HW_XML] = "changed in the XML",
        [KD_HW_UNCHANGED] = "nothing to change",
    };
    const char *t = r->applied < KD_HW_LAST ? text[r->applied] : "";
    if (r->why[0])
        snprintf(buf, n, "%s (live: %s)", t, r->why);
    else
        snprintf(buf, n, "%s", t);
}
