#!/bin/bash
# Each third-party header belongs to one module (see the architecture notes): a breach
# fails the test suite.
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/src
status=0
check() { # regex allowed-dir what
    local hits
    hits=$(grep -rlE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]$1" "$src" \
        | grep -v "^$src/$2/" || true)
    if [ -n "$hits" ]; then
        echo "FAIL: $3 included outside src/$2/:"
        echo "$hits" | sed "s|^$src/|  src/|"
        status=1
    else
        echo "ok - $3 only in src/$2/"
    fi
}
check 'libvirt/' backend 'libvirt headers'
check '(n)?curses\.h' ui 'curses headers'
check 'sqlite3\.h' store 'sqlite3.h'
check 'rfb/' console 'libvncclient headers'
check 'vterm' console 'vterm.h'
check 'libxml/' backend 'libxml2 headers'
exit $status
