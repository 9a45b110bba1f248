#include "core/str.h"
#include "core/utf8.h"
#include "ui/app.h"
#include "ui/form.h"
#include "ui/form_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Pickers: a filterable list to choose one item from, stacked with the forms. */

struct kd_picker {
    char *title;
    char **items;
    char **details;
    size_t n;
    size_t *shown; /* indexes of the items the filter keeps */
    size_t nshown;
    kd_cursor cur;
    kd_line filter;
    kd_pick_done_fn done;
    void *opaque;
    void (*opaque_free)(void *);
};

void kd_picker_free(kd_picker *p)
{
    if (!p)
        return;
    if (p->opaque_free)
        p->opaque_free(p->opaque);
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i]);
        free(p->details[i]);
    }
    free(p->items);
    free(p->details);
    free(p->shown);
    free(p->title);
    kd_line_clear(&p->filter);
    free(p);
}

static void pick_refilter(kd_picker *p)
{
    const char *flt = p->filter.text ? p->filter.text : "";
    p->nshown = 0;
    for (size_t i = 0; i < p->n; i++)
        if (!*flt || strcasestr(p->items[i], flt) || strcasestr(p->details[i], flt))
            p->shown[p->nshown++] = i;
    kd_cursor_move(&p->cur, p->nshown, 0);
}

void kd_pick_open(kd_app *app, const kd_pick_spec *spec)
{
    kd_picker *p = kd_calloc(1, sizeof(*p));
    p->title = kd_strdup(spec->title ? spec->title : "");
    p->n = spec->n;
    p->items = kd_calloc(p->n + 1, sizeof(*p->items));
    p->details = kd_calloc(p->n + 1, sizeof(*p->details));
    p->shown = kd_calloc(p->n + 1, sizeof(*p->shown));
    for (size_t i = 0; i < p->n; i++) {
        p->items[i] = kd_strdup(spec->items[i] ? spec->items[i] : "");
        const char *d = spec->details ? spec->details[i] : NULL;
        p->details[i] = kd_strdup(d ? d : "");
    }
    p->done = spec->done;
    p->opaque = spec->opaque;
    p->opaque_free = spec->opaque_free;
    pick_refilter(p);
    p->cur.sel = spec->initial < p->n ? spec->initial : 0;
    kd_modal_push(app, NULL, p);
}

static void pick_finish(kd_app *app, kd_picker *p, bool ok)
{
    kd_modal_unlink(app, p);
    bool any = ok && p->nshown > 0;
    size_t idx = any ? p->shown[p->cur.sel] : 0;
    if (p->done)
        p->done(app, any, idx, any ? p->items[idx] : NULL, p->opaque);
    kd_picker_free(p);
}

void kd_picker_key(kd_app *app, kd_picker *p, kd_key key)
{
    long page = app->rows > 12 ? app->rows - 10 : 2;
    if (key == KD_KEY_ESC || key == 7) {
        pick_finish(app, p, false);
        return;
    }
    if (key == KD_KEY_ENTER) {
        pick_finish(app, p, true);
        return;
    }
    if (key == (KD_KEY_FN | KEY_DOWN) || key == 14 /* C-n */)
        kd_cursor_move(&p->cur, p->nshown, 1);
    else if (key == (KD_KEY_FN | KEY_UP) || key == 16 /* C-p */)
        kd_cursor_move(&p->cur, p->nshown, -1);
    else if (key == (KD_KEY_FN | KEY_NPAGE))
        kd_cursor_move(&p->cur, p->nshown, page);
    else if (key == (KD_KEY_FN | KEY_PPAGE))
        kd_cursor_move(&p->cur, p->nshown, -page);
    else if (kd_line_edit(&p->filter, key))
        pick_refilter(p);
    kd_app_dirty_all(app);
}

void kd_picker_draw(kd_app *app, kd_picker *p)
{
    int width = app->cols - 4 < 90 ? app->cols - 4 : 90;
    int height = (int)p->nshown + 5;
    if (height < 7)
        height = 7;
    if (app->w_dialog)
        delwin(app->w_dialog);
    WINDOW *w = app->w_dialog = kd_modal_box(app, height, width);
    if (!w)
        return;
    height = getmaxy(w);
    int inner = width - 4, rows = height - 4;
    kd_draw_text(w, 0, 2, inner, p->title);
    int x = kd_draw_text(w, 1, 2, inner, "Filter: ");
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
    kd_draw_fill(w, 1, 2 + x, inner - x);
    kd_draw_text(w, 1, 2 + x, inner - x, p->filter.text ? p->filter.text : "");
    kd_cursor_fit(&p->cur, p->nshown, rows);
    int name_w = inner / 2;
    for (int r = 0; r < rows && p->cur.top + (size_t)r < p->nshown; r++) {
        size_t at = p->cur.top + (size_t)r;
        size_t i = p->shown[at];
        bool sel = at == p->cur.sel;
        wattrset(w, (attr_t)kd_theme_attr(sel ? KD_SLOT_LIST_SELECTED : KD_SLOT_DIALOG));
        kd_draw_fill(w, 2 + r, 2, inner);
        kd_draw_text(w, 2 + r, 2, *p->details[i] ? name_w - 1 : inner, p->items[i]);
        if (*p->details[i])
            kd_draw_text(w, 2 + r, 2 + name_w, inner - name_w, p->details[i]);
    }
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_DIALOG));
    if (!p->nshown)
        kd_draw_text(w, 2, 2, inner, "(nothing matches)");
    char foot[96];
    snprintf(foot, sizeof(foot), "%zu of %zu  type to filter  Enter choose  Esc cancel", p->nshown,
             p->n);
    kd_draw_text(w, height - 1, 2, inner, foot);
    wmove(w, 1, 2 + x + kd_utf8_width(p->filter.text ? p->filter.text : ""));
    curs_set(1);
    wnoutrefresh(w);
}
