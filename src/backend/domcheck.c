#include "backend/action.h"
#include "backend/conn_priv.h"
#include "backend/domxml.h"
#include "backend/virt.h"
#include "core/str.h"

#include <ctype.h>
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/uri.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_MAX_BYTES 64

int kd_domspec_check_name(kd_conn *conn, const char *name, kd_err *err)
{
    if (!name || !*name) {
        kd_err_set(err, KD_ERR_INVALID, "the name cannot be empty");
        return -1;
    }
    if (strlen(name) > NAME_MAX_BYTES) {
        kd_err_set(err, KD_ERR_INVALID, "the name is %zu bytes long; at most %d", strlen(name),
                   NAME_MAX_BYTES);
        return -1;
    }
    if (isspace((unsigned char)name[0]) || isspace((unsigned char)name[strlen(name) - 1])) {
        kd_err_set(err, KD_ERR_INVALID, "the name cannot start or end with a space");
        return -1;
    }
    if (!conn) {
        for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
            if (*p == '/' || *p < 0x20 || *p == 0x7f) {
                kd_err_set(err, KD_ERR_INVALID,
                           "the name cannot contain '/' or control characters");
                return -1;
            }
        }
        return 0;
    }
    return kd_dom_check_name(conn, name, err);
}

int kd_domspec_check_memory(const kd_hostcaps *caps, unsigned long long mib, kd_err *err)
{
    if (mib < 16) {
        kd_err_set(err, KD_ERR_INVALID, "%llu MiB of memory is too little: at least 16 MiB", mib);
        return -1;
    }
    if (caps && caps->host_mem_mib && mib > caps->host_mem_mib) {
        kd_err_set(err, KD_ERR_INVALID, "%llu MiB is more than the host's memory (%llu MiB)", mib,
                   caps->host_mem_mib);
        return -1;
    }
    return 0;
}

int kd_domspec_check_vcpus(const kd_hostcaps *caps, unsigned vcpus, kd_err *err)
{
    if (vcpus < 1) {
        kd_err_set(err, KD_ERR_INVALID, "a domain needs at least one vCPU");
        return -1;
    }
    if (caps && caps->host_cpus && vcpus > caps->host_cpus) {
        kd_err_set(err, KD_ERR_INVALID, "%u vCPUs is more than the host's %u CPUs", vcpus,
                   caps->host_cpus);
        return -1;
    }
    if (caps && caps->max_vcpus && vcpus > caps->max_vcpus) {
        kd_err_set(err, KD_ERR_INVALID, "%u vCPUs is more than the hypervisor allows (%u)", vcpus,
                   caps->max_vcpus);
        return -1;
    }
    return 0;
}

int kd_domspec_check_file(const char *what, const char *path, kd_err *err)
{
    struct stat st;
    if (!path || !*path) {
        kd_err_set(err, KD_ERR_INVALID, "choose the %s", what);
        return -1;
    }
    if (path[0] != '/') {
        kd_err_set(err, KD_ERR_INVALID, "the %s must be an absolute path: %s", what, path);
        return -1;
    }
    if (stat(path, &st) < 0) {
        kd_err_set(err, KD_ERR_INVALID, "the %s %s: %s", what, path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        kd_err_set(err, KD_ERR_INVALID, "the %s %s is not a file", what, path);
        return -1;
    }
    if (access(path, R_OK) < 0) {
        kd_err_set(err, KD_ERR_INVALID, "the %s %s: %s", what, path, strerror(errno));
        return -1;
    }
    return 0;
}

int kd_domspec_check_storage(kd_conn *conn, const char *what, const char *ref, kd_err *err)
{
    if (!ref || !*ref || ref[0] == '/')
        return kd_domspec_check_file(what, ref, err);
    const char *slash = strchr(ref, '/');
    if (!slash || slash == ref || !slash[1]) {
        kd_err_set(err, KD_ERR_INVALID, "the %s '%s' is neither a path nor POOL/VOLUME", what, ref);
        return -1;
    }
    virConnectPtr vc = conn ? kd_conn_virt(conn) : NULL;
    if (!vc)
        return 0;
    char *pool_name = kd_strndup(ref, (size_t)(slash - ref));
    virStoragePoolPtr pool = virStoragePoolLookupByName(vc, pool_name);
    virStorageVolPtr vol = pool ? virStorageVolLookupByName(pool, slash + 1) : NULL;
    int rc = 0;
    if (!vol) {
        kd_err_set(err, KD_ERR_INVALID, "the %s: %s", what,
                   pool ? "no such volume in the pool" : "no such storage pool");
        kd_err_prefix(err, "%s", ref);
        rc = -1;
        virResetLastError();
    }
    if (vol)
        virStorageVolFree(vol);
    if (pool)
        virStoragePoolFree(pool);
    free(pool_name);
    return rc;
}

void kd_url_clear(kd_url *u)
{
    free(u->scheme);
    free(u->host);
    free(u->path);
    memset(u, 0, sizeof(*u));
}

int kd_url_parse(const char *text, kd_url *out, kd_err *err)
{
    static const struct {
        const char *scheme;
        int port;
    } schemes[] = {{"http", 80}, {"https", 443}, {"ftp", 21}};
    memset(out, 0, sizeof(*out));
    xmlURIPtr u = text && *text ? xmlParseURI(text) : NULL;
    int port = -1;
    for (size_t i = 0; u && u->scheme && i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if (strcasecmp(u->scheme, schemes[i].scheme) == 0)
            port = schemes[i].port;
    }
    if (!u || port < 0 || !u->server || !*u->server || !u->path || !u->path[1]) {
        kd_err_set(err, KD_ERR_INVALID,
                   "'%s' is not a URL of an image: http, https or ftp://HOST/PATH", text);
        xmlFreeURI(u);
        return -1;
    }
    if (u->port > 65535) {
        kd_err_set(err, KD_ERR_INVALID, "'%s': port %d is out of range", text, u->port);
        xmlFreeURI(u);
        return -1;
    }
    out->scheme = kd_strdup(u->scheme);
    for (char *p = out->scheme; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    out->host = kd_strdup(u->server);
    out->port = u->port > 0 ? u->port : port;
    out->path = u->query ? kd_asprintf("%s?%s", u->path, u->query) : kd_strdup(u->path);
    xmlFreeURI(u);
    return 0;
}

long long kd_domspec_parse_size(const char *text, long long unit, kd_err *err)
{
    static const char units[] = "KMGT";
    char *end = NULL;
    errno = 0;
    double v = text ? strtod(text, &end) : NAN;
    long long mult = unit;
    if (end && *end) {
        const char *u = strchr(units, toupper((unsigned char)*end));
        if (!u || !*u) {
            mult = -1;
        } else {
            mult = 1;
            for (const char *p = units; p <= u; p++)
                mult *= 1024;
            end++;
            if (*end == 'i' || *end == 'I')
                end++;
            if (*end == 'B' || *end == 'b')
                end++;
        }
    }
    if (!text || end == text || !end || *end || mult < 0 || errno || !(v > 0) ||
        v * (double)mult > 9e18) {
        kd_err_set(err, KD_ERR_INVALID, "'%s' is not a size (e.g. 20G, 512M)", text ? text : "");
        return -1;
    }
    return (long long)(v * (double)mult);
}

int kd_domspec_check_pin(const char *list, unsigned host_cpus, kd_err *err)
{
    const char *p = list;
    if (!p || !*p)
        return 0;
    while (*p) {
        char *end;
        if (!isdigit((unsigned char)*p))
            goto bad;
        unsigned long a = strtoul(p, &end, 10), b = a;
        if (*end == '-') {
            if (!isdigit((unsigned char)end[1]))
                goto bad;
            b = strtoul(end + 1, &end, 10);
        }
        if (b < a || b > 4095)
            goto bad;
        if (host_cpus && b >= host_cpus) {
            kd_err_set(err, KD_ERR_INVALID, "CPU %lu: the host has CPUs 0 to %u", b, host_cpus - 1);
            return -1;
        }
        if (*end == ',')
            end++;
        else if (*end)
            goto bad;
        p = end;
    }
    return 0;
bad:
    kd_err_set(err, KD_ERR_INVALID, "'%s' is not a CPU list (e.g. 2-3 or 0,2)", list);
    return -1;
}

int kd_domspec_check_hugepages(const kd_hostcaps *caps, unsigned long long mib, kd_err *err)
{
    if (!caps || !caps->hugepages_known || mib <= caps->hugepages_free_mib)
        return 0;
    kd_err_set(err, KD_ERR_INVALID,
               "the host has %llu MiB of free huge pages for %llu MiB of memory; reserve more "
               "(vm.nr_hugepages) or turn huge pages off",
               caps->hugepages_free_mib, mib);
    return -1;
}

static int check_source(kd_conn *conn, const kd_domspec *s, kd_err *err)
{
    switch (s->src) {
    case KD_SRC_ISO:
        return kd_domspec_check_storage(conn, "ISO image", s->media, err);
    case KD_SRC_URL: {
        kd_url u;
        if (kd_url_parse(s->url, &u, err) < 0)
            return -1;
        kd_url_clear(&u);
        return 0;
    }
    case KD_SRC_IMPORT:
        return kd_domspec_check_storage(conn, "disk image", s->disk, err);
    case KD_SRC_KERNEL:
        if (kd_domspec_check_file("kernel", s->kernel, err) < 0)
            return -1;
        return *s->initrd ? kd_domspec_check_file("initrd", s->initrd, err) : 0;
    default:
        return 0;
    }
}

static int check_storage(kd_conn *conn, const kd_domspec *s, kd_err *err)
{
    if (s->src == KD_SRC_IMPORT || s->stor == KD_STOR_NONE)
        return 0;
    if (s->stor == KD_STOR_EXISTING)
        return kd_domspec_check_storage(conn, "disk", s->disk, err);
    if (!*s->pool) {
        kd_err_set(err, KD_ERR_INVALID, "choose a storage pool for the new disk");
        return -1;
    }
    if (!kd_str_eq(s->disk_format, "qcow2") && !kd_str_eq(s->disk_format, "raw")) {
        kd_err_set(err, KD_ERR_INVALID, "disk format '%s': qcow2 or raw", s->disk_format);
        return -1;
    }
    if (s->disk_mib < 1) {
        kd_err_set(err, KD_ERR_INVALID, "the new disk needs a size");
        return -1;
    }
    return 0;
}

static int check_options(const kd_domspec *s, const kd_hostcaps *caps, kd_err *err)
{
    if (s->src == KD_SRC_PXE && s->nic == KD_NIC_NONE) {
        kd_err_set(err, KD_ERR_INVALID, "network boot (PXE) needs a network interface");
        return -1;
    }
    if (s->nic != KD_NIC_NONE && !*s->nic_source) {
        kd_err_set(err, KD_ERR_INVALID, "choose the %s for the network interface",
                   s->nic == KD_NIC_NETWORK  ? "virtual network"
                   : s->nic == KD_NIC_BRIDGE ? "bridge"
                                             : "host device");
        return -1;
    }
    if (s->fw != KD_FW_BIOS && caps && !caps->uefi) {
        kd_err_set(err, KD_ERR_INVALID, "no UEFI firmware is installed on the host");
        return -1;
    }
    if (s->fw == KD_FW_UEFI_SECURE && caps && !caps->secure_boot) {
        kd_err_set(err, KD_ERR_INVALID, "no secure-boot firmware is installed on the host");
        return -1;
    }
    if (s->hugepages && kd_domspec_check_hugepages(caps, s->memory_mib, err) < 0)
        return -1;
    return kd_domspec_check_pin(s->pin, caps ? caps->host_cpus : 0, err);
}

int kd_domspec_check(kd_conn *conn, const kd_domspec *s, const kd_hostcaps *caps, kd_err *err)
{
    if (kd_domspec_check_name(conn, s->name, err) < 0 || check_source(conn, s, err) < 0 ||
        kd_domspec_check_memory(caps, s->memory_mib, err) < 0 ||
        kd_domspec_check_vcpus(caps, s->vcpus, err) < 0 || check_storage(conn, s, err) < 0 ||
        check_options(s, caps, err) < 0)
        return -1;
    return 0;
}
