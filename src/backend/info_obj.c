#include "backend/conn_priv.h"
#include "backend/info.h"
#include "backend/virt.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

/* pool-info, vol-info and net-info, worded and laid out as virsh prints them. */

#define FIELD "%-15s %s\n"

/* After a failed lookup: "no WHAT named 'NAME'" when libvirt says it does not exist. */
static void lookup_err(kd_err *err, int notfound, const char *what, const char *name)
{
    if (virGetLastErrorCode() == notfound)
        kd_err_set(err, KD_ERR_NOTFOUND, "no %s named '%s'", what, name);
    else
        kd_virt_err(err, KD_ERR_LIBVIRT, "%s '%s'", what, name);
}

static const char *yes_no(int v)
{
    return v < 0 ? "unknown" : v ? "yes" : "no";
}

/* virsh's sizes: bytes below 1024, else two decimals of the largest binary unit. */
static void add_size(kd_buf *b, const char *label, unsigned long long v)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double d = (double)v;
    size_t u = 0;
    while (d >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        d /= 1024;
        u++;
    }
    kd_buf_printf(b, "%-15s %.2lf %s\n", label, d, units[u]);
}

static const char *pool_state(int s)
{
    static const char *const words[] = {[VIR_STORAGE_POOL_INACTIVE] = "inactive",
                                        [VIR_STORAGE_POOL_BUILDING] = "building",
                                        [VIR_STORAGE_POOL_RUNNING] = "running",
                                        [VIR_STORAGE_POOL_DEGRADED] = "degraded",
                                        [VIR_STORAGE_POOL_INACCESSIBLE] = "inaccessible"};
    return s >= 0 && s < (int)(sizeof(words) / sizeof(words[0])) ? words[s] : "unknown";
}

char *kd_info_pool_info(kd_conn *conn, const char *pool, kd_err *err)
{
    virConnectPtr c = kd_conn_virt_err(conn, err);
    if (!c)
        return NULL;
    virStoragePoolPtr p = virStoragePoolLookupByName(c, pool);
    virStoragePoolInfo info;
    if (!p || virStoragePoolGetInfo(p, &info) < 0) {
        lookup_err(err, VIR_ERR_NO_STORAGE_POOL, "storage pool", pool);
        if (p)
            virStoragePoolFree(p);
        return NULL;
    }
    kd_buf b;
    kd_buf_init(&b);
    char uuid[VIR_UUID_STRING_BUFLEN];
    kd_buf_printf(&b, FIELD, "Name:", virStoragePoolGetName(p));
    if (virStoragePoolGetUUIDString(p, uuid) == 0)
        kd_buf_printf(&b, FIELD, "UUID:", uuid);
    kd_buf_printf(&b, FIELD, "State:", pool_state(info.state));
    kd_buf_printf(&b, FIELD, "Persistent:", yes_no(virStoragePoolIsPersistent(p)));
    int autostart;
    if (virStoragePoolGetAutostart(p, &autostart) < 0)
        kd_buf_printf(&b, FIELD, "Autostart:", "no autostart");
    else
        kd_buf_printf(&b, FIELD, "Autostart:", autostart ? "yes" : "no");
    if (info.state == VIR_STORAGE_POOL_RUNNING || info.state == VIR_STORAGE_POOL_DEGRADED) {
        add_size(&b, "Capacity:", info.capacity);
        add_size(&b, "Allocation:", info.allocation);
        add_size(&b, "Available:", info.available);
    }
    virResetLastError();
    virStoragePoolFree(p);
    return kd_buf_steal(&b);
}

/* With a pool, a volume by its name there; without, by key then by path, as virsh. */
static virStorageVolPtr find_vol(virConnectPtr c, const char *pool, const char *vol, kd_err *err)
{
    if (!pool) {
        virStorageVolPtr v = virStorageVolLookupByKey(c, vol);
        if (!v)
            v = virStorageVolLookupByPath(c, vol);
        if (!v)
            lookup_err(err, VIR_ERR_NO_STORAGE_VOL, "storage volume", vol);
        return v;
    }
    virStoragePoolPtr p = virStoragePoolLookupByName(c, pool);
    if (!p) {
        lookup_err(err, VIR_ERR_NO_STORAGE_POOL, "storage pool", pool);
        return NULL;
    }
    virStorageVolPtr v = virStorageVolLookupByName(p, vol);
    if (!v && virGetLastErrorCode() == VIR_ERR_NO_STORAGE_VOL)
        kd_err_set(err, KD_ERR_NOTFOUND, "storage pool '%s' has no volume named '%s'", pool, vol);
    else if (!v)
        kd_virt_err(err, KD_ERR_LIBVIRT, "volume '%s' of pool '%s'", vol, pool);
    virStoragePoolFree(p);
    return v;
}

static const char *vol_type(int t)
{
    static const char *const words[] = {
        [VIR_STORAGE_VOL_FILE] = "file",     [VIR_STORAGE_VOL_BLOCK] = "block",
        [VIR_STORAGE_VOL_DIR] = "dir",       [VIR_STORAGE_VOL_NETWORK] = "network",
        [VIR_STORAGE_VOL_NETDIR] = "netdir", [VIR_STORAGE_VOL_PLOOP] = "ploop"};
    return t >= 0 && t < (int)(sizeof(words) / sizeof(words[0])) ? words[t] : "unknown";
}

char *kd_info_vol_info(kd_conn *conn, const char *pool, const char *vol, kd_err *err)
{
    virConnectPtr c = kd_conn_virt_err(conn, err);
    if (!c)
        return NULL;
    virStorageVolPtr v = find_vol(c, pool, vol, err);
    if (!v)
        return NULL;
    virStorageVolInfo info;
    if (virStorageVolGetInfo(v, &info) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "volume '%s'", vol);
        virStorageVolFree(v);
        return NULL;
    }
    kd_buf b;
    kd_buf_init(&b);
    kd_buf_printf(&b, FIELD, "Name:", virStorageVolGetName(v));
    kd_buf_printf(&b, FIELD, "Type:", vol_type(info.type));
    add_size(&b, "Capacity:", info.capacity);
    add_size(&b, "Allocation:", info.allocation);
    virStorageVolFree(v);
    return kd_buf_steal(&b);
}

char *kd_info_net_info(kd_conn *conn, const char *net, kd_err *err)
{
    virConnectPtr c = kd_conn_virt_err(conn, err);
    if (!c)
        return NULL;
    virNetworkPtr n = virNetworkLookupByName(c, net);
    if (!n) {
        lookup_err(err, VIR_ERR_NO_NETWORK, "network", net);
        return NULL;
    }
    kd_buf b;
    kd_buf_init(&b);
    char uuid[VIR_UUID_STRING_BUFLEN];
    kd_buf_printf(&b, FIELD, "Name:", virNetworkGetName(n));
    if (virNetworkGetUUIDString(n, uuid) == 0)
        kd_buf_printf(&b, FIELD, "UUID:", uuid);
    kd_buf_printf(&b, FIELD, "Active:", yes_no(virNetworkIsActive(n)));
    kd_buf_printf(&b, FIELD, "Persistent:", yes_no(virNetworkIsPersistent(n)));
    int autostart;
    if (virNetworkGetAutostart(n, &autostart) < 0)
        kd_buf_printf(&b, FIELD, "Autostart:", "no autostart");
    else
        kd_buf_printf(&b, FIELD, "Autostart:", autostart ? "yes" : "no");
    char *bridge = virNetworkGetBridgeName(n);
    if (bridge)
        kd_buf_printf(&b, FIELD, "Bridge:", bridge);
    free(bridge);
    virResetLastError();
    virNetworkFree(n);
    return kd_buf_steal(&b);
}

char *kd_info_nodememstats(kd_conn *conn, int cell, kd_err *err)
{
    virConnectPtr c = kd_conn_virt_err(conn, err);
    if (!c)
        return NULL;
    int n = 0;
    int which = cell < 0 ? VIR_NODE_MEMORY_STATS_ALL_CELLS : cell;
    if (virNodeGetMemoryStats(c, which, NULL, &n, 0) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "the host's memory");
        return NULL;
    }
    virNodeMemoryStatsPtr v = kd_calloc(n > 0 ? (size_t)n : 1, sizeof(*v));
    if (n > 0 && virNodeGetMemoryStats(c, which, v, &n, 0) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "the host's memory");
        free(v);
        return NULL;
    }
    kd_buf b;
    kd_buf_init(&b);
    for (int i = 0; i < n; i++)
        kd_buf_printf(&b, "%-7s: %20llu KiB\n", v[i].field, v[i].value);
    free(v);
    return kd_buf_steal(&b);
}
