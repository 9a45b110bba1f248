#include "console/textrec_priv.h"
#include "core/str.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

/* The scrollback reuses the serial console's ring of kd_vt_cell lines: colours become
 * palette indexes, with light grey on black as the defaults so that trailing blanks are
 * trimmed as there. */

void kd_textrec_hist_free(kd_textrec *rec)
{
    kd_vt_ring_free(rec->ring);
    free(rec->snap);
}

static void to_vt_cell(const kd_textrec_cell *c, kd_vt_cell *v)
{
    memset(v, 0, sizeof(*v));
    v->ch[0] = c->ch == ' ' ? 0 : kd_vt_printable(c->ch);
    v->width = 1;
    if (c->fg16 != 7)
        v->fg = (kd_vt_color){KD_VT_COLOR_INDEX, c->fg16, 0, 0, 0};
    if (c->bg16 != 0)
        v->bg = (kd_vt_color){KD_VT_COLOR_INDEX, c->bg16, 0, 0, 0};
}

static void push_row(kd_textrec *rec, const kd_textrec_cell *row, int cols)
{
    kd_vt_cell *line = kd_calloc((size_t)cols + 1, sizeof(kd_vt_cell));
    for (int c = 0; c < cols; c++)
        to_vt_cell(&row[c], &line[c]);
    kd_vt_ring_push(rec->ring, line, cols);
    free(line);
}

static bool row_blank(const kd_textrec_cell *row, int cols)
{
    for (int c = 0; c < cols; c++)
        if (row[c].ch != ' ')
            return false;
    return true;
}

/* Rows compare by their characters: colours and the blinking cursor do not count. */
static bool row_eq(const kd_textrec_cell *a, const kd_textrec_cell *b, int cols)
{
    for (int c = 0; c < cols; c++)
        if (a[c].ch != b[c].ch)
            return false;
    return true;
}

/* The screen moved up by k rows since the snapshot: new row i is old row i + k for every
 * row but the last of the overlap (the line being typed may have changed too), and the
 * overlap holds text. */
static bool scrolled_by(const kd_textrec *rec, int k)
{
    int cols = rec->cols;
    bool text = false;
    for (int i = 0; i + k < rec->rows - 1; i++) {
        const kd_textrec_cell *old = rec->snap + (size_t)(i + k) * (size_t)cols;
        if (!row_eq(rec->cells + (size_t)i * (size_t)cols, old, cols))
            return false;
        text = text || !row_blank(old, cols);
    }
    return text;
}

/* Push the snapshot's rows 0 .. n-1; with all, up to its last non-blank row. */
static void push_snap(kd_textrec *rec, int n, bool all)
{
    if (all) {
        while (n > 0 &&
               row_blank(rec->snap + (size_t)(n - 1) * (size_t)rec->snap_cols, rec->snap_cols))
            n--;
    }
    for (int r = 0; r < n; r++)
        push_row(rec, rec->snap + (size_t)r * (size_t)rec->snap_cols, rec->snap_cols);
}

/* More than half of the snapshot's non-blank rows changed in place: a new screen. */
static bool replaced(const kd_textrec *rec)
{
    int cols = rec->cols, text_rows = 0, changed = 0;
    for (int r = 0; r < rec->rows; r++) {
        const kd_textrec_cell *old = rec->snap + (size_t)r * (size_t)cols;
        if (row_blank(old, cols))
            continue;
        text_rows++;
        changed += !row_eq(old, rec->cells + (size_t)r * (size_t)cols, cols);
    }
    return text_rows > 0 && changed * 2 > text_rows;
}

static void take_snapshot(kd_textrec *rec)
{
    size_t n = (size_t)rec->rows * (size_t)rec->cols;
    free(rec->snap);
    rec->snap = kd_malloc((n + 1) * sizeof(kd_textrec_cell));
    if (n && rec->cells) /* nothing read yet: an empty snapshot */
        memcpy(rec->snap, rec->cells, n * sizeof(kd_textrec_cell));
    rec->snap_rows = rec->rows;
    rec->snap_cols = rec->cols;
    rec->snap_text = rec->text;
}

void kd_textrec_commit(kd_textrec *rec)
{
    bool have_snap = rec->snap && rec->snap_text;
    if (!have_snap || rec->snap_rows != rec->rows || rec->snap_cols != rec->cols || !rec->text) {
        if (have_snap)
            push_snap(rec, rec->snap_rows, true);
    } else if (!scrolled_by(rec, 0)) {
        int k = 1;
        while (k < rec->rows && !scrolled_by(rec, k))
            k++;
        if (k < rec->rows)
            push_snap(rec, k, false);
        else if (replaced(rec))
            push_snap(rec, rec->rows, true);
    }
    take_snapshot(rec);
}

/* --- Lines ------------------------------------------------------------------------------- */

/* A line's characters, one per column: from the scrollback or the screen. */
static uint32_t *line_chars(const kd_textrec *rec, size_t line, int *n)
{
    size_t sb = kd_vt_ring_count(rec->ring);
    if (line < sb) {
        const kd_vt_cell *cells = kd_vt_ring_line(rec->ring, line, n);
        uint32_t *cp = kd_malloc(((size_t)*n + 1) * sizeof(uint32_t));
        for (int i = 0; i < *n; i++)
            cp[i] = cells[i].ch[0] ? cells[i].ch[0] : ' ';
        return cp;
    }
    int row = (int)(line - sb);
    if (line - sb >= (size_t)rec->rows)
        return NULL;
    *n = rec->cols;
    uint32_t *cp = kd_malloc(((size_t)*n + 1) * sizeof(uint32_t));
    for (int i = 0; i < *n; i++)
        cp[i] = kd_vt_printable(rec->cells[(size_t)row * (size_t)rec->cols + (size_t)i].ch);
    return cp;
}

static char *chars_text(const uint32_t *cp, int n)
{
    while (n > 0 && cp[n - 1] == ' ')
        n--;
    kd_buf b;
    kd_buf_init(&b);
    kd_buf_add(&b, "", 0);
    for (int i = 0; i < n; i++) {
        char u[4];
        kd_buf_add(&b, u, kd_vt_utf8_encode(cp[i], u));
    }
    return kd_buf_steal(&b);
}

size_t kd_textrec_scrollback_count(const kd_textrec *rec)
{
    return kd_vt_ring_count(rec->ring);
}

size_t kd_textrec_line_count(const kd_textrec *rec)
{
    return kd_vt_ring_count(rec->ring) + (size_t)rec->rows;
}

char *kd_textrec_line_text(const kd_textrec *rec, size_t line)
{
    int n;
    uint32_t *cp = line_chars(rec, line, &n);
    if (!cp)
        return NULL;
    char *s = chars_text(cp, n);
    free(cp);
    return s;
}

char *kd_textrec_line(const kd_textrec *rec, int row)
{
    if (row < 0 || row >= rec->rows)
        return NULL;
    return kd_textrec_line_text(rec, kd_vt_ring_count(rec->ring) + (size_t)row);
}

void kd_textrec_dump(const kd_textrec *rec, kd_buf *out)
{
    if (!rec->text)
        return;
    int last = rec->rows - 1;
    while (last >= 0 && row_blank(rec->cells + (size_t)last * (size_t)rec->cols, rec->cols))
        last--;
    for (int r = 0; r <= last; r++) {
        char *s = kd_textrec_line(rec, r);
        kd_buf_adds(out, s);
        kd_buf_add(out, "\n", 1);
        free(s);
    }
}

/* --- Search ------------------------------------------------------------------------------ */

static uint32_t fold(uint32_t c, bool ignore_case)
{
    if (!ignore_case)
        return c;
    return c < 0x80 ? (uint32_t)tolower((int)c) : (uint32_t)towlower((wint_t)c);
}

/* The leftmost (or rightmost) column where needle starts in the line, or -1. */
static int line_find(const uint32_t *cp, int n, const uint32_t *pat, int m, bool last,
                     bool ignore_case)
{
    int found = -1;
    for (int s = 0; s + m <= n; s++) {
        int k = 0;
        while (k < m && fold(cp[s + k], ignore_case) == pat[k])
            k++;
        if (k == m) {
            found = s;
            if (!last)
                break;
        }
    }
    return found;
}

bool kd_textrec_search(const kd_textrec *rec, const char *needle, size_t start_line, bool backwards,
                       bool ignore_case, size_t *line, int *col)
{
    size_t count = kd_textrec_line_count(rec);
    if (!needle || !*needle || count == 0 || (!backwards && start_line >= count))
        return false;
    if (start_line >= count)
        start_line = count - 1;
    size_t len = strlen(needle);
    uint32_t *pat = kd_malloc((len + 1) * sizeof(uint32_t));
    int m = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        i += kd_vt_utf8_decode(needle + i, len - i, &c);
        pat[m++] = fold(c, ignore_case);
    }
    bool found = false;
    for (size_t i = start_line; !found; i = backwards ? i - 1 : i + 1) {
        if (i >= count)
            break;
        int n;
        uint32_t *cp = line_chars(rec, i, &n);
        int at = cp ? line_find(cp, n, pat, m, backwards, ignore_case) : -1;
        free(cp);
        if (at >= 0) {
            *line = i;
            *col = at;
            found = true;
        }
        if (backwards && i == 0)
            break;
    }
    free(pat);
    return found;
}
