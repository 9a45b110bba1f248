#include "console/vt.h"
#include "console/vt_priv.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vterm.h>

/* libvterm owns the emulation; this file mirrors its screen into kd_vt_cell rows after
 * each write (only the rows libvterm reported damaged), so that readers get plain cells
 * and never a libvterm type. */

struct kd_vt {
    VTerm *vterm;
    VTermScreen *screen;
    VTermState *state;
    int rows, cols;
    kd_vt_cell *grid;
    kd_vt_ring *ring;
    kd_vt_filter filter;
    int sync_top, sync_bottom; /* rows to copy from libvterm after this write */
    int dmg_top, dmg_bottom;   /* rows changed since the UI last asked */
    bool cursor_visible;
    bool alt_screen;
    bool bell;
    bool in_write; /* output now answers the guest, not the user */
    char title[KD_VT_TITLE_MAX + 1];
    kd_buf out;
    kd_vt_cell row_tmp[KD_VT_MAX_COLS]; /* a line on its way to the scrollback */
};

/* --- Damage ------------------------------------------------------------------------- */

static void range_add(int *top, int *bottom, int from, int to)
{
    if (from >= to)
        return;
    if (*top >= *bottom) {
        *top = from;
        *bottom = to;
        return;
    }
    if (from < *top)
        *top = from;
    if (to > *bottom)
        *bottom = to;
}

static void mark_rows(kd_vt *vt, int from, int to)
{
    range_add(&vt->sync_top, &vt->sync_bottom, from, to);
    range_add(&vt->dmg_top, &vt->dmg_bottom, from, to);
}

/* --- Cells ---------------------------------------------------------------------------- */

static kd_vt_color color_from(const VTermColor *c, bool is_default)
{
    kd_vt_color k = {KD_VT_COLOR_DEFAULT, 0, 0, 0, 0};
    if (is_default)
        return k;
    if (VTERM_COLOR_IS_INDEXED(c)) {
        k.kind = KD_VT_COLOR_INDEX;
        k.index = c->indexed.idx;
    } else {
        k.kind = KD_VT_COLOR_RGB;
        k.r = c->rgb.red;
        k.g = c->rgb.green;
        k.b = c->rgb.blue;
    }
    return k;
}

static uint16_t attrs_from(const VTermScreenCellAttrs *a)
{
    uint16_t k = 0;
    k |= a->bold ? KD_VT_ATTR_BOLD : 0;
    k |= a->underline ? KD_VT_ATTR_UNDERLINE : 0;
    k |= a->italic ? KD_VT_ATTR_ITALIC : 0;
    k |= a->blink ? KD_VT_ATTR_BLINK : 0;
    k |= a->reverse ? KD_VT_ATTR_REVERSE : 0;
    k |= a->strike ? KD_VT_ATTR_STRIKE : 0;
#if VTERM_VERSION_MAJOR > 0 || VTERM_VERSION_MINOR >= 2
    k |= a->conceal ? KD_VT_ATTR_CONCEAL : 0;
#endif
    return k;
}

static void cell_from(const VTermScreenCell *in, kd_vt_cell *out)
{
    memset(out, 0, sizeof(*out));
    out->fg = color_from(&in->fg, VTERM_COLOR_IS_DEFAULT_FG(&in->fg));
    out->bg = color_from(&in->bg, VTERM_COLOR_IS_DEFAULT_BG(&in->bg));
    out->attrs = attrs_from(&in->attrs);
    /* libvterm marks the right half of a wide character with (uint32_t)-1. */
    if (in->chars[0] == (uint32_t)-1)
        return;
    out->width = in->width == 2 ? 2 : 1;
    for (int i = 0; i < KD_VT_MAX_CHARS && i < VTERM_MAX_CHARS_PER_CELL && in->chars[i]; i++)
        out->ch[i] = kd_vt_printable(in->chars[i]);
}

static void color_to(const kd_vt_color *k, const VTermColor *def, VTermColor *c)
{
    if (k->kind == KD_VT_COLOR_INDEX)
        vterm_color_indexed(c, k->index);
    else if (k->kind == KD_VT_COLOR_RGB)
        vterm_color_rgb(c, k->r, k->g, k->b);
    else
        *c = *def;
}

/* A scrollback cell back into libvterm's screen. Every cell gets a width of at least 1:
 * libvterm steps through a restored line by cell widths. */
static void cell_to(kd_vt *vt, const kd_vt_cell *k, bool last_col, VTermScreenCell *c)
{
    VTermColor fg, bg;
    vterm_state_get_default_colors(vt->state, &fg, &bg);
    memset(c, 0, sizeof(*c));
    for (int i = 0; i < KD_VT_MAX_CHARS && i < VTERM_MAX_CHARS_PER_CELL && k->ch[i]; i++)
        c->chars[i] = k->ch[i];
    c->width = (k->width == 2 && !last_col) ? 2 : 1;
    c->attrs.bold = !!(k->attrs & KD_VT_ATTR_BOLD);
    c->attrs.underline = (k->attrs & KD_VT_ATTR_UNDERLINE) ? VTERM_UNDERLINE_SINGLE : 0;
    c->attrs.italic = !!(k->attrs & KD_VT_ATTR_ITALIC);
    c->attrs.blink = !!(k->attrs & KD_VT_ATTR_BLINK);
    c->attrs.reverse = !!(k->attrs & KD_VT_ATTR_REVERSE);
    c->attrs.strike = !!(k->attrs & KD_VT_ATTR_STRIKE);
    color_to(&k->fg, &fg, &c->fg);
    color_to(&k->bg, &bg, &c->bg);
}

static void sync_rows(kd_vt *vt)
{
    int top = vt->sync_top < 0 ? 0 : vt->sync_top;
    int bottom = vt->sync_bottom > vt->rows ? vt->rows : vt->sync_bottom;
    for (int r = top; r < bottom; r++) {
        for (int c = 0; c < vt->cols; c++) {
            VTermScreenCell cell;
            if (!vterm_screen_get_cell(vt->screen, (VTermPos){r, c}, &cell))
                memset(&cell, 0, sizeof(cell));
            cell_from(&cell, &vt->grid[(size_t)r * (size_t)vt->cols + (size_t)c]);
        }
    }
    vt->sync_top = vt->sync_bottom = 0;
}

/* --- libvterm callbacks ----------------------------------------------------------------- */

static int on_damage(VTermRect rect, void *user)
{
    mark_rows(user, rect.start_row, rect.end_row);
    return 1;
}

static int on_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
    kd_vt *vt = user;
    range_add(&vt->dmg_top, &vt->dmg_bottom, oldpos.row, oldpos.row + 1);
    range_add(&vt->dmg_top, &vt->dmg_bottom, pos.row, pos.row + 1);
    return 1;
}

/* Keep a harmless copy of the title: valid UTF-8, no controls, cut at a character. */
static void title_set(kd_vt *vt, const char *s)
{
    size_t n = strlen(s), len = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += kd_vt_utf8_decode(s + i, n - i, &cp);
        char u[4];
        size_t k = kd_vt_utf8_encode(kd_vt_printable(cp), u);
        if (len + k > KD_VT_TITLE_MAX)
            break;
        memcpy(vt->title + len, u, k);
        len += k;
    }
    vt->title[len] = '\0';
}

static int on_settermprop(VTermProp prop, VTermValue *val, void *user)
{
    kd_vt *vt = user;
    if (prop == VTERM_PROP_CURSORVISIBLE) {
        vt->cursor_visible = val->boolean;
    } else if (prop == VTERM_PROP_ALTSCREEN) {
        vt->alt_screen = val->boolean;
    } else if (prop == VTERM_PROP_TITLE && val->string) {
        title_set(vt, val->string);
    }
    return 1;
}

static int on_bell(void *user)
{
    ((kd_vt *)user)->bell = true;
    return 1;
}

static int on_sb_pushline(int cols, const VTermScreenCell *cells, void *user)
{
    kd_vt *vt = user;
    if (cols > KD_VT_MAX_COLS)
        cols = KD_VT_MAX_COLS;
    for (int i = 0; i < cols; i++)
        cell_from(&cells[i], &vt->row_tmp[i]);
    kd_vt_ring_push(vt->ring, vt->row_tmp, cols);
    return 1;
}

static int on_sb_popline(int cols, VTermScreenCell *cells, void *user)
{
    kd_vt *vt = user;
    kd_vt_cell *line;
    int have;
    if (!kd_vt_ring_pop(vt->ring, &line, &have))
        return 0;
    static const kd_vt_cell blank = {.width = 1};
    for (int i = 0; i < cols; i++)
        cell_to(vt, i < have ? &line[i] : &blank, i == cols - 1, &cells[i]);
    free(line);
    return 1;
}

static void on_output(const char *s, size_t len, void *user)
{
    kd_vt *vt = user;
    /* A guest flooding queries while nobody drains the answers must not grow this; what
     * the user types or pastes is never dropped. */
    if (vt->in_write && vt->out.len + len > KD_VT_OUTPUT_MAX)
        return;
    kd_buf_add(&vt->out, s, len);
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* libvterm 0.1.4 can leave its cursor off the screen (see the callers); the next
 * character or erase would then write outside its buffers. Move it back on: with
 * absolute moves, which only the guest's own origin mode can shift, inside the screen. */
static void cursor_fix(kd_vt *vt)
{
    VTermPos pos;
    vterm_state_get_cursorpos(vt->state, &pos);
    char fix[32];
    if (pos.row < 0 || pos.row >= vt->rows) {
        int n = snprintf(fix, sizeof(fix), "\x1b[%dd", clamp(pos.row, 0, vt->rows - 1) + 1);
        vterm_input_write(vt->vterm, fix, (size_t)n);
    }
    if (pos.col < 0 || pos.col >= vt->cols) {
        int n = snprintf(fix, sizeof(fix), "\x1b[%dG", clamp(pos.col, 0, vt->cols - 1) + 1);
        vterm_input_write(vt->vterm, fix, (size_t)n);
    }
}

static void on_sequence(void *user)
{
    cursor_fix(user);
}

static void on_filtered(void *user, const char *bytes, size_t n)
{
    kd_vt *vt = user;
    vterm_input_write(vt->vterm, bytes, n);
}

static const VTermScreenCallbacks screen_callbacks = {
    .damage = on_damage,
    .movecursor = on_movecursor,
    .settermprop = on_settermprop,
    .bell = on_bell,
    .sb_pushline = on_sb_pushline,
    .sb_popline = on_sb_popline,
};

/* --- Life ------------------------------------------------------------------------------ */

static bool size_ok(int rows, int cols, kd_err *err)
{
    if (rows >= 1 && rows <= KD_VT_MAX_ROWS && cols >= KD_VT_MIN_COLS && cols <= KD_VT_MAX_COLS)
        return true;
    kd_err_set(err, KD_ERR_INVALID, "console size %dx%d is out of range (%dx1 to %dx%d)", cols,
               rows, KD_VT_MIN_COLS, KD_VT_MAX_COLS, KD_VT_MAX_ROWS);
    return false;
}

kd_vt *kd_vt_new(int rows, int cols, size_t scrollback_lines, kd_err *err)
{
    if (!size_ok(rows, cols, err))
        return NULL;
    if (scrollback_lines > KD_VT_SCROLLBACK_MAX) {
        kd_err_set(err, KD_ERR_INVALID, "scrollback of %zu lines is over the limit of %d",
                   scrollback_lines, KD_VT_SCROLLBACK_MAX);
        return NULL;
    }
    kd_vt *vt = kd_calloc(1, sizeof(*vt));
    vt->vterm = vterm_new(rows, cols);
    if (!vt->vterm)
        kd_die_oom();
    vt->rows = rows;
    vt->cols = cols;
    vt->grid = kd_calloc((size_t)rows * (size_t)cols, sizeof(kd_vt_cell));
    vt->ring = kd_vt_ring_new(scrollback_lines);
    vt->cursor_visible = true;
    kd_buf_init(&vt->out);
    kd_vt_filter_init(&vt->filter, on_filtered, on_sequence, vt);
    vt->filter.rep_max = cols;
    vterm_set_utf8(vt->vterm, 1);
    vterm_output_set_callback(vt->vterm, on_output, vt);
    vt->state = vterm_obtain_state(vt->vterm);
    vt->screen = vterm_obtain_screen(vt->vterm);
    vterm_screen_set_callbacks(vt->screen, &screen_callbacks, vt);
    vterm_screen_enable_altscreen(vt->screen, 1);
    vterm_screen_reset(vt->screen, 1);
    mark_rows(vt, 0, rows);
    sync_rows(vt);
    return vt;
}

void kd_vt_free(kd_vt *vt)
{
    if (!vt)
        return;
    vterm_free(vt->vterm);
    kd_vt_ring_free(vt->ring);
    kd_buf_free(&vt->out);
    free(vt->grid);
    free(vt);
}

int kd_vt_resize(kd_vt *vt, int rows, int cols, kd_err *err)
{
    if (!size_ok(rows, cols, err))
        return -1;
    if (rows == vt->rows && cols == vt->cols)
        return 0;
    VTermPos pos;
    vterm_state_get_cursorpos(vt->state, &pos);
    vterm_set_size(vt->vterm, rows, cols);
    /* Like xterm, a new size resets the scrolling margins (the cursor stays): libvterm 0.1.4
     * would keep a top margin below a smaller screen's bottom, then move a negative number
     * of lines when it scrolls. */
    char reset[48];
    int n = snprintf(reset, sizeof(reset), "\x1b[r\x1b[%d;%dH", clamp(pos.row, 0, rows - 1) + 1,
                     clamp(pos.col, 0, cols - 1) + 1);
    vterm_input_write(vt->vterm, reset, (size_t)n);
    free(vt->grid);
    vt->rows = rows;
    vt->cols = cols;
    vt->filter.rep_max = cols;
    /* Shrinking with text below the cursor scrolls the screen up, and libvterm 0.1.4
     * moves the cursor up with it, past row 0. */
    cursor_fix(vt);
    vt->grid = kd_calloc((size_t)rows * (size_t)cols, sizeof(kd_vt_cell));
    vt->sync_top = vt->sync_bottom = 0;
    vt->dmg_top = vt->dmg_bottom = 0;
    mark_rows(vt, 0, rows);
    sync_rows(vt);
    return 0;
}

void kd_vt_size(const kd_vt *vt, int *rows, int *cols)
{
    *rows = vt->rows;
    *cols = vt->cols;
}

void kd_vt_write(kd_vt *vt, const char *bytes, size_t n)
{
    vt->in_write = true;
    kd_vt_filter_feed(&vt->filter, bytes, n);
    vt->in_write = false;
    sync_rows(vt);
}

/* --- Reading ---------------------------------------------------------------------------- */

const kd_vt_cell *kd_vt_cell_at(const kd_vt *vt, int row, int col)
{
    if (row < 0 || row >= vt->rows || col < 0 || col >= vt->cols)
        return NULL;
    return &vt->grid[(size_t)row * (size_t)vt->cols + (size_t)col];
}

void kd_vt_cursor(const kd_vt *vt, int *row, int *col, bool *visible)
{
    VTermPos pos;
    vterm_state_get_cursorpos(vt->state, &pos);
    *row = clamp(pos.row, 0, vt->rows - 1);
    *col = clamp(pos.col, 0, vt->cols - 1);
    *visible = vt->cursor_visible;
}

bool kd_vt_damage(kd_vt *vt, int *top, int *bottom)
{
    int t = vt->dmg_top < 0 ? 0 : vt->dmg_top;
    int b = vt->dmg_bottom > vt->rows ? vt->rows : vt->dmg_bottom;
    vt->dmg_top = vt->dmg_bottom = 0;
    if (t >= b)
        return false;
    *top = t;
    *bottom = b;
    return true;
}

bool kd_vt_alt_screen(const kd_vt *vt)
{
    return vt->alt_screen;
}

const char *kd_vt_title(const kd_vt *vt)
{
    return vt->title;
}

bool kd_vt_take_bell(kd_vt *vt)
{
    bool rang = vt->bell;
    vt->bell = false;
    return rang;
}

size_t kd_vt_scrollback_count(const kd_vt *vt)
{
    return kd_vt_ring_count(vt->ring);
}

const kd_vt_cell *kd_vt_scrollback_line(const kd_vt *vt, size_t i, int *cols)
{
    return kd_vt_ring_line(vt->ring, i, cols);
}

uint64_t kd_vt_scrollback_dropped(const kd_vt *vt)
{
    return kd_vt_ring_dropped(vt->ring);
}

size_t kd_vt_line_count(const kd_vt *vt)
{
    return kd_vt_ring_count(vt->ring) + (size_t)vt->rows;
}

const kd_vt_cell *kd_vt_line(const kd_vt *vt, size_t line, int *cols)
{
    size_t sb = kd_vt_ring_count(vt->ring);
    if (line < sb)
        return kd_vt_ring_line(vt->ring, line, cols);
    line -= sb;
    if (line >= (size_t)vt->rows)
        return NULL;
    *cols = vt->cols;
    return &vt->grid[line * (size_t)vt->cols];
}

/* --- Keyboard --------------------------------------------------------------------------- */

static const VTermKey key_map[KD_VT_KEY_LAST] = {
    [KD_VT_KEY_ENTER] = VTERM_KEY_ENTER,
    [KD_VT_KEY_TAB] = VTERM_KEY_TAB,
    [KD_VT_KEY_BACKSPACE] = VTERM_KEY_BACKSPACE,
    [KD_VT_KEY_ESCAPE] = VTERM_KEY_ESCAPE,
    [KD_VT_KEY_UP] = VTERM_KEY_UP,
    [KD_VT_KEY_DOWN] = VTERM_KEY_DOWN,
    [KD_VT_KEY_LEFT] = VTERM_KEY_LEFT,
    [KD_VT_KEY_RIGHT] = VTERM_KEY_RIGHT,
    [KD_VT_KEY_INS] = VTERM_KEY_INS,
    [KD_VT_KEY_DEL] = VTERM_KEY_DEL,
    [KD_VT_KEY_HOME] = VTERM_KEY_HOME,
    [KD_VT_KEY_END] = VTERM_KEY_END,
    [KD_VT_KEY_PAGEUP] = VTERM_KEY_PAGEUP,
    [KD_VT_KEY_PAGEDOWN] = VTERM_KEY_PAGEDOWN,
    [KD_VT_KEY_F1] = VTERM_KEY_FUNCTION(1),
    [KD_VT_KEY_F2] = VTERM_KEY_FUNCTION(2),
    [KD_VT_KEY_F3] = VTERM_KEY_FUNCTION(3),
    [KD_VT_KEY_F4] = VTERM_KEY_FUNCTION(4),
    [KD_VT_KEY_F5] = VTERM_KEY_FUNCTION(5),
    [KD_VT_KEY_F6] = VTERM_KEY_FUNCTION(6),
    [KD_VT_KEY_F7] = VTERM_KEY_FUNCTION(7),
    [KD_VT_KEY_F8] = VTERM_KEY_FUNCTION(8),
    [KD_VT_KEY_F9] = VTERM_KEY_FUNCTION(9),
    [KD_VT_KEY_F10] = VTERM_KEY_FUNCTION(10),
    [KD_VT_KEY_F11] = VTERM_KEY_FUNCTION(11),
    [KD_VT_KEY_F12] = VTERM_KEY_FUNCTION(12),
};

static VTermModifier mods_to(unsigned mods)
{
    unsigned m = 0;
    m |= (mods & KD_VT_MOD_SHIFT) ? VTERM_MOD_SHIFT : 0;
    m |= (mods & KD_VT_MOD_ALT) ? VTERM_MOD_ALT : 0;
    m |= (mods & KD_VT_MOD_CTRL) ? VTERM_MOD_CTRL : 0;
    return (VTermModifier)m;
}

void kd_vt_send_key(kd_vt *vt, kd_vt_key key, unsigned mods)
{
    if ((unsigned)key >= KD_VT_KEY_LAST)
        return;
    vterm_keyboard_key(vt->vterm, key_map[key], mods_to(mods));
}

void kd_vt_send_char(kd_vt *vt, uint32_t cp, unsigned mods)
{
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return;
    /* libvterm sends Ctrl+C (upper case) as CSI 67;5u, which no serial getty reads. */
    if ((mods & KD_VT_MOD_CTRL) && cp >= 'A' && cp <= 'Z')
        cp += 'a' - 'A';
    vterm_keyboard_unichar(vt->vterm, cp, mods_to(mods));
}

/* Controls other than TAB and newlines (and C1 controls in UTF-8) are left out. */
static size_t paste_span(const unsigned char *p, size_t n, size_t *skip)
{
    size_t i = 0;
    for (; i < n; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) {
            *skip = 1;
            return i;
        }
        if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
            *skip = 2;
            return i;
        }
    }
    *skip = 0;
    return i;
}

void kd_vt_paste(kd_vt *vt, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t n = strlen(text);
    vterm_keyboard_start_paste(vt->vterm);
    for (size_t i = 0; i < n;) {
        size_t skip, span = paste_span(p + i, n - i, &skip);
        on_output((const char *)p + i, span, vt);
        i += span;
        if (skip == 1 && (p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
            bool crlf = p[i] == '\r' && i + 1 < n && p[i + 1] == '\n';
            on_output(p[i] == '\t' ? "\t" : "\r", 1, vt);
            i += crlf;
        }
        i += skip;
    }
    vterm_keyboard_end_paste(vt->vterm);
}

size_t kd_vt_take_output(kd_vt *vt, char *buf, size_t max)
{
    size_t n = vt->out.len < max ? vt->out.len : max;
    if (n == 0)
        return 0;
    memcpy(buf, vt->out.data, n);
    memmove(vt->out.data, vt->out.data + n, vt->out.len - n);
    vt->out.len -= n;
    vt->out.data[vt->out.len] = '\0';
    return n;
}

size_t kd_vt_output_pending(const kd_vt *vt)
{
    return vt->out.len;
}
