#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/conn.h"
#include "backend/loop.h"
#include "backend/serial.h"
#include "core/err.h"
#include "core/str.h"

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* kd_serial against a real guest booted by serial_stream.sh (argv[1] names it): a root
 * shell on ttyS0 (alias serial0) and a second console on virtio (alias console1, hvc0 in
 * the guest). Every command proves itself with shell arithmetic, so that the tty's echo of
 * the command line can never pass for its output. */

#define URI            "qemu:///system"
#define PROMPT         "kdguest:~# "
#define VIRTIO_DEV     "console1"
#define PASTE_LINES    2000
#define PASTE_LINE_LEN 100
#define SEQ_SMALL      20000
#define SEQ_BIG        200000

static const char *dom_name;
static char dom_uuid[VIR_UUID_STRING_BUFLEN];
static char pty_serial[64], pty_virtio[64];
static int deadline = -1;
static bool timed_out;
static int factor = 1;

/* Bytes from one source: a kd_serial, or a tty read by a loop handle. Callbacks only
 * record: an assertion would jump out of libvirt's loop. */
typedef struct {
    kd_buf out;
    long chunks; /* on_data calls */
    int closed, errors;
    kd_err why;
    kd_serial **close_slot; /* set: the next callback closes its console and clears it */
} rec;

typedef struct {
    int fd, watch;
    pid_t child;
    rec r;
} tty;

typedef struct {
    kd_conn *conn;
    kd_serial *s, *s2; /* s2: a session that takes over, or the virtio console */
    rec r, r2;
} fixture;

static void close_from_callback(kd_serial *s, rec *r)
{
    if (!r->close_slot || *r->close_slot != s)
        return;
    kd_serial_close(s);
    *r->close_slot = NULL;
    r->close_slot = NULL;
}

static void on_data(kd_serial *s, const char *buf, size_t n, void *opaque)
{
    rec *r = opaque;
    kd_buf_add(&r->out, buf, n);
    r->chunks++;
    close_from_callback(s, r);
}

static void on_event(kd_serial *s, kd_serial_event ev, const kd_err *why, void *opaque)
{
    rec *r = opaque;
    if (ev == KD_SERIAL_EV_CLOSED && why && why->code == KD_ERR_NONE)
        r->closed++;
    else
        r->errors++;
    if (why)
        r->why = *why;
    else
        kd_err_set(&r->why, KD_ERR_INVALID, "no reason given");
    close_from_callback(s, r);
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

/* ---- running the loop --------------------------------------------------------------- */

static void on_deadline(int timer, void *opaque)
{
    (void)opaque;
    timed_out = true;
    kd_loop_update_timer(timer, -1);
}

typedef bool (*pred_fn)(void *arg);

/* Dispatch events until pred holds or ms (scaled) pass; *iters counts loop rounds. pred may
 * keep state (how far it has looked), so it is asked once per round and never again. */
static bool run_until(pred_fn pred, void *arg, int ms, long *iters)
{
    long n = 0;
    bool met = pred && pred(arg);
    timed_out = false;
    kd_loop_update_timer(deadline, ms * factor);
    while (!met && !timed_out) {
        kd_err err;
        if (kd_loop_run_once(&err) < 0) {
            print_error("loop: %s\n", err.msg);
            break;
        }
        n++;
        met = pred && pred(arg);
    }
    kd_loop_update_timer(deadline, -1);
    if (iters)
        *iters = n;
    return met;
}

typedef struct {
    const rec *r;
    size_t from, scanned;
    const char *text;
    size_t len;
} want_text;

/* Only what is new since the last look is scanned (with len - 1 bytes of overlap): the
 * output of seq is megabytes. */
static bool text_seen(void *arg)
{
    want_text *w = arg;
    size_t start = w->scanned > w->from + w->len ? w->scanned - w->len + 1 : w->from;
    w->scanned = w->r->out.len;
    if (w->r->out.len < start + w->len)
        return false;
    return memmem(w->r->out.data + start, w->r->out.len - start, w->text, w->len) != NULL;
}

/* True when text arrives after offset from, within ms. */
static bool wait_text(rec *r, size_t from, const char *text, size_t len, int ms)
{
    want_text w = {r, from, from, text, len};
    if (run_until(text_seen, &w, ms, NULL))
        return true;
    size_t show = r->out.len - from < 300 ? r->out.len - from : 300;
    print_error("waited %d ms for \"%.*s\"; closed %d, errors %d (%s); last bytes: %.*s\n",
                ms * factor, (int)(len < 80 ? len : 80), text, r->closed, r->errors, r->why.msg,
                (int)show, r->out.data + r->out.len - show);
    return false;
}

static bool ended(void *arg)
{
    const rec *r = arg;
    return r->closed + r->errors > 0;
}

static bool flushed(void *arg)
{
    return kd_serial_pending(arg) == 0;
}

static void send_str(kd_serial *s, const char *text)
{
    kd_err err;
    kd_err_clear(&err);
    int rc = kd_serial_send(s, text, strlen(text), &err);
    if (rc < 0)
        print_error("kd_serial_send: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* Run cmd; wait for the line "ok-<n>" that its "echo ok-$((n-1+1))" prints. */
static void shell(kd_serial *s, rec *r, const char *cmd, int ms)
{
    int n = rand() % 100000;
    char line[64];
    snprintf(line, sizeof(line), "\r\nok-%d\r\n", n);
    char *full = kd_asprintf("%s;echo ok-$((%d+1))\r", cmd, n - 1);
    size_t from = r->out.len;
    send_str(s, full);
    free(full);
    assert_true(wait_text(r, from, line, strlen(line), ms));
}

/* ---- ttys: the guest's ptys, or virsh console's terminal, read inside the loop ------- */

static void on_tty(int watch, int fd, int events, void *opaque)
{
    tty *t = opaque;
    char buf[65536];
    (void)events;
    for (;;) {
        ssize_t got = read(fd, buf, sizeof(buf));
        if (got > 0) {
            kd_buf_add(&t->r.out, buf, (size_t)got);
            continue;
        }
        if (got < 0 && errno == EINTR)
            continue;
        if (got == 0 || errno != EAGAIN) {
            t->r.closed++;
            kd_loop_update_handle(watch, 0);
        }
        return;
    }
}

static bool tty_watch(tty *t)
{
    kd_buf_init(&t->r.out);
    if (t->fd < 0)
        return false;
    fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK);
    t->watch = kd_loop_add_handle(t->fd, KD_LOOP_READ, on_tty, t, NULL);
    return t->watch >= 0;
}

static void tty_send(tty *t, const char *text)
{
    size_t n = strlen(text);
    assert_int_equal(write(t->fd, text, n), (ssize_t)n);
}

/* virsh console on a terminal of its own, as a person runs it. */
static bool virsh_start(tty *t, const char *dev)
{
    t->child = forkpty(&t->fd, NULL, NULL, NULL);
    if (t->child == 0) {
        execlp("virsh", "virsh", "-c", URI, "console", dom_name, "--devname", dev, (char *)NULL);
        _exit(127);
    }
    /* Printed once virsh holds the console and its terminal is raw. */
    return t->child > 0 && tty_watch(t) && wait_text(&t->r, 0, "Escape character", 16, 30000);
}

/* Enter until a prompt shows: virsh console makes its terminal raw with TCSAFLUSH after it
 * has printed its greeting, which drops keys typed in between. */
static bool tty_prompt(tty *t)
{
    size_t from = t->r.out.len;
    for (int i = 0; i < 30 * factor; i++) {
        tty_send(t, "\r");
        want_text w = {&t->r, from, from, PROMPT, strlen(PROMPT)};
        if (run_until(text_seen, &w, 1000, NULL))
            return true;
    }
    print_error("no prompt on the tty\n");
    return false;
}

/* Leave with the escape key; the exit status, or -1. */
static int tty_close(tty *t)
{
    int status = 0;
    if (t->child > 0) {
        tty_send(t, "\x1d");
        pid_t done = 0;
        for (int i = 0; i < 100 * factor && done != t->child; i++) {
            done = waitpid(t->child, &status, WNOHANG);
            if (done != t->child)
                usleep(100000);
        }
        if (done != t->child) {
            kill(t->child, SIGKILL);
            waitpid(t->child, NULL, 0);
            status = -1;
        }
    }
    kd_loop_remove_handle(t->watch);
    close(t->fd);
    kd_buf_free(&t->r.out);
    return status;
}

/* ---- fixtures ----------------------------------------------------------------------- */

static kd_serial *open_console(fixture *f, rec *r, const char *dev, bool force, kd_err *err)
{
    kd_err_clear(err);
    return kd_serial_open(f->conn, dom_uuid, dev, force, on_data, on_event, r, err);
}

static int teardown(void **state)
{
    fixture *f = *state;
    kd_serial_close(f->s2);
    kd_serial_close(f->s);
    kd_conn_free(f->conn);
    kd_buf_free(&f->r.out);
    kd_buf_free(&f->r2.out);
    free(f);
    return 0;
}

/* A fresh connection and the serial console showing a prompt. */
static int setup(void **state)
{
    fixture *f = kd_calloc(1, sizeof(*f));
    kd_err err;
    kd_err_clear(&err);
    kd_buf_init(&f->r.out);
    kd_buf_init(&f->r2.out);
    *state = f;
    f->conn = kd_conn_open(URI, false, &err);
    if (f->conn)
        f->s = open_console(f, &f->r, NULL, false, &err);
    if (f->s && kd_serial_send(f->s, "\r", 1, &err) == 0 &&
        wait_text(&f->r, 0, PROMPT, strlen(PROMPT), 30000))
        return 0;
    /* cmocka skips the teardown of a failed setup. */
    print_error("setup: %s\n", err.msg);
    teardown(state);
    return -1;
}

/* ---- talking to the shell ----------------------------------------------------------- */

/* The setup saw the prompt; a command's output comes back as a line of its own. */
static void test_echo_token(void **state)
{
    fixture *f = *state;
    int a = rand() % 100000, b = rand() % 100000;
    char cmd[64], want[64];
    snprintf(cmd, sizeof(cmd), "echo kd-%d-$((%d+%d))-TOKEN\r", a, a, b);
    snprintf(want, sizeof(want), "\r\nkd-%d-%d-TOKEN\r\n", a, a + b);
    size_t from = f->r.out.len;
    send_str(f->s, cmd);
    assert_true(wait_text(&f->r, from, want, strlen(want), 30000));
    assert_string_equal(kd_serial_domain_name(f->s), dom_name);
    assert_int_equal(f->r.closed + f->r.errors, 0);
}

/* An oversized send is refused whole; writable is asked for only while bytes wait, so an
 * idle console leaves the loop asleep. */
static void test_queue_bound_and_idle(void **state)
{
    fixture *f = *state;
    size_t n = KD_SERIAL_QUEUE_MAX + 1;
    char *big = kd_calloc(1, n);
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_serial_send(f->s, big, n, &err), -1);
    free(big);
    assert_int_equal(err.code, KD_ERR_IO);
    assert_non_null(strstr(err.msg, "1024 KiB"));
    assert_int_equal(kd_serial_pending(f->s), 0);

    size_t from = f->r.out.len;
    send_str(f->s, "\r");
    assert_int_equal(kd_serial_pending(f->s), 1);
    assert_true(run_until(flushed, f->s, 5000, NULL));
    assert_true(wait_text(&f->r, from, PROMPT, strlen(PROMPT), 30000));
    /* The prompt trickles in a few bytes per packet; let it finish. */
    run_until(NULL, NULL, 500, NULL);
    from = f->r.out.len;
    long iters;
    long long cpu0 = cpu_us();
    run_until(NULL, NULL, 2000, &iters);
    long long cpu = cpu_us() - cpu0;
    print_message("# idle console: %ld loop rounds and %lld ms of CPU in %d ms\n", iters,
                  cpu / 1000, 2000 * factor);
    assert_int_equal(f->r.out.len, from);
    assert_true(iters < 20);
    assert_true(cpu < 200000);
    shell(f->s, &f->r, "true", 30000);
}

/* A held console is refused with the busy mark; force takes it over and the first session
 * ends as closed, not failed. */
static void test_busy_then_force(void **state)
{
    fixture *f = *state;
    kd_err err;
    assert_null(open_console(f, &f->r2, NULL, false, &err));
    print_message("# second open: %s\n", err.msg);
    assert_true(kd_serial_err_is_busy(&err));
    assert_non_null(strstr(err.msg, "in use"));
    assert_non_null(strstr(err.msg, dom_name));

    /* A device that does not exist is an error, but not a busy console. */
    assert_null(open_console(f, &f->r2, "serial9", false, &err));
    print_message("# missing device: %s\n", err.msg);
    assert_int_equal(err.code, KD_ERR_LIBVIRT);
    assert_false(kd_serial_err_is_busy(&err));

    /* The session taken over closes itself from inside its on_event. */
    f->r.close_slot = &f->s;
    f->s2 = open_console(f, &f->r2, NULL, true, &err);
    if (!f->s2)
        print_error("forced open: %s\n", err.msg);
    assert_non_null(f->s2);
    assert_true(run_until(ended, &f->r, 15000, NULL));
    print_message("# taken over: closed %d, errors %d: %s\n", f->r.closed, f->r.errors,
                  f->r.why.msg);
    assert_int_equal(f->r.closed, 1);
    assert_int_equal(f->r.errors, 0);
    assert_non_null(strstr(f->r.why.msg, "another session took over"));
    assert_null(f->s);

    /* The new session is the live one. */
    shell(f->s2, &f->r2, "true", 30000);
    assert_int_equal(f->r2.closed + f->r2.errors, 0);
}

static bool gone(void *arg)
{
    return *(kd_serial **)arg == NULL;
}

/* Closed from inside on_data, a console is released on the host at once: the next open
 * needs no force. */
static void test_close_from_on_data(void **state)
{
    fixture *f = *state;
    f->r.close_slot = &f->s;
    send_str(f->s, "\r");
    assert_true(run_until(gone, &f->s, 30000, NULL));
    size_t len = f->r.out.len;
    run_until(NULL, NULL, 300, NULL);
    assert_int_equal(f->r.out.len, len);
    kd_err err;
    f->s = open_console(f, &f->r, NULL, false, &err);
    if (!f->s)
        print_error("reopening: %s\n", err.msg);
    assert_non_null(f->s);
    shell(f->s, &f->r, "true", 30000);
    assert_int_equal(f->r.closed + f->r.errors, 0);
}

/* A console outlives its kd_conn; when the daemon drops the connection (virt-admin
 * client-disconnect, as a libvirtd restart would) it ends with an error of its own. */
static void test_conn_freed_then_lost(void **state)
{
    fixture *f = *state;
    kd_conn_free(f->conn);
    f->conn = NULL;
    shell(f->s, &f->r, "true", 30000);

    char *cmd = kd_asprintf(
        "n=0; for id in $(virt-admin -q srv-clients-list libvirtd | awk '{print $1}'); do "
        "virt-admin client-info libvirtd \"$id\" 2>/dev/null | grep -q 'unix_process_id: %d$' "
        "&& virt-admin client-disconnect libvirtd \"$id\" >/dev/null && n=$((n+1)); done; "
        "[ $n -gt 0 ]",
        (int)getpid());
    int rc = system(cmd);
    free(cmd);
    assert_int_equal(rc, 0);
    long long t0 = now_us();
    assert_true(run_until(ended, &f->r, 10000, NULL));
    print_message("# connection dropped: closed %d, errors %d after %.1f s: %s\n", f->r.closed,
                  f->r.errors, (double)(now_us() - t0) / 1e6, f->r.why.msg);
    assert_int_equal(f->r.errors, 1);
    assert_int_equal(f->r.why.code, KD_ERR_CONNECT);
    kd_err err;
    assert_int_equal(kd_serial_send(f->s, "\r", 1, &err), -1);
}

/* CRC-32 as zlib and busybox's crc32 compute it. */
static uint32_t crc32_of(const char *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= (unsigned char)p[i];
        for (int b = 0; b < 8; b++)
            crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    return ~crc;
}

static void make_paste(kd_buf *b)
{
    static const char fill[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int i = 0; i < PASTE_LINES; i++) {
        char line[PASTE_LINE_LEN + 1];
        int n = snprintf(line, sizeof(line), "%05d ", i);
        for (int k = n; k < PASTE_LINE_LEN - 1; k++)
            line[k] = fill[(i + k) % (sizeof(fill) - 1)];
        line[PASTE_LINE_LEN - 1] = '\n';
        kd_buf_add(b, line, PASTE_LINE_LEN);
    }
}

/* 200 KB pasted into cat arrive whole: the guest's checksum matches ours. */
static void test_paste(void **state)
{
    fixture *f = *state;
    kd_buf paste;
    kd_buf_init(&paste);
    make_paste(&paste);
    /* With echo off the shell reads its line in cooked mode, so the paste waits in the tty
     * for cat whatever the timing; and nothing comes back but the answer. */
    shell(f->s, &f->r, "stty -echo;rm -f /tmp/p", 30000);
    send_str(f->s, "cat >/tmp/p\r");
    long long t0 = now_us();
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_serial_send(f->s, paste.data, paste.len, &err), 0);
    assert_int_equal(kd_serial_pending(f->s), paste.len + strlen("cat >/tmp/p\r"));
    send_str(f->s, "\x04");
    assert_true(run_until(flushed, f->s, 60000, NULL));
    char want[64];
    snprintf(want, sizeof(want), "P-%08x-%zu-", crc32_of(paste.data, paste.len), paste.len);
    size_t from = f->r.out.len;
    send_str(f->s, "stty echo;echo P-$(crc32 </tmp/p)-$(wc -c </tmp/p)-\r");
    assert_true(wait_text(&f->r, from, want, strlen(want), 120000));
    print_message("# pasted %zu bytes into cat in %.2f s\n", paste.len,
                  (double)(now_us() - t0) / 1e6);
    kd_buf_free(&paste);
    assert_int_equal(f->r.closed + f->r.errors, 0);
}

/* ---- output: whole, in order, and how fast ------------------------------------------ */

typedef struct {
    kd_serial *s; /* where the command goes: a kd_serial, */
    tty *t;       /* or else a tty */
    rec *in;      /* where the output shows */
    bool virtio;  /* the command sends its output to hvc0 */
} route;

typedef struct {
    double seconds, cpu_share;
    size_t bytes;
} timing;

/* Run "seq 1 n" and time it until its end marker is back; true when the whole output came,
 * exactly and in order. */
static bool time_seq(const route *rt, long n, timing *t)
{
    int tag = rand() % 100000;
    kd_buf want;
    kd_buf_init(&want);
    for (long i = 1; i <= n; i++)
        kd_buf_printf(&want, "%ld\r\n", i);
    t->bytes = want.len;
    char end[32], cmd[80];
    snprintf(end, sizeof(end), "\nE-%d\r\n", tag);
    kd_buf_adds(&want, end + 1);
    snprintf(cmd, sizeof(cmd),
             rt->virtio ? "(seq 1 %ld;echo E-$((%d+1)))>/dev/hvc0\r"
                        : "seq 1 %ld;echo E-$((%d+1))\r",
             n, tag - 1);
    size_t from = rt->in->out.len;
    long long t0 = now_us(), c0 = cpu_us();
    if (rt->s)
        send_str(rt->s, cmd);
    else
        tty_send(rt->t, cmd);
    bool ok = wait_text(rt->in, from, end, strlen(end), 300000);
    t->seconds = (double)(now_us() - t0) / 1e6;
    t->cpu_share = (double)(cpu_us() - c0) / 1e6 / t->seconds;
    const kd_buf *got = &rt->in->out;
    if (ok && !memmem(got->data + from, got->len - from, want.data, want.len)) {
        print_error("the end marker came, but not all of seq's %zu bytes before it\n", t->bytes);
        ok = false;
    }
    kd_buf_free(&want);
    return ok;
}

/* qemu drops what the guest writes to a virtio console until it has noticed, by polling
 * once a second, that someone opened the host side of the pty: probe until a line gets
 * through. */
static bool virtio_ready(const route *rt)
{
    int tag = rand() % 100000;
    char cmd[64], want[32];
    snprintf(cmd, sizeof(cmd), "echo R-$((%d+1))>/dev/hvc0\r", tag - 1);
    snprintf(want, sizeof(want), "R-%d\r\n", tag);
    size_t from = rt->in->out.len;
    for (int i = 0; i < 50 * factor; i++) {
        if (rt->s)
            send_str(rt->s, cmd);
        else
            tty_send(rt->t, cmd);
        want_text w = {rt->in, from, from, want, strlen(want)};
        if (run_until(text_seen, &w, 200, NULL))
            return true;
    }
    print_error("nothing came out of the virtio console\n");
    return false;
}

static void report(const char *how, const timing *t)
{
    print_message("# %-34s %7zu bytes in %6.2f s = %8.0f bytes/s (test CPU %3.0f%%)\n", how,
                  t->bytes, t->seconds, (double)t->bytes / t->seconds, t->cpu_share * 100);
}

/* seq's 20000 lines arrive complete and in order, without the loop spinning. */
static void test_seq(void **state)
{
    fixture *f = *state;
    timing t;
    route rt = {f->s, NULL, &f->r, false};
    long chunks = f->r.chunks;
    assert_true(time_seq(&rt, SEQ_SMALL, &t));
    report("seq 1 20000, kd_serial on serial0:", &t);
    chunks = f->r.chunks - chunks;
    print_message("# %ld on_data calls, %.0f bytes each on average\n", chunks,
                  (double)t.bytes / (double)(chunks ? chunks : 1));
    /* A loop that spins takes all of a CPU. */
    assert_true(t.cpu_share < 0.7);
    assert_int_equal(f->r.closed + f->r.errors, 0);
}

/* seq 1 200000 (1.3 MB) out of ttyS0: through kd_serial, through virsh console, and off the
 * guest's pty with nothing in between. Every run must deliver every byte. */
static void test_throughput_serial(void **state)
{
    fixture *f = *state;
    timing t;
    route rt = {f->s, NULL, &f->r, false};
    assert_true(time_seq(&rt, SEQ_BIG, &t));
    report("kd_serial, serial0:", &t);
    kd_serial_close(f->s);
    f->s = NULL;

    tty v = {.fd = -1, .watch = -1};
    rt = (route){NULL, &v, &v.r, false};
    bool ok = virsh_start(&v, "serial0") && tty_prompt(&v) && time_seq(&rt, SEQ_BIG, &t);
    int status = tty_close(&v);
    assert_true(ok);
    report("virsh console, serial0:", &t);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    tty p = {.fd = open(pty_serial, O_RDWR | O_NOCTTY), .watch = -1};
    rt = (route){NULL, &p, &p.r, false};
    ok = tty_watch(&p) && tty_prompt(&p) && time_seq(&rt, SEQ_BIG, &t);
    tty_close(&p);
    assert_true(ok);
    report("the pty of serial0, directly:", &t);
}

/* A console picked by its alias: the virtio one (hvc0 in the guest), with the commands
 * going in on serial0 at the same time. Under TCG it is slower than the UART (each 16-byte
 * chunk is a virtqueue kick), so only seq's 20000 lines go through it. */
static void test_virtio_console(void **state)
{
    fixture *f = *state;
    timing t;
    kd_err err;
    f->s2 = open_console(f, &f->r2, VIRTIO_DEV, false, &err);
    if (!f->s2)
        print_error("opening %s: %s\n", VIRTIO_DEV, err.msg);
    assert_non_null(f->s2);
    assert_string_equal(kd_serial_domain_name(f->s2), dom_name);
    route rt = {f->s, NULL, &f->r2, true};
    assert_true(virtio_ready(&rt));
    assert_true(time_seq(&rt, SEQ_SMALL, &t));
    report("seq 1 20000, kd_serial on " VIRTIO_DEV ":", &t);
    assert_int_equal(f->r.closed + f->r.errors + f->r2.closed + f->r2.errors, 0);
}

/* Destroying the guest ends the console as closed. Runs last: the guest is gone after it. */
static void test_destroy(void **state)
{
    fixture *f = *state;
    virConnectPtr raw = virConnectOpen(URI);
    assert_non_null(raw);
    virDomainPtr dom = virDomainLookupByUUIDString(raw, dom_uuid);
    assert_non_null(dom);
    assert_int_equal(virDomainDestroy(dom), 0);
    virDomainFree(dom);
    virConnectClose(raw);
    assert_true(run_until(ended, &f->r, 30000, NULL));
    print_message("# destroyed: closed %d, errors %d: %s\n", f->r.closed, f->r.errors,
                  f->r.why.msg);
    assert_int_equal(f->r.closed, 1);
    assert_int_equal(f->r.errors, 0);
    char stopped[300];
    snprintf(stopped, sizeof(stopped), "%s stopped", dom_name);
    assert_string_equal(f->r.why.msg, stopped);
    kd_err err;
    assert_int_equal(kd_serial_send(f->s, "\r", 1, &err), -1);
    /* Nothing more arrives after the end. */
    size_t len = f->r.out.len;
    run_until(NULL, NULL, 500, NULL);
    assert_int_equal(f->r.out.len, len);
    assert_int_equal(f->r.closed, 1);
}

/* ---- main --------------------------------------------------------------------------- */

/* The pty behind a console or serial device, from the live XML. */
static bool pty_of(const char *xml, const char *alias, char *out, size_t n)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL, XML_PARSE_NONET);
    xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
    char *expr = kd_asprintf("string(/domain/devices/*[alias/@name='%s']/source/@path)", alias);
    xmlXPathObjectPtr obj = ctx ? xmlXPathEvalExpression((const xmlChar *)expr, ctx) : NULL;
    bool ok = obj && obj->stringval && obj->stringval[0];
    if (ok)
        snprintf(out, n, "%s", (const char *)obj->stringval);
    free(expr);
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return ok;
}

static int group_setup(void **state)
{
    (void)state;
    kd_err err;
    kd_err_clear(&err);
    if (kd_loop_init(&err) < 0) {
        print_error("kd_loop_init: %s\n", err.msg);
        return -1;
    }
    deadline = kd_loop_add_timer(-1, on_deadline, NULL, &err);
    virConnectPtr raw = virConnectOpen(URI);
    virDomainPtr dom = raw ? virDomainLookupByName(raw, dom_name) : NULL;
    char *xml = dom ? virDomainGetXMLDesc(dom, 0) : NULL;
    int rc = xml && virDomainGetUUIDString(dom, dom_uuid) == 0 &&
                     pty_of(xml, "serial0", pty_serial, sizeof(pty_serial)) &&
                     pty_of(xml, VIRTIO_DEV, pty_virtio, sizeof(pty_virtio))
                 ? 0
                 : -1;
    if (rc < 0)
        print_error("domain %s on %s: not found, or without pty consoles serial0 and %s\n",
                    dom_name, URI, VIRTIO_DEV);
    free(xml);
    if (dom)
        virDomainFree(dom);
    if (raw)
        virConnectClose(raw);
    return deadline < 0 ? -1 : rc;
}

static int group_teardown(void **state)
{
    (void)state;
    kd_loop_remove_timer(deadline);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DOMAIN (run by serial_stream.sh)\n", argv[0]);
        return 2;
    }
    dom_name = argv[1];
    const char *tf = getenv("KD_TIMEOUT_FACTOR");
    if (tf && atoi(tf) > 0)
        factor = atoi(tf);
    srand((unsigned)(time(NULL) ^ getpid()));
    /* As kvmdeck does: libvirt writes to its socket with write(), and a daemon that drops
     * the connection must not kill the process. */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_bound_and_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_then_force, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_from_on_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_freed_then_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paste, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throughput_serial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_virtio_console, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
