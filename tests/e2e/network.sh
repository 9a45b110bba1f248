#!/bin/bash
# The virtual networks screen on the test driver: :net-list shows default, the palette's
# net-* verbs and the screen's keys change what libvirt says, the form creates a network
# and keeps bad input with a message, the XML view comes back to the screen.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

net_row() { # NAME REST
    printf '^ %s +%s' "$(esc_re "$1")" "$2"
}

kd_tmux_start -x 140 -y 34 -- "$KVMDECK" -c test:///default
kd_tmux_wait "1 domain:"

palette_run net-list
kd_tmux_wait "Virtual networks on test:///default (1)"
kd_tmux_wait_regex "$(net_row default 'active +no +yes +virbr0 +nat +192\.168\.122\.1/24 +192\.168\.122\.2-192\.168\.122\.254')"
kd_ok ":net-list shows default, active, its bridge, mode, address and DHCP range"
kd_tmux_wait "DHCP leases of network default"
kd_ok "the leases of the selected network are shown (the test driver has none to give)"

kd_tmux_keys x
kd_tmux_wait "net-dumpxml default"
kd_tmux_wait "<name>default</name>"
kd_tmux_keys q
kd_tmux_wait "Virtual networks on test:///default"
kd_ok "x shows the XML, q comes back to the networks"

palette_run "net-define-as kdnet nat 10.20.0.1/24 10.20.0.10 10.20.0.20"
wait_status "network kdnet defined"
kd_tmux_wait_regex "$(net_row kdnet 'inactive +no +yes +(virbr[0-9]+|-) +nat +10\.20\.0\.1/24 +10\.20\.0\.10-10\.20\.0\.20')"
kd_ok ":net-define-as defines a NAT network with its DHCP range"

palette_run "net-define-as kdbad nat 10.30.0.1/24 10.31.0.10 10.31.0.20"
wait_status "not inside the subnet 10.30.0.1/24"
wait_gone_re "^ kdbad "
kd_ok "a DHCP range outside the subnet is refused with a message"

palette_run "net-start kdnet"
kd_tmux_wait_regex "$(net_row kdnet 'active +no ')"
palette_run "net-autostart kdnet"
kd_tmux_wait_regex "$(net_row kdnet 'active +yes ')"
kd_ok ":net-start and :net-autostart"

# Keys on the selected row: kdnet is selected after the palette named it.
kd_tmux_keys a
kd_tmux_wait_regex "$(net_row kdnet 'active +no ')"
kd_tmux_keys d
kd_tmux_wait "Stop network kdnet?"
kd_tmux_keys y
kd_tmux_wait_regex "$(net_row kdnet 'inactive ')"
kd_tmux_keys s
kd_tmux_wait_regex "$(net_row kdnet 'active ')"
kd_ok "a, d (confirmed) and s on the selected network"

# The form: a bad address keeps the form open with the message, a good one creates.
kd_tmux_keys c
kd_tmux_wait "New virtual network"
kd_tmux_literal "kdform"
kd_tmux_keys Tab Tab C-u
kd_tmux_literal "10.40.0.0/24"
kd_tmux_keys C-s
kd_tmux_wait "is the network address"
kd_tmux_wait "New virtual network"
kd_tmux_keys C-u
kd_tmux_literal "10.40.0.1/24"
kd_tmux_keys Tab C-u
kd_tmux_literal "10.40.0.100"
kd_tmux_keys Tab C-u
kd_tmux_literal "10.40.0.200"
kd_tmux_keys C-s
kd_tmux_wait_gone "New virtual network"
wait_status "network kdform defined and started"
kd_tmux_wait_regex "$(net_row kdform 'active +no +yes +(virbr[0-9]+|-) +nat +10\.40\.0\.1/24 +10\.40\.0\.100-10\.40\.0\.200')"
kd_ok "the form refuses a bad address, keeps the answers, then creates and starts"

palette_run "net-undefine kdnet"
kd_tmux_wait "Undefine network kdnet?"
kd_tmux_keys y
wait_status "net-undefine kdnet: done"
wait_gone_re "^ kdnet "
kd_ok ":net-undefine stops and removes an active network after asking"

palette_run "net-dhcp-leases default"
wait_status "net-dhcp-leases default:"
kd_ok ":net-dhcp-leases reports what libvirt says"

kd_tmux_keys q
kd_tmux_wait "1 domain:"
kd_tmux_keys q
rc=$(kd_tmux_wait_exit) || exit 1
kd_assert_eq "$rc" 0 "exit status"
kd_pass
