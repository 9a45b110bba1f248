#ifndef KD_CORE_TIME_H
#define KD_CORE_TIME_H

/* Milliseconds on the monotonic clock: for intervals, never for dates. */
long long kd_now_ms(void);

#endif
