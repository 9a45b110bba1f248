# shellcheck shell=bash
# Shared by every shell test: results, paths, a private temporary directory
# and clean-up at exit.
#
# Source it first:   . "$(dirname "$0")/../lib/common.sh"
#
# Exit codes follow the automake test protocol: 0 pass, 1 fail, 77 skip.
#
# Environment read (all optional):
#   top_srcdir    source tree root        (default: two levels above this file)
#   top_builddir  build tree root         (default: top_srcdir)
#   KVMDECK       the binary under test   (default: $top_builddir/kvmdeck)
#   CI            "true" turns every skip into a failure
#   KD_TIMEOUT_FACTOR  integer multiplier for every wait (slow runners,
#                 sanitizer builds); default 1
#   KD_KEEP_TMPDIR  non-empty: keep $KD_TMPDIR after the test, for debugging
#   TMPDIR        where $KD_TMPDIR is created (default /tmp)

# Sourcing twice would stack a second EXIT trap runner.
if [ -n "${KD_COMMON_LOADED:-}" ]; then
    return 0
fi
KD_COMMON_LOADED=1

KD_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || {
    echo "FAIL: cannot locate tests/lib" >&2
    exit 1
}

# automake exports these relative to the directory the test runs in; make
# them absolute so that tests may cd freely.
top_srcdir=$(cd "${top_srcdir:-$KD_LIBDIR/../..}" && pwd) || {
    echo "FAIL: top_srcdir (${top_srcdir:-}) is not a directory" >&2
    exit 1
}
top_builddir=$(cd "${top_builddir:-$top_srcdir}" && pwd) || {
    echo "FAIL: top_builddir (${top_builddir:-}) is not a directory" >&2
    exit 1
}
if [ -z "${KVMDECK:-}" ]; then
    KVMDECK=$top_builddir/kvmdeck
    # The program may be built in src/ rather than at the top.
    if [ ! -e "$KVMDECK" ] && [ -e "$top_builddir/src/kvmdeck" ]; then
        KVMDECK=$top_builddir/src/kvmdeck
    fi
fi
case $KVMDECK in
/*) ;;
*) KVMDECK=$PWD/$KVMDECK ;;
esac
export top_srcdir top_builddir KVMDECK

# No leading zero: bash arithmetic would read it as octal.
case ${KD_TIMEOUT_FACTOR:-1} in
[1-9] | [1-9][0-9]) ;;
*)
    echo "FAIL: KD_TIMEOUT_FACTOR must be an integer from 1 to 99" >&2
    exit 1
    ;;
esac
KD_TIMEOUT_FACTOR=${KD_TIMEOUT_FACTOR:-1}

KD_TEST_NAME=$(basename "$0" .sh)

# ---------------------------------------------------------------------------
# Results

# kd_ok MSG: report one passed check.
kd_ok() {
    printf 'ok - %s\n' "$*"
}

# kd_pass [MSG]: same as kd_ok, for the final line of a test.
kd_pass() {
    kd_ok "${*:-$KD_TEST_NAME}"
}

# kd_fail MSG: report a failure and end the test (clean-ups still run).
kd_fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

# kd_skip REASON: the test cannot run here; exit 77. Under CI=true nothing
# may skip, so this is a failure there.
kd_skip() {
    if [ "${CI:-}" = true ]; then
        printf 'FAIL: would skip, but CI=true: %s\n' "$*" >&2
        exit 1
    fi
    printf 'SKIP: %s\n' "$*" >&2
    exit 77
}

# kd_assert_contains HAYSTACK NEEDLE DESC: NEEDLE must occur in HAYSTACK as
# a fixed string.
kd_assert_contains() {
    [ $# -eq 3 ] || kd_fail "kd_assert_contains: need HAYSTACK NEEDLE DESC"
    case $1 in
    *"$2"*) kd_ok "$3" ;;
    *)
        printf '%s\n' "--- text searched:" "$1" "--- end" >&2
        kd_fail "$3: '$2' not found"
        ;;
    esac
}

# kd_assert_eq EXPECTED ACTUAL DESC
kd_assert_eq() {
    [ $# -eq 3 ] || kd_fail "kd_assert_eq: need EXPECTED ACTUAL DESC"
    if [ "$1" = "$2" ]; then
        kd_ok "$3"
    else
        kd_fail "$3: expected '$1', got '$2'"
    fi
}

# kd_timeout SECONDS: print SECONDS scaled by KD_TIMEOUT_FACTOR.
kd_timeout() {
    echo $(($1 * KD_TIMEOUT_FACTOR))
}

# kd_now_us: microseconds since the epoch, without forking date(1).
kd_now_us() {
    local t=$EPOCHREALTIME
    echo "${t//[!0-9]/}"
}

# ---------------------------------------------------------------------------
# Clean-up stack
#
# Handlers run in reverse order of registration, in this shell (so they see
# the test's variables), with errors kept from stopping the others. A handler
# that returns non-zero turns a passing test into a failure: that is how a
# leftover guest or a sanitizer report is reported. Handlers must report by
# returning, never by calling kd_fail or exit, which would end the clean-up
# early and skip the handlers still on the stack.
#
# KD_EXIT_STATUS holds the status the test is exiting with, for handlers
# that act differently on failure.

KD_AT_EXIT=()

# kd_at_exit CMD...: run CMD (one shell word list, eval'd) at exit.
kd_at_exit() {
    KD_AT_EXIT+=("$*")
}

_kd_run_at_exit() {
    KD_EXIT_STATUS=$1
    local i
    # An unset variable in one handler must not abort the ones after it.
    set +u
    # A second Ctrl+C must not interrupt the removal of guests; children
    # inherit the ignored signals, so virsh runs to completion too.
    trap '' INT TERM HUP
    for ((i = ${#KD_AT_EXIT[@]} - 1; i >= 0; i--)); do
        if ! eval "${KD_AT_EXIT[i]}"; then
            printf 'FAIL: at exit: %s\n' "${KD_AT_EXIT[i]}" >&2
            if [ "$KD_EXIT_STATUS" -eq 0 ] || [ "$KD_EXIT_STATUS" -eq 77 ]; then
                KD_EXIT_STATUS=1
            fi
        fi
    done
    trap - EXIT
    exit "$KD_EXIT_STATUS"
}

trap '_kd_run_at_exit $?' EXIT
# Without these, a signal would kill bash without running the EXIT trap.
trap 'echo "FAIL: interrupted (SIGINT)" >&2; exit 130' INT
trap 'echo "FAIL: terminated (SIGTERM)" >&2; exit 143' TERM
trap 'echo "FAIL: hung up (SIGHUP)" >&2; exit 129' HUP

# ---------------------------------------------------------------------------
# Temporary directory

KD_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/kd-$KD_TEST_NAME.XXXXXX") || {
    echo "FAIL: mktemp -d failed" >&2
    exit 1
}
export KD_TMPDIR

_kd_rm_tmpdir() {
    if [ -n "${KD_KEEP_TMPDIR:-}" ]; then
        echo "# kept $KD_TMPDIR" >&2
        return 0
    fi
    rm -rf "$KD_TMPDIR"
}
# Registered first so that it runs last, after handlers that read files in it.
kd_at_exit _kd_rm_tmpdir
