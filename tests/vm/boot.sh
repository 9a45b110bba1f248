#!/bin/bash
# A real guest boots under TCG while kvmdeck watches: the list follows libvirt's events
# (shut off, running, paused, running again) with no key pressed, then q leaves the
# terminal as it found it.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"

kd_vm_require
kd_vm_build_guest
kd_ok "guest image ready ($KD_VM_KERNEL_VERSION)"

name=$(kd_vm_name boot)
kd_vm_define "$name"
kd_ok "defined $name"

[ -x "$KVMDECK" ] || kd_fail "$KVMDECK is not built"
kd_tmux_start -x 120 -- "$KVMDECK" -c qemu:///system
kd_tmux_wait_regex "$name +- +shut off" 15
kd_ok "kvmdeck lists $name as shut off"

virsh -q -c qemu:///system start "$name" >/dev/null || kd_fail "virsh start $name"

# "BusyBox v1.35.0 (Debian ...) built-in shell (ash)", printed by the shell
# busybox init starts on ttyS0: the guest is up.
kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER" 90
kd_ok "guest reached a shell on its serial port"

# The name, an id and the state on one row: the start event reached the list.
kd_tmux_wait_regex "$name +[0-9]+ +running" 15
kd_ok "kvmdeck shows $name running, with its id, after virsh start"
virsh -q -c qemu:///system suspend "$name" >/dev/null || kd_fail "virsh suspend $name"
kd_tmux_wait_regex "$name +[0-9]+ +paused" 15
kd_ok "virsh suspend shows as paused"
virsh -q -c qemu:///system resume "$name" >/dev/null || kd_fail "virsh resume $name"
kd_tmux_wait_regex "$name +[0-9]+ +running" 15
kd_ok "virsh resume shows as running"

kd_tmux_keys q
rc=$(kd_tmux_wait_exit 10) || exit 1
kd_assert_eq 0 "$rc" "kvmdeck exits with status 0 on q"
kd_assert_eq '0 1 0 0 0 0' "$(kd_tmux_pane_flags)" \
    "terminal restored (alternate screen, cursor, keypad, mouse, insert)"

kd_pass "vm/boot"
