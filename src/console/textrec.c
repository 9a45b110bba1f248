#include "console/textrec_priv.h"
#include "core/str.h"

#include <stdlib.h>
#include <string.h>

#define CELL_H       KD_FONT_ROWS
#define SAMPLE_CELLS 400 /* non-blank cells looked at per candidate grid */
#define SAMPLE_FIRST 16  /* non-blank cells after which a candidate reading few is left */
#define SAMPLE_EARLY 48  /* non-blank cells after which a hopeless candidate is left */
#define GOOD_EXACT   16  /* exact matches that end the search for a grid early */
#define PROBE_CELLS  16  /* cells looked at before reading a large update */
#define PROBE_MIN    8   /* damaged cells from which an update is probed first */
#define PROBE_SURE   4   /* non-blank probed cells needed for a verdict */
#define GAP_MAX      64  /* most updates between two searches on a graphical screen */

/* --- The grid ---------------------------------------------------------------------------- */

typedef struct {
    int cw, ox, oy;
    int exact, nonblank;
} grid_score;

/* What the search for a grid knows of each pixel row: its colour changes left to right
 * (0: one colour, first[y]). */
typedef struct {
    const kd_textrec *rec;
    const kd_fb *fb;
    long *reads; /* cells read */
    long *changes;
    uint32_t *first;
} grid_ctx;

static void grid_ctx_init(grid_ctx *g, const kd_textrec *rec, const kd_fb *fb, long *reads)
{
    uint32_t mask = kd_textrec_px_mask(fb);
    g->rec = rec;
    g->fb = fb;
    g->reads = reads;
    g->changes = kd_calloc((size_t)fb->height, sizeof(long));
    g->first = kd_calloc((size_t)fb->height, sizeof(uint32_t));
    for (int y = 0; y < fb->height; y++) {
        uint32_t prev = g->first[y] = kd_textrec_px_word(fb, 0, y) & mask;
        for (int x = 1; x < fb->width; x++) {
            uint32_t w = kd_textrec_px_word(fb, x, y) & mask;
            g->changes[y] += w != prev;
            prev = w;
        }
    }
}

/* A band of 16 pixel rows in one colour holds only blank cells, whatever the columns. */
static bool band_blank(const grid_ctx *g, int y0)
{
    for (int y = y0; y < y0 + CELL_H; y++)
        if (g->changes[y] != 0 || g->first[y] != g->first[y0])
            return false;
    return true;
}

/* On the right grid nearly every cell reads exactly, on a wrong one nearly none: a
 * candidate that has read few of its first cells is given up (a picture costs little). */
static bool hopeless(const grid_score *s)
{
    return (s->nonblank >= SAMPLE_FIRST && s->exact * 4 < s->nonblank) ||
           (s->nonblank >= SAMPLE_EARLY && s->exact * 10 < s->nonblank);
}

/* Exact matches among up to SAMPLE_CELLS non-blank cells, rows and columns taken in an
 * interleaved order so that the sample spreads over the screen (a picture in a corner does
 * not make the right grid look hopeless). */
static void grid_try(const grid_ctx *g, grid_score *s)
{
    int rows = (g->fb->height - s->oy) / CELL_H, cols = (g->fb->width - s->ox) / s->cw;
    uint32_t mask = kd_textrec_px_mask(g->fb);
    rows = rows < KD_TEXTREC_MAX_ROWS ? rows : KD_TEXTREC_MAX_ROWS;
    cols = cols < KD_TEXTREC_MAX_COLS ? cols : KD_TEXTREC_MAX_COLS;
    s->exact = s->nonblank = 0;
    for (int phase = 0; phase < 16; phase++) {
        for (int r = phase % 4; r < rows; r += 4) {
            if (band_blank(g, s->oy + r * CELL_H))
                continue;
            for (int c = phase / 4; c < cols; c += 4) {
                int how = kd_textrec_read_cell(g->rec->fonts, g->fb, mask, s->ox + c * s->cw,
                                               s->oy + r * CELL_H, s->cw, KD_TEXTREC_NO_PREF, NULL);
                (*g->reads)++;
                if (how == KD_TEXTREC_BLANK)
                    continue;
                s->nonblank++;
                s->exact += kd_textrec_how_exact(how);
                if (s->nonblank >= SAMPLE_CELLS || hopeless(s))
                    return;
            }
        }
    }
}

/* Enough exact matches that no other grid can be better: stop looking. */
static bool grid_good(const grid_score *s)
{
    return s->exact >= GOOD_EXACT && s->exact * 10 >= s->nonblank * 9;
}

/* Try every x offset for each cell width at row offset oy; keep the best in *best. */
static void grid_try_row(const grid_ctx *g, const int *widths, int oy, grid_score *best)
{
    for (int w = 0; w < 2 && !grid_good(best); w++) {
        for (int ox = 0; ox < widths[w] && !grid_good(best); ox++) {
            grid_score s = {widths[w], ox, oy, 0, 0};
            if (g->fb->width - ox < s.cw || g->fb->height - oy < CELL_H)
                continue;
            grid_try(g, &s);
            if (s.exact > best->exact)
                *best = s;
        }
    }
}

/* Row offsets in the order worth trying, the first max of them. Glyphs leave their cell's
 * top two pixel rows empty (but for line drawing and blocks), so the offsets whose cell
 * tops cross the fewest colour changes come first (the rows just above a capital letter
 * are empty too, so the right offset is among the first few, not always the first). */
static int row_offsets(const grid_ctx *g, int *out, int max)
{
    double score[CELL_H];
    for (int oy = 0; oy < CELL_H; oy++) {
        long changes = 0, rows = 0;
        for (int y = oy; y + CELL_H <= g->fb->height; y += CELL_H, rows++)
            changes += g->changes[y] + g->changes[y + 1];
        score[oy] = rows ? (double)changes / (double)rows : 1e18;
    }
    int n = 0;
    bool used[CELL_H] = {false};
    while (n < max) {
        int best = -1;
        for (int oy = 0; oy < CELL_H; oy++)
            if (!used[oy] && (best < 0 || score[oy] < score[best]))
                best = oy;
        if (best < 0)
            break;
        used[best] = true;
        out[n++] = best;
    }
    return n;
}

/* Find the cell size and offset giving the most exact matches, over the likeliest row
 * offsets (a few; all when thorough). */
static grid_score grid_find(kd_textrec *rec, const kd_fb *fb, bool thorough)
{
    long reads = 0;
    bool nine = fb->width % 9 == 0 && (fb->width % 8 != 0 || fb->width == 720);
    const int widths[2] = {nine ? 9 : 8, nine ? 8 : 9};
    grid_ctx g;
    grid_ctx_init(&g, rec, fb, &reads);
    int oys[CELL_H];
    int n = row_offsets(&g, oys, thorough ? CELL_H : 4);
    grid_score best = {widths[0], oys[0], 0, 0, 0};
    for (int i = 0; i < n && !grid_good(&best); i++)
        grid_try_row(&g, widths, oys[i], &best);
    free(g.changes);
    free(g.first);
    rec->work += (uint64_t)reads;
    if (best.exact == 0)
        best = (grid_score){widths[0], 0, 0, 0, 0}; /* nothing to go by: the usual grid */
    return best;
}

static void grid_set(kd_textrec *rec, const kd_fb *fb, const grid_score *g)
{
    rec->cw = g->cw;
    rec->chh = CELL_H;
    rec->ox = g->ox;
    rec->oy = g->oy;
    rec->rows = (fb->height - g->oy) / CELL_H;
    rec->cols = (fb->width - g->ox) / g->cw;
    if (rec->rows < 1 || rec->cols < 1 || rec->rows > KD_TEXTREC_MAX_ROWS ||
        rec->cols > KD_TEXTREC_MAX_COLS)
        rec->rows = rec->cols = 0;
    rec->cur_seen = false;
    free(rec->cells);
    rec->cells = kd_calloc((size_t)rec->rows * (size_t)rec->cols + 1, sizeof(kd_textrec_cell));
    rec->nonblank = rec->exact = 0;
}

static void remember_fb(kd_textrec *rec, const kd_fb *fb)
{
    rec->have_fb = true;
    rec->fb_w = fb->width;
    rec->fb_h = fb->height;
    rec->fb_bpp = fb->bytes_pp;
    rec->fb_rs = fb->rshift;
    rec->fb_gs = fb->gshift;
    rec->fb_bs = fb->bshift;
    rec->fb_rmax = fb->rmax;
    rec->fb_gmax = fb->gmax;
    rec->fb_bmax = fb->bmax;
}

static bool same_fb(const kd_textrec *rec, const kd_fb *fb)
{
    return rec->have_fb && rec->fb_w == fb->width && rec->fb_h == fb->height &&
           rec->fb_bpp == fb->bytes_pp && rec->fb_rs == fb->rshift && rec->fb_gs == fb->gshift &&
           rec->fb_bs == fb->bshift && rec->fb_rmax == fb->rmax && rec->fb_gmax == fb->gmax &&
           rec->fb_bmax == fb->bmax;
}

/* --- Recognition ------------------------------------------------------------------------- */

/* The screen's background: a majority vote over the cells read (Boyer-Moore). */
static void vote_bg(kd_textrec *rec, uint32_t bg)
{
    if (rec->bg_votes == 0)
        rec->major_bg = bg;
    rec->bg_votes += rec->major_bg == bg ? 1 : -1;
}

/* The background a cell that reads either way should keep: its left neighbour's when
 * that one has a glyph (a blank's colour may be a full block's ink), else the screen's. */
static uint32_t preferred_bg(const kd_textrec *rec, const kd_textrec_cell *cell, int col)
{
    if (col > 0 && kd_textrec_how_exact(cell[-1].how))
        return cell[-1].bg_rgb;
    return rec->bg_votes > 0 ? rec->major_bg : KD_TEXTREC_NO_PREF;
}

static void recognise_cells(kd_textrec *rec, const kd_fb *fb, int r0, int r1, int c0, int c1)
{
    uint32_t mask = kd_textrec_px_mask(fb);
    for (int r = r0; r <= r1; r++) {
        for (int c = c0; c <= c1; c++) {
            kd_textrec_cell *cell = &rec->cells[(size_t)r * (size_t)rec->cols + (size_t)c];
            rec->nonblank -= cell->how != KD_TEXTREC_BLANK;
            rec->exact -= kd_textrec_how_exact(cell->how);
            kd_textrec_read_cell(rec->fonts, fb, mask, rec->ox + c * rec->cw,
                                 rec->oy + r * rec->chh, rec->cw, preferred_bg(rec, cell, c), cell);
            vote_bg(rec, cell->bg_rgb);
            rec->nonblank += cell->how != KD_TEXTREC_BLANK;
            rec->exact += kd_textrec_how_exact(cell->how);
            if (cell->how == KD_TEXTREC_CURSOR) {
                rec->cur_row = r;
                rec->cur_col = c;
                rec->cur_seen = true;
            }
            rec->work++;
        }
    }
}

/* Damaged cells: rows r0..r1, columns c0..c1. */
typedef struct {
    int r0, r1, c0, c1;
} cell_span;

/* What a sample of a span's cells looks like. */
typedef struct {
    int nonblank, glyphs, offgrid; /* glyphs: exact or nearest */
} probe_result;

static long span_cells(const cell_span *sp)
{
    return (long)(sp->r1 - sp->r0 + 1) * (sp->c1 - sp->c0 + 1);
}

/* Up to most cells spread evenly over the span, each read once, no nearest glyph looked
 * for. */
static void probe(kd_textrec *rec, const kd_fb *fb, const cell_span *sp, long most, probe_result *p)
{
    long n = span_cells(sp), cols = sp->c1 - sp->c0 + 1;
    long k = n / 2 < most ? n / 2 : most;
    uint32_t mask = kd_textrec_px_mask(fb);
    *p = (probe_result){0, 0, 0};
    for (long i = 0; i < k; i++) {
        long at = (2 * i + 1) * n / (2 * k);
        int r = sp->r0 + (int)(at / cols), c = sp->c0 + (int)(at % cols);
        int how = kd_textrec_probe_cell(rec->fonts, fb, mask, rec->ox + c * rec->cw,
                                        rec->oy + r * rec->chh, rec->cw);
        rec->work++;
        p->nonblank += how != KD_TEXTREC_BLANK;
        p->glyphs += kd_textrec_how_exact(how) || how == KD_TEXTREC_NEAREST;
        p->offgrid += how == KD_TEXTREC_PROBE_OFFGRID;
    }
}

/* Most of the sample is neither blank nor a glyph: the span is not worth reading. */
static bool probe_picture(const probe_result *p)
{
    return p->nonblank >= PROBE_SURE && p->glyphs * 3 < p->nonblank;
}

/* Most of the sample looks like glyphs seen through another grid. */
static bool probe_offgrid(const probe_result *p)
{
    return p->nonblank >= PROBE_SURE && p->offgrid * 2 >= p->nonblank;
}

/* The span's cells become "not text" without being read (their colours are stale). */
static void mark_picture(kd_textrec *rec, const cell_span *sp)
{
    for (int r = sp->r0; r <= sp->r1; r++) {
        kd_textrec_cell *cell = &rec->cells[(size_t)r * (size_t)rec->cols + (size_t)sp->c0];
        for (int c = sp->c0; c <= sp->c1; c++, cell++) {
            rec->nonblank += cell->how == KD_TEXTREC_BLANK;
            rec->exact -= kd_textrec_how_exact(cell->how);
            cell->ch = 0xfffd;
            cell->how = KD_TEXTREC_NONE;
            cell->text = false;
        }
    }
}

/* Read the span's cells; a large span is probed first and, when the sample says picture,
 * marked "not text" unread (a picture costs its sample, not a lookup per cell). On a
 * graphical screen whose last sample was a picture too (video, sent as many rectangles per
 * frame) a smaller sample comes first. Returns whether it was probed, *p then holding the
 * sample. */
static bool recognise_span(kd_textrec *rec, const kd_fb *fb, const cell_span *sp, bool probe_it,
                           probe_result *p)
{
    probe_it = probe_it && span_cells(sp) >= PROBE_MIN;
    if (probe_it) {
        bool small = !rec->text && rec->last_picture;
        probe(rec, fb, sp, small ? PROBE_SURE : PROBE_CELLS, p);
        if (small && !probe_picture(p))
            probe(rec, fb, sp, PROBE_CELLS, p);
        rec->last_picture = probe_picture(p);
        if (rec->last_picture) {
            mark_picture(rec, sp);
            return true;
        }
    }
    recognise_cells(rec, fb, sp->r0, sp->r1, sp->c0, sp->c1);
    return probe_it;
}

static void recognise_all(kd_textrec *rec, const kd_fb *fb)
{
    probe_result p;
    if (rec->rows > 0)
        recognise_span(rec, fb, &(cell_span){0, rec->rows - 1, 0, rec->cols - 1}, true, &p);
    rec->text = rec->rows > 0 && kd_textrec_confidence(rec) >= KD_TEXTREC_MIN_CONFIDENCE;
}

/* Look for the grid; the cells are read again when it moved, or when fresh is false
 * (they were read on another grid or framebuffer). A graphical screen waits longer after
 * each search that found nothing. */
static void detect(kd_textrec *rec, const kd_fb *fb, bool thorough, bool fresh)
{
    grid_score g = grid_find(rec, fb, thorough);
    bool same = rec->rows > 0 && g.cw == rec->cw && g.ox == rec->ox && g.oy == rec->oy;
    rec->since_detect = 0;
    rec->search_area = 0;
    if (!same || !fresh) {
        grid_set(rec, fb, &g);
        recognise_all(rec, fb);
    }
    if (rec->text)
        rec->search_gap = 0;
    else
        rec->search_gap =
            rec->search_gap ? (rec->search_gap * 2 > GAP_MAX ? GAP_MAX : rec->search_gap * 2) : 2;
}

static void forget_fb(kd_textrec *rec)
{
    rec->have_fb = false;
    rec->rows = rec->cols = 0;
    rec->nonblank = rec->exact = 0;
    rec->text = false;
    rec->cur_seen = false;
}

enum { DETECT_NONE, DETECT_QUICK, DETECT_THOROUGH };

/* Whether to look for the grid again after an update (p: its sample, NULL when it was
 * read without one). A text screen whose confidence collapsed is searched at every
 * offset, unless the update was sampled as a picture with nothing of text in it. A
 * graphical screen is searched only when much of it changed since the last search and
 * the update looks like text on another grid, and not more often than search_gap allows
 * (over the likeliest row offsets only): video costs its samples, not a search per frame. */
static int want_redetect(kd_textrec *rec, const kd_fb *fb, bool was_text, const probe_result *p)
{
    if (rec->text) {
        rec->search_gap = 0;
        return DETECT_NONE;
    }
    if (was_text)
        return !p || !probe_picture(p) || probe_offgrid(p) ? DETECT_THOROUGH : DETECT_NONE;
    if (!p || !probe_offgrid(p) || rec->search_area * 2 < (long)fb->width * fb->height ||
        rec->since_detect < rec->search_gap)
        return DETECT_NONE;
    return DETECT_QUICK;
}

/* The cells under the damage x, y, w, h, clipped to the grid, and the area damaged in
 * pixels; false when no cell is. */
static bool damage_span(const kd_textrec *rec, const kd_fb *fb, const int *xywh, cell_span *sp,
                        long *area)
{
    long x0 = xywh[0] < 0 ? 0 : xywh[0], y0 = xywh[1] < 0 ? 0 : xywh[1];
    long x1 = (long)xywh[0] + (xywh[2] > 0 ? xywh[2] : 0);
    long y1 = (long)xywh[1] + (xywh[3] > 0 ? xywh[3] : 0);
    x1 = x1 > fb->width ? fb->width : x1;
    y1 = y1 > fb->height ? fb->height : y1;
    if (x1 <= x0 || y1 <= y0 || rec->rows == 0)
        return false;
    long c0 = (x0 - rec->ox) / rec->cw, c1 = (x1 - 1 - rec->ox) / rec->cw;
    long r0 = (y0 - rec->oy) / rec->chh, r1 = (y1 - 1 - rec->oy) / rec->chh;
    c0 = x0 < rec->ox ? 0 : c0;
    r0 = y0 < rec->oy ? 0 : r0;
    c1 = c1 >= rec->cols ? rec->cols - 1 : c1;
    r1 = r1 >= rec->rows ? rec->rows - 1 : r1;
    if (x1 - 1 < rec->ox || y1 - 1 < rec->oy || c0 > c1 || r0 > r1)
        return false;
    *sp = (cell_span){(int)r0, (int)r1, (int)c0, (int)c1};
    *area = (x1 - x0) * (y1 - y0);
    return true;
}

void kd_textrec_update(kd_textrec *rec, const kd_fb *fb, int x, int y, int w, int h)
{
    if (!kd_fb_valid(fb)) {
        forget_fb(rec);
        return;
    }
    if (!same_fb(rec, fb)) {
        remember_fb(rec, fb);
        rec->search_gap = 0;
        detect(rec, fb, true, false);
        return;
    }
    rec->since_detect++;
    const int xywh[4] = {x, y, w, h};
    cell_span sp;
    long area, screen = (long)fb->width * fb->height;
    if (!damage_span(rec, fb, xywh, &sp, &area))
        return;
    rec->search_area = rec->search_area + area > screen ? screen : rec->search_area + area;
    bool was_text = rec->text;
    /* On a text screen a few lines are read as they are (typing, scrolling): no sample. */
    bool want_probe = !was_text || span_cells(&sp) > 2L * rec->cols;
    probe_result p;
    bool probed = recognise_span(rec, fb, &sp, want_probe, &p);
    rec->text = kd_textrec_confidence(rec) >= KD_TEXTREC_MIN_CONFIDENCE;
    int how = want_redetect(rec, fb, was_text, probed ? &p : NULL);
    if (how != DETECT_NONE)
        detect(rec, fb, how == DETECT_THOROUGH, true);
}

/* --- Queries ----------------------------------------------------------------------------- */

kd_textrec *kd_textrec_new(const kd_fontset *fonts, size_t scrollback_lines)
{
    kd_textrec *rec = kd_calloc(1, sizeof(*rec));
    rec->fonts = fonts;
    if (scrollback_lines > KD_VT_SCROLLBACK_MAX)
        scrollback_lines = KD_VT_SCROLLBACK_MAX;
    rec->ring = kd_vt_ring_new(scrollback_lines);
    return rec;
}

void kd_textrec_free(kd_textrec *rec)
{
    if (!rec)
        return;
    kd_textrec_hist_free(rec);
    free(rec->cells);
    free(rec);
}

bool kd_textrec_is_text(const kd_textrec *rec)
{
    return rec->text;
}

double kd_textrec_confidence(const kd_textrec *rec)
{
    if (rec->rows == 0)
        return 0.0;
    return rec->nonblank == 0 ? 1.0 : (double)rec->exact / rec->nonblank;
}

void kd_textrec_size(const kd_textrec *rec, int *rows, int *cols)
{
    *rows = rec->rows;
    *cols = rec->cols;
}

void kd_textrec_geometry(const kd_textrec *rec, int *cell_w, int *cell_h, int *off_x, int *off_y)
{
    *cell_w = rec->rows ? rec->cw : 0;
    *cell_h = rec->rows ? rec->chh : 0;
    *off_x = rec->ox;
    *off_y = rec->oy;
}

const kd_textrec_cell *kd_textrec_cell_at(const kd_textrec *rec, int row, int col)
{
    if (row < 0 || col < 0 || row >= rec->rows || col >= rec->cols)
        return NULL;
    return &rec->cells[(size_t)row * (size_t)rec->cols + (size_t)col];
}

bool kd_textrec_cursor(const kd_textrec *rec, int *row, int *col)
{
    if (!rec->cur_seen || rec->rows == 0)
        return false;
    *row = rec->cur_row;
    *col = rec->cur_col;
    return true;
}

uint64_t kd_textrec_work(const kd_textrec *rec)
{
    return rec->work;
}
