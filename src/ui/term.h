#ifndef KD_UI_TERM_H
#define KD_UI_TERM_H

/* The terminal: taken over by kd_term_open and given back exactly as it was, by
 * kd_term_close, on SIGTERM/SIGHUP/SIGINT (through the loop), and on crash signals. */

#include "core/err.h"

int kd_term_open(kd_err *err);
void kd_term_close(void);
/* Read end of the self-pipe that carries SIGWINCH, SIGTERM, SIGHUP and SIGINT. */
int kd_term_signal_fd(void);
/* The next pending signal number from the pipe, or 0 when none is left. */
int kd_term_next_signal(void);
/* Ask the kernel for the window size and tell curses. */
void kd_term_resize(void);

#endif
