#!/bin/bash
# What an admin new to kvmdeck runs into on the test driver: tables that stay on their rows
# in a narrow terminal, libvirt's whole error on the status line, a console that did not
# attach said as such, virsh's "setmem DOMAIN SIZE" applying SIZE at once, no question
# about deleting a volume that is not there, virsh's setvcpus on the selected domain, the
# hardware editor's hint naming m and v, the networks' DHCP range whole at 120 columns and
# their leases' real error, the wizard's storage page refusing a volume named with quotes, and
# D on a shut-off domain answering rather than asking.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

kd_tmux_start -x 120 -y 30 -- "$KVMDECK" -c test:///default
wait_row test running

# ---- narrow terminal: a pool's row is cut at the edge, not wrapped onto the next row -------
palette_run pool-list
kd_tmux_wait_regex '^ default-pool +running'
kd_tmux_resize 80 24
kd_tmux_wait_regex '^ default-pool +running .*Gi$'
screen=$(kd_tmux_capture) || exit 1
next=$(printf '%s\n' "$screen" | grep -A1 '^ default-pool' | tail -n 1)
case $next in
*GiB* | *default-pool*) kd_fail "the pool's row wrapped onto the next one: '$next'" ;;
esac
kd_ok "at 80 columns the pools table is cut at the edge, not wrapped"
kd_tmux_resize 120 30

# ---- a volume that is not there: an answer, not a question ---------------------------------
palette_run "vol-delete nosuch --pool default-pool"
wait_status "vol-delete: pool 'default-pool' has no volume named 'nosuch'"
screen=$(kd_tmux_capture) || exit 1
case $screen in
*"Delete volume"*) kd_fail "a confirmation was asked for a volume that does not exist" ;;
esac
kd_ok "vol-delete of a missing volume says so without asking to confirm"
kd_tmux_keys q
kd_tmux_wait_regex '^ +test +1 +running'

# ---- a console that could not attach (the test driver has none) ----------------------------
kd_tmux_keys v
# The whole of libvirt's message: the hint on the right gives way to it.
kd_tmux_wait "not supported by the connection driver: virDomainOpenConsole"
kd_ok "a long error is shown whole on the status line"
kd_tmux_keys a
kd_tmux_wait "the console of test is not attached: nothing was sent"
screen=$(kd_tmux_capture) || exit 1
case $screen in
*"test is not running"*) kd_fail "a running domain's console is said to be not running" ;;
*"? help  : command"*) kd_fail "the console's status line offers keys that go to the guest" ;;
esac
kd_ok "typing into a console that did not attach says so, not 'not running'"
kd_tmux_keys C-]
kd_tmux_wait "left the console (not attached: v tries again)"
kd_ok "leaving it does not claim the console keeps running"
kd_tmux_wait "? help  : command  q quit"
kd_tmux_keys v
kd_tmux_wait "opening the console of test"
kd_ok "v tries to attach again"
kd_tmux_keys C-]
kd_tmux_wait_regex '^ +test +1 +running'

# ---- virsh's setmem DOMAIN SIZE ------------------------------------------------------------
palette_run "setmem test 1G"
wait_status "memory: applied live and saved in the config"
kd_tmux_wait_regex "Memory +1024 MiB"
kd_ok "setmem DOMAIN SIZE applies SIZE at once, as virsh does"
palette_run "setmem test 12Q"
wait_status "usage: setmem DOMAIN SIZE"
kd_ok "setmem with a size that is not one says how to write it"
palette_run "setvcpus test 1"
wait_status "vCPUs: "
kd_tmux_wait_regex "vCPUs +1\b"
kd_ok "setvcpus DOMAIN COUNT applies COUNT at once"
kd_tmux_wait "m memory  v vCPUs"
kd_ok "the hardware editor's hint names m and v"
kd_tmux_keys q
kd_tmux_wait_regex '^ +test +1 +running'
# Without a DOMAIN, from the list: the selected one, as virsh users expect.
palette_run "setvcpus"
kd_tmux_wait "Maximum vCPUs"
kd_tmux_wait "Hardware of test"
kd_ok "setvcpus from the list opens the selected domain's CPU form"
kd_tmux_keys Escape
kd_tmux_wait_gone "Maximum vCPUs"
kd_tmux_keys q
kd_tmux_wait_regex '^ +test +1 +running'

# ---- networks ------------------------------------------------------------------------------
kd_tmux_keys N
kd_tmux_wait "Virtual networks on test:///default"
kd_tmux_wait "192.168.122.2-192.168.122.254"
kd_ok "the DHCP range is whole at 120 columns"
# The test driver has no leases: libvirt's reason, not "unknown libvirt error".
kd_tmux_wait "DHCP leases of network default: this function is not supported"
kd_ok "the leases' error is libvirt's own"
kd_tmux_keys q
kd_tmux_wait_regex '^ +test +1 +running'

# ---- the wizard: a name a volume may not have is refused on the storage page ---------------
kernel=$KD_TMPDIR/vmlinuz-kd
initrd=$KD_TMPDIR/initrd-kd
printf 'not really a kernel\n' >"$kernel"
printf 'not really an initrd\n' >"$initrd"
kd_tmux_keys +
kd_tmux_wait "name and install source"
kd_tmux_keys Tab
kd_tmux_literal "it's \"q\""
kd_tmux_keys Tab Left
kd_tmux_wait "< Kernel boot >"
kd_tmux_keys C-s
kd_tmux_wait "installation media"
kd_tmux_literal "$kernel"
kd_tmux_keys Tab
kd_tmux_literal "$initrd"
for title in "OS variant" "memory and CPUs" "storage"; do
    kd_tmux_keys C-s
    kd_tmux_wait_regex "New domain \([0-9]/8\): $title"
done
kd_tmux_keys C-s
kd_tmux_wait "no quotes, / or \\ in a volume's name: rename the domain (page 1)"
kd_tmux_wait "New domain (5/8): storage"
kd_ok "the storage page refuses a new volume named after a domain with quotes"
# Back to page 1 with Esc, keeping the answers; a plain name goes through to the summary.
for title in "memory and CPUs" "OS variant" "installation media" "name and install source"; do
    kd_tmux_keys Escape
    kd_tmux_wait_regex "New domain \([0-9]/8\): $title"
done
kd_tmux_keys Tab C-u
kd_tmux_literal "walk-q"
for title in "installation media" "OS variant" "memory and CPUs" "storage" "network" \
    "firmware and hypervisor" "graphics and options"; do
    kd_tmux_keys C-s
    kd_tmux_wait_regex "New domain \([0-9]/8\): $title"
done
kd_tmux_keys C-s
kd_tmux_wait "New domain: summary"
kd_tmux_wait "new qcow2 volume default-pool/walk-q.qcow2"
kd_ok "after a rename the wizard reaches its summary with the answers kept"
kd_tmux_keys q
wait_row test running

# ---- D on a domain that is shut off: no question, an answer --------------------------------
kd_tmux_keys D
kd_tmux_wait "destroy 1 domain?"
kd_tmux_keys y
wait_row test "shut off"
kd_tmux_keys D
wait_status "test is shut off: nothing to force off"
screen=$(kd_tmux_capture) || exit 1
case $screen in
*"destroy 1 domain?"*) kd_fail "force off of a shut-off domain still asks to confirm" ;;
esac
kd_ok "D on a shut-off domain says so instead of asking"

kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "kvmdeck exits with status 0"
kd_pass
