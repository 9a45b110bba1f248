#!/bin/bash
# kvmdeck --batch: statistics without a screen, as virt-top -b writes them. CSV, JSON lines,
# the text table and the Prometheus textfile, the number of rows and their pace, the ends
# by signal and by a reader that leaves, and every error with its exit status.
. "$(dirname "$0")/../lib/common.sh"

command -v python3 >/dev/null || kd_skip "python3 is needed to parse the output"

demo=test:///default
# A short path: the URI is shown whole in dialogs and the status line.
cp "$KD_FIXTURES/hosts.xml" "$KD_TMPDIR/hosts.xml" || kd_fail "cannot copy the fixture"
fixture=$KD_TMPDIR/hosts.xml
[ -r "$fixture" ] || kd_fail "no fixture $fixture"
hosts="test://$fixture"
odd="it's <odd> & \"quoted\""
out=$KD_TMPDIR/out
err=$KD_TMPDIR/err

# kd_run ARGS...: run kvmdeck with stdout in $out and stderr in $err; sets rc.
kd_run() {
    "$KVMDECK" "$@" >"$out" 2>"$err"
    rc=$?
}

# no_stderr DESC: a run that succeeds says nothing on stderr (nor does a sanitizer).
no_stderr() {
    [ ! -s "$err" ] || kd_fail "$1: unexpected stderr: $(cat "$err")"
}

# ---- CSV on the demo host: header, exactly three rows, each after a delay -------------
t0=$(kd_now_us)
kd_run --batch -n 3 -d 1 --csv - -c "$demo"
t1=$(kd_now_us)
kd_assert_eq 0 "$rc" "-n 3 -d 1 --csv - exits 0"
no_stderr "-n 3 --csv -"
elapsed_ms=$(((t1 - t0) / 1000))
[ "$elapsed_ms" -ge 2000 ] || kd_fail "-n 3 -d 1 took ${elapsed_ms} ms: rows not paced by the delay"
[ "$elapsed_ms" -le "$(kd_timeout 15)000" ] || kd_fail "-n 3 -d 1 took ${elapsed_ms} ms"
kd_ok "-n 3 -d 1 takes ${elapsed_ms} ms (a tick per second, plus the unprinted first sample)"
python3 - "$out" <<'EOF' || kd_fail "CSV on the demo host"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) == 4, f"want a header and 3 rows, got {len(rows)} lines"
head = rows[0]
assert head[:2] == ["Hostname", "Time"] and head[-1] == "Net TXBY", head
assert len(head) == 28, f"header has {len(head)} columns"
for r in rows[1:]:
    active = int(r[head.index("Active")])
    assert active == 1, r
    # 18 host columns, then 10 for each active domain.
    assert len(r) == 18 + 10 * active, f"{len(r)} columns in {r}"
    assert r[head.index("Domain name")] == "test", r
    assert r[head.index("Domain ID")] == "1", r
EOF
kd_ok "--csv -: a header and three rows of 28 columns, each naming the domain test"

# ---- CSV on the fixture host: RFC 4180 quoting of an odd name --------------------------
kd_run -b -n 1 -d 0.1 --csv "$KD_TMPDIR/hosts.csv" -c "$hosts"
kd_assert_eq 0 "$rc" "--csv FILE exits 0"
no_stderr "--csv FILE"
[ ! -s "$out" ] || kd_fail "--csv FILE also wrote to stdout: $(cat "$out")"
kd_assert_contains "$(cat "$KD_TMPDIR/hosts.csv")" ",\"it's <odd> & \"\"quoted\"\"\"," \
    "the odd name is quoted, its quotes doubled"
python3 - "$KD_TMPDIR/hosts.csv" "$odd" <<'EOF' || kd_fail "CSV on the fixture host"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) == 2, rows
r = rows[1]
names = r[19::10]
assert sys.argv[2] in names, names
assert len(r) == 18 + 10 * 5, len(r)  # web1, db1, crashy, scratch and the odd one
assert sorted(names) == sorted(["web1", "db1", "crashy", "scratch", sys.argv[2]]), names
assert r[r.index(sys.argv[2]) - 1] == "5", r  # the odd one has domain ID 5
EOF
kd_ok "the odd name parses back from CSV intact; inactive domains have no columns"

# ---- JSON lines ----------------------------------------------------------------------
kd_run -b -n 3 -d 0.2 --json -c "$hosts"
kd_assert_eq 0 "$rc" "--json exits 0"
no_stderr "--json"
python3 - "$out" "$odd" <<'EOF' || kd_fail "JSON lines"
import json, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "output does not end with a newline"
lines = lines[:-1]
assert len(lines) == 3, f"{len(lines)} lines"
for line in lines:
    o = json.loads(line)
    assert set(o) >= {"time", "elapsed_s", "host", "domains"}, o.keys()
    assert o["elapsed_s"] is not None and 0.1 < o["elapsed_s"] < 10, o["elapsed_s"]
    assert {"hostname", "cpus"} <= set(o["host"]), o["host"]
    doms = {d["name"]: d for d in o["domains"]}
    assert len(doms) == 7, sorted(doms)
    assert doms[sys.argv[2]]["state"] == "running", doms[sys.argv[2]]
    assert doms["db1"]["state"] == "paused" and doms["build"]["state"] == "shut off"
    for d in o["domains"]:
        assert {"uuid", "id", "cpu_pct", "mem_kib", "block", "net"} <= set(d), d.keys()
EOF
kd_ok "--json: three lines, each one JSON object with rates (elapsed_s) and every domain"
kd_run -b -n 1 -d 0.1 --json="$KD_TMPDIR/j" --csv - -c "$demo"
kd_assert_eq 0 "$rc" "--json=FILE with --csv - exits 0"
python3 -c 'import json,sys; json.loads(open(sys.argv[1]).read())' "$KD_TMPDIR/j" ||
    kd_fail "--json=FILE is not JSON"
kd_assert_eq 2 "$(wc -l <"$out")" "--csv - and --json=FILE go to their own places"

# ---- the text table ------------------------------------------------------------------
kd_run -b -n 3 -d 0.2 --stream -c "$demo"
kd_assert_eq 0 "$rc" "--stream exits 0"
no_stderr "--stream"
kd_assert_eq 3 "$(grep -c '^kvmdeck .* host ' "$out")" "--stream prints three host lines"
kd_assert_eq 3 "$(grep -c '^$' "$out")" "three blocks, each ended by a blank line"
kd_assert_eq 3 "$(grep -cE '^ +1 R .* test$' "$out")" "each block has the domain test, running"
kd_assert_eq 3 "$(grep -c '^   ID S  %CPU' "$out")" "each block has its column header"
kd_run -b -n 1 -d 0.1 -c "$hosts"
kd_assert_eq 0 "$rc" "--batch alone exits 0"
kd_assert_contains "$(cat "$out")" "   ID S  %CPU" "--batch alone prints the text table"
kd_assert_contains "$(cat "$out")" "$odd" "the table shows the odd name as it is"
kd_run --stream -n 1 -d 0.1 -c "$demo"
kd_assert_eq "0 1" "$rc $(grep -c '^kvmdeck ' "$out")" "--stream alone implies --batch"

# ---- URI precedence ------------------------------------------------------------------
LIBVIRT_DEFAULT_URI=$hosts kd_run -b -n 1 -d 0.1 --csv -
kd_assert_contains "$(cat "$out")" "scratch" "LIBVIRT_DEFAULT_URI is used without -c"
LIBVIRT_DEFAULT_URI=nosuchdriver:///x kd_run -b -n 1 -d 0.1 --csv - -c "$demo"
kd_assert_eq 0 "$rc" "-c wins over LIBVIRT_DEFAULT_URI"

# ---- Prometheus textfile: valid text, replaced atomically -----------------------------
prom=$KD_TMPDIR/prom/kvmdeck.prom
mkdir -p "$KD_TMPDIR/prom"
cat >"$KD_TMPDIR/promcheck.py" <<'EOF'
import re, sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"({NAME})(\{{{LABEL}(?:,{LABEL})*\}})? (-?[0-9.eE+-]+|NaN|[+-]Inf)")
TYPES = {"counter", "gauge", "untyped", "summary", "histogram"}

def check(text, want_name):
    """Return the number of samples; raise on anything that is not exposition format."""
    assert text.endswith("\n"), "page does not end with a newline"
    typed, samples, found = {}, 0, False
    for line in text[:-1].split("\n"):
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in TYPES and name not in typed, line
            typed[name] = kind
        elif line.startswith("# HELP "):
            assert re.fullmatch(rf"# HELP {NAME} .*", line), line
        else:
            m = SAMPLE.fullmatch(line)
            assert m, f"not a sample line: {line!r}"
            assert m.group(1) in typed, f"sample before its TYPE: {line}"
            float(m.group(3))
            samples += 1
            if m.group(1) == "kvmdeck_domain_state" and want_name in (m.group(2) or ""):
                found = True
    assert typed.get("kvmdeck_domain_state") == "gauge", "no # TYPE for kvmdeck_domain_state"
    assert typed.get("kvmdeck_domains") == "gauge", "no # TYPE for kvmdeck_domains"
    assert found, f"no kvmdeck_domain_state sample for {want_name}"
    return samples

if __name__ == "__main__":
    mode, path, want = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "once":
        check(open(path).read(), want)
        sys.exit(0)
    # Poll while the writer runs: every read must be a whole page, and the file must be a
    # new inode after each tick (replaced by rename, never rewritten in place).
    import os, time
    stop_file, inodes, reads = sys.argv[4], set(), 0
    deadline = time.time() + float(sys.argv[5])
    while time.time() < deadline and not os.path.exists(stop_file):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            time.sleep(0.001)
            continue
        with os.fdopen(fd) as f:
            inodes.add(os.fstat(f.fileno()).st_ino)
            check(f.read(), want)
            reads += 1
    assert len(inodes) >= 3, f"only {len(inodes)} versions of the file seen in {reads} reads"
    print(f"{reads} reads, {len(inodes)} versions, all whole")
EOF
(
    "$KVMDECK" -b -n 12 -d 0.2 --prometheus "$prom" -c "$hosts" >"$out" 2>"$err"
    echo $? >"$KD_TMPDIR/prom-rc"
    touch "$KD_TMPDIR/stop"
) &
poll=$(python3 "$KD_TMPDIR/promcheck.py" poll "$prom" 'name="web1"' "$KD_TMPDIR/stop" \
    "$(kd_timeout 20)") || kd_fail "--prometheus while running"
wait
kd_assert_eq 0 "$(cat "$KD_TMPDIR/prom-rc")" "--prometheus exits 0"
no_stderr "--prometheus"
kd_ok "--prometheus replaces the file atomically: $poll"
[ ! -s "$out" ] || kd_fail "--prometheus alone wrote to stdout: $(cat "$out")"
kd_ok "--prometheus alone writes nothing to stdout"
python3 "$KD_TMPDIR/promcheck.py" once "$prom" 'name="it'"'"'s <odd> & \"quoted\""' ||
    kd_fail "the final page"
kd_ok "the page parses as Prometheus text, with the odd name escaped as a label"
leftover=$(find "$KD_TMPDIR/prom" -name '*.tmp')
kd_assert_eq "" "$leftover" "no temporary file is left behind"
kd_run -b -n 2 -d 0.1 --csv - --prometheus "$prom" -c "$demo"
kd_assert_eq "0 3" "$rc $(wc -l <"$out")" "--prometheus combines with --csv -"
python3 "$KD_TMPDIR/promcheck.py" once "$prom" 'name="test"' || kd_fail "combined page"

# ---- signals and readers that leave --------------------------------------------------
for sig in TERM INT; do
    csv=$KD_TMPDIR/sig-$sig.csv
    "$KVMDECK" -b -d 0.1 --csv "$csv" -c "$hosts" >"$out" 2>"$err" &
    pid=$!
    kd_at_exit "kill $pid 2>/dev/null; true"
    deadline=$(($(kd_now_us) + $(kd_timeout 10) * 1000000))
    while [ ! -f "$csv" ] || [ "$(wc -l <"$csv")" -lt 4 ]; do
        [ "$(kd_now_us)" -lt "$deadline" ] || kd_fail "SIG$sig: no rows appeared"
        sleep 0.05
    done
    kill -"$sig" "$pid"
    wait "$pid"
    kd_assert_eq 0 "$?" "SIG$sig in the middle exits 0"
    no_stderr "SIG$sig"
    python3 - "$csv" <<'EOF' || kd_fail "SIG$sig: the CSV file is not whole"
import csv, sys
data = open(sys.argv[1], newline="").read()
assert data.endswith("\n"), "last line cut"
rows = list(csv.reader(data.splitlines()))
assert len(rows) >= 4, len(rows)
assert all(len(r) == 68 for r in rows[1:]), [len(r) for r in rows]
EOF
    kd_ok "SIG$sig leaves only whole CSV lines"
done

"$KVMDECK" -b -n 2 -d 0.2 --csv - -c "$demo" 2>"$err" | cat >"$out"
status=${PIPESTATUS[0]}
kd_assert_eq "0 3" "$status $(wc -l <"$out")" "into a pipe whose reader stays: all rows"
t0=$(kd_now_us)
"$KVMDECK" -b -d 1 --csv - -c "$demo" 2>"$err" | head -n 2 >"$out"
status="${PIPESTATUS[*]}"
t1=$(kd_now_us)
kd_assert_eq "0 0" "$status" "| head -n 2: kvmdeck exits 0 when its reader leaves"
no_stderr "| head"
kd_assert_eq 2 "$(wc -l <"$out")" "head got the header and a row"
[ $(((t1 - t0) / 1000)) -le "$(kd_timeout 15)000" ] || kd_fail "| head: kvmdeck went on"
kd_ok "| head: kvmdeck stopped $(((t1 - t0) / 1000)) ms after it started"

# ---- errors ------------------------------------------------------------------------------
# usage_case STATUS MESSAGE ARGS...: exits STATUS, says MESSAGE, prints nothing on stdout.
usage_case() {
    local want=$1 msg=$2
    shift 2
    kd_run "$@"
    kd_assert_eq "$want" "$rc" "kvmdeck $* exits $want"
    kd_assert_contains "$(cat "$err")" "$msg" "kvmdeck $*: says why"
    [ ! -s "$out" ] || kd_fail "kvmdeck $*: wrote to stdout: $(cat "$out")"
}
usage_case 2 "'0' is not a number of iterations" -b -n 0 -c "$demo"
usage_case 2 "'x' is not a number of iterations" -b -n x -c "$demo"
usage_case 2 "'-1' is not a number of iterations" -b -n -1 -c "$demo"
usage_case 2 "a delay of 0 seconds is out of range (0.1 to 3600)" -b -d 0 -c "$demo"
usage_case 2 "'-1' is not a number of seconds" -b -d -1 -c "$demo"
usage_case 2 "'abc' is not a number of seconds" -b -d abc -c "$demo"
usage_case 2 "out of range" -b --delay=3601 -c "$demo"
usage_case 2 "Try 'kvmdeck --help'" -b -d abc -c "$demo"
usage_case 2 "--csv and --json would both write to standard output" -b --csv - --json -c "$demo"
usage_case 2 "--csv and --stream would both write" -b --csv - --stream -c "$demo"
usage_case 2 "--prometheus needs a file name" -b --prometheus - -c "$demo"
usage_case 2 "--csv works only with --batch" --csv - -c "$demo"
usage_case 2 "--prometheus works only with --batch" --prometheus "$prom" -c "$demo"
usage_case 2 "unexpected argument 'extra'" -b extra
# A locale with a decimal comma must not change how "0.1" reads.
comma=$(locale -a 2>/dev/null | grep -iE '^(de_DE|fr_FR)\.utf-?8$' | head -n 1)
if [ -n "$comma" ]; then
    LC_ALL=$comma kd_run -b -n 1 -d 0.1 --csv - -c "$demo"
    kd_assert_eq 0 "$rc" "-d 0.1 works under $comma"
fi

nohv="qemu:///system?socket=$KD_TMPDIR/no-such-libvirtd.sock"
usage_case 1 "cannot connect to $nohv" -b -n 1 -c "$nohv"
usage_case 1 "cannot open the CSV file $KD_TMPDIR/no/such/dir.csv" \
    -b -n 1 --csv "$KD_TMPDIR/no/such/dir.csv" -c "$demo"
[ ! -e "$KD_TMPDIR/no" ] || kd_fail "a directory was created for the CSV file"
usage_case 1 "/dev/full: writing statistics: No space left on device" \
    -b -n 1 -d 0.1 --csv /dev/full -c "$demo"
usage_case 1 "$KD_TMPDIR/no/dir.prom" -b -n 1 --prometheus "$KD_TMPDIR/no/dir.prom" -c "$demo"
"$KVMDECK" -b -n 1 -d 0.1 --json -c "$demo" >/dev/full 2>"$err"
kd_assert_eq 1 "$?" "a full standard output exits 1"
kd_assert_contains "$(cat "$err")" "standard output: writing statistics: No space left" \
    "and says so"

help=$("$KVMDECK" --help) || kd_fail "--help"
for opt in --batch --iterations=N --delay=SECS --csv=FILE "--json[=FILE]" --stream \
    --prometheus=FILE "only with --batch for now"; do
    kd_assert_contains "$help" "$opt" "--help documents $opt"
done
kd_pass
