#include "backend/loop.h"
#include "backend/serial.h"
#include "console/vt.h"
#include "core/paths.h"
#include "core/str.h"
#include "core/time.h"
#include "ui/app.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Serial consoles: a guest's byte stream (backend/serial) through a terminal emulator
 * (console/vt) into a grid that the console view draws. Each console keeps receiving while
 * another view is shown; when the domain stops it waits and reattaches when it starts. */

struct kd_console {
    kd_console *next;
    kd_app *app;
    char uuid[37];
    char *name;
    kd_serial *serial;
    kd_vt *vt;
    char *dev;    /* the console device asked for, NULL for the first one */
    bool waiting; /* the domain is not running: reattach when it starts */
    FILE *log;    /* optional log of the guest's output, a timestamp a line */
    char *log_path;
    bool log_at_line_start;
    size_t scroll; /* scrollback mode: the first line shown */
    bool scrolling;
    char *search;
    char status[160];
};

static void console_status(kd_console *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void console_status(kd_console *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->status, sizeof(c->status), fmt, ap);
    va_end(ap);
    /* Elsewhere the status line belongs to what the user did there (a snapshot's result
     * must not give way to a console reattaching behind it). */
    if (c->app->console == c && c->app->view == KD_VIEW_CONSOLE)
        kd_app_status(c->app, false, "%s", c->status);
    c->app->dirty_full = true;
}

static void log_bytes(kd_console *c, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c->log_at_line_start) {
            char when[32];
            time_t t = time(NULL);
            strftime(when, sizeof(when), "[%Y-%m-%d %H:%M:%S] ", localtime(&t));
            fputs(when, c->log);
            c->log_at_line_start = false;
        }
        fputc(buf[i], c->log);
        if (buf[i] == '\n')
            c->log_at_line_start = true;
    }
    fflush(c->log);
}

static void flush_to_guest(kd_console *c)
{
    char buf[4096];
    size_t n;
    while (c->serial && (n = kd_vt_take_output(c->vt, buf, sizeof(buf))) > 0) {
        kd_err err;
        kd_err_clear(&err);
        if (kd_serial_send(c->serial, buf, n, &err) < 0) {
            console_status(c, "%s", err.msg);
            return;
        }
    }
}

/* A chatty guest sends a few bytes at a time; the screen is redrawn at most every
 * REDRAW_MS instead of after each piece, which would cost the CPU the guest needs. */
#define REDRAW_MS 15

static void on_redraw(int timer, void *opaque)
{
    kd_app *app = opaque;
    kd_loop_update_timer(timer, -1);
    app->console_drawn_ms = kd_now_ms();
    if (app->view == KD_VIEW_CONSOLE)
        app->dirty_full = true;
}

/* The first output after a quiet spell (a key's echo) is drawn at once; a stream of it
 * is drawn every REDRAW_MS. */
static void schedule_redraw(kd_app *app)
{
    long long now = kd_now_ms();
    if (now - app->console_drawn_ms >= REDRAW_MS) {
        app->console_drawn_ms = now;
        app->dirty_full = true;
        return;
    }
    if (app->console_timer < 0)
        app->console_timer = kd_loop_add_timer(REDRAW_MS, on_redraw, app, NULL);
    else
        kd_loop_update_timer(app->console_timer, REDRAW_MS);
}

static void on_data(kd_serial *s, const char *buf, size_t n, void *opaque)
{
    kd_console *c = opaque;
    (void)s;
    kd_vt_write(c->vt, buf, n);
    if (c->log)
        log_bytes(c, buf, n);
    flush_to_guest(c); /* the guest's queries (DA, DSR) get their answers */
    if (c->app->view == KD_VIEW_CONSOLE && c->app->console == c)
        schedule_redraw(c->app);
}

static void on_event(kd_serial *s, kd_serial_event ev, const kd_err *why, void *opaque)
{
    kd_console *c = opaque;
    kd_serial_close(s);
    c->serial = NULL;
    /* The stream ends before libvirt's stop event reaches the table, so the reason comes
     * from the console itself. */
    bool running = ev == KD_SERIAL_EV_CLOSED && why && strstr(why->msg, "took over");
    /* Taken over by another session: the domain runs on, so no start will come to
     * reattach; the user takes it back with v. */
    c->waiting = !running;
    static const char stopped[] = "\r\n[kvmdeck: console closed; it reattaches when the "
                                  "domain runs again]\r\n";
    static const char taken[] = "\r\n[kvmdeck: another session took the console; v takes "
                                "it back]\r\n";
    if (running)
        kd_vt_write(c->vt, taken, sizeof(taken) - 1);
    else
        kd_vt_write(c->vt, stopped, sizeof(stopped) - 1);
    console_status(c, "%s", why && why->msg[0] ? why->msg : "console closed");
}

static int attach(kd_console *c, bool force, kd_err *err)
{
    c->serial = kd_serial_open(c->app->conn, c->uuid, c->dev, force, on_data, on_event, c, err);
    if (!c->serial)
        return -1;
    c->waiting = false;
    console_status(c, "console of %s: Ctrl+] leaves, Shift+PgUp scrolls back", c->name);
    return 0;
}

static kd_console *find(kd_app *app, const char *uuid)
{
    for (kd_console *c = app->consoles; c; c = c->next)
        if (strcmp(c->uuid, uuid) == 0)
            return c;
    return NULL;
}

static void pane_size(const kd_app *app, int *rows, int *cols)
{
    *rows = app->rows - 2; /* the tab bar and the status line */
    *cols = app->console_split ? app->cols - app->cols * 2 / 5 - 1 : app->cols;
    if (*rows < 1)
        *rows = 1;
    if (*cols < KD_VT_MIN_COLS)
        *cols = KD_VT_MIN_COLS;
}

void kd_console_fit(kd_app *app)
{
    int rows, cols;
    pane_size(app, &rows, &cols);
    for (kd_console *c = app->consoles; c; c = c->next)
        kd_vt_resize(c->vt, rows > KD_VT_MAX_ROWS ? KD_VT_MAX_ROWS : rows,
                     cols > KD_VT_MAX_COLS ? KD_VT_MAX_COLS : cols, NULL);
}

static void show(kd_app *app, kd_console *c)
{
    app->console = c;
    c->scrolling = false;
    if (c->status[0])
        kd_app_status(app, false, "%s", c->status);
    kd_app_set_view(app, KD_VIEW_CONSOLE);
}

typedef struct {
    char uuid[37];
} take_over;

static void on_take_over(kd_app *app, bool ok, const char *text, void *opaque)
{
    take_over *t = opaque;
    kd_console *c = find(app, t->uuid);
    (void)text;
    if (!c)
        return;
    kd_err err;
    kd_err_clear(&err);
    if (!ok) {
        console_status(c, "the console stays with the other session");
        return;
    }
    if (attach(c, true, &err) < 0)
        console_status(c, "%s", err.msg);
    show(app, c);
}

static kd_console *console_new(kd_app *app, const kd_domain *d, kd_err *err)
{
    int rows, cols;
    pane_size(app, &rows, &cols);
    kd_vt *vt =
        kd_vt_new(rows > KD_VT_MAX_ROWS ? KD_VT_MAX_ROWS : rows,
                  cols > KD_VT_MAX_COLS ? KD_VT_MAX_COLS : cols, KD_VT_SCROLLBACK_DEFAULT, err);
    if (!vt)
        return NULL;
    kd_console *c = kd_calloc(1, sizeof(*c));
    c->app = app;
    c->vt = vt;
    memcpy(c->uuid, d->uuid, sizeof(c->uuid));
    c->name = kd_strdup(d->name);
    c->next = app->consoles;
    app->consoles = c;
    return c;
}

void kd_console_open(kd_app *app, const char *uuid, const char *dev)
{
    kd_console *c = find(app, uuid);
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, uuid);
    if (!d)
        return;
    kd_err err;
    kd_err_clear(&err);
    /* A console that failed to attach to a domain that runs tries again on v. */
    if (c && (c->serial || (c->waiting && d->state == KD_DOM_SHUTOFF))) {
        show(app, c);
        return;
    }
    if (!c)
        c = console_new(app, d, &err);
    if (!c) {
        kd_app_status(app, true, "console: %s", err.msg);
        return;
    }
    if (dev) {
        free(c->dev);
        c->dev = kd_strdup(dev);
    }
    if (d->state == KD_DOM_SHUTOFF) {
        c->waiting = true;
        console_status(c, "%s is shut off: the console attaches when it starts", d->name);
    } else if (attach(c, false, &err) < 0) {
        if (kd_serial_err_is_busy(&err)) {
            take_over *t = kd_calloc(1, sizeof(*t));
            memcpy(t->uuid, uuid, sizeof(t->uuid));
            char *title = kd_asprintf("The console of %s is in use", d->name);
            kd_dialog_spec spec = {.title = title,
                                   .message = "Another session (virsh console, another "
                                              "kvmdeck) holds it. Take it over?",
                                   .done = on_take_over,
                                   .opaque = t,
                                   .opaque_free = free};
            kd_dialog_confirm(app, &spec);
            free(title);
            return;
        }
        c->waiting = true;
        console_status(c, "%s", err.msg);
    }
    show(app, c);
}

/* A domain changed: a console waiting for it to run attaches again by itself. */
void kd_console_domain_changed(kd_app *app, const char *uuid)
{
    kd_console *c = uuid ? find(app, uuid) : NULL;
    if (!c || !c->waiting || !app->conn)
        return;
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, uuid);
    if (!d || d->state != KD_DOM_RUNNING)
        return;
    kd_err err;
    kd_err_clear(&err);
    if (attach(c, false, &err) < 0) {
        console_status(c, "%s", err.msg);
        return;
    }
    static const char note[] = "[kvmdeck: reattached]\r\n";
    kd_vt_write(c->vt, note, sizeof(note) - 1);
}

static void console_free(kd_console *c)
{
    kd_serial_close(c->serial);
    kd_vt_free(c->vt);
    if (c->log)
        fclose(c->log);
    free(c->log_path);
    free(c->search);
    free(c->dev);
    free(c->name);
    free(c);
}

void kd_console_close(kd_app *app, kd_console *c)
{
    for (kd_console **p = &app->consoles; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    if (app->console == c)
        app->console = app->consoles;
    console_free(c);
}

void kd_console_free_all(kd_app *app)
{
    while (app->consoles)
        kd_console_close(app, app->consoles);
    kd_loop_remove_timer(app->console_timer);
    app->console_timer = -1;
}

/* ---- keys for the guest ---------------------------------------------------------------- */

static const struct {
    kd_key key;
    kd_vt_key vt;
} special[] = {
    {KD_KEY_ENTER, KD_VT_KEY_ENTER},           {'\t', KD_VT_KEY_TAB},
    {KD_KEY_BSPACE, KD_VT_KEY_BACKSPACE},      {KD_KEY_ESC, KD_VT_KEY_ESCAPE},
    {KD_KEY_FN | KEY_UP, KD_VT_KEY_UP},        {KD_KEY_FN | KEY_DOWN, KD_VT_KEY_DOWN},
    {KD_KEY_FN | KEY_LEFT, KD_VT_KEY_LEFT},    {KD_KEY_FN | KEY_RIGHT, KD_VT_KEY_RIGHT},
    {KD_KEY_FN | KEY_IC, KD_VT_KEY_INS},       {KD_KEY_FN | KEY_DC, KD_VT_KEY_DEL},
    {KD_KEY_FN | KEY_HOME, KD_VT_KEY_HOME},    {KD_KEY_FN | KEY_END, KD_VT_KEY_END},
    {KD_KEY_FN | KEY_PPAGE, KD_VT_KEY_PAGEUP}, {KD_KEY_FN | KEY_NPAGE, KD_VT_KEY_PAGEDOWN},
    {KD_KEY_FN | KEY_BTAB, KD_VT_KEY_TAB},
};

/* A key typed while no stream is attached: say why, and how to try again when the domain
 * runs (a console that failed to attach, not only one of a stopped domain). */
static void waiting_status(kd_console *c)
{
    const kd_domain *d = c->app->conn ? kd_conn_domain_by_uuid(c->app->conn, c->uuid) : NULL;
    if (d && d->state != KD_DOM_SHUTOFF)
        console_status(c,
                       "the console of %s is not attached: nothing was sent (Ctrl+], then v "
                       "tries again)",
                       c->name);
    else
        console_status(c, "%s is not running: nothing was sent", c->name);
}

void kd_console_key(kd_app *app, kd_key key)
{
    kd_console *c = app->console;
    if (!c)
        return;
    unsigned mods = (key & KD_KEY_META) ? KD_VT_MOD_ALT : 0;
    kd_key base = key & ~KD_KEY_META;
    bool done = false;
    if (base == (KD_KEY_FN | KEY_BTAB))
        mods |= KD_VT_MOD_SHIFT;
    for (size_t i = 0; i < sizeof(special) / sizeof(special[0]) && !done; i++) {
        if (special[i].key == base) {
            kd_vt_send_key(c->vt, special[i].vt, mods);
            done = true;
        }
    }
    if (!done && (base & KD_KEY_FN)) {
        int code = base & ~KD_KEY_FN;
        if (code >= KEY_F(1) && code <= KEY_F(12))
            kd_vt_send_key(c->vt, (kd_vt_key)(KD_VT_KEY_F1 + (code - KEY_F(1))), mods);
        done = true; /* other function keys have nothing to say to a guest */
    }
    if (!done && base >= 1 && base <= 26)
        kd_vt_send_char(c->vt, (uint32_t)('a' + base - 1), mods | KD_VT_MOD_CTRL);
    else if (!done && base >= 0x20)
        kd_vt_send_char(c->vt, (uint32_t)base, mods);
    else if (!done && base == 0)
        kd_vt_send_char(c->vt, ' ', mods | KD_VT_MOD_CTRL);
    if (c->waiting)
        waiting_status(c);
    flush_to_guest(c);
    c->scrolling = false;
}

/* ---- what the view needs ------------------------------------------------------------- */

kd_vt *kd_console_vt(const kd_console *c)
{
    return c->vt;
}

const char *kd_console_name(const kd_console *c)
{
    return c->name;
}

const char *kd_console_status(const kd_console *c)
{
    return c->status;
}

bool kd_console_attached(const kd_console *c)
{
    return c->serial != NULL;
}

bool kd_console_scrolling(const kd_console *c, size_t *first)
{
    *first = c->scroll;
    return c->scrolling;
}

kd_console *kd_console_next(const kd_console *c)
{
    return c->next;
}

bool kd_console_logging(const kd_console *c)
{
    return c->log != NULL;
}

/* ---- scrollback, search, saving, logging --------------------------------------------- */

void kd_console_scroll(kd_app *app, long delta)
{
    kd_console *c = app->console;
    if (!c)
        return;
    int rows, cols;
    kd_vt_size(c->vt, &rows, &cols);
    size_t count = kd_vt_line_count(c->vt);
    size_t bottom = count > (size_t)rows ? count - (size_t)rows : 0;
    if (!c->scrolling) {
        c->scrolling = true;
        c->scroll = bottom;
    }
    long s = (long)c->scroll + delta;
    if (s < 0)
        s = 0;
    if ((size_t)s >= bottom) {
        s = (long)bottom;
        if (delta > 0)
            c->scrolling = false; /* down to the end: back to the live screen */
    }
    c->scroll = (size_t)s;
    console_status(c, c->scrolling ? "scrollback: line %zu of %zu; / searches, q returns" : "live",
                   c->scroll + 1, count);
}

static void do_search(kd_app *app, bool backwards)
{
    kd_console *c = app->console;
    if (!c || !c->search)
        return;
    int rows, cols;
    kd_vt_size(c->vt, &rows, &cols);
    size_t from = c->scrolling ? c->scroll : kd_vt_line_count(c->vt);
    size_t line;
    int col;
    if (backwards)
        from = from > 0 ? from - 1 : 0;
    else if (c->scrolling)
        from++;
    if (!kd_vt_search(c->vt, c->search, from, backwards, true, &line, &col)) {
        console_status(c, "'%s' not found %s", c->search, backwards ? "above" : "below");
        return;
    }
    c->scrolling = true;
    c->scroll = line;
    console_status(c, "'%s' at line %zu; n: next, N: previous", c->search, line + 1);
}

static void on_search(kd_app *app, bool ok, const char *text, void *opaque)
{
    bool backwards = opaque != NULL;
    if (!ok || !*text || !app->console)
        return;
    free(app->console->search);
    app->console->search = kd_strdup(text);
    do_search(app, backwards);
}

void kd_console_search_prompt(kd_app *app, bool backwards)
{
    kd_dialog_spec spec = {.title = backwards ? "?" : "/",
                           .bar = true,
                           .done = on_search,
                           .opaque = backwards ? (void *)1 : NULL};
    kd_dialog_prompt(app, &spec);
}

void kd_console_search_again(kd_app *app, bool backwards)
{
    do_search(app, backwards);
}

static int save_lines(kd_console *c, const char *path, size_t from, size_t to, kd_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        kd_err_set(err, KD_ERR_IO, "%s: %s", path, strerror(errno));
        return -1;
    }
    for (size_t i = from; i <= to; i++) {
        char *t = kd_vt_line_text(c->vt, i);
        fprintf(f, "%s\n", t ? t : "");
        free(t);
    }
    if (fclose(f) != 0) {
        kd_err_set(err, KD_ERR_IO, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* "FILE" saves everything; "FILE FROM TO" saves those lines (1 is the oldest). */
static void on_save(kd_app *app, bool ok, const char *text, void *opaque)
{
    kd_console *c = app->console;
    if (!ok || !c)
        return;
    char **w;
    const char *bad;
    int n = kd_str_split_words(text, &w, &bad);
    size_t count = kd_vt_line_count(c->vt);
    if (n != 1 && n != 3) {
        kd_app_status(app, true, "save: FILE, or FILE FROM TO (lines 1 to %zu)", count);
        if (n >= 0)
            kd_strv_free(w);
        return;
    }
    size_t from = 0, to = count ? count - 1 : 0;
    if (n == 3) {
        long a = atol(w[1]), b = atol(w[2]);
        if (a < 1 || b < a || (size_t)b > count) {
            kd_app_status(app, true, "save: lines run from 1 to %zu", count);
            kd_strv_free(w);
            return;
        }
        from = (size_t)a - 1;
        to = (size_t)b - 1;
    }
    kd_err err;
    kd_err_clear(&err);
    if (save_lines(c, w[0], from, to, &err) < 0)
        kd_app_status(app, true, "%s", err.msg);
    else
        kd_app_status(app, false, "saved lines %zu-%zu to %s", from + 1, to + 1, w[0]);
    kd_strv_free(w);
}

void kd_console_save_prompt(kd_app *app)
{
    kd_console *c = app->console;
    if (!c)
        return;
    char *dir = kd_paths_data_dir();
    char *initial = kd_asprintf("%s/console-%s.txt", dir, c->name);
    for (char *p = initial + strlen(dir) + 1; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
    kd_dialog_spec spec = {.title = "Save console text",
                           .message = "FILE saves it all; FILE FROM TO saves those lines.",
                           .initial = initial,
                           .done = on_save};
    kd_dialog_prompt(app, &spec);
    free(initial);
    free(dir);
}

void kd_console_toggle_log(kd_app *app)
{
    kd_console *c = app->console;
    if (!c)
        return;
    if (c->log) {
        fclose(c->log);
        c->log = NULL;
        console_status(c, "stopped logging to %s", c->log_path);
        return;
    }
    char *dir = kd_paths_data_dir();
    char when[32];
    time_t t = time(NULL);
    strftime(when, sizeof(when), "%Y%m%d-%H%M%S", localtime(&t));
    free(c->log_path);
    c->log_path = kd_asprintf("%s/console-%s-%s.log", dir, c->name, when);
    for (char *p = c->log_path + strlen(dir) + 1; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
    kd_paths_mkdir_p(dir);
    free(dir);
    c->log = fopen(c->log_path, "a");
    c->log_at_line_start = true;
    if (!c->log)
        kd_app_status(app, true, "cannot log to %s: %s", c->log_path, strerror(errno));
    else
        console_status(c, "logging to %s", c->log_path);
}
