#!/bin/bash
# The new-domain wizard on a real host: kvmdeck, driven in tmux, creates a domain on
# qemu:///system that boots the test guest's kernel and initrd directly (QEMU emulation)
# with a new 16 MiB qcow2 volume in a directory pool made for the test; the guest's banner
# shows on kvmdeck's serial console; then kvmdeck deletes the domain with its storage, and
# virsh finds neither the domain nor the volume.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"

kd_vm_require
kd_vm_build_guest
name=$(kd_vm_name wizard)
# Whatever happens, the domain goes (kvmdeck creates it, so vm.sh does not know it).
kd_vm_cleanup_at_exit "$name"

# A transient directory pool of our own, readable by QEMU; removed at exit with its files.
pool=kdtest-wizpool-$$
pooldir=$(mktemp -d /var/tmp/kdtest-wizpool.XXXXXX) || kd_fail "mktemp failed"
chmod 0755 "$pooldir"
kd_at_exit "virsh -q -c qemu:///system pool-destroy $pool >/dev/null 2>&1; rm -rf $pooldir"
virsh -q -c qemu:///system pool-create-as "$pool" dir --target "$pooldir" >/dev/null ||
    kd_fail "cannot create the pool $pool"

page() {
    kd_tmux_wait_regex "New domain \([0-9]/8\): $1" 15
}

kd_tmux_start -x 120 -y 40 -- "$KVMDECK" -c qemu:///system
kd_tmux_wait "domain" 15
kd_tmux_keys +
page "name and install source"
kd_tmux_keys Tab
kd_tmux_literal "$name"
kd_tmux_keys Tab Left
kd_tmux_wait "< Kernel boot >"
kd_tmux_keys C-s
page "installation media"
kd_tmux_literal "$KD_VM_KERNEL"
kd_tmux_keys Tab
kd_tmux_literal "$KD_VM_INITRD"
kd_tmux_keys Tab
kd_tmux_literal "console=ttyS0"
kd_tmux_keys C-s
page "OS variant"
kd_tmux_keys C-s
page "memory and CPUs"
kd_tmux_keys C-u
kd_tmux_literal "256"
kd_tmux_keys Tab C-u
kd_tmux_literal "1"
kd_tmux_keys C-s
page "storage"
kd_tmux_wait "< new volume >"
kd_tmux_keys Tab C-u
kd_tmux_literal "$pool"
kd_tmux_keys Tab C-u
kd_tmux_literal "16M"
kd_tmux_keys C-s
page "network"
# No interface, so that no network has to exist: cycle the choice round to "none".
for _ in 1 2 3 4; do
    kd_tmux_capture | grep -q "Network  < none >" && break
    kd_tmux_keys Left
    sleep 0.2
done
kd_tmux_wait "Network  < none >"
kd_tmux_keys C-s
page "firmware and hypervisor"
# Nested KVM hangs at kernel boot on these machines: QEMU emulation.
if ! kd_tmux_capture | grep -q "Hypervisor  < qemu >"; then
    kd_tmux_keys Tab Right
    kd_tmux_wait "Hypervisor  < qemu >"
fi
kd_tmux_keys C-s
page "graphics and options"
kd_tmux_keys C-s
kd_tmux_wait "New domain: summary"
kd_tmux_wait "Disk      new qcow2 volume $pool/$name.qcow2, 16 MiB"
kd_tmux_wait "Type      qemu"
kd_tmux_keys Enter
kd_tmux_wait "Open its serial console now?" 60
kd_ok "the wizard defined and started $name with a new volume"
[ "$(kd_vm_state "$name")" = running ] || kd_fail "$name is not running"
virsh -q -c qemu:///system vol-list "$pool" | grep -q "$name.qcow2" ||
    kd_fail "no volume $name.qcow2 in $pool"
virsh -q -c qemu:///system vol-info "$name.qcow2" --pool "$pool" | grep -q 'Capacity: *16.00 MiB' ||
    kd_fail "the volume is not 16 MiB"
virsh -q -c qemu:///system dumpxml "$name" | grep -q "<kernel>$KD_VM_KERNEL</kernel>" ||
    kd_fail "the domain does not boot the test kernel"

kd_tmux_keys y
kd_tmux_wait "Ctrl+] leaves" 15
kd_tmux_wait "KDGUEST: up" 180
kd_ok "the guest boots: its banner shows on kvmdeck's serial console"

# Back to the list; stop it, then delete it with its storage (U, typing the name).
kd_tmux_keys C-]
kd_tmux_wait_regex "$name +[0-9]+ +running" 15
kd_tmux_keys :
kd_tmux_literal "destroy $name"
kd_tmux_keys Enter
kd_tmux_wait "destroy 1 domain?" 10
kd_tmux_keys y
kd_tmux_wait_regex "$name +- +shut off" 30
kd_tmux_keys :
kd_tmux_literal "undefine $name --remove-all-storage"
kd_tmux_keys Enter
kd_tmux_wait "Type the domain's name" 10
kd_tmux_literal "$name"
kd_tmux_keys Enter
wait_gone_row() { ! kd_tmux_capture | grep -qE "^[ *] $name "; }
for _ in $(seq 1 300); do wait_gone_row && break; sleep 0.1; done
wait_gone_row || kd_fail "$name is still in the list"

if virsh -q -c qemu:///system list --all --name | grep -qx "$name"; then
    kd_fail "virsh list --all still shows $name"
fi
kd_ok "virsh list --all no longer shows $name"
left=$(virsh -q -c qemu:///system vol-list "$pool" 2>&1)
kd_assert_eq "" "$left" "virsh vol-list $pool is empty"
[ -z "$(ls -A "$pooldir")" ] || kd_fail "files left in $pooldir: $(ls -A "$pooldir")"

kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0"
kd_pass "vm/wizard"
