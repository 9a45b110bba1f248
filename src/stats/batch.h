#ifndef KD_STATS_BATCH_H
#define KD_STATS_BATCH_H

/* kvmdeck --batch: statistics without a screen, as virt-top -b --csv/--stream writes them,
 * plus JSON lines and a Prometheus textfile.
 *
 * One sample is taken at start and never printed: it only gives the first printed tick a
 * previous sample, so that every row has rates. Then one row per format every delay, for
 * `iterations` rows (0: until SIGINT, SIGTERM or SIGHUP). A run of `iterations` rows thus
 * lasts about iterations x delay. virt-top instead prints its first, rate-less sample as
 * a row of its own (zero %CPU, empty I/O columns) and lasts (iterations - 1) x delay. */

#include "core/err.h"

#include <stdbool.h>

#define KD_BATCH_DELAY_MIN_MS     100
#define KD_BATCH_DELAY_MAX_MS     3600000
#define KD_BATCH_DELAY_DEFAULT_MS 3000

typedef struct {
    const char *uri;          /* NULL lets libvirt choose; always opened read-only */
    unsigned long iterations; /* rows to print; 0 runs until a signal */
    int delay_ms;             /* KD_BATCH_DELAY_MIN_MS to KD_BATCH_DELAY_MAX_MS */
    const char *csv;          /* virt-top's CSV to this file, "-" for standard output */
    const char *json;         /* JSON lines, likewise */
    bool stream;              /* a text table per tick to standard output */
    const char *prometheus;   /* a textfile replaced atomically every tick */
} kd_batch_opts;

/* Defaults: no limit, virt-top's delay of 3 s, no output chosen (which means stream). */
void kd_batch_opts_init(kd_batch_opts *o);

/* "0.5" -> 500. Decimal seconds with a dot whatever the locale; -1 with KD_ERR_INVALID
 * for anything else or out of range. */
int kd_batch_parse_delay(const char *s, int *ms, kd_err *err);
/* A positive decimal count; -1 with KD_ERR_INVALID otherwise. */
int kd_batch_parse_iterations(const char *s, unsigned long *n, kd_err *err);

/* -1 with KD_ERR_INVALID when the options contradict each other (two formats on standard
 * output, two formats into one file, a delay out of range, an empty file name). */
int kd_batch_check(const kd_batch_opts *o, kd_err *err);

/* Run to the end and return the exit status: 0 after the last row, a signal, or a reader
 * of standard output that went away (EPIPE; SIGPIPE is ignored); 1 with err when the
 * hypervisor cannot be reached, a file cannot be opened or written, or the first sample
 * fails; 2 with err (KD_ERR_INVALID) when kd_batch_check refuses the options. A sample
 * that fails later (a lost connection) is reported on standard error and skipped; the
 * connection reconnects by itself and the next good sample starts the rates afresh. */
int kd_batch_run(const kd_batch_opts *opts, kd_err *err);

#endif
