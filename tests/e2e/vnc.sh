#!/bin/bash
# The graphical console where there is nothing to show (libvirt's test driver has no
# graphics): V and :vnc explain why in the status line and leave the list as it was; the
# help lists the console's keys. The guest test (tests/vm/vnc.sh) covers a real screen.
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
finish
