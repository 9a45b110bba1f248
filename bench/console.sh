#!/bin/bash
# kvmdeck's serial console against `virsh console` on one real TCG guest, in the same run:
# output throughput, keystroke-to-screen latency, and that no output byte is lost. Prints
# one line per figure, as bench/run.sh does.
#
#   bench/console.sh [KVMDECK]
#
# KVMDECK is the program to measure (default: build/kvmdeck when it exists, else what
# tests/lib/common.sh picks). Needs root, libvirtd, tmux and the guest of tests/lib/vm.sh.
# Environment: KD_BENCH_STRICT non-empty: exit 1 when a figure misses its target.
#
# Both consoles read the guest's emulated 16550 UART, which under TCG moves far fewer
# bytes per second than either terminal path could carry: the throughput figures are
# bounded by the UART, so the ratio shows whether kvmdeck adds a cost on top of it, not
# how fast its own path is.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$top
if [ -n "${1:-}" ]; then
    KVMDECK=$1
elif [ -x "$top/build/kvmdeck" ]; then
    KVMDECK=$top/build/kvmdeck
fi
export top_srcdir KVMDECK

# shellcheck source=SCRIPTDIR/../tests/lib/common.sh
. "$top/tests/lib/common.sh"
# shellcheck source=SCRIPTDIR/../tests/lib/tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=SCRIPTDIR/../tests/lib/vm.sh
. "$KD_LIBDIR/vm.sh"

[ -x "$KVMDECK" ] || kd_fail "$KVMDECK is not an executable"
t_start=$SECONDS
# The payload: what `seq 1 100000` writes (the guest's tty turns each \n into \r\n on
# the way out, which both consoles pay alike).
seq_bytes=588895
lat_samples=20
prompt='kdguest:~#'
kd_s='' virsh_s=''

# ---- helpers ----------------------------------------------------------------------------
calc() { awk "BEGIN { printf \"%s\", $1 }" </dev/null; }
# (parenthesised: a bare > in awk's printf would redirect its output)
verdict() { if [ "$(calc "($1)")" = 1 ]; then echo PASS; else echo FAIL; fi; }
# pct FILE P: the P-th percentile (nearest rank) of the numbers in FILE, one a line
pct() {
    sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 }
        END { r = int(NR * p / 100 + 0.999999); if (r < 1) r = 1; printf "%.1f", v[r] }'
}

show_screen() { _kd_tmux capture-pane -p -t "$KD_TMUX_TARGET" >&2; }

# screen_has_line TEXT: the screen has a line that is exactly TEXT
screen_has_line() {
    _kd_tmux capture-pane -p -t "$KD_TMUX_TARGET" | grep -qxF -- "$1"
}

# x_count: how many x's follow the last shell prompt on the screen
x_count() {
    local line
    line=$(_kd_tmux capture-pane -p -t "$KD_TMUX_TARGET" | grep -F "$prompt" | tail -n 1)
    line=${line#*"$prompt"}
    line=${line//[!x]/}
    echo "${#line}"
}

# wait_prompt: press Enter until a shell prompt with nothing typed after it is shown
# (virsh drops what is typed before it is attached; a shell busy printing is slow)
wait_prompt() {
    local i
    for ((i = 0; i < 20; i++)); do
        kd_tmux_keys Enter
        sleep 0.5
        _kd_tmux capture-pane -p -t "$KD_TMUX_TARGET" | grep -qx "$prompt *" && return 0
    done
    show_screen
    kd_fail "no shell prompt on the console"
}

# throughput OUT_VAR: run seq through the current pane; set OUT_VAR to the seconds taken
# from pressing Enter until the last line is on the screen
throughput() {
    local token t0 t1 deadline
    token=$RANDOM$RANDOM
    wait_prompt
    kd_tmux_literal "seq 1 100000; echo DONE-$token"
    t0=$(kd_now_us)
    kd_tmux_keys Enter
    deadline=$((t0 + $(kd_timeout 60) * 1000000))
    # The command line holds the word too; only a line of its own is the end.
    until screen_has_line "DONE-$token"; do
        if [ "$(kd_now_us)" -ge "$deadline" ]; then
            show_screen
            kd_fail "seq did not finish within 60 s"
        fi
        sleep 0.02
    done
    t1=$(kd_now_us)
    printf -v "$1" '%s' "$(calc "($t1 - $t0) / 1e6")"
}

# latency FILE: type x $lat_samples times, writing each keystroke's delay in ms to FILE.
# The delay is from send-keys returning to capture-pane showing the x: its resolution is
# one capture (a fork of tmux, a few ms), since the loop polls without sleeping.
latency() {
    local i t0 t1 deadline
    : >"$1"
    wait_prompt
    for ((i = 1; i <= lat_samples; i++)); do
        t0=$(kd_now_us)
        kd_tmux_literal x
        deadline=$((t0 + 5000000))
        until [ "$(x_count)" -ge "$i" ]; do
            if [ "$(kd_now_us)" -ge "$deadline" ]; then
                show_screen
                kd_fail "keystroke $i did not show within 5 s"
            fi
        done
        t1=$(kd_now_us)
        calc "($t1 - $t0) / 1000" >>"$1"
        echo >>"$1"
        sleep 0.05
    done
    kd_tmux_keys C-u
}

# ---- the guest --------------------------------------------------------------------------
kd_vm_require
kd_vm_build_guest
name=$(kd_vm_name bench)
kd_vm_define "$name" start
kd_vm_wait_serial "$name" "$KD_VM_SHELL_BANNER" 90

sanitized=no
if LC_ALL=C nm "$KVMDECK" 2>/dev/null | grep -q __asan_init; then
    sanitized=yes
    echo "bench: warning: a sanitizer build: kvmdeck's figures are inflated" >&2
fi
echo "console.setup kvmdeck=$KVMDECK sanitizers=$sanitized guest=tcg uart=16550"

# ---- kvmdeck ----------------------------------------------------------------------------
kd_tmux_start -x 120 -y 30 -- "$KVMDECK" -c qemu:///system
kd_tmux_wait "$name" 15
kd_tmux_keys :
kd_tmux_literal "console $name"
kd_tmux_keys Enter
kd_tmux_wait "Ctrl+] leaves" 10
throughput kd_s

# Lost bytes would break the run of numbers: the scrollback keeps the last 10000 lines, so
# its tail must count up to 100000 without a gap, and hold each last number once.
kd_tmux_keys S-PPage
kd_tmux_wait "scrollback: line" 10
kd_tmux_keys s
kd_tmux_wait "Save console text" 10
kd_tmux_keys C-u
kd_tmux_literal "$KD_TMPDIR/kvmdeck-console.txt"
kd_tmux_keys Enter
kd_tmux_wait "saved lines" 10
kd_tmux_keys q
kd_tmux_wait_gone "scrollback: line" 10
saved=$KD_TMPDIR/kvmdeck-console.txt
n99999=$(grep -cx 99999 "$saved")
n100000=$(grep -cx 100000 "$saved")
gaps=$(grep -xE '[0-9]+' "$saved" | tail -n 9000 |
    awk 'NR == 1 { s = $1 } $1 != s + NR - 1 { bad++ } END { print bad + 0 }')
ok=$(verdict "$n99999 == 1 && $n100000 == 1 && $gaps == 0")
echo "console.integrity kvmdeck tail_lines=9000 count_99999=$n99999 count_100000=$n100000" \
    "out_of_sequence=$gaps target=0 $ok"

latency "$KD_TMPDIR/lat-kvmdeck.txt"

# Leave kvmdeck before virsh takes the console, so that neither steals it from the other.
kd_tmux_keys C-]
kd_tmux_wait "the console keeps running" 10
kd_tmux_keys q
rc=$(kd_tmux_wait_exit 10) || exit 1
[ "$rc" = 0 ] || kd_fail "kvmdeck exited with $rc"

# ---- virsh console ----------------------------------------------------------------------
kd_tmux_start -x 120 -y 30 -- virsh -c qemu:///system console "$name" --force
kd_tmux_wait "Escape character" 15
throughput virsh_s
latency "$KD_TMPDIR/lat-virsh.txt"
kd_tmux_keys C-]

# ---- figures ----------------------------------------------------------------------------
kd_kbs=$(calc "$seq_bytes / 1024 / $kd_s")
virsh_kbs=$(calc "$seq_bytes / 1024 / $virsh_s")
ratio=$(awk -v a="$kd_kbs" -v b="$virsh_kbs" 'BEGIN { printf "%.2f", a / b }')
tput_ok=$(verdict "$ratio >= 1.0")
printf 'console.throughput bytes=%s kvmdeck_s=%.2f virsh_s=%.2f kvmdeck_kbs=%.1f virsh_kbs=%.1f ' \
    "$seq_bytes" "$kd_s" "$virsh_s" "$kd_kbs" "$virsh_kbs"
echo "ratio=$ratio target>=1.0 $tput_ok"
echo "console.latency keystrokes=$lat_samples" \
    "kvmdeck_median_ms=$(pct "$KD_TMPDIR/lat-kvmdeck.txt" 50)" \
    "kvmdeck_p90_ms=$(pct "$KD_TMPDIR/lat-kvmdeck.txt" 90)" \
    "virsh_median_ms=$(pct "$KD_TMPDIR/lat-virsh.txt" 50)" \
    "virsh_p90_ms=$(pct "$KD_TMPDIR/lat-virsh.txt" 90)" \
    "(resolution: one capture-pane poll, informative)"
echo "console.bench seconds=$((SECONDS - t_start))"
if [ -n "${KD_BENCH_STRICT:-}" ] && { [ "$ok" = FAIL ] || [ "$tput_ok" = FAIL ]; }; then
    exit 1
fi
exit 0
