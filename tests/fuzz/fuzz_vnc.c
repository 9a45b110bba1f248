/* libFuzzer target: the RFB client (src/console/vnc.c over libvncclient) fed a server that
 * says anything. The first bytes choose the handshake (security type, framebuffer size);
 * the rest arrives as the server's messages, and one bit of the first byte makes the server
 * one that never reads what the client sends. The loop is a stand-in that calls the
 * socket's handler until the connection ends, as kvmdeck's loop would, and fires the
 * client's stall timer when it waits for room to write that will never come. Checked: no
 * crash, no leak, no blocking, damage always inside the framebuffer, a refused size never
 * leaves a framebuffer, and the connection ends. */
#include "backend/loop.h"
#include "console/vnc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static kd_loop_handle_cb handler;
static void *handler_opaque;
static int handler_fd = -1;
static int handler_events;
static kd_loop_timer_cb stall_cb; /* a timer with a period: the loop would fire it later */
static void *stall_opaque;

int kd_loop_add_handle(int fd, int events, kd_loop_handle_cb cb, void *opaque, kd_err *err)
{
    (void)err;
    handler = cb;
    handler_opaque = opaque;
    handler_fd = fd;
    handler_events = events;
    return 1;
}

void kd_loop_update_handle(int watch, int events)
{
    (void)watch;
    handler_events = events;
}

void kd_loop_remove_handle(int watch)
{
    (void)watch;
    handler = NULL;
}

int kd_loop_add_timer(int period_ms, kd_loop_timer_cb cb, void *opaque, kd_err *err)
{
    (void)err;
    if (period_ms > 0) {
        stall_cb = cb;
        stall_opaque = opaque;
        return 3;
    }
    return 2; /* read-ahead after the handshake: served by the next handler call here */
}

void kd_loop_remove_timer(int timer)
{
    if (timer == 3)
        stall_cb = NULL;
}

/* The server reads (and drops) what the client sent. */
static void drain(int fd)
{
    char buf[4096];
    while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
        ;
}

typedef struct {
    int w, h;
    bool closed;
} state;

static void on_damage(void *o, int x, int y, int w, int h)
{
    state *s = o;
    if (x < 0 || y < 0 || w < 0 || h < 0 || x + w > s->w || y + h > s->h) {
        fprintf(stderr, "damage %d,%d %dx%d outside %dx%d\n", x, y, w, h, s->w, s->h);
        abort();
    }
}

static void on_resized(void *o, int w, int h)
{
    state *s = o;
    if (w <= 0 || h <= 0 || w > KD_FB_MAX_W || h > KD_FB_MAX_H)
        abort();
    s->w = w;
    s->h = h;
}

static void on_closed(void *o, const char *why)
{
    state *s = o;
    if (!why || !*why)
        abort();
    s->closed = true;
}

static int on_password(void *o, char *buf, size_t n)
{
    (void)o;
    snprintf(buf, n, "pw");
    return 0;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The server's half of a valid handshake; sizes from the input. */
static size_t handshake(uint8_t *out, const uint8_t *in, size_t n, bool *auth)
{
    uint8_t sel = n > 0 ? in[0] : 0;
    unsigned w = n > 2 ? (unsigned)(in[1] << 8 | in[2]) : 64;
    unsigned h = n > 4 ? (unsigned)(in[3] << 8 | in[4]) : 48;
    *auth = sel & 1;
    size_t o = 0;
    memcpy(out, "RFB 003.008\n", 12);
    o += 12;
    out[o++] = 1;
    out[o++] = *auth ? 2 : 1;
    if (*auth) {
        memset(out + o, 7, 16);
        o += 16;
    }
    memset(out + o, 0, 4); /* SecurityResult: OK */
    o += 4;
    put16(out + o, w);
    put16(out + o + 2, h);
    static const uint8_t fmt[16] = {32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0};
    memcpy(out + o + 4, fmt, 16);
    memset(out + o + 20, 0, 4); /* empty name */
    return o + 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 60000)
        return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        abort();
    int buf = 1 << 20;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
    setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
    uint8_t head[64];
    bool auth;
    size_t hn = handshake(head, data, size, &auth);
    bool reads = !(size > 0 && (data[0] & 2)); /* else a server that never reads */
    stall_cb = NULL;
    size_t skip = size > 5 ? 5 : size;
    if (write(sv[1], head, hn) != (ssize_t)hn ||
        write(sv[1], data + skip, size - skip) != (ssize_t)(size - skip))
        abort();
    shutdown(sv[1], SHUT_WR); /* the end of the input is the server hanging up */
    state s = {0, 0, false};
    kd_vnc_cbs cbs = {on_damage, on_resized, on_closed, on_password};
    kd_err err;
    kd_err_clear(&err);
    handler = NULL;
    kd_vnc *v = kd_vnc_new(sv[0], &cbs, KD_VNC_TIMEOUT_S, &s, &err);
    if (!v) {
        if (!err.msg[0])
            abort();
    } else {
        /* The loop's part: the socket's handler with what it waits for, or, when the
         * client waits for room to write and this server never reads, the stall timer. */
        for (int i = 0; i < 100000 && handler && !s.closed; i++) {
            if (reads)
                drain(sv[1]);
            if (handler_events == KD_LOOP_WRITE && !reads) {
                if (!stall_cb)
                    abort(); /* waiting for room to write with nothing to end the wait */
                stall_cb(3, stall_opaque);
            } else {
                handler(1, handler_fd, handler_events, handler_opaque);
            }
        }
        if (!s.closed)
            abort(); /* the input is finite: the connection must end */
        kd_fb fb;
        if (kd_vnc_fb(v, &fb) && (fb.width != s.w || fb.height != s.h))
            abort();
        kd_vnc_free(v);
    }
    close(sv[1]);
    return 0;
}
