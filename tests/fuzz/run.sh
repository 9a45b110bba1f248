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
. "$KD_LIBDIR/fuzz.sh"

seconds=$(kd_fuzz_seconds KD_FUZZ_SECONDS 30) || exit 1
fb_seconds=$(kd_fuzz_seconds KD_FUZZ_FB_SECONDS 30) || exit 1
kd_fuzz_setup
vterm_flags=$(pkg-config --cflags --libs vterm 2>/dev/null) ||
    kd_skip "libvterm's pkg-config file is missing (Debian package libvterm-dev)"

src=$top_srcdir/src
# shellcheck disable=SC2086 # vterm_flags is a list of flags
kd_fuzz_build "terminal emulator" "$KD_TMPDIR/fuzz_vt" "$top_srcdir/tests/fuzz/fuzz_vt.c" \
    "$src/console/vt.c" "$src/console/filter.c" "$src/console/scrollback.c" \
    "$src/core/err.c" "$src/core/str.c" $vterm_flags
kd_fuzz_run "terminal emulator" "$KD_TMPDIR/fuzz_vt" "$seconds" \
    "$top_srcdir/tests/fuzz/corpus_vt" "${KD_FUZZ_KEEP:-$KD_TMPDIR/work}"

# ---- the VNC framebuffer renderer -------------------------------------------------------
kd_fuzz_build "framebuffer" "$KD_TMPDIR/fuzz_fb" "$top_srcdir/tests/fuzz/fuzz_fb.c" \
    "$src/console/fb.c" "$src/console/fb_pixel.c" "$src/console/fb_img.c" \
    "$src/console/fb_out.c" "$src/core/err.c" "$src/core/str.c"
fb_work=${KD_FUZZ_KEEP:+$KD_FUZZ_KEEP/fb}
kd_fuzz_run "framebuffer" "$KD_TMPDIR/fuzz_fb" "$fb_seconds" \
    "$top_srcdir/tests/fuzz/corpus_fb" "${fb_work:-$KD_TMPDIR/work_fb}"
kd_pass
