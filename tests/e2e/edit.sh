#!/bin/bash
# e hands the domain's XML to $EDITOR on a terminal in its normal state, then redefines
# the domain from the file; XML that libvirt refuses can be edited again (y) or is kept
# in a file that the message names (n). The list is drawn again afterwards.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

ODD="it's <odd> & \"quoted\""

# The whole list is on screen: header, headings and every row of the fixture.
wait_list_drawn() {
    kd_tmux_wait "7 domains:"
    kd_tmux_wait_regex '^  NAME'
    for n in build crashy db1 "$ODD" restored scratch web1; do
        kd_tmux_wait_regex "$(row_re "$n")"
    done
}

kd_list_theme
kd_list_fixture
edir=$KD_TMPDIR/edit # kvmdeck's TMPDIR: where the file being edited lives
mkdir -p "$edir"

# An editor that records the terminal it got, waits for the test to look at the pane,
# then sets a <description>.
cat >"$KD_TMPDIR/ed-desc.sh" <<'EOF'
#!/bin/sh
stty -a >"$KD_EDIT_DIR/stty.txt" 2>&1
echo "EDITOR RUNNING"
i=0
while [ ! -e "$KD_EDIT_DIR/go" ] && [ $i -lt 400 ]; do
    sleep 0.05
    i=$((i + 1))
done
rm -f "$KD_EDIT_DIR/go"
cp "$1" "$KD_EDIT_DIR/seen.xml"
if grep -q '<description>' "$1"; then
    sed -i 's|<description>.*</description>|<description>edited by e2e</description>|' "$1"
else
    sed -i 's|</name>|</name>\n  <description>edited by e2e</description>|' "$1"
fi
EOF
# An editor that breaks the XML the first time and mends it the second.
cat >"$KD_TMPDIR/ed-broken.sh" <<'EOF'
#!/bin/sh
c=$KD_EDIT_DIR/count
n=$(cat "$c" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" >"$c"
if [ "$n" -eq 1 ]; then
    sed -i 's|</name>|</name>\n  <description>broken <b>unclosed</description>|' "$1"
else
    sed -i 's|<b>unclosed|mended|' "$1"
fi
EOF
chmod +x "$KD_TMPDIR/ed-desc.sh" "$KD_TMPDIR/ed-broken.sh"

start() { # EDITOR
    kd_tmux_start -x 160 -y 30 -- env -u VISUAL EDITOR="$1" KD_EDIT_DIR="$KD_TMPDIR" \
        TMPDIR="$edir" "$KVMDECK" --theme sel -c "test://$fixture"
    wait_list_drawn
}

# ---- a good edit -------------------------------------------------------------------------
start "$KD_TMPDIR/ed-desc.sh"
select_dom build
kd_tmux_keys e
kd_tmux_wait "EDITOR RUNNING"
flags=$(kd_tmux_pane_flags) || exit 1
kd_assert_eq "0 1 0 0 0" "${flags% *}" "the editor gets the normal screen, cursor on, keypad off"
grep -Eq '(^|[ ;])icanon( |;|$)' "$KD_TMPDIR/stty.txt" &&
    grep -Eq '(^|[ ;])echo( |;|$)' "$KD_TMPDIR/stty.txt" ||
    { cat "$KD_TMPDIR/stty.txt" >&2; kd_fail "the editor got a raw terminal"; }
kd_ok "the editor gets a cooked terminal (icanon echo)"
: >"$KD_TMPDIR/go"
wait_status "build redefined"
kd_assert_contains "$(cat "$KD_TMPDIR/seen.xml")" "<name>build</name>" \
    "the editor was given build's XML"
wait_list_drawn
kd_tmux_wait_gone "EDITOR RUNNING"
kd_ok "after the editor the list is drawn again"
ls "$edir"/kvmdeck-edit-* >/dev/null 2>&1 && kd_fail "the edited file was left in $edir"
kd_ok "the temporary file is removed after a successful edit"
kd_tmux_keys x
kd_tmux_wait "dumpxml build"
kd_tmux_wait "<description>edited by e2e</description>"
kd_ok "x shows the new description"
kd_tmux_keys q
wait_list_drawn

# The odd name goes through the file and back unchanged: same domain, no new one.
select_dom "$ODD"
reset_status
kd_tmux_keys e
kd_tmux_wait "EDITOR RUNNING"
: >"$KD_TMPDIR/go"
wait_status "$ODD redefined; changes apply from its next start"
kd_assert_contains "$(cat "$KD_TMPDIR/seen.xml")" \
    "<name>it&apos;s &lt;odd&gt; &amp; &quot;quoted&quot;</name>" \
    "the editor got the odd name escaped"
wait_list_drawn
kd_tmux_wait "7 domains:"
# It runs: the new definition shows in the inactive XML.
kd_tmux_keys :
wait_last '^:$'
kd_tmux_literal "dumpxml \"it's <odd> & \\\"quoted\\\"\" --inactive"
kd_tmux_keys Enter
kd_tmux_wait "dumpxml $ODD --inactive"
kd_tmux_wait "<description>edited by e2e</description>"
kd_tmux_wait "<name>it&apos;s &lt;odd&gt; &amp; &quot;quoted&quot;</name>"
kd_ok "editing $ODD redefines that domain (still 7 domains, new description)"
kd_tmux_keys q
wait_list_drawn
quit

# ---- refused XML, edited again -----------------------------------------------------------
start "$KD_TMPDIR/ed-broken.sh"
select_dom build
kd_tmux_keys e
kd_tmux_wait "libvirt refused the XML"
kd_tmux_wait_regex "│ .*line [0-9]+"
kd_tmux_wait "Edit again? Nothing you typed is lost"
kd_ok "broken XML: 'libvirt refused the XML' with a parse error and a line number"
# The editor broke line 3 (<b> never closed); the end of the file is only where the
# parser gave up.
expect "the parse error names line 3, where the XML broke" \
    'kd_tmux_capture | grep -qE "line 3[^0-9]"'
kd_tmux_keys y
wait_status "build redefined"
kd_assert_eq 2 "$(cat "$KD_TMPDIR/count")" "y ran the editor a second time"
wait_list_drawn
kd_tmux_keys x
kd_tmux_wait "<description>broken mended</description>"
kd_ok "the second, mended save is what libvirt now has"
kd_tmux_keys q
wait_list_drawn

# ---- refused XML, given up ---------------------------------------------------------------
rm -f "$KD_TMPDIR/count"
reset_status
kd_tmux_keys e
kd_tmux_wait "libvirt refused the XML"
kd_tmux_keys n
wait_status "not changed; your edit is kept in $edir/"
kept=$(kd_tmux_capture | tail -n 1 | sed -nE 's|.*kept in ([^ ]+\.xml).*|\1|p')
[ -n "$kept" ] || kd_fail "no file named in the status line"
[ -f "$kept" ] || kd_fail "the kept file $kept does not exist"
grep -q '<description>broken <b>unclosed</description>' "$kept" ||
    { cat "$kept" >&2; kd_fail "$kept does not hold the broken text"; }
kd_ok "n: the status line names the kept file, which holds what was typed"
kd_tmux_keys x
kd_tmux_wait "dumpxml build"
kd_tmux_wait "<description>broken mended</description>"
kd_ok "the domain is unchanged by the refused edit"
kd_tmux_keys q
wait_list_drawn
quit

# ---- the terminal after the editor -------------------------------------------------------
# The first key typed after the editor must be read like any other: an arrow key comes
# as ESC O B only while the keypad mode is on.
start "$KD_TMPDIR/ed-desc.sh"
select_dom build
flags_before=$(kd_tmux_pane_flags) || exit 1
reset_status
kd_tmux_keys e
kd_tmux_wait "EDITOR RUNNING"
: >"$KD_TMPDIR/go"
wait_status "build redefined"
wait_list_drawn
flags_after=$(kd_tmux_pane_flags) || exit 1
expect "after the editor the keypad mode is back ($flags_before, got $flags_after)" \
    '[ "$flags_after" = "$flags_before" ]' 0
kd_tmux_keys Down
expect "the first key after the editor (Down) moves the selection to crashy" \
    'selected_row | grep -qE -- "$(row_re crashy)"'
quit
finish
