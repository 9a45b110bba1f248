#ifndef KD_BACKEND_SAMPLER_H
#define KD_BACKEND_SAMPLER_H

/* The stats tick's only contact with libvirt. One tick costs one bulk domain call
 * (virConnectGetAllDomainStats) whatever the number of domains, plus a fixed handful of
 * host calls (node CPU and memory statistics, node info). */

#include "backend/conn.h"
#include "backend/sample.h"
#include "core/err.h"

/* Fill out with every domain of the host, running or not (as virt-top counts them: the
 * inactive ones only carry their state and configured memory), and the host's figures.
 * Host figures the driver does not offer are left out (has_host_cpu, has_host_mem false),
 * which is not an error. out is overwritten (free an earlier sample first); it is empty
 * after -1, returned with err when the domain statistics cannot be read. Free it with
 * kd_sample_free. */
int kd_sampler_take(kd_conn *conn, kd_sample *out, kd_err *err);

/* Ask the guest's balloon driver for fresh memory statistics every `seconds` (0 stops it).
 * Guests without a balloon refuse; the caller may ignore that error. */
int kd_sampler_set_memory_period(kd_conn *conn, const char *uuid, int seconds, kd_err *err);

/* Calls that reached libvirt's driver from this module since the process started. */
unsigned long kd_sampler_calls(void);

/* Per physical CPU busy and total nanoseconds (arrays of *n, caller frees). Costs a call a
 * CPU: only for the view that shows them, never on the every-tick path. */
int kd_sampler_take_pcpus(kd_conn *conn, unsigned long long **busy, unsigned long long **total,
                          unsigned *n, kd_err *err);

#endif
