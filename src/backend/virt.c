#include "backend/virt.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdarg.h>
#include <stdio.h>

static void quiet_error(void *opaque, virErrorPtr e)
{
    (void)opaque;
    (void)e;
}

void kd_virt_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    virSetErrorFunc(NULL, quiet_error);
    virInitialize();
}

void kd_virt_err(kd_err *err, kd_err_code code, const char *fmt, ...)
{
    char ctx[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof(ctx), fmt, ap);
    va_end(ap);
    virErrorPtr e = virGetLastError();
    if (e && e->message)
        kd_err_set(err, code, "%s: %s", ctx, e->message);
    else
        kd_err_set(err, code, "%s: unknown libvirt error", ctx);
}
