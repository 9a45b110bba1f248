#ifndef KD_CONSOLE_VNC_H
#define KD_CONSOLE_VNC_H

/* The RFB (VNC) protocol on a connected socket, served by kvmdeck's one event loop: the
 * socket is a loop handle, and each time it is readable the server's messages already
 * there are handled (no thread, no waiting). The framebuffer is 32-bit true colour and is
 * exposed as a kd_fb for the renderer (console/fb.h) and the screenshot writers.
 *
 * The server is untrusted: sizes above KD_FB_MAX_W x KD_FB_MAX_H are refused. */

#include "console/fb.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kd_vnc kd_vnc;

typedef struct {
    /* Pixels of this rectangle changed. */
    void (*damage)(void *opaque, int x, int y, int w, int h);
    /* The framebuffer has a new size (also once after the handshake). */
    void (*resized)(void *opaque, int w, int h);
    /* The connection is over (the server closed it, an error): why says so. The kd_vnc is
     * still valid and must be freed by the owner, outside this call if it likes. */
    void (*closed)(void *opaque, const char *why);
    /* The server wants a password: fill buf (NUL-terminated, at most n bytes) and return
     * 0, or -1 when the user cancels. Nothing keeps the answer. May be NULL (refuse). */
    int (*password)(void *opaque, char *buf, size_t n);
} kd_vnc_cbs;

/* How long the server may stall, in seconds: silent half-way through a message (libvncclient
 * waits for the rest), or not reading what is sent to it. Then the connection ends. */
#define KD_VNC_TIMEOUT_S   10
#define KD_VNC_TIMEOUT_MAX 300

/* Speak RFB on fd (connected; kd_vnc owns and closes it from now on, even on failure).
 * The handshake (and the password question) happens here; then a full update is asked
 * for and the socket watched by the loop. NULL with err when the handshake fails.
 * timeout_s: see KD_VNC_TIMEOUT_S (1 to KD_VNC_TIMEOUT_MAX). */
kd_vnc *kd_vnc_new(int fd, const kd_vnc_cbs *cbs, int timeout_s, void *opaque, kd_err *err);
void kd_vnc_free(kd_vnc *v);

/* The framebuffer; false before the first one or after a refused size. */
bool kd_vnc_fb(const kd_vnc *v, kd_fb *out);
const char *kd_vnc_desktop_name(const kd_vnc *v);
bool kd_vnc_closed(const kd_vnc *v);

/* Input for the guest: an X keysym pressed or released; the pointer at framebuffer
 * coordinates with a button mask (1 left, 2 middle, 4 right, 8/16 wheel up/down). Refused
 * (nothing sent) while the server does not read what was sent before. */
int kd_vnc_key(kd_vnc *v, uint32_t keysym, bool down, kd_err *err);
int kd_vnc_pointer(kd_vnc *v, int x, int y, int buttons, kd_err *err);
/* Ask for the whole picture again (after a lost frame, for a screenshot...). */
int kd_vnc_refresh(kd_vnc *v, kd_err *err);

/* Write a framebuffer as a binary PPM (P6) or a PNG file (written to path.tmp, then
 * renamed). */
int kd_vnc_save_ppm(const kd_fb *fb, const char *path, kd_err *err);
int kd_vnc_save_png(const kd_fb *fb, const char *path, kd_err *err);
/* PNG when the name ends in .png, else PPM. */
int kd_vnc_save(const kd_fb *fb, const char *path, kd_err *err);

#endif
