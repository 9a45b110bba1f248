#!/bin/bash
# Live figures from a real host: a guest that spins shows a high %CPU while an idle one
# stays low, in the batch CSV and in the stats view; the details pane graphs them.
set -u

# shellcheck source=../lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/tmux.sh
. "$KD_LIBDIR/tmux.sh"
# shellcheck source=../lib/vm.sh
. "$KD_LIBDIR/vm.sh"

kd_vm_require
kd_vm_build_guest
busy=$(kd_vm_name busy)
idle=$(kd_vm_name idle)
base_cmdline=$KD_VM_CMDLINE
KD_VM_CMDLINE="$base_cmdline kdbusy" kd_vm_define "$busy" start
KD_VM_CMDLINE=$base_cmdline kd_vm_define "$idle" start
kd_vm_wait_serial "$busy" "KDGUEST: up" 90
kd_vm_wait_serial "$idle" "$KD_VM_SHELL_BANNER" 90
kd_ok "a busy and an idle guest are up"

# The CSV names each domain in the field before its %CPU: find both.
csv=$("$KVMDECK" --batch -n 3 -d 1 --csv - -c qemu:///system) || kd_fail "--batch failed"
last=$(printf '%s\n' "$csv" | tail -n 1)
cpu_of() { # name: %CPU in the last row
    python3 -c '
import csv, sys
row = next(csv.reader([sys.argv[1]]))
i = row.index(sys.argv[2])
print(row[i + 2])' "$last" "$1"
}
b=$(cpu_of "$busy") || kd_fail "no $busy in: $last"
i=$(cpu_of "$idle") || kd_fail "no $idle in: $last"
python3 -c "import sys; b, i = float('$b'), float('$i'); sys.exit(0 if b > 20 and i < b / 3 else 1)" ||
    kd_fail "%CPU busy $b, idle $i: the busy guest should be well above the idle one"
kd_ok "batch CSV: busy guest at $b %CPU, idle guest at $i"

# The stats view, sorted by %CPU, puts the busy guest above the idle one.
kd_tmux_start -x 140 -y 30 -- "$KVMDECK" -c qemu:///system
kd_tmux_wait "$busy" 15
kd_tmux_keys T
kd_tmux_wait "kvmdeck stats" 10
# From another column, P sorts by %CPU, largest first.
kd_tmux_keys A
kd_tmux_wait "sorted by name" 10
kd_tmux_keys P
kd_tmux_wait_regex "stats sorted by cpu +\\?" 10
kd_tmux_wait_regex "^ +[0-9]+ R +[0-9.]+ .*$idle" 15
screen=$(kd_tmux_capture) || exit 1
rb=$(printf '%s\n' "$screen" | grep -n -- "$busy" | head -1 | cut -d: -f1)
ri=$(printf '%s\n' "$screen" | grep -n -- "$idle" | head -1 | cut -d: -f1)
[ -n "$rb" ] && [ -n "$ri" ] && [ "$rb" -lt "$ri" ] ||
    kd_fail "sorted by %CPU, the busy guest (row $rb) should be above the idle one (row $ri)"
kd_ok "stats view sorted by %CPU puts the busy guest first"

# The details pane of the busy guest graphs its CPU.
kd_tmux_keys q
kd_tmux_wait_gone "kvmdeck stats" 10
kd_tmux_keys /
kd_tmux_literal "$busy"
kd_tmux_keys Enter
kd_tmux_wait "(1 shown)" 10
kd_tmux_keys Enter
kd_tmux_wait "Details: $busy" 10
kd_tmux_wait_regex "CPU [0-9.]+%  \(scale 0-[0-9.]+%, last hour\)" 15
kd_ok "details pane labels the CPU graph with its scale"

# History outlives the program: with a sample only every hour, a restarted kvmdeck can
# measure nothing new, so a CPU figure in the graph's label comes from the database.
kd_tmux_keys :
kd_tmux_literal "delay 3600"
kd_tmux_keys Enter
kd_tmux_wait "figures every 3600.0 s" 10
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0"
kd_tmux_start -x 140 -y 30 -- "$KVMDECK" -c qemu:///system
kd_tmux_wait "$busy" 15
kd_tmux_keys /
kd_tmux_literal "$busy"
kd_tmux_keys Enter
kd_tmux_wait "(1 shown)" 10
kd_tmux_keys Enter
kd_tmux_wait_regex "CPU [0-9.]+%  \(scale 0-[0-9.]+%, last hour\)" 10
kd_ok "after a restart the details pane graphs the history kept in the database"
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0"
kd_pass "vm/stats"
