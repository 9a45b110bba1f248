#!/bin/bash
# kvmdeck's statistics benchmarks: builds what they need, runs them all, prints one line per
# figure (bench/README.md says what each one means).
#
#   bench/run.sh [BUILD_DIR]
#
# BUILD_DIR is a build tree to use (default: build/bench, configured here with a plain
# ./configure, that is -O2 without sanitizers, when it is not yet). Environment:
#   KD_BENCH_TICKS   ticks per callgrind phase (default 5)
#   KD_BENCH_RUNS    runs per start-up timing (default 7)
#   KD_BENCH_RSS_S   seconds of ticks before reading the peak RSS (default 10)
#   KD_BENCH_STRICT  non-empty: exit 1 when a figure misses its target
#   KD_BENCH_KEEP    non-empty: keep the work directory (callgrind dumps, fixtures, logs)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build/bench}
ticks=${KD_BENCH_TICKS:-5}
runs=${KD_BENCH_RUNS:-7}
rss_s=${KD_BENCH_RSS_S:-10}

work=$(mktemp -d "${TMPDIR:-/tmp}/kvmdeck-bench.XXXXXX")
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    if [ -n "${KD_BENCH_KEEP:-}" ]; then
        echo "bench: work directory kept: $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# A private configuration and store: the user's own are neither read nor written.
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state
export XDG_CACHE_HOME=$work/cache LC_ALL=C.UTF-8 TERM=xterm-256color
unset LIBVIRT_DEFAULT_URI NO_COLOR
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"

# ---- helpers ----------------------------------------------------------------------------
# calc EXPR: awk arithmetic; a comparison gives 1 or 0
calc() { awk "BEGIN { printf \"%s\", $1 }" </dev/null; }
# verdict EXPR: PASS when the comparison holds (the lines are counted at the end)
verdict() { if [ "$(calc "$1")" = 1 ]; then echo PASS; else echo FAIL; fi; }
# ratio A B: A / B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' </dev/null; }
# mega N: instructions in millions
mega() { awk -v n="$1" 'BEGIN { printf "%.1fM", n / 1e6 }' </dev/null; }
# value KEY FILE: the value of the line "KEY value" in FILE
value() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
# median FILE: the median of the numbers in FILE, one a line
median() {
    sort -n "$1" | awk '{ v[NR] = $1 }
        END { printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
have_valgrind() { command -v valgrind >/dev/null; }

# ---- build ------------------------------------------------------------------------------
if [ ! -f "$build/Makefile" ]; then
    mkdir -p "$build"
    (cd "$build" && "$top/configure" --quiet) >"$work/configure.log" 2>&1 || {
        cat "$work/configure.log" >&2
        exit 1
    }
fi
build=$(cd "$build" && pwd)
make -C "$build" -f Makefile -f "$top/bench/bench.mk" -j2 bench-all >"$work/build.log" 2>&1 || {
    tail -40 "$work/build.log" >&2
    exit 1
}
flags=$(sed -n 's/^KD_CFLAGS = //p; s/^CFLAGS = //p' "$build/Makefile" | tr '\n' ' ')
opt=$(grep -oE -- '-O[0-9sg]|-fsanitize=[a-z,]*' <<<"$flags" | tr '\n' ' ' | sed 's/ $//')
sanitized=no
if grep -q -- -fsanitize <<<"$flags"; then
    sanitized=yes
    echo "bench: warning: a sanitizer build: times, instructions and memory are inflated" >&2
fi
kvmdeck=$build/kvmdeck
bin=$build/bench

# ---- fixtures ---------------------------------------------------------------------------
big=$work/hosts-1000.xml
small=$work/hosts-100.xml
"$bin/gen_fixture" "$big" 1000 500
"$bin/gen_fixture" "$small" 100 100
big_uri=test://$big
small_uri=test://$small

# ---- 1. the stats tick against the bare bulk call (callgrind) ---------------------------
declare -A ir # phase -> instructions per tick

read_dumps() {
    local f name total
    for f in "$work"/cg.out.*; do
        read -r name total < <(awk '
            /^desc: Trigger: Client Request: / { sub(/^desc: Trigger: Client Request: /, "");
                                                 n = $0 }
            /^totals:/ { t = $2 }
            /^summary:/ { if (t == "") t = $2 }
            END { print n, t }' "$f")
        ir[$name]=$((total / ticks))
    done
}

tick_line() { # DATA VIEW PHASE [EXTRA]
    local k=${ir[$3]} bare=${ir[bare]}
    echo "stats.tick.instructions data=$1 view=$2 domains=$ndoms kvmdeck=$(mega "$k")" \
        "bare=$(mega "$bare") ratio=$(ratio "$k" "$bare")${4:+ $4} target<=1.5" \
        "$(verdict "$k / $bare <= 1.5")"
}

per_domain() { # PHASE: its instructions over the bare call's, per domain and tick
    echo $(((${ir[$1]} - ${ir[bare]}) / ndoms))
}

stats_figures() {
    if ! have_valgrind; then
        echo "stats.tick.instructions SKIP valgrind is not installed"
        return
    fi
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.out" \
        --log-file="$work/cg.log" "$bin/bench_stats" "$big_uri" "$top/themes" "$ticks" \
        >"$work/stats.txt"
    read_dumps
    ndoms=$(value domains "$work/stats.txt")
    tick_line testdriver list tick.list
    tick_line testdriver stats tick.stats
    tick_line synthetic list synth.tick.list
    tick_line synthetic stats synth.tick.stats
    # The program's own tick also writes every running domain's figures to the store.
    local view
    for view in list stats; do
        tick_line testdriver "$view" "real.$view" \
            "path=program-tick+store store=$(mega $((${ir[real.$view]} - ${ir[tick.$view]})))"
    done
    local p parts=""
    for p in sample compute draw.list draw.stats synth.compute synth.draw.list \
        synth.draw.stats; do
        parts+=" $p=$(mega "${ir[$p]}")"
    done
    echo "stats.tick.parts per_tick bare=$(mega "${ir[bare]}")$parts"
    echo "stats.libvirt.instructions per_domain_per_tick virDomainGetName=$(per_domain bare+name)" \
        "virDomainGetUUID=$(per_domain bare+uuid)" \
        "virDomainGetUUIDString+virDomainGetID=$(per_domain bare+uuidstr+id)" \
        "kd_sampler_take_over_bare=$(per_domain sample)"
    # The same phases natively, in wall-clock time: for orientation only.
    "$bin/bench_stats" "$big_uri" "$top/themes" 20 >"$work/stats-native.txt"
    awk '/^phase/ { split($4, v, "="); t[$2] = v[2] / 1e6 }
        END { printf "stats.tick.time native bare_ms=%.2f tick.list_ms=%.2f tick.stats_ms=%.2f " \
                     "program-tick+store.list_ms=%.2f (wall clock, informative)\n",
                     t["bare"], t["tick.list"], t["tick.stats"], t["real.list"] }' \
        "$work/stats-native.txt"
    awk '/^memory/ { $1 = "stats.memory"; print }' "$work/stats-native.txt"
}

# ---- 2. bytes written to the terminal per tick -----------------------------------------
draw_figures() {
    "$bin/bench_draw" "$small_uri" "$top/themes" "$work/screen.out" 50 160 10
    # The real program on the demo host, whose figures never move (the test driver reports
    # states only): ticks every 0.1 s for 3 s in each view.
    python3 "$top/bench/pty_run.py" idle 3 "$kvmdeck" -c test:///default >"$work/idle.txt"
    local view b
    for view in list stats; do
        b=$(value "${view}_bytes" "$work/idle.txt")
        echo "draw.bytes.program view=$view figures=idle uri=default seconds=3 delay_s=0.1" \
            "bytes=$b target=0 $(verdict "$b == 0")"
    done
}

# ---- 3. start-up to the first frame -----------------------------------------------------
callgrind_first_frame() { # URI NAME: instructions up to the first frame
    rm -f "$work/ff-$2.out"*
    python3 "$top/bench/pty_run.py" firstframe 1 valgrind --tool=callgrind \
        --dump-before=kd_loop_run_once --callgrind-out-file="$work/ff-$2.out" \
        --log-file="$work/ff-$2.log" "$kvmdeck" -c "$1" >/dev/null
    awk '/^totals:/ { print $2 }' "$work/ff-$2.out.1"
}

callgrind_floor() { # URI NAME: instructions of the floor up to its statistics
    rm -f "$work/floor-$2.out"*
    valgrind --tool=callgrind --dump-before=virConnectClose \
        --callgrind-out-file="$work/floor-$2.out" --log-file="$work/floor-$2.log" \
        "$bin/bench_open" "$1" >/dev/null
    awk '/^totals:/ { print $2 }' "$work/floor-$2.out.1"
}

startup_figures() {
    local uri name i ms floor
    for name in hosts-1000 default; do
        if [ $name = default ]; then uri=test:///default; else uri=$big_uri; fi
        # Alternated, so that a change in the machine's load hits both alike.
        : >"$work/ff-$name.txt"
        : >"$work/floor-$name.txt"
        for ((i = 0; i < runs; i++)); do
            python3 "$top/bench/pty_run.py" firstframe 1 --marker=vmhwm_kib \
                "$bin/bench_open" "$uri" | value ms /dev/stdin >>"$work/floor-$name.txt"
            python3 "$top/bench/pty_run.py" firstframe 1 "$kvmdeck" -c "$uri" |
                value ms /dev/stdin >>"$work/ff-$name.txt"
        done
        ms=$(median "$work/ff-$name.txt")
        floor=$(median "$work/floor-$name.txt")
        echo "startup.first_frame uri=$name median_ms=$ms runs=$runs floor_ms=$floor" \
            "above_floor_ms=$(calc "$ms - $floor") target<100 $(verdict "$ms < 100")"
        if have_valgrind; then
            local k fl
            k=$(callgrind_first_frame "$uri" "$name")
            fl=$(callgrind_floor "$uri" "$name")
            echo "startup.instructions uri=$name to_first_frame=$(mega "$k") floor=$(mega "$fl")" \
                "above_floor=$(mega $((k - fl))) ratio=$(ratio "$k" "$fl")"
        fi
    done
}

# ---- 4. peak RSS after some ticks -------------------------------------------------------
memory_figures() {
    local name uri
    declare -A hwm floor
    for name in hosts-1000 default; do
        if [ $name = default ]; then uri=test:///default; else uri=$big_uri; fi
        python3 "$top/bench/pty_run.py" rss "$rss_s" "$kvmdeck" -c "$uri" >"$work/rss-$name.txt"
        "$bin/bench_open" "$uri" >"$work/rss-floor-$name.txt"
        hwm[$name]=$(value vmhwm_kib "$work/rss-$name.txt")
        floor[$name]=$(value vmhwm_kib "$work/rss-floor-$name.txt")
        echo "memory.peak_rss uri=$name vmhwm_kib=${hwm[$name]} floor_kib=${floor[$name]}" \
            "above_floor_kib=$((${hwm[$name]} - ${floor[$name]})) after_s=$rss_s" \
            "target<25600 $(verdict "${hwm[$name]} < 25600")"
    done
    # The test driver keeps its parsed copy of the host inside the client; with a real host
    # that copy lives in libvirtd. Take it out: the floor's growth from 1 to 1000 domains.
    local est=$((${hwm[hosts-1000]} - (${floor[hosts-1000]} - ${floor[default]})))
    echo "memory.peak_rss uri=hosts-1000 without_test_driver_copy_kib=$est target<25600" \
        "$(verdict "$est < 25600")"
}

{
    echo "build dir=$build sanitizers=$sanitized flags=\"$opt\""
    stats_figures
    draw_figures
    startup_figures
    memory_figures
} | tee "$work/results.txt"
pass=$(grep -c ' PASS$' "$work/results.txt" || true)
fail=$(grep -c ' FAIL$' "$work/results.txt" || true)
echo "bench: $pass PASS, $fail FAIL"
if [ -n "${KD_BENCH_STRICT:-}" ] && [ "$fail" -gt 0 ]; then
    exit 1
fi
exit 0
