#!/bin/bash
# The command palette (:) runs virsh's verbs and action names on the domain named in the
# line: Tab completes verbs and domain names (quoting the odd one), the row's state
# follows what libvirt did, and mistakes get a clear message.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"

ODD="it's <odd> & \"quoted\""
ODD_QUOTED="\"it's <odd> & \\\"quoted\\\"\""

# An ERE matching NAME literally.
esc_re() {
    printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'
}

# wait_row NAME STATE: the row of NAME shows STATE.
wait_row() {
    kd_tmux_wait_regex "^[ *] $(esc_re "$1") +(-|[0-9]+) +$2 " "${3:-10}"
}

# wait_last ERE [TIMEOUT]: the bottom line (status or palette) matches ERE.
wait_last() {
    local deadline line
    deadline=$(($(kd_now_us) + $(kd_timeout "${2:-10}") * 1000000))
    while :; do
        line=$(kd_tmux_capture | tail -n 1) || exit 1
        grep -qE -- "$1" <<<"$line" && return 0
        if [ "$(kd_now_us)" -ge "$deadline" ]; then
            kd_tmux_capture >&2
            kd_fail "bottom line never matched '$1' (last: '$line')"
        fi
        sleep 0.05
    done
}

# wait_status TEXT: the status line holds TEXT (fixed string).
wait_status() {
    wait_last "$(esc_re "$1")" "${2:-10}"
}

wait_gone_re() { # ERE: no line matches
    local deadline
    deadline=$(($(kd_now_us) + $(kd_timeout "${2:-10}") * 1000000))
    while kd_tmux_capture | grep -qE -- "$1"; do
        if [ "$(kd_now_us)" -ge "$deadline" ]; then
            kd_tmux_capture >&2
            kd_fail "a line still matches '$1'"
        fi
        sleep 0.05
    done
}

# A known status to start from, so that the same message twice is not mistaken.
reset_status() {
    kd_tmux_keys F12
    wait_status "F12 is not bound here"
}

# palette LINE: open the palette and type LINE (not run yet).
palette() {
    kd_tmux_keys :
    wait_last '^:$'
    kd_tmux_literal "$1"
    wait_last "^:$(esc_re "$1")\$"
}

# run LINE: type LINE in the palette and press Enter.
run() {
    reset_status
    palette "$1"
    kd_tmux_keys Enter
}

# A short path: the URI is shown whole in dialogs and the status line.
cp "$KD_FIXTURES/hosts.xml" "$KD_TMPDIR/hosts.xml" || kd_fail "cannot copy the fixture"
fixture=$KD_TMPDIR/hosts.xml
[ -r "$fixture" ] || kd_fail "no fixture $fixture"
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
palette s
kd_tmux_keys Tab
# (They are sorted; a long list runs off the right edge.)
kd_tmux_wait_regex '^ *save +shutdown +(.* )?start( |$)'
wait_last '^:s$'
kd_ok "an ambiguous Tab lists the candidates (save shutdown ... start ...)"
kd_tmux_keys Escape
wait_last '^ [^:]'
wait_gone_re '^ *save +shutdown '
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
run "suspend 'it'\\''s <odd> & \"quoted\"'"
wait_row "$ODD" paused
run "resume \"$ODD\""
wait_status "no domain named"
wait_row "$ODD" paused
kd_ok "a name quoted without escaping its inner quotes is not taken for it"
run "resume $ODD_QUOTED"
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

run "start web1"
wait_row web1 running
wait_status "start web1: done"
kd_ok ":start web1 starts it"

# The test driver of libvirt 9 refuses VIR_DOMAIN_START_PAUSED; either way the row must
# show what libvirt did.
run "start build --paused"
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

run "domain.shutdown web1"
wait_row web1 "shut off"
wait_status "shutdown web1: done"
kd_ok "an action name works as a command (:domain.shutdown web1)"
run "domain.start web1"
wait_row web1 running
kd_ok ":domain.start web1 starts it again"

# ---- mistakes ---------------------------------------------------------------------------
run "frobnicate web1"
wait_status "unknown command 'frobnicate'"
wait_row web1 running
kd_ok "an unknown verb is named in the status line"

run "suspend nosuch"
wait_status "no domain named 'nosuch'"
kd_ok "an unknown domain is named in the status line"

run 'suspend "web1'
wait_status "unterminated double quote"
wait_row web1 running
kd_ok "an unterminated double quote is reported and nothing runs"
run "suspend 'web1"
wait_status "unterminated single quote"
wait_row web1 running
kd_ok "an unterminated single quote is reported"

run "start web1"
wait_status "start web1: internal error: Domain 'web1' is already running"
kd_ok "starting a running domain shows libvirt's error"

# Esc cancels: the typed line is not run.
reset_status
palette "suspend web1"
kd_tmux_keys Escape
wait_status "F12 is not bound here"
wait_row web1 running
kd_ok "Esc cancels the palette; web1 is still running"

kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits with status 0"
kd_pass
