#ifndef KD_BACKEND_VIRT_H
#define KD_BACKEND_VIRT_H

/* Private to src/backend: the boundary where libvirt's errors become kd_err. */

#include "core/err.h"

/* Once per process: keep libvirt from printing errors over the screen. */
void kd_virt_init(void);
/* Fill err from libvirt's last error, prefixed with a printf-style context. */
void kd_virt_err(kd_err *err, kd_err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
