#!/bin/bash
# Text recognition on VNC screens: cost and accuracy.
#
#   bench/text.sh [BUILD_DIR]      measure (default build dir: build/bench, made as run.sh does)
#   bench/text.sh record [OUTDIR]  boot the tiny guest and record its VGA screen as PPM
#                                  frames (default tests/fixtures/screens), with the serial
#                                  log beside them for checking the expected text
#
# Measuring prints one line per figure:
#   text.cost.instructions case=CASE instructions=N   (callgrind, per call)
#   text.cost.time case=CASE us=N                     (native, per call)
# CASE: full (a whole 720x400 text frame read again), line (one text row's damage), detect
# (a new recogniser: the grid found, then the frame read), picture (a new full-screen
# picture every call, starting from the text screen), picture_update (a full-screen change
# every call on a screen already declared a picture: what video costs), picture_small (1% of
# a picture changed per call), picture_tiles (picture_update sent as 64x64 rectangles, as VNC
# encodings send it). The pictures are made before the measurement.
#   text.accuracy frame=NAME cells=N exact=N share=P             (recorded frames)
# Needs valgrind for the instruction counts (skipped without it).
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)

# --- Recording ---------------------------------------------------------------------------

# Type TEXT on the guest's VGA console (tty1) with virsh send-key, one key at a time.
type_text() {
    local dom=$1 text=$2 i c key
    for ((i = 0; i < ${#text}; i++)); do
        c=${text:i:1}
        case $c in
        [a-z]) key="KEY_${c^^}" ;;
        [A-Z]) key="KEY_LEFTSHIFT KEY_$c" ;;
        [0-9]) key="KEY_$c" ;;
        ' ') key=KEY_SPACE ;;
        '-') key=KEY_MINUS ;;
        '/') key=KEY_SLASH ;;
        '.') key=KEY_DOT ;;
        '=') key=KEY_EQUAL ;;
        $'\n') key=KEY_ENTER ;;
        *) continue ;;
        esac
        # shellcheck disable=SC2086 # several keys pressed together
        virsh -q -c qemu:///system send-key "$dom" $key >/dev/null || return 1
    done
}

# PNG (what libvirt 9 and QEMU 7.2 write) to binary PPM: 8-bit RGB or RGBA, not interlaced.
png_to_ppm() {
    python3 - "$1" "$2" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    open(sys.argv[2], "wb").write(data)  # already a PPM
    sys.exit(0)
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, lace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
if depth != 8 or ctype not in (2, 6) or lace:
    sys.exit("unsupported PNG: depth %d colour type %d interlace %d" % (depth, ctype, lace))
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, out = bytearray(stride), bytearray()
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    out += line if bpp == 3 else bytes(v for i, v in enumerate(line) if i % 4 != 3)
open(sys.argv[2], "wb").write(b"P6\n%d %d\n255\n" % (w, h) + bytes(out))
PY
}

# Record the guest's screen as OUT (a gzip'd binary PPM, OUT ends in .ppm.gz).
shot() {
    local dom=$1 out=$2 tmp
    tmp=$KD_TMPDIR/shot.img
    virsh -q -c qemu:///system screenshot "$dom" "$tmp" >/dev/null ||
        kd_fail "virsh screenshot $dom failed"
    png_to_ppm "$tmp" "$KD_TMPDIR/shot.ppm" || kd_fail "cannot convert $tmp to PPM"
    gzip -9n <"$KD_TMPDIR/shot.ppm" >"$out" || kd_fail "cannot write $out"
    echo "# recorded $out" >&2
}

record() {
    local out=${1:-$srcdir/tests/fixtures/screens}
    # shellcheck source=../tests/lib/common.sh
    . "$srcdir/tests/lib/common.sh"
    # shellcheck source=../tests/lib/vm.sh
    . "$KD_LIBDIR/vm.sh"
    kd_vm_require
    kd_vm_build_guest
    mkdir -p "$out" || kd_fail "cannot create $out"
    local name log
    name=$(kd_vm_name text)
    kd_vm_define "$name" start
    log=$(kd_vm_serial_log "$name")
    kd_vm_wait_serial "$name" "Freeing unused kernel" 120
    shot "$name" "$out/boot.ppm.gz"
    kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER" 120
    sleep 3
    shot "$name" "$out/shell.ppm.gz"
    type_text "$name" $'echo Hello VGA 0123456789 vmwM\n'
    type_text "$name" $'ls -1 /\n'
    sleep 3
    shot "$name" "$out/typed.ppm.gz"
    tr -d '\r' <"$log" >"$out/serial.log"
    kd_ok "frames recorded in $out"
}

# --- Measuring ---------------------------------------------------------------------------

measure() {
    local build=${1:-$srcdir/build/bench}
    if [ ! -f "$build/Makefile" ]; then
        mkdir -p "$build" && (cd "$build" && "$srcdir/configure" >/dev/null) || {
            echo "text.sh: cannot configure $build" >&2
            exit 1
        }
    fi
    make -s -C "$build" -j2 libkvmdeck.a >/dev/null 2>&1 || {
        echo "text.sh: cannot build $build/libkvmdeck.a" >&2
        exit 1
    }
    make -s -C "$build" -f Makefile -f "$srcdir/bench/bench.mk" \
        -f "$srcdir/bench/text.mk" bench/bench_text >/dev/null || exit 1
    grep -q -- '-fsanitize' "$build/Makefile" &&
        echo "# note: $build is a sanitizer build; figures are inflated"
    local prog=$build/bench/bench_text fonts=${KD_BENCH_FONTS:-/usr/share/seabios}
    local frames=$srcdir/tests/fixtures/screens
    # The densest recorded screen: 25 full lines of boot messages.
    local frame=$frames/boot.ppm.gz
    "$prog" time "$fonts" "$frame" || exit 1
    if command -v valgrind >/dev/null 2>&1; then
        local tmp
        tmp=$(mktemp -d) || exit 1
        for c in full line detect picture picture_update picture_small picture_tiles; do
            valgrind --tool=callgrind --instr-atstart=no \
                --callgrind-out-file="$tmp/cg.$c" "$prog" "callgrind-$c" "$fonts" "$frame" \
                >"$tmp/out.$c" 2>"$tmp/err.$c" || {
                cat "$tmp/err.$c" >&2
                exit 1
            }
            local total calls
            # With --instr-atstart=no the summary line may read 0: the totals line counts.
            total=$(awk '/^(summary|totals):/ { if ($2 > m) m = $2 } END { print m + 0 }' \
                "$tmp/cg.$c")
            calls=$(sed -n 's/^calls=//p' "$tmp/out.$c")
            echo "text.cost.instructions case=$c instructions=$((total / calls)) calls=$calls"
        done
        rm -rf "$tmp"
    else
        echo "# valgrind not installed: no instruction counts"
    fi
    local f
    for f in "$frames"/*.ppm.gz; do
        "$prog" accuracy "$fonts" "$f" "${f%.ppm.gz}.txt" || exit 1
    done
}

case ${1:-} in
record)
    shift
    record "$@"
    ;;
*) measure "$@" ;;
esac
