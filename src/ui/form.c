#include "ui/form.h"
#include "ui/form_priv.h"
#include "core/str.h"
#include "core/utf8.h"
#include "ui/app.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Forms: modal boxes stacked over the view with the pickers (pick.c); the top one has the
 * keyboard, so a picker opened from a form field returns to that form. */

typedef struct {
    char *key;
    char *label;
    char *help;
    kd_field_type type;
    kd_line line;
    char **choices;
    size_t choice;
    bool hidden;
    char *error;
    void (*pick)(kd_app *app, kd_form *form, const char *key);
} field;

struct kd_form {
    char *title;
    char *message;
    char *submit;
    char *cancel;
    char *error; /* about the whole form */
    field *f;
    size_t n;
    size_t focus; /* n: the submit button */
    size_t top;   /* the first field row shown when they do not all fit */
    kd_form_check_fn check;
    kd_form_changed_fn changed;
    kd_form_done_fn done;
    void *opaque;
    void (*opaque_free)(void *);
    kd_app *app;
};

static char *dup0(const char *s)
{
    return kd_strdup(s ? s : "");
}

static char **strv_dup(const char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    char **out = kd_calloc(n + 1, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = kd_strdup(v[i]);
    return out;
}

static void form_free(kd_form *f)
{
    if (!f)
        return;
    if (f->opaque_free)
        f->opaque_free(f->opaque);
    for (size_t i = 0; i < f->n; i++) {
        free(f->f[i].key);
        free(f->f[i].label);
        free(f->f[i].help);
        free(f->f[i].error);
        if (f->f[i].type == KD_FIELD_SECRET && f->f[i].line.text)
            memset(f->f[i].line.text, 0, f->f[i].line.len);
        kd_line_clear(&f->f[i].line);
        kd_strv_free(f->f[i].choices);
    }
    free(f->f);
    free(f->title);
    free(f->message);
    free(f->submit);
    free(f->cancel);
    free(f->error);
    free(f);
}

void kd_modal_push(kd_app *app, kd_form *form, kd_picker *pick)
{
    kd_modal *m = kd_calloc(1, sizeof(*m));
    m->form = form;
    m->pick = pick;
    m->next = app->modals;
    app->modals = m;
    kd_app_dirty_all(app);
}

/* Take a modal out of the stack without freeing what it holds. */
void kd_modal_unlink(kd_app *app, const void *what)
{
    for (kd_modal **pp = &app->modals; *pp; pp = &(*pp)->next) {
        kd_modal *m = *pp;
        if ((const void *)m->form == what || (const void *)m->pick == what) {
            *pp = m->next;
            free(m);
            break;
        }
    }
    kd_app_dirty_all(app);
}

bool kd_form_active(const kd_app *app)
{
    return app->modals != NULL;
}

kd_form *kd_form_current(const kd_app *app)
{
    for (const kd_modal *m = app->modals; m; m = m->next)
        if (m->form)
            return m->form;
    return NULL;
}

void kd_form_close_all(kd_app *app)
{
    while (app->modals) {
        kd_modal *m = app->modals;
        app->modals = m->next;
        form_free(m->form);
        kd_picker_free(m->pick);
        free(m);
    }
}

/* Forms ------------------------------------------------------------------------------ */

static field *find(const kd_form *f, const char *key)
{
    for (size_t i = 0; f && i < f->n; i++)
        if (strcmp(f->f[i].key, key) == 0)
            return &f->f[i];
    return NULL;
}

static const char *value_of(const field *fl)
{
    if (fl->type == KD_FIELD_CHOICE)
        return fl->choices[0] ? fl->choices[fl->choice] : "";
    return fl->line.text ? fl->line.text : "";
}

static bool focusable(const field *fl)
{
    return !fl->hidden && fl->type != KD_FIELD_LABEL;
}

static void set_choice(field *fl, const char *value)
{
    fl->choice = 0;
    for (size_t i = 0; value && fl->choices[i]; i++)
        if (strcmp(fl->choices[i], value) == 0)
            fl->choice = i;
}

kd_form *kd_form_open(kd_app *app, const kd_form_spec *spec)
{
    kd_form *f = kd_calloc(1, sizeof(*f));
    f->title = dup0(spec->title);
    f->message = spec->message ? kd_strdup(spec->message) : NULL;
    f->submit = dup0(spec->submit ? spec->submit : "OK");
    f->cancel = dup0(spec->cancel ? spec->cancel : "cancel");
    f->n = spec->nfields;
    f->f = kd_calloc(f->n ? f->n : 1, sizeof(*f->f));
    for (size_t i = 0; i < f->n; i++) {
        const kd_field_spec *s = &spec->fields[i];
        field *fl = &f->f[i];
        fl->key = dup0(s->key);
        fl->label = dup0(s->label);
        fl->help = s->help ? kd_strdup(s->help) : NULL;
        fl->type = s->type;
        fl->pick = s->pick;
        fl->choices = strv_dup(s->choices);
        if (fl->type == KD_FIELD_CHOICE)
            set_choice(fl, s->value);
        else if (fl->type == KD_FIELD_CHECK)
            kd_line_set(&fl->line, s->value && strcmp(s->value, "1") == 0 ? "1" : "0");
        else
            kd_line_set(&fl->line, s->value ? s->value : "");
    }
    f->check = spec->check;
    f->changed = spec->changed;
    f->done = spec->done;
    f->opaque = spec->opaque;
    f->opaque_free = spec->opaque_free;
    f->app = app;
    f->focus = f->n;
    for (size_t i = 0; i < f->n; i++) {
        if (focusable(&f->f[i])) {
            f->focus = i;
            break;
        }
    }
    kd_modal_push(app, f, NULL);
    return f;
}

const char *kd_form_get(const kd_form *f, const char *key)
{
    const field *fl = find(f, key);
    return fl ? value_of(fl) : NULL;
}

long long kd_form_parse_size(const char *s, long long unit)
{
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    static const char units[] = "KMGT";
    long long mult = unit;
    if (*end) {
        const char *u = strchr(units, toupper((unsigned char)*end));
        if (!u)
            return -1;
        mult = 1024LL << (10 * (u - units));
        end++;
        if (*end == 'i' || *end == 'I')
            end++;
        if (*end == 'b' || *end == 'B')
            end++;
        if (*end)
            return -1;
    }
    double bytes = v * (double)mult;
    if (bytes > 9.0e18)
        return -1;
    return (long long)bytes;
}

long long kd_form_get_num(const kd_form *f, const char *key)
{
    return kd_form_parse_size(kd_form_get(f, key), 1);
}

bool kd_form_get_bool(const kd_form *f, const char *key)
{
    const char *v = kd_form_get(f, key);
    return v && strcmp(v, "1") == 0;
}

void kd_form_set(kd_form *f, const char *key, const char *value)
{
    field *fl = find(f, key);
    if (!fl)
        return;
    if (fl->type == KD_FIELD_CHOICE)
        set_choice(fl, value);
    else
        kd_line_set(&fl->line, value ? value : "");
    free(fl->error);
    fl->error = NULL;
    kd_app_dirty_all(f->app);
}

void kd_form_set_choices(kd_form *f, const char *key, const char *const *choices)
{
    field *fl = find(f, key);
    if (!fl || fl->type != KD_FIELD_CHOICE)
        return;
    char *keep = kd_strdup(value_of(fl));
    kd_strv_free(fl->choices);
    fl->choices = strv_dup(choices);
    set_choice(fl, keep);
    free(keep);
    kd_app_dirty_all(f->app);
}

void kd_form_set_hidden(kd_form *f, const char *key, bool hidden)
{
    field *fl = find(f, key);
    if (!fl)
        return;
    fl->hidden = hidden;
    if (hidden && f->focus < f->n && &f->f[f->focus] == fl)
        f->focus = f->n;
    kd_app_dirty_all(f->app);
}

void kd_form_error(kd_form *f, const char *key, const char *msg)
{
    field *fl = key ? find(f, key) : NULL;
    char **slot = fl ? &fl->error : &f->error;
    free(*slot);
    *slot = msg ? kd_strdup(msg) : NULL;
    if (fl && msg && focusable(fl))
        f->focus = (size_t)(fl - f->f);
    kd_app_dirty_all(f->app);
}

void kd_form_set_message(kd_form *f, const char *msg)
{
    free(f->message);
    f->message = msg ? kd_strdup(msg) : NULL;
    kd_app_dirty_all(f->app);
}

void *kd_form_opaque(const kd_form *f)
{
    return f->opaque;
}

/* Check one field; the message stays under it until its value changes. */
static bool check_field(kd_app *app, kd_form *f, field *fl)
{
    free(fl->error);
    fl->error = NULL;
    if (!focusable(fl) || !f->check)
        return true;
    char buf[256] = "";
    const char *msg = f->check(app, f, fl->key, value_of(fl), buf, sizeof(buf), f->opaque);
    if (msg)
        fl->error = kd_strdup(msg);
    return msg == NULL;
}

static void finish(kd_app *app, kd_form *f, bool ok)
{
    bool close = f->done ? f->done(app, f, ok, f->opaque) : true;
    if (close) {
        kd_modal_unlink(app, f);
        form_free(f);
    }
    kd_app_dirty_all(app);
}

static void submit(kd_app *app, kd_form *f)
{
    size_t bad = f->n;
    for (size_t i = 0; i < f->n; i++)
        if (!check_field(app, f, &f->f[i]) && bad == f->n)
            bad = i;
    free(f->error);
    f->error = NULL;
    if (bad < f->n) {
        f->focus = bad;
        kd_app_dirty_all(app);
        return;
    }
    finish(app, f, true);
}

static void move_focus(kd_app *app, kd_form *f, int dir)
{
    if (f->focus < f->n)
        check_field(app, f, &f->f[f->focus]);
    size_t slots = f->n + 1, at = f->focus;
    for (size_t step = 0; step < slots; step++) {
        at = (at + slots + (size_t)(dir > 0 ? 1 : slots - 1)) % slots;
        if (at == f->n || focusable(&f->f[at]))
            break;
    }
    f->focus = at;
}

static void notify(kd_app *app, kd_form *f, field *fl)
{
    free(fl->error);
    fl->error = NULL;
    if (f->changed)
        f->changed(app, f, fl->key, f->opaque);
}

static bool number_char(kd_key key)
{
    return key < 128 && (isdigit(key) || key == '.' || strchr("kKmMgGtTiIbB", key));
}

/* A key for the focused field; false when the field does not use it. */
static bool field_key(kd_app *app, kd_form *f, field *fl, kd_key key)
{
    if (fl->type == KD_FIELD_CHOICE) {
        size_t n = 0;
        while (fl->choices[n])
            n++;
        if (!n || !(key == ' ' || key == (KD_KEY_FN | KEY_RIGHT) || key == (KD_KEY_FN | KEY_LEFT)))
            return false;
        fl->choice = (fl->choice + (key == (KD_KEY_FN | KEY_LEFT) ? n - 1 : 1)) % n;
        notify(app, f, fl);
        return true;
    }
    if (fl->type == KD_FIELD_CHECK) {
        if (!(key == ' ' || key == (KD_KEY_FN | KEY_RIGHT) || key == (KD_KEY_FN | KEY_LEFT)))
            return false;
        kd_line_set(&fl->line, strcmp(value_of(fl), "1") == 0 ? "0" : "1");
        notify(app, f, fl);
        return true;
    }
    if (fl->type == KD_FIELD_NUMBER && key < KD_KEY_FN && key >= ' ' && key != KD_KEY_BSPACE &&
        !number_char(key))
        return true; /* swallowed: not part of a number */
    if (!kd_line_edit(&fl->line, key))
        return false;
    notify(app, f, fl);
    return true;
}

static void form_key(kd_app *app, kd_form *f, kd_key key)
{
    field *fl = f->focus < f->n ? &f->f[f->focus] : NULL;
    if (key == KD_KEY_ESC || key == 7 /* C-g */) {
        finish(app, f, false);
        return;
    }
    if (key == 19 /* C-s */) {
        submit(app, f);
        return;
    }
    if (key == '\t' || key == (KD_KEY_FN | KEY_DOWN)) {
        move_focus(app, f, 1);
    } else if (key == (KD_KEY_FN | KEY_BTAB) || key == (KD_KEY_FN | KEY_UP)) {
        move_focus(app, f, -1);
    } else if (fl && fl->pick && (key == (KD_KEY_FN | KEY_F(4)) || key == KD_KEY_ENTER)) {
        fl->pick(app, f, fl->key);
    } else if (key == KD_KEY_ENTER) {
        if (!fl) {
            submit(app, f);
            return;
        }
        move_focus(app, f, 1);
    } else if (fl) {
        field_key(app, f, fl, key);
    }
    kd_app_dirty_all(app);
}

void kd_form_key(kd_app *app, kd_key key)
{
    kd_modal *m = app->modals;
    if (!m)
        return;
    if (m->pick)
        kd_picker_key(app, m->pick, key);
    else
        form_key(app, m->form, key);
}

/* Drawing --------------------------------------------------------------------------- */

WINDOW *kd_modal_box(kd_app *app, int height, int width)
{
    if (height > app->rows - 1)
        height = app->rows - 1;
    if (width > app->cols - 2)
        width = app->cols - 2;
    WINDOW *w = newwin(height, width, (app->rows - height) / 2, (app->cols - width) / 2);
    if (!w)
        return NULL;
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_DIALOG));
    for (int y = 0; y < height; y++)
        kd_draw_fill(w, y, 0, width);
    box(w, 0, 0);
    return w;
}

#define FIELD_ERROR_ROWS 3 /* a field's message wraps over at most this many rows */
#define FORM_ERROR_ROWS  4 /* and the form's own (libvirt's reason for a refusal) */
#define MESSAGE_ROWS     3

/* Rows text takes wrapped to cols columns (at most max), measured on a scratch pad. */
static int wrapped_rows(const char *text, int cols, int max)
{
    if (!text || !*text)
        return 0;
    if (cols < 4)
        return 1;
    WINDOW *pad = newpad(max + 1, cols);
    if (!pad)
        return 1;
    int n = kd_draw_wrapped(pad, 0, 0, cols, max, text);
    delwin(pad);
    return n > 0 ? n : 1;
}

static int field_rows(const kd_form *f, size_t i, int err_cols)
{
    const field *fl = &f->f[i];
    return fl->hidden ? 0 : 1 + wrapped_rows(fl->error, err_cols, FIELD_ERROR_ROWS);
}

static void draw_value(WINDOW *w, int y, int x, int cols, const field *fl, bool focus, int *cur_x)
{
    char buf[256];
    const char *v = value_of(fl);
    if (fl->type == KD_FIELD_CHOICE) {
        snprintf(buf, sizeof(buf), "< %s >", v);
        v = buf;
    } else if (fl->type == KD_FIELD_CHECK) {
        v = strcmp(v, "1") == 0 ? "[x]" : "[ ]";
    } else if (fl->type == KD_FIELD_SECRET) {
        size_t n = fl->line.len < sizeof(buf) - 1 ? fl->line.len : sizeof(buf) - 1;
        memset(buf, '*', n);
        buf[n] = '\0';
        v = buf;
    }
    wattrset(w, (attr_t)kd_theme_attr(focus ? KD_SLOT_LIST_SELECTED : KD_SLOT_NORMAL));
    if (fl->type != KD_FIELD_LABEL)
        kd_draw_fill(w, y, x, cols);
    else
        wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_DIALOG));
    bool editable =
        fl->type == KD_FIELD_TEXT || fl->type == KD_FIELD_NUMBER || fl->type == KD_FIELD_SECRET;
    int skip = 0;
    if (editable) {
        char *before = kd_strndup(fl->line.text ? fl->line.text : "", fl->line.cursor);
        int bw = fl->type == KD_FIELD_SECRET ? (int)fl->line.cursor : kd_utf8_width(before);
        free(before);
        skip = bw > cols - 1 ? bw - (cols - 1) : 0;
        *cur_x = x + bw - skip;
    }
    const char *p = v;
    while (skip > 0 && *p) {
        int cw;
        p += kd_utf8_next(p, &cw);
        skip -= cw;
    }
    kd_draw_text(w, y, x, cols, p);
    if (fl->pick && cols > 6) {
        wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_HELP_KEY));
        kd_draw_text(w, y, x + cols + 1, 4, "F4");
    }
}

static void form_draw(kd_app *app, kd_form *f)
{
    int width = app->cols - 4 < 78 ? app->cols - 4 : 78;
    int inner = width - 4;
    int label_w = 8;
    for (size_t i = 0; i < f->n; i++) {
        int lw = kd_utf8_width(f->f[i].label) + 2;
        if (!f->f[i].hidden && lw > label_w)
            label_w = lw;
    }
    if (label_w > inner / 3)
        label_w = inner / 3;
    int err_cols = inner - label_w;
    int msg_rows = wrapped_rows(f->message, inner, MESSAGE_ROWS) +
                   wrapped_rows(f->error, inner, FORM_ERROR_ROWS);
    int frows = 0;
    for (size_t i = 0; i < f->n; i++)
        frows += field_rows(f, i, err_cols);
    int height = frows + msg_rows + 5;
    if (height > app->rows - 1)
        height = app->rows - 1;
    int avail = height - msg_rows - 5;
    if (avail < 1)
        avail = 1;
    /* Scroll the fields so that the focused one is visible. */
    if (f->focus < f->n && f->focus < f->top)
        f->top = f->focus;
    for (;;) {
        int used = 0;
        for (size_t i = f->top; i <= f->focus && i < f->n; i++)
            used += field_rows(f, i, err_cols);
        if (used <= avail || f->top >= f->focus || f->focus >= f->n)
            break;
        f->top++;
    }
    if (f->focus >= f->n)
        f->top = 0;
    if (app->w_dialog)
        delwin(app->w_dialog);
    WINDOW *w = app->w_dialog = kd_modal_box(app, height, width);
    if (!w)
        return;
    height = getmaxy(w);
    kd_draw_text(w, 0, 2, width - 4, f->title);
    int y = 1;
    if (f->message)
        y += kd_draw_wrapped(w, y, 2, inner, MESSAGE_ROWS, f->message);
    if (f->error) {
        wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_STATUS_ERROR));
        y += kd_draw_wrapped(w, y, 2, inner, FORM_ERROR_ROWS, f->error);
    }
    int cur_y = -1, cur_x = -1;
    int last = height - 4;
    for (size_t i = f->top; i < f->n && y <= last; i++) {
        field *fl = &f->f[i];
        if (fl->hidden)
            continue;
        bool focus = i == f->focus;
        wattrset(w, (attr_t)kd_theme_attr(focus ? KD_SLOT_HELP_KEY : KD_SLOT_DIALOG));
        kd_draw_text(w, y, 2, label_w - 1, fl->label);
        int cx = -1;
        draw_value(w, y, 2 + label_w, inner - label_w - (fl->pick ? 4 : 0), fl, focus, &cx);
        if (focus && cx >= 0) {
            cur_y = y;
            cur_x = cx;
        }
        y++;
        if (fl->error && y <= last) {
            wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_STATUS_ERROR));
            int room = last - y + 1 < FIELD_ERROR_ROWS ? last - y + 1 : FIELD_ERROR_ROWS;
            y += kd_draw_wrapped(w, y, 2 + label_w, err_cols, room, fl->error);
        }
    }
    const field *ff = f->focus < f->n ? &f->f[f->focus] : NULL;
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_DIALOG));
    kd_draw_text(w, height - 3, 2, inner, ff && ff->help ? ff->help : "");
    char btn[96];
    snprintf(btn, sizeof(btn), "[ %s ]", f->submit);
    wattrset(w, (attr_t)kd_theme_attr(f->focus >= f->n ? KD_SLOT_LIST_SELECTED : KD_SLOT_DIALOG));
    int bx = kd_draw_text(w, height - 2, 2, inner, btn);
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_DIALOG));
    char keys[128];
    snprintf(keys, sizeof(keys), "Tab/arrows move  Space/</> choose  C-s submit  Esc %s",
             f->cancel);
    kd_draw_text(w, height - 2, 2 + bx + 2, inner - bx - 2, keys);
    if (cur_y >= 0) {
        wmove(w, cur_y, cur_x);
        curs_set(1);
    } else {
        curs_set(0);
    }
    wnoutrefresh(w);
}

void kd_form_draw(kd_app *app)
{
    if (!app->modals || app->too_small)
        return;
    if (app->modals->pick)
        kd_picker_draw(app, app->modals->pick);
    else
        form_draw(app, app->modals->form);
}
