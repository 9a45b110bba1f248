#!/bin/bash
# The hardware editor (E) on test:///default's running domain "test": memory and vCPUs
# change live, the description too, a NIC is added (saved for the next boot: the test
# driver has no hot-plug), refusals keep the form open with a message; then the XML view
# of the same kvmdeck (x, and :dumpxml --inactive) shows every change.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

MAC=52:54:00:12:34:56

# form_set TEXT: replace the focused field's text.
form_set() {
    kd_tmux_keys C-u
    kd_tmux_literal "$1"
    kd_tmux_wait "$1"
}

kd_list_theme
kd_tmux_start -x 140 -y 32 -- "$KVMDECK" -c test:///default
wait_row test running

kd_tmux_keys E
kd_tmux_wait "Hardware of test (running)"
kd_tmux_wait "NIC aa:bb:cc:dd:ee:ff"
kd_ok "E opens the hardware editor on the selected domain"

# A verb naming another domain works on that one or on none, never on the editor open.
palette_run "setmem nosuch"
wait_status "nosuch"
expect "setmem on an unknown domain opens no form on the open editor" \
    '! kd_tmux_capture | grep -q "Maximum memory"'
kd_tmux_wait "Hardware of test (running)"

# ---- memory ---------------------------------------------------------------------------------
kd_tmux_keys j Enter
kd_tmux_wait "Maximum memory"
form_set 99999G
kd_tmux_keys C-s
kd_tmux_wait "is more than the maximum memory"
kd_ok "memory above the maximum is refused in the form"
form_set 1024M
kd_tmux_keys C-s
wait_status "memory: applied live and saved in the config"
kd_tmux_wait_regex "Memory +1024 MiB"
kd_ok "memory 1024M applied live"

# ---- vCPUs and topology -------------------------------------------------------------------------
kd_tmux_keys j Enter
kd_tmux_wait "Maximum vCPUs"
form_set 1
kd_tmux_keys Tab Tab Tab Tab
form_set 3
kd_tmux_keys Tab
form_set 1
kd_tmux_keys Tab
form_set 1
kd_tmux_keys C-s
kd_tmux_wait "topology 3 x 1 x 1 = 3, not the maximum vCPUs (2)"
kd_ok "a topology that does not multiply to the maximum is refused"
# The refusal put the focus on Sockets: 1 x 2 x 1 fits.
form_set 1
kd_tmux_keys Tab
form_set 2
kd_tmux_keys C-s
wait_last "vCPUs: applied live and saved in the config; CPU model and topology: saved in the"
kd_tmux_wait_regex "Topology +1 socket\\(s\\) x 2 core\\(s\\) x 1 thread\\(s\\)"
kd_tmux_wait_regex "vCPUs +1"
kd_ok "vCPUs 1 applied live"

# ---- description ------------------------------------------------------------------------------
kd_tmux_keys j j j
kd_tmux_wait_regex "│ Description *$"
kd_tmux_keys Enter
kd_tmux_wait "empty removes it"
form_set 'e2e <desc> & more'
kd_tmux_keys C-s
wait_status "description: applied live and saved in the config"
kd_ok "description applied live"

# ---- a NIC ----------------------------------------------------------------------------------------
kd_tmux_keys a
kd_tmux_wait "Add hardware"
kd_tmux_keys Down Down Down Enter
kd_tmux_wait "Add a NIC"
kd_tmux_keys Tab Tab Tab
form_set 52:54:00:zz
kd_tmux_keys C-s
kd_tmux_wait "six hex pairs"
kd_ok "a bad MAC is refused in the form"
form_set $MAC
kd_tmux_keys C-s
wait_status "new NIC: saved in the config; applies at next boot"
kd_tmux_wait "NIC $MAC"
kd_ok "a NIC is added for the next boot (the test driver cannot hot-plug)"

# ---- the XML views ---------------------------------------------------------------------------------
kd_tmux_keys x
kd_tmux_wait "Persistent XML of test"
expect "the persistent XML has the memory" \
    "kd_tmux_capture | grep -qF \"<currentMemory unit='KiB'>1048576</currentMemory>\""
expect "the persistent XML has the topology" \
    "kd_tmux_capture | grep -qE \"<topology sockets='1' (dies='1' )?cores='2' threads='1'/>\""
kd_tmux_keys G
expect "the persistent XML has the new NIC" "kd_tmux_capture | grep -qF \"<mac address='$MAC'/>\""
kd_tmux_keys q
kd_tmux_wait "Hardware of test"
kd_tmux_keys q
wait_row test running

# The list's x is dumpxml: the live XML.
kd_tmux_keys x
kd_tmux_wait "dumpxml test"
expect "dumpxml shows the live memory" \
    "kd_tmux_capture | grep -qF \"<currentMemory unit='KiB'>1048576</currentMemory>\""
expect "dumpxml shows one vCPU online" "kd_tmux_capture | grep -qF \"current='1'\""
expect "dumpxml shows the description" \
    "kd_tmux_capture | grep -qF '<description>e2e &lt;desc&gt; &amp; more</description>'"
expect "dumpxml (live) has no new NIC" "! kd_tmux_capture | grep -qF \"$MAC\""
kd_tmux_keys q
wait_row test running

palette_run "dumpxml test --inactive"
kd_tmux_wait "dumpxml test --inactive"
kd_tmux_keys G
expect "dumpxml --inactive shows the new NIC" "kd_tmux_capture | grep -qF \"<mac address='$MAC'/>\""
kd_tmux_keys q
wait_row test running

# ---- removal, a CD-ROM and its media ---------------------------------------------------------
kd_tmux_keys E
kd_tmux_wait "Hardware of test (running)"
kd_tmux_keys G
kd_tmux_wait_regex "│ NIC $MAC *$"
kd_tmux_keys d
kd_tmux_wait "Remove NIC $MAC from test?"
kd_tmux_keys y
wait_status "removing NIC $MAC: saved in the config"
wait_gone_re "^ NIC $MAC "
kd_ok "d removes the NIC after a confirmation"

kd_tmux_keys a
kd_tmux_wait "Add hardware"
kd_tmux_keys Down Down Enter
kd_tmux_wait "Add a CD-ROM"
kd_tmux_keys C-s
wait_status "new CD-ROM: saved in the config; applies at next boot"
kd_tmux_wait "CD-ROM sda"
kd_tmux_keys G k
kd_tmux_wait_regex "│ CD-ROM sda *$"
kd_tmux_wait_regex "Source +\\(empty\\)"
kd_tmux_keys c
kd_tmux_wait "an ISO path or pool/volume; empty ejects"
form_set /iso/e2e.iso
kd_tmux_keys C-s
wait_status "insert media: saved in the config; applies at next boot"
kd_tmux_wait_regex "Source +/iso/e2e.iso"
kd_ok "a CD-ROM is added and c inserts its media"

kd_tmux_keys x
kd_tmux_wait "Persistent XML of test"
kd_tmux_keys G
expect "the persistent XML has the CD-ROM's media" \
    "kd_tmux_capture | grep -qF \"<source file='/iso/e2e.iso'/>\""
expect "the persistent XML has no removed NIC" "! kd_tmux_capture | grep -qF \"$MAC\""
kd_tmux_keys q
kd_tmux_wait "Hardware of test"
kd_tmux_keys q
wait_row test running

quit
finish
