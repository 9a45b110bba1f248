#!/bin/bash
# The VNC framebuffer renderer against a libcaca viewer in the same run: instructions per
# frame (callgrind), frames per second (wall clock) and bytes per frame, for a generated
# 1024x768 frame (a desktop: text on white, gradients, a task bar) into a 160x48 pane.
# Prints one line per figure, as bench/run.sh does (bench/README.md says what each means).
#
#   bench/vnc.sh
#
# Built here with -O2 and no sanitizers, straight from the sources it needs (the renderer
# has no dependency beyond src/core), into a temporary directory. Needs valgrind and
# libcaca (Debian's libcaca-dev) for the peer; without them those figures are skipped.
# Environment:
#   KD_BENCH_FRAMES     frames per phase for the wall-clock figures (default 500)
#   KD_BENCH_CG_FRAMES  frames per phase under callgrind (default 20; the peer runs 5)
#   KD_BENCH_STRICT     non-empty: exit 1 when a figure misses its target
#   KD_BENCH_KEEP       non-empty: keep the work directory (binaries, frame, dumps)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
frames=${KD_BENCH_FRAMES:-500}
cg_frames=${KD_BENCH_CG_FRAMES:-20}
peer_cg_frames=5
cc=${CC:-cc}
src=$top/src

work=$(mktemp -d "${TMPDIR:-/tmp}/kvmdeck-vnc-bench.XXXXXX")
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    if [ -n "${KD_BENCH_KEEP:-}" ]; then
        echo "bench: work directory kept: $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

calc() { awk "BEGIN { printf \"%s\", $1 }" </dev/null; }
verdict() { if [ "$(calc "($1)")" = 1 ]; then echo PASS; else echo FAIL; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' </dev/null; }
mega() { awk -v n="$1" 'BEGIN { printf "%.2fM", n / 1e6 }' </dev/null; }
# field LINE KEY: the value of KEY=value in LINE
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
# dump_total PREFIX NAME: instructions of the callgrind dump NAME among PREFIX.*
dump_total() {
    local f
    for f in "$1".*; do
        if grep -q "^desc: Trigger: Client Request: $2\$" "$f"; then
            awk '/^totals:/ { print $2 }' "$f"
            return
        fi
    done
    echo 0
}

# ---- build ------------------------------------------------------------------------------
flags="-O2 -g -std=gnu11 -D_GNU_SOURCE"
# shellcheck disable=SC2086 # flags is a list
"$cc" $flags -I"$src" -o "$work/bench_fb" "$top/bench/bench_fb.c" "$src/console/fb.c" \
    "$src/console/fb_pixel.c" "$src/console/fb_img.c" "$src/console/fb_out.c" \
    "$src/core/str.c" "$src/core/err.c" \
    2>"$work/build.log" || {
    cat "$work/build.log" >&2
    exit 1
}
peer=yes
caca_flags=$(pkg-config --cflags --libs caca 2>/dev/null) || peer=no
if [ $peer = yes ]; then
    # shellcheck disable=SC2086
    "$cc" $flags -o "$work/peer_caca" "$top/bench/peer_caca.c" $caca_flags \
        2>>"$work/build.log" || peer=no
fi
[ $peer = yes ] || echo "bench: libcaca is missing (Debian package libcaca-dev): no peer" >&2
have_valgrind=yes
command -v valgrind >/dev/null || have_valgrind=no

"$work/bench_fb" gen "$work/frame.raw"
echo "vnc.setup frame=1024x768 pane=160x48 cc=$cc flags=\"$flags\" peer=libcaca" \
    "peer_call=caca_dither_bitmap+caca_export_canvas_to_memory(utf8)"

# ---- wall clock and bytes ---------------------------------------------------------------
declare -A full partial
for mode in true 256 16; do
    "$work/bench_fb" run "$work/frame.raw" $mode "$frames" >"$work/native-$mode.txt"
    full[$mode]=$(grep "^fb.$mode.full " "$work/native-$mode.txt")
    partial[$mode]=$(grep "^fb.$mode.partial " "$work/native-$mode.txt")
done
peer_line=""
if [ $peer = yes ]; then
    peer_line=$("$work/peer_caca" "$work/frame.raw" utf8 $((frames / 5 + 1)))
    peer_ansi=$("$work/peer_caca" "$work/frame.raw" ansi $((frames / 5 + 1)))
fi
for mode in true 256 16; do
    ns=$(field "${full[$mode]}" ns_per_frame)
    fps=$(calc "1e9 / $ns")
    line="vnc.frame.fps colors=$mode frames=$frames fps=$(printf '%.0f' "$fps")"
    if [ -n "$peer_line" ]; then
        pfps=$(calc "1e9 / $(field "$peer_line" ns_per_frame)")
        line+=" peer_fps=$(printf '%.0f' "$pfps") ratio=$(ratio "$fps" "$pfps")"
    fi
    echo "$line target>=500 $(verdict "$fps >= 500")"
done
peer_bytes=""
if [ -n "$peer_line" ]; then
    peer_bytes="peer_utf8_full=$(field "$peer_line" bytes) peer_ansi_full=$(field "$peer_ansi" bytes)"
fi
for mode in true 256 16; do
    echo "vnc.frame.bytes colors=$mode full=$(field "${full[$mode]}" bytes)" \
        "full_cells=$(field "${full[$mode]}" cells)" \
        "partial_1pct=$(field "${partial[$mode]}" bytes)" \
        "partial_cells=$(field "${partial[$mode]}" cells)" \
        "partial_us=$(calc "$(field "${partial[$mode]}" ns_per_frame) / 1000")" \
        "$peer_bytes"
done

# The graphics protocols, for terminals that have one: informative.
"$work/bench_fb" img "$work/frame.raw" 10 | while read -r name rest; do
    echo "vnc.image.${name#img.} $rest (sixel: 1024x768 pixels; kitty: 160x48 cells)"
done

# ---- instructions -----------------------------------------------------------------------
if [ $have_valgrind = no ]; then
    echo "vnc.frame.instructions SKIP valgrind is not installed"
else
    peer_ir=0
    if [ $peer = yes ]; then
        valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.peer" \
            --log-file="$work/cg.peer.log" "$work/peer_caca" "$work/frame.raw" utf8 \
            $peer_cg_frames >/dev/null
        peer_ir=$(($(dump_total "$work/cg.peer" caca.utf8.full) / peer_cg_frames))
    fi
    for mode in true 256 16; do
        valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.$mode" \
            --log-file="$work/cg.$mode.log" "$work/bench_fb" run "$work/frame.raw" $mode \
            "$cg_frames" >/dev/null
        ir=$(($(dump_total "$work/cg.$mode" "fb.$mode.full") / cg_frames))
        pir=$(($(dump_total "$work/cg.$mode" "fb.$mode.partial") / cg_frames))
        fir=$(($(dump_total "$work/cg.$mode" "fb.$mode.first") / cg_frames))
        line="vnc.frame.instructions colors=$mode full=$(mega "$ir") first=$(mega "$fir")"
        line+=" partial_1pct=$(mega "$pir")"
        if [ "$peer_ir" -gt 0 ]; then
            echo "$line peer=$(mega "$peer_ir") ratio=$(ratio "$ir" "$peer_ir")" \
                "first_ratio=$(ratio "$fir" "$peer_ir") target<0.5" \
                "$(verdict "$ir / $peer_ir < 0.5 && $fir / $peer_ir < 0.5")"
        else
            echo "$line (no peer)"
        fi
    done
fi
