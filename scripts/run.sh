#!/bin/sh
# Install what is missing, build, install and start kvmdeck on the local hypervisor.
# Arguments are passed to kvmdeck (for example: scripts/run.sh -c test:///default).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

./scripts/install-deps.sh
[ -x configure ] || ./autogen.sh
mkdir -p build/run
cd build/run
[ -f Makefile ] || ../../configure --quiet
make -j"$(nproc)" --quiet

if [ "$(id -u)" -eq 0 ]; then
    make --quiet install
    kvmdeck=kvmdeck
    # A local libvirtd that is installed but not running is started; if that fails,
    # kvmdeck itself explains and offers the demo host.
    "$top/scripts/start-libvirtd.sh" || true
else
    kvmdeck=$PWD/kvmdeck
    KVMDECK_THEMES_DIR=$top/themes
    export KVMDECK_THEMES_DIR
fi
exec "$kvmdeck" "$@"
