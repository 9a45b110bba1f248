#ifndef KD_CONSOLE_PPM_H
#define KD_CONSOLE_PPM_H

/* Screenshots as binary PPM (P6, maxval 255), plain or gzip'd: recorded guest screens for
 * tests and benchmarks, read into a 32-bit framebuffer (0x00RRGGBB words). */

#include "console/fb.h"
#include "core/err.h"

typedef struct {
    kd_fb fb;
    uint8_t *data; /* the pixels fb points to */
} kd_ppm;

/* 0, or -1 and err for a missing, malformed or oversized (past KD_FB_MAX_W x KD_FB_MAX_H)
 * file. Free with kd_ppm_free. */
int kd_ppm_load(const char *path, kd_ppm *out, kd_err *err);
void kd_ppm_free(kd_ppm *ppm);

#endif
