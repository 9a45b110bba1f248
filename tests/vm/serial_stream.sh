#!/bin/bash
# The serial console's backend on a real guest: tests/vm/serial_stream (built by make check)
# opens the guest's console as a non-blocking libvirt stream, talks to its shell, is
# refused and then takes over a held console, carries a paste in and megabytes out without
# losing a byte, compares its throughput with virsh console and with the bare pty, outlives
# its connection object, notices a dropped connection, and sees the guest destroyed.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"

# shellcheck disable=SC2154 # set by common.sh
prog=$top_builddir/tests/vm/serial_stream
[ -x "$prog" ] || kd_skip "$prog is not built (make check builds it when cmocka is found)"

kd_vm_require
kd_vm_build_guest
name=$(kd_vm_name serial)
# A second console, on virtio (hvc0 in the guest), to open a console by its alias,
# console1.
KD_VM_EXTRA_DEVICES="<console type='pty'><target type='virtio' port='1'/></console>" \
    kd_vm_define "$name" start
kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER" 90
kd_ok "guest $name reached a shell on its serial port"

# The lock of the guest tests stays with this shell, not with virsh or the program.
CMOCKA_MESSAGE_OUTPUT=TAP KD_TIMEOUT_FACTOR=$KD_TIMEOUT_FACTOR \
    "$prog" "$name" {KD_VM_LOCK_FD}>&- || kd_fail "serial_stream failed"
kd_pass "vm/serial_stream"
