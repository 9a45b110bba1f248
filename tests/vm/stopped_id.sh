#!/bin/bash
# A domain that stops loses its ID in the list, as in virsh list: libvirt's stopped event
# hands over a domain handle that still carries the ID the domain had while it ran.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"

kd_vm_require
kd_vm_build_guest

name=$(kd_vm_name stopid)
kd_vm_define "$name" start
kd_ok "defined and started $name"

[ -x "$KVMDECK" ] || kd_fail "$KVMDECK is not built"
kd_tmux_start -x 120 -- "$KVMDECK" -c qemu:///system
kd_tmux_wait_regex "$name +[0-9]+ +running" 15
kd_ok "kvmdeck shows $name running, with its ID"

virsh -q -c qemu:///system destroy "$name" >/dev/null || kd_fail "virsh destroy $name"
kd_tmux_wait_regex "$name +- +shut off" 15
kd_ok "after virsh destroy the row shows no ID, like virsh list"

kd_tmux_keys q
rc=$(kd_tmux_wait_exit 10) || exit 1
kd_assert_eq 0 "$rc" "kvmdeck exits with status 0 on q"
kd_pass "vm/stopped_id"
