# shellcheck shell=bash
# The start of a test driving kvmdeck against a real guest: every helper (common, tmux,
# list, vm), a skip unless guests can run here, and the guest image built.
#
# Source it first:   . "$(dirname "$0")/../lib/vm_guest.sh"

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=list.sh
. "$KD_LIBDIR/list.sh"
# shellcheck source=vm.sh
. "$KD_LIBDIR/vm.sh"

kd_vm_require
kd_vm_build_guest
