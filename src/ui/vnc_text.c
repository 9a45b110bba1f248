#include "ui/vnc_text.h"
#include "console/font.h"
#include "core/str.h"
#include "ui/theme.h"

#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

struct kd_vnc_text {
    kd_fontset *fonts; /* NULL when none could be loaded */
    kd_textrec *rec;
    bool wanted;
    bool stale; /* updates went unread while pixels were wanted */
    kd_err err; /* why there are no fonts */
};

kd_vnc_text *kd_vnc_text_new(bool text_first)
{
    kd_vnc_text *t = kd_calloc(1, sizeof(*t));
    t->fonts = kd_fontset_load(NULL, &t->err);
    if (t->fonts)
        t->rec = kd_textrec_new(t->fonts, KD_VNC_TEXT_SCROLLBACK);
    t->wanted = text_first && t->fonts != NULL;
    return t;
}

void kd_vnc_text_free(kd_vnc_text *t)
{
    if (!t)
        return;
    kd_textrec_free(t->rec);
    kd_fontset_free(t->fonts);
    free(t);
}

void kd_vnc_text_damage(kd_vnc_text *t, const kd_fb *fb, int x, int y, int w, int h)
{
    if (t->rec && t->wanted)
        kd_textrec_update(t->rec, fb, x, y, w, h);
    t->stale = t->stale || !t->wanted;
}

void kd_vnc_text_commit(kd_vnc_text *t)
{
    if (t->rec && t->wanted)
        kd_textrec_commit(t->rec);
}

char *kd_vnc_text_history(const kd_vnc_text *t, size_t *nlines)
{
    kd_buf b;
    kd_buf_init(&b);
    size_t n = t->rec ? kd_textrec_line_count(t->rec) : 0;
    for (size_t i = 0; i < n; i++) {
        char *line = kd_textrec_line_text(t->rec, i);
        kd_buf_printf(&b, "%s\n", line ? line : "");
        free(line);
    }
    *nlines = n;
    return kd_buf_steal(&b);
}

bool kd_vnc_text_showing(const kd_vnc_text *t)
{
    return t->wanted && t->rec && kd_textrec_is_text(t->rec);
}

bool kd_vnc_text_toggle(kd_vnc_text *t, const kd_fb *fb, char *msg, size_t n)
{
    if (!t->rec) {
        snprintf(msg, n, "no text: %s", t->err.msg);
        return false;
    }
    t->wanted = !t->wanted;
    if (t->wanted && t->stale && fb) {
        kd_textrec_update(t->rec, fb, 0, 0, fb->width, fb->height);
        t->stale = false;
    }
    if (!t->wanted)
        snprintf(msg, n, "the screen is drawn as pixels");
    else if (kd_textrec_is_text(t->rec))
        snprintf(msg, n, "the screen is read as text");
    else
        snprintf(msg, n, "text when the screen shows text (now a picture: %.0f%% reads as text)",
                 100.0 * kd_textrec_confidence(t->rec));
    return t->wanted;
}

const char *kd_vnc_text_mode_name(const kd_vnc_text *t)
{
    return kd_vnc_text_showing(t) ? "text" : "pixels";
}

const kd_textrec *kd_vnc_text_rec(const kd_vnc_text *t)
{
    return t->rec;
}

static int term_color(uint8_t vga, uint32_t rgb)
{
    if (!has_colors())
        return -1;
    kd_color c = COLORS >= 256 ? (kd_color){KD_COLOR_RGB, rgb} : (kd_color){KD_COLOR_INDEX, vga};
    return kd_color_reduce(c, COLORS);
}

static void draw_cell(WINDOW *w, int y, int x, const kd_textrec_cell *c, bool cursor)
{
    wchar_t wch[2] = {c->text ? (wchar_t)c->ch : (wchar_t)0x2580, 0};
    if (wch[0] < 0x20 || (wch[0] >= 0x7f && wch[0] < 0xa0))
        wch[0] = L' ';
    int fg = term_color(c->fg16, c->fg_rgb), bg = term_color(c->bg16, c->bg_rgb);
    int pair = fg >= 0 || bg >= 0 ? alloc_pair(fg, bg) : 0;
    attr_t a = cursor ? A_REVERSE : A_NORMAL;
    cchar_t cc;
    setcchar(&cc, wch, a, (short)(pair > 0 ? pair : 0), pair > 0 ? &pair : NULL);
    mvwadd_wch(w, y, x, &cc);
}

/* The last row with text on it: where the action is when no cursor was found. */
static int last_text_row(const kd_textrec *rec, int grid_rows)
{
    for (int r = grid_rows - 1; r > 0; r--) {
        char *line = kd_textrec_line(rec, r);
        bool any = line && *line;
        free(line);
        if (any)
            return r;
    }
    return 0;
}

/* The first of n grid lines shown in a pane of vis: the anchor (the cursor) kept in view. */
static int first_shown(int n, int vis, int anchor)
{
    if (n <= vis)
        return 0;
    int first = anchor - vis + 1;
    return first < 0 ? 0 : first > n - vis ? n - vis : first;
}

int kd_vnc_text_draw(WINDOW *w, int top, int rows, int cols, const kd_textrec *rec)
{
    int grid_rows, grid_cols, cur_row = -1, cur_col = -1;
    kd_textrec_size(rec, &grid_rows, &grid_cols);
    bool cursor = kd_textrec_cursor(rec, &cur_row, &cur_col);
    if (!cursor)
        cur_row = cur_col = -1;
    int dy = rows > grid_rows ? (rows - grid_rows) / 2 : 0;
    int dx = cols > grid_cols ? (cols - grid_cols) / 2 : 0;
    /* A pane smaller than the screen shows the part around the cursor (the prompt). */
    int r0 = first_shown(grid_rows, rows,
                         cursor             ? cur_row
                         : grid_rows > rows ? last_text_row(rec, grid_rows)
                                            : 0);
    int c0 = first_shown(grid_cols, cols, cursor ? cur_col : 0);
    int drawn = 0;
    for (int r = r0; r < grid_rows && r - r0 < rows; r++) {
        for (int c = c0; c < grid_cols && c - c0 < cols; c++) {
            const kd_textrec_cell *cell = kd_textrec_cell_at(rec, r, c);
            draw_cell(w, top + dy + r - r0, dx + c - c0, cell, r == cur_row && c == cur_col);
            drawn++;
        }
    }
    return drawn;
}
