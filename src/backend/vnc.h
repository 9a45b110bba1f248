#ifndef KD_BACKEND_VNC_H
#define KD_BACKEND_VNC_H

/* A domain's VNC display as libvirt describes it, the socket to it, and the keys libvirt
 * itself can send (virDomainSendKey). The RFB protocol spoken on that socket lives in
 * src/console/vnc.h. */

#include "backend/conn.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *listen; /* address to reach it on, NULL when it listens on a socket only */
    char *socket; /* UNIX socket path, or NULL */
    int port;     /* TCP port; -1 when none is assigned (the domain is not running) */
    int index;    /* among the domain's <graphics>, for virDomainOpenGraphicsFD */
    bool autoport;
    bool passwd; /* a password is set (known only on a read-write connection) */
    bool passwd_known;
} kd_vnc_display;

void kd_vnc_display_clear(kd_vnc_display *d);
/* Whether QEMU runs, and so serves the display, in state st (paused and shutting down
 * guests still have a screen). */
bool kd_vnc_state_has_screen(kd_dom_state st);
/* The first <graphics type='vnc'> of a domain's XML. -1 with KD_ERR_NOTFOUND when it has
 * none, KD_ERR_INVALID for XML that does not parse. */
int kd_vnc_display_parse(const char *xml, kd_vnc_display *out, kd_err *err);
/* The same from the domain's live XML. */
int kd_vnc_display_get(kd_conn *conn, const char *uuid, kd_vnc_display *out, kd_err *err);

/* A connected socket to the display: through libvirt (virDomainOpenGraphicsFD) where the
 * connection can pass one, else straight to the listen address or UNIX socket (the
 * connection's host name stands in for a wildcard address). *how (may be NULL) says which
 * was used, for the status line. Returns the descriptor (the caller closes it), or -1. */
int kd_vnc_connect(kd_conn *conn, const char *uuid, const kd_vnc_display *d, const char **how,
                   kd_err *err);

/* Where a direct connection goes for a TCP display of a connection to uri: the listen
 * address, the URI's host for a wildcard one (localhost when local); NULL with err when
 * the display cannot be reached from here (the loopback or a UNIX socket of a remote
 * host, no port). */
char *kd_vnc_direct_host(const char *uri, const kd_vnc_display *d, kd_err *err);

/* Keys sent by the hypervisor as if pressed together, then released: Linux input key codes
 * (KD_VNC_KEY_*). At most 16. */
enum {
    KD_VNC_KEY_LEFTCTRL = 29,
    KD_VNC_KEY_LEFTALT = 56,
    KD_VNC_KEY_DELETE = 111,
    KD_VNC_KEY_SYSRQ = 99,
};
/* The Linux key code of F1..F12 (n 1..12), or of a letter or digit (US layout); -1 if
 * none. */
int kd_vnc_keycode_fn(int n);
int kd_vnc_keycode_char(int c);
int kd_vnc_send_keys(kd_conn *conn, const char *uuid, const unsigned *codes, size_t n, kd_err *err);

#endif
