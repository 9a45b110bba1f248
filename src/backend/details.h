#ifndef KD_BACKEND_DETAILS_H
#define KD_BACKEND_DETAILS_H

/* The facts the details pane shows, read from the domain's XML (libxml2) and from
 * libvirt's address queries. Plain data. */

#include "backend/conn.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *target; /* vda */
    char *device; /* disk, cdrom */
    char *bus;    /* virtio, sata */
    char *source; /* file path, volume "pool/vol", or "" for an empty drive */
    char *format; /* qcow2, raw, or "" */
} kd_disk_info;

typedef struct {
    char *mac;
    char *type;   /* network, bridge, direct, user */
    char *source; /* network name, bridge name, host device */
    char *model;
    char *ips; /* "192.168.122.10/24 (lease), fe80::1/64 (agent)", or "" */
} kd_nic_info;

typedef struct {
    char *os_type; /* hvm */
    char *arch;
    char *machine;  /* pc-q35-7.2 */
    char *firmware; /* "BIOS", "UEFI", "UEFI (secure boot)", "direct kernel boot" */
    char *emulator;
    /* "vnc 127.0.0.1:5900", "spice 127.0.0.1:5902 (tls 5903)", "vnc (autoport, not
     * running)", "vnc socket PATH"; several joined with ", "; "" when none */
    char *graphics;
    char *description;
    /* A guest agent channel is configured and not known to be disconnected: only then
     * are addresses asked of the agent, which can otherwise stall for seconds. */
    bool guest_agent;
    kd_disk_info *disks;
    size_t ndisks;
    kd_nic_info *nics;
    size_t nnics;
    /* -1 when unknown or not running. Known only for qemu:///system (and qemu+unix), from
     * the start time of the process in libvirt's pid file; other hosts give -1. */
    long long uptime_s;
} kd_dom_details;

/* Every string is non-NULL ("" when the XML does not say). nics[].ips lists, for a running
 * domain, the addresses libvirt's DHCP leases, the guest agent and the host's ARP table
 * report, in that order, each once, marked with where it came from. */
kd_dom_details *kd_dom_details_get(kd_conn *conn, const char *uuid, kd_err *err);
/* From XML alone, without addresses or uptime (used by tests and by the editor). */
kd_dom_details *kd_dom_details_parse(const char *xml, kd_err *err);
void kd_dom_details_free(kd_dom_details *d);

#endif
