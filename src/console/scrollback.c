#include "console/vt_priv.h"
#include "core/str.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

/* --- The ring ----------------------------------------------------------------------- */

typedef struct {
    kd_vt_cell *cells;
    int cols;
} ring_line;

/* Slots grow by doubling up to max, so a console that never scrolls much stays small.
 * Lines are only dropped once every slot exists, so until then head stays 0. */
struct kd_vt_ring {
    ring_line *lines;
    size_t slots;
    size_t max;
    size_t head; /* the oldest line */
    size_t count;
    uint64_t dropped;
};

static const kd_vt_cell empty_line[1];

kd_vt_ring *kd_vt_ring_new(size_t max_lines)
{
    kd_vt_ring *ring = kd_calloc(1, sizeof(*ring));
    ring->max = max_lines;
    return ring;
}

void kd_vt_ring_free(kd_vt_ring *ring)
{
    if (!ring)
        return;
    for (size_t i = 0; i < ring->count; i++)
        free(ring->lines[(ring->head + i) % ring->slots].cells);
    free(ring->lines);
    free(ring);
}

static bool cell_blank(const kd_vt_cell *c)
{
    return (c->ch[0] == 0 || (c->ch[0] == ' ' && c->ch[1] == 0)) && c->width == 1 &&
           c->attrs == 0 && c->bg.kind == KD_VT_COLOR_DEFAULT;
}

void kd_vt_ring_push(kd_vt_ring *ring, const kd_vt_cell *cells, int cols)
{
    if (ring->max == 0)
        return;
    while (cols > 0 && cell_blank(&cells[cols - 1]))
        cols--;
    ring_line line = {NULL, cols};
    if (cols > 0) {
        line.cells = kd_malloc((size_t)cols * sizeof(kd_vt_cell));
        memcpy(line.cells, cells, (size_t)cols * sizeof(kd_vt_cell));
    }
    if (ring->count == ring->slots && ring->slots < ring->max) {
        size_t slots = ring->slots ? ring->slots * 2 : 64;
        ring->slots = slots < ring->max ? slots : ring->max;
        ring->lines = kd_realloc(ring->lines, ring->slots * sizeof(ring_line));
    }
    if (ring->count == ring->max) {
        free(ring->lines[ring->head].cells);
        ring->lines[ring->head] = line;
        ring->head = (ring->head + 1) % ring->slots;
        ring->dropped++;
        return;
    }
    ring->lines[(ring->head + ring->count) % ring->slots] = line;
    ring->count++;
}

bool kd_vt_ring_pop(kd_vt_ring *ring, kd_vt_cell **cells, int *cols)
{
    if (ring->count == 0)
        return false;
    ring->count--;
    ring_line *line = &ring->lines[(ring->head + ring->count) % ring->slots];
    *cells = line->cells;
    *cols = line->cols;
    line->cells = NULL;
    return true;
}

size_t kd_vt_ring_count(const kd_vt_ring *ring)
{
    return ring->count;
}

uint64_t kd_vt_ring_dropped(const kd_vt_ring *ring)
{
    return ring->dropped;
}

const kd_vt_cell *kd_vt_ring_line(const kd_vt_ring *ring, size_t i, int *cols)
{
    if (i >= ring->count)
        return NULL;
    const ring_line *line = &ring->lines[(ring->head + i) % ring->slots];
    *cols = line->cols;
    return line->cells ? line->cells : empty_line;
}

/* --- UTF-8 --------------------------------------------------------------------------- */

uint32_t kd_vt_printable(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0xfffd;
    return cp;
}

size_t kd_vt_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

size_t kd_vt_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    const unsigned char *p = (const unsigned char *)s;
    size_t len = p[0] < 0x80   ? 1
                 : p[0] < 0xc2 ? 0
                 : p[0] < 0xe0 ? 2
                 : p[0] < 0xf0 ? 3
                 : p[0] < 0xf5 ? 4
                               : 0;
    *cp = 0xfffd;
    if (len == 0)
        return 1;
    uint32_t v = len == 1 ? p[0] : p[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if (i >= n || (p[i] & 0xc0) != 0x80)
            return i;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min_for_len[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return len;
    *cp = v;
    return len;
}

/* --- Text and search ------------------------------------------------------------------ */

char *kd_vt_line_text(const kd_vt *vt, size_t line)
{
    int cols;
    const kd_vt_cell *cells = kd_vt_line(vt, line, &cols);
    if (!cells)
        return NULL;
    kd_buf b;
    kd_buf_init(&b);
    kd_buf_add(&b, "", 0);
    size_t keep = 0; /* length up to the last non-space */
    for (int i = 0; i < cols; i++) {
        if (cells[i].width == 0)
            continue;
        if (cells[i].ch[0] == 0) {
            kd_buf_add(&b, " ", 1);
            continue;
        }
        for (int k = 0; k < KD_VT_MAX_CHARS && cells[i].ch[k]; k++) {
            char u[4];
            kd_buf_add(&b, u, kd_vt_utf8_encode(kd_vt_printable(cells[i].ch[k]), u));
        }
        if (cells[i].ch[0] != ' ' || cells[i].ch[1] != 0)
            keep = b.len;
    }
    b.len = keep;
    b.data[keep] = '\0';
    return kd_buf_steal(&b);
}

static uint32_t fold(uint32_t c, bool ignore_case)
{
    if (!ignore_case)
        return c;
    if (c < 0x80)
        return (uint32_t)tolower((int)c);
    return (uint32_t)towlower((wint_t)c);
}

/* A line as code points with the cell column of each, folded for comparison. */
typedef struct {
    uint32_t *cp;
    int *col;
    size_t n;
} line_cps;

static void line_load(const kd_vt_cell *cells, int cols, bool ignore_case, line_cps *out)
{
    out->n = 0;
    for (int i = 0; i < cols; i++) {
        if (cells[i].width == 0)
            continue;
        for (int k = 0; k == 0 || (k < KD_VT_MAX_CHARS && cells[i].ch[k]); k++) {
            uint32_t c = cells[i].ch[k] ? kd_vt_printable(cells[i].ch[k]) : ' ';
            out->cp[out->n] = fold(c, ignore_case);
            out->col[out->n++] = i;
        }
    }
}

/* The leftmost (or rightmost) start of needle in the line, or -1. */
static long line_find(const line_cps *l, const uint32_t *needle, size_t m, bool last)
{
    long found = -1;
    for (size_t s = 0; s + m <= l->n; s++) {
        size_t k = 0;
        while (k < m && l->cp[s + k] == needle[k])
            k++;
        if (k == m) {
            found = (long)s;
            if (!last)
                break;
        }
    }
    return found;
}

static size_t needle_load(const char *needle, bool ignore_case, uint32_t **out)
{
    size_t n = strlen(needle), m = 0;
    *out = kd_malloc((n + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += kd_vt_utf8_decode(needle + i, n - i, &cp);
        (*out)[m++] = fold(cp, ignore_case);
    }
    return m;
}

bool kd_vt_search(const kd_vt *vt, const char *needle, size_t start_line, bool backwards,
                  bool ignore_case, size_t *line, int *col)
{
    size_t count = kd_vt_line_count(vt);
    if (!needle || !*needle || count == 0 || (!backwards && start_line >= count))
        return false;
    if (start_line >= count)
        start_line = count - 1;
    uint32_t *pat;
    size_t m = needle_load(needle, ignore_case, &pat);
    size_t cap = (size_t)KD_VT_MAX_COLS * KD_VT_MAX_CHARS;
    line_cps l = {kd_malloc(cap * sizeof(uint32_t)), kd_malloc(cap * sizeof(int)), 0};
    bool found = false;
    for (size_t i = start_line; i < count; i = backwards ? i - 1 : i + 1) {
        int cols;
        const kd_vt_cell *cells = kd_vt_line(vt, i, &cols);
        line_load(cells, cols, ignore_case, &l);
        long at = line_find(&l, pat, m, backwards);
        if (at >= 0) {
            *line = i;
            *col = l.col[at];
            found = true;
            break;
        }
        if (backwards && i == 0)
            break;
    }
    free(l.cp);
    free(l.col);
    free(pat);
    return found;
}
