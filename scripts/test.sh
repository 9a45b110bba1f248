#!/bin/sh
# Install what is missing, build with warnings as errors, AddressSanitizer and UBSan,
# and run every test: unit, integration, end-to-end in tmux, and real guests. Then
# check that the release tarball builds and passes its own tests.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

./scripts/install-deps.sh
# The tests that boot guests need libvirtd; they say why if it cannot start.
./scripts/start-libvirtd.sh || true
./autogen.sh >/dev/null
rm -rf build/test
mkdir -p build/test
cd build/test
../../configure --quiet --enable-werror --enable-asan
jobs=$(nproc)
make -j"$jobs" --quiet

# show_failures DIR: print the log of every test under DIR that failed, so the output
# says why.
show_failures() {
    find "$1" -name '*.trs' | while read -r trs; do
        if grep -qE '^:test-result: (FAIL|ERROR)' "$trs"; then
            echo "===== ${trs%.trs}.log"
            cat "${trs%.trs}.log"
        fi
    done
}

status=0
make -j"$jobs" check || status=$?
[ "$status" -eq 0 ] || show_failures tests
if [ "$status" -eq 0 ]; then
    make -j"$jobs" distcheck >distcheck.out 2>&1 || {
        tail -n 80 distcheck.out
        # The tarball's own build tree is kept when its tests fail.
        for d in kvmdeck-*/_build; do
            [ -d "$d" ] && show_failures "$d"
        done
        status=1
    }
    grep -E '^=+$|archives ready' distcheck.out | tail -n 1 || true
fi

pass=$(sed -n 's/^# PASS: *//p' test-suite.log)
fail=$(sed -n 's/^# FAIL: *//p' test-suite.log)
error=$(sed -n 's/^# ERROR: *//p' test-suite.log)
skip=$(sed -n 's/^# SKIP: *//p' test-suite.log)
echo "${pass:-0} passed, $((${fail:-0} + ${error:-0})) failed, ${skip:-0} skipped"
exit "$status"
