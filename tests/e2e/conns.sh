#!/bin/bash
# Saved connections (c): s saves the current one under a name, a adds another (URI, then
# name), Enter connects, d forgets after a question; the list is kept across restarts;
# :connect URI switches hosts, and a URI that does not answer loses nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

conn_re() { # NAME URI: a row of the saved connections view
    printf '^[> ] %s +%s$' "$(esc_re "$1")" "$(esc_re "$2")"
}

# select_conn NAME: move the selection of the connections view onto NAME.
select_conn() {
    local re line i keys=()
    re="^[> ] $(esc_re "$1") "
    line=$(kd_tmux_capture | grep -nE -- "$re" | head -n 1 | cut -d: -f1)
    [ -n "$line" ] || { kd_tmux_capture >&2; kd_fail "no saved connection '$1'"; }
    for ((i = 0; i < 10; i++)); do
        keys+=(k)
    done
    for ((i = 3; i < line; i++)); do
        keys+=(j)
    done
    kd_tmux_keys "${keys[@]}"
    _poll "'$1' to be selected" 'selected_row | grep -qE -- "$re"'
}

wait_host() { # URI COUNT-TEXT: the header names URI and the list is drawn
    kd_tmux_wait_regex "^ kvmdeck  .* $(esc_re "$1")  "
    kd_tmux_wait "$2"
}

kd_list_theme
kd_list_fixture
furi=test://$fixture
demo=test:///default
TITLE="Saved connections: Enter connects"

start() { # URI
    kd_tmux_start -x 120 -y 30 -- "$KVMDECK" --theme sel -c "$1"
}

start "$furi"
wait_host "$furi" "7 domains:"
kd_tmux_keys c
kd_tmux_wait "$TITLE"
kd_tmux_wait "None saved yet."
kd_ok "c opens the saved connections; none yet"

kd_tmux_keys s
kd_tmux_wait "Save connection"
kd_tmux_wait "A name for $furi"
prompt_answer "Save connection" fixture "Save connection"
kd_tmux_wait_regex "$(conn_re fixture "$furi")"
kd_tmux_wait_regex "^> fixture "
wait_status "saved $furi as 'fixture'"
kd_tmux_wait_gone "None saved yet."
kd_ok "s saves the current connection as 'fixture', marked > as the current one"

kd_tmux_keys a
kd_tmux_wait "Add connection"
kd_tmux_wait "qemu:///system"
prompt_answer "Add connection" "$demo" "Add connection"
kd_tmux_wait "A name for $demo"
prompt_answer "Save connection" demo "Save connection"
kd_tmux_wait_regex "$(conn_re demo "$demo")"
kd_tmux_wait_regex "$(conn_re fixture "$furi")"
kd_tmux_wait_regex "^  demo "
kd_ok "a asks for a URI, then a name: 'demo' is added"

# Esc in a prompt adds nothing.
kd_tmux_keys a
kd_tmux_wait "Add connection"
kd_tmux_keys Escape
kd_tmux_wait_gone "Add connection"
n=$(kd_tmux_capture | grep -cE '^[> ] (demo|fixture) ')
kd_assert_eq 2 "$n" "Esc in the Add prompt adds nothing"

select_conn demo
kd_tmux_keys Enter
kd_tmux_wait_gone "$TITLE"
wait_host "$demo" "1 domain:"
kd_tmux_wait_regex '^  test +1 +running '
kd_ok "Enter on 'demo' connects to $demo"

kd_tmux_keys c
kd_tmux_wait "$TITLE"
kd_tmux_wait_regex "^> demo "
kd_tmux_wait_regex "^  fixture "
kd_ok "the current connection is now marked >"
select_conn fixture
kd_tmux_keys Enter
wait_host "$furi" "7 domains:"
kd_tmux_wait_regex '^  web1 +1 +running '
kd_ok "Enter on 'fixture' connects back"
quit

# ---- kept across a restart ---------------------------------------------------------------
start "$demo"
wait_host "$demo" "1 domain:"
kd_tmux_keys c
kd_tmux_wait "$TITLE"
kd_tmux_wait_regex "$(conn_re demo "$demo")"
kd_tmux_wait_regex "$(conn_re fixture "$furi")"
kd_ok "both saved connections are there after a restart"

select_conn demo
kd_tmux_keys d
kd_tmux_wait "Forget the connection 'demo'?"
kd_tmux_keys n
kd_tmux_wait_gone "Forget the connection"
kd_tmux_wait_regex "$(conn_re demo "$demo")"
kd_ok "d then n keeps 'demo'"
kd_tmux_keys d
kd_tmux_wait "Forget the connection 'demo'?"
kd_tmux_keys y
kd_tmux_wait_gone "Forget the connection"
kd_tmux_wait_gone_demo() { ! kd_tmux_capture | grep -qE -- "$(conn_re demo "$demo")"; }
_poll "'demo' to be forgotten" kd_tmux_wait_gone_demo
kd_tmux_wait_regex "$(conn_re fixture "$furi")"
kd_ok "d then y forgets 'demo'; 'fixture' stays"
kd_tmux_keys q
kd_tmux_wait_gone "$TITLE"
wait_host "$demo" "1 domain:"
quit

start "$demo"
wait_host "$demo" "1 domain:"
kd_tmux_keys c
kd_tmux_wait "$TITLE"
kd_tmux_wait_regex "$(conn_re fixture "$furi")"
n=$(kd_tmux_capture | grep -cE '^[> ] demo ')
kd_assert_eq 0 "$n" "the forgotten connection stays forgotten after a restart"
kd_tmux_keys Escape
kd_tmux_wait_gone "$TITLE"

# ---- :connect ----------------------------------------------------------------------------
kd_tmux_keys :
wait_last '^:$'
kd_tmux_literal "connect $furi"
kd_tmux_keys Enter
wait_host "$furi" "7 domains:"
kd_tmux_wait_regex '^  web1 +1 +running '
kd_ok ":connect $furi switches hosts"
kd_tmux_keys :
wait_last '^:$'
kd_tmux_literal "connect $demo"
kd_tmux_keys Enter
wait_host "$demo" "1 domain:"
kd_tmux_wait_regex '^  test +1 +running '
kd_ok ":connect $demo switches back"
kd_tmux_keys :
wait_last '^:$'
kd_tmux_literal connect
kd_tmux_keys Enter
wait_status "usage: connect URI"
kd_ok ":connect with no URI says how to use it"

# A URI nobody answers: say so, and stay where we were.
reset_status
kd_tmux_keys :
wait_last '^:$'
kd_tmux_literal "connect bogus:///nothing"
kd_tmux_keys Enter
wait_status "bogus:///nothing"
kd_ok "a URI that does not answer is named in the status line"
expect "after a failed :connect the current host's list is still shown" \
    'kd_tmux_capture | grep -qE "^  test +1 +running " &&
     ! kd_tmux_capture | grep -q "no hypervisor reachable"'
kd_tmux_keys j
expect "after a failed :connect the list keys still work (j is not refused)" \
    '! kd_tmux_capture | tail -n 1 | grep -q "j is not bound here"' 2
quit
finish
