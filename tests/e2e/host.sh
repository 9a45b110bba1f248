#!/bin/bash
# The host screen on the test driver: H and :nodeinfo show its 16 CPUs in 2 NUMA cells,
# :capabilities opens it with the XML a key away, :version and :freecell.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

kd_tmux_start -x 120 -y 40 -- "$KVMDECK" -c test:///default
kd_tmux_wait "1 domain:"

kd_tmux_keys H
kd_tmux_wait "16 CPUs: 2 socket(s) x 2 core(s) x 2 thread(s), 1400 MHz, 2 NUMA node(s)"
kd_tmux_wait "cell 0: CPUs 0-7 (8), memory 2.0 GiB"
kd_tmux_wait "cell 1: CPUs 8-15 (8), memory 4.0 GiB"
kd_tmux_wait "no: not a QEMU/KVM host (driver TEST)"
kd_tmux_wait "hvm i686: test"
kd_tmux_wait_regex "cell 0: +4 KiB x [0-9]+ +8 KiB x [0-9]+ +2 MiB x [0-9]+"
kd_ok "H shows the test driver's CPUs, cells, pages, guests and why there is no KVM"

kd_tmux_keys q
kd_tmux_wait "1 domain:"
palette_run nodeinfo
kd_tmux_wait "16 CPUs: 2 socket(s)"
kd_ok ":nodeinfo opens the host screen"

kd_tmux_keys q
kd_tmux_wait "1 domain:"
palette_run capabilities
kd_tmux_wait "16 CPUs: 2 socket(s)"
wait_status "x shows the capabilities XML"
kd_tmux_keys x
kd_tmux_wait "<capabilities>"
kd_tmux_keys G
kd_tmux_wait "</capabilities>"
kd_tmux_keys q
kd_tmux_wait "16 CPUs: 2 socket(s)"
kd_ok ":capabilities, x shows the XML, q comes back to the host"

palette_run version
wait_status "libvirt 9.0.0, hypervisor TEST 0.0.2"
kd_ok ":version"

palette_run freecell
kd_tmux_wait "freecell --all"
total=$(virsh -c test:///default freecell --all | awk '/Total/ {print $2}')
kd_tmux_wait_regex "^ *Total: +$total KiB"
kd_ok ":freecell shows the free memory per cell, the total as virsh says"
kd_tmux_keys q q
kd_tmux_wait "1 domain:"
kd_tmux_keys q
rc=$(kd_tmux_wait_exit) || exit 1
kd_assert_eq "$rc" 0 "exit status"
kd_pass
