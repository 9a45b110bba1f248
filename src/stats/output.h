#ifndef KD_STATS_OUTPUT_H
#define KD_STATS_OUTPUT_H

/* Statistics as text for other programs: virt-top's CSV, JSON lines, and Prometheus'
 * text exposition format. Each writer appends one tick to a kd_buf; kd_output_put sends a
 * buffer to a stream, kd_output_write_atomic replaces a file.
 *
 * s is the tick's sample and r the rates computed from it (kd_rates_compute(prev, s, r)),
 * or NULL when there are none yet; a figure without a value is written as the format says
 * "missing": an empty CSV field, JSON null, or no Prometheus sample at all. */

#include "backend/sample.h"
#include "core/err.h"
#include "core/str.h"
#include "stats/rates.h"

#include <stdio.h>

/* virt-top --csv: its header row once, then one row per tick. The per-domain columns
 * repeat for each active domain, by ascending ID. The Time column is local time. */
void kd_output_csv_header(kd_buf *b);
void kd_output_csv_row(kd_buf *b, const kd_sample *s, const kd_rates *r);

/* One JSON object on one line, newline-terminated: host figures and every domain. */
void kd_output_json(kd_buf *b, const kd_sample *s, const kd_rates *r);

/* A whole Prometheus scrape page: # HELP and # TYPE then the samples of each metric. */
void kd_output_prom(kd_buf *b, const kd_sample *s, const kd_rates *r);

/* Write and flush a buffer to a stream. */
int kd_output_put(FILE *f, const kd_buf *b, kd_err *err);

/* Replace path with data, atomically: readers see the old file or the new one, never part
 * of one. The data goes to "<path>.<pid>.tmp" in the same directory, is fsynced, and is
 * renamed over path; on any failure the temporary file is removed, path is untouched, and
 * err says what failed. */
int kd_output_write_atomic(const char *path, const char *data, size_t len, kd_err *err);

/* kd_output_prom into path, atomically. */
int kd_output_prom_file(const char *path, const kd_sample *s, const kd_rates *r, kd_err *err);

#endif
