#!/bin/bash
# Leaving kvmdeck gives the terminal back exactly as it was: by q, by SIGTERM, by
# SIGHUP. The pane must show what was there before and have every mode reset.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"

check_restored() { # how
    local flags screen
    flags=$(kd_tmux_pane_flags) || exit 1
    kd_assert_eq "0 1 0 0 0 0" "$flags" "$1: normal screen, cursor shown, keypad/mouse off"
    screen=$(kd_tmux_capture) || exit 1
    kd_assert_contains "$screen" "KDSTART" "$1: the screen from before is back"
    case $screen in
    *"kvmdeck  "* | *"NAME "*) kd_fail "$1: kvmdeck's screen was left behind" ;;
    esac
    kd_ok "$1: nothing of kvmdeck's screen is left"
}

kd_tmux_start -- "$KVMDECK" -c test:///default
kd_tmux_wait_regex '^ +test +1 +running'
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0"
check_restored "q"

for sig in TERM HUP INT; do
    kd_tmux_start -- "$KVMDECK" -c test:///default
    kd_tmux_wait_regex '^ +test +1 +running'
    pid=$(kd_tmux_pid) || exit 1
    kill -"$sig" "$pid"
    rc=$(kd_tmux_wait_exit) || exit 1
    kd_assert_eq $((128 + $(kill -l "$sig"))) "$rc" "SIG$sig: exit status 128+N"
    check_restored "SIG$sig"
done

# A crash must not leave the terminal in raw mode or on the alternate screen.
kd_tmux_start -- env ASAN_OPTIONS=handle_segv=0 "$KVMDECK" -c test:///default
kd_tmux_wait_regex '^ +test +1 +running'
pid=$(kd_tmux_pid) || exit 1
kill -SEGV "$pid"
rc=$(kd_tmux_wait_exit) || exit 1
kd_assert_eq 139 "$rc" "SIGSEGV: killed by the signal after restoring"
check_restored "SIGSEGV"
# The crash was ours on purpose: drop its sanitizer log, if any.
rm -f "$KD_TMPDIR"/asan*
kd_pass
