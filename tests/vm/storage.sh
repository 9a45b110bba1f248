#!/bin/bash
# Real bytes through libvirtd (qemu:///system, no guest needed): a directory pool in a
# temporary directory, a raw volume, a local file with holes uploaded into it and
# downloaded back through the palette's vol-upload / vol-download, byte-identical
# (sha256) and still sparse; then the volume and the pool are deleted through kvmdeck too.
# Whatever happens, the pool, its volumes and the directory are removed at exit.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"
# shellcheck source=../lib/list.sh
. "$KD_LIBDIR/list.sh"

[ "$(id -u)" -eq 0 ] || kd_skip "needs root (qemu:///system)"
command -v virsh >/dev/null 2>&1 || kd_skip "virsh not installed (libvirt-clients)"
command -v sha256sum >/dev/null 2>&1 || kd_skip "sha256sum not installed"
# No guest runs here: share the lock with the other guest tests' readers.
kd_vm_lock shared
out=$("$top_srcdir/scripts/start-libvirtd.sh" {KD_VM_LOCK_FD}>&- 2>&1) ||
    kd_skip "libvirtd not available: $out"

URI=qemu:///system
POOL="kdtest-pool-$$"
DIR=$(mktemp -d /var/tmp/kdtest-pool.XXXXXX) || kd_fail "mktemp -d failed"
SRC=$KD_TMPDIR/src.img
OUT=$KD_TMPDIR/out.img
BIG=$KD_TMPDIR/big.img

cleanup() {
    local v
    if virsh -q -c "$URI" pool-info "$POOL" >/dev/null 2>&1; then
        for v in $(virsh -q -c "$URI" vol-list "$POOL" 2>/dev/null | awk '{print $1}'); do
            virsh -q -c "$URI" vol-delete "$v" --pool "$POOL" >/dev/null 2>&1
        done
        virsh -q -c "$URI" pool-destroy "$POOL" >/dev/null 2>&1
        virsh -q -c "$URI" pool-undefine "$POOL" >/dev/null 2>&1
    fi
    rm -rf "$DIR"
}
kd_at_exit cleanup

# 4 MiB with two islands of data: 512 KiB at 0, 256 KiB at 2 MiB, holes elsewhere.
head -c 524288 /dev/urandom >"$SRC"
dd if=/dev/urandom of="$SRC" bs=262144 count=1 seek=8 conv=notrunc status=none
truncate -s 4M "$SRC"
want=$(sha256sum <"$SRC" | cut -d' ' -f1)
truncate -s 8M "$BIG"

kd_tmux_start -x 150 -y 32 -- "$KVMDECK" -c "$URI"
kd_tmux_wait_regex 'domains?:|no domains' 30

palette_run "pool-define-as $POOL dir $DIR --start"
wait_status "pool-define-as $POOL dir: done" 30
[ "$(virsh -q -c "$URI" pool-info "$POOL" | awk '/^State:/{print $2}')" = running ] ||
    kd_fail "virsh does not see $POOL running"
kd_ok ":pool-define-as --start made a running dir pool in $DIR"

palette_run "vol-list $POOL"
kd_tmux_wait "Volumes of pool $POOL"
palette_run "vol-create-as $POOL up.img 4M --format raw"
wait_status "vol-create-as $POOL up.img 4M: done" 30
kd_tmux_wait_regex '^ up\.img +file +raw +4\.0 MiB'
[ -f "$DIR/up.img" ] || kd_fail "$DIR/up.img was not created"
kd_ok "vol-create-as made up.img (4 MiB raw)"

palette_run "vol-upload up.img $BIG"
wait_status "larger than volume up.img" 30
kd_ok "a file larger than the volume is refused"

palette_run "vol-upload up.img $SRC"
wait_status "vol-upload up.img $SRC --pool $POOL: done" 60
got=$(sha256sum <"$DIR/up.img" | cut -d' ' -f1)
kd_assert_eq "$want" "$got" "the volume's sha256 after the upload"
kd_assert_contains "$(kd_tmux_capture | tail -n 1)" "(holes kept)" "sparse upload"
used=$(($(stat -c %b "$DIR/up.img") * $(stat -c %B "$DIR/up.img")))
[ "$used" -lt 2097152 ] || kd_fail "the upload filled the holes: $used bytes allocated"
kd_ok "vol-upload wrote the file into the volume, holes as holes ($used bytes allocated)"

palette_run "vol-download up.img $OUT"
wait_status "vol-download up.img $OUT --pool $POOL: done" 60
kd_assert_contains "$(kd_tmux_capture | tail -n 1)" "(holes kept)" "sparse download"
got=$(sha256sum <"$OUT" | cut -d' ' -f1)
kd_assert_eq "$want" "$got" "sha256 of the downloaded file"
size=$(stat -c %s "$OUT")
kd_assert_eq 4194304 "$size" "size of the downloaded file"
used=$(($(stat -c %b "$OUT") * $(stat -c %B "$OUT")))
[ "$used" -lt 2097152 ] || kd_fail "the download is not sparse: $used bytes allocated"
kd_ok "vol-download gave back the same bytes, holes as holes ($used bytes allocated)"

palette_run "vol-download up.img $OUT"
wait_status "File exists" 30
got=$(sha256sum <"$OUT" | cut -d' ' -f1)
kd_assert_eq "$want" "$got" "the existing file after a refused download"
kd_ok "a download never overwrites an existing file"

# Asked for the file: a name that cannot work is refused at once and asked again, with
# what was typed kept.
palette "vol-download up.img"
kd_tmux_keys Enter
kd_tmux_wait "Download volume"
kd_tmux_keys C-u
kd_tmux_literal "$OUT"
kd_tmux_keys Enter
wait_status "exists: kvmdeck does not overwrite it" 10
kd_tmux_wait "Download volume"
kd_tmux_wait "$OUT"
kd_tmux_keys Escape
kd_tmux_wait_gone "Download volume"
kd_ok "a download prompt refuses an existing file and asks again with the name kept"

# X right behind Enter: the transfer is cancelled before it can finish.
dd if=/dev/zero of="$BIG" bs=1M count=256 status=none
palette_run "vol-create-as $POOL big.img 256M --format raw"
wait_status "vol-create-as $POOL big.img 256M: done" 30
palette "vol-upload big.img $BIG"
kd_tmux_keys Enter X
wait_status "vol-upload big.img: cancelled; the volume holds a partial copy" 60
kd_ok "X cancels a running upload"
palette "vol-download big.img $OUT.2"
kd_tmux_keys Enter X
wait_status "vol-download big.img: cancelled" 60
[ ! -e "$OUT.2" ] || kd_fail "a cancelled download left $OUT.2 behind"
kd_ok "X cancels a running download, and its file is removed"
palette_run "vol-delete big.img --force"
wait_status "vol-delete big.img --pool $POOL --force: done" 30

palette_run "vol-delete up.img --force"
wait_status "vol-delete up.img --pool $POOL --force: done" 30
[ ! -e "$DIR/up.img" ] || kd_fail "$DIR/up.img is still there"
kd_ok "vol-delete removed the volume's file"

palette_run "pool-delete $POOL"
kd_tmux_wait "Type the pool's name to confirm"
kd_tmux_literal "$POOL"
kd_tmux_keys Enter
wait_status "pool-delete $POOL: done" 30
virsh -q -c "$URI" pool-info "$POOL" >/dev/null 2>&1 && kd_fail "$POOL is still defined"
[ ! -e "$DIR" ] || kd_fail "$DIR is still there"
kd_ok "pool-delete stopped the pool, removed its directory and undefined it"

kd_tmux_keys q
kd_tmux_keys q
rc=$(kd_tmux_wait_exit) || exit 1
kd_assert_eq 0 "$rc" "exit status"
kd_pass "volume upload and download on qemu:///system"
