#include "ui/pager.h"
#include "core/paths.h"
#include "core/str.h"
#include "ui/app.h"
#include "ui/dialog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every page of text (a domain's XML, the audit log, capabilities, a graphical console's
 * text scrollback) is this one screen: scrolling, searching and saving to a file. */

typedef struct {
    char *title;
    char **lines;
    size_t n;
    kd_cursor cur; /* sel is the first row shown */
    int rows;
    char *needle;      /* the last search */
    size_t found;      /* the line it was last found on, or n */
    bool found_at_all; /* for highlighting */
} pager;

static void pager_free(void *p)
{
    pager *s = p;
    for (size_t i = 0; i < s->n; i++)
        free(s->lines[i]);
    free(s->lines);
    free(s->title);
    free(s->needle);
    free(s);
}

static const kd_screen_ops pager_ops;

static void pager_draw(kd_app *app, WINDOW *w)
{
    pager *s = kd_screen_state(app, &pager_ops);
    if (!s)
        return;
    char hint[160];
    size_t last = s->n ? s->n : 1;
    snprintf(hint, sizeof(hint),
             "q back  j/k scroll  g/G top/bottom  / search  s save   line %zu of %zu",
             s->cur.sel + 1, last);
    int rows = kd_screen_frame(app, w, s->title, hint);
    s->rows = rows;
    int cols = getmaxx(w);
    for (int r = 0; r < rows && s->cur.sel + (size_t)r < s->n; r++) {
        size_t i = s->cur.sel + (size_t)r;
        bool hit = s->found_at_all && i == s->found;
        wattrset(w, (attr_t)kd_theme_attr(hit ? KD_SLOT_LIST_SELECTED : KD_SLOT_NORMAL));
        if (hit)
            kd_draw_fill(w, 1 + r, 0, cols);
        kd_draw_text(w, 1 + r, 0, cols, s->lines[i]);
    }
}

static size_t stops(const pager *s)
{
    size_t vis = s->rows > 0 ? (size_t)s->rows : 1;
    /* The last page stays full: scrolling stops when the last line shows. */
    return s->n > vis ? s->n - vis + 1 : 1;
}

static void pager_cursor(kd_app *app, long delta)
{
    pager *s = kd_screen_state(app, &pager_ops);
    if (s)
        kd_cursor_move(&s->cur, stops(s), delta);
}

static const kd_screen_ops pager_ops = {
    .name = "text",
    .ctx = KD_CTX_TEXT,
    .draw = pager_draw,
    .cursor = pager_cursor,
};

static void add_lines(pager *s, const char *text)
{
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = kd_strndup(p, len);
        /* Tabs and control characters would move the cursor off the grid. */
        for (char *c = line; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
        s->lines = kd_realloc(s->lines, (s->n + 1) * sizeof(char *));
        s->lines[s->n++] = line;
        p = nl ? nl + 1 : NULL;
    }
}

static pager *open_pager(kd_app *app, const char *title, const char *text)
{
    pager *s = kd_calloc(1, sizeof(*s));
    s->title = kd_strdup(title);
    add_lines(s, text);
    /* One pager at a time: a second one takes over the first (and comes to the top). */
    pager *old = kd_screen_find(app, &pager_ops);
    if (old) {
        pager tmp = *old;
        *old = *s;
        *s = tmp;
        pager_free(s);
        s = old;
    }
    kd_screen_open(app, &pager_ops, s, pager_free);
    return s;
}

void kd_pager_open(kd_app *app, const char *title, const char *text)
{
    open_pager(app, title, text);
}

void kd_pager_open_at_end(kd_app *app, const char *title, const char *text)
{
    pager *s = open_pager(app, title, text);
    s->rows = app->rows > 3 ? app->rows - 3 : 1;
    kd_cursor_move(&s->cur, stops(s), 1L << 30);
}

/* Searching: case-insensitive, wrapping around, the line found shown at the top. */
static void search(kd_app *app, pager *s, bool backwards)
{
    if (!s->needle || !*s->needle || !s->n)
        return;
    size_t from = s->found_at_all ? s->found : s->cur.sel;
    for (size_t k = 1; k <= s->n; k++) {
        size_t i = backwards ? (from + s->n - k) % s->n : (from + k) % s->n;
        if (!s->found_at_all && k == 1)
            i = from; /* a new search starts on the first line shown */
        if (strcasestr(s->lines[i], s->needle)) {
            s->found = i;
            s->found_at_all = true;
            s->cur.sel = 0;
            kd_cursor_move(&s->cur, stops(s), (long)i);
            kd_app_status(app, false, "/%s: line %zu", s->needle, i + 1);
            app->dirty_full = true;
            return;
        }
    }
    s->found_at_all = false;
    kd_app_status(app, true, "'%s' is not in this text", s->needle);
}

static void on_search(kd_app *app, bool ok, const char *text, void *opaque)
{
    pager *s = kd_screen_state(app, &pager_ops);
    if (!ok || !s || !*text)
        return;
    free(s->needle);
    s->needle = kd_strdup(text);
    s->found_at_all = false;
    search(app, s, opaque != NULL);
}

static pager *shown(kd_app *app)
{
    pager *s = kd_screen_state(app, &pager_ops);
    if (!s)
        kd_app_status(app, true, "no text is shown");
    return s;
}

static void prompt_search(kd_app *app, bool backwards)
{
    pager *s = shown(app);
    if (!s)
        return;
    kd_dialog_spec spec = {.title = backwards ? "?" : "/",
                           .initial = s->needle,
                           .bar = true,
                           .done = on_search,
                           .opaque = backwards ? (void *)1 : NULL};
    kd_dialog_prompt(app, &spec);
}

static void act_search(kd_app *app, int argc, char **argv)
{
    prompt_search(app, false);
}

static void act_search_back(kd_app *app, int argc, char **argv)
{
    prompt_search(app, true);
}

static void again(kd_app *app, bool backwards)
{
    pager *s = shown(app);
    if (s && !s->needle)
        kd_app_status(app, true, "no search yet: / searches");
    else if (s)
        search(app, s, backwards);
}

static void act_next(kd_app *app, int argc, char **argv)
{
    again(app, false);
}

static void act_prev(kd_app *app, int argc, char **argv)
{
    again(app, true);
}

static void on_save(kd_app *app, bool ok, const char *path, void *opaque)
{
    pager *s = kd_screen_state(app, &pager_ops);
    if (!ok || !s || !*path)
        return;
    char *full = kd_paths_expand_home(path);
    FILE *f = fopen(full, "wx");
    if (!f) {
        kd_app_status(app, true, "saving to %s: %s", full,
                      errno == EEXIST ? "the file exists (nothing was overwritten)"
                                      : strerror(errno));
        free(full);
        return;
    }
    for (size_t i = 0; i < s->n; i++)
        fprintf(f, "%s\n", s->lines[i]);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        int e = errno;
        remove(full);
        kd_app_status(app, true, "saving to %s: %s (nothing kept)", full, strerror(e));
    } else {
        kd_app_status(app, false, "saved %zu lines to %s", s->n, full);
    }
    free(full);
}

static void act_save(kd_app *app, int argc, char **argv)
{
    if (!shown(app))
        return;
    if (argc >= 1) {
        on_save(app, true, argv[0], NULL);
        return;
    }
    kd_dialog_spec spec = {.title = "Save this text to", .initial = "~/", .done = on_save};
    kd_dialog_prompt(app, &spec);
}

const kd_action kd_actions_pager[] = {
    {"text.search", NULL, NULL, "Search forward", act_search},
    {"text.search_back", NULL, NULL, "Search backward", act_search_back},
    {"text.next", NULL, NULL, "The next match", act_next},
    {"text.prev", NULL, NULL, "The previous match", act_prev},
    {"text.save", NULL, "FILE", "Save the text to a file", act_save},
};
const size_t kd_actions_pager_count = sizeof(kd_actions_pager) / sizeof(kd_actions_pager[0]);
