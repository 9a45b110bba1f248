#!/bin/bash
# Resizing redraws at the new size; below 40x10 kvmdeck says the terminal is too small
# instead of drawing, and comes back when it grows again.
. "$(dirname "$0")/../lib/common.sh"
. "$KD_LIBDIR/tmux.sh"

kd_tmux_start -x 100 -y 30 -- "$KVMDECK" -c test:///default
kd_tmux_wait_regex '^ +test +1 +running'
kd_tmux_resize 80 24
# The status line's hint sits at the right edge: at column 80 after the redraw.
kd_tmux_wait_regex '^ connected to .* q quit$'
screen=$(kd_tmux_capture -N) || exit 1
line=$(printf '%s\n' "$screen" | sed -n '24p')
[ ${#line} -eq 80 ] || kd_fail "status line is ${#line} wide at 80x24"
kd_ok "80x24: the status line is redrawn on the last row, 80 wide"

kd_tmux_resize 30 8
kd_tmux_wait "Terminal too small (30x8)"
kd_ok "30x8: says the terminal is too small"
kd_tmux_resize 20 8
kd_tmux_wait "Terminal too sm"
kd_ok "20x8: still says so, cut to fit"

kd_tmux_resize 90 20
kd_tmux_wait_gone "Terminal too small"
kd_tmux_wait_regex '^ +test +1 +running'
kd_ok "growing again brings the list back"
kd_tmux_keys q
kd_assert_eq 0 "$(kd_tmux_wait_exit)" "q exits 0 after resizes"
kd_pass
