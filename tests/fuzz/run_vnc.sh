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
. "$KD_LIBDIR/fuzz.sh"

seconds=$(kd_fuzz_seconds KD_FUZZ_VNC_SECONDS 20) || exit 1
kd_fuzz_setup
vnc_flags=$(pkg-config --cflags --libs libvncclient 2>/dev/null) ||
    kd_skip "libvncclient's pkg-config file is missing (Debian package libvncserver-dev)"

src=$top_srcdir/src
# shellcheck disable=SC2086 # vnc_flags is a list of flags
kd_fuzz_build "RFB client" "$KD_TMPDIR/fuzz_vnc" "$top_srcdir/tests/fuzz/fuzz_vnc.c" \
    "$src/console/vnc.c" "$src/core/err.c" "$src/core/str.c" $vnc_flags
work=${KD_FUZZ_KEEP:+$KD_FUZZ_KEEP/vnc}
kd_fuzz_run "RFB client" "$KD_TMPDIR/fuzz_vnc" "$seconds" \
    "$top_srcdir/tests/fuzz/corpus_vnc" "${work:-$KD_TMPDIR/work}"
kd_pass
