#!/bin/bash
# The statistics view's keys, as virt-top has them: the four views, sorting, the delay,
# and the sort and delay kept across a restart.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"

cp "$KD_FIXTURES/hosts.xml" "$KD_TMPDIR/hosts.xml" || kd_fail "cannot copy the fixture"
uri="test://$KD_TMPDIR/hosts.xml"
kd_tmux_start -x 120 -y 30 -- "$KVMDECK" -c "$uri"
kd_tmux_wait "domains:"
kd_tmux_keys T
kd_tmux_wait "kvmdeck stats"
kd_tmux_wait_regex "^ +ID +S +%CPU +%VCPU +MEM +USED"
kd_tmux_wait_regex "^ +1 R .* web1$"
kd_ok "T opens the domains view with virt-top's columns; web1 is listed"
screen=$(kd_tmux_capture) || exit 1
case $screen in *" build"*) kd_fail "a shut-off domain is listed in the domains view" ;; esac
kd_assert_contains "$screen" "Host CPU" "the header has the host's figures"
kd_assert_contains "$screen" "7 domains: 3 running" "the header counts domains by state"

kd_tmux_keys 1
kd_tmux_wait "PCPU   %USED"
kd_ok "1 shows the physical CPUs"
kd_tmux_keys 2
kd_tmux_wait_regex "^ +ID +IFACE +RXBY/s"
kd_ok "2 shows the network interfaces"
kd_tmux_keys 3
kd_tmux_wait_regex "^ +ID +DEVICE +RDRQ/s"
kd_ok "3 shows the block devices"
kd_tmux_keys 0
kd_tmux_wait_regex "^ +ID +S +%CPU"

kd_tmux_keys N
kd_tmux_wait "stats sorted by id"
rows=$(kd_tmux_capture | grep -E "^ +[0-9]+ [A-Z] " | awk '{print $1}' | tr '\n' ' ')
[ "$rows" = "1 2 3 4 5 " ] || kd_fail "sorted by id, rows are '$rows'"
kd_tmux_keys N
kd_tmux_wait "stats sorted by id, reversed"
rows=$(kd_tmux_capture | grep -E "^ +[0-9]+ [A-Z] " | awk '{print $1}' | tr '\n' ' ')
[ "$rows" = "5 4 3 2 1 " ] || kd_fail "reversed, rows are '$rows'"
kd_ok "N sorts by id, again reverses"
for k in P:cpu M:memory T:time A:name D:disk I:net; do
    kd_tmux_keys "${k%%:*}"
    kd_tmux_wait "stats sorted by ${k#*:}"
done
kd_ok "P M T A D I choose the sort column"

kd_tmux_keys d
kd_tmux_wait "Seconds between samples"
kd_tmux_keys C-u
kd_tmux_literal "abc"
kd_tmux_keys Enter
kd_tmux_wait "delay: seconds from 0.1 to 3600, not 'abc'"
kd_ok "a bad delay is refused with a message"
kd_tmux_keys d
kd_tmux_wait "Seconds between samples"
kd_tmux_keys C-u
kd_tmux_literal "0.5"
kd_tmux_keys Enter
kd_tmux_wait "every 0.5 s"
kd_ok "d sets the delay"
kd_tmux_keys q
kd_tmux_wait_gone "kvmdeck stats"
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0"

# The same data directory: the delay and the sort order are remembered.
kd_tmux_start -x 120 -y 30 -- "$KVMDECK" -c "$uri"
kd_tmux_wait "domains:"
kd_tmux_keys T
kd_tmux_wait "every 0.5 s"
kd_tmux_keys :
kd_tmux_literal "delay 2"
kd_tmux_keys Enter
kd_tmux_wait "every 2.0 s"
kd_ok "the delay is kept across a restart, and :delay sets it"
kd_tmux_keys q
kd_tmux_wait_gone "kvmdeck stats"
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0"
kd_pass
