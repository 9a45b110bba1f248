#!/bin/bash
# The command palette (:) runs virsh's verbs and action names on the domain named in the
# line: Tab completes verbs and domain names (quoting the odd one), the row's state
# follows what libvirt did, and mistakes get a clear message.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

ODD="it's <odd> & \"quoted\""
ODD_QUOTED="\"it's <odd> & \\\"quoted\\\"\""

kd_list_fixture
kd_tmux_start -x 160 -y 30 -- "$KVMDECK" -c "test://$fixture"
kd_tmux_wait "7 domains:"
wait_row web1 running
wait_row "$ODD" running
wait_row build "shut off"

# ---- completion -------------------------------------------------------------------------
palette sus
kd_tmux_keys Tab
wait_last '^:suspend$'
# The trailing space is invisible on screen: typing on shows it is there.
kd_tmux_literal we
kd_tmux_keys Tab
wait_last '^:suspend web1$'
kd_ok "Tab completes the verb (with a space after it) and the domain name"
kd_tmux_keys Enter
wait_row web1 paused
wait_status "suspend web1: done"
kd_ok ":suspend web1 pauses web1"

palette "resume we"
kd_tmux_keys Tab
wait_last '^:resume web1$'
kd_tmux_keys Enter
wait_row web1 running
wait_status "resume web1: done"
kd_ok ":resume web1 resumes web1"

# Several candidates: the common prefix stays, the choices are listed.
palette un
kd_tmux_keys Tab
# (They are sorted.)
kd_tmux_wait_regex '^ *undefine +untag( |$)'
wait_last '^:un$'
kd_ok "an ambiguous Tab lists the candidates (undefine untag)"
kd_tmux_keys Escape
wait_last '^ [^:]'
wait_gone_re '^ *undefine +untag'
kd_ok "Esc closes the palette and its candidates"

# The odd name comes back quoted, and the quoted line names that very domain.
palette "suspend it"
kd_tmux_keys Tab
wait_last "^:suspend $(esc_re "$ODD_QUOTED")\$"
kd_ok "Tab completes $ODD as $ODD_QUOTED"
kd_tmux_keys Enter
wait_row "$ODD" paused
wait_status "suspend $ODD: done"
kd_ok ":suspend $ODD_QUOTED pauses it"
# Completion from an opened quote.
palette 'resume "it'
kd_tmux_keys Tab
wait_last "^:resume $(esc_re "$ODD_QUOTED")\$"
kd_tmux_keys Enter
wait_row "$ODD" running
wait_status "resume $ODD: done"
kd_ok "completion inside an opened double quote; :resume brings it back"
# Single quotes around a name with a double quote but no single quote.
palette_run "suspend 'it'\\''s <odd> & \"quoted\"'"
wait_row "$ODD" paused
palette_run "resume \"$ODD\""
wait_status "no domain named"
wait_row "$ODD" paused
kd_ok "a name quoted without escaping its inner quotes is not taken for it"
palette_run "resume $ODD_QUOTED"
wait_row "$ODD" running
kd_ok "single and double quoting both reach $ODD"

# ---- lifecycle through the palette ------------------------------------------------------
reset_status
palette "destroy web1"
kd_tmux_keys Enter
kd_tmux_wait "destroy 1 domain?"
kd_tmux_wait "pulling the power cord"
wait_row web1 running
kd_ok ":destroy asks first"
kd_tmux_keys y
wait_row web1 "shut off"
wait_status "destroy web1: done"
kd_ok ":destroy web1, y: web1 is shut off"

palette_run "start web1"
wait_row web1 running
wait_status "start web1: done"
kd_ok ":start web1 starts it"

# The test driver of libvirt 9 refuses VIR_DOMAIN_START_PAUSED; either way the row must
# show what libvirt did.
palette_run "start build --paused"
kd_tmux_wait_regex "^[ *] build +[0-9]+ +paused |start --paused build: " 15
screen=$(kd_tmux_capture) || exit 1
if grep -qE '^[ *] build +[0-9]+ +paused ' <<<"$screen"; then
    kd_ok ":start build --paused leaves build paused"
else
    kd_assert_contains "$(tail -n 1 <<<"$screen")" "start --paused build: unsupported flags" \
        ":start build --paused shows libvirt's refusal"
    wait_row build "shut off"
    kd_ok "build stays shut off when libvirt refuses"
fi

palette_run "domain.shutdown web1"
wait_row web1 "shut off"
wait_status "shutdown web1: done"
kd_ok "an action name works as a command (:domain.shutdown web1)"
palette_run "domain.start web1"
wait_row web1 running
kd_ok ":domain.start web1 starts it again"

# ---- mistakes ---------------------------------------------------------------------------
palette_run "frobnicate web1"
wait_status "unknown command 'frobnicate'"
wait_row web1 running
kd_ok "an unknown verb is named in the status line"

palette_run "suspend nosuch"
wait_status "no domain named 'nosuch'"
kd_ok "an unknown domain is named in the status line"

palette_run 'suspend "web1'
wait_status "unterminated double quote"
wait_row web1 running
kd_ok "an unterminated double quote is reported and nothing runs"
palette_run "suspend 'web1"
wait_status "unterminated single quote"
wait_row web1 running
kd_ok "an unterminated single quote is reported"

palette_run "start web1"
wait_status "start web1: internal error: Domain 'web1' is already running"
kd_ok "starting a running domain shows libvirt's error"

# Esc cancels: the typed line is not run.
reset_status
palette "suspend web1"
kd_tmux_keys Escape
wait_status "F12 is not bound here"
wait_row web1 running
kd_ok "Esc cancels the palette; web1 is still running"

quit
kd_pass
