#!/bin/bash
# Fuzz the RFB client (src/console/vnc.c over libvncclient) for a bounded time: a server
# that says anything after a valid handshake. Built with clang (AddressSanitizer, UBSan)
# from tests/fuzz/fuzz_vnc.c, run from the seed corpus tests/fuzz/corpus_vnc; fails on a
# crash, a leak, damage outside the framebuffer or a connection that never ends.
# libvncclient itself is the system's, not instrumented: the fuzzer steers by kvmdeck's
# own code and the seeds' message types.
#
# Environment read (optional):
#   KD_FUZZ_VNC_SECONDS  how long to fuzz (default 20)
#   CC_FUZZ              the compiler (default clang)
#   KD_FUZZ_KEEP         a directory to keep the grown corpus and any crash input in (its
#                        vnc/ subdirectory)
. "$(dirname "$0")/../lib/common.sh"

seconds=${KD_FUZZ_VNC_SECONDS:-20}
case $seconds in
'' | *[!0-9]*) kd_fail "KD_FUZZ_VNC_SECONDS must be a whole number of seconds, not '$seconds'" ;;
esac
cc=${CC_FUZZ:-clang}

command -v "$cc" >/dev/null 2>&1 || kd_skip "$cc is not installed (Debian package clang)"
command -v pkg-config >/dev/null 2>&1 || kd_skip "pkg-config is not installed"
vnc_flags=$(pkg-config --cflags --libs libvncclient 2>/dev/null) ||
    kd_skip "libvncclient's pkg-config file is missing (Debian package libvncserver-dev)"

probe=$KD_TMPDIR/probe
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' \
    >"$probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2>"$probe.err"; then
    sed 's/^/# /' "$probe.err" >&2
    kd_skip "$cc cannot link libFuzzer (Debian package libclang-rt-14-dev)"
fi

src=$top_srcdir/src
target=$KD_TMPDIR/fuzz_vnc
# shellcheck disable=SC2086 # vnc_flags is a list of flags
"$cc" -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=all -fno-omit-frame-pointer -I"$src" \
    "$top_srcdir/tests/fuzz/fuzz_vnc.c" "$src/console/vnc.c" \
    "$src/core/err.c" "$src/core/str.c" \
    $vnc_flags -o "$target" 2>"$KD_TMPDIR/build.err" || {
    cat "$KD_TMPDIR/build.err" >&2
    kd_fail "building the RFB client fuzz target failed"
}
kd_ok "RFB client fuzz target built with $cc"

work=${KD_FUZZ_KEEP:+$KD_FUZZ_KEEP/vnc}
work=${work:-$KD_TMPDIR/work}
mkdir -p "$work/corpus" "$work/crashes"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log=$work/fuzz.log
status=0
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -error_exitcode=1 \
    -artifact_prefix="$work/crashes/" \
    "$work/corpus" "$top_srcdir/tests/fuzz/corpus_vnc" >"$log" 2>&1 || status=$?

grep -E '^(stat::|Done|#[0-9]+ +DONE)' "$log" | sed 's/^/# /'
if [ "$status" -ne 0 ] || ls "$work/crashes/"* >/dev/null 2>&1; then
    tail -n 60 "$log" >&2
    for f in "$work/crashes/"*; do
        [ -e "$f" ] && printf '# crash input: %s (%s bytes)\n' "$f" "$(wc -c <"$f")" >&2
    done
    [ -z "${KD_FUZZ_KEEP:-}" ] && echo "# set KD_FUZZ_KEEP=DIR to keep the crash input" >&2
    kd_fail "the RFB client fuzzer found a problem (exit $status)"
fi
runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{ s += $2 } END { print s + 0 }')
[ "$runs" -gt 0 ] || kd_fail "the RFB client fuzzer ran no input"
kd_ok "RFB client fuzzed for ${seconds}s: $runs inputs, no crash"
kd_pass
