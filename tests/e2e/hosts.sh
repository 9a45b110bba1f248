#!/bin/bash
# Several hosts open at once and the migration form, on the test driver: :connect keeps the
# host it leaves, Tab switches, = groups the list by host with a heading each, and an action
# on a grouped row goes to that row's host; c lists the open hosts and x closes one. > opens
# the migration form, whose mistakes are shown under the field with every answer kept; the
# palette's migrate explains its refusals, and the audit log records them.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

kd_list_theme
kd_list_fixture
furi=test://$fixture
demo=test:///default

heading_re() { # URI COUNT: the heading of a host in the grouped list
    printf '^ [>-] [^ ]+  %s  \\(%s\\)' "$(esc_re "$1")" "$(esc_re "$2")"
}

kd_tmux_start -x 130 -y 30 -- "$KVMDECK" --theme sel -c "$furi"
kd_tmux_wait "7 domains:"
kd_tmux_keys Tab
wait_status "one host open"
kd_ok "Tab with one host open says how to open another"

palette_run net-list
kd_tmux_wait "Virtual networks on $furi (0)"
palette_run "connect $demo"
kd_tmux_wait "1 domain:"
kd_tmux_wait "2 hosts (Tab switches, = groups)"
kd_ok ":connect opens a second host and keeps the first: the header counts 2 hosts"
kd_tmux_keys '?'
kd_tmux_wait "kvmdeck help"
kd_tmux_keys '?'
kd_tmux_wait "1 domain:"
expect "the screens of the host left behind are gone (leaving help comes back to the list)" \
    '! kd_tmux_capture | grep -q "Virtual networks"'

kd_tmux_keys Tab
kd_tmux_wait "7 domains:"
wait_status "2 hosts open"
kd_tmux_keys Tab
kd_tmux_wait "1 domain:"
kd_ok "Tab switches between the open hosts"

palette_run "connect $furi"
kd_tmux_wait "7 domains:"
expect "connecting to an open host switches to it, no third host" \
    'kd_tmux_capture | grep -q "2 hosts (Tab"'

# ---- grouped ------------------------------------------------------------------------------
kd_tmux_keys '='
kd_tmux_wait "2 hosts, grouped"
kd_tmux_wait_regex "$(heading_re "$demo" "1 domain")"
kd_tmux_wait_regex "$(heading_re "$furi" "7 domains")"
kd_tmux_wait_regex "$(row_re test "running ")"
kd_tmux_wait_regex "$(row_re web1 "running ")"
kd_ok "= groups the list: a heading per host, every host's domains"

# Rows: 0 heading demo, 1 test, 2 heading fixture, 3 build, 4 crashy, 5 db1.
kd_tmux_keys g
_poll "test to be selected" 'selected_row | grep -qE -- "$(row_re test)"'
kd_tmux_wait_regex "^ kvmdeck .* $(esc_re "$demo") "
kd_tmux_keys j j j
_poll "db1 to be selected" 'selected_row | grep -qE -- "$(row_re db1)"'
kd_tmux_wait_regex "^ kvmdeck .* $(esc_re "$furi") "
kd_ok "the cursor skips the headings; the header follows the selected row's host"
kd_tmux_keys p
wait_row db1 running
kd_tmux_wait_regex "$(row_re test "running ")"
kd_ok "p on db1 (second host's row) resumes db1 on its own host"
kd_tmux_keys k k k
_poll "test to be selected" 'selected_row | grep -qE -- "$(row_re test)"'
kd_tmux_keys p
wait_row test paused
kd_tmux_keys p
wait_row test running
kd_ok "p on test (the other host's row) pauses and resumes it there"
palette_run "connect $furi"
kd_tmux_wait_regex "^ kvmdeck .* $(esc_re "$furi") "
_poll "build to be selected" 'selected_row | grep -qE -- "$(row_re build)"'
kd_tmux_keys Tab
kd_tmux_wait_regex "^ kvmdeck .* $(esc_re "$demo") "
_poll "test to be selected" 'selected_row | grep -qE -- "$(row_re test)"'
kd_ok "grouped, :connect and Tab show a host by selecting its first domain"

kd_tmux_keys '='
kd_tmux_wait "2 hosts (Tab switches, = groups)"
wait_gone_re "$(heading_re "$furi" "7 domains")"
kd_ok "= again shows one host"

# ---- a screen follows the host shown ---------------------------------------------------------
palette_run net-list
kd_tmux_wait "Virtual networks on $demo (1)"
palette_run host.next
kd_tmux_wait "Virtual networks on $furi (0)"
kd_tmux_wait "(no networks: c creates one)"
palette_run host.next
kd_tmux_wait "Virtual networks on $demo (1)"
kd_tmux_wait_regex "^ default +active"
kd_tmux_keys q
kd_tmux_wait "1 domain:"
kd_ok "switching hosts under the networks screen shows that host's networks, not the last ones"

palette_run host.next
kd_tmux_wait "7 domains:"
palette_run "hardware web1"
kd_tmux_wait "Hardware of web1"
palette_run host.next
palette_run "disconnect $furi"
wait_status "closed $furi"
kd_tmux_wait_gone "Hardware of web1"
kd_tmux_wait "1 domain:"
kd_ok "closing the host a hardware editor works on closes the editor first"
palette_run "connect $furi"
kd_tmux_wait "7 domains:"
kd_tmux_keys Tab
kd_tmux_wait "1 domain:"

# ---- connections ------------------------------------------------------------------------
kd_tmux_keys c
kd_tmux_wait "Saved connections: Enter connects"
kd_tmux_wait_regex "^[> ] \\(open, not saved\\) +$(esc_re "$demo")\$"
kd_tmux_wait_regex "^[> ] \\(open, not saved\\) +$(esc_re "$furi")\$"
kd_tmux_wait "Open now: $demo (shown), $furi"
kd_ok "c lists the open hosts that are not saved, and which one is shown"
kd_tmux_keys g
_poll "the first row to be selected" 'selected_row | grep -q "open, not saved"'
row=$(selected_row)
kd_tmux_keys x
case $row in
*"$demo"*) wait_status "is the host shown: switch to another first" ;;
*) wait_status "closed $furi" ;;
esac
kd_tmux_keys j x
wait_status "closed $furi"
kd_tmux_wait "Open now: $demo (shown)"
wait_gone_re "$(esc_re "$furi")\$"
kd_ok "x refuses to close the shown host and closes the other"
kd_tmux_keys q
kd_tmux_wait "1 domain:"
expect "one host left: the header no longer counts hosts" \
    '! kd_tmux_capture | grep -qE "[0-9] hosts"'
palette_run "connect $furi"
kd_tmux_wait "7 domains:"
palette_run "disconnect $furi"
wait_status "$furi is the host shown: switch to another first (Tab)"
palette_run "disconnect nothing:///"
wait_status "nothing:/// is not open"
kd_tmux_wait "2 hosts (Tab"
kd_ok ":disconnect refuses the host shown and a host not open"

# ---- the migration form and the palette ---------------------------------------------------
select_dom web1
kd_tmux_keys '>'
kd_tmux_wait "Migrate web1"
kd_tmux_wait "From $furi"
kd_tmux_keys C-s
kd_tmux_wait "a URI, e.g. qemu+ssh://host2/system"
kd_ok "submitting without a destination says what to type"
kd_tmux_literal "nowhere"
kd_tmux_keys Tab Tab Space
kd_tmux_keys C-s
kd_tmux_wait "the destination is not a libvirt URI"
kd_tmux_wait "Migrate web1"
kd_tmux_wait_regex "Destination URI +nowhere"
kd_tmux_wait_regex "Offline +\\[x\\]"
kd_ok "a bad URI is refused under its field; the form stays with every answer kept"
kd_tmux_keys C-u
kd_tmux_literal "$furi"
kd_tmux_keys C-s
kd_tmux_wait "--live and --offline exclude each other"
kd_tmux_keys Space
kd_tmux_keys C-s
kd_tmux_wait "that is the source host itself"
kd_tmux_wait "Migrate web1"
kd_ok "the same host is refused inside the form"
kd_tmux_keys Escape
kd_tmux_wait_gone "Migrate web1"
kd_tmux_keys '>'
kd_tmux_wait "Migrate web1"
kd_tmux_keys Enter
kd_tmux_wait "Destination host"
kd_tmux_wait_regex "$(esc_re "$demo") +open"
kd_tmux_keys Enter
kd_tmux_wait_gone "Destination host"
kd_tmux_wait_regex "Destination URI +$(esc_re "$demo")"
kd_ok "F4/Enter on the destination offers the open hosts"
kd_tmux_keys C-s
kd_tmux_wait_gone "Migrate web1"
wait_status "migrate to $demo: this hypervisor driver cannot migrate domains"
wait_row web1 running
kd_ok "the driver's refusal comes back in words; web1 stays where it was"

palette_run "migrate web1 $furi --live"
wait_status "that is the source host itself"
palette_run "migrate web1 $demo --fast"
wait_status "unknown option --fast"
palette_run "migrate build $demo --live"
wait_status "the domain is not running: a shut-off domain moves with --offline --persistent"
palette_run "migrate nosuch $demo"
wait_status "no domain named 'nosuch'"
kd_ok "the palette's migrate explains each refusal"

kd_tmux_keys L
kd_tmux_wait "Audit log"
kd_tmux_wait_regex "web1 +migrate to $(esc_re "$demo") +migrate to $(esc_re "$demo"): this hyperv"
kd_tmux_wait_regex "web1 +migrate to $(esc_re "$furi") +migrate web1 to"
kd_ok "the audit log records the refused migrations"
kd_tmux_keys q
kd_tmux_wait_gone "Audit log"
quit
finish
