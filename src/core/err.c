#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const code_names[KD_ERR_LAST] = {
    [KD_ERR_NONE] = "none",       [KD_ERR_NOMEM] = "out of memory", [KD_ERR_INVALID] = "invalid",
    [KD_ERR_IO] = "i/o",          [KD_ERR_NOTFOUND] = "not found",  [KD_ERR_LIBVIRT] = "libvirt",
    [KD_ERR_CONNECT] = "connect", [KD_ERR_READONLY] = "read-only",  [KD_ERR_DB] = "database",
};

void kd_err_set(kd_err *err, kd_err_code code, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

void kd_err_clear(kd_err *err)
{
    if (!err)
        return;
    err->code = KD_ERR_NONE;
    err->msg[0] = '\0';
}

const char *kd_err_code_name(kd_err_code code)
{
    if (code < 0 || code >= KD_ERR_LAST)
        return "unknown";
    return code_names[code];
}

void kd_err_prefix(kd_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[256];
    char old[sizeof(err->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    /* Truncation is acceptable: a message is for people, and the start matters most. */
    size_t n = strlen(prefix);
    if (n > sizeof(err->msg) - 3)
        n = sizeof(err->msg) - 3;
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    size_t rest = sizeof(err->msg) - n - 3;
    size_t olen = strnlen(old, rest);
    memcpy(err->msg + n + 2, old, olen);
    err->msg[n + 2 + olen] = '\0';
}

void kd_die_oom(void)
{
    static const char msg[] = "kvmdeck: out of memory\n";
    ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)r;
    abort();
}
