#!/bin/bash
# Helpers for the libFuzzer scripts in tests/fuzz: the compiler checked, the time given
# checked, and a target run from its seed corpus with any crash reported. Sourced after
# common.sh.
#
# Environment read (optional):
#   CC_FUZZ       the compiler (default clang)
#   KD_FUZZ_KEEP  a directory to keep the grown corpora and any crash input in

# kd_fuzz_seconds NAME DEFAULT: print the value of the variable NAME (DEFAULT when unset),
# failing on anything but a whole number of seconds.
kd_fuzz_seconds() {
    local v=${!1:-$2}
    case $v in
    '' | *[!0-9]*) kd_fail "$1 must be a whole number of seconds, not '$v'" ;;
    esac
    echo "$v"
}

# kd_fuzz_setup: skip unless the compiler (in $cc afterwards) links libFuzzer with the
# sanitizers.
kd_fuzz_setup() {
    cc=${CC_FUZZ:-clang}
    command -v "$cc" >/dev/null 2>&1 || kd_skip "$cc is not installed (Debian package clang)"
    command -v pkg-config >/dev/null 2>&1 || kd_skip "pkg-config is not installed"
    # libFuzzer's runtime is its own package: probe for it before building for real.
    local probe=$KD_TMPDIR/probe
    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' \
        >"$probe.c"
    if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2>"$probe.err"; then
        sed 's/^/# /' "$probe.err" >&2
        kd_skip "$cc cannot link libFuzzer (Debian package libclang-rt-14-dev)"
    fi
}

# kd_fuzz_build WHAT OUTPUT SOURCE... [FLAGS...]: build a target with the sanitizers.
kd_fuzz_build() {
    local what=$1 out=$2
    shift 2
    "$cc" -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=all -fno-omit-frame-pointer -I"$top_srcdir/src" \
        "$@" -o "$out" 2>"$out.err" || {
        cat "$out.err" >&2
        kd_fail "building the $what fuzz target failed"
    }
    kd_ok "$what fuzz target built with $cc"
}

# kd_fuzz_run WHAT TARGET SECONDS SEEDS WORK: fuzz for SECONDS from the seed corpus SEEDS,
# new inputs and crashes under WORK (libFuzzer writes into its first corpus directory: the
# seeds stay clean); fail on a crash or when nothing ran.
kd_fuzz_run() {
    local what=$1 target=$2 seconds=$3 seeds=$4 work=$5 status=0 f runs
    mkdir -p "$work/corpus" "$work/crashes"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    local log=$work/fuzz.log
    "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -error_exitcode=1 \
        -artifact_prefix="$work/crashes/" \
        "$work/corpus" "$seeds" >"$log" 2>&1 || status=$?
    grep -E '^(stat::|Done|#[0-9]+ +DONE)' "$log" | sed 's/^/# /'
    if [ "$status" -ne 0 ] || ls "$work/crashes/"* >/dev/null 2>&1; then
        tail -n 60 "$log" >&2
        for f in "$work/crashes/"*; do
            [ -e "$f" ] && printf '# crash input: %s (%s bytes)\n' "$f" "$(wc -c <"$f")" >&2
        done
        [ -z "${KD_FUZZ_KEEP:-}" ] && echo "# set KD_FUZZ_KEEP=DIR to keep the crash input" >&2
        kd_fail "the $what fuzzer found a problem (exit $status)"
    fi
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{ s += $2 } END { print s + 0 }')
    [ "$runs" -gt 0 ] || kd_fail "the $what fuzzer ran no input"
    kd_ok "$what fuzzed for ${seconds}s: $runs inputs, no crash"
}
