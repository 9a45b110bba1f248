# shellcheck shell=bash
# End-to-end helpers for kvmdeck's screens: rows of the domain list, the status line,
# the palette, prompts, and checks that report a failure and let the test go on.
#
# Source after tmux.sh. The domain list is expected with its rows from screen line 4 on
# and a theme that underlines the selected row (see kd_list_theme).

if [ -n "${KD_LIST_LOADED:-}" ]; then
    return 0
fi
KD_LIST_LOADED=1

# esc_re TEXT: print an ERE that matches TEXT literally.
esc_re() {
    printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'
}

# row_re NAME [REST]: print an ERE for NAME's row in the list, REST following the ID column.
row_re() {
    printf '^[ *] %s +(-|[0-9]+) +%s' "$(esc_re "$1")" "${2:-}"
}

# _kd_list_until CMD TIMEOUT: eval CMD until it succeeds; at the timeout show the screen, return 1.
_kd_list_until() {
    local _kd_deadline
    _kd_deadline=$(($(kd_now_us) + $(kd_timeout "$2") * 1000000))
    until eval "$1"; do
        if [ "$(kd_now_us)" -ge "$_kd_deadline" ]; then
            kd_tmux_capture >&2
            return 1
        fi
        sleep 0.05
    done
}

# _poll WHAT CMD [TIMEOUT=10]: eval CMD until it succeeds; fail, naming WHAT, at the timeout.
_poll() {
    _kd_list_until "$2" "${3:-10}" || kd_fail "timed out waiting for $1"
}

# wait_row NAME STATE [TIMEOUT=10]: wait until NAME's row shows STATE.
wait_row() {
    kd_tmux_wait_regex "$(row_re "$1" "$2 ")" "${3:-10}"
}

# wait_gone_re ERE [TIMEOUT=10]: wait until no screen line matches ERE.
wait_gone_re() {
    # shellcheck disable=SC2034 # read by the command that _poll evals
    local gone_re=$1
    _poll "no line matching '$1'" '! kd_tmux_capture | grep -qE -- "$gone_re"' "${2:-10}"
}

# wait_no_row NAME [TIMEOUT=10]: wait until the list has no row for NAME.
wait_no_row() {
    wait_gone_re "$(row_re "$1")" "${2:-10}"
}

# wait_last ERE [TIMEOUT=10]: wait until the bottom line (status or palette) matches ERE.
wait_last() {
    # shellcheck disable=SC2034 # read by the command that _poll evals
    local last_re=$1
    _poll "the status line to match '$1'" \
        'kd_tmux_capture | tail -n 1 | grep -qE -- "$last_re"' "${2:-10}"
}

# wait_status TEXT [TIMEOUT=10]: wait until the status line holds TEXT (a fixed string).
wait_status() {
    wait_last "$(esc_re "$1")" "${2:-10}"
}

# reset_status: put a known message on the status line, so a repeated one is not mistaken.
reset_status() {
    kd_tmux_keys F12
    wait_status "F12 is not bound here"
}

# selected_row: print the selected row (underlined by the theme) without its attributes.
selected_row() {
    kd_tmux_capture -e | grep $'\e\\[4m' | sed 's/\x1b\[[0-9;]*m//g'
}

# select_dom NAME: move the selection (g, then j) onto NAME's row of the domain list.
select_dom() {
    local re line i keys=(g)
    re=$(row_re "$1")
    line=$(kd_tmux_capture | grep -nE -- "$re" | head -n 1 | cut -d: -f1)
    [ -n "$line" ] || { kd_tmux_capture >&2; kd_fail "no row for '$1'"; }
    for ((i = 4; i < line; i++)); do
        keys+=(j)
    done
    kd_tmux_keys "${keys[@]}"
    _poll "'$1' to be selected" 'selected_row | grep -qE -- "$re"'
}

# palette LINE: open the palette and type LINE without running it.
palette() {
    kd_tmux_keys :
    wait_last '^:$'
    kd_tmux_literal "$1"
    wait_last "^:$(esc_re "$1")\$"
}

# palette_run LINE: reset the status line, type LINE in the palette and press Enter.
palette_run() {
    reset_status
    palette "$1"
    kd_tmux_keys Enter
}

# prompt_answer TITLE TEXT [GONE]: replace a prompt's text, press Enter, wait for GONE to go.
prompt_answer() {
    kd_tmux_wait "$1"
    kd_tmux_keys C-u
    kd_tmux_literal "$2"
    kd_tmux_wait "$2"
    kd_tmux_keys Enter
    kd_tmux_wait_gone "${3:-Enter: OK   Esc: cancel}"
}

# Names of the checks that failed through expect, for finish.
FAILED=()

# expect WHAT CMD [TIMEOUT=5]: eval CMD until it succeeds; a failure is noted, the test goes on.
expect() {
    if ! _kd_list_until "$2" "${3:-5}"; then
        printf 'FAIL (going on): %s\n' "$1" >&2
        FAILED+=("$1")
        return 1
    fi
    kd_ok "$1"
}

# finish: fail the test if any expect failed, else pass it.
finish() {
    if [ ${#FAILED[@]} -gt 0 ]; then
        printf 'FAIL: %s\n' "${FAILED[@]}" >&2
        kd_fail "${#FAILED[@]} check(s) failed"
    fi
    kd_pass
}

# quit: press q and check that kvmdeck exits with status 0.
quit() {
    kd_tmux_keys q
    kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits with status 0"
}

# kd_list_theme [NAME=sel]: write theme NAME, which underlines the selected row, into $conf.
kd_list_theme() {
    conf=$KD_TMPDIR/xdg/config
    mkdir -p "$conf/kvmdeck/themes"
    printf '[colors]\nlist.selected = underline\n' >"$conf/kvmdeck/themes/${1:-sel}.theme"
}

# kd_list_fixture: copy hosts.xml to a short path (URIs are shown whole) and set $fixture.
kd_list_fixture() {
    cp "$KD_FIXTURES/hosts.xml" "$KD_TMPDIR/hosts.xml" || kd_fail "cannot copy the fixture"
    fixture=$KD_TMPDIR/hosts.xml
    [ -r "$fixture" ] || kd_fail "no fixture $fixture"
}
