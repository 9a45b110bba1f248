#!/bin/bash
# Every domain action by its key, on the selected row: the row shows the state libvirt
# reports afterwards, refusals show libvirt's error, questions can be answered both
# ways, the odd name survives every action, and the audit log records all of it.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

ODD="it's <odd> & \"quoted\""

kd_list_theme
kd_list_fixture

kd_tmux_start -x 160 -y 40 -- "$KVMDECK" --theme sel -c "test://$fixture"
kd_tmux_wait "7 domains:"
wait_row web1 running

# ---- pause, start, destroy --------------------------------------------------------------
select_dom web1
reset_status
kd_tmux_keys p
wait_row web1 paused
wait_status "suspend web1: done"
kd_tmux_keys p
wait_row web1 running
wait_status "resume web1: done"
kd_ok "p pauses web1, p again resumes it"

reset_status
kd_tmux_keys s
wait_status "start web1: internal error: Domain 'web1' is already running"
wait_row web1 running
kd_ok "s on a running domain shows libvirt's error; the row is unchanged"

reset_status
kd_tmux_keys D
kd_tmux_wait "destroy 1 domain?"
kd_tmux_wait "pulling the power cord"
kd_tmux_keys n
wait_status cancelled
kd_tmux_wait_gone "destroy 1 domain?"
wait_row web1 running
kd_ok "D then n cancels: web1 still running"
kd_tmux_keys D
kd_tmux_wait "destroy 1 domain?"
kd_tmux_keys y
wait_row web1 "shut off"
wait_status "destroy web1: done"
kd_ok "D then y destroys web1"

kd_tmux_keys s
wait_row web1 running
wait_status "start web1: done"
kd_ok "s starts web1"

kd_tmux_keys d
wait_row web1 "shut off"
wait_status "shutdown web1: done"
kd_ok "d shuts web1 down"

# libvirt 9's test driver refuses VIR_DOMAIN_START_PAUSED: then the row must not move.
reset_status
kd_tmux_keys S
kd_tmux_wait_regex "$(row_re web1 'paused ')|start --paused web1: " 15
if kd_tmux_capture | grep -qE -- "$(row_re web1 'paused ')"; then
    kd_ok "S starts web1 paused"
    kd_tmux_keys D
    kd_tmux_wait "destroy 1 domain?"
    kd_tmux_keys y
    wait_row web1 "shut off"
    start_paused_result=ok
else
    wait_status "start --paused web1: unsupported flags"
    wait_row web1 "shut off"
    kd_ok "S: libvirt's refusal is shown and web1 stays shut off"
    start_paused_result="start --paused web1: unsupported flags"
fi

kd_tmux_keys s
wait_row web1 running
reset_status
kd_tmux_keys r
wait_status "reboot web1: done"
wait_row web1 running
kd_ok "r reboots web1"

reset_status
kd_tmux_keys R
kd_tmux_wait "reset 1 domain?"
kd_tmux_wait "pressing the reset button"
kd_tmux_keys y
wait_status "reset web1: done"
wait_row web1 running
kd_ok "R asks, y resets web1"

# ---- managed save: the details pane says what start will do -----------------------------
kd_tmux_keys m
wait_row web1 "shut off"
wait_status "managedsave web1: done"
kd_tmux_keys i
kd_tmux_wait "Details: web1"
kd_tmux_wait_regex "Kind +persistent, autostart off, managed save"
kd_ok "m saves web1's state: shut off, with a managed save"
kd_tmux_keys s
wait_row web1 running
wait_status "start web1: done"
kd_tmux_wait_regex "^ Kind +persistent, autostart off"
_poll "the details to drop 'managed save'" '! kd_tmux_capture | grep -q "managed save"'
kd_ok "s restores it: running, the managed save is used up"
kd_tmux_keys i
kd_tmux_wait_gone "Details: web1"

# ---- autostart ---------------------------------------------------------------------------
kd_tmux_keys a
kd_tmux_wait_regex "$(row_re web1 'running .* 4 +1.0 GiB +yes')"
wait_status "autostart web1: done"
kd_tmux_keys a
kd_tmux_wait_regex "$(row_re web1 'running .* 4 +1.0 GiB +no')"
wait_status "autostart --disable web1: done"
kd_ok "a flips the AUTOSTART column to yes and back to no"

# ---- save / restore through a file -------------------------------------------------------
savefile=$KD_TMPDIR/web1.save
kd_tmux_keys w
prompt_answer "Save to file" "$savefile"
wait_row web1 "shut off" 20
wait_status "save web1: done"
[ -s "$savefile" ] || kd_fail "no save file $savefile"
kd_ok "w saves web1 to a file in \$KD_TMPDIR; web1 is shut off"
kd_tmux_keys W
prompt_answer "Restore from file" "$savefile"
wait_row web1 running 20
wait_status "restore $savefile: done"
kd_ok "W restores web1 from that file; it runs again"

# ---- rename, clone -----------------------------------------------------------------------
select_dom build
kd_tmux_keys n
kd_tmux_wait "Rename"
kd_tmux_wait "A new name for the domain"
prompt_answer "Rename" build-renamed
wait_row build-renamed "shut off"
wait_no_row build
kd_ok "n renames build to build-renamed"

select_dom build-renamed
kd_tmux_keys C
kd_tmux_wait "build-renamed-clone"
prompt_answer "Clone" build-copy
# The fixture's domains have no disks, so the test driver can clone them without pools.
kd_tmux_wait_regex "$(row_re build-copy 'shut off ')|clone build-renamed: " 20
if kd_tmux_capture | grep -qE -- "$(row_re build-copy 'shut off ')"; then
    wait_row build-renamed "shut off"
    clone_result=ok
    kd_ok "C clones build-renamed as build-copy: a new row"
else
    clone_result=$(kd_tmux_capture | tail -n 1 | sed 's/^ *//; s/ *? help.*//')
    case $clone_result in
    *pool* | *storage* | *volume* | *support*) kd_ok "C: clear error: $clone_result" ;;
    *) kd_fail "clone failed without a clear reason: '$clone_result'" ;;
    esac
fi

select_dom web1
kd_tmux_keys C
prompt_answer "Clone" web1-copy
wait_status "clone web1: the domain must be shut off first (it is running)" 20
wait_no_row web1-copy
kd_ok "cloning a running domain is refused with a clear message"

# ---- the odd name ------------------------------------------------------------------------
select_dom "$ODD"
kd_tmux_keys x
kd_tmux_wait "dumpxml $ODD"
kd_tmux_wait "<name>it&apos;s &lt;odd&gt; &amp; &quot;quoted&quot;</name>"
kd_ok "x shows the XML with the name escaped: it&apos;s &lt;odd&gt; &amp; &quot;quoted&quot;"
kd_tmux_keys q
kd_tmux_wait_gone "dumpxml $ODD"
wait_row "$ODD" running

reset_status
kd_tmux_keys p
wait_row "$ODD" paused
wait_status "suspend $ODD: done"
kd_tmux_keys p
wait_row "$ODD" running
wait_status "resume $ODD: done"
kd_ok "p pauses and resumes $ODD"

kd_tmux_keys D
kd_tmux_wait "destroy 1 domain?"
kd_tmux_wait "$ODD"
kd_tmux_keys y
wait_row "$ODD" "shut off"
kd_tmux_keys n
prompt_answer "Rename" odd-renamed
wait_row odd-renamed "shut off"
wait_no_row "$ODD"
kd_ok "$ODD is renamed to odd-renamed"
select_dom odd-renamed
kd_tmux_keys n
prompt_answer "Rename" "$ODD"
wait_row "$ODD" "shut off"
wait_no_row odd-renamed
kd_ok "and back to $ODD, byte for byte"
select_dom "$ODD"
kd_tmux_keys s
wait_row "$ODD" running
wait_status "start $ODD: done"
kd_tmux_keys x
kd_tmux_wait "<name>it&apos;s &lt;odd&gt; &amp; &quot;quoted&quot;</name>"
kd_tmux_keys q
kd_tmux_wait_gone "dumpxml $ODD"
kd_ok "$ODD starts again under its own name"

# ---- the audit log -----------------------------------------------------------------------
# Columns: time, domain, action, result.
audit_has() { # DOMAIN ACTION RESULT
    local re
    re="^[0-9-]+ [0-9:]+  $(esc_re "$1") +$(esc_re "$2") +$(esc_re "$3")"
    grep -qE -- "$re" <<<"$log" || {
        printf '%s\n' "--- audit log:" "$log" "--- end" >&2
        kd_fail "the audit log has no line: $1 | $2 | $3"
    }
}
kd_tmux_keys L
kd_tmux_wait "Audit log (newest first)"
log=$(kd_tmux_capture) || exit 1
audit_has web1 suspend ok
audit_has web1 resume ok
audit_has web1 start "start web1: internal error: Domain 'web1' is already running"
audit_has web1 destroy ok
audit_has web1 start ok
audit_has web1 shutdown ok
audit_has web1 "start --paused" "$start_paused_result"
audit_has web1 reboot ok
audit_has web1 reset ok
audit_has web1 managedsave ok
audit_has web1 autostart ok
audit_has web1 "autostart --disable" ok
audit_has web1 save ok
audit_has web1 "clone web1-copy" "clone web1: the domain must be shut off first"
audit_has build "domrename build-renamed" ok
audit_has build-renamed "clone build-copy" "$clone_result"
audit_has "$ODD" suspend ok
audit_has "$ODD" resume ok
audit_has "$ODD" destroy ok
audit_has "$ODD" "domrename odd-renamed" ok
audit_has odd-renamed "domrename $ODD" ok
audit_has "$ODD" start ok
grep -qE "  restore /[^ ]+ +ok" <<<"$log" || kd_fail "the audit log has no successful restore"
kd_ok "the audit log lists every change with ok or libvirt's error"
# The cancelled destroy changed nothing, so it is not a change to record.
n_destroy=$(grep -cE "^[0-9-]+ [0-9:]+  web1 +destroy " <<<"$log")
kd_assert_eq 1 "$n_destroy" "the cancelled destroy is not in the audit log"
kd_tmux_keys q
kd_tmux_wait_gone "Audit log (newest first)"

# ---- undefine ----------------------------------------------------------------------------
# Last, because it depends on the driver accepting undefine's flags.
if [ "$clone_result" = ok ]; then
    select_dom build-copy
    kd_tmux_keys u
    kd_tmux_wait "Undefine build-copy"
    kd_tmux_wait "Disk volumes are kept"
    kd_tmux_keys n
    wait_status cancelled
    wait_row build-copy "shut off"
    kd_ok "u then n keeps build-copy"
    reset_status
    kd_tmux_keys u
    kd_tmux_wait "Undefine build-copy"
    kd_tmux_keys y
    kd_tmux_wait_regex "undefine build-copy: " 10
    expect "u then y: 'undefine build-copy: done'" \
        'kd_tmux_capture | tail -n 1 | grep -qF "undefine build-copy: done"'
    expect "u then y: the row of build-copy is gone" \
        '! kd_tmux_capture | grep -qE -- "$(row_re build-copy)"'
fi

select_dom build-renamed
kd_tmux_keys U
kd_tmux_wait "Undefine build-renamed"
kd_tmux_wait "Type the domain's name to go on"
kd_tmux_literal build
kd_tmux_keys Enter
kd_tmux_wait "that is not the name; Esc cancels"
kd_tmux_wait "Undefine build-renamed"
wait_row build-renamed "shut off"
kd_ok "U: a wrong name keeps the dialog open with a message; nothing is removed"
kd_tmux_keys C-u
kd_tmux_literal build-renamed
kd_tmux_keys Enter
kd_tmux_wait_gone "Undefine build-renamed"
wait_last "undefine( --remove-all-storage)? build-renamed: "
expect "U with the right name: 'undefine --remove-all-storage build-renamed: done'" \
    'kd_tmux_capture | tail -n 1 | grep -qF "undefine --remove-all-storage build-renamed: done"'
expect "U with the right name: the row of build-renamed is gone" \
    '! kd_tmux_capture | grep -qE -- "$(row_re build-renamed)"'

quit
finish
