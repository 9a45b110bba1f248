#!/bin/bash
# The graphical console read as text on a real guest: the guest's VGA text screen shows as
# real characters in the pane (the shell's banner, the prompt, a command typed there and its
# output) and the title says so; the menu's t switches to half blocks and back; the text
# scrollback is searched and saved to a file.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"

kd_vm_require
kd_vm_build_guest
name=$(kd_vm_name vtext)
kd_vm_define "$name" start
kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER" 90

kd_tmux_start -x 120 -y 40 -- env -u COLORTERM "$KVMDECK" -c qemu:///system
kd_tmux_wait "$name" 15
kd_tmux_keys :
kd_tmux_literal "vnc $name"
kd_tmux_keys Enter
kd_tmux_wait_regex "VNC .* 720x400 " 20
kd_ok ":vnc opens the graphical console"

# A text screen is read as text without asking.
kd_tmux_wait "$KD_VM_SHELL_BANNER" 20
kd_tmux_wait "KDGUEST: up" 5
kd_tmux_wait_regex "VNC .* 720x400 .*, text" 5
kd_ok "the VGA text screen shows as text at once, and the title says so"

# Keys still go to the guest; its output appears as text.
kd_tmux_literal "echo text view \$((6*7))"
kd_tmux_keys Enter
kd_tmux_wait_regex "^ *text view 42 *$" 20
kd_ok "a command typed on tty1 and its output are read as text"

kd_tmux_keys F12
kd_tmux_wait "Text or pixels" 5
kd_tmux_keys t
kd_tmux_wait "the screen is drawn as pixels" 10
for _ in $(seq 1 "$(kd_timeout 20)"); do
    kd_tmux_capture | grep -q '▀' && break
    sleep 0.5
done
kd_tmux_capture | grep -q '▀' || kd_fail "no half blocks after t again"
kd_ok "t draws the picture in half blocks"

# The scrollback is there while the picture shows, and the pager covers the picture whole.
kd_tmux_keys F12
kd_tmux_wait "Text scrollback" 5
kd_tmux_keys b
kd_tmux_wait "Text screens of $name" 10
sleep 0.5
kd_tmux_capture | grep -q '▀' && kd_fail "the picture shows through the text pager"
read -r -a flags <<<"$(kd_tmux_pane_flags)"
[ "${flags[4]}" = 0 ] || kd_fail "the pager gets mouse reports meant for the guest"
kd_tmux_keys q
for _ in $(seq 1 "$(kd_timeout 20)"); do
    kd_tmux_capture | grep -q '▀' && break
    sleep 0.5
done
kd_tmux_capture | grep -q '▀' || kd_fail "no picture after leaving the pager"
kd_ok "the scrollback opens over the picture, which comes back after it"

kd_tmux_keys F12
kd_tmux_wait "Text or pixels" 5
kd_tmux_keys t
kd_tmux_wait "the screen is read as text" 10
# Past text screens: the scrollback, searchable and savable in the text pager.
kd_tmux_keys F12
kd_tmux_wait "Text scrollback" 5
kd_tmux_keys b
kd_tmux_wait "Text screens of $name" 10
kd_tmux_keys /
kd_tmux_literal "text view 42"
kd_tmux_keys Enter
kd_tmux_wait_regex "/text view 42: line [0-9]+" 10
kd_tmux_keys s
kd_tmux_wait "Save this text to" 5
kd_tmux_keys C-u
kd_tmux_literal "$KD_TMPDIR/screens.txt"
kd_tmux_keys Enter
kd_tmux_wait "lines to $KD_TMPDIR/screens.txt" 10
grep -q "^$KD_VM_SHELL_BANNER" "$KD_TMPDIR/screens.txt" ||
    kd_fail "the saved text lacks the shell's banner"
grep -q "^text view 42" "$KD_TMPDIR/screens.txt" || kd_fail "the saved text lacks the output"
kd_ok "the text scrollback is searched and saved to a file"
kd_tmux_keys q
kd_tmux_wait_regex "VNC .* 720x400 .*, text" 10

kd_tmux_keys C-]
kd_tmux_wait_regex "$name +[0-9]+ +running" 10
kd_tmux_keys q
rc=$(kd_tmux_wait_exit 10) || exit 1
kd_assert_eq 0 "$rc" "kvmdeck exits cleanly"
kd_pass "vm/vnc_text"
