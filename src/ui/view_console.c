#include "console/vt.h"
#include "core/str.h"
#include "ui/app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The console view: a tab per open console on top, the guest's screen (or its
 * scrollback) below, optionally beside the domain list and that domain's figures. */

static attr_t cell_attrs(const kd_vt_cell *cell)
{
    attr_t a = A_NORMAL;
    if (cell->attrs & KD_VT_ATTR_BOLD)
        a |= A_BOLD;
    if (cell->attrs & KD_VT_ATTR_UNDERLINE)
        a |= A_UNDERLINE;
    if (cell->attrs & KD_VT_ATTR_ITALIC)
        a |= A_ITALIC;
    if (cell->attrs & KD_VT_ATTR_BLINK)
        a |= A_BLINK;
    if (cell->attrs & KD_VT_ATTR_REVERSE)
        a |= A_REVERSE;
    return a;
}

static int term_color(kd_vt_color c)
{
    kd_color k = {KD_COLOR_DEFAULT, 0};
    if (c.kind == KD_VT_COLOR_INDEX)
        k = (kd_color){KD_COLOR_INDEX, c.index};
    else if (c.kind == KD_VT_COLOR_RGB)
        k = (kd_color){KD_COLOR_RGB, (unsigned)c.r << 16 | (unsigned)c.g << 8 | c.b};
    return has_colors() ? kd_color_reduce(k, COLORS) : -1;
}

static void draw_cells(WINDOW *w, int y, int x0, int width, const kd_vt_cell *cells, int n)
{
    for (int x = 0; x < width; x++) {
        const kd_vt_cell *cell = x < n ? &cells[x] : NULL;
        if (cell && cell->width == 0)
            continue; /* the right half of a wide character */
        wchar_t wch[KD_VT_MAX_CHARS + 1];
        int k = 0;
        for (; cell && k < KD_VT_MAX_CHARS && cell->ch[k]; k++)
            wch[k] = (wchar_t)cell->ch[k];
        if (k == 0)
            wch[k++] = L' ';
        wch[k] = 0;
        int pair = 0;
        attr_t a = A_NORMAL;
        if (cell) {
            int fg = term_color(cell->fg), bg = term_color(cell->bg);
            if (fg >= 0 || bg >= 0)
                pair = alloc_pair(fg, bg);
            a = cell_attrs(cell);
        }
        cchar_t cc;
        setcchar(&cc, wch, a, (short)(pair > 0 ? pair : 0), pair > 0 ? &pair : NULL);
        mvwadd_wch(w, y, x0 + x, &cc);
    }
}

static void draw_tabs(kd_app *app, WINDOW *w)
{
    char buf[256];
    int x = 1;
    int i = 1;
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HEADER));
    kd_draw_fill(w, 0, 0, app->cols);
    for (kd_console *c = app->consoles; c && x < app->cols; c = kd_console_next(c), i++) {
        snprintf(buf, sizeof(buf), " %d:%s%s ", i, kd_console_name(c),
                 kd_console_logging(c) ? " [log]" : "");
        wattrset(w, (int)kd_theme_attr(c == app->console ? KD_SLOT_HEADER_TITLE : KD_SLOT_HEADER));
        x += kd_draw_text(w, 0, x, app->cols - x, buf);
    }
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HEADER));
    const char *hint = "Ctrl+] leaves  Shift+PgUp scrolls";
    int hw = (int)strlen(hint);
    if (app->cols - x > hw + 2)
        kd_draw_text(w, 0, app->cols - hw - 1, hw, hint);
}

static void draw_side(kd_app *app, WINDOW *w, int width)
{
    /* The domains and, for the console's own domain, its latest figures. */
    int y = 1;
    const kd_domain *mine = NULL;
    for (size_t i = 0; i < app->norder && y < app->rows - 6; i++, y++) {
        const kd_domain *d = kd_conn_domain_at(app->conn, app->order[i]);
        const kd_dom_rates *r = kd_rates_find(&app->rates, d->uuid);
        char line[128];
        bool me = app->console && strcmp(d->name, kd_console_name(app->console)) == 0;
        if (me)
            mine = d;
        snprintf(line, sizeof(line), "%-*.*s %-8.8s %5s", width - 16, width - 16, d->name,
                 kd_dom_state_name(d->state), "");
        if (r && kd_rate_valid(r->cpu_pct) && d->state != KD_DOM_SHUTOFF)
            snprintf(line + strlen(line) - 5, 6, "%5.1f", r->cpu_pct);
        wattrset(w, (int)kd_theme_attr(me ? KD_SLOT_LIST_SELECTED : KD_SLOT_NORMAL));
        kd_draw_fill(w, y, 0, width);
        kd_draw_text(w, y, 0, width, line);
    }
    if (!mine)
        return;
    const kd_dom_rates *r = kd_rates_find(&app->rates, mine->uuid);
    char a[16], b[16], line[128];
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HELP_TITLE));
    kd_draw_text(w, app->rows - 5, 0, width, mine->name);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
    kd_format_rate(a, sizeof(a), r ? r->mem_used_kib * 1024 : NAN);
    snprintf(line, sizeof(line), "CPU %.1f%%  mem used %sB",
             r && kd_rate_valid(r->cpu_pct) ? r->cpu_pct : 0.0, a);
    kd_draw_text(w, app->rows - 4, 0, width, line);
    kd_format_rate(a, sizeof(a), r ? r->blk.rd_bytes_s + r->blk.wr_bytes_s : NAN);
    kd_format_rate(b, sizeof(b), r ? r->net.rx_bytes_s + r->net.tx_bytes_s : NAN);
    snprintf(line, sizeof(line), "disk %sB/s  net %sB/s", a, b);
    kd_draw_text(w, app->rows - 3, 0, width, line);
}

void kd_view_console_draw(kd_app *app)
{
    WINDOW *w = app->w_full;
    werase(w);
    draw_tabs(app, w);
    kd_console *c = app->console;
    if (!c)
        return;
    kd_vt *vt = kd_console_vt(c);
    int rows, cols;
    kd_vt_size(vt, &rows, &cols);
    int x0 = 0;
    if (app->console_split) {
        int side = app->cols * 2 / 5;
        draw_side(app, w, side - 1);
        wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
        mvwvline(w, 1, side - 1, ACS_VLINE, app->rows - 2);
        x0 = side;
    }
    size_t first;
    bool scrolling = kd_console_scrolling(c, &first);
    size_t count = kd_vt_line_count(vt);
    if (!scrolling)
        first = count > (size_t)rows ? count - (size_t)rows : 0;
    for (int r = 0; r < rows && r + 1 < app->rows - 1; r++) {
        int n = 0;
        const kd_vt_cell *cells =
            first + (size_t)r < count ? kd_vt_line(vt, first + (size_t)r, &n) : NULL;
        draw_cells(w, r + 1, x0, cols, cells, cells ? n : 0);
    }
    int cr, cc;
    bool visible;
    kd_vt_cursor(vt, &cr, &cc, &visible);
    if (!scrolling && visible && app->view == KD_VIEW_CONSOLE && !app->dialog) {
        leaveok(w, FALSE);
        wmove(w, cr + 1, x0 + cc);
        curs_set(1);
    } else {
        leaveok(w, TRUE);
    }
}

/* ---- actions --------------------------------------------------------------------------- */

static void act_console(kd_app *app, int argc, char **argv)
{
    kd_uuid *t;
    size_t n = kd_app_targets(app, argc > 0 ? 1 : 0, argv, &t);
    if (n == 0)
        return;
    kd_console_open(app, t[0].uuid, argc > 1 ? argv[1] : NULL);
    free(t);
}

static void act_leave(kd_app *app, int argc, char **argv)
{
    bool attached = app->console && kd_console_attached(app->console);
    kd_app_set_view(app, KD_VIEW_LIST);
    if (attached)
        kd_app_status(app, false, "the console keeps running; v returns to it");
    else
        kd_app_status(app, false, "left the console (not attached: v tries again)");
}

static void act_scroll_up(kd_app *app, int argc, char **argv)
{
    kd_console_scroll(app, -(app->rows - 3));
}

static void act_scroll_down(kd_app *app, int argc, char **argv)
{
    kd_console_scroll(app, app->rows - 3);
}

static void act_line_up(kd_app *app, int argc, char **argv)
{
    kd_console_scroll(app, -1);
}

static void act_line_down(kd_app *app, int argc, char **argv)
{
    kd_console_scroll(app, 1);
}

static void act_top(kd_app *app, int argc, char **argv)
{
    kd_console_scroll(app, -(1L << 40));
}

static void act_live(kd_app *app, int argc, char **argv)
{
    kd_console_scroll(app, 1L << 40);
}

static void act_search(kd_app *app, int argc, char **argv)
{
    kd_console_search_prompt(app, false);
}

static void act_search_back(kd_app *app, int argc, char **argv)
{
    kd_console_search_prompt(app, true);
}

static void act_next(kd_app *app, int argc, char **argv)
{
    kd_console_search_again(app, false);
}

static void act_prev(kd_app *app, int argc, char **argv)
{
    kd_console_search_again(app, true);
}

static void act_save(kd_app *app, int argc, char **argv)
{
    kd_console_save_prompt(app);
}

static void act_log(kd_app *app, int argc, char **argv)
{
    kd_console_toggle_log(app);
}

static void act_split(kd_app *app, int argc, char **argv)
{
    app->console_split = !app->console_split;
    kd_console_fit(app);
    app->dirty_full = true;
}

static void act_tab(kd_app *app, int argc, char **argv)
{
    if (!app->console)
        return;
    kd_console *next = kd_console_next(app->console);
    app->console = next ? next : app->consoles;
    app->dirty_full = true;
}

static void act_close(kd_app *app, int argc, char **argv)
{
    if (!app->console)
        return;
    kd_console_close(app, app->console);
    if (!app->console)
        kd_app_set_view(app, KD_VIEW_LIST);
    app->dirty_full = true;
}

const kd_action kd_actions_console[] = {
    {"console.open", "console", "DOMAIN [DEVICE]", "Serial console (opens or switches to it)",
     act_console},
    {"console.leave", NULL, NULL, "Leave the console (it keeps running)", act_leave},
    {"console.scroll_up", NULL, NULL, "Scrollback: a page up", act_scroll_up},
    {"console.scroll_down", NULL, NULL, "Scrollback: a page down", act_scroll_down},
    {"console.line_up", NULL, NULL, "Scrollback: a line up", act_line_up},
    {"console.line_down", NULL, NULL, "Scrollback: a line down", act_line_down},
    {"console.top", NULL, NULL, "Scrollback: the oldest line", act_top},
    {"console.live", NULL, NULL, "Back to the live screen", act_live},
    {"console.search", NULL, NULL, "Search the scrollback forwards", act_search},
    {"console.search_back", NULL, NULL, "Search the scrollback backwards", act_search_back},
    {"console.next", NULL, NULL, "Next match", act_next},
    {"console.prev", NULL, NULL, "Previous match", act_prev},
    {"console.save", "console-save", NULL, "Save console text to a file", act_save},
    {"console.log", "console-log", NULL, "Log the console to a file with timestamps", act_log},
    {"console.split", NULL, NULL, "Console full screen, or beside the list and figures", act_split},
    {"console.tab", NULL, NULL, "Next open console", act_tab},
    {"console.close", NULL, NULL, "Close this console", act_close},
};
const size_t kd_actions_console_count = sizeof(kd_actions_console) / sizeof(kd_actions_console[0]);
