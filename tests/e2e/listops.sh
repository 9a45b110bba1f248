#!/bin/bash
# What the list does with its rows: sort (o, O; kept across restarts), filter as you type
# (/, Esc, state:, tag:), tags (t, :tag, :untag; kept across restarts), marks for bulk
# actions (Space, one question for all, Esc) and the details pane (Enter).
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

ODD="it's <odd> & \"quoted\""

# The second header line (counts, filter, marks).
header() {
    kd_tmux_capture | sed -n 2p
}

wait_header() { # ERE
    # shellcheck disable=SC2034 # read by the command that _poll evals
    local hdr_re=$1
    _poll "the header to match '$1'" 'header | grep -qE -- "$hdr_re"' "${2:-10}"
}

# The names of the rows on screen, top to bottom, joined by '|'.
row_names() {
    kd_tmux_capture | sed -n '4,$p' |
        sed -nE 's/^[ *] (.*[^ ]) +(-|[0-9]+) +(running|paused|shut off|crashed|idle|pmsuspended|in shutdown|no state) .*/\1/p' |
        paste -sd '|' -
}

wait_order() { # EXPECTED WHAT
    local want=$1
    _poll "the order $want (got: $(row_names))" '[ "$(row_names)" = "$want" ]'
    kd_ok "$2"
}

kd_list_theme
kd_list_fixture

start() {
    kd_tmux_start -x 120 -y 30 -- "$KVMDECK" --theme sel -c "test://$fixture"
    kd_tmux_wait "7 domains:"
    wait_row web1 running
}

BY_NAME="build|crashy|db1|$ODD|restored|scratch|web1"

# ---- sort --------------------------------------------------------------------------------
start
kd_tmux_wait_regex '^  NAME▲ '
wait_order "$BY_NAME" "at first the list is sorted by name, NAME▲"
kd_tmux_keys o
kd_tmux_wait_regex ' ID▲ '
wait_status "sorted by id"
kd_tmux_wait_regex '^  NAME +ID▲'
wait_order "web1|db1|crashy|scratch|$ODD|build|restored" "o sorts by ID▲ (inactive last)"
kd_tmux_keys O
kd_tmux_wait_regex ' ID▼ '
wait_status "sorted by id, reversed"
wait_order "build|restored|$ODD|scratch|crashy|db1|web1" "O reverses it: ID▼"
quit

start
kd_tmux_wait_regex ' ID▼ '
wait_order "build|restored|$ODD|scratch|crashy|db1|web1" \
    "the sort order (ID▼) is kept across a restart"
kd_tmux_keys O
kd_tmux_wait_regex ' ID▲ '
kd_tmux_keys o
kd_tmux_wait_regex ' STATE▲ '
wait_order "crashy|db1|$ODD|scratch|web1|build|restored" "o again sorts by STATE▲"
kd_tmux_keys o
kd_tmux_wait_regex ' VCPUS▲ '
wait_order "build|crashy|scratch|db1|restored|$ODD|web1" "o again sorts by VCPUS▲"
kd_tmux_keys o
kd_tmux_wait_regex ' MEMORY▲ '
wait_order "scratch|crashy|build|$ODD|restored|web1|db1" "o again sorts by MEMORY▲"
kd_tmux_keys o
kd_tmux_wait_regex ' AUTOSTART▲'
kd_tmux_keys o
kd_tmux_wait_regex ' TAGS▲'
kd_tmux_keys o
kd_tmux_wait_regex '^  NAME▲ '
wait_order "$BY_NAME" "o cycles VCPUS, MEMORY, AUTOSTART, TAGS and back to NAME▲"

# ---- filter ------------------------------------------------------------------------------
kd_tmux_keys /
wait_last '^/$'
kd_tmux_literal b
wait_header "filter: b \(3 shown\)"
wait_order "build|db1|web1" "typing 'b' narrows the list at once to build, db1 and web1"
kd_tmux_literal u
wait_header "filter: bu \(1 shown\)"
wait_order "build" "typing 'u' narrows it to build"
kd_tmux_keys Enter
wait_last '^ '
wait_header "^ 7 domains: .*filter: bu \(1 shown\)"
wait_order "build" "Enter keeps the filter"
kd_tmux_keys Escape
wait_gone_re "filter:"
wait_order "$BY_NAME" "Esc in the list clears the filter"

kd_tmux_keys /
wait_last '^/$'
kd_tmux_literal bu
wait_header "filter: bu \(1 shown\)"
kd_tmux_keys Enter
wait_last '^ '
kd_tmux_keys /
wait_last '^/bu$'
kd_tmux_literal x
wait_header "filter: bux \(0 shown\)"
kd_tmux_wait "No domain matches the filter"
kd_tmux_keys Escape
wait_last '^ '
wait_header "filter: bu \(1 shown\)"
wait_order "build" "Esc while typing brings back the filter from before"
kd_tmux_keys Escape
wait_gone_re "filter:"

kd_tmux_keys /
wait_last '^/$'
kd_tmux_literal state:paused
wait_header "filter: state:paused \(1 shown\)"
wait_order "db1" "state:paused shows only db1"
kd_tmux_keys Enter
wait_last '^ '
kd_tmux_keys Escape
wait_gone_re "filter:"

# ---- tags --------------------------------------------------------------------------------
select_dom web1
kd_tmux_keys t
kd_tmux_wait "Tags of web1"
kd_tmux_literal "prod web"
kd_tmux_keys Enter
kd_tmux_wait_gone "Tags of web1"
kd_tmux_wait_regex "$(row_re web1 'running .* 4 +1.0 GiB +no +prod,web *$')"
wait_status "tags of web1: prod web"
kd_ok "t with 'prod web' shows prod,web in web1's TAGS column"
palette_run "tag db1 db"
kd_tmux_wait_regex "$(row_re db1 'paused .* db *$')"

kd_tmux_keys /
wait_last '^/$'
kd_tmux_literal tag:prod
wait_header "filter: tag:prod \(1 shown\)"
wait_order web1 "tag:prod shows only web1"
kd_tmux_keys Enter
wait_last '^ '
kd_tmux_keys Escape
wait_gone_re "filter:"
quit

start
kd_tmux_wait_regex "$(row_re web1 'running .* prod,web *$')"
kd_tmux_wait_regex "$(row_re db1 'paused .* db *$')"
kd_ok "tags are kept across a restart"
palette_run "tag web1 db -prod"
kd_tmux_wait_regex "$(row_re web1 'running .* db,web *$')"
wait_status "tags of web1: db,web"
kd_ok ":tag web1 db -prod adds db and removes prod"
palette_run "untag web1 db"
kd_tmux_wait_regex "$(row_re web1 'running .* web *$')"
wait_status "removed 1 tag from web1"
kd_ok ":untag web1 db removes db"
palette_run "untag web1"
wait_status "usage: untag DOMAIN TAG..."
palette_run "tag web1 a,b"
wait_status "a tag cannot be empty or hold a comma: 'a,b'"
kd_tmux_wait_regex "$(row_re web1 'running .* web *$')"
kd_ok "a bad tag or a missing argument gets a clear message; the tags are unchanged"
ODD_Q="\"it's <odd> & \\\"quoted\\\"\""
palette_run "tag $ODD_Q odd"
kd_tmux_wait_regex "$(row_re "$ODD" 'running .* odd *$')"
kd_ok ":tag on $ODD works with the quoted name"

# ---- details pane ------------------------------------------------------------------------
select_dom build
kd_tmux_keys Enter
kd_tmux_wait "Details: build"
kd_tmux_wait_regex "^ OS +hvm"
kd_tmux_wait_regex "^ Firmware +"
kd_tmux_wait_regex "^ Size +1 vCPU, 512 MiB of 512 MiB"
kd_tmux_wait_regex "^ UUID +33333333-3333-4333-8333-333333333333"
kd_ok "Enter shows the details of build: OS, Firmware, Size, UUID"
kd_tmux_keys j
kd_tmux_wait "Details: crashy"
kd_tmux_wait_regex "^ UUID +55555555-5555-4555-8555-555555555555"
kd_tmux_wait_regex "^ Size +1 vCPU, 256 MiB of 256 MiB"
kd_tmux_wait_gone "Details: build"
kd_ok "moving the selection updates the pane (crashy)"
kd_tmux_keys Enter
kd_tmux_wait_gone "Details: crashy"
kd_tmux_wait_gone "UUID"
kd_ok "Enter hides the pane"

# ---- marks and a bulk action -------------------------------------------------------------
select_dom build
kd_tmux_keys Space
kd_tmux_wait_regex "$(row_re build 'shut off ')"
kd_tmux_wait_regex '^\* build +- +shut off '
_poll "the selection to move to crashy" 'selected_row | grep -qE -- "$(row_re crashy)"'
wait_status "1 marked"
kd_ok "Space marks build with '*' and moves down"
expect "the header says 1 marked after Space" "header | grep -qE '\\| +1 marked\$'"
select_dom restored
kd_tmux_keys Space
kd_tmux_wait_regex '^\* restored +- +shut off '
kd_ok "two marked: build and restored"
expect "the header says 2 marked after the second Space" "header | grep -qE '\\| +2 marked\$'"
reset_status
kd_tmux_keys s
kd_tmux_wait "start 2 domains?"
kd_tmux_wait "build, restored"
kd_tmux_keys y
kd_tmux_wait_gone "start 2 domains?"
kd_tmux_wait_regex '^\* build +[0-9]+ +running '
kd_tmux_wait_regex '^\* restored +[0-9]+ +running '
wait_row web1 running
wait_row db1 paused
kd_ok "s asks once for both and starts build and restored (and nothing else)"
kd_tmux_keys D
kd_tmux_wait "destroy 2 domains?"
kd_tmux_wait "build, restored"
kd_tmux_keys y
kd_tmux_wait_gone "destroy 2 domains?"
kd_tmux_wait_regex '^\* build +- +shut off '
kd_tmux_wait_regex '^\* restored +- +shut off '
wait_row web1 running
if kd_tmux_capture | grep -q "domain?"; then
    kd_fail "a second question after the bulk destroy"
fi
kd_ok "D asks once, naming both, and destroys both"
wait_header '\| +2 marked$'
# The jobs above keep a once-a-second tick (which redraws the header) going for one more
# second; let it stop so that only Esc itself can change the header.
sleep 1.5
kd_tmux_keys Escape
wait_gone_re '^\* '
kd_ok "Esc clears the marks"
expect "the header no longer says 2 marked after Esc" "header | grep -qE '^ 7 domains: [^|]*\$'" 3
quit
finish
