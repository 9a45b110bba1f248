#!/bin/bash
# kvmdeck --screen-text on a real guest: the text of its VGA screen (QEMU's 720x400 text
# mode) read from the VNC picture, line for line as the guest printed it: the kernel's
# messages match its serial log, the shell banner and a command typed on tty1 are there.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"

[ -x "$KVMDECK" ] || kd_fail "$KVMDECK is not built"

# Errors first, on the test driver: a clear message and status 1.
out=$("$KVMDECK" -c "test:///$KD_FIXTURES/hosts.xml" --screen-text nosuch 2>&1)
kd_assert_eq 1 "$?" "--screen-text of an unknown domain fails"
kd_assert_contains "$out" "no domain 'nosuch'" "and names it"
out=$("$KVMDECK" -c "test:///$KD_FIXTURES/hosts.xml" --screen-text build 2>&1)
kd_assert_contains "$out" "build is not running" "a shut-off domain has no screen"
out=$("$KVMDECK" -c "test:///$KD_FIXTURES/hosts.xml" --screen-text web1 2>&1)
kd_assert_contains "$out" "web1: the domain has no VNC display" "nor one without VNC"

kd_vm_require
kd_vm_build_guest
name=$(kd_vm_name text)
kd_vm_define "$name" start
kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER" 90
log=$(kd_vm_serial_log "$name")

# tty1's shell prints its banner a moment after the serial one.
text=''
for _ in $(seq 1 "$(kd_timeout 30)"); do
    text=$("$KVMDECK" -c qemu:///system --screen-text "$name" 2>"$KD_TMPDIR/err") ||
        kd_fail "--screen-text failed: $(cat "$KD_TMPDIR/err")"
    case $text in *"kdguest:~#"*) break ;; esac
    sleep 1
done
printf '%s\n' "$text" >"$KD_TMPDIR/screen.txt"
kd_assert_contains "$text" "$KD_VM_SHELL_BANNER" "the shell's banner is read from the screen"
kd_assert_contains "$text" "KDGUEST: up" "and the guest's own line"

# Every kernel line on the screen is in the serial log, character for character (lines
# longer than 80 columns wrap on the screen: their pieces are compared).
tr -d '\r' <"$log" >"$KD_TMPDIR/serial.txt"
n=0
while IFS= read -r line; do
    case $line in '['*) ;; *) continue ;; esac
    grep -qF -- "$line" "$KD_TMPDIR/serial.txt" || kd_fail "screen line not in the serial log: '$line'"
    n=$((n + 1))
done <"$KD_TMPDIR/screen.txt"
[ "$n" -ge 5 ] || kd_fail "only $n kernel lines on the screen"
kd_ok "$n kernel lines on the screen match the serial log exactly"

# A command typed on the VGA console: its echo and its output.
for key in KEY_E KEY_C KEY_H KEY_O KEY_SPACE "KEY_LEFTSHIFT KEY_V" "KEY_LEFTSHIFT KEY_G" \
    "KEY_LEFTSHIFT KEY_A" KEY_SPACE KEY_4 KEY_2 KEY_ENTER; do
    # shellcheck disable=SC2086 # several keys pressed together
    virsh -q -c qemu:///system send-key "$name" $key >/dev/null || kd_fail "send-key $key"
done
for _ in $(seq 1 "$(kd_timeout 20)"); do
    text=$("$KVMDECK" -c qemu:///system --screen-text "$name" 2>/dev/null)
    case $text in *$'\nVGA 42\n'*) break ;; esac
    sleep 1
done
kd_assert_contains "$text" "kdguest:~# echo VGA 42"$'\n'"VGA 42" "a command typed on tty1 and its output"

kd_pass "vm/screen_text"
