#!/bin/bash
# The list shows what libvirt has: the demo host's domain, then every domain of a
# fixture host with the state virsh reports for it; j/k move the selection.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"

kd_tmux_start -- "$KVMDECK" -c test:///default
kd_tmux_wait_regex '^ +test +1 +running +2 +'
screen=$(kd_tmux_capture) || exit 1
kd_assert_contains "$screen" "test:///default" "header names the URI"
kd_assert_contains "$screen" "1 domain: 1 running" "header counts domains by state"
kd_assert_contains "$screen" "libvirt " "header names the libvirt version"
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits with status 0"

# A short path: the URI is shown whole in dialogs and the status line.
cp "$KD_FIXTURES/hosts.xml" "$KD_TMPDIR/hosts.xml" || kd_fail "cannot copy the fixture"
fixture=$KD_TMPDIR/hosts.xml
[ -r "$fixture" ] || kd_fail "no fixture $fixture"
uri="test://$fixture"
# A theme that marks only the selection, so the selected row is easy to find.
conf=$KD_TMPDIR/conf
mkdir -p "$conf/kvmdeck/themes"
printf '[colors]\nlist.selected = underline\n' >"$conf/kvmdeck/themes/sel.theme"
kd_tmux_start -x 120 -y 30 -- env XDG_CONFIG_HOME="$conf" "$KVMDECK" --theme sel -c "$uri"
kd_tmux_wait "domains:"
n=0
while IFS= read -r name; do
    [ -n "$name" ] || continue
    state=$(virsh -q -c "$uri" domstate -- "$name") || kd_fail "virsh domstate $name"
    # The row holds the name verbatim, then the id, then virsh's word for the state.
    esc=$(printf '%s' "$name" | sed 's/[][\\.*^$+?(){}|]/\\&/g')
    kd_tmux_wait_regex "^[ *] $esc +(-|[0-9]+) +$state " 5
    kd_ok "'$name' is listed as $state"
    n=$((n + 1))
done < <(virsh -q -c "$uri" list --all --name)
[ "$n" -ge 4 ] || kd_fail "fixture has only $n domains"
kd_tmux_wait "$n domains:"

# The selection bar follows j and k.
selected_row() {
    kd_tmux_capture -e | grep -n $'\e\\[4m' | head -1 | cut -d: -f1
}
wait_selected() { # row what
    local row
    for _ in $(seq 50); do
        row=$(selected_row)
        [ "$row" = "$1" ] && { kd_ok "$2"; return; }
        sleep 0.1
    done
    kd_fail "$2: selected row is ${row:-none}, expected $1"
}
wait_selected 4 "the first domain is selected at start"
kd_tmux_keys j
wait_selected 5 "j moves the selection down"
kd_tmux_keys j j
wait_selected 7 "j j moves it two more"
kd_tmux_keys k
wait_selected 6 "k moves it up"
kd_tmux_keys G
wait_selected $((3 + n)) "G goes to the last domain"
kd_tmux_keys g
wait_selected 4 "g goes to the first domain"
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits with status 0"
kd_pass
