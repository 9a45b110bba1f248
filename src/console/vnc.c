#include "console/vnc.h"
#include "backend/loop.h"
#include "core/str.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <rfb/rfbclient.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The RFB client: libvncclient's protocol code, driven by the loop instead of its own
 * WaitForMessage. libvncclient writes its messages through two global hooks; they are
 * kept (the last line) for the error messages instead of reaching the screen. */

#define PASSWORD_MAX 256
/* Messages handled in one turn of the loop: a flood of them does not keep the keyboard
 * waiting; the rest are served at the next turn. */
#define BATCH_MAX 64

struct kd_vnc {
    rfbClient *client;
    kd_vnc_cbs cbs;
    void *opaque;
    int watch;
    bool ready;   /* the handshake is over: callbacks reach the owner */
    bool closed;  /* the connection is over */
    bool refused; /* the server asked for a framebuffer above the caps */
    int busy;     /* depth of the loop's callback */
    bool doomed;  /* kd_vnc_free was called from inside a callback */
    char refusal[160];
    int pending; /* a timer serving what was read ahead (at the handshake, past a batch) */
    int fb_w, fb_h, fb_bpp; /* the framebuffer allocated */
    int stall;              /* while the server does not read what is sent: the timer ending it */
    int timeout_s;
};

static char last_log[256];
static int client_tag;

static void vnc_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_log, sizeof(last_log), fmt, ap);
    va_end(ap);
    size_t n = strlen(last_log);
    while (n && (last_log[n - 1] == '\n' || last_log[n - 1] == '\r'))
        last_log[--n] = '\0';
    /* Messages may quote the server (a refusal's reason): no control bytes reach the UI. */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)last_log[i] < 0x20 || last_log[i] == 0x7f)
            last_log[i] = '?';
}

static void install_log(void)
{
    rfbClientLog = vnc_log;
    rfbClientErr = vnc_log;
}

static kd_vnc *of(rfbClient *c)
{
    return rfbClientGetClientData(c, &client_tag);
}

/* ---- libvncclient's callbacks --------------------------------------------------------- */

static rfbBool on_malloc_fb(rfbClient *c)
{
    kd_vnc *v = of(c);
    int bpp = c->format.bitsPerPixel / 8 ? c->format.bitsPerPixel / 8 : 4;
    /* The same size again (a server may say it over and over): the pixels stay. */
    if (c->frameBuffer && c->width == v->fb_w && c->height == v->fb_h && bpp == v->fb_bpp)
        return TRUE;
    free(c->frameBuffer);
    c->frameBuffer = NULL;
    v->fb_w = v->fb_h = v->fb_bpp = 0;
    if (c->width <= 0 || c->height <= 0 || c->width > KD_FB_MAX_W || c->height > KD_FB_MAX_H) {
        snprintf(v->refusal, sizeof(v->refusal),
                 "the VNC server asked for a %dx%d screen; at most %dx%d is accepted", c->width,
                 c->height, KD_FB_MAX_W, KD_FB_MAX_H);
        v->refused = true;
        return FALSE;
    }
    c->frameBuffer = calloc((size_t)c->width * (size_t)c->height, (size_t)bpp);
    if (!c->frameBuffer) {
        snprintf(v->refusal, sizeof(v->refusal),
                 "not enough memory for the VNC server's %dx%d screen", c->width, c->height);
        v->refused = true;
        return FALSE;
    }
    v->fb_w = c->width;
    v->fb_h = c->height;
    v->fb_bpp = bpp;
    if (v->ready && v->cbs.resized)
        v->cbs.resized(v->opaque, c->width, c->height);
    return TRUE;
}

static void on_update(rfbClient *c, int x, int y, int w, int h)
{
    kd_vnc *v = of(c);
    if (v->ready && v->cbs.damage)
        v->cbs.damage(v->opaque, x, y, w, h);
}

static char *on_password(rfbClient *c)
{
    kd_vnc *v = of(c);
    char buf[PASSWORD_MAX];
    if (!v->cbs.password || v->cbs.password(v->opaque, buf, sizeof(buf)) < 0) {
        vnc_log("the VNC server wants a password and none was given");
        return NULL;
    }
    /* libvncclient frees what it is given; a copy of its own, the stack one wiped. */
    char *pw = strdup(buf);
    explicit_bzero(buf, sizeof(buf));
    if (!pw)
        kd_die_oom();
    return pw;
}

/* ---- the socket in the loop ----------------------------------------------------------- */

static void destroy(kd_vnc *v)
{
    if (v->watch >= 0)
        kd_loop_remove_handle(v->watch);
    if (v->pending >= 0)
        kd_loop_remove_timer(v->pending);
    if (v->stall >= 0)
        kd_loop_remove_timer(v->stall);
    if (v->client) {
        free(v->client->frameBuffer);
        v->client->frameBuffer = NULL;
        rfbClientCleanup(v->client); /* closes the socket */
    }
    free(v);
}

static void end(kd_vnc *v, const char *why)
{
    if (v->closed)
        return;
    v->closed = true;
    if (v->watch >= 0) {
        kd_loop_remove_handle(v->watch);
        v->watch = -1;
    }
    if (v->stall >= 0) {
        kd_loop_remove_timer(v->stall);
        v->stall = -1;
    }
    if (v->cbs.closed)
        v->cbs.closed(v->opaque, why);
}

static const char *failure(kd_vnc *v)
{
    static const char noise[] = "VNC connection failed: ";
    if (v->refused)
        return v->refusal;
    if (strncmp(last_log, noise, sizeof(noise) - 1) == 0)
        return last_log + sizeof(noise) - 1; /* the status line is narrow */
    return last_log[0] ? last_log : "the VNC connection failed";
}

/* libvncclient writes (an update request after each update, the user's input) by waiting
 * until the socket takes the bytes, however long that is. Nothing is handed to it while the
 * socket's send buffer has less than SEND_ROOM free (a key is up to 8 small messages, each
 * costing the kernel a buffer of its own); a server that stops reading for the timeout is
 * given up. POLLOUT alone would say no far too early: a UNIX socket is not writable for
 * poll once a quarter of its buffer is used. */
#define SEND_ROOM (16 * 1024)

static bool writable(const kd_vnc *v)
{
    int fd = v->client->sock, queued = 0, size = 0;
    socklen_t len = sizeof(size);
    if (ioctl(fd, SIOCOUTQ, &queued) == 0 &&
        getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len) == 0 && size > 0)
        return size - queued >= (size / 2 < SEND_ROOM ? size / 2 : SEND_ROOM);
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLOUT);
}

static void on_stall(int timer, void *opaque)
{
    kd_vnc *v = opaque;
    (void)timer;
    v->busy++;
    end(v, "the VNC server stopped reading what kvmdeck sends");
    v->busy--;
    if (v->doomed && v->busy == 0)
        destroy(v);
}

/* Wait for room to write instead of reading on. */
static void hold(kd_vnc *v)
{
    if (v->stall >= 0)
        return;
    kd_loop_update_handle(v->watch, KD_LOOP_WRITE);
    v->stall = kd_loop_add_timer(v->timeout_s * 1000, on_stall, v, NULL);
}

static void release(kd_vnc *v)
{
    if (v->stall < 0)
        return;
    kd_loop_remove_timer(v->stall);
    v->stall = -1;
    kd_loop_update_handle(v->watch, KD_LOOP_READ);
}

static void on_pending(int timer, void *opaque);

static void on_readable(int watch, int fd, int events, void *opaque)
{
    kd_vnc *v = opaque;
    (void)watch;
    (void)fd;
    v->busy++;
    if (events & (KD_LOOP_ERROR | KD_LOOP_HANGUP) && !(events & (KD_LOOP_READ | KD_LOOP_WRITE))) {
        end(v, "the VNC server closed the connection");
    } else if (!(events & KD_LOOP_READ) && v->client->buffered == 0) {
        /* Room to write again; the socket wakes us when there is something to read. */
        if (writable(v))
            release(v);
    } else {
        /* One message per wake-up, and then whatever libvncclient already read ahead: the
         * socket will not wake us for bytes that left it. Past a batch, the next turn. */
        last_log[0] = '\0';
        int n = 0;
        do {
            if (!writable(v)) {
                hold(v);
                break;
            }
            release(v);
            if (!HandleRFBServerMessage(v->client)) {
                end(v, failure(v));
                break;
            }
        } while (!v->doomed && !v->closed && v->client->buffered > 0 && ++n < BATCH_MAX);
        if (!v->doomed && !v->closed && v->stall < 0 && v->client->buffered > 0 && v->pending < 0)
            v->pending = kd_loop_add_timer(0, on_pending, v, NULL);
    }
    v->busy--;
    if (v->doomed && v->busy == 0)
        destroy(v);
}

static void on_pending(int timer, void *opaque)
{
    kd_vnc *v = opaque;
    kd_loop_remove_timer(timer);
    v->pending = -1;
    if (!v->closed)
        on_readable(v->watch, v->client->sock, KD_LOOP_READ, v);
}

static rfbClient *make_client(kd_vnc *v, int fd)
{
    rfbClient *c = rfbGetClient(8, 3, 4); /* 32-bit true colour */
    if (!c)
        kd_die_oom();
    rfbClientSetClientData(c, &client_tag, v);
    c->MallocFrameBuffer = on_malloc_fb;
    c->GotFrameBufferUpdate = on_update;
    c->GetPassword = on_password;
    c->canHandleNewFBSize = TRUE;
    c->readTimeout = v->timeout_s;
    /* Exact pixels: screenshots and text stay sharp. */
    c->appData.encodingsString = "copyrect zrle hextile zlib raw";
    c->appData.enableJPEG = FALSE;
    c->appData.useRemoteCursor = FALSE;
    c->sock = fd;
    return c;
}

/* What libvncclient's rfbInitClient does after connecting: the socket is ours already. */
static int handshake(kd_vnc *v, kd_err *err)
{
    rfbClient *c = v->client;
    last_log[0] = '\0';
    if (!InitialiseRFBConnection(c)) {
        kd_err_set(err, KD_ERR_CONNECT, "%s", failure(v));
        return -1;
    }
    c->width = c->si.framebufferWidth;
    c->height = c->si.framebufferHeight;
    if (!c->MallocFrameBuffer(c)) {
        kd_err_set(err, KD_ERR_INVALID, "%s", failure(v));
        return -1;
    }
    if (!SetFormatAndEncodings(c) ||
        !SendFramebufferUpdateRequest(c, 0, 0, c->width, c->height, FALSE)) {
        kd_err_set(err, KD_ERR_CONNECT, "VNC set-up: %s", failure(v));
        return -1;
    }
    return 0;
}

kd_vnc *kd_vnc_new(int fd, const kd_vnc_cbs *cbs, int timeout_s, void *opaque, kd_err *err)
{
    install_log();
    kd_vnc *v = kd_calloc(1, sizeof(*v));
    v->cbs = *cbs;
    v->opaque = opaque;
    v->watch = -1;
    v->pending = -1;
    v->stall = -1;
    v->timeout_s = timeout_s < 1                    ? 1
                   : timeout_s > KD_VNC_TIMEOUT_MAX ? KD_VNC_TIMEOUT_MAX
                                                    : timeout_s;
    /* Non-blocking: a server that stops half-way through a message costs the timeout at
     * most, not the program. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    v->client = make_client(v, fd);
    if (handshake(v, err) < 0) {
        destroy(v);
        return NULL;
    }
    v->watch = kd_loop_add_handle(fd, KD_LOOP_READ, on_readable, v, err);
    if (v->watch < 0) {
        destroy(v);
        return NULL;
    }
    v->ready = true;
    if (v->cbs.resized)
        v->cbs.resized(v->opaque, v->client->width, v->client->height);
    /* Bytes the handshake read ahead will not wake the loop: their turn comes at once. */
    if (v->client->buffered > 0)
        v->pending = kd_loop_add_timer(0, on_pending, v, NULL);
    return v;
}

void kd_vnc_free(kd_vnc *v)
{
    if (!v)
        return;
    if (v->busy) {
        v->doomed = true;
        if (v->watch >= 0) {
            kd_loop_remove_handle(v->watch);
            v->watch = -1;
        }
        return;
    }
    destroy(v);
}

bool kd_vnc_fb(const kd_vnc *v, kd_fb *out)
{
    const rfbClient *c = v ? v->client : NULL;
    if (!c || !c->frameBuffer)
        return false;
    const rfbPixelFormat *f = &c->format;
    *out = (kd_fb){.pixels = c->frameBuffer,
                   .width = c->width,
                   .height = c->height,
                   .stride = c->width * (f->bitsPerPixel / 8),
                   .bytes_pp = f->bitsPerPixel / 8,
                   .rshift = f->redShift,
                   .gshift = f->greenShift,
                   .bshift = f->blueShift,
                   .rmax = f->redMax,
                   .gmax = f->greenMax,
                   .bmax = f->blueMax};
    return true;
}

const char *kd_vnc_desktop_name(const kd_vnc *v)
{
    return v && v->client && v->client->desktopName ? v->client->desktopName : "";
}

bool kd_vnc_closed(const kd_vnc *v)
{
    return !v || v->closed;
}

static int sent(kd_vnc *v, rfbBool ok, const char *what, kd_err *err)
{
    if (ok)
        return 0;
    kd_err_set(err, KD_ERR_IO, "sending %s to the VNC server: %s", what, failure(v));
    return -1;
}

/* Whether input can be sent now: the connection is open and the server reads. */
static int can_send(kd_vnc *v, const char *what, kd_err *err)
{
    if (v->closed) {
        kd_err_set(err, KD_ERR_IO, "the VNC connection is closed");
        return -1;
    }
    if (!writable(v)) {
        kd_err_set(err, KD_ERR_IO, "the VNC server is not reading: %s was not sent", what);
        return -1;
    }
    return 0;
}

int kd_vnc_key(kd_vnc *v, uint32_t keysym, bool down, kd_err *err)
{
    if (can_send(v, "a key", err) < 0)
        return -1;
    return sent(v, SendKeyEvent(v->client, keysym, down ? TRUE : FALSE), "a key", err);
}

int kd_vnc_pointer(kd_vnc *v, int x, int y, int buttons, kd_err *err)
{
    if (can_send(v, "the pointer", err) < 0)
        return -1;
    return sent(v, SendPointerEvent(v->client, x, y, buttons), "the pointer", err);
}

int kd_vnc_refresh(kd_vnc *v, kd_err *err)
{
    if (can_send(v, "an update request", err) < 0)
        return -1;
    rfbClient *c = v->client;
    return sent(v, SendFramebufferUpdateRequest(c, 0, 0, c->width, c->height, FALSE),
                "an update request", err);
}
