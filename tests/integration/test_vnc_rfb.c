/* The RFB client in the event loop against a small scripted VNC server on a socketpair:
 * the handshake (with and without a password), framebuffer updates and their damage,
 * keys and pointer events reaching the server, sizes above the caps refused, a server
 * that goes away, and one that stops reading. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/loop.h"
#include "console/vnc.h"
#include "core/str.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define W 64
#define H 48

typedef struct {
    int fd;
    int w, h;               /* ServerInit's size */
    bool auth;              /* VNC authentication */
    bool close_after;       /* hang up after the first update */
    int resize_w, resize_h; /* a DesktopSize on the first incremental request, when set */
    const char *refuse;     /* refuse the password with this reason */
    bool deaf;              /* after the handshake: updates without end, nothing read */
    bool then_rect;         /* after the DesktopSize, the small square of the next request */
    int pause_ms;           /* after the handshake: read nothing for this long */
    /* What the server saw, under lock. */
    pthread_mutex_t lock;
    uint32_t key;
    int key_down;
    int keys_seen;
    int ptr_x, ptr_y, ptr_mask;
    int got_response; /* bytes of the password response */
    int rshift, gshift, bshift;
} server;

static bool rd(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

static bool wr(int fd, const void *buf, size_t n)
{
    return write(fd, buf, n) == (ssize_t)n;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

static bool handshake(server *s)
{
    uint8_t buf[64];
    if (!wr(s->fd, "RFB 003.008\n", 12) || !rd(s->fd, buf, 12))
        return false;
    uint8_t types[2] = {1, s->auth ? 2 : 1};
    if (!wr(s->fd, types, 2) || !rd(s->fd, buf, 1) || buf[0] != types[1])
        return false;
    if (s->auth) {
        memset(buf, 7, 16);
        if (!wr(s->fd, buf, 16) || !rd(s->fd, buf, 16))
            return false;
        pthread_mutex_lock(&s->lock);
        s->got_response = 16;
        pthread_mutex_unlock(&s->lock);
    }
    if (s->refuse) {
        uint8_t no[8] = {0, 0, 0, 1};
        put32(no + 4, (uint32_t)strlen(s->refuse));
        wr(s->fd, no, 8);
        wr(s->fd, s->refuse, strlen(s->refuse));
        return false;
    }
    uint8_t ok[4] = {0};
    if (!wr(s->fd, ok, 4) || !rd(s->fd, buf, 1)) /* SecurityResult, ClientInit */
        return false;
    uint8_t init[24 + 7] = {0};
    put16(init, (unsigned)s->w);
    put16(init + 2, (unsigned)s->h);
    uint8_t fmt[16] = {32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0};
    memcpy(init + 4, fmt, 16);
    put32(init + 20, 7);
    memcpy(init + 24, "kd test", 7);
    return wr(s->fd, init, sizeof(init));
}

static void pixel(const server *s, uint8_t *p, int r, int g, int b)
{
    uint32_t v = (uint32_t)r << s->rshift | (uint32_t)g << s->gshift | (uint32_t)b << s->bshift;
    memcpy(p, &v, 4); /* the client asked for its own (little-endian) order */
}

static bool send_rect(server *s, int x, int y, int w, int h, bool pattern)
{
    size_t n = 16 + (size_t)w * (size_t)h * 4;
    uint8_t *m = calloc(1, n);
    put16(m + 2, 1);
    put16(m + 4, (unsigned)x);
    put16(m + 6, (unsigned)y);
    put16(m + 8, (unsigned)w);
    put16(m + 10, (unsigned)h);
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            pixel(s, m + 16 + ((size_t)j * (size_t)w + (size_t)i) * 4, pattern ? (x + i) * 4 : 255,
                  pattern ? (y + j) * 5 : 0, pattern ? 200 : 0);
    bool ok = wr(s->fd, m, n);
    free(m);
    return ok;
}

static bool send_resize(server *s)
{
    uint8_t m[16] = {0};
    put16(m + 2, 1);
    put16(m + 8, (unsigned)s->resize_w);
    put16(m + 10, (unsigned)s->resize_h);
    put32(m + 12, (uint32_t)-223); /* DesktopSize */
    return wr(s->fd, m, sizeof(m));
}

/* One client message; false when the client is gone or the script ends. */
static bool serve_one(server *s, int *requests)
{
    uint8_t t, b[32];
    if (!rd(s->fd, &t, 1))
        return false;
    switch (t) {
    case 0: /* SetPixelFormat */
        if (!rd(s->fd, b, 19))
            return false;
        s->rshift = b[13];
        s->gshift = b[14];
        s->bshift = b[15];
        return true;
    case 2: { /* SetEncodings */
        if (!rd(s->fd, b, 3))
            return false;
        int n = b[1] << 8 | b[2];
        for (int i = 0; i < n; i++)
            if (!rd(s->fd, b, 4))
                return false;
        return true;
    }
    case 3: /* FramebufferUpdateRequest */
        if (!rd(s->fd, b, 9))
            return false;
        if (++*requests == 1)
            return send_rect(s, 0, 0, s->w, s->h, true) && !s->close_after;
        if (*requests == 2 && s->resize_w)
            return send_resize(s);
        if (*requests == 2 || (*requests == 3 && s->then_rect))
            return send_rect(s, 3, 4, 2, 2, false);
        return true; /* nothing new: the client waits */
    case 4:          /* KeyEvent */
        if (!rd(s->fd, b, 7))
            return false;
        pthread_mutex_lock(&s->lock);
        s->key_down = b[0];
        s->keys_seen++;
        s->key = (uint32_t)b[3] << 24 | (uint32_t)b[4] << 16 | (uint32_t)b[5] << 8 | b[6];
        pthread_mutex_unlock(&s->lock);
        return true;
    case 5: /* PointerEvent */
        if (!rd(s->fd, b, 5))
            return false;
        pthread_mutex_lock(&s->lock);
        s->ptr_mask = b[0];
        s->ptr_x = b[1] << 8 | b[2];
        s->ptr_y = b[3] << 8 | b[4];
        pthread_mutex_unlock(&s->lock);
        return true;
    default:
        return false;
    }
}

static void *serve(void *opaque)
{
    server *s = opaque;
    int requests = 0;
    static const uint8_t empty_update[4] = {0};
    bool shaken = handshake(s);
    if (shaken && s->pause_ms)
        usleep((useconds_t)s->pause_ms * 1000);
    if (shaken && s->deaf)
        while (wr(s->fd, empty_update, sizeof(empty_update)))
            ;
    else if (!s->deaf)
        while (serve_one(s, &requests))
            ;
    shutdown(s->fd, SHUT_RDWR);
    return NULL;
}

/* ---- the client side --------------------------------------------------------------------- */

typedef struct {
    server srv;
    pthread_t thread;
    int client_fd;
    kd_vnc *vnc;
    int damage_calls;
    long damage_area;
    int last_x, last_y, last_w, last_h;
    int resized_w, resized_h, resized_calls;
    int closed;
    char why[256];
    int pw_calls;
    bool pw_cancel;
    bool free_on_close;
} fixture;

static void on_damage(void *o, int x, int y, int w, int h)
{
    fixture *f = o;
    f->damage_calls++;
    f->damage_area += (long)w * h;
    f->last_x = x;
    f->last_y = y;
    f->last_w = w;
    f->last_h = h;
}

static void on_resized(void *o, int w, int h)
{
    fixture *f = o;
    f->resized_w = w;
    f->resized_h = h;
    f->resized_calls++;
}

static void on_closed(void *o, const char *why)
{
    fixture *f = o;
    f->closed++;
    snprintf(f->why, sizeof(f->why), "%s", why);
    if (f->free_on_close) {
        kd_vnc_free(f->vnc); /* from inside the callback: deferred, not a use after free */
        f->vnc = NULL;
    }
}

static int on_password(void *o, char *buf, size_t n)
{
    fixture *f = o;
    f->pw_calls++;
    if (f->pw_cancel)
        return -1;
    snprintf(buf, n, "pw");
    return 0;
}

static const kd_vnc_cbs cbs = {on_damage, on_resized, on_closed, on_password};

static fixture *start(int w, int h)
{
    fixture *f = kd_calloc(1, sizeof(*f));
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    f->srv.fd = sv[1];
    f->srv.w = w;
    f->srv.h = h;
    f->client_fd = sv[0];
    pthread_mutex_init(&f->srv.lock, NULL);
    return f;
}

static void run_server(fixture *f)
{
    assert_int_equal(pthread_create(&f->thread, NULL, serve, &f->srv), 0);
}

/* Start the server's thread and speak RFB to it. */
static kd_vnc *open_client(fixture *f, int timeout_s, kd_err *err)
{
    run_server(f);
    kd_err_clear(err);
    return kd_vnc_new(f->client_fd, &cbs, timeout_s, f, err);
}

static void finish(fixture *f)
{
    kd_vnc_free(f->vnc); /* closes the client's end: the server's read ends */
    pthread_join(f->thread, NULL);
    close(f->srv.fd);
    pthread_mutex_destroy(&f->srv.lock);
    free(f);
}

static void on_tick(int timer, void *opaque)
{
    (void)timer;
    (void)opaque;
}

/* Run the loop until cond holds or about two seconds pass. */
#define RUN_UNTIL(cond)                                                                            \
    do {                                                                                           \
        kd_err e_;                                                                                 \
        int t_ = kd_loop_add_timer(10, on_tick, NULL, &e_);                                        \
        for (int i_ = 0; i_ < 200 && !(cond); i_++)                                                \
            kd_loop_run_once(&e_);                                                                 \
        kd_loop_remove_timer(t_);                                                                  \
        assert_true(cond);                                                                         \
    } while (0)

static void rgb_at(const kd_fb *fb, int x, int y, int *r, int *g, int *b)
{
    uint32_t v;
    memcpy(&v, fb->pixels + (size_t)y * (size_t)fb->stride + (size_t)x * 4, 4);
    *r = (int)(v >> fb->rshift) & fb->rmax;
    *g = (int)(v >> fb->gshift) & fb->gmax;
    *b = (int)(v >> fb->bshift) & fb->bmax;
}

static void test_updates(void **state)
{
    (void)state;
    fixture *f = start(W, H);
    kd_err err;
    f->vnc = open_client(f, KD_VNC_TIMEOUT_S, &err);
    assert_non_null(f->vnc);
    assert_int_equal(f->resized_w, W);
    assert_int_equal(f->resized_h, H);
    assert_string_equal(kd_vnc_desktop_name(f->vnc), "kd test");
    RUN_UNTIL(f->damage_area >= (long)W * H);
    kd_fb fb;
    assert_true(kd_vnc_fb(f->vnc, &fb));
    assert_int_equal(fb.width, W);
    assert_int_equal(fb.height, H);
    assert_int_equal(fb.bytes_pp, 4);
    int r, g, b;
    rgb_at(&fb, 10, 7, &r, &g, &b);
    assert_int_equal(r, 40);
    assert_int_equal(g, 35);
    assert_int_equal(b, 200);
    /* The library asks for the next (incremental) update itself: a small red square. */
    RUN_UNTIL(f->last_w == 2 && f->last_h == 2);
    assert_int_equal(f->last_x, 3);
    assert_int_equal(f->last_y, 4);
    rgb_at(&fb, 4, 5, &r, &g, &b);
    assert_int_equal(r, 255);
    assert_int_equal(g, 0);
    rgb_at(&fb, 5, 5, &r, &g, &b);
    assert_int_equal(r, 20); /* outside the square: unchanged */
    assert_int_equal(f->closed, 0);
    assert_false(kd_vnc_closed(f->vnc));
    finish(f);
}

static void test_input(void **state)
{
    (void)state;
    fixture *f = start(W, H);
    kd_err err;
    f->vnc = open_client(f, KD_VNC_TIMEOUT_S, &err);
    assert_non_null(f->vnc);
    assert_int_equal(kd_vnc_key(f->vnc, 0xff0d, true, &err), 0);
    assert_int_equal(kd_vnc_pointer(f->vnc, 10, 20, 1, &err), 0);
    bool seen = false;
    for (int i = 0; i < 200 && !seen; i++) {
        usleep(10000);
        pthread_mutex_lock(&f->srv.lock);
        seen = f->srv.key == 0xff0d && f->srv.ptr_mask == 1;
        pthread_mutex_unlock(&f->srv.lock);
    }
    assert_true(seen);
    assert_int_equal(f->srv.key_down, 1);
    assert_int_equal(f->srv.ptr_x, 10);
    assert_int_equal(f->srv.ptr_y, 20);
    finish(f);
}

static void test_password(void **state)
{
    (void)state;
    fixture *f = start(W, H);
    f->srv.auth = true;
    kd_err err;
    f->vnc = open_client(f, KD_VNC_TIMEOUT_S, &err);
    assert_non_null(f->vnc);
    assert_int_equal(f->pw_calls, 1);
    assert_int_equal(f->srv.got_response, 16);
    finish(f);
}

static void test_password_cancelled(void **state)
{
    (void)state;
    fixture *f = start(W, H);
    f->srv.auth = true;
    f->pw_cancel = true;
    kd_err err;
    f->vnc = open_client(f, KD_VNC_TIMEOUT_S, &err);
    assert_null(f->vnc);
    assert_int_equal(f->pw_calls, 1);
    assert_int_equal(err.code, KD_ERR_CONNECT);
    assert_non_null(strstr(err.msg, "password"));
    finish(f);
}

static void test_too_big(void **state)
{
    (void)state;
    fixture *f = start(9000, 16);
    kd_err err;
    f->vnc = open_client(f, KD_VNC_TIMEOUT_S, &err);
    assert_null(f->vnc);
    assert_non_null(strstr(err.msg, "9000x16"));
    assert_non_null(strstr(err.msg, "8192x8192"));
    finish(f);
}

static void test_resize(void **state)
{
    (void)state;
    fixture *f = start(W, H);
    f->srv.resize_w = 32;
    f->srv.resize_h = 16;
    kd_err err;
    f->vnc = open_client(f, KD_VNC_TIMEOUT_S, &err);
    assert_non_null(f->vnc);
    RUN_UNTIL(f->resized_w == 32);
    assert_int_equal(f->resized_h, 16);
    kd_fb fb;
    assert_true(kd_vnc_fb(f->vnc, &fb));
    assert_int_equal(fb.width, 32);
    assert_int_equal(fb.stride, 32 * 4);
    finish(f);

    /* The same size again: the picture stays, the owner hears of no new size. */
    f = start(W, H);
    f->srv.resize_w = W;
    f->srv.resize_h = H;
    f->srv.then_rect = true;
    f->vnc = open_client(f, KD_VNC_TIMEOUT_S, &err);
    assert_non_null(f->vnc);
    RUN_UNTIL(f->last_w == 2 && f->last_h == 2);
    assert_int_equal(f->resized_calls, 1); /* the one after the handshake */
    assert_true(kd_vnc_fb(f->vnc, &fb));
    int r, g, b;
    rgb_at(&fb, 10, 7, &r, &g, &b);
    assert_int_equal(r, 40);
    assert_int_equal(g, 35);
    assert_int_equal(b, 200);
    finish(f);

    /* Past the caps, later: the connection ends with the reason. */
    f = start(W, H);
    f->srv.resize_w = 8193;
    f->srv.resize_h = 100;
    f->vnc = open_client(f, KD_VNC_TIMEOUT_S, &err);
    assert_non_null(f->vnc);
    RUN_UNTIL(f->closed == 1);
    assert_non_null(strstr(f->why, "8193x100"));
    assert_true(kd_vnc_closed(f->vnc));
    assert_int_equal(kd_vnc_key(f->vnc, 'a', true, &err), -1);
    finish(f);
}

static void test_server_closes(void **state)
{
    (void)state;
    fixture *f = start(W, H);
    f->srv.close_after = true;
    f->free_on_close = true;
    kd_err err;
    f->vnc = open_client(f, KD_VNC_TIMEOUT_S, &err);
    assert_non_null(f->vnc);
    RUN_UNTIL(f->closed == 1);
    assert_true(f->why[0] != '\0');
    assert_null(f->vnc); /* freed from inside the callback */
    finish(f);
}

static void test_refused(void **state)
{
    (void)state;
    fixture *f = start(W, H);
    f->srv.auth = true;
    f->srv.refuse = "go away\033[2J\033]0;owned\007";
    kd_err err;
    f->vnc = open_client(f, KD_VNC_TIMEOUT_S, &err);
    assert_null(f->vnc);
    /* The server's reason is shown, its control bytes are not. */
    assert_non_null(strstr(err.msg, "go away"));
    for (const char *p = err.msg; *p; p++)
        assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
    finish(f);
}

static int keys_seen(fixture *f)
{
    pthread_mutex_lock(&f->srv.lock);
    int n = f->srv.keys_seen;
    pthread_mutex_unlock(&f->srv.lock);
    return n;
}

/* A server slow to read (busy, or a slow link) while the user types fast: every key is sent,
 * none refused, as long as the socket's buffer takes them. */
static void test_slow_reader(void **state)
{
    (void)state;
    fixture *f = start(W, H);
    f->srv.pause_ms = 500;
    /* A known buffer size: the kernel doubles it, and the test stays well inside. */
    int size = 200 * 1024;
    assert_int_equal(setsockopt(f->client_fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
    kd_err err;
    f->vnc = open_client(f, KD_VNC_TIMEOUT_S, &err);
    assert_non_null(f->vnc);
    for (int i = 0; i < 200; i++) {
        if (kd_vnc_key(f->vnc, 'a' + i % 26, i % 2 == 0, &err) < 0)
            fail_msg("key %d refused: %s", i, err.msg);
    }
    RUN_UNTIL(keys_seen(f) == 200);
    finish(f);
}

/* A server that sends and never reads: each update makes the client ask for the next one,
 * until the socket takes no more. kvmdeck must neither block in a write (the alarm ends a
 * hung test) nor keep the connection past its timeout. */
static void test_deaf_server(void **state)
{
    (void)state;
    alarm(30);
    fixture *f = start(W, H);
    f->srv.deaf = true;
    kd_err err;
    f->vnc = open_client(f, 1, &err);
    assert_non_null(f->vnc);
    RUN_UNTIL(kd_vnc_key(f->vnc, 'a', true, &err) < 0);
    assert_int_equal(f->closed, 0);
    assert_int_equal(err.code, KD_ERR_IO);
    assert_non_null(strstr(err.msg, "the VNC server is not reading: a key was not sent"));
    assert_int_equal(kd_vnc_pointer(f->vnc, 1, 1, 0, &err), -1);
    assert_non_null(strstr(err.msg, "not reading"));
    /* One second (the timeout given) later, the connection is over and says why. */
    kd_err e;
    int tick = kd_loop_add_timer(10, on_tick, NULL, &e);
    for (int i = 0; i < 1000 && !f->closed; i++)
        kd_loop_run_once(&e);
    kd_loop_remove_timer(tick);
    assert_int_equal(f->closed, 1);
    assert_string_equal(f->why, "the VNC server stopped reading what kvmdeck sends");
    assert_true(kd_vnc_closed(f->vnc));
    finish(f);
    alarm(0);
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Every way a connection ends gives its socket back: the handshake refused or cancelled, a
 * size refused, the server gone, the owner leaving. */
static void test_no_fd_left(void **state)
{
    (void)state;
    int before = open_fds();
    for (int round = 0; round < 5; round++) {
        fixture *f = start(round == 2 ? 0 : W, H);
        f->srv.auth = round == 1;
        f->pw_cancel = round == 1;
        f->srv.close_after = round == 3;
        f->srv.resize_w = round == 4 ? 9999 : 0;
        f->srv.resize_h = round == 4 ? 1 : 0;
        kd_err err;
        f->vnc = open_client(f, KD_VNC_TIMEOUT_S, &err);
        assert_true((f->vnc != NULL) == (round == 0 || round >= 3));
        if (f->vnc)
            RUN_UNTIL(round == 0 ? f->damage_calls > 0 : f->closed == 1);
        finish(f);
        assert_int_equal(open_fds(), before);
    }
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as kvmdeck does: a closed server is an error, not a death */
    kd_err err;
    kd_err_clear(&err);
    if (kd_loop_init(&err) < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_updates),       cmocka_unit_test(test_input),
        cmocka_unit_test(test_password),      cmocka_unit_test(test_password_cancelled),
        cmocka_unit_test(test_too_big),       cmocka_unit_test(test_resize),
        cmocka_unit_test(test_server_closes), cmocka_unit_test(test_refused),
        cmocka_unit_test(test_no_fd_left),    cmocka_unit_test(test_deaf_server),
        cmocka_unit_test(test_slow_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
