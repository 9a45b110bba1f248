#include "backend/serial.h"
#include "backend/conn_priv.h"
#include "backend/loop.h"
#include "backend/virt.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

/* libvirt's RPC carries at most 256 KiB of stream data per message; smaller chunks keep
 * one wake-up short. */
#define CHUNK         (64 * 1024)
#define SEND_BURST    (256 * 1024)
#define QUEUE_KEEP    (64 * 1024) /* an empty queue gives back memory above this */
#define ALIVE_MS      1000
#define BUSY_MARK     "console in use: "
#define EVENTS_ALWAYS (VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP)

struct kd_serial {
    virStreamPtr st;
    virDomainPtr dom; /* holds the connection too */
    char *name;
    kd_serial_data_fn on_data;
    kd_serial_event_fn on_event;
    void *opaque;
    char *q; /* bytes for the guest: q[head .. head + len) */
    size_t head, len, cap;
    char *rbuf;
    int cb_events; /* what the stream callback is registered for; 0 when it is not */
    int timer;     /* the liveness check, -1 when none */
    bool ended;    /* the stream is over and released on the host */
    int busy;      /* depth of our callbacks under way */
    bool doomed;   /* kd_serial_close was called from inside one */
};

/* ---- ending ------------------------------------------------------------------------- */

static void destroy(kd_serial *s)
{
    kd_loop_remove_timer(s->timer);
    if (s->cb_events)
        virStreamEventRemoveCallback(s->st);
    /* Finish tells the host the session is over, so the console is free at once. */
    if (s->st && !s->ended && virStreamFinish(s->st) < 0)
        virStreamAbort(s->st);
    if (s->st)
        virStreamFree(s->st);
    virDomainFree(s->dom);
    virResetLastError();
    free(s->q);
    free(s->rbuf);
    free(s->name);
    free(s);
}

/* Every callback into s runs between these two, so that the owner may close s from its
 * on_data or on_event; false from leave when s is gone. */
static void enter(kd_serial *s)
{
    s->busy++;
}

static bool leave(kd_serial *s)
{
    if (--s->busy > 0 || !s->doomed)
        return true;
    destroy(s);
    return false;
}

/* Release the stream on the host and tell the owner, once. */
static void end(kd_serial *s, kd_serial_event ev, const kd_err *why)
{
    s->ended = true;
    kd_loop_remove_timer(s->timer);
    s->timer = -1;
    if (s->cb_events)
        virStreamEventRemoveCallback(s->st);
    s->cb_events = 0;
    if (ev == KD_SERIAL_EV_CLOSED)
        virStreamFinish(s->st);
    else
        virStreamAbort(s->st);
    virResetLastError();
    s->len = 0;
    if (s->on_event && !s->doomed)
        s->on_event(s, ev, why, s->opaque);
}

/* The other end of the pty closed: qemu let go of it, so the guest is stopping. */
static void end_eof(kd_serial *s)
{
    kd_err why;
    kd_err_set(&why, KD_ERR_NONE, "%s stopped", s->name);
    end(s, KD_SERIAL_EV_CLOSED, &why);
}

/* After a failed stream call; runs before any other libvirt call, which would clear the
 * error. libvirtd ends the stream itself with an RPC error from its stream code when the
 * console is aborted on its side: a forced open by another session, or the chardev going
 * away with the guest. That is an end, not a failure. */
static void end_failed(kd_serial *s, const char *what)
{
    kd_err why;
    virErrorPtr e = virGetLastError();
    if (e && e->domain == VIR_FROM_STREAMS && e->code == VIR_ERR_RPC) {
        if (virDomainIsActive(s->dom) == 1)
            kd_err_set(&why, KD_ERR_NONE, "another session took over the console of %s", s->name);
        else
            kd_err_set(&why, KD_ERR_NONE, "%s stopped", s->name);
        end(s, KD_SERIAL_EV_CLOSED, &why);
        return;
    }
    kd_virt_err(&why, KD_ERR_LIBVIRT, "%s the console of %s", what, s->name);
    end(s, KD_SERIAL_EV_ERROR, &why);
}

/* A connection that dies says nothing to its streams: they just stop. libvirt allows one
 * close callback per connection, and kd_conn has it, so look (locally, no RPC) instead. */
static void on_alive_timer(int timer, void *opaque)
{
    kd_serial *s = opaque;
    (void)timer;
    if (s->ended || virConnectIsAlive(virDomainGetConnect(s->dom)) == 1)
        return;
    enter(s);
    kd_err why;
    kd_err_set(&why, KD_ERR_CONNECT, "the console of %s lost its connection to the host", s->name);
    end(s, KD_SERIAL_EV_ERROR, &why);
    leave(s);
}

/* ---- the two directions ------------------------------------------------------------- */

static void drain(kd_serial *s)
{
    size_t total = 0;
    while (total < KD_SERIAL_RECV_BURST && !s->doomed && !s->ended) {
        int got = virStreamRecv(s->st, s->rbuf, CHUNK);
        if (got == -2)
            return;
        if (got == 0) {
            end_eof(s);
            return;
        }
        if (got < 0) {
            end_failed(s, "reading from");
            return;
        }
        total += (size_t)got;
        if (s->on_data)
            s->on_data(s, s->rbuf, (size_t)got, s->opaque);
    }
}

static void flush(kd_serial *s)
{
    size_t sent = 0;
    while (s->len > 0 && sent < SEND_BURST && !s->doomed && !s->ended) {
        size_t n = s->len < CHUNK ? s->len : CHUNK;
        int got = virStreamSend(s->st, s->q + s->head, n);
        if (got == -2)
            return;
        if (got < 0) {
            end_failed(s, "writing to");
            return;
        }
        s->head += (size_t)got;
        s->len -= (size_t)got;
        sent += (size_t)got;
    }
    if (s->len == 0) {
        s->head = 0;
        if (s->cap > QUEUE_KEEP) {
            free(s->q);
            s->q = NULL;
            s->cap = 0;
        }
    }
}

/* Writable only while bytes wait: a remote stream reports writable on every iteration of
 * the loop, which would otherwise spin. */
static void update_events(kd_serial *s)
{
    if (s->ended || s->doomed)
        return;
    int want = EVENTS_ALWAYS | (s->len ? VIR_STREAM_EVENT_WRITABLE : 0);
    if (want != s->cb_events && virStreamEventUpdateCallback(s->st, want) == 0)
        s->cb_events = want;
    virResetLastError();
}

static void on_stream(virStreamPtr st, int events, void *opaque)
{
    kd_serial *s = opaque;
    (void)st;
    enter(s);
    if (events & (VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP))
        drain(s);
    if (events & VIR_STREAM_EVENT_WRITABLE)
        flush(s);
    /* An in-process stream may report a hang-up with nothing left to read. */
    if ((events & VIR_STREAM_EVENT_HANGUP) && !s->ended && !s->doomed)
        end_eof(s);
    if ((events & VIR_STREAM_EVENT_ERROR) && !s->ended && !s->doomed) {
        kd_err why;
        kd_err_set(&why, KD_ERR_LIBVIRT, "the console of %s failed", s->name);
        end(s, KD_SERIAL_EV_ERROR, &why);
    }
    if (leave(s))
        update_events(s);
}

/* ---- opening ------------------------------------------------------------------------ */

/* The message starts with BUSY_MARK, which kd_serial_err_is_busy looks for. */
static void open_failed(kd_err *err, const char *name, bool force)
{
    virErrorPtr e = virGetLastError();
    /* libvirt reports a console held by another session (or a pty locked by another
     * program) as "operation failed"; force never meets it. */
    if (!force && e && e->code == VIR_ERR_OPERATION_FAILED)
        kd_virt_err(err, KD_ERR_LIBVIRT, BUSY_MARK "%s has a console session elsewhere", name);
    else
        kd_virt_err(err, KD_ERR_LIBVIRT, "opening the console of %s", name);
}

static int attach(kd_serial *s, const char *dev, bool force, kd_err *err)
{
    s->st = virStreamNew(virDomainGetConnect(s->dom), VIR_STREAM_NONBLOCK);
    if (!s->st) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "opening the console of %s", s->name);
        return -1;
    }
    unsigned flags = VIR_DOMAIN_CONSOLE_SAFE | (force ? VIR_DOMAIN_CONSOLE_FORCE : 0);
    if (virDomainOpenConsole(s->dom, dev, s->st, flags) < 0) {
        open_failed(err, s->name, force);
        s->ended = true;
        return -1;
    }
    if (virStreamEventAddCallback(s->st, EVENTS_ALWAYS, on_stream, s, NULL) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "watching the console of %s", s->name);
        return -1;
    }
    s->cb_events = EVENTS_ALWAYS;
    s->timer = kd_loop_add_timer(ALIVE_MS, on_alive_timer, s, err);
    return s->timer < 0 ? -1 : 0;
}

kd_serial *kd_serial_open(kd_conn *conn, const char *uuid, const char *dev, bool force,
                          kd_serial_data_fn on_data, kd_serial_event_fn on_event, void *opaque,
                          kd_err *err)
{
    if (kd_conn_check_writable(conn, "opening a serial console", err) < 0)
        return NULL;
    virDomainPtr dom = kd_conn_lookup(conn, uuid, err);
    if (!dom)
        return NULL;
    kd_serial *s = kd_calloc(1, sizeof(*s));
    s->dom = dom;
    s->timer = -1;
    /* The name first: every libvirt call clears the last error. */
    const char *name = virDomainGetName(dom);
    s->name = kd_strdup(name ? name : uuid);
    s->on_data = on_data;
    s->on_event = on_event;
    s->opaque = opaque;
    s->rbuf = kd_malloc(CHUNK);
    if (attach(s, dev, force, err) < 0) {
        destroy(s);
        return NULL;
    }
    return s;
}

bool kd_serial_err_is_busy(const kd_err *err)
{
    return err && err->code == KD_ERR_LIBVIRT &&
           strncmp(err->msg, BUSY_MARK, sizeof(BUSY_MARK) - 1) == 0;
}

/* ---- the rest ----------------------------------------------------------------------- */

static void enqueue(kd_serial *s, const char *buf, size_t n)
{
    if (s->head + s->len + n > s->cap) {
        if (s->len)
            memmove(s->q, s->q + s->head, s->len);
        s->head = 0;
        if (s->len + n > s->cap) {
            size_t cap = s->cap ? s->cap : 4096;
            while (cap < s->len + n)
                cap *= 2;
            s->q = kd_realloc(s->q, cap);
            s->cap = cap;
        }
    }
    memcpy(s->q + s->head + s->len, buf, n);
    s->len += n;
}

int kd_serial_send(kd_serial *s, const char *buf, size_t n, kd_err *err)
{
    if (s->ended || s->doomed) {
        kd_err_set(err, KD_ERR_IO, "the console of %s is closed", s->name);
        return -1;
    }
    if (n > KD_SERIAL_QUEUE_MAX - s->len) {
        kd_err_set(err, KD_ERR_IO,
                   "the console of %s is not taking input: %zu bytes wait already, %zu more "
                   "would pass the %d KiB limit",
                   s->name, s->len, n, KD_SERIAL_QUEUE_MAX / 1024);
        return -1;
    }
    if (n == 0)
        return 0;
    enqueue(s, buf, n);
    /* Inside a stream callback the events are updated once it is over. */
    if (s->busy == 0)
        update_events(s);
    return 0;
}

size_t kd_serial_pending(const kd_serial *s)
{
    return s->len;
}

const char *kd_serial_domain_name(const kd_serial *s)
{
    return s->name;
}

void kd_serial_close(kd_serial *s)
{
    if (!s)
        return;
    if (s->busy > 0) {
        s->doomed = true;
        s->on_data = NULL;
        s->on_event = NULL;
        return;
    }
    destroy(s);
}
