#!/bin/bash
# The serial console inside kvmdeck on a real guest: the shell answers a typed command,
# Ctrl+] returns to the list with the console still receiving, the scrollback can be
# searched and saved, and the console follows the guest through a reboot and a restart.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"

kd_vm_require
kd_vm_build_guest
name=$(kd_vm_name console)
kd_vm_define "$name" start
kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER" 90

kd_tmux_start -x 120 -y 30 -- "$KVMDECK" -c qemu:///system
kd_tmux_wait "$name" 15
kd_tmux_keys :
kd_tmux_literal "console $name"
kd_tmux_keys Enter
kd_tmux_wait "Ctrl+] leaves" 10
kd_tmux_keys Enter
kd_tmux_wait "kdguest:~#" 15
kd_ok ":console shows the guest's shell"

token="kd-$RANDOM$RANDOM"
kd_tmux_literal "echo $token | tr a-z A-Z"
kd_tmux_keys Enter
kd_tmux_wait "${token^^}" 15
kd_ok "a typed command's output appears in the pane"

# Keys a shell cares about reach it as the right bytes: Ctrl+C interrupts a sleep.
kd_tmux_literal "echo sleep-started; sleep 100; echo not-interrupted"
kd_tmux_keys Enter
kd_tmux_wait_regex "^sleep-started$" 15
kd_tmux_keys C-c
# The guest's tty throws away what is typed with the interrupt: type once it has settled.
for _ in 1 2 3; do
    kd_tmux_literal "echo interrupted-$token"
    kd_tmux_keys Enter
    kd_tmux_capture | grep -qx "interrupted-$token" && break
    sleep 1
done
kd_tmux_wait_regex "^interrupted-$token$" 15
# The command line itself holds the word; only a line of its own would be sleep's end.
if kd_tmux_capture | grep -qx "not-interrupted"; then
    kd_fail "Ctrl+C did not reach the guest"
fi
kd_ok "Ctrl+C reaches the guest"

kd_tmux_keys C-]
kd_tmux_wait "the console keeps running" 10
kd_tmux_wait_regex "$name +[0-9]+ +running" 10
kd_ok "Ctrl+] returns to the list"

# The console keeps receiving while the list is shown.
virsh -c qemu:///system send-key "$name" KEY_ENTER >/dev/null 2>&1 || true
kd_tmux_keys v
kd_tmux_wait "Ctrl+] leaves" 10
kd_tmux_literal "seq 1 300 | sed 's/^/line-/'"
kd_tmux_keys Enter
kd_tmux_wait "line-300" 20
kd_tmux_keys S-PPage
kd_tmux_wait "scrollback: line" 10
kd_tmux_keys '?'
kd_tmux_literal "line-42"
kd_tmux_keys Enter
kd_tmux_wait "'line-42' at line" 10
kd_tmux_wait_regex "^line-42$" 5
kd_ok "the scrollback is searched back to line-42"
kd_tmux_keys s
kd_tmux_wait "Save console text" 10
kd_tmux_keys C-u
kd_tmux_literal "$KD_TMPDIR/console.txt"
kd_tmux_keys Enter
kd_tmux_wait "saved lines" 10
grep -qx "line-1" "$KD_TMPDIR/console.txt" && grep -qx "line-300" "$KD_TMPDIR/console.txt" ||
    kd_fail "the saved text lacks line-1 or line-300"
kd_ok "the console's text is saved to a file"
kd_tmux_keys q
kd_tmux_wait_gone "scrollback: line" 10

# A reboot inside the guest: the same console shows the new boot and a shell again.
kd_tmux_literal "reboot"
kd_tmux_keys Enter
kd_tmux_wait "KDGUEST: up" 90
kd_tmux_keys Enter
kd_tmux_literal "echo after-reboot-$token"
kd_tmux_keys Enter
kd_tmux_wait "after-reboot-$token" 30
kd_ok "the console survives a guest reboot"

# A stop and a start: the console says so and reattaches by itself.
virsh -q -c qemu:///system destroy "$name" >/dev/null || kd_fail "virsh destroy"
kd_tmux_wait "console closed" 15
virsh -q -c qemu:///system start "$name" >/dev/null || kd_fail "virsh start"
kd_tmux_wait "reattached" 20
kd_tmux_wait "KDGUEST: up" 90
kd_ok "after a stop and a start the console reattaches by itself"

kd_tmux_keys C-]
kd_tmux_wait "the console keeps running" 10
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0"
kd_pass "vm/console"
