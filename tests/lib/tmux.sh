# shellcheck shell=bash
# End-to-end harness: run a program in a detached tmux pane, type into it,
# read its screen.
#
# Source after common.sh. Typical use:
#
#   kd_tmux_start -- "$KVMDECK" -c test:///default
#   kd_tmux_wait 'Name'
#   kd_tmux_keys q
#   rc=$(kd_tmux_wait_exit) || exit 1
#
# The pane runs   printf 'KDSTART\n'; CMD; echo "KDEXIT=$?"; exec sleep ...
# so the pane outlives the program and the test can look at the terminal it
# left behind (screen contents and modes, see kd_tmux_pane_flags).
#
# Functions that print a value (kd_tmux_capture, kd_tmux_wait_exit,
# kd_tmux_pid, kd_tmux_pane_flags) are meant for $(...): a failure inside
# $(...) only ends the subshell, so write  x=$(kd_tmux_pid) || exit 1.
#
# Environment read (optional):
#   KD_TMUX_TERM   TERM inside the pane (default tmux-256color when terminfo
#                  has it, else screen-256color)
#   ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS   passed to the program with
#                  log_path=$KD_TMPDIR/asan appended

if [ -n "${KD_TMUX_LOADED:-}" ]; then
    return 0
fi
KD_TMUX_LOADED=1

if [ -z "${KD_COMMON_LOADED:-}" ]; then
    echo "FAIL: source tests/lib/common.sh before tests/lib/tmux.sh" >&2
    exit 1
fi

command -v tmux >/dev/null 2>&1 || kd_skip "tmux is not installed"

if [ -z "${KD_TMUX_TERM:-}" ]; then
    # tmux-256color is what tmux itself recommends, but older terminfo
    # databases lack it; screen-256color is everywhere.
    if infocmp tmux-256color >/dev/null 2>&1; then
        KD_TMUX_TERM=tmux-256color
    else
        KD_TMUX_TERM='screen-256color'
    fi
fi

KD_TMUX_SOCKET=''            # socket name (-L) of the current server
KD_TMUX_TARGET=kd            # session name = target of every command
KD_TMUX_EXITFILE=''          # where the pane writes the program's exit code
_KD_TMUX_SEQ=0

# Only the pane's program writes here; one file per process (asan.<pid>).
KD_SANITIZER_LOG=$KD_TMPDIR/asan

# A test run from inside tmux has TMUX set; the private socket must win.
_kd_tmux() {
    [ -n "$KD_TMUX_SOCKET" ] || kd_fail "no tmux server: call kd_tmux_start first"
    env -u TMUX tmux -L "$KD_TMUX_SOCKET" -f /dev/null "$@"
}

# Append log_path to a sanitizer option string (colon separated).
_kd_san_opts() {
    printf '%s' "${1:+$1:}log_path=$KD_SANITIZER_LOG"
}

# kd_tmux_start [-x COLS] [-y ROWS] -- CMD [ARGS...]
#   Start a private tmux server running CMD in a COLSxROWS pane (default
#   100x30). The server is killed at exit. The program's XDG directories
#   point into $KD_TMPDIR so that tests never read or write the real ones;
#   pass "env XDG_CONFIG_HOME=... CMD" to choose others.
kd_tmux_start() {
    local cols=100 rows=30
    while [ $# -gt 0 ]; do
        case $1 in
        -x) cols=${2:-}; shift 2 || kd_fail "kd_tmux_start: -x needs a value" ;;
        -y) rows=${2:-}; shift 2 || kd_fail "kd_tmux_start: -y needs a value" ;;
        --) shift; break ;;
        *) kd_fail "kd_tmux_start: unknown option '$1' (CMD goes after --)" ;;
        esac
    done
    [ $# -gt 0 ] || kd_fail "kd_tmux_start: no command"
    case $cols$rows in
    *[!0-9]*) kd_fail "kd_tmux_start: bad size ${cols}x$rows" ;;
    esac

    _KD_TMUX_SEQ=$((_KD_TMUX_SEQ + 1))
    KD_TMUX_SOCKET=kdtest-$$-$RANDOM$RANDOM
    KD_TMUX_EXITFILE=$KD_TMPDIR/tmux-$_KD_TMUX_SEQ.exit
    rm -f "$KD_TMUX_EXITFILE"

    local home=$KD_TMPDIR/xdg
    mkdir -p "$home/config" "$home/data" "$home/state" "$home/cache" ||
        kd_fail "cannot create $home"

    # C-c and C-\ reach the pane's bash too, which would die with the
    # program and take the pane with it; a no-op trap keeps it (a trap,
    # unlike ignoring, is reset to the default in the program).
    # The exit code goes to a file as well as the screen: the program may
    # leave the screen in any state, the file is what kd_tmux_wait_exit reads.
    # The final sleep keeps the pane (and its screen) after the program
    # exits; it is bounded so that a server orphaned by SIGKILL goes away.
    local script
    # shellcheck disable=SC2016 # expanded by the pane's bash, not here
    script='trap : INT QUIT; printf "KDSTART\n"; "$@"; rc=$?; printf "KDEXIT=%s\n" "$rc"; '
    script+="printf '%s\n' \"\$rc\" >$(printf %q "$KD_TMUX_EXITFILE"); exec sleep 3600"

    # Registered first, so that even a half-started server is killed.
    kd_at_exit "_kd_tmux_kill $KD_TMUX_SOCKET"
    # COLUMNS/LINES would override the pane size in ncurses.
    _kd_tmux new-session -d -s "$KD_TMUX_TARGET" -x "$cols" -y "$rows" -- \
        env -u COLUMNS -u LINES \
        TERM="$KD_TMUX_TERM" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
        XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" \
        XDG_STATE_HOME="$home/state" XDG_CACHE_HOME="$home/cache" \
        ASAN_OPTIONS="$(_kd_san_opts "${ASAN_OPTIONS:-}")" \
        UBSAN_OPTIONS="$(_kd_san_opts "${UBSAN_OPTIONS:-}")" \
        LSAN_OPTIONS="$(_kd_san_opts "${LSAN_OPTIONS:-}")" \
        bash -c "$script" kd-pane "$@" ||
        kd_fail "tmux new-session failed"
}

# Succeeds when PID runs. A zombie does not count: where PID 1 does not
# reap orphans (some containers) the pane's processes stay zombies.
_kd_pid_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    case $stat in
    *") Z "* | *") X "*) return 1 ;;
    esac
    return 0
}

# Kill one server (clean-up handler). The program gets SIGHUP when its pane
# goes; wait for it so that sanitizer logs written on the way out are
# complete before anyone reads them.
_kd_tmux_kill() {
    local sock=$1 pids p i path
    # kill-server leaves the socket file behind.
    path=$(env -u TMUX tmux -L "$sock" display-message -p '#{socket_path}' 2>/dev/null)
    pids=$(env -u TMUX tmux -L "$sock" list-panes -a -F '#{pane_pid}' 2>/dev/null |
        while read -r p; do
            echo "$p"
            pgrep -P "$p"
        done)
    env -u TMUX tmux -L "$sock" kill-server >/dev/null 2>&1
    [ -n "$path" ] && rm -f "$path"
    for ((i = 0; i < 50; i++)); do
        for p in $pids; do
            _kd_pid_alive "$p" && break
            p=''
        done
        [ -z "${p:-}" ] && return 0
        sleep 0.1
    done
    echo "# processes left after tmux kill-server, killing: $pids" >&2
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null
    return 0
}

# kd_tmux_keys KEY...: send tmux key names (j, Down, Enter, C-c, Escape, F1).
kd_tmux_keys() {
    _kd_tmux send-keys -t "$KD_TMUX_TARGET" "$@" || kd_fail "send-keys $* failed"
}

# kd_tmux_literal TEXT: type TEXT character by character.
kd_tmux_literal() {
    _kd_tmux send-keys -t "$KD_TMUX_TARGET" -l -- "$1" || kd_fail "send-keys -l failed"
}

# kd_tmux_capture [capture-pane options]: print the visible screen
# (-e adds colours and attributes as escape sequences).
kd_tmux_capture() {
    _kd_tmux capture-pane -p -t "$KD_TMUX_TARGET" "$@" || kd_fail "capture-pane failed"
}

# Poll the screen until test MODE on PATTERN holds; fail after TIMEOUT
# seconds, showing the last screen. MODE: fixed, gone, regex.
_kd_tmux_poll() {
    local mode=$1 pat=$2 timeout deadline screen found exit_deadline=''
    timeout=$(kd_timeout "${3:-10}")
    deadline=$(($(kd_now_us) + timeout * 1000000))
    while :; do
        # Once the program has exited its screen will not change, so do not
        # wait out the timeout; but tmux reads the pane's output
        # asynchronously, so allow it a moment to catch up.
        if [ -z "$exit_deadline" ] && [ -s "$KD_TMUX_EXITFILE" ]; then
            exit_deadline=$(($(kd_now_us) + 500000))
        fi
        screen=$(_kd_tmux capture-pane -p -t "$KD_TMUX_TARGET" 2>&1) ||
            kd_fail "tmux server gone while waiting for '$pat': $screen"
        case $mode in
        fixed | gone) grep -qF -- "$pat" <<<"$screen" && found=1 || found=0 ;;
        regex) grep -qE -- "$pat" <<<"$screen" && found=1 || found=0 ;;
        esac
        if [ "$mode" = gone ]; then
            [ "$found" = 0 ] && return 0
        else
            [ "$found" = 1 ] && return 0
        fi
        if [ -n "$exit_deadline" ] && [ "$(kd_now_us)" -ge "$exit_deadline" ]; then
            printf '%s\n' "--- final screen:" "$screen" "--- end of screen" >&2
            kd_fail "program exited (status $(cat "$KD_TMUX_EXITFILE")) while waiting for '$pat'"
        fi
        if [ "$(kd_now_us)" -ge "$deadline" ]; then
            printf '%s\n' "--- screen after ${timeout}s:" "$screen" "--- end of screen" >&2
            case $mode in
            gone) kd_fail "timed out after ${timeout}s waiting for '$pat' to disappear" ;;
            *) kd_fail "timed out after ${timeout}s waiting for '$pat'" ;;
            esac
        fi
        sleep 0.05
    done
}

# kd_tmux_wait TEXT [TIMEOUT=10]: wait until the screen shows TEXT (fixed
# string).
kd_tmux_wait() {
    _kd_tmux_poll fixed "$1" "${2:-10}"
}

# kd_tmux_wait_gone TEXT [TIMEOUT=10]: wait until TEXT is no longer shown.
kd_tmux_wait_gone() {
    _kd_tmux_poll gone "$1" "${2:-10}"
}

# kd_tmux_wait_regex ERE [TIMEOUT=10]: wait until a screen line matches ERE,
# e.g. to find a name and a state on the same row: "$name .*running".
kd_tmux_wait_regex() {
    _kd_tmux_poll regex "$1" "${2:-10}"
}

# kd_tmux_wait_exit [TIMEOUT=10]: wait until the program has exited and
# print its exit status (128+N when killed by signal N).
kd_tmux_wait_exit() {
    local timeout deadline rc
    timeout=$(kd_timeout "${1:-10}")
    deadline=$(($(kd_now_us) + timeout * 1000000))
    until [ -s "$KD_TMUX_EXITFILE" ]; do
        if [ "$(kd_now_us)" -ge "$deadline" ]; then
            printf '%s\n' "--- screen after ${timeout}s:" >&2
            _kd_tmux capture-pane -p -t "$KD_TMUX_TARGET" >&2
            printf '%s\n' "--- end of screen" >&2
            kd_fail "program did not exit within ${timeout}s"
        fi
        sleep 0.05
    done
    read -r rc <"$KD_TMUX_EXITFILE"
    # The pane prints KDEXIT= after everything the program wrote: once tmux
    # shows it, captures show the program's final screen. A program that
    # left the terminal in a strange state may hide it, so do not insist.
    deadline=$(($(kd_now_us) + 2000000))
    until _kd_tmux capture-pane -p -t "$KD_TMUX_TARGET" | grep -qF "KDEXIT=$rc"; do
        [ "$(kd_now_us)" -ge "$deadline" ] && break
        sleep 0.05
    done
    echo "$rc"
}

# kd_tmux_resize COLS ROWS: resize the pane; the program gets SIGWINCH.
kd_tmux_resize() {
    [ $# -eq 2 ] || kd_fail "kd_tmux_resize: need COLS ROWS"
    # With no client attached, resize-window also switches the window to
    # window-size manual, so the size sticks.
    _kd_tmux resize-window -t "$KD_TMUX_TARGET" -x "$1" -y "$2" ||
        kd_fail "resize-window to $1x$2 failed"
    local size
    size=$(_kd_tmux display-message -p -t "$KD_TMUX_TARGET" '#{pane_width}x#{pane_height}')
    [ "$size" = "$1x$2" ] || kd_fail "pane is $size after resize to $1x$2"
}

# kd_tmux_pane_flags: print the pane's terminal modes as tmux sees them:
#   alternate_on cursor_flag keypad_cursor_flag keypad_flag mouse_any_flag insert_flag
# A program that restored the terminal leaves "0 1 0 0 0 0".
kd_tmux_pane_flags() {
    local fmt='#{alternate_on} #{cursor_flag} #{keypad_cursor_flag}'
    fmt+=' #{keypad_flag} #{mouse_any_flag} #{insert_flag}'
    _kd_tmux display-message -p -t "$KD_TMUX_TARGET" "$fmt" || kd_fail "display-message failed"
}

# kd_tmux_pid [TIMEOUT=5]: print the pid of the program running in the pane
# (for kill -TERM / -HUP tests).
kd_tmux_pid() {
    local timeout deadline shell pid
    timeout=$(kd_timeout "${1:-5}")
    deadline=$(($(kd_now_us) + timeout * 1000000))
    shell=$(_kd_tmux display-message -p -t "$KD_TMUX_TARGET" '#{pane_pid}') ||
        kd_fail "cannot read pane_pid"
    while :; do
        # The pane's bash forks the program; once the program exits the
        # bash becomes "sleep" and has no child.
        pid=$(pgrep -o -P "$shell")
        [ -n "$pid" ] && break
        [ "$(kd_now_us)" -ge "$deadline" ] &&
            kd_fail "no program running in the pane (pane shell $shell)"
        sleep 0.05
    done
    echo "$pid"
}

# Print every non-empty sanitizer log; fail (return 1) if there is one.
_kd_no_sanitizer_reports() {
    local f bad=0
    for f in "$KD_SANITIZER_LOG"*; do
        [ -s "$f" ] || continue
        printf '%s\n' "--- sanitizer report $f:" >&2
        cat "$f" >&2
        printf '%s\n' "--- end of $f" >&2
        bad=1
    done
    return "$bad"
}

# kd_check_sanitizers: fail if the program wrote a sanitizer report. Also
# runs by itself at exit.
kd_check_sanitizers() {
    _kd_no_sanitizer_reports || kd_fail "sanitizer reported errors"
}

# Registered now, before any server exists, so that it runs after every
# server has been killed and its program has finished writing.
kd_at_exit _kd_no_sanitizer_reports
