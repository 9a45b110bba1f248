#!/bin/bash
# The graphical console where there is nothing to show (libvirt's test driver has no
# graphics): V and :vnc explain why in the status line and leave the list as it was; the
# help lists the console's keys. Then displays on UNIX sockets served by a small RFB server
# (tests/e2e/vnc_server.py): the picture, the mouse modes around the menu, the password
# prompt across a resize and cancelled. The guest test (tests/vm/vnc.sh) covers a real
# screen.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

# shellcheck disable=SC2034 # read by the commands that expect evals
ODD="it's <odd> & \"quoted\""
ODD_QUOTED="\"it's <odd> & \\\"quoted\\\"\""

kd_list_fixture
kd_list_theme
kd_tmux_start -x 160 -y 30 -- env XDG_CONFIG_HOME="$conf" "$KVMDECK" -c "test://$fixture" \
    --theme sel
kd_tmux_wait "7 domains:"
wait_row web1 running

palette_run "vnc web1"
expect ":vnc on a domain without graphics says so" \
    'kd_tmux_capture | tail -n 1 | grep -qF "VNC of web1: the domain has no VNC display"'

palette_run "vnc $ODD_QUOTED"
expect ":vnc takes an odd name" \
    'kd_tmux_capture | tail -n 1 | grep -qF "VNC of $ODD: the domain has no VNC display"'

palette_run "vnc build"
expect ":vnc on a shut-off domain says it is not running" \
    'kd_tmux_capture | tail -n 1 | grep -qF "build is not running: it has no screen to show"'

palette_run "vnc no-such-domain"
expect ":vnc on an unknown name is refused" \
    'kd_tmux_capture | tail -n 1 | grep -qiE "no-such-domain"'

reset_status
select_dom db1
kd_tmux_keys V
expect "V opens the selected domain's console (db1: no graphics)" \
    'kd_tmux_capture | tail -n 1 | grep -qF "VNC of db1: the domain has no VNC display"'
expect "the list is still shown" 'kd_tmux_capture | grep -qE "$(row_re web1 running)"'

kd_tmux_keys '?'
kd_tmux_wait "kvmdeck help" 5
# The help is long: page down until the graphical console's keys show.
found=''
for _ in $(seq 1 30); do
    screen=$(kd_tmux_capture)
    if grep -E "^ +F12 " <<<"$screen" | grep -q "Graphical console menu" &&
        grep -E "^ +C-\] " <<<"$screen" | grep -q "Back"; then
        found=1
        break
    fi
    kd_tmux_keys NPage
    sleep 0.1
done
if [ -n "$found" ]; then
    kd_ok "the help lists F12 (menu) and C-] (back) for the graphical console"
else
    kd_tmux_capture >&2
    FAILED+=("help lists the graphical console's keys")
fi
kd_tmux_keys q
wait_row web1 running
quit

# Displays kvmdeck reaches on their UNIX sockets (the test driver passes no descriptor): a
# small RFB server, web1's without a password, scratch's with one.
command -v python3 >/dev/null 2>&1 || kd_skip "python3 is not installed"
start_server() { # SOCKET [password]
    python3 "$(dirname "$0")/vnc_server.py" "$@" &
    kd_at_exit "kill $! 2>/dev/null || true"
    for _ in $(seq 1 50); do [ -S "$1" ] && break; sleep 0.1; done
    [ -S "$1" ] || kd_fail "the RFB server on $1 did not start"
}
start_server "$KD_TMPDIR/vnc.sock"
start_server "$KD_TMPDIR/vnc_pw.sock" password
awk -v a="$KD_TMPDIR/vnc.sock" -v b="$KD_TMPDIR/vnc_pw.sock" '
    /<test:runstate>1</ && n < 2 {
        printf "<devices><graphics type=\"vnc\" socket=\"%s\"/></devices>\n", n++ ? b : a
    }
    { print }' "$KD_FIXTURES/hosts.xml" >"$KD_TMPDIR/vnc_hosts.xml"
kd_tmux_start -x 100 -y 30 -- env XDG_CONFIG_HOME="$conf" XDG_DATA_HOME="$KD_TMPDIR/data" \
    "$KVMDECK" -c "test://$KD_TMPDIR/vnc_hosts.xml" --theme sel
kd_tmux_wait "7 domains:"
wait_row web1 running
mouse_flag() {
    local flags
    read -r -a flags <<<"$(kd_tmux_pane_flags)"
    echo "${flags[4]}"
}

# The mouse is reported while the picture shows, not while the menu covers it, and not
# after leaving.
palette_run "vnc web1"
expect "the picture is shown" 'kd_tmux_capture | grep -qE "VNC web1 +64x48 .*UNIX socket" &&
    [ "$(kd_tmux_capture -e | grep -cE "48;(5;196|2;255;0;0)m|41m")" -ge 10 ]' 10
expect "the mouse is reported over the picture" '[ "$(mouse_flag)" = 1 ]'
kd_tmux_keys F12
expect "F12 opens the menu" 'kd_tmux_capture | grep -q "Send Ctrl+Alt+Del"'
expect "the menu takes keys, not pointer reports" '[ "$(mouse_flag)" = 0 ]'
kd_tmux_keys Escape
kd_tmux_wait_gone "Send Ctrl+Alt+Del" 5
expect "the mouse is reported again once the menu is gone" '[ "$(mouse_flag)" = 1 ]'
# After the picture, curses draws from where it is told the cursor is: a status that
# changes its first column (an error replaced) lands on the status line, nothing scrolls.
kd_tmux_keys F12 s
kd_tmux_wait "Save the screen to" 5
kd_tmux_keys C-u Enter
expect "a screenshot without a name is refused" \
    'kd_tmux_capture | tail -n 1 | grep -q "no file name given"'
kd_tmux_literal $'\u0085'
expect "a status after the picture is on the status line" \
    'kd_tmux_capture | tail -n 1 | grep -q "has no VNC key"'
expect "and the title is still on the first row" \
    'kd_tmux_capture | head -n 1 | grep -q "VNC web1"'
kd_tmux_keys C-]
wait_row web1 running
expect "leaving turns the mouse off" '[ "$(mouse_flag)" = 0 ]'

# The password is asked inside the handshake: a resize there is laid out at once, Esc
# cancels and leaves the list as it was.
palette_run "vnc scratch"
kd_tmux_wait "asks for its password" 5
kd_tmux_resize 60 20
expect "the prompt is laid out again after a resize" \
    'kd_tmux_capture | grep -q "asks for its password"'
kd_tmux_keys Escape
expect "Esc at the prompt cancels with a message" \
    'kd_tmux_capture | tail -n 1 | grep -qE "VNC of scratch: .*password"'
kd_tmux_resize 100 30
wait_row scratch running
palette_run "vnc scratch"
kd_tmux_wait "asks for its password" 5
kd_tmux_literal "any"
kd_tmux_keys Enter
expect "the answered prompt opens the console" \
    'kd_tmux_capture | grep -qE "VNC scratch +64x48 .*password required"'
kd_tmux_keys C-]
wait_row scratch running
quit
finish
