#!/bin/bash
# The local database ($XDG_DATA_HOME/kvmdeck/kvmdeck.db) never stops kvmdeck and is never
# damaged by it: a file that is not ours is left byte for byte as it was while kvmdeck
# works in memory and says so; two instances share one database; a data directory that
# cannot be made gets a clear message.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"
. "$KD_LIBDIR/list.sh"

kd_list_fixture
uri=test://$fixture
data=$KD_TMPDIR/xdg/data # the XDG_DATA_HOME the harness gives the program
dbdir=$data/kvmdeck
db=$dbdir/kvmdeck.db
mkdir -p "$data"

# A theme of our own: a warning about the installed themes would hide the store's message.
kd_list_theme plain

start() { # COLS
    kd_tmux_start -x "${1:-120}" -y 30 -- "$KVMDECK" --theme plain -c "$uri"
    kd_tmux_wait "7 domains:"
    kd_tmux_wait_regex "$(row_re web1 'running ')"
}

# Still usable: a tag and a sort work (in memory).
check_usable() {
    palette_run "tag web1 mem"
    kd_tmux_wait_regex "$(row_re web1 'running .* mem *$')"
    kd_tmux_keys o
    kd_tmux_wait_regex ' ID▲ '
    kd_ok "$1: still usable (tags, sort)"
}

checksum() {
    sha256sum <"$1" | cut -d' ' -f1
}

# make_db FILE SQL: an SQLite file made by someone else.
make_db() {
    if command -v sqlite3 >/dev/null 2>&1; then
        sqlite3 "$1" "$2"
    elif command -v python3 >/dev/null 2>&1; then
        python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$1" "$2"
    else
        return 1
    fi
}

# ---- a file that is not a database -------------------------------------------------------
mkdir -p "$dbdir"
yes 'this is somebody else'"'"'s notes, not a database' | head -c 4096 >"$db"
sum=$(checksum "$db")
start 250
wait_status "$db is not a kvmdeck database or is corrupt"
wait_status "working in memory, nothing will be kept"
kd_ok "a text file as the database: the status line says it is not usable and kvmdeck works in memory"
check_usable "text file"
quit
kd_assert_eq "$sum" "$(checksum "$db")" "the text file is unchanged"
kd_assert_eq "kvmdeck.db" "$(ls -A "$dbdir" | tr '\n' ' ' | sed 's/ $//')" \
    "nothing was created beside it"
start 250
wait_status "is not a kvmdeck database or is corrupt"
_poll "web1 without the tag 'mem'" \
    '! kd_tmux_capture | grep -qE -- "$(row_re web1 "running .* mem *$")"'
kd_ok "the next start says the same; the tag made in memory was not kept, as it said"
quit
# At the default size the reason must still be readable.
start 100
wait_status "opening the local database"
expect "at 100 columns the status line still says that kvmdeck works in memory" \
    'kd_tmux_capture | tail -n 1 | grep -q "in memory"' 1
quit
kd_assert_eq "$sum" "$(checksum "$db")" "the text file is still unchanged"

# ---- another program's SQLite database ---------------------------------------------------
rm -rf "$dbdir"
mkdir -p "$dbdir"
if make_db "$db" "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);
                  INSERT INTO notes (text) VALUES ('keep me');"; then
    sum=$(checksum "$db")
    start 250
    wait_status "it holds another program's tables"
    wait_status "working in memory"
    check_usable "another program's database"
    quit
    kd_assert_eq "$sum" "$(checksum "$db")" "another program's database is unchanged"
    kd_assert_eq "kvmdeck.db" "$(ls -A "$dbdir" | tr '\n' ' ' | sed 's/ $//')" \
        "no journal or WAL file was left beside it"

    # One written by a newer kvmdeck: left alone too.
    rm -rf "$dbdir"
    mkdir -p "$dbdir"
    make_db "$db" "PRAGMA application_id = 1263947076; PRAGMA user_version = 9999;
                   CREATE TABLE future (x);" || kd_fail "cannot make the newer database"
    sum=$(checksum "$db")
    start 250
    wait_status "was written by a newer kvmdeck (schema 9999"
    wait_status "left untouched"
    check_usable "a newer kvmdeck's database"
    quit
    kd_assert_eq "$sum" "$(checksum "$db")" "the newer database is unchanged"
else
    kd_ok "neither sqlite3 nor python3: no foreign SQLite file to try"
fi

# ---- two instances on one database -------------------------------------------------------
rm -rf "$dbdir"
# Both start at the same moment: both may try to create the schema.
kd_tmux_start -x 120 -y 30 -- "$KVMDECK" --theme plain -c "$uri"
# shellcheck disable=SC2034 # read through a nameref in use()
A=("$KD_TMUX_SOCKET" "$KD_TMUX_EXITFILE")
kd_tmux_start -x 120 -y 30 -- "$KVMDECK" --theme plain -c "$uri"
# shellcheck disable=SC2034 # read through a nameref in use()
B=("$KD_TMUX_SOCKET" "$KD_TMUX_EXITFILE")
use() { # A or B
    local -n s=$1
    KD_TMUX_SOCKET=${s[0]}
    KD_TMUX_EXITFILE=${s[1]}
}
for who in A B; do
    use $who
    kd_tmux_wait "7 domains:"
    wait_status "connected to $uri"
    kd_tmux_wait_gone "working in memory"
done
kd_ok "two instances started at once both open the database"

use A
palette_run "tag web1 from-a"
kd_tmux_wait_regex "$(row_re web1 'running .* from-a *$')"
use B
palette_run "tag db1 from-b"
kd_tmux_wait_regex "$(row_re db1 'paused .* from-b *$')"
kd_tmux_keys o
kd_tmux_wait_regex ' ID▲ '
wait_status "sorted by id"
kd_ok "each instance writes while the other runs"
quit
kd_tmux_start -x 120 -y 30 -- "$KVMDECK" --theme plain -c "$uri"
# shellcheck disable=SC2034 # read through a nameref in use()
B=("$KD_TMUX_SOCKET" "$KD_TMUX_EXITFILE")
kd_tmux_wait "7 domains:"
kd_tmux_wait_regex "$(row_re web1 'running .* from-a *$')"
kd_tmux_wait_regex "$(row_re db1 'paused .* from-b *$')"
kd_tmux_wait_regex ' ID▲ '
kd_ok "B restarted sees A's tag, its own tag and its sort order"
use A
palette_run "untag web1 from-a"
kd_tmux_wait_gone "from-a"
quit
use B
quit
start 120
kd_tmux_wait_regex "$(row_re db1 'paused .* from-b *$')"
kd_tmux_wait_gone "from-a"
kd_ok "A's later untag is kept as well"
quit

# ---- a data directory that cannot be made ------------------------------------------------
rm -rf "$dbdir"
printf 'not a directory\n' >"$dbdir"
sum=$(checksum "$dbdir")
start 250
wait_status "cannot create the directory $dbdir"
wait_status "working in memory, nothing will be kept"
kd_ok "\$XDG_DATA_HOME/kvmdeck is a file: a clear message, and kvmdeck works in memory"
check_usable "no data directory"
palette_run "suspend web1"
kd_tmux_wait_regex "$(row_re web1 'paused ')"
wait_status "suspend web1: done"
kd_ok "domain actions work (:suspend web1) though nothing can be written to disk"
kd_tmux_keys L
kd_tmux_wait "Audit log (newest first)"
kd_tmux_wait_regex "  web1 +suspend +ok"
kd_ok "the audit log of this session is kept in memory"
kd_tmux_keys q
kd_tmux_wait_gone "Audit log"
quit
kd_assert_eq "$sum" "$(checksum "$dbdir")" "the file in its place is unchanged"
finish
