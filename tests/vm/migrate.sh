#!/bin/bash
# Live migration of a real guest between two libvirt daemons on this machine: qemu:///system
# and a second libvirtd in a mount namespace of its own (its own run dirs, state, logs and
# host UUID), listening on TCP 127.0.0.1 without authentication. Through kvmdeck's palette:
# there and back, the progress bar and X cancelling a slow one, the same-host refusal, the
# list grouped by host. Through the backend (tests/vm/migrate_run): peer-to-peer, libvirt's
# own same-host refusal, and a disk the destination does not have, plain and copied.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"

kd_vm_require
for t in unshare libvirtd virtlogd; do
    command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || kd_skip "$t not installed"
done
PATH=$PATH:/usr/sbin:/sbin
unshare --mount --propagation private true 2>/dev/null ||
    kd_skip "cannot make a mount namespace here (unshare --mount)"
kd_vm_build_guest

RUN=${top_builddir:-$top_srcdir}/tests/vm/migrate_run
[ -x "$RUN" ] || kd_fail "$RUN is not built (make check builds it)"

# ---- the second host -------------------------------------------------------------------
H2=$KD_TMPDIR/host2
H2_UUID=6b1d2c3e-$(printf '%04x' $(($$ % 65536)))-4000-8000-00000000cafe
name=$(kd_vm_name mig)

free_port() {
    local p
    for ((p = 16510; p < 16600; p++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || {
            echo "$p"
            return 0
        }
    done
    return 1
}
PORT=$(free_port) || kd_skip "no free TCP port in 16510-16599"
URI2=qemu+tcp://127.0.0.1:$PORT/system
uri2_re=$(printf '%s' "$URI2" | sed 's/[.+]/\\&/g')

pid_of() { # FILE: the pid written there, if any
    local pid=''
    [ -r "$1" ] && read -r pid <"$1"
    printf '%s' "$pid"
}

# Guests first (a qemu outlives its daemon), then the daemons, then anything of ours left.
host2_stop() {
    local pid n
    if [ -n "$(pid_of "$H2/libvirtd.pid")" ]; then
        for n in $(virsh -q -c "$URI2" list --name 2>/dev/null); do
            virsh -q -c "$URI2" destroy "$n" >/dev/null 2>&1
        done
    fi
    for f in libvirtd virtlogd; do
        pid=$(pid_of "$H2/$f.pid")
        [ -n "$pid" ] && kill "$pid" 2>/dev/null
    done
    sleep 0.5
    # The source's copy is gone by now (removed before this runs): a qemu still named so is
    # the second host's.
    for pid in $(pgrep -f -- "guest=$name,"); do
        kill -9 "$pid" 2>/dev/null
    done
    rm -rf "$H2"
    return 0
}
kd_at_exit host2_stop

mkdir -p "$H2" || kd_fail "cannot create $H2"
{ cp -a /etc/libvirt "$H2/etc" && cp -a /var/cache/libvirt "$H2/cache"; } ||
    kd_fail "cannot copy /etc/libvirt and /var/cache/libvirt"
# Nothing of the first host's networks or guests starts there.
rm -rf "$H2/etc/qemu/networks/autostart" "$H2/etc/qemu/autostart" "$H2"/etc/qemu/*.xml
cat >>"$H2/etc/libvirtd.conf" <<EOF
listen_tls = 0
listen_tcp = 1
listen_addr = "127.0.0.1"
tcp_port = "$PORT"
auth_tcp = "none"
host_uuid = "$H2_UUID"
EOF
# No cgroups (both daemons would use the same names), ports apart from the first host's.
cat >>"$H2/etc/qemu.conf" <<EOF
cgroup_controllers = [ ]
remote_display_port_min = 5960
remote_display_port_max = 5999
migration_port_min = 49300
migration_port_max = 49399
EOF
# shellcheck disable=SC2016 # expanded by the namespace's shell
out=$(unshare --mount --propagation private bash -c '
    set -e
    mount -t tmpfs tmpfs /run/libvirt
    mount -t tmpfs tmpfs /var/lib/libvirt
    mount -t tmpfs tmpfs /var/log/libvirt
    mount --bind "$1/cache" /var/cache/libvirt
    mount --bind "$1/etc" /etc/libvirt
    mkdir -p /var/lib/libvirt/qemu /var/log/libvirt/qemu
    virtlogd -d -p "$1/virtlogd.pid"
    libvirtd -d -l -p "$1/libvirtd.pid"
' host2 "$H2" {KD_VM_LOCK_FD}>&- 2>&1) || kd_fail "starting the second libvirtd: $out"
for ((i = 0; i < 75; i++)); do
    virsh -q -c "$URI2" uri >/dev/null 2>&1 && break
    sleep 0.2
done
virsh -q -c "$URI2" uri >/dev/null 2>&1 || kd_fail "the second libvirtd does not answer on $URI2"
caps_uuid=$(virsh -q -c "$URI2" capabilities | sed -n 's:.*<uuid>\(.*\)</uuid>.*:\1:p' | head -1)
kd_assert_eq "$H2_UUID" "$caps_uuid" "a second libvirtd answers on $URI2 with its own host UUID"

state_on() { # URI: the guest's state there, "" when it is not there
    virsh -q -c "$1" domstate "$name" 2>/dev/null
}

wait_states() { # SOURCE-STATE DEST-STATE WHAT
    local deadline
    deadline=$(($(kd_now_us) + $(kd_timeout 30) * 1000000))
    until [ "$(state_on qemu:///system)" = "$1" ] && [ "$(state_on "$URI2")" = "$2" ]; do
        if [ "$(kd_now_us)" -ge "$deadline" ]; then
            kd_tmux_capture >&2
            kd_fail "$3: source '$(state_on qemu:///system)', destination '$(state_on "$URI2")'"
        fi
        sleep 0.2
    done
    kd_ok "$3: source '${1:-gone}', destination '${2:-gone}'"
}

kd_vm_define "$name" start
kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER" 90
kd_ok "guest $name is up on qemu:///system"

# ---- through kvmdeck's palette -----------------------------------------------------------
palette() { # command...
    kd_tmux_keys :
    kd_tmux_wait_regex '^:' 5
    kd_tmux_literal "$*"
    kd_tmux_keys Enter
}

kd_tmux_start -x 180 -y 30 -- "$KVMDECK" -c qemu:///system
kd_tmux_wait "$name" 15

palette migrate "$name" qemu:///system --live
kd_tmux_wait "that is the source host itself (host UUID" 15
kd_ok "migrating to the same host is refused, naming its host UUID"

palette migrate "$name" "$URI2" --live --migrateuri tcp://127.0.0.1
kd_tmux_wait "migrated $name to $URI2" 60
wait_states "shut off" running "live migration to the second host"
kd_tmux_wait "2 hosts" 5
kd_ok "the destination stays open: the header counts 2 hosts"

kd_tmux_keys '='
kd_tmux_wait_regex "^ [>-] [^ ]+  $uri2_re  \\(1 domain\\)" 10
kd_tmux_wait_regex "^ [>-] [^ ]+  qemu:///system  " 5
kd_ok "= groups the list by host, with a heading per host"
kd_tmux_keys '='

# Back, from the second host as the current one.
palette connect "$URI2"
kd_tmux_wait_regex "^ kvmdeck .*$uri2_re" 10
palette migrate "$name" qemu:///system --live --migrateuri tcp://127.0.0.1
kd_tmux_wait "migrated $name to qemu:///system" 60
wait_states running "" "live migration back"

# A slow one (1 MiB/s) shows its progress; X cancels it and the guest stays.
palette connect qemu:///system
kd_tmux_wait_regex "^ kvmdeck .* qemu:///system " 10
palette migrate "$name" "$URI2" --live --migrateuri tcp://127.0.0.1 --bandwidth 1
size='[0-9.]+ [KMG]iB'
bar="migrate $name \\[[#-]+\\] [0-9]+%  mem $size/$size, $size left, dirty $size/s, "
kd_tmux_wait_regex "${bar}[0-9]+\\.[0-9] s -> " 30
kd_ok "the status line shows the migration's progress bar and memory figures"
kd_tmux_keys X
kd_tmux_wait "cancelled; the domain stays on the source" 30
wait_states running "" "X cancels the migration"

kd_tmux_keys L
kd_tmux_wait "Audit log"
screen=$(kd_tmux_capture)
printf '%s\n' "$screen" | grep -qE "$name +migrate to $uri2_re +ok" ||
    kd_fail "the audit log has no successful migration"
printf '%s\n' "$screen" | grep -q "cancelled; the domain stays" ||
    kd_fail "the audit log does not record the cancelled migration"
kd_ok "the audit log records the migrations, the cancelled one too"
kd_tmux_keys q
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0"

# ---- peer-to-peer, through the backend ---------------------------------------------------
out=$("$RUN" qemu:///system "$name" "$URI2" --live --p2p --migrateuri tcp://127.0.0.1 2>&1) ||
    kd_fail "peer-to-peer migration: $out"
wait_states "shut off" running "peer-to-peer migration (virDomainMigrateToURI3)"
printf '%s\n' "$out" | grep -qE '^progress reports: [1-9]' ||
    kd_fail "no progress was read during the migration: $out"
kd_ok "job statistics were read while it ran"
# Inside its namespace, qemu:///system is the second daemon itself: libvirt's refusal.
out=$("$RUN" "$URI2" "$name" qemu:///system --live --p2p 2>&1) && kd_fail "p2p to itself worked"
kd_assert_contains "$out" "the destination is the source host itself" \
    "libvirt's same-host refusal is explained"
out=$("$RUN" "$URI2" "$name" qemu:///system --live --migrateuri tcp://127.0.0.1 2>&1) ||
    kd_fail "migration back through the client: $out"
wait_states running "" "back through the client (virDomainMigrate3)"

# A disk only the source has: the second host's /var/lib/libvirt is its own.
disk=/var/lib/libvirt/images/$name.img
kd_at_exit "rm -f $(printf %q "$disk")"
mkdir -p /var/lib/libvirt/images && truncate -s 1M "$disk" || kd_fail "cannot create $disk"
out=$(virsh -q -c qemu:///system attach-disk "$name" "$disk" vdb --live --cache none 2>&1) ||
    kd_fail "attach-disk: $out"
out=$("$RUN" qemu:///system "$name" "$URI2" --live --migrateuri tcp://127.0.0.1 2>&1) &&
    kd_fail "a guest whose disk is missing on the destination migrated"
kd_assert_contains "$out" "a disk is on storage the destination does not share" \
    "a disk the destination does not share is explained"
wait_states running "" "the guest stays on the source"
# Copying it needs somewhere to put it there: no pool holds that path on the second host.
out=$("$RUN" qemu:///system "$name" "$URI2" --live --copy-storage-all \
    --migrateuri tcp://127.0.0.1 2>&1) && kd_fail "--copy-storage-all with no pool there worked"
kd_assert_contains "$out" "a disk of the domain is missing on the destination" \
    "--copy-storage-all without a pool there: the missing storage is explained"
wait_states running "" "the guest stays on the source"

virsh -q -c qemu:///system destroy "$name" >/dev/null 2>&1
wait_states "shut off" "" "destroyed on the source"
kd_pass "vm/migrate"
