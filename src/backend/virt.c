#include "backend/virt.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/xmlerror.h>
#include <stdarg.h>
#include <stdio.h>

static void quiet_error(void *opaque, virErrorPtr e)
{
    (void)opaque;
    (void)e;
}

/* libxml2 prints parse warnings to stderr, which is the screen; libvirt reports the
 * same failures through its own errors. */
static void quiet_xml(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

void kd_virt_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    virSetErrorFunc(NULL, quiet_error);
    xmlSetGenericErrorFunc(NULL, quiet_xml);
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
