#ifndef KD_CORE_ERR_H
#define KD_CORE_ERR_H

/* Errors are written once, where they happen, into a caller's kd_err. */

typedef enum {
    KD_ERR_NONE = 0,
    KD_ERR_NOMEM,
    KD_ERR_INVALID,  /* bad input from the user or a file */
    KD_ERR_IO,       /* file or pipe failure */
    KD_ERR_NOTFOUND, /* a name that does not exist */
    KD_ERR_LIBVIRT,  /* libvirt said no; the message is libvirt's */
    KD_ERR_CONNECT,  /* no hypervisor could be reached */
    KD_ERR_READONLY, /* a changing action on a read-only connection */
    KD_ERR_DB,       /* the local database */
    KD_ERR_LAST
} kd_err_code;

typedef struct {
    kd_err_code code;
    char msg[512];
} kd_err;

void kd_err_set(kd_err *err, kd_err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void kd_err_clear(kd_err *err);
const char *kd_err_code_name(kd_err_code code);
/* Prefix an existing message with context: "loading theme: <old message>". */
void kd_err_prefix(kd_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Out of memory is not recoverable in an interactive program: say so and stop. */
_Noreturn void kd_die_oom(void);

#endif
