# shellcheck shell=bash
# Real guests for the vm tests: a Debian cloud kernel and a busybox
# initramfs, booted with direct kernel boot under TCG through qemu:///system.
#
# Source after common.sh. Typical use:
#
#   kd_vm_require
#   kd_vm_build_guest
#   name=$(kd_vm_name boot)
#   kd_vm_define "$name" start
#   kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER"
#
# Every domain defined here is destroyed and undefined at exit, whatever the
# test's outcome. Domains whose test was killed outright (SIGKILL) are
# removed by the next kd_vm_require, recognised by their name.
#
# The guest: busybox init with a root shell on the serial port (ttyS0) and
# on the VGA console (tty1), prompt "kdguest:~# ", the banner
# "KDGUEST: up" on both, virtio modules loaded (net, blk, balloon, console),
# udhcpc on eth0 when there is one, and the ACPI power button wired to
# poweroff so that "virsh shutdown" works.
#
# Environment read (optional):
#   KD_VM_CACHE          guest cache directory (default /var/cache/kvmdeck-test)
#   KD_VM_MEMORY_MIB     guest memory (default 256)
#   KD_VM_EXTRA_DEVICES  XML added inside <devices> (a NIC, a disk)
#
# Set by kd_vm_build_guest: KD_VM_KERNEL, KD_VM_INITRD, KD_VM_KERNEL_VERSION,
# KD_VM_SHELL_BANNER (start of the line each guest shell prints when it
# starts, "BusyBox v1.35.0" on Debian 12).

if [ -n "${KD_VM_LOADED:-}" ]; then
    return 0
fi
KD_VM_LOADED=1

if [ -z "${KD_COMMON_LOADED:-}" ]; then
    echo "FAIL: source tests/lib/common.sh before tests/lib/vm.sh" >&2
    exit 1
fi

KD_VM_URI=qemu:///system
KD_VM_CACHE=${KD_VM_CACHE:-/var/cache/kvmdeck-test}
KD_VM_KERNEL_META=linux-image-cloud-amd64
KD_VM_CMDLINE='console=tty0 console=ttyS0'
# Loaded in this order at boot, after their dependencies (resolved at build).
KD_VM_MODULES='virtio_pci virtio_net virtio_blk virtio_balloon virtio_console evdev button'
KD_VM_KERNEL=''
KD_VM_INITRD=''
KD_VM_KERNEL_VERSION=''
KD_VM_SHELL_BANNER=''
# Domain names look like kdtest-PREFIX-PID-HEX; the PID lets
# _kd_vm_reap_stale tell whether the owning test is still alive.
KD_VM_NAME_RE='^kdtest-[A-Za-z0-9_-]+-([0-9]+)-[0-9a-f]+$'

# -q drops virsh's blank lines; stderr is kept for the error messages.
_kd_virsh() {
    virsh -q -c "$KD_VM_URI" "$@"
}

# ---------------------------------------------------------------------------
# Requirements

# kd_vm_require: skip unless this machine can run a guest through
# qemu:///system (root, virsh, qemu-system-x86_64, libvirtd started).
# kd_vm_lock [shared|exclusive]: take the lock of the guest tests. Most share it; a test
# that stops libvirtd takes it alone. Daemons and programs started afterwards must not
# inherit it (start them with {KD_VM_LOCK_FD}>&-).
KD_VM_LOCK_FD=''
kd_vm_lock() {
    [ -z "$KD_VM_LOCK_FD" ] || return 0
    local mode=-s
    [ "${1:-shared}" = exclusive ] && mode=-x
    exec {KD_VM_LOCK_FD}>/run/lock/kvmdeck-vm-tests.lock ||
        kd_fail "cannot open /run/lock/kvmdeck-vm-tests.lock"
    flock "$mode" -w "$(kd_timeout 900)" "$KD_VM_LOCK_FD" ||
        kd_fail "timed out waiting for the other guest tests"
}

kd_vm_require() {
    [ "$(id -u)" -eq 0 ] || kd_skip "vm tests need root (qemu:///system, libvirtd)"
    command -v virsh >/dev/null 2>&1 || kd_skip "virsh not installed (libvirt-clients)"
    command -v qemu-system-x86_64 >/dev/null 2>&1 ||
        kd_skip "qemu-system-x86_64 not installed (qemu-system-x86)"
    local t
    for t in apt-get apt-cache dpkg-deb cpio gzip flock sha256sum; do
        command -v "$t" >/dev/null 2>&1 || kd_skip "$t not installed (needed to build the guest)"
    done
    if ! [ -x /bin/busybox ] || ! _kd_vm_is_static /bin/busybox; then
        kd_skip "/bin/busybox is missing or not static (busybox-static)"
    fi

    # One guest test at a time: TCG guests on two cores slow each other down enough to
    # turn timeouts into noise.
    kd_vm_lock exclusive
    local out
    # shellcheck disable=SC2154 # set by common.sh
    out=$("$top_srcdir/scripts/start-libvirtd.sh" {KD_VM_LOCK_FD}>&- 2>&1) ||
        kd_skip "libvirtd not available: $out"
    _kd_virsh domcapabilities --virttype qemu --arch x86_64 --machine pc >/dev/null 2>&1 ||
        kd_skip "libvirtd cannot run x86_64 TCG guests (virsh domcapabilities --virttype qemu)"
    _kd_vm_reap_stale
}

# A dynamically linked busybox would need its libraries in the initramfs.
_kd_vm_is_static() {
    ! LC_ALL=C ldd "$1" >/dev/null 2>&1
}

_kd_vm_reap_stale() {
    local name pid
    while read -r name; do
        [[ $name =~ $KD_VM_NAME_RE ]] || continue
        pid=${BASH_REMATCH[1]}
        kill -0 "$pid" 2>/dev/null && continue
        echo "# removing test domain $name left by dead process $pid" >&2
        _kd_vm_remove "$name" || true
    done < <(_kd_virsh list --all --name 2>/dev/null)
}

# ---------------------------------------------------------------------------
# Guest image

# kd_vm_build_guest: make sure the kernel and initramfs are in the cache and
# set KD_VM_KERNEL and KD_VM_INITRD. Built once, then reused; concurrent
# callers wait for the first one.
kd_vm_build_guest() {
    local lockfd
    mkdir -p "$KD_VM_CACHE" || kd_fail "cannot create $KD_VM_CACHE"
    # qemu runs as libvirt-qemu and must read the kernel and initramfs.
    chmod 0755 "$KD_VM_CACHE" || kd_fail "cannot chmod $KD_VM_CACHE"
    exec {lockfd}>"$KD_VM_CACHE/.lock" || kd_fail "cannot open $KD_VM_CACHE/.lock"
    flock -w "$(kd_timeout 600)" "$lockfd" ||
        kd_fail "timed out waiting for another test building the guest"

    if [ ! -s "$KD_VM_CACHE/kernel/vmlinuz" ] || [ ! -s "$KD_VM_CACHE/kernel/linux-image.deb" ] ||
        [ ! -s "$KD_VM_CACHE/kernel/version" ]; then
        _kd_vm_fetch_kernel
    fi
    read -r KD_VM_KERNEL_VERSION <"$KD_VM_CACHE/kernel/version"
    KD_VM_KERNEL=$KD_VM_CACHE/kernel/vmlinuz

    # The initramfs is named after a hash of everything that goes into it, so
    # editing this file rebuilds it without anyone clearing the cache.
    local hash
    hash=$({
        declare -f _kd_vm_build_initrd _kd_vm_add_module _kd_vm_module_deps \
            _kd_vm_file_init _kd_vm_file_inittab _kd_vm_file_profile _kd_vm_file_udhcpc
        echo "$KD_VM_MODULES $KD_VM_KERNEL_VERSION"
        sha256sum </bin/busybox
    } | sha256sum)
    hash=${hash:0:16}
    KD_VM_INITRD=$KD_VM_CACHE/initrd-$hash.gz
    if [ ! -s "$KD_VM_INITRD" ]; then
        _kd_vm_build_initrd "$KD_VM_INITRD"
    fi

    exec {lockfd}>&-
    # The guest runs this very busybox; its version is the host's.
    KD_VM_SHELL_BANNER=$(/bin/busybox 2>&1 | head -n 1 | cut -d ' ' -f 1-2)
    case $KD_VM_SHELL_BANNER in
    'BusyBox v'*) ;;
    *) kd_fail "cannot read the busybox version (got '$KD_VM_SHELL_BANNER')" ;;
    esac
    export KD_VM_KERNEL KD_VM_INITRD KD_VM_KERNEL_VERSION KD_VM_SHELL_BANNER
}

# Print the versioned image package the meta-package points to.
_kd_vm_resolve_kernel_pkg() {
    apt-cache depends "$KD_VM_KERNEL_META" 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}

# Download the versioned kernel package into DIR; succeed or print why not.
_kd_vm_download_kernel() {
    local dir=$1 pkg
    pkg=$(_kd_vm_resolve_kernel_pkg)
    if [ -z "$pkg" ]; then
        echo "apt-cache knows no $KD_VM_KERNEL_META"
        return 1
    fi
    # apt drops privileges to _apt for downloads and warns when _apt cannot
    # write the target directory.
    chown _apt "$dir" 2>/dev/null
    (cd "$dir" && apt-get download -q "$pkg" 2>&1) || return 1
}

_kd_vm_fetch_kernel() {
    local tmp deb vmlinuz version out t0
    t0=$SECONDS
    tmp=$(mktemp -d "$KD_VM_CACHE/.kernel.XXXXXX") || kd_fail "mktemp in $KD_VM_CACHE failed"
    kd_at_exit "rm -rf $(printf %q "$tmp")"
    echo "# fetching $KD_VM_KERNEL_META" >&2
    if ! out=$(_kd_vm_download_kernel "$tmp"); then
        # Package lists may be missing or stale (a container image); refresh
        # them only now, since it is slow and needs the network.
        echo "# download failed, running apt-get update: $out" >&2
        apt-get update -q >/dev/null 2>&1 || true
        out=$(_kd_vm_download_kernel "$tmp") ||
            kd_fail "cannot download the $KD_VM_KERNEL_META kernel: $out"
    fi
    deb=$(find "$tmp" -maxdepth 1 -name 'linux-image-*.deb' | head -n 1)
    [ -n "$deb" ] || kd_fail "apt-get download left no linux-image-*.deb in $tmp"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' ||
        kd_fail "cannot extract the kernel from $deb"
    vmlinuz=$(find "$tmp/boot" -name 'vmlinuz-*' | head -n 1)
    [ -n "$vmlinuz" ] || kd_fail "no boot/vmlinuz-* in $deb"
    version=${vmlinuz##*/vmlinuz-}

    if ! { mkdir -p "$tmp/kernel" &&
        mv "$vmlinuz" "$tmp/kernel/vmlinuz" &&
        mv "$deb" "$tmp/kernel/linux-image.deb" &&
        echo "$version" >"$tmp/kernel/version" &&
        chmod 0755 "$tmp/kernel" &&
        chmod 0644 "$tmp/kernel/"*; }; then
        kd_fail "cannot stage the kernel in $tmp"
    fi
    # Swap in whole, so an interrupted fetch never looks complete.
    if ! { rm -rf "$KD_VM_CACHE/kernel" && mv "$tmp/kernel" "$KD_VM_CACHE/kernel"; }; then
        kd_fail "cannot install the kernel into $KD_VM_CACHE"
    fi
    echo "# kernel $version cached in $((SECONDS - t0))s" >&2
}

# Print MODULE's dependencies (from its .modinfo section) found under DIR.
_kd_vm_module_deps() {
    local file
    file=$(find "$1" -name "$2.ko" | head -n 1)
    [ -n "$file" ] || return 1
    tr '\0' '\n' <"$file" | sed -n 's/^depends=//p' | tr ',' ' '
}

# Append MODULE to $order (a local of _kd_vm_build_initrd) after its
# dependencies, each once.
_kd_vm_add_module() {
    local deps dep
    case " $order " in *" $1 "*) return 0 ;; esac
    deps=$(_kd_vm_module_deps "$mods" "$1") ||
        kd_fail "module $1 not in kernel $KD_VM_KERNEL_VERSION"
    for dep in $deps; do
        _kd_vm_add_module "$dep"
    done
    order+=" $1"
}

# _kd_vm_build_initrd OUT: build the initramfs OUT (gzip'd newc cpio).
_kd_vm_build_initrd() {
    local out=$1 tmp root mods order='' m f t0
    t0=$SECONDS
    tmp=$(mktemp -d "$KD_VM_CACHE/.initrd.XXXXXX") || kd_fail "mktemp in $KD_VM_CACHE failed"
    kd_at_exit "rm -rf $(printf %q "$tmp")"
    root=$tmp/root
    mods=$tmp/modules

    dpkg-deb --fsys-tarfile "$KD_VM_CACHE/kernel/linux-image.deb" |
        tar -x -C "$tmp" --wildcards './lib/modules/*' ||
        kd_fail "cannot extract modules from $KD_VM_CACHE/kernel/linux-image.deb"
    mv "$tmp/lib/modules/$KD_VM_KERNEL_VERSION" "$mods" ||
        kd_fail "no modules for $KD_VM_KERNEL_VERSION in the kernel package"
    # Newer Debian kernels compress modules; busybox insmod wants them plain.
    find "$mods" -name '*.ko.xz' -exec xz -d {} + 2>/dev/null
    find "$mods" -name '*.ko.zst' -exec zstd -q -d --rm {} + 2>/dev/null

    for m in $KD_VM_MODULES; do
        _kd_vm_add_module "$m"
    done

    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,lib/modules} ||
        kd_fail "cannot create $root"
    cp /bin/busybox "$root/bin/busybox" || kd_fail "cannot copy busybox"
    # The applet links are made at boot (busybox --install -s); /bin/sh is
    # needed before that to run /init itself.
    ln -s busybox "$root/bin/sh"
    for m in $order; do
        f=$(find "$mods" -name "$m.ko" | head -n 1)
        cp "$f" "$root/lib/modules/" || kd_fail "cannot copy $f"
    done
    echo "${order# }" >"$root/etc/modules.load"
    # The kernel opens /dev/console for init's stdio before /init can mount
    # devtmpfs; without the node, init starts with no stdin/stdout.
    mknod -m 0600 "$root/dev/console" c 5 1 || kd_fail "mknod /dev/console failed"
    mknod -m 0666 "$root/dev/null" c 1 3 || kd_fail "mknod /dev/null failed"

    if ! { _kd_vm_file_init >"$root/init" &&
        _kd_vm_file_inittab >"$root/etc/inittab" &&
        _kd_vm_file_profile >"$root/etc/profile" &&
        _kd_vm_file_udhcpc >"$root/etc/udhcpc.script" &&
        echo kdguest >"$root/etc/hostname" &&
        printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd" &&
        printf 'root:x:0:\n' >"$root/etc/group" &&
        chmod 0755 "$root/init" "$root/etc/udhcpc.script"; }; then
        kd_fail "cannot write the guest's files"
    fi

    (cd "$root" && find . -print0 | LC_ALL=C sort -z |
        cpio --null -o -H newc --quiet -R 0:0 | gzip -9n) >"$tmp/initrd.gz" ||
        kd_fail "cpio/gzip of the initramfs failed"
    chmod 0644 "$tmp/initrd.gz"
    # Builds from older versions of this file are of no further use, unless
    # another checkout still runs one: leave the recent ones.
    find "$KD_VM_CACHE" -maxdepth 1 -name 'initrd-*.gz' -mtime +1 -delete
    mv "$tmp/initrd.gz" "$out" || kd_fail "cannot install $out"
    echo "# initramfs $(basename "$out") built in $((SECONDS - t0))s" >&2
}

_kd_vm_file_init() {
    cat <<'EOF'
#!/bin/sh
# PID 1 of the kvmdeck test guest: set up, then hand over to busybox init.
/bin/busybox --install -s
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
hostname -F /etc/hostname
for m in $(cat /etc/modules.load); do
    insmod "/lib/modules/$m.ko" 2>/dev/null
done
ip link set lo up
if [ -e /sys/class/net/eth0 ]; then
    udhcpc -b -i eth0 -s /etc/udhcpc.script >/tmp/udhcpc.log 2>&1 &
fi
# No acpid: any event from the ACPI power button powers the guest off,
# which is what "virsh shutdown" asks for.
for d in /sys/class/input/input*; do
    [ "$(cat "$d/name" 2>/dev/null)" = "Power Button" ] || continue
    for e in "$d"/event*; do
        [ -e "$e" ] || continue
        (dd if="/dev/input/${e##*/}" of=/dev/null bs=64 count=1 2>/dev/null && poweroff) &
    done
done
# "kdbusy" on the kernel command line: a guest that keeps its CPU busy, for stats tests.
case " $(cat /proc/cmdline) " in
*" kdbusy "*) (while :; do :; done) & ;;
esac
echo "KDGUEST: up" >/dev/ttyS0
echo "KDGUEST: up" >/dev/tty1
# Boot messages stay on both consoles; later kernel chatter (link up, and
# so on) would land in the middle of the shells' output.
echo 1 >/proc/sys/kernel/printk
exec /sbin/init
EOF
}

_kd_vm_file_inittab() {
    cat <<'EOF'
ttyS0::respawn:-/bin/sh
tty1::respawn:-/bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/sync
EOF
}

_kd_vm_file_profile() {
    cat <<'EOF'
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
export HOME=/root
PS1='kdguest:\w# '
cd /root
EOF
}

_kd_vm_file_udhcpc() {
    cat <<'EOF'
#!/bin/sh
case $1 in
deconfig)
    ip addr flush dev "$interface"
    ip link set "$interface" up
    ;;
bound | renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    if [ -n "$router" ]; then
        ip route add default via "${router%% *}" dev "$interface"
    fi
    ;;
esac
exit 0
EOF
}

# ---------------------------------------------------------------------------
# Domains

# kd_vm_name PREFIX: print a domain name no other test (or run) can take.
kd_vm_name() {
    [[ ${1:-} =~ ^[A-Za-z0-9_-]+$ ]] || kd_fail "kd_vm_name: PREFIX must match [A-Za-z0-9_-]+"
    # Short, so that it fits a name column: the pid makes it unique among
    # running tests, the random part across runs that reuse a pid.
    printf 'kdtest-%s-%s-%04x\n' "$1" "$$" "$RANDOM"
}

# kd_vm_serial_log NAME: print the file the guest's serial output goes to.
kd_vm_serial_log() {
    # Names may hold quotes and spaces; the file name keeps only the safe characters.
    echo "$KD_TMPDIR/vm/${1//[^A-Za-z0-9._-]/_}.serial.log"
}

# kd_xml_escape TEXT: TEXT as XML character data or attribute value.
kd_xml_escape() {
    local s=$1
    # Quoted replacements: bash 5.2 would read a bare '&' as "the matched text".
    s=${s//'&'/'&amp;'}
    s=${s//'<'/'&lt;'}
    s=${s//'>'/'&gt;'}
    s=${s//"'"/'&apos;'}
    s=${s//'"'/'&quot;'}
    printf '%s' "$s"
}

# kd_vm_xml NAME: print the domain XML kd_vm_define uses.
kd_vm_xml() {
    local name=$1
    if [ -z "$KD_VM_KERNEL" ] || [ -z "$KD_VM_INITRD" ]; then
        kd_fail "kd_vm_xml: call kd_vm_build_guest first"
    fi
    cat <<EOF
<domain type='qemu'>
  <name>$(kd_xml_escape "$name")</name>
  <description>kvmdeck test guest; removed when test process $$ ends</description>
  <memory unit='MiB'>${KD_VM_MEMORY_MIB:-256}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$KD_VM_KERNEL</kernel>
    <initrd>$KD_VM_INITRD</initrd>
    <cmdline>$KD_VM_CMDLINE</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='pty'>
      <log file='$(kd_xml_escape "$(kd_vm_serial_log "$name")")' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
    <video>
      <model type='vga'/>
    </video>
${KD_VM_EXTRA_DEVICES:-}
  </devices>
</domain>
EOF
}

# Destroy and undefine NAME; succeed when it no longer exists.
_kd_vm_remove() {
    local name=$1
    _kd_virsh dominfo "$name" >/dev/null 2>&1 || return 0
    _kd_virsh destroy "$name" >/dev/null 2>&1
    # The extra flags remove what a test may have added (saved state,
    # snapshots); a domain with none of them accepts them too.
    _kd_virsh undefine "$name" --managed-save --snapshots-metadata \
        --checkpoints-metadata --nvram >/dev/null 2>&1 ||
        _kd_virsh undefine "$name" >/dev/null 2>&1
    if _kd_virsh dominfo "$name" >/dev/null 2>&1; then
        echo "FAIL: test domain $name could not be removed" >&2
        return 1
    fi
    return 0
}

# kd_vm_cleanup_at_exit NAME: remove domain NAME at exit. kd_vm_define does
# this itself; use it for domains a test creates by other means (through
# kvmdeck, say), naming them with kd_vm_name.
kd_vm_cleanup_at_exit() {
    kd_at_exit "_kd_vm_remove $(printf %q "$1")"
}

# kd_vm_define NAME [start]: define the test guest NAME, and start it when
# asked. It is removed at exit.
kd_vm_define() {
    local name=$1 xml out
    case $name in
    '' | */* | *$'\n'*) kd_fail "kd_vm_define: bad domain name '$name'" ;;
    esac
    case ${2:-} in
    '' | start) ;;
    *) kd_fail "kd_vm_define: unknown argument '$2'" ;;
    esac
    mkdir -p "$KD_TMPDIR/vm" || kd_fail "cannot create $KD_TMPDIR/vm"
    xml=$KD_TMPDIR/vm/${name//[^A-Za-z0-9._-]/_}.xml
    kd_vm_xml "$name" >"$xml" || kd_fail "cannot write $xml"
    # Registered before defining: a define that fails half-way must not
    # leave anything behind either.
    kd_vm_cleanup_at_exit "$name"
    out=$(_kd_virsh define "$xml" 2>&1) || kd_fail "virsh define $xml: $out"
    # By UUID too: a test may rename the domain.
    kd_vm_cleanup_at_exit "$(_kd_virsh domuuid "$name")"
    if [ "${2:-}" = start ]; then
        out=$(_kd_virsh start "$name" 2>&1) || kd_fail "virsh start $name: $out"
    fi
}

# kd_vm_state NAME: print the domain's state as virsh domstate does.
kd_vm_state() {
    _kd_virsh domstate "$1" 2>/dev/null
}

# kd_vm_wait_serial NAME TEXT [TIMEOUT=90]: wait until the guest has written
# TEXT (a fixed string) to its serial port.
kd_vm_wait_serial() {
    local name=$1 text=$2 timeout deadline log state next_check=0
    timeout=$(kd_timeout "${3:-90}")
    deadline=$(($(kd_now_us) + timeout * 1000000))
    log=$(kd_vm_serial_log "$name")
    while :; do
        [ -f "$log" ] && grep -qF -- "$text" "$log" && return 0
        if [ -f "$log" ] && grep -qF 'Kernel panic' "$log"; then
            _kd_vm_show_log "$log"
            kd_fail "guest $name panicked before printing '$text'"
        fi
        # A guest that stopped will print nothing more: say so at once
        # rather than after the timeout. virsh is slow, so not every poll.
        if [ "$SECONDS" -ge "$next_check" ]; then
            state=$(kd_vm_state "$name")
            case $state in
            running | paused | "in shutdown") ;;
            *)
                _kd_vm_show_log "$log"
                kd_fail "guest $name is '$state' and never printed '$text'"
                ;;
            esac
            next_check=$((SECONDS + 2))
        fi
        if [ "$(kd_now_us)" -ge "$deadline" ]; then
            _kd_vm_show_log "$log"
            kd_fail "guest $name did not print '$text' on its serial port within ${timeout}s"
        fi
        sleep 0.2
    done
}

_kd_vm_show_log() {
    printf '%s\n' "--- last lines of $1:" >&2
    if [ -f "$1" ]; then
        tail -n 30 "$1" | tr -d '\r' >&2
    else
        echo "(no serial log)" >&2
    fi
    printf '%s\n' "--- end of serial log" >&2
}
