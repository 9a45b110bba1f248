#!/bin/bash
# The snapshots screen on the test driver's domain "test": created from the palette
# without a form and from the form, shown as a tree with the current one marked, reverted
# after a question that says what is lost, deleted with its children, the XML view.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

snap_row() { # TREE-AND-NAME REST
    printf '^ %s +%s' "$(esc_re "$1")" "$2"
}

kd_tmux_start -x 140 -y 34 -- "$KVMDECK" -c test:///default
kd_tmux_wait "1 domain:"

palette_run 'snapshot-create-as test s1 "first one"'
wait_status "snapshot-create-as s1: done"
palette_run "snapshot-list test"
kd_tmux_wait "Snapshots of test (running): 1"
kd_tmux_wait_regex "$(snap_row "s1 *" '[0-9-]+ [0-9:]+ +running +memory +internal +first one')"
kd_ok ":snapshot-create-as test s1 then :snapshot-list test shows s1, current, with memory"

kd_tmux_keys c
kd_tmux_wait "New snapshot of test"
kd_tmux_keys C-u
kd_tmux_literal "s2"
kd_tmux_keys Tab
kd_tmux_literal "from the form"
kd_tmux_keys C-s
kd_tmux_wait_gone "New snapshot of test"
kd_tmux_wait_regex "$(snap_row '`- s2 *' '.* running +memory +internal +from the form')"
kd_tmux_wait_regex "$(snap_row 's1' '[0-9]')"
kd_ok "the form creates s2 as a child of s1, now the current one"

palette_run "snapshot-current test"
wait_status "current snapshot of test: s2"
kd_ok ":snapshot-current test"

kd_tmux_keys g r
kd_tmux_wait "Revert test to s1?"
kd_tmux_wait "Everything written to the disks since 's1'"
kd_tmux_keys y
wait_status "snapshot-revert s1: done"
kd_tmux_wait_regex "$(snap_row 's1 *' '[0-9]')"
kd_ok "r asks, saying what is lost, and reverts to s1 (now current)"

kd_tmux_keys x
kd_tmux_wait "snapshot-dumpxml test s1"
kd_tmux_wait "<name>s1</name>"
kd_tmux_keys q
kd_tmux_wait "Snapshots of test"
kd_ok "x shows the snapshot's XML and q comes back"

palette_run "snapshot-delete test nope"
wait_status "test has no snapshot named 'nope'"
kd_ok "a snapshot that does not exist gets a message"

kd_tmux_keys g D
kd_tmux_wait "Delete with every snapshot below it: s1?"
kd_tmux_keys y
wait_status "snapshot-delete --children s1: done"
kd_tmux_wait "(no snapshots: c creates one)"
kd_ok "D deletes s1 with its child"

kd_tmux_keys q
kd_tmux_wait "1 domain:"
kd_tmux_keys z
kd_tmux_wait "Snapshots of test (running): 0"
kd_ok "z on the list opens the selected domain's snapshots"
kd_tmux_keys q q
rc=$(kd_tmux_wait_exit) || exit 1
kd_assert_eq "$rc" 0 "exit status"
kd_pass
