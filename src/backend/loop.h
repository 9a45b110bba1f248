#ifndef KD_BACKEND_LOOP_H
#define KD_BACKEND_LOOP_H

#include "core/err.h"

/* The program's one event loop: libvirt's default event implementation. Every file
 * descriptor and timer of kvmdeck is registered here, so libvirt's own events (domain
 * events, keepalive, streams) and ours are served by the same poll. */

enum {
    KD_LOOP_READ = 1 << 0,
    KD_LOOP_WRITE = 1 << 1,
    KD_LOOP_ERROR = 1 << 2,
    KD_LOOP_HANGUP = 1 << 3,
};

typedef void (*kd_loop_handle_cb)(int watch, int fd, int events, void *opaque);
typedef void (*kd_loop_timer_cb)(int timer, void *opaque);

/* Must run before any connection is opened. */
int kd_loop_init(kd_err *err);
/* Returns a watch id, or -1. */
int kd_loop_add_handle(int fd, int events, kd_loop_handle_cb cb, void *opaque, kd_err *err);
void kd_loop_update_handle(int watch, int events);
void kd_loop_remove_handle(int watch);
/* Period in ms; -1 disables the timer, 0 fires on every iteration. Returns an id, or -1. */
int kd_loop_add_timer(int period_ms, kd_loop_timer_cb cb, void *opaque, kd_err *err);
void kd_loop_update_timer(int timer, int period_ms);
void kd_loop_remove_timer(int timer);
/* Wait for and dispatch one round of events. */
int kd_loop_run_once(kd_err *err);

#endif
