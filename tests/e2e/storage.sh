#!/bin/bash
# Storage pools and volumes on the test driver: :pool-list shows default-pool, Enter opens
# its volumes, the form creates a volume (keeping the answers when one is bad), the
# palette's vol-* verbs refuse bad input with a message, d deletes after confirmation, and
# the pool verbs change what the pools screen says.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

KD_FIXTURES=${KD_FIXTURES:-$top_srcdir/tests/fixtures}

pool_row() { # NAME REST
    printf '^ %s +%s' "$(esc_re "$1")" "$2"
}

kd_tmux_start -x 130 -y 32 -- "$KVMDECK" -c test:///default
kd_tmux_wait "1 domain:"

palette_run pool-list
kd_tmux_wait "Storage pools"
kd_tmux_wait_regex "$(pool_row default-pool 'running +no +dir .*100\.0 GiB +/default-pool')"
kd_ok ":pool-list shows default-pool, running, its size and target"

# ---- volumes through the form -----------------------------------------------------------
kd_tmux_keys Enter
kd_tmux_wait "Volumes of pool default-pool"
kd_tmux_wait "No volumes."
kd_tmux_keys n
kd_tmux_wait "New volume in pool default-pool"
# A name with a quote is refused under the field; the form stays with what was typed.
kd_tmux_literal "bad'name"
kd_tmux_keys C-s
kd_tmux_wait "may not contain"
kd_tmux_wait "New volume in pool default-pool"
kd_tmux_keys C-u
kd_tmux_literal "kd-disk.qcow2"
kd_tmux_keys Tab C-u
kd_tmux_literal "64M"
kd_tmux_keys C-s
kd_tmux_wait_gone "New volume in pool default-pool"
wait_status "created /default-pool/kd-disk.qcow2"
DISK_RE='file +qcow2 +64\.0 MiB .*/default-pool/kd-disk\.qcow2'
kd_tmux_wait_regex "$(pool_row kd-disk.qcow2 "$DISK_RE")"
kd_ok "the form refuses a quoted name, then creates kd-disk.qcow2 (64 MiB, qcow2)"

# A thin overlay through the palette, on the volume just made.
palette_run "vol-create-as default-pool kd-overlay 1G --backing-vol kd-disk.qcow2"
wait_status "vol-create-as default-pool kd-overlay 1G: done"
OVERLAY_RE='file +qcow2 +1\.0 GiB .*<- /default-pool/kd-disk\.qcow2'
kd_tmux_wait_regex "$(pool_row kd-overlay "$OVERLAY_RE")"
kd_ok ":vol-create-as --backing-vol makes a qcow2 overlay, shown with its backing file"

palette_run "vol-create-as default-pool kd-bad 12Q"
wait_status "'12Q' is not a size"
kd_tmux_wait_gone "kd-bad"
kd_ok "a size of 12Q is refused with a clear message"

palette_run "vol-create-as default-pool kd-disk.qcow2 1G"
wait_status "already has a volume named 'kd-disk.qcow2'"
kd_ok "an existing name is refused"

# ---- XML, clone, delete -----------------------------------------------------------------
kd_tmux_keys g
kd_tmux_keys x
kd_tmux_wait "vol-dumpxml kd-disk.qcow2 --pool default-pool"
kd_tmux_wait "<name>kd-disk.qcow2</name>"
kd_tmux_keys q
kd_tmux_wait "Volumes of pool default-pool"
kd_ok "x shows the volume's XML, q comes back to the volumes"

palette_run "vol-clone kd-disk.qcow2 kd-copy --pool default-pool"
wait_status "vol-clone kd-disk.qcow2 kd-copy --pool default-pool: done"
kd_tmux_wait_regex "$(pool_row kd-copy 'file +qcow2 +64\.0 MiB')"
kd_ok ":vol-clone copies a volume (on a worker thread)"

palette_run "vol-delete kd-copy"
kd_tmux_wait "Delete volume 'kd-copy' of pool default-pool?"
kd_tmux_keys y
wait_status "vol-delete kd-copy --pool default-pool: done"
kd_tmux_wait_gone "/default-pool/kd-copy"
palette_run "vol-resize kd-overlay 10M"
wait_status "needs --shrink"
kd_ok "shrinking from the palette needs --shrink"

# kd-overlay is backed by kd-disk.qcow2: that one is in use until the overlay goes.
kd_tmux_keys g
kd_tmux_keys d
kd_tmux_wait "Delete volume 'kd-disk.qcow2' of pool default-pool?"
kd_tmux_keys y
kd_tmux_wait "Volume 'kd-disk.qcow2' is used by: volume default-pool/kd-overlay."
kd_tmux_keys Escape
kd_tmux_wait_gone "is used by"
kd_ok "a volume that backs another is refused, naming the overlay"
palette_run "vol-delete kd-overlay"
kd_tmux_wait "Delete volume 'kd-overlay' of pool default-pool?"
kd_tmux_keys y
wait_status "vol-delete kd-overlay --pool default-pool: done"
kd_tmux_keys g
kd_tmux_keys d
kd_tmux_wait "Delete volume 'kd-disk.qcow2' of pool default-pool?"
kd_tmux_keys n
kd_tmux_wait_gone "Delete volume"
kd_tmux_wait "kd-disk.qcow2"
kd_tmux_keys d
kd_tmux_wait "Delete volume 'kd-disk.qcow2' of pool default-pool?"
kd_tmux_keys y
wait_status "vol-delete kd-disk.qcow2 --pool default-pool: done"
kd_tmux_wait_gone "/default-pool/kd-disk.qcow2 "
kd_ok "d asks first (n keeps the volume), y deletes it"

# ---- pools ------------------------------------------------------------------------------
kd_tmux_keys q
kd_tmux_wait "Storage pools"
palette_run "pool-define-as kdpool dir /srv/kdpool --start"
wait_status "pool-define-as kdpool dir: done"
kd_tmux_wait_regex "$(pool_row kdpool 'running +no +dir .*/srv/kdpool')"
kd_ok ":pool-define-as --start defines and starts a dir pool"

palette_run "pool-define-as kdpool2 dir relative/path"
wait_status "must be an absolute path"
kd_tmux_wait_gone "kdpool2"
kd_ok "a relative target path is refused"

kd_tmux_keys a
kd_tmux_wait_regex "$(pool_row kdpool 'running +yes ')"
kd_tmux_keys D
kd_tmux_wait_regex "$(pool_row kdpool 'inactive +yes ')"
kd_tmux_keys s
kd_tmux_wait_regex "$(pool_row kdpool 'running +yes ')"
kd_ok "a toggles autostart, D stops and s starts the selected pool"

kd_tmux_keys U
kd_tmux_wait "Type the pool's name to confirm"
kd_tmux_literal "wrong"
kd_tmux_keys Enter
kd_tmux_wait "that is not the name"
kd_tmux_wait_regex "$(pool_row kdpool 'running')"
kd_tmux_keys C-u
kd_tmux_literal "kdpool"
kd_tmux_keys Enter
wait_status "pool-delete kdpool: done"
kd_tmux_wait_gone "/srv/kdpool"
kd_ok "U deletes a pool only after its name is typed"

# The form: a pool from the keys, selected once made.
kd_tmux_keys n
kd_tmux_wait "New storage pool"
kd_tmux_literal "kdform"
kd_tmux_keys Tab Tab C-u
kd_tmux_literal "srv/relative"
kd_tmux_keys C-s
kd_tmux_wait "an absolute path, starting with /"
kd_tmux_keys C-u
kd_tmux_literal "/srv/kd form"
kd_tmux_keys C-s
kd_tmux_wait_gone "New storage pool"
wait_status "pool-define-as kdform dir: done"
kd_tmux_wait_regex "$(pool_row kdform 'running +yes +dir .*/srv/kd form')"
kd_ok "the pool form refuses a relative path, then defines, builds, starts and autostarts"

palette_run "pool-define-as kdlvm logical --source-dev /dev/kd-none --source-name kdvg"
wait_status "pool-define-as kdlvm logical: done"
kd_tmux_wait_regex "$(pool_row kdlvm 'inactive +no +logical')"
kd_tmux_keys b
kd_tmux_wait "This formats its devices"
kd_tmux_keys n
kd_tmux_wait_gone "This formats its devices"
kd_tmux_wait_regex "$(pool_row kdlvm 'inactive +no +logical')"
kd_ok "building a logical pool asks first"

# ---- a volume a domain uses -------------------------------------------------------------
palette_run "connect test://$KD_FIXTURES/storage.xml"
kd_tmux_wait "web-store"
palette_run "vol-list kd-pool"
kd_tmux_wait "Volumes of pool kd-pool"
kd_tmux_wait_regex "$(pool_row web.qcow2 'file +qcow2')"
kd_tmux_keys G
kd_tmux_keys d
kd_tmux_wait "Delete volume 'web.qcow2' of pool kd-pool?"
kd_tmux_keys y
kd_tmux_wait "Volume 'web.qcow2' is used by: web-store."
wait_status "in use by web-store"
kd_tmux_keys Escape
kd_tmux_wait_gone "is used by"
kd_tmux_wait_regex "$(pool_row web.qcow2 'file')"
kd_ok "deleting a volume a domain uses names the domain, and Esc keeps it"

kd_tmux_keys d
kd_tmux_wait "Delete volume 'web.qcow2'"
kd_tmux_keys y
kd_tmux_wait "Volume 'web.qcow2' is used by: web-store."
kd_tmux_literal "web.qcow2"
kd_tmux_keys Enter
wait_status "vol-delete web.qcow2 --pool kd-pool --force: done"
kd_tmux_wait_gone "/kd-pool/web.qcow2"
kd_ok "typing the volume's name deletes it anyway"

# The backing volume comes from a picker; the overlay is qcow2 on it.
kd_tmux_keys n
kd_tmux_wait "New volume in pool kd-pool"
kd_tmux_literal "thin"
kd_tmux_keys Tab C-u Tab Tab F4
kd_tmux_wait "Backing volume"
kd_tmux_wait "spare.img"
kd_tmux_keys Down Enter
kd_tmux_wait_regex "Backing volume +spare\.img"
kd_tmux_keys C-s
wait_status "created /kd-pool/thin"
kd_tmux_wait_regex "$(pool_row thin 'file +qcow2 +1\.0 GiB .*<- /kd-pool/spare\.img')"
kd_ok "the picker chooses a backing volume; an empty size takes the backing's"

# :connect closed the screens of the host it left: q goes from the volumes to the list.
kd_tmux_keys q
kd_tmux_wait "web-store"
kd_tmux_keys q
rc=$(kd_tmux_wait_exit) || exit 1
kd_assert_eq 0 "$rc" "exit status"
kd_pass "storage pools and volumes"
