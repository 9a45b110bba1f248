#ifndef KD_BENCH_HARNESS_H
#define KD_BENCH_HARNESS_H

/* What the bench programs share: a curses screen whose output goes to a file that can be
 * measured, an app set up as kd_ui_run sets it up (without the terminal and the loop), the
 * stats tick as stats_ui.c runs it, and synthetic samples whose figures move. */

#include "backend/sample.h"
#include "ui/app.h"

#include <stdbool.h>
#include <stdint.h>

/* Open a curses screen of rows x cols for terminal type term, writing to out_path (made or
 * truncated). Exits with a message on failure: a bench without a screen measures nothing. */
void kd_bench_screen_open(int rows, int cols, const char *term, const char *out_path);
void kd_bench_screen_close(void);
/* Bytes curses has written to the screen's file so far. */
long long kd_bench_screen_bytes(void);

/* A connection to uri (read-only), after kd_loop_init; exits on failure. */
kd_conn *kd_bench_connect(const char *uri);

/* Set app up on conn as kd_ui_run does (theme from themes_dir, layout, the greeting in the
 * status line, an empty history), with the list view showing. No store unless store is
 * true (then an in-memory one, as kvmdeck falls back to). */
void kd_bench_app_init(kd_app *app, kd_conn *conn, const char *themes_dir, bool store);
void kd_bench_app_free(kd_app *app);

/* The stats tick's own work on a new sample, as stats_ui.c's tick does it without the store:
 * rates against the previous sample, a point of history, the previous sample freed; takes
 * s. Then the dirty flags the tick sets for the view showing. */
void kd_bench_tick_compute(kd_app *app, kd_sample *s);
void kd_bench_tick_dirty(kd_app *app);

/* Synthetic samples for the domains of a connection's table, on its host's CPUs and memory:
 * running domains get CPU time, balloon figures, one disk and one interface whose rates
 * random-walk; the others carry their state and configured memory only, as libvirt reports
 * inactive domains. */
typedef struct kd_bench_synth kd_bench_synth;
kd_bench_synth *kd_bench_synth_new(const kd_conn *conn, uint64_t seed);
void kd_bench_synth_free(kd_bench_synth *s);
/* The next sample, 2 s after the last. moving: every running domain's rates take a random
 * step; otherwise nothing moves (no CPU time, no I/O, the same memory): idle guests. */
void kd_bench_synth_next(kd_bench_synth *s, bool moving, kd_sample *out);

/* Monotonic nanoseconds. */
uint64_t kd_bench_now_ns(void);

#endif
