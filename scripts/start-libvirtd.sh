#!/bin/bash
# Make sure the system libvirt daemon (qemu:///system) answers.
#
# On machines without systemd (containers, CI runners) nothing starts
# virtlogd and libvirtd, so the tests that need a real guest start them here
# as plain daemons. Safe to run again and from several tests at once.
#
# Exit status: 0 when qemu:///system answers, 1 otherwise (reason on stderr).
#
# No storage pool, network or other object is created: the tests boot guests
# with direct kernel boot and no disk, so whether a "default" pool exists does
# not matter.
set -u

URI=qemu:///system
# libvirtd usually answers within a second; a slow CI runner can take
# several, hence the generous bound.
WAIT_SECONDS=${KD_LIBVIRTD_WAIT:-15}

say() { printf 'start-libvirtd: %s\n' "$*" >&2; }

answers() {
    virsh -c "$URI" uri >/dev/null 2>&1
}

# Succeeds when PID is a live (not zombie) process called NAME. Checking the
# name guards against a stale pidfile whose pid was reused; checking the
# state matters where PID 1 does not reap orphans (some containers), which
# leaves a killed daemon behind as a zombie.
alive() {
    local name=$1 pid=$2 stat
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    # Fields: pid (comm) state ...; comm may contain spaces, so cut at ") ".
    case $stat in
    *") Z "* | *") X "*) return 1 ;;
    esac
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]
}

# Succeeds when the daemon NAME runs: its pidfile names a live process, or
# failing that a process of that exact name exists (started by other means,
# with another pidfile).
running() {
    local name=$1 pid=''
    if [ -r "/run/$name.pid" ]; then
        # libvirt writes the pid without a newline, so read fails at EOF
        # while still filling the variable.
        read -r pid <"/run/$name.pid"
        case $pid in
        '' | *[!0-9]*) ;;
        *) alive "$name" "$pid" && return 0 ;;
        esac
    fi
    for pid in $(pgrep -x "$name" 2>/dev/null); do
        alive "$name" "$pid" && return 0
    done
    return 1
}

command -v virsh >/dev/null 2>&1 || {
    say "virsh not found (install libvirt-clients)"
    exit 1
}

# Without udev, /dev/kvm stays root-only (0600). libvirtd probes qemu's
# capabilities as root and sees KVM, then checks /dev/kvm as the qemu user
# and does not: it judges its cache stale and probes again on every lookup,
# which makes each define or start take 30 s or more. Do what udev's rule
# does on an ordinary Debian system; TCG guests are unaffected.
if [ "$(id -u)" -eq 0 ] && [ -c /dev/kvm ] && getent group kvm >/dev/null 2>&1 &&
    [ "$(stat -c %G:%a /dev/kvm)" != kvm:660 ] && ! pgrep -x systemd-udevd >/dev/null 2>&1 &&
    ! pgrep -x udevd >/dev/null 2>&1; then
    if ! { chgrp kvm /dev/kvm && chmod 0660 /dev/kvm; }; then
        say "warning: cannot give group kvm access to /dev/kvm; libvirtd will be slow"
    fi
fi

answers && exit 0

if [ "$(id -u)" -ne 0 ]; then
    say "$URI does not answer and only root can start libvirtd"
    exit 1
fi

for d in virtlogd libvirtd; do
    if ! command -v "$d" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$d" ]; then
        say "$d not found (install libvirt-daemon-system)"
        exit 1
    fi
done
PATH=$PATH:/usr/sbin:/sbin

mkdir -p /run/libvirt /run/lock || {
    say "cannot create /run/libvirt"
    exit 1
}

# Tests run in parallel: serialise the check-then-start so two callers do not
# both start a daemon (the loser would fail on the locked pidfile and leave a
# confusing message).
exec 9>/run/lock/kvmdeck-start-libvirtd.lock
flock -w "$WAIT_SECONDS" 9 || {
    say "timed out waiting for another caller to start libvirtd"
    exit 1
}

# The daemons are started with fd 9 closed: they would inherit the lock
# and hold it for as long as they run.
#
# virtlogd first: libvirtd hands every guest's console and log to it, and a
# guest start fails if it is missing.
if ! running virtlogd; then
    virtlogd -d 9>&- || {
        say "virtlogd -d failed (exit $?)"
        exit 1
    }
fi
if ! running libvirtd; then
    libvirtd -d 9>&- || {
        say "libvirtd -d failed (exit $?)"
        exit 1
    }
fi

# Poll in steps of 0.2 s, counting steps rather than reading a clock.
tries=$((WAIT_SECONDS * 5))
while [ "$tries" -gt 0 ]; do
    answers && exit 0
    sleep 0.2
    tries=$((tries - 1))
done

say "libvirtd did not answer on $URI within ${WAIT_SECONDS}s"
virsh -c "$URI" uri 2>&1 | sed 's/^/start-libvirtd: virsh: /' >&2
exit 1
