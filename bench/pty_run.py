#!/usr/bin/env python3
"""Runs the real kvmdeck in a pseudo-terminal for the benchmarks.

  pty_run.py firstframe RUNS [--marker=TEXT] CMD...
                                      time from exec to the first frame, RUNS times; the
                                      frame is there when TEXT has been written
  pty_run.py idle SECONDS CMD...      bytes written in SECONDS of ticks every 0.1 s that
                                      bring nothing new, in the list then the stats view
  pty_run.py rss SECONDS CMD...       peak RSS after SECONDS of ticks every 0.1 s, half of
                                      them in the list view, half in the stats view

The terminal is 160x50, TERM=xterm-256color. kvmdeck's first frame is on screen when the
status line's greeting ("connected to") has been written: the status line is the last thing
the first frame draws. Every run ends by pressing q; a run that does not end is killed.
"""

import fcntl
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time

ROWS, COLS = 50, 160
MARKER = b"connected to"
FRAME_TIMEOUT = 120.0  # under callgrind, start-up takes tens of seconds


def spawn(cmd):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = dict(os.environ, TERM="xterm-256color")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    return proc, master, t0


def read_until(master, marker, timeout, seen=b""):
    """Read until marker appears; returns (time it appeared or None, everything read)."""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, seen
        ready, _, _ = select.select([master], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            return None, seen
        if not chunk:
            return None, seen
        seen += chunk
    return time.monotonic(), seen


def drain(master, seconds):
    """Keep reading for a while so that the program never blocks on a full terminal."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            try:
                if not os.read(master, 65536):
                    return
            except OSError:
                return


def finish(proc, master, presses=1):
    """Quit with q (pressed again from a view where q goes back), then by signal."""
    for key in [b"q"] * presses + [None]:
        try:
            if key:
                os.write(master, key)
        except OSError:
            pass
        deadline = time.monotonic() + (10 if key else 3)
        while proc.poll() is None and time.monotonic() < deadline:
            drain(master, 0.1)
        if proc.poll() is not None:
            break
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 3
        while proc.poll() is None and time.monotonic() < deadline:
            drain(master, 0.1)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    os.close(master)


def fail(what, seen):
    tail = seen[-400:].decode("utf-8", "replace")
    sys.stderr.write(f"pty_run: {what}; the terminal showed (end): {tail!r}\n")
    sys.exit(1)


def first_frame(runs, cmd):
    marker = MARKER
    if cmd and cmd[0].startswith("--marker="):
        marker = cmd.pop(0)[len("--marker="):].encode()
    times = []
    for _ in range(runs):
        proc, master, t0 = spawn(cmd)
        t1, seen = read_until(master, marker, FRAME_TIMEOUT)
        if t1 is None:
            finish(proc, master)
            fail("no first frame", seen)
        times.append((t1 - t0) * 1000)
        # Let the frame finish before quitting, so that quitting is not what is measured.
        drain(master, 0.05)
        finish(proc, master)
    print("ms " + " ".join(f"{t:.1f}" for t in times))
    print(f"median_ms {statistics.median(times):.1f}")


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def peak_rss(seconds, cmd):
    proc, master, _ = spawn(cmd)
    t1, seen = read_until(master, MARKER, FRAME_TIMEOUT)
    if t1 is None:
        finish(proc, master)
        fail("no first frame", seen)
    # A tick every 0.1 s, through the command palette as a user would set it.
    os.write(master, b":delay 0.1\r")
    drain(master, seconds / 2)
    os.write(master, b"T")  # the stats view draws the most
    drain(master, seconds / 2)
    hwm, rss = status_kib(proc.pid, "VmHWM"), status_kib(proc.pid, "VmRSS")
    finish(proc, master, presses=2)
    print(f"vmhwm_kib {hwm}")
    print(f"vmrss_kib {rss}")


def count_bytes(master, seconds):
    """Bytes the program writes in the next seconds."""
    total = 0
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return total
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return total
            if not chunk:
                return total
            total += len(chunk)


def idle_bytes(seconds, cmd):
    """Bytes written while ticks every 0.1 s bring nothing new, in each view."""
    proc, master, _ = spawn(cmd)
    t1, seen = read_until(master, MARKER, FRAME_TIMEOUT)
    if t1 is None:
        finish(proc, master)
        fail("no first frame", seen)
    os.write(master, b":delay 0.1\r")
    drain(master, 1.0)  # the palette and its answer in the status line settle
    print(f"list_bytes {count_bytes(master, seconds)}")
    os.write(master, b"T")
    drain(master, 1.0)
    print(f"stats_bytes {count_bytes(master, seconds)}")
    finish(proc, master, presses=2)


def main():
    modes = {"firstframe": lambda n, cmd: first_frame(int(n), cmd),
             "idle": idle_bytes,
             "rss": peak_rss}
    if len(sys.argv) < 4 or sys.argv[1] not in modes:
        sys.stderr.write(__doc__)
        return 2
    modes[sys.argv[1]](float(sys.argv[2]), sys.argv[3:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
