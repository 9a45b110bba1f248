#include "core/str.h"
#include "core/utf8.h"
#include "ui/app.h"
#include "ui/dialog.h"
#include "ui/term.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { DLG_CONFIRM, DLG_PROMPT, DLG_TYPED } dlg_kind;

struct kd_dialog {
    dlg_kind kind;
    char *title;
    char *message;
    char *expect;
    bool secret;
    bool bar;
    kd_line line;
    char *candidates; /* completions on show, one line */
    kd_dialog_complete_fn complete;
    void (*changed)(kd_app *app, const char *text, void *opaque);
    kd_dialog_done_fn done;
    void *opaque;
    void (*opaque_free)(void *);
};

void kd_dialog_free(kd_dialog *d)
{
    if (!d)
        return;
    if (d->opaque_free)
        d->opaque_free(d->opaque);
    free(d->title);
    free(d->message);
    free(d->expect);
    free(d->candidates);
    if (d->secret && d->line.text)
        explicit_bzero(d->line.text, d->line.cap); /* a password is not left in the heap */
    kd_line_clear(&d->line);
    free(d);
}

static void open_dialog(kd_app *app, dlg_kind kind, const kd_dialog_spec *spec)
{
    kd_dialog *d = kd_calloc(1, sizeof(*d));
    d->kind = kind;
    d->title = kd_strdup(spec->title ? spec->title : "");
    d->message = kd_strdup(spec->message ? spec->message : "");
    d->expect = spec->expect ? kd_strdup(spec->expect) : NULL;
    d->secret = spec->secret;
    d->bar = spec->bar;
    d->complete = spec->complete;
    d->changed = spec->changed;
    d->done = spec->done;
    d->opaque = spec->opaque;
    d->opaque_free = spec->opaque_free;
    kd_line_set(&d->line, spec->initial);
    /* A question replaces an older one that was never answered: that one is cancelled. */
    kd_dialog *old = app->dialog;
    app->dialog = d;
    if (old) {
        if (old->done)
            old->done(app, false, "", old->opaque);
        kd_dialog_free(old);
    }
    kd_app_dirty_all(app);
}

void kd_dialog_confirm(kd_app *app, const kd_dialog_spec *spec)
{
    open_dialog(app, DLG_CONFIRM, spec);
}

void kd_dialog_prompt(kd_app *app, const kd_dialog_spec *spec)
{
    open_dialog(app, DLG_PROMPT, spec);
}

void kd_dialog_typed(kd_app *app, const kd_dialog_spec *spec)
{
    open_dialog(app, DLG_TYPED, spec);
}

/* Close first, then call back: the callback may open the next question. */
static void finish(kd_app *app, bool ok)
{
    kd_dialog *d = app->dialog;
    char *text = kd_strdup(d->line.text ? d->line.text : "");
    kd_dialog_done_fn done = d->done;
    void *opaque = d->opaque;
    void (*opaque_free)(void *) = d->opaque_free;
    d->opaque_free = NULL;
    app->dialog = NULL;
    kd_dialog_free(d);
    kd_app_dirty_all(app);
    if (done)
        done(app, ok, text, opaque);
    if (opaque_free)
        opaque_free(opaque);
    if (text) {
        memset(text, 0, strlen(text)); /* it may have been a password */
        free(text);
    }
}

static size_t common_prefix(char **v)
{
    size_t n = strlen(v[0]);
    for (size_t i = 1; v[i]; i++) {
        size_t k = 0;
        while (k < n && v[i][k] == v[0][k])
            k++;
        n = k;
    }
    return n;
}

static void complete(kd_app *app, kd_dialog *d)
{
    size_t start = 0;
    char **c = d->complete(app, d->line.text ? d->line.text : "", &start);
    free(d->candidates);
    d->candidates = NULL;
    if (!c || !c[0]) {
        kd_strv_free(c);
        return;
    }
    /* Replace the word rather than append to it: a candidate may add quotes. */
    size_t n = common_prefix(c);
    if (n > 0 && start <= d->line.cursor) {
        size_t cur = d->line.cursor;
        memmove(d->line.text + start, d->line.text + cur, d->line.len - cur + 1);
        d->line.len -= cur - start;
        d->line.cursor = start;
        kd_line_insert(&d->line, c[0], n);
    }
    if (!c[1]) {
        kd_line_insert(&d->line, " ", 1);
    } else {
        kd_buf b;
        kd_buf_init(&b);
        for (size_t i = 0; c[i]; i++)
            kd_buf_printf(&b, "%s%s", i ? "  " : "", c[i]);
        d->candidates = kd_buf_steal(&b);
    }
    kd_strv_free(c);
}

void kd_dialog_key(kd_app *app, kd_key key)
{
    kd_dialog *d = app->dialog;
    if (key == KD_KEY_ESC || key == 7 /* C-g */ || key == 3 /* C-c */) {
        finish(app, false);
        return;
    }
    if (d->kind == DLG_CONFIRM) {
        if (key == 'y' || key == 'Y')
            finish(app, true);
        else if (key == 'n' || key == 'N')
            finish(app, false);
        return;
    }
    if (key == KD_KEY_ENTER) {
        if (d->kind == DLG_TYPED && strcmp(d->line.text ? d->line.text : "", d->expect) != 0) {
            free(d->candidates);
            d->candidates = kd_strdup("that is not the name; Esc cancels");
            app->dirty_full = true;
            return;
        }
        finish(app, true);
        return;
    }
    if (key == '\t' && d->complete) {
        complete(app, d);
    } else if (kd_line_edit(&d->line, key)) {
        free(d->candidates);
        d->candidates = NULL;
        if (d->changed)
            d->changed(app, d->line.text, d->opaque);
    }
    app->dirty_full = true;
}

/* The visible part of the line: scrolled so that the cursor is on screen. */
static void draw_line(WINDOW *w, int y, int x, int cols, const kd_dialog *d, int *cur_x)
{
    const char *t = d->line.text ? d->line.text : "";
    char *shown = d->secret ? NULL : kd_strndup(t, d->line.cursor);
    int before = d->secret ? (int)d->line.cursor : kd_utf8_width(shown);
    free(shown);
    int skip = before > cols - 1 ? before - (cols - 1) : 0;
    const char *p = t;
    if (d->secret) {
        for (int i = skip; i < (int)d->line.len && i - skip < cols; i++)
            mvwaddch(w, y, x + i - skip, '*');
    } else {
        while (skip > 0 && *p) {
            int cw;
            p += kd_utf8_next(p, &cw);
            skip -= cw;
        }
        kd_draw_text(w, y, x, cols, p);
    }
    *cur_x = x + (before > cols - 1 ? cols - 1 : before);
}

static void draw_bar(kd_app *app, kd_dialog *d)
{
    WINDOW *w = app->w_status;
    int cur_x;
    werase(w);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
    int x = kd_draw_text(w, 0, 0, app->cols, d->title);
    draw_line(w, 0, x, app->cols - x, d, &cur_x);
    leaveok(w, FALSE);
    wmove(w, 0, cur_x);
    wnoutrefresh(w);
    if (d->candidates && app->w_list) {
        int y = getmaxy(app->w_list) - 1;
        wattrset(app->w_list, (int)kd_theme_attr(KD_SLOT_DIALOG));
        kd_draw_fill(app->w_list, y, 0, app->cols);
        kd_draw_text(app->w_list, y, 1, app->cols - 2, d->candidates);
        wnoutrefresh(app->w_list);
    }
}

void kd_dialog_draw(kd_app *app)
{
    kd_dialog *d = app->dialog;
    if (!d || app->too_small)
        return;
    if (d->bar) {
        draw_bar(app, d);
        curs_set(1);
        return;
    }
    int width = app->cols - 4 < 72 ? app->cols - 4 : 72;
    int inner = width - 4;
    int lines = 0;
    /* Count message rows by wrapping into a scratch pad of the same width. */
    WINDOW *pad = newpad(64, inner);
    for (const char *m = d->message; m && *m;) {
        const char *nl = strchr(m, '\n');
        char *part = nl ? kd_strndup(m, (size_t)(nl - m)) : kd_strdup(m);
        lines += *part ? kd_draw_wrapped(pad, 0, 0, inner, 16, part) : 1;
        free(part);
        m = nl ? nl + 1 : NULL;
    }
    delwin(pad);
    int height = lines + (d->kind == DLG_CONFIRM ? 4 : 5) + (d->candidates ? 1 : 0);
    if (height > app->rows - 2)
        height = app->rows - 2;
    if (app->w_dialog)
        delwin(app->w_dialog);
    app->w_dialog = newwin(height, width, (app->rows - height) / 2, (app->cols - width) / 2);
    WINDOW *w = app->w_dialog;
    wattrset(w, (int)kd_theme_attr(KD_SLOT_DIALOG));
    for (int y = 0; y < height; y++)
        kd_draw_fill(w, y, 0, width);
    box(w, 0, 0);
    kd_draw_text(w, 0, 2, width - 4, d->title);
    int y = 1;
    for (const char *m = d->message; m && *m && y < height - 2;) {
        const char *nl = strchr(m, '\n');
        char *part = nl ? kd_strndup(m, (size_t)(nl - m)) : kd_strdup(m);
        y += *part ? kd_draw_wrapped(w, y, 2, inner, height - 2 - y, part) : 1;
        free(part);
        m = nl ? nl + 1 : NULL;
    }
    if (d->kind == DLG_CONFIRM) {
        kd_draw_text(w, height - 2, 2, inner, "y: yes   n or Esc: no");
        curs_set(0);
    } else {
        int cur_x;
        wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
        kd_draw_fill(w, height - 3, 2, inner);
        draw_line(w, height - 3, 2, inner, d, &cur_x);
        wattrset(w, (int)kd_theme_attr(KD_SLOT_DIALOG));
        if (d->candidates)
            kd_draw_text(w, height - 2, 2, inner, d->candidates);
        else
            kd_draw_text(w, height - 2, 2, inner, "Enter: OK   Esc: cancel");
        wmove(w, height - 3, cur_x);
        curs_set(1);
    }
    wnoutrefresh(w);
}

/* ---- a question answered before the caller returns ---------------------------------- */

typedef struct {
    bool answered;
    bool closed;
    char *buf;
    size_t n;
} now_answer;

static void on_now_answer(kd_app *app, bool ok, const char *text, void *opaque)
{
    now_answer *a = opaque;
    (void)app;
    a->closed = true;
    if (!ok || strlen(text) >= a->n)
        return;
    memcpy(a->buf, text, strlen(text) + 1);
    a->answered = true;
}

/* Signals that arrive while the caller waits: the loop that hears of them is not running.
 * A resize is laid out here; the others are raised again once the question is over, for
 * that loop, and those that end the program cancel the question. */
typedef struct {
    int sigs[8];
    size_t n;
    bool stop;
} now_signals;

static void take_signals(kd_app *app, now_signals *ns)
{
    int sig;
    while ((sig = kd_term_next_signal()) != 0) {
        if (sig == SIGWINCH) {
            kd_term_resize();
            kd_app_layout(app);
            kd_console_fit(app);
            continue;
        }
        ns->stop = ns->stop || sig != SIGCHLD;
        if (ns->n < sizeof(ns->sigs) / sizeof(ns->sigs[0]))
            ns->sigs[ns->n++] = sig;
    }
}

/* The keys typed so far, for the dialog, until it closes. */
static void feed_keys(kd_app *app, const now_answer *a)
{
    wint_t wch;
    int r;
    while (!a->closed && (r = wget_wch(stdscr, &wch)) != ERR)
        kd_dialog_key(app, kd_key_from_curses(r == KEY_CODE_YES, (unsigned)wch));
}

int kd_dialog_ask_now(kd_app *app, const char *title, const char *message, bool secret, char *buf,
                      size_t n)
{
    now_answer a = {false, false, buf, n};
    kd_dialog_spec spec = {
        .title = title, .message = message, .secret = secret, .done = on_now_answer, .opaque = &a};
    kd_dialog_prompt(app, &spec);
    now_signals ns = {.n = 0};
    while (!a.closed && !ns.stop) {
        kd_app_draw_now(app);
        struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {kd_term_signal_fd(), POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents & POLLIN)
            take_signals(app, &ns);
        if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL))
            break; /* the terminal went away */
        if (p[0].revents & POLLIN)
            feed_keys(app, &a);
    }
    if (!a.closed) {
        kd_dialog_free(app->dialog);
        app->dialog = NULL;
    }
    kd_app_dirty_all(app);
    for (size_t i = 0; i < ns.n; i++)
        raise(ns.sigs[i]);
    return a.answered ? 0 : -1;
}
