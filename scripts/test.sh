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

status=0
make -j"$jobs" check || status=$?
if [ "$status" -ne 0 ]; then
    # Show every failing test's log so CI output says why.
    for log in $(find tests -name '*.log' ! -name test-suite.log); do
        if grep -qE '^:test-result: (FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null; then
            echo "===== $log"
            cat "$log"
        fi
    done
fi
if [ "$status" -eq 0 ]; then
    make -j"$jobs" distcheck >distcheck.out 2>&1 || {
        tail -n 80 distcheck.out
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
