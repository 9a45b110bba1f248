#!/bin/bash
# The hardware editor on a running guest: memory is lowered live (the balloon) and a disk
# is hot-plugged, both from the keyboard; virsh dumpxml (live) and dumpxml --inactive
# (the config) then show both changes.
set -u

# shellcheck source=../lib/vm_guest.sh
. "$(dirname "$0")/../lib/vm_guest.sh"
name=$(kd_vm_name hwedit)
KD_VM_MEMORY_MIB=256 kd_vm_define "$name" start
kd_vm_wait_serial "$name" "KDGUEST: up" 90
kd_ok "guest $name is up"

# A raw image for the new disk, where libvirt's QEMU may read it; removed at exit.
img=/var/lib/libvirt/images/$name-extra.img
mkdir -p /var/lib/libvirt/images
kd_at_exit "rm -f '$img'"
truncate -s 16M "$img" || kd_fail "cannot create $img"

form_set() { # TEXT: replace the focused field's text
    kd_tmux_keys C-u
    kd_tmux_literal "$1"
    kd_tmux_wait "$1"
}

# dumpxml_has WHAT [--inactive] PATTERN: poll virsh dumpxml (the balloon takes a moment).
dumpxml_has() {
    local what=$1 flag=$2 pat=$3 i
    for ((i = 0; i < 100; i++)); do
        # shellcheck disable=SC2086 # flag is empty or one word
        virsh -q -c qemu:///system dumpxml "$name" $flag | grep -qE -- "$pat" && {
            kd_ok "$what"
            return 0
        }
        sleep 0.2
    done
    virsh -q -c qemu:///system dumpxml "$name" $flag >&2
    kd_fail "$what: no match for '$pat'"
}

kd_tmux_start -x 140 -y 32 -- "$KVMDECK" -c qemu:///system
kd_tmux_wait "$name" 15
palette_run "hardware $name"
kd_tmux_wait "Hardware of $name (running)" 15

# ---- memory, live ----------------------------------------------------------------------
kd_tmux_keys j Enter
kd_tmux_wait "Maximum memory"
form_set 192M
kd_tmux_keys C-s
wait_status "memory: applied live and saved in the config" 20
dumpxml_has "virsh dumpxml: currentMemory 192 MiB" "" "<currentMemory unit='KiB'>196608</currentMemory>"
dumpxml_has "virsh dumpxml --inactive: currentMemory 192 MiB" --inactive \
    "<currentMemory unit='KiB'>196608</currentMemory>"
dumpxml_has "the maximum stays 256 MiB" "" "<memory unit='KiB'>262144</memory>"

# ---- a disk, hot-plugged -----------------------------------------------------------------
kd_tmux_keys a
kd_tmux_wait "Add hardware"
kd_tmux_keys Down Enter
kd_tmux_wait "Add a disk: existing storage"
form_set "$img"
kd_tmux_keys Tab Right
kd_tmux_wait "< raw >"
kd_tmux_keys C-s
wait_status "new disk: applied live and saved in the config" 30
kd_tmux_wait "Disk vda"
dumpxml_has "virsh dumpxml: the new disk is attached" "" "<source file='$(esc_re "$img")'"
dumpxml_has "virsh dumpxml: as vda on virtio" "" "<target dev='vda' bus='virtio'/>"
dumpxml_has "virsh dumpxml --inactive: the new disk is in the config" --inactive \
    "<source file='$(esc_re "$img")'"

kd_tmux_keys q
kd_tmux_wait_gone "Hardware of $name"
quit
kd_pass
