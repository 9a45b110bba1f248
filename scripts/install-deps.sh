#!/bin/sh
# Install every Debian package kvmdeck needs to build, run and test.
# Safe to run again: packages already present are left alone.
set -eu

PKGS="build-essential autoconf automake libtool pkg-config
libncurses-dev ncurses-term libvirt-dev libvncserver-dev zlib1g-dev libsqlite3-dev
libxml2-dev libvterm-dev libcmocka-dev
libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils
dnsmasq-base busybox-static cpio gzip seabios tmux
clang libclang-rt-14-dev python3 valgrind libcaca-dev
osinfo-db"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "kvmdeck: missing packages:$missing" >&2
    echo "kvmdeck: run this script as root, or: sudo apt-get install$missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Services are started by scripts/start-libvirtd.sh, not by package scripts.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
