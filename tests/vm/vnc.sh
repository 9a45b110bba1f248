#!/bin/bash
# The graphical console inside kvmdeck on a real guest: :vnc shows the guest's VGA screen
# in half blocks, alike (at reduced size, in 256 colours and in truecolor) to `virsh
# screenshot` taken at the same moment, and redrawn whole after a resize; typed keys reach
# the guest's shell on tty1 (its output goes to the serial port, where the test reads it);
# the menu saves a screenshot equal to libvirt's, zooms, changes colours, switches to text
# and back without leftovers, and sends Alt+SysRq and Ctrl+Alt+Del through libvirt; Ctrl+]
# leaves with the mouse mode off; a guest that stops takes the screen back to the list; a
# display with a password asks for it; a read-only connection reaches the display over
# TCP and may not send keys through libvirt; SIGTERM gives the terminal back.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"

command -v python3 >/dev/null 2>&1 || kd_skip "python3 is needed to compare pictures"
compare=$(dirname "$0")/vnc_compare.py

kd_vm_require
kd_vm_build_guest
name=$(kd_vm_name vnc)
kd_vm_define "$name" start
kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER" 90

virsh_q() {
    virsh -q -c qemu:///system "$@"
}

# The picture in half blocks: text screens are read as text by default, so this test asks
# for pixels first ([vnc] text = off), as a user who wants the picture would.
mkdir -p "$KD_TMPDIR/xdg/config/kvmdeck"
printf '[vnc]\ntext = off\n' >"$KD_TMPDIR/xdg/config/kvmdeck/config"
# 256 colours (tmux-256color has no RGB flag): what the pane's SGR sequences carry.
kd_tmux_start -x 120 -y 40 -- env -u COLORTERM "$KVMDECK" -c qemu:///system
kd_tmux_wait "$name" 15
kd_tmux_keys :
kd_tmux_literal "vnc $name"
kd_tmux_keys Enter
kd_tmux_wait "VNC $name" 15
kd_tmux_wait "C-] leave" 5
kd_tmux_wait "256 colours" 5
kd_tmux_wait_regex "VNC .* 720x400 " 20
kd_ok ":vnc opens the graphical console of the guest's text screen"

# The tty1 shell's prompt is drawn by now (the serial one is); wait for the picture to
# settle: two captures a second apart that agree.
prev=''
for _ in $(seq 1 30); do
    cur=$(kd_tmux_capture -e)
    [ -n "$prev" ] && [ "$cur" = "$prev" ] && grep -q '▀' <<<"$cur" && break
    prev=$cur
    sleep 1
done
grep -q '▀' <<<"$cur" || kd_fail "the pane shows no half blocks"
virsh_q screenshot "$name" "$KD_TMPDIR/boot.ppm" >/dev/null ||
    kd_fail "virsh screenshot failed"
kd_tmux_capture -e >"$KD_TMPDIR/boot.pane"
python3 "$compare" pane "$KD_TMPDIR/boot.pane" "$KD_TMPDIR/boot.ppm" "$KD_TMPDIR/box" ||
    kd_fail "the pane does not match virsh screenshot"
kd_ok "the pane matches virsh screenshot at reduced size"

# Keys: capitals and '>' need Shift on the guest's keyboard.
token="KDVNC$RANDOM$RANDOM"
kd_tmux_literal "echo $token > /dev/ttyS0"
kd_tmux_keys Enter
kd_vm_wait_serial "$name" "$token" 30
kd_ok "a command typed in the VNC view ran in the guest"

# A screen with '#' in its upper part, blank below: a picture with a known shape. Lines
# stay shorter than the guest's 80 columns: its line editor redraws wrapped lines.
kd_tmux_literal "clear;yes X#######################################|head -n 12"
kd_tmux_literal ";echo DRAWN >/dev/ttyS0"
kd_tmux_keys Enter
kd_vm_wait_serial "$name" DRAWN 30
sleep 2
virsh_q screenshot "$name" "$KD_TMPDIR/hashes.ppm" >/dev/null || kd_fail "virsh screenshot failed"
kd_tmux_capture -e >"$KD_TMPDIR/hashes.pane"
python3 "$compare" pane "$KD_TMPDIR/hashes.pane" "$KD_TMPDIR/hashes.ppm" "$KD_TMPDIR/box" ||
    kd_fail "the pane does not match virsh screenshot after the screen changed"
kd_ok "updates reach the pane"
# The comparison tells screens apart: the boot screen's pane is not the new screenshot.
if python3 "$compare" pane "$KD_TMPDIR/boot.pane" "$KD_TMPDIR/hashes.ppm" "$KD_TMPDIR/box" \
    >/dev/null 2>&1; then
    kd_fail "the comparison takes two different screens for the same"
fi

# A resize clears the terminal: the whole picture is drawn again at the new size.
kd_tmux_resize 90 30
count=0
for _ in $(seq 1 50); do
    count=$(kd_tmux_capture | grep -o '▀' | wc -l)
    [ "$count" -gt 300 ] && break
    sleep 0.1
done
[ "$count" -gt 300 ] || { kd_tmux_capture >&2; kd_fail "the picture was not redrawn after a resize"; }
kd_tmux_wait "VNC $name" 5
kd_ok "a resize redraws the picture ($count half blocks)"
read -r -a flags <<<"$(kd_tmux_pane_flags)"
[ "${flags[4]}" = 1 ] || kd_fail "mouse reporting is off in the VNC view (flags ${flags[*]})"
kd_ok "the mouse is reported while the VNC view is shown"
kd_tmux_resize 120 40 # back to the size the picture was measured at

# The menu's screenshot: the same pixels as libvirt's.
kd_tmux_keys F12
kd_tmux_wait "Graphical console" 5
kd_tmux_keys s
kd_tmux_wait "Save the screen to" 5
kd_tmux_keys C-u
kd_tmux_literal "$KD_TMPDIR/menu-shot.png"
kd_tmux_keys Enter
kd_tmux_wait "screenshot of $name (720x400) saved" 10
[ -s "$KD_TMPDIR/menu-shot.png" ] || kd_fail "no file at $KD_TMPDIR/menu-shot.png"
virsh_q screenshot "$name" "$KD_TMPDIR/now.ppm" >/dev/null || kd_fail "virsh screenshot failed"
python3 "$compare" files "$KD_TMPDIR/menu-shot.png" "$KD_TMPDIR/now.ppm" ||
    kd_fail "the saved screenshot differs from virsh screenshot"
kd_ok "the menu's screenshot is the guest's screen"

# The menu's zoom and colours show in the title.
kd_tmux_keys F12
kd_tmux_wait "Graphical console" 5
kd_tmux_keys +
kd_tmux_wait_regex "zoom [0-9]+%" 5
kd_tmux_keys F12 0
kd_tmux_wait "zoom fit" 5
kd_tmux_keys F12 c
kd_tmux_wait "16 colours" 5
kd_tmux_keys F12 c
kd_tmux_wait "256 colours" 5
kd_tmux_keys F12 c
kd_tmux_wait "truecolor" 5
# Truecolor cells (SGR 38;2 and 48;2, which tmux keeps) show the same picture.
sleep 1
virsh_q screenshot "$name" "$KD_TMPDIR/tc.ppm" >/dev/null || kd_fail "virsh screenshot failed"
kd_tmux_capture -e >"$KD_TMPDIR/tc.pane"
grep -q $'\e\[[0-9;]*38;2;' "$KD_TMPDIR/tc.pane" || kd_fail "no truecolor cells in the pane"
python3 "$compare" pane "$KD_TMPDIR/tc.pane" "$KD_TMPDIR/tc.ppm" "$KD_TMPDIR/box" ||
    kd_fail "the truecolor pane does not match virsh screenshot"
kd_tmux_keys F12 c
kd_tmux_wait "colours: 256 colours (as the terminal says)" 5
kd_ok "the menu zooms and changes the colours"
kd_tmux_keys F12 l
kd_tmux_wait_gone "Graphical console" 5
count=0
for _ in $(seq 1 50); do
    count=$(kd_tmux_capture | grep -o '▀' | wc -l)
    [ "$count" -gt 300 ] && break
    sleep 0.1
done
[ "$count" -gt 300 ] || kd_fail "the picture is gone after the menu's redraw"
kd_tmux_wait "VNC $name" 5
kd_ok "the menu's redraw repaints the frame and the picture"
kd_tmux_keys F12 m
kd_tmux_wait "F12 sent to $name" 5
kd_ok "the menu sends its own key to the guest"

# Read as text (menu t): curses draws characters where the picture was; nothing of the
# picture may stay under them.
kd_tmux_keys F12 t
kd_tmux_wait "the screen is read as text" 10
kd_tmux_wait "kdguest:~#" 10
blocks=$(kd_tmux_capture | grep -o '▀' | wc -l)
[ "$blocks" -lt 20 ] || { kd_tmux_capture >&2; kd_fail "$blocks half blocks left under the text"; }
kd_tmux_keys F12 t
kd_tmux_wait "the screen is drawn as pixels" 10
kd_ok "text and pixels switch without leftovers ($blocks half blocks in text)"

# Alt+SysRq+h through libvirt: the guest's kernel answers on its consoles.
kd_tmux_keys F12 r
kd_tmux_wait "Alt+SysRq and which key?" 5
kd_tmux_literal h
kd_tmux_keys Enter
kd_tmux_wait "Alt+SysRq+h sent to $name" 5
kd_vm_wait_serial "$name" "sysrq:" 30
kd_ok "Alt+SysRq+h from the menu reaches the guest's kernel"

# Ctrl+Alt+Del through libvirt: the guest's init reboots it.
log=$(kd_vm_serial_log "$name")
ups=$(grep -c "KDGUEST: up" "$log")
kd_tmux_keys F12 d
kd_tmux_wait "Ctrl+Alt+Del sent to $name" 5
for _ in $(seq 1 600); do
    [ "$(grep -c "KDGUEST: up" "$log")" -gt "$ups" ] && break
    sleep 0.1
done
[ "$(grep -c "KDGUEST: up" "$log")" -gt "$ups" ] || kd_fail "Ctrl+Alt+Del did not reboot the guest"
kd_tmux_wait "VNC $name" 5
kd_ok "Ctrl+Alt+Del from the menu reboots the guest, the view stays"

kd_tmux_keys C-]
kd_tmux_wait_regex "$name +[0-9]+ +running" 10
read -r -a flags <<<"$(kd_tmux_pane_flags)"
[ "${flags[4]}" = 0 ] || kd_fail "mouse reporting left on after leaving (flags ${flags[*]})"
kd_ok "Ctrl+] returns to the list and turns the mouse off"

# Back in, then the guest goes away under the view.
kd_tmux_keys :
kd_tmux_literal "vnc $name"
kd_tmux_keys Enter
kd_tmux_wait "VNC $name" 15
virsh_q destroy "$name" >/dev/null || kd_fail "virsh destroy failed"
kd_tmux_wait_regex "VNC of .* closed|its VNC console is closed" 15
kd_tmux_wait_regex "$name +- +shut off" 10
read -r -a flags <<<"$(kd_tmux_pane_flags)"
[ "${flags[4]}" = 0 ] || kd_fail "mouse reporting left on after the guest stopped"
kd_ok "a guest that stops closes the view with a message"

kd_tmux_resize 120 40
# A display with a password (QEMU takes one only at start): kvmdeck asks for it; a wrong
# one is refused.
virsh_q dumpxml --security-info --xpath '//devices/graphics' "$name" >"$KD_TMPDIR/g.xml" ||
    kd_fail "cannot read the graphics element"
sed -i "s|<graphics |<graphics passwd='kd-pw-42' |" "$KD_TMPDIR/g.xml"
virsh_q update-device "$name" "$KD_TMPDIR/g.xml" --config >/dev/null ||
    kd_fail "cannot set a VNC password"
virsh_q start "$name" >/dev/null || kd_fail "cannot start $name again"
kd_tmux_wait_regex "$name +[0-9]+ +running" 15
kd_tmux_keys :
kd_tmux_literal "vnc $name"
kd_tmux_keys Enter
kd_tmux_wait "asks for its password" 15
kd_tmux_literal "wrong-one"
kd_tmux_keys Enter
kd_tmux_wait_regex "VNC of $name: .*[Aa]uthentication failed" 15
kd_tmux_wait_regex "$name +[0-9]+ +running" 5
kd_ok "a wrong VNC password is refused with a message"
kd_tmux_keys :
kd_tmux_literal "vnc $name"
kd_tmux_keys Enter
kd_tmux_wait "asks for its password" 15
# The prompt waits inside the handshake: a resize is laid out there, not after it.
kd_tmux_resize 60 20
kd_tmux_wait_regex "password: +│" 5 # the box fits the new width
kd_tmux_literal "kd-pw-42"
kd_tmux_keys Enter
kd_tmux_resize 120 40 # the title does not fit 60 columns
kd_tmux_wait "password required" 15
kd_tmux_wait_regex "VNC .* 720x400 " 10
kd_ok "the right VNC password opens the console, after a resize at the prompt"
kd_tmux_keys C-]
kd_tmux_wait_regex "$name +[0-9]+ +running" 10

kd_tmux_keys q
rc=$(kd_tmux_wait_exit 10) || exit 1
kd_assert_eq 0 "$rc" "kvmdeck exits cleanly"

# Read-only: libvirt hands over no socket, so kvmdeck connects to the listen address; the
# keys libvirt would send are refused.
kd_tmux_start -x 120 -y 40 -- env -u COLORTERM "$KVMDECK" -r -c qemu:///system
kd_tmux_wait "$name" 15
kd_tmux_keys :
kd_tmux_literal "vnc $name"
kd_tmux_keys Enter
kd_tmux_wait "asks for its password" 15
kd_tmux_literal "kd-pw-42"
kd_tmux_keys Enter
kd_tmux_wait_regex "VNC .* 720x400 .*over TCP" 15
kd_ok "a read-only connection reaches the display over TCP"
kd_tmux_keys F12 d
kd_tmux_wait_regex "Ctrl\+Alt\+Del: .*read-only" 5
kd_ok "Ctrl+Alt+Del is refused on a read-only connection"

# SIGTERM with the view shown (q is the guest's there): the terminal is given back with
# the mouse off.
pid=$(kd_tmux_pid) || exit 1
kill -TERM "$pid"
rc=$(kd_tmux_wait_exit 10) || exit 1
kd_assert_eq 143 "$rc" "SIGTERM ends kvmdeck"
read -r -a flags <<<"$(kd_tmux_pane_flags)"
kd_assert_eq "0 1 0 0 0 0" "${flags[*]}" "the terminal's modes are restored, mouse off"
kd_check_sanitizers
kd_pass
