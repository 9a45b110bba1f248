#!/bin/bash
# An internal snapshot, with memory, of the tiny guest running on a qcow2 disk, created and
# reverted through kvmdeck's palette on qemu:///system: a marker written to the disk before
# the snapshot, overwritten after it, is back after the revert; virsh agrees on the
# snapshot and the state. The guest, its disk and the snapshot go away at exit.
set -u

# shellcheck source=../lib/vm_guest.sh
. "$(dirname "$0")/../lib/vm_guest.sh"
command -v qemu-img >/dev/null 2>&1 || kd_skip "qemu-img is not installed (qemu-utils)"

# qemu runs as another user: the disk's directory must be open to it.
dir=$(mktemp -d /var/tmp/kdtest-snap.XXXXXX) || kd_fail "mktemp failed"
kd_at_exit "rm -rf $(printf %q "$dir")"
chmod 0755 "$dir"
disk=$dir/data.qcow2
qemu-img create -q -f qcow2 "$disk" 16M || kd_fail "qemu-img create failed"

KD_VM_EXTRA_DEVICES="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$disk'/><target dev='vda' bus='virtio'/></disk>"
KD_VM_MEMORY_MIB=160
export KD_VM_EXTRA_DEVICES KD_VM_MEMORY_MIB
name=$(kd_vm_name snap)
kd_vm_define "$name" start
kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER" 60

kd_tmux_start -x 140 -y 30 -- "$KVMDECK" -c qemu:///system
kd_tmux_wait "$name" 15

console() { # open the guest's console and get a prompt
    palette_run "console $name"
    kd_tmux_wait "Ctrl+] leaves" 10
    kd_tmux_keys Enter
    kd_tmux_wait "kdguest:~#" 15
}

leave() {
    kd_tmux_keys C-]
    kd_tmux_wait_regex "$name +[0-9]+ +running" 10
}

# Write MARK to the first sector of vda, bypassing nothing the snapshot would miss.
write_mark() { # MARK
    kd_tmux_keys C-l
    kd_tmux_literal "echo $1 | dd of=/dev/vda bs=512 count=1 conv=sync 2>/dev/null; sync; echo wrote-\$(head -c 9 /dev/vda)"
    kd_tmux_keys Enter
    kd_tmux_wait "wrote-$1" 20
}

console
write_mark KD-MARK-A
leave
kd_ok "marker A written to the guest's qcow2 disk"

# Creating and reverting run as jobs; each writes its result to the audit log when it ends,
# which is what the test waits for (the status line may be the console's by then).
db=$KD_TMPDIR/xdg/data/kvmdeck/kvmdeck.db
audit_result() { # ACTION: the result of its last audit entry, or nothing
    python3 - "$db" "$1" 2>/dev/null <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
r = c.execute("SELECT result FROM audit WHERE action = ? ORDER BY id DESC LIMIT 1",
              (sys.argv[2],)).fetchone()
print(r[0] if r else "")
PY
}
job_ended() { # ACTION
    local deadline r=''
    deadline=$((SECONDS + $(kd_timeout 60)))
    until [ -n "$r" ]; do
        r=$(audit_result "$1")
        [ -n "$r" ] && break
        [ "$SECONDS" -ge "$deadline" ] && kd_fail "'$1' did not end within 60s"
        sleep 0.2
    done
    [ "$r" = ok ] || kd_fail "$1: $r"
}

palette_run "snapshot-create-as $name before \"marker A\""
job_ended "snapshot-create-as before"
virsh -q -c qemu:///system snapshot-list "$name" --name | grep -qx before ||
    kd_fail "virsh snapshot-list $name has no 'before'"
virsh -q -c qemu:///system snapshot-dumpxml "$name" before | grep -q "<memory snapshot='internal'/>" ||
    kd_fail "'before' is not an internal snapshot with memory"
[ "$(kd_vm_state "$name")" = running ] || kd_fail "the guest is not running after the snapshot"
kd_ok ":snapshot-create-as made internal snapshot 'before' with memory; the guest runs on"

console
write_mark KD-MARK-B
leave
kd_ok "marker B written over it"

palette_run "snapshot-revert $name before"
kd_tmux_wait "Revert $name to before?" 10
kd_tmux_wait "written to the disks since 'before'" 5
kd_tmux_keys y
kd_tmux_wait_gone "Revert $name to before?" 10
job_ended "snapshot-revert before"
[ "$(kd_vm_state "$name")" = running ] || kd_fail "the guest is not running after the revert"
kd_ok ":snapshot-revert asked, then reverted; the guest runs"

console
kd_tmux_keys C-l
kd_tmux_literal "echo read-\$(head -c 9 /dev/vda)"
kd_tmux_keys Enter
kd_tmux_wait "read-KD-MARK-A" 20
leave
kd_ok "marker A is back on the disk after the revert"

palette_run "snapshot-list $name"
kd_tmux_wait_regex "^ before \* +[0-9-]+ [0-9:]+ +running +memory +internal +marker A" 10
kd_ok "the snapshots screen shows 'before' as current, with memory, internal"

kd_tmux_keys q q
rc=$(kd_tmux_wait_exit 15) || exit 1
kd_assert_eq "$rc" 0 "exit status"
kd_pass
