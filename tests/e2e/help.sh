#!/bin/bash
# ? opens help generated from the keymap, including the user's own bindings; q and ?
# close it and the list comes back.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"

# A user binding must show up in help: the help is made from the keymap, not typed in.
conf=$KD_TMPDIR/conf
mkdir -p "$conf/kvmdeck"
printf '# mine\nbind list x cursor.bottom\n' >"$conf/kvmdeck/keys"

kd_tmux_start -- env XDG_CONFIG_HOME="$conf" "$KVMDECK" -c test:///default
kd_tmux_wait_regex '^ +test +1 +running'
kd_tmux_keys '?'
kd_tmux_wait "kvmdeck help"
screen=$(kd_tmux_capture) || exit 1
kd_assert_contains "$screen" "Domain list" "help has a section for the list"
printf '%s\n' "$screen" | grep -Eq '^ +j, Down +Move down' ||
    kd_fail "help does not list 'j, Down  Move down'"
kd_ok "help lists default bindings"
printf '%s\n' "$screen" | grep -Eq '^ +G, End, x +Go to the bottom' ||
    kd_fail "help does not show the user's binding x"
kd_ok "help shows the user's own binding"
# Further down: the global keys. The help scrolls a page at a time.
kd_tmux_keys NPage
kd_tmux_wait "Quit kvmdeck"
kd_tmux_wait "Everywhere"
kd_ok "help scrolls down to the global keys"
kd_tmux_keys q
kd_tmux_wait_gone "kvmdeck help"
kd_tmux_wait_regex '^ +test +1 +running'
kd_ok "q closes help and the list is back"
kd_tmux_keys '?'
kd_tmux_wait "kvmdeck help"
kd_tmux_keys '?'
kd_tmux_wait_gone "kvmdeck help"
kd_ok "? toggles help"

# A broken keys file is reported, and the defaults keep working.
printf 'bind list x no.such.action\n' >"$conf/kvmdeck/keys"
kd_tmux_start -- env XDG_CONFIG_HOME="$conf" "$KVMDECK" -c test:///default
kd_tmux_wait "unknown action 'no.such.action'"
kd_tmux_wait_regex '^ +test +1 +running'
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "defaults still work after a bad keys file"
kd_pass
