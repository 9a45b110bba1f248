#!/bin/bash
# With -r every key and palette command that would change a domain is refused with a
# status message that says read-only, before any question is asked, and nothing changes;
# the views that only look (dumpxml, details, the audit log) still work.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

ODD="it's <odd> & \"quoted\""

# No dialog of any kind is open.
no_dialog() {
    local screen
    screen=$(kd_tmux_capture) || exit 1
    case $screen in
    *"Enter: OK   Esc: cancel"* | *"y: yes   n or Esc: no"*)
        printf '%s\n' "$screen" >&2
        kd_fail "$1: a question was asked"
        ;;
    esac
}

# refused_key KEY VERB: KEY is refused at once with "VERB refused: ... read-only".
refused_key() {
    reset_status
    kd_tmux_keys "$1"
    wait_status "$2 refused: the connection is read-only (-r)"
    no_dialog "key $1"
    kd_ok "key $1 is refused: '$2 refused: the connection is read-only (-r)'"
}

# refused_cmd LINE VERB: the palette command is refused the same way.
refused_cmd() {
    palette_run "$1"
    wait_status "$2 refused: the connection is read-only (-r)"
    no_dialog ":$1"
    kd_ok ":$1 is refused"
}

# Every domain as the fixture has it.
check_unchanged() {
    kd_tmux_wait "7 domains: 3 running, 1 paused, 2 shut off, 1 other"
    local row
    # Between the state and the vCPUs there may be a %CPU column and a graph.
    for row in "web1|running .* 4 +1.0 GiB +no" "db1|paused .* 2 +4.0 GiB +no" \
        "build|shut off .* 1 +512 MiB +no" "restored|shut off .* 2 +1.0 GiB +no" \
        "crashy|crashed .* 1 +256 MiB +no" "scratch|running .* 1 +128 MiB +no" \
        "$ODD|running .* 3 +768 MiB +no"; do
        kd_tmux_wait_regex "$(row_re "${row%%|*}" "${row#*|}")" 5
    done
    kd_ok "$1"
}

kd_list_theme
kd_list_fixture
# An editor that leaves a mark if it is ever started.
printf '#!/bin/sh\n: >"%s/editor-ran"\n' "$KD_TMPDIR" >"$KD_TMPDIR/ed.sh"
chmod +x "$KD_TMPDIR/ed.sh"

kd_tmux_start -x 160 -y 30 -- env -u VISUAL EDITOR="$KD_TMPDIR/ed.sh" \
    "$KVMDECK" -r --theme sel -c "test://$fixture"
kd_tmux_wait "7 domains:"
kd_tmux_wait_regex "^ kvmdeck .*\[read-only\]"
wait_status "connected to test://$fixture (read-only)"
check_unchanged "the fixture as it is; the header says [read-only]"

select_dom web1
refused_key s start
refused_key S "start --paused"
refused_key d shutdown
refused_key D destroy
refused_key r reboot
refused_key R reset
refused_key p suspend
refused_key m managedsave
refused_key M managedsave-remove
refused_key a autostart
refused_key w save
refused_key W restore
refused_key n domrename
refused_key C clone
refused_key u undefine
refused_key U undefine
refused_key e edit
select_dom db1
refused_key p resume
select_dom build
refused_key s start
refused_key n domrename
refused_key u undefine

# Marked domains: refused once, before the bulk question.
kd_tmux_keys Space
kd_tmux_wait_regex '^\* build '
refused_key s start
refused_key D destroy
kd_tmux_keys Escape
_poll "the mark to go" '! kd_tmux_capture | grep -qE "^\* "'

refused_cmd "start build" start
refused_cmd "start build --paused" "start --paused"
refused_cmd "shutdown web1" shutdown
refused_cmd "destroy web1" destroy
refused_cmd "reboot web1" reboot
refused_cmd "reset web1" reset
refused_cmd "suspend web1" suspend
refused_cmd "resume db1" resume
refused_cmd "managedsave web1" managedsave
refused_cmd "managedsave-remove restored" managedsave-remove
refused_cmd "autostart web1" autostart
refused_cmd "autostart web1 --disable" "autostart --disable"
refused_cmd "save web1 $KD_TMPDIR/web1.save" save
refused_cmd "restore $KD_TMPDIR/web1.save" restore
refused_cmd "domrename build build2" domrename
refused_cmd "clone build build2" clone
refused_cmd "undefine build" undefine
refused_cmd "undefine build --remove-all-storage" undefine
refused_cmd "edit web1" edit
refused_cmd "domain.start build" start
refused_cmd "domain.destroy web1" destroy
refused_cmd "suspend \"it's <odd> & \\\"quoted\\\"\"" suspend

check_unchanged "after all that, every domain is as it was"
kd_tmux_wait_gone "build2"
[ -e "$KD_TMPDIR/editor-ran" ] && kd_fail "the editor was started"
[ -e "$KD_TMPDIR/web1.save" ] && kd_fail "a save file was written"
kd_ok "no editor was started and no file was written"

# ---- what only looks still works ---------------------------------------------------------
select_dom web1
kd_tmux_keys x
kd_tmux_wait "dumpxml web1"
kd_tmux_wait "<name>web1</name>"
kd_tmux_wait "<uuid>11111111-1111-4111-8111-111111111111</uuid>"
kd_ok "x shows web1's XML"
kd_tmux_keys q
kd_tmux_wait_gone "dumpxml web1"
wait_row web1 running

kd_tmux_keys Enter
kd_tmux_wait "Details: web1"
kd_tmux_wait_regex "^ UUID +11111111-1111-4111-8111-111111111111"
kd_tmux_wait_regex "^ Size +4 vCPU, 1.0 GiB of 2.0 GiB"
kd_ok "Enter shows web1's details"
kd_tmux_keys Enter
kd_tmux_wait_gone "Details: web1"

kd_tmux_keys L
kd_tmux_wait "Audit log (newest first)"
kd_tmux_wait "No changes recorded yet."
kd_ok "L shows the audit log; the refusals changed nothing, so it is empty"
kd_tmux_keys q
kd_tmux_wait_gone "Audit log"

kd_tmux_keys :
wait_last '^:$'
kd_tmux_literal "dumpxml \"it's <odd> & \\\"quoted\\\"\""
kd_tmux_keys Enter
kd_tmux_wait "<name>it&apos;s &lt;odd&gt; &amp; &quot;quoted&quot;</name>"
kd_ok ":dumpxml works read-only too"
kd_tmux_keys q
kd_tmux_wait_gone "dumpxml"

quit
kd_pass
