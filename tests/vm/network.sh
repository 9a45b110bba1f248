#!/bin/bash
# A NAT network with a DHCP range, created and started through kvmdeck's palette on
# qemu:///system; the tiny guest on it gets a lease, which the networks screen, the
# guest's details and virsh net-dhcp-leases all show. Everything goes away at exit.
set -u

# shellcheck source=../lib/vm_guest.sh
. "$(dirname "$0")/../lib/vm_guest.sh"
command -v dnsmasq >/dev/null 2>&1 || kd_skip "dnsmasq is not installed (libvirt's DHCP)"

virsh_sys() {
    virsh -q -c qemu:///system "$@"
}

remove_net() { # NAME
    virsh_sys net-destroy "$1" >/dev/null 2>&1
    virsh_sys net-undefine "$1" >/dev/null 2>&1
    if virsh_sys net-info "$1" >/dev/null 2>&1; then
        echo "FAIL: network $1 could not be removed" >&2
        return 1
    fi
    return 0
}

# Networks of killed runs: named after their test's pid like the guests.
while read -r old; do
    [[ $old =~ ^kdtest-net-([0-9]+)-[0-9a-f]+$ ]] || continue
    kill -0 "${BASH_REMATCH[1]}" 2>/dev/null || remove_net "$old"
done < <(virsh_sys net-list --all --name 2>/dev/null)

# A /24 no interface and no network uses.
used=$( (ip -4 -o addr; virsh_sys net-list --all --name | while read -r n; do
    [ -n "$n" ] && virsh_sys net-dumpxml "$n"; done) 2>/dev/null)
for _ in $(seq 50); do
    sub="10.$((RANDOM % 200 + 50)).$((RANDOM % 250))"
    grep -qF "$sub." <<<"$used" || break
done
net=$(printf 'kdtest-net-%s-%04x' "$$" "$RANDOM")
mac=$(printf '52:54:00:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))
# Registered before anything is created: the network goes even when the test fails.
kd_at_exit "remove_net $net"

kd_tmux_start -x 200 -y 34 -- "$KVMDECK" -c qemu:///system
kd_tmux_wait "domain" 15
palette_run net-list
kd_tmux_wait "Virtual networks on qemu:///system" 10

palette_run "net-define-as $net nat $sub.1/24 $sub.100 $sub.150"
wait_status "network $net defined" 15
virsh_sys net-dumpxml "$net" | grep -q "<range start='$sub.100' end='$sub.150'" ||
    kd_fail "libvirt's XML of $net has no DHCP range $sub.100-$sub.150"
palette_run "net-start $net"
wait_status "net-start $net: done" 20
[ "$(virsh_sys net-info "$net" | awk '/^Active:/ {print $2}')" = yes ] ||
    kd_fail "$net is not active after :net-start"
kd_tmux_wait_regex "^ $(esc_re "$net") +active "
kd_ok "kvmdeck defined and started NAT network $net ($sub.0/24, DHCP .100-.150)"

KD_VM_EXTRA_DEVICES="<interface type='network'><mac address='$mac'/><source network='$net'/><model type='virtio'/></interface>"
export KD_VM_EXTRA_DEVICES
name=$(kd_vm_name net)
kd_vm_define "$name" start

deadline=$((SECONDS + $(kd_timeout 70)))
ip=''
until [ -n "$ip" ]; do
    ip=$(virsh_sys net-dhcp-leases "$net" 2>/dev/null | awk -v m="$mac" '$3 == m {print $5}')
    if [ "$SECONDS" -ge "$deadline" ]; then
        _kd_vm_show_log "$(kd_vm_serial_log "$name")"
        kd_fail "no DHCP lease for $mac on $net"
    fi
    [ -n "$ip" ] || sleep 1
done
case $ip in
"$sub".1[0-4][0-9]/24 | "$sub".150/24) ;;
*) kd_fail "lease $ip is outside the range $sub.100-$sub.150" ;;
esac
kd_ok "virsh net-dhcp-leases: the guest got $ip"

palette_run "net-dhcp-leases $net"
wait_status "1 lease(s) on $net" 10
kd_tmux_wait_regex "^ $(esc_re "$mac") +$(esc_re "$ip") "
kd_ok ":net-dhcp-leases shows the guest's lease in the networks screen"

kd_tmux_keys q
kd_tmux_keys /
kd_tmux_literal "$name"
kd_tmux_keys Enter
kd_tmux_wait_regex "$name +[0-9]+ +running" 10
kd_tmux_keys i
# Where the address came from follows it: the lease, not the ARP table.
kd_tmux_wait "$ip (lease)" 20
kd_ok "the guest's details show $ip from the lease"

kd_tmux_keys q
rc=$(kd_tmux_wait_exit 15) || exit 1
kd_assert_eq "$rc" 0 "exit status"
kd_pass
