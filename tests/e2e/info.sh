#!/bin/bash
# virsh's information verbs in the palette: each shows in the pager the lines virsh prints
# for the same object (virsh runs separately on the same starting state: the test driver's
# default host, or a copy of the fixture), q comes back to where it was, a domain verb
# without its domain is about the selected one, names with quotes, < and & work (also
# completed with Tab), and an unknown name gives a one-line message and opens nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"
KD_FIXTURES=${KD_FIXTURES:-$top_srcdir/tests/fixtures}

command -v virsh >/dev/null 2>&1 || kd_skip "virsh is not installed"

# expected_lines: virsh's output on stdin, the lines that report a change left out.
expected_lines() {
    grep -v -e '^Domain snapshot .* created$' -e '^Vol .* created$' -e '^$'
}

# shown TITLE URI VIRSH-COMMANDS: the pager titled TITLE shows, each on a line of its own,
# the lines virsh prints for VIRSH-COMMANDS (run as one virsh session on URI; CPU time, which
# follows the clock, only as a number); q then leaves the pager.
shown() {
    local title=$1 uri=$2 cmds=$3 out screen line n=0
    kd_tmux_wait_regex "^ $(esc_re "$title")\$"
    out=$(virsh -c "$uri" "$cmds" | expected_lines) || kd_fail "virsh $cmds"
    screen=$(kd_tmux_capture) || exit 1
    while IFS= read -r line; do
        line=${line%"${line##*[! ]}"}
        case $line in
        "CPU time:"*) line='^CPU time: +[0-9]+\.[0-9]s$' ;;
        *) line="^$(esc_re "$line")\$" ;;
        esac
        if ! grep -qE -- "$line" <<<"$screen"; then
            printf '%s\n' "--- screen:" "$screen" "--- virsh $cmds:" "$out" >&2
            kd_fail "$title: no line matching '$line'"
        fi
        n=$((n + 1))
    done <<<"$out"
    [ "$n" -ge 1 ] || kd_fail "virsh $cmds printed $n line(s)"
    kd_ok ":$title shows virsh's $n lines"
    kd_tmux_keys q
    wait_gone_re "^ $(esc_re "$title")\$"
}

# refused LINE MESSAGE: LINE gives MESSAGE in the status line and leaves the list shown.
refused() {
    palette_run "$1"
    wait_status "$2"
    kd_tmux_wait "$3"
    kd_ok ":$1 says '$2' and opens nothing"
}

def=test:///default
kd_tmux_start -x 140 -y 40 -- "$KVMDECK" -c "$def"
kd_tmux_wait "1 domain:"

palette_run "dominfo test"
shown "dominfo test" "$def" "dominfo test"
kd_tmux_wait "1 domain:"
kd_ok "q comes back to the list"
palette_run "dominfo"
shown "dominfo test" "$def" "dominfo test"
kd_ok ":dominfo without a domain is about the selected one"
palette_run "domstate 6695eb01-f6a4-8304-79aa-97f2502e193f --reason"
shown "domstate 6695eb01-f6a4-8304-79aa-97f2502e193f --reason" "$def" "domstate test --reason"
palette_run "list"
shown "list" "$def" "list"
palette_run "domblklist test"
shown "domblklist test" "$def" "domblklist test"
palette_run "domiflist test"
shown "domiflist test" "$def" "domiflist test"
palette_run "domifaddr test"
shown "domifaddr test" "$def" "domifaddr test"
palette_run "pool-info default-pool"
shown "pool-info default-pool" "$def" "pool-info default-pool"
palette_run "net-info default"
shown "net-info default" "$def" "net-info default"

# Tab completes what the verb's argument names: a pool, a network, a domain.
palette "pool-info def"
kd_tmux_keys Tab
wait_last '^:pool-info default-pool$'
kd_tmux_keys Escape
wait_last '^ [^:]'
palette "net-info de"
kd_tmux_keys Tab
wait_last '^:net-info default$'
kd_tmux_keys Escape
wait_last '^ [^:]'
palette "dominfo te"
kd_tmux_keys Tab
wait_last '^:dominfo test$'
kd_tmux_keys Escape
wait_last '^ [^:]'
kd_ok "Tab completes pool, network and domain names by the verb's argument"

# Volumes and snapshots are made here first, and again by the virsh session that compares.
# kvmdeck's volumes are sparse where virsh's vol-create-as allocates the whole capacity,
# hence --allocation 0 there.
palette_run "vol-create-as default-pool kdvol 1M"
wait_status "vol-create-as default-pool kdvol 1M: done"
palette_run "vol-info kdvol --pool default-pool"
shown "vol-info kdvol --pool default-pool" "$def" \
    "vol-create-as default-pool kdvol 1M --allocation 0; vol-info kdvol --pool default-pool"
palette_run "vol-info /default-pool/kdvol"
shown "vol-info /default-pool/kdvol" "$def" \
    "vol-create-as default-pool kdvol 1M --allocation 0; vol-info /default-pool/kdvol"
palette_run 'snapshot-create-as test s1 "a <first> & one"'
wait_status "snapshot-create-as s1: done"
palette_run "snapshot-create-as test s2"
wait_status "snapshot-create-as s2: done"
snaps="snapshot-create-as test s1; snapshot-create-as test s2"
palette_run "snapshot-info test s1"
shown "snapshot-info test s1" "$def" "$snaps; snapshot-info test s1"
palette_run "snapshot-info test s2"
shown "snapshot-info test s2" "$def" "$snaps; snapshot-info test s2"
kd_tmux_wait "1 domain:"

refused "dominfo nosuch" "dominfo: no domain named 'nosuch'" "1 domain:"
refused "domblklist nosuch" "domblklist: no domain named 'nosuch'" "1 domain:"
refused "pool-info nosuch" "pool-info: no storage pool named 'nosuch'" "1 domain:"
refused "vol-info nosuch --pool default-pool" \
    "vol-info: storage pool 'default-pool' has no volume named 'nosuch'" "1 domain:"
refused "vol-info kdvol --pool nosuch" "vol-info: no storage pool named 'nosuch'" "1 domain:"
refused "net-info nosuch" "net-info: no network named 'nosuch'" "1 domain:"
refused "snapshot-info test nosuch" "snapshot-info: domain 'test' has no snapshot named 'nosuch'" \
    "1 domain:"
refused "snapshot-info test" "usage: snapshot-info DOMAIN SNAPSHOT" "1 domain:"
refused "list --bogus" "list: unknown option '--bogus'" "1 domain:"
refused "nodememstats" "nodememstats: the host's memory: this function is not supported" \
    "1 domain:"
refused "nodememstats --cell x" "nodememstats: --cell takes a NUMA cell's number, not 'x'" \
    "1 domain:"
refused "domifaddr test --source nosuch" "domifaddr: unknown source 'nosuch'" "1 domain:"
kd_tmux_keys q
rc=$(kd_tmux_wait_exit) || exit 1
kd_assert_eq "$rc" 0 "q exits with status 0"

# The fixture: several states, inactive domains and the odd name.
kd_list_fixture
# shellcheck disable=SC2154 # fixture: set by kd_list_fixture
fix="test://$fixture"
odd="it's <odd> & \"quoted\""
kd_tmux_start -x 140 -y 40 -- "$KVMDECK" -c "$fix"
kd_tmux_wait "domains:"
palette_run "list --all"
shown "list --all" "$fix" "list --all"
palette_run "list --inactive"
shown "list --inactive" "$fix" "list --inactive"
palette_run "domstate db1 --reason"
shown "domstate db1 --reason" "$fix" "domstate db1 --reason"
palette_run "dominfo restored"
shown "dominfo restored" "$fix" "dominfo restored"

# Tab completes the odd name, quoted, and the verb takes it.
palette "dominfo it"
kd_tmux_keys Tab
wait_last "^:dominfo .*it.*s <odd> & .*quoted"
kd_tmux_keys Enter
kd_tmux_wait_regex "^ dominfo $(esc_re "$odd")\$"
out=$(virsh -c "$fix" dominfo -- "$odd") || kd_fail "virsh dominfo odd"
kd_assert_contains "$out" "$odd" "virsh names the odd domain"
screen=$(kd_tmux_capture) || exit 1
kd_assert_contains "$screen" "Name:           $odd" "dominfo shows the odd name, completed with Tab"
uuid=$(virsh -c "$fix" domuuid -- "$odd") || kd_fail "virsh domuuid"
kd_assert_contains "$screen" "UUID:           $uuid" "dominfo shows the odd domain's UUID"
kd_tmux_keys q
palette_run 'domiflist "it'"'"'s <odd> & \"quoted\""'
kd_tmux_wait_regex "^ domiflist $(esc_re "$odd")\$"
kd_tmux_wait_regex '^ Interface +Type +Source +Model +MAC$'
kd_ok ":domiflist takes the odd name quoted"
kd_tmux_keys q
kd_tmux_keys q
rc=$(kd_tmux_wait_exit) || exit 1
kd_assert_eq "$rc" 0 "q exits with status 0"
kd_check_sanitizers
kd_pass
