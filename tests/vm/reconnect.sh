#!/bin/bash
# libvirtd dies under a running kvmdeck and comes back: kvmdeck says it is disconnected,
# keeps showing the last known list, reconnects by itself with no key pressed, re-lists,
# follows libvirt's events on the new connection, and quits cleanly while a reconnection
# is still pending. libvirtd is left running whatever the outcome.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"

# Print the pid of the live libvirtd. Killed daemons stay behind as zombies where PID 1
# does not reap orphans, and pgrep lists those too.
live_libvirtd() {
    local p stat
    for p in $(pgrep -x libvirtd); do
        stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        case $stat in
        *") Z "* | *") X "*) continue ;;
        esac
        echo "$p"
        return 0
    done
    return 1
}

# Clean-up handler: whatever happened, leave the daemon answering. The daemons it starts
# must not inherit the lock below, or they would hold it for as long as they run.
restart_libvirtd() {
    # shellcheck disable=SC2154 # set by common.sh
    "$top_srcdir/scripts/start-libvirtd.sh" {vm_lock}>&-
}

# Print how many sockets process $1 holds open; its libvirt connection is one.
count_sockets() {
    find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l
}

# wait_sockets_below PID N TIMEOUT: wait until PID holds fewer than N sockets.
wait_sockets_below() {
    local deadline
    deadline=$(($(kd_now_us) + $(kd_timeout "$3") * 1000000))
    while [ "$(count_sockets "$1")" -ge "$2" ]; do
        [ "$(kd_now_us)" -ge "$deadline" ] && return 1
        sleep 0.05
    done
    return 0
}

# Killing the daemon would break any other test using it at the same time, so this test
# takes exclusively the lock that the other guest tests share (kd_vm_require then keeps it).
kd_vm_lock exclusive
vm_lock=$KD_VM_LOCK_FD
kd_vm_require
kd_vm_build_guest
[ -x "$KVMDECK" ] || kd_fail "$KVMDECK is not built"

name=$(kd_vm_name reconnect)
kd_vm_define "$name"
# Handlers run last-registered first: this one runs before the domain's removal, which
# needs the daemon.
kd_at_exit restart_libvirtd
kd_ok "defined $name"

kd_tmux_start -x 120 -- "$KVMDECK" -c qemu:///system {vm_lock}>&-
kd_tmux_wait_regex "$name +- +shut off" 15
pid=$(kd_tmux_pid 5) || exit 1
kd_ok "kvmdeck lists $name"

# ---- the daemon dies --------------------------------------------------------------------

daemon=$(live_libvirtd) || kd_fail "no live libvirtd process"
kill -KILL "$daemon" || kd_fail "cannot kill libvirtd ($daemon)"
kd_tmux_wait "disconnected from qemu:///system" 10
kd_ok "the status line says disconnected once libvirtd is killed"
screen=$(kd_tmux_capture -J) || exit 1
kd_assert_contains "$screen" "$name" "the last known list stays on screen while disconnected"
[ -s "$KD_TMUX_EXITFILE" ] && kd_fail "kvmdeck exited when libvirtd died"

# A domain that appears while kvmdeck is away: its file is put where libvirtd reads its
# configuration when it starts. No event ever announces it, so only the full re-list on
# reconnection can show it.
name2=$(kd_vm_name reconnect)
conf=/etc/libvirt/qemu/$name2.xml
# Clean-ups in the order they must run (the last registered runs first): the daemon back,
# the domain undefined through it, then the file, in case the daemon never read it.
kd_at_exit "rm -f $(printf %q "$conf")"
kd_vm_cleanup_at_exit "$name2"
kd_at_exit restart_libvirtd
mkdir -p "$KD_TMPDIR/vm" || kd_fail "cannot create $KD_TMPDIR/vm"
kd_vm_xml "$name2" >"$KD_TMPDIR/vm/$name2.xml" || kd_fail "cannot write the XML of $name2"
uuid=$(cat /proc/sys/kernel/random/uuid) || kd_fail "cannot make a UUID"
sed "s|<name>$name2</name>|&<uuid>$uuid</uuid>|" "$KD_TMPDIR/vm/$name2.xml" >"$conf" ||
    kd_fail "cannot write $conf"
grep -qF "<uuid>$uuid</uuid>" "$conf" || kd_fail "$conf has no UUID"

# ---- and comes back -----------------------------------------------------------------------

out=$(restart_libvirtd 2>&1) || kd_fail "cannot restart libvirtd: $out"
kd_ok "libvirtd restarted"
kd_tmux_wait "reconnected to qemu:///system" 10
kd_tmux_wait_gone "disconnected" 2
kd_ok "kvmdeck reconnected by itself, and says so"
kd_tmux_wait_regex "$name2 +- +shut off" 5
kd_ok "the re-list shows $name2, which appeared while kvmdeck was away"
screen=$(kd_tmux_capture -J) || exit 1
kd_assert_contains "$screen" "$name" "$name is still listed"

# The re-list happens only on (re)connection: these changes reach the list through the
# events of the new connection.
virsh -q -c qemu:///system undefine "$name2" >/dev/null || kd_fail "virsh undefine $name2"
kd_tmux_wait_gone "$name2" 10
kd_ok "events are followed on the new connection ($name2 undefined)"
name3=$(kd_vm_name reconnect)
kd_vm_define "$name3"
kd_at_exit restart_libvirtd
kd_tmux_wait_regex "$name3 +- +shut off" 10
kd_ok "events are followed on the new connection ($name3 defined)"
# A reset is what QEMU reports as a reboot; the guest need not have booted.
virsh -q -c qemu:///system start "$name3" >/dev/null || kd_fail "virsh start $name3"
kd_tmux_wait_regex "$name3 +[0-9]+ +running" 30
virsh -q -c qemu:///system reset "$name3" >/dev/null || kd_fail "virsh reset $name3"
kd_tmux_wait "$name3 rebooted" 15
kd_ok "the reboot event of the new connection reaches the status line"
virsh -q -c qemu:///system destroy "$name3" >/dev/null || kd_fail "virsh destroy $name3"
kd_tmux_wait_regex "$name3 +- +shut off" 15
[ -s "$KD_TMUX_EXITFILE" ] && kd_fail "kvmdeck exited during the reconnection"
kd_assert_eq "$pid" "$(kd_tmux_pid 5)" "the same kvmdeck process runs on"

# ---- quitting while a reconnection is pending -------------------------------------------

sockets=$(count_sockets "$pid")
[ "$sockets" -ge 1 ] || kd_fail "kvmdeck holds no socket to libvirtd"
daemon=$(live_libvirtd) || kd_fail "no live libvirtd process after the restart"
kill -KILL "$daemon" || kd_fail "cannot kill libvirtd ($daemon)"
kd_tmux_wait "disconnected from qemu:///system" 10
# The dropped socket shows that kvmdeck has let the dead connection go and is now waiting
# to retry.
wait_sockets_below "$pid" "$sockets" 10 || kd_fail "kvmdeck kept its socket to the dead libvirtd"
kd_ok "kvmdeck dropped the dead connection again"
kd_tmux_keys q
rc=$(kd_tmux_wait_exit 10) || exit 1
kd_assert_eq 0 "$rc" "kvmdeck exits with status 0 on q while disconnected"
kd_assert_eq '0 1 0 0 0 0' "$(kd_tmux_pane_flags)" \
    "terminal restored (alternate screen, cursor, keypad, mouse, insert)"

out=$(restart_libvirtd 2>&1) || kd_fail "cannot restart libvirtd: $out"
kd_ok "libvirtd running again"

kd_pass "vm/reconnect"
