#!/bin/bash
# Fuzz the serial console's terminal emulator, then the VNC framebuffer renderer, each for
# a bounded time: build each libFuzzer target with clang (AddressSanitizer and UBSan), run
# it from its seed corpus (tests/fuzz/corpus_vt, corpus_fb), and fail on any crash, leak or
# broken invariant.
#
# Environment read (optional):
#   KD_FUZZ_SECONDS     how long to fuzz the terminal emulator (default 30)
#   KD_FUZZ_FB_SECONDS  how long to fuzz the framebuffer renderer (default 30)
#   CC_FUZZ             the compiler (default clang)
#   KD_FUZZ_KEEP        a directory to keep the grown corpora and any crash input in
#                       (the framebuffer fuzzer's in its fb/ subdirectory)
. "$(dirname "$0")/../lib/common.sh"

seconds=${KD_FUZZ_SECONDS:-30}
case $seconds in
'' | *[!0-9]*) kd_fail "KD_FUZZ_SECONDS must be a whole number of seconds, not '$seconds'" ;;
esac
fb_seconds=${KD_FUZZ_FB_SECONDS:-30}
case $fb_seconds in
'' | *[!0-9]*) kd_fail "KD_FUZZ_FB_SECONDS must be a whole number of seconds, not '$fb_seconds'" ;;
esac
cc=${CC_FUZZ:-clang}

command -v "$cc" >/dev/null 2>&1 || kd_skip "$cc is not installed (Debian package clang)"
command -v pkg-config >/dev/null 2>&1 || kd_skip "pkg-config is not installed"
vterm_flags=$(pkg-config --cflags --libs vterm 2>/dev/null) ||
    kd_skip "libvterm's pkg-config file is missing (Debian package libvterm-dev)"

# libFuzzer's runtime is its own package: probe for it before building for real.
probe=$KD_TMPDIR/probe
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' \
    >"$probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2>"$probe.err"; then
    sed 's/^/# /' "$probe.err" >&2
    kd_skip "$cc cannot link libFuzzer (Debian package libclang-rt-14-dev)"
fi

src=$top_srcdir/src
target=$KD_TMPDIR/fuzz_vt
# shellcheck disable=SC2086 # vterm_flags is a list of flags
"$cc" -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=all -fno-omit-frame-pointer -I"$src" \
    "$top_srcdir/tests/fuzz/fuzz_vt.c" \
    "$src/console/vt.c" "$src/console/filter.c" "$src/console/scrollback.c" \
    "$src/core/err.c" "$src/core/str.c" \
    $vterm_flags -o "$target" 2>"$KD_TMPDIR/build.err" || {
    cat "$KD_TMPDIR/build.err" >&2
    kd_fail "building the fuzz target failed"
}
kd_ok "fuzz target built with $cc"

# libFuzzer writes new inputs into the first corpus directory: keep the seeds clean.
work=${KD_FUZZ_KEEP:-$KD_TMPDIR/work}
mkdir -p "$work/corpus" "$work/crashes"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log=$work/fuzz.log
status=0
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -error_exitcode=1 \
    -artifact_prefix="$work/crashes/" \
    "$work/corpus" "$top_srcdir/tests/fuzz/corpus_vt" >"$log" 2>&1 || status=$?

grep -E '^(stat::|Done|#[0-9]+ +DONE)' "$log" | sed 's/^/# /'
if [ "$status" -ne 0 ] || ls "$work/crashes/"* >/dev/null 2>&1; then
    tail -n 60 "$log" >&2
    for f in "$work/crashes/"*; do
        [ -e "$f" ] && printf '# crash input: %s (%s bytes)\n' "$f" "$(wc -c <"$f")" >&2
    done
    [ -z "${KD_FUZZ_KEEP:-}" ] && echo "# set KD_FUZZ_KEEP=DIR to keep the crash input" >&2
    kd_fail "the fuzzer found a problem (exit $status)"
fi
runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{ s += $2 } END { print s + 0 }')
[ "$runs" -gt 0 ] || kd_fail "the fuzzer ran no input"
kd_ok "fuzzed for ${seconds}s: $runs inputs, no crash"

# ---- the VNC framebuffer renderer -------------------------------------------------------
fb_target=$KD_TMPDIR/fuzz_fb
"$cc" -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=all -fno-omit-frame-pointer -I"$src" \
    "$top_srcdir/tests/fuzz/fuzz_fb.c" \
    "$src/console/fb.c" "$src/console/fb_pixel.c" "$src/console/fb_img.c" \
    "$src/console/fb_out.c" \
    "$src/core/err.c" "$src/core/str.c" -o "$fb_target" 2>"$KD_TMPDIR/build_fb.err" || {
    cat "$KD_TMPDIR/build_fb.err" >&2
    kd_fail "building the framebuffer fuzz target failed"
}
kd_ok "framebuffer fuzz target built with $cc"

fb_work=${KD_FUZZ_KEEP:+$KD_FUZZ_KEEP/fb}
fb_work=${fb_work:-$KD_TMPDIR/work_fb}
mkdir -p "$fb_work/corpus" "$fb_work/crashes"
fb_log=$fb_work/fuzz.log
status=0
"$fb_target" -max_total_time="$fb_seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -error_exitcode=1 \
    -artifact_prefix="$fb_work/crashes/" \
    "$fb_work/corpus" "$top_srcdir/tests/fuzz/corpus_fb" >"$fb_log" 2>&1 || status=$?

grep -E '^(stat::|Done|#[0-9]+ +DONE)' "$fb_log" | sed 's/^/# /'
if [ "$status" -ne 0 ] || ls "$fb_work/crashes/"* >/dev/null 2>&1; then
    tail -n 60 "$fb_log" >&2
    for f in "$fb_work/crashes/"*; do
        [ -e "$f" ] && printf '# crash input: %s (%s bytes)\n' "$f" "$(wc -c <"$f")" >&2
    done
    [ -z "${KD_FUZZ_KEEP:-}" ] && echo "# set KD_FUZZ_KEEP=DIR to keep the crash input" >&2
    kd_fail "the framebuffer fuzzer found a problem (exit $status)"
fi
runs=$(grep -E '^stat::number_of_executed_units' "$fb_log" | awk '{ s += $2 } END { print s + 0 }')
[ "$runs" -gt 0 ] || kd_fail "the framebuffer fuzzer ran no input"
kd_ok "framebuffer fuzzed for ${fb_seconds}s: $runs inputs, no crash"
kd_pass
