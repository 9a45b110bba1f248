#!/bin/bash
# With no hypervisor reachable kvmdeck explains why and offers libvirt's demo host
# instead of exiting; d opens it.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"

# A socket path that nothing listens on: a libvirtd that is not running.
uri="qemu:///system?socket=$KD_TMPDIR/no-such-libvirtd.sock"
kd_tmux_start -- "$KVMDECK" -c "$uri"
kd_tmux_wait "no hypervisor reachable"
screen=$(kd_tmux_capture) || exit 1
kd_assert_contains "$screen" "cannot connect to $uri" "the reason names the URI"
kd_assert_contains "$screen" "test:///default" "the demo host is offered"
kd_tmux_keys r
kd_tmux_wait "still no hypervisor"
kd_ok "r retries and says it failed again"
kd_tmux_keys d
kd_tmux_wait_regex '^ +test +1 +running'
kd_tmux_wait "connected to test:///default"
kd_ok "d opens the demo host"
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0"

# A URI libvirt cannot parse at all is explained the same way.
kd_tmux_start -- "$KVMDECK" -c "nosuchdriver:///x"
kd_tmux_wait "no hypervisor reachable"
kd_tmux_wait "nosuchdriver:///x"
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0 from the offline screen"
kd_pass
