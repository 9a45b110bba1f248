#!/bin/bash
# The command line: GNU --help and --version, usage errors, and themes.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"

out=$("$KVMDECK" --help) || kd_fail "--help exits non-zero"
kd_assert_contains "$out" "Usage: kvmdeck [OPTION]..." "--help prints a usage line"
kd_assert_contains "$out" "--connect=URI" "--help lists --connect"
kd_assert_contains "$out" "--readonly" "--help lists --readonly"
out=$("$KVMDECK" --version) || kd_fail "--version exits non-zero"
[[ $out =~ ^kvmdeck\ [0-9]+\.[0-9]+\.[0-9]+ ]] || kd_fail "--version: '$out'"
kd_ok "--version prints 'kvmdeck X.Y.Z'"

"$KVMDECK" --no-such-option >/dev/null 2>"$KD_TMPDIR/err"
kd_assert_eq 2 "$?" "an unknown option exits 2"
kd_assert_contains "$(cat "$KD_TMPDIR/err")" "Try 'kvmdeck --help'" "and points to --help"
"$KVMDECK" --theme no-such-theme -c test:///default >/dev/null 2>"$KD_TMPDIR/err"
kd_assert_eq 2 "$?" "a theme that does not exist exits 2"
kd_assert_contains "$(cat "$KD_TMPDIR/err")" "theme 'no-such-theme' not found" "and says so"
"$KVMDECK" -c test:///default </dev/null >/dev/null 2>"$KD_TMPDIR/err"
kd_assert_eq 1 "$?" "no terminal exits 1"
kd_assert_contains "$(cat "$KD_TMPDIR/err")" "must be a terminal" "and says why"

# URI precedence: LIBVIRT_DEFAULT_URI is used without -c, and -c wins over it.
kd_tmux_start -- env LIBVIRT_DEFAULT_URI=test:///default "$KVMDECK"
kd_tmux_wait "connected to test:///default"
kd_tmux_keys q
kd_tmux_wait_exit >/dev/null || exit 1
kd_ok "LIBVIRT_DEFAULT_URI is used without -c"
kd_tmux_start -- env LIBVIRT_DEFAULT_URI=nosuchdriver:///x "$KVMDECK" -c test:///default
kd_tmux_wait "connected to test:///default"
kd_tmux_keys q
kd_tmux_wait_exit >/dev/null || exit 1
kd_ok "-c wins over LIBVIRT_DEFAULT_URI"

# -r: the header says read-only.
kd_tmux_start -- "$KVMDECK" -r -c test:///default
kd_tmux_wait "[read-only]"
kd_tmux_keys q
kd_tmux_wait_exit >/dev/null || exit 1
kd_ok "-r shows read-only in the header"

# Every shipped theme starts; a colour theme paints the header with colour, NO_COLOR
# gives attributes only.
for t in "$KVMDECK_THEMES_DIR"/*.theme; do
    name=$(basename "$t" .theme)
    kd_tmux_start -- "$KVMDECK" --theme "$name" -c test:///default
    kd_tmux_wait_regex '^ +test +1 +running'
    kd_tmux_keys q
    kd_assert_eq 0 "$(kd_tmux_wait_exit)" "theme $name starts and quits"
done
kd_tmux_start -- "$KVMDECK" --theme default -c test:///default
kd_tmux_wait_regex '^ +test +1 +running'
kd_tmux_capture -e | head -1 | grep -q $'\e\\[[0-9;]*4[0-8][;m]' ||
    kd_fail "default theme: header has no background colour"
kd_ok "default theme colours the header"
kd_tmux_keys q
kd_tmux_wait_exit >/dev/null || exit 1
kd_tmux_start -- env NO_COLOR=1 "$KVMDECK" --theme default -c test:///default
kd_tmux_wait_regex '^ +test +1 +running'
if kd_tmux_capture -e | grep -q $'\e\\[[0-9;]*[34][0-8][;m]'; then
    kd_fail "NO_COLOR: colours were drawn"
fi
kd_ok "NO_COLOR draws no colour"
kd_tmux_keys q
kd_tmux_wait_exit >/dev/null || exit 1

# The theme named in the config file is used; a missing one is reported, not fatal.
conf=$KD_TMPDIR/conf
mkdir -p "$conf/kvmdeck"
printf '[ui]\ntheme = nope\n' >"$conf/kvmdeck/config"
kd_tmux_start -- env XDG_CONFIG_HOME="$conf" "$KVMDECK" -c test:///default
kd_tmux_wait "theme 'nope' not found"
kd_tmux_wait_regex '^ +test +1 +running'
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "a bad theme in the config is reported, not fatal"
kd_pass
