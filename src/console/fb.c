/* The framebuffer as half-block cells: geometry, damage, and the bytes that draw the cells
 * whose colours changed. */

#include "console/fb_priv.h"

#include <stdlib.h>
#include <string.h>

#define DAMAGE_MAX  64  /* rectangles kept apart; past that they merge into one */
#define LANE_VALUES 256 /* values a 16-bit lane of 8-bit channels holds without carrying */

typedef struct {
    int x0, y0, x1, y1; /* half-open, inside 0..KD_FB_MAX_W/H */
} rect;

/* Everything the picture's place on the terminal depends on. Zeroed before it is filled
 * so that two can be compared as bytes. */
typedef struct {
    int prow, pcol, rows, cols;
    kd_fb_colors colors;
    int fbw, fbh;
    int pw, ph;         /* the picture in half-cells: columns, half-rows */
    int ox, oy;         /* its top-left in the pane: a column, an even half-row */
    int sx, sy, sw, sh; /* the framebuffer region it shows */
    int zoom;           /* in effect, percent */
} geo;

struct kd_fbview {
    int prow, pcol, rows, cols;
    kd_fb_colors colors;
    int zoom; /* requested; 0 = fit */
    int pan_x, pan_y;
    rect dmg[DAMAGE_MAX];
    int ndmg;
    bool all;   /* recompute every cell */
    bool force; /* write every cell */
    bool have_geo;
    geo g;
    uint32_t *fg, *bg; /* per cell: the colours the terminal shows */
    int *lo, *hi;      /* per row: the cells [lo, hi) to recompute */
    /* Per picture column i and half-row j: the source pixels [xs, xe) x [ys, ye) and how
     * many of them are sampled. */
    int *xs, *xe, *nx, *ys, *ye, *ny;
    int stepx, stepy;
    int lane_rows;     /* rows of the longest span a 16-bit lane sums without carrying */
    uint32_t *acc;     /* 4 sums per column */
    uint32_t *up, *dn; /* 0xRRGGBB of the half-rows of the cell row being drawn */
    kd_fb_cache *cache;
};

static int clampi(long long v, long long lo, long long hi)
{
    return (int)(v < lo ? lo : v > hi ? hi : v);
}

static int mini(int a, int b)
{
    return a < b ? a : b;
}

static int maxi(int a, int b)
{
    return a > b ? a : b;
}

kd_fbview *kd_fbview_new(void)
{
    kd_fbview *v = kd_calloc(1, sizeof(*v));
    v->colors = KD_FB_COLOR_TRUE;
    v->cache = kd_calloc(1, sizeof(*v->cache));
    return v;
}

static void free_arrays(kd_fbview *v)
{
    void *ps[] = {v->fg, v->bg, v->lo, v->hi,  v->xs, v->xe, v->nx,
                  v->ys, v->ye, v->ny, v->acc, v->up, v->dn};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
        free(ps[i]);
}

void kd_fbview_free(kd_fbview *v)
{
    if (!v)
        return;
    free_arrays(v);
    free(v->cache);
    free(v);
}

void kd_fbview_set_pane(kd_fbview *v, int row, int col, int rows, int cols)
{
    if (!v)
        return;
    v->prow = clampi(row, 0, KD_FB_MAX_POS);
    v->pcol = clampi(col, 0, KD_FB_MAX_POS);
    v->rows = clampi(rows, 0, KD_FB_MAX_ROWS);
    v->cols = clampi(cols, 0, KD_FB_MAX_COLS);
}

void kd_fbview_set_colors(kd_fbview *v, kd_fb_colors c)
{
    if (v && (c == KD_FB_COLOR_16 || c == KD_FB_COLOR_256 || c == KD_FB_COLOR_TRUE))
        v->colors = c;
}

void kd_fbview_set_zoom(kd_fbview *v, int zoom_pct)
{
    if (v)
        v->zoom = zoom_pct <= 0 ? 0 : clampi(zoom_pct, KD_FB_ZOOM_MIN, KD_FB_ZOOM_MAX);
}

void kd_fbview_pan(kd_fbview *v, int dx, int dy)
{
    if (!v)
        return;
    /* Clamped again against the picture at the next render. */
    v->pan_x = clampi((long long)v->pan_x + dx, 0, KD_FB_MAX_W);
    v->pan_y = clampi((long long)v->pan_y + dy, 0, KD_FB_MAX_H);
}

int kd_fbview_zoom(const kd_fbview *v)
{
    if (!v)
        return 0;
    return v->zoom ? v->zoom : v->have_geo ? v->g.zoom : 0;
}

bool kd_fbview_fit(const kd_fbview *v)
{
    return v && v->zoom == 0;
}

void kd_fbview_damage(kd_fbview *v, int x, int y, int w, int h)
{
    if (!v || w <= 0 || h <= 0)
        return;
    rect d = {clampi(x, 0, KD_FB_MAX_W), clampi(y, 0, KD_FB_MAX_H),
              clampi((long long)x + w, 0, KD_FB_MAX_W), clampi((long long)y + h, 0, KD_FB_MAX_H)};
    if (d.x0 >= d.x1 || d.y0 >= d.y1)
        return;
    if (v->ndmg < DAMAGE_MAX) {
        v->dmg[v->ndmg++] = d;
        return;
    }
    /* A storm of small updates: one box around them all costs less than their list. */
    for (int i = 1; i < v->ndmg; i++) {
        d.x0 = mini(d.x0, v->dmg[i].x0);
        d.y0 = mini(d.y0, v->dmg[i].y0);
        d.x1 = maxi(d.x1, v->dmg[i].x1);
        d.y1 = maxi(d.y1, v->dmg[i].y1);
    }
    rect *b = &v->dmg[0];
    *b = (rect){mini(b->x0, d.x0), mini(b->y0, d.y0), maxi(b->x1, d.x1), maxi(b->y1, d.y1)};
    v->ndmg = 1;
}

void kd_fbview_invalidate(kd_fbview *v)
{
    if (v)
        v->force = true;
}

/* ---- geometry --------------------------------------------------------------------------- */

/* One axis at a fixed zoom: the picture's length in half-cells and the source span. */
static void zoom_axis(int px, int cells, int zoom, int pan, int *len, int *s0, int *sl)
{
    long long want = (long long)px * zoom / 100;
    if (want <= cells) {
        *len = clampi(want, 1, cells);
        *s0 = 0;
        *sl = px;
        return;
    }
    *len = cells;
    *sl = clampi(((long long)cells * 100 + zoom / 2) / zoom, 1, px);
    *s0 = clampi(pan, 0, px - *sl);
}

static void geo_compute(const kd_fbview *v, const kd_fb *fb, geo *g)
{
    memset(g, 0, sizeof(*g));
    *g = (geo){.prow = v->prow,
               .pcol = v->pcol,
               .rows = v->rows,
               .cols = v->cols,
               .colors = v->colors,
               .fbw = fb->width,
               .fbh = fb->height};
    long long w = fb->width, h = fb->height, c = v->cols, r2 = 2LL * v->rows;
    if (v->zoom) {
        zoom_axis(fb->width, v->cols, v->zoom, v->pan_x, &g->pw, &g->sx, &g->sw);
        zoom_axis(fb->height, 2 * v->rows, v->zoom, v->pan_y, &g->ph, &g->sy, &g->sh);
        g->zoom = v->zoom;
    } else {
        /* Two half-cells make a square-ish pixel pair, so the pane is c x r2 squares. */
        if (c * h <= r2 * w) {
            g->pw = (int)c;
            g->ph = clampi((h * c + w / 2) / w, 1, r2);
        } else {
            g->ph = (int)r2;
            g->pw = clampi((w * r2 + h / 2) / h, 1, c);
        }
        g->sw = fb->width;
        g->sh = fb->height;
        g->zoom = clampi((g->pw * 100LL + w / 2) / w, 1, 1000000);
    }
    g->ox = (v->cols - g->pw) / 2;
    g->oy = ((2 * v->rows - g->ph) / 2) & ~1;
}

/* Source spans of one axis: [s0 + i*sl/n, s0 + (i+1)*sl/n), at least one pixel each. */
static int spans(int n, int s0, int sl, int *a, int *b, int *cnt)
{
    int longest = 1;
    for (int i = 0; i < n; i++) {
        a[i] = s0 + (int)((long long)i * sl / n);
        b[i] = s0 + (int)((long long)(i + 1) * sl / n);
        if (b[i] <= a[i])
            b[i] = a[i] + 1;
        longest = maxi(longest, b[i] - a[i]);
    }
    int step = kd_fb_step(longest);
    for (int i = 0; i < n; i++)
        cnt[i] = (b[i] - a[i] + step - 1) / step;
    return step;
}

static void alloc_pane(kd_fbview *v, const geo *g)
{
    free_arrays(v);
    size_t cells = (size_t)g->rows * g->cols, cols = (size_t)g->cols, hr = 2 * (size_t)g->rows;
    v->fg = kd_malloc(cells * sizeof(*v->fg));
    v->bg = kd_malloc(cells * sizeof(*v->bg));
    v->lo = kd_malloc(hr / 2 * sizeof(int));
    v->hi = kd_malloc(hr / 2 * sizeof(int));
    v->xs = kd_malloc(cols * sizeof(int));
    v->xe = kd_malloc(cols * sizeof(int));
    v->nx = kd_malloc(cols * sizeof(int));
    v->ys = kd_malloc(hr * sizeof(int));
    v->ye = kd_malloc(hr * sizeof(int));
    v->ny = kd_malloc(hr * sizeof(int));
    v->acc = kd_malloc(4 * cols * sizeof(uint32_t));
    v->up = kd_malloc(cols * sizeof(uint32_t));
    v->dn = kd_malloc(cols * sizeof(uint32_t));
}

/* Adopt the geometry of this render: a new pane or depth writes every cell, anything else
 * that moved the picture recomputes every cell but writes the changed ones only. */
static void geo_adopt(kd_fbview *v, const geo *g)
{
    bool pane = !v->have_geo || g->prow != v->g.prow || g->pcol != v->g.pcol ||
                g->rows != v->g.rows || g->cols != v->g.cols || g->colors != v->g.colors;
    if (pane) {
        alloc_pane(v, g);
        v->force = true;
    }
    if (pane || memcmp(g, &v->g, sizeof(*g)) != 0) {
        v->stepx = spans(g->pw, g->sx, g->sw, v->xs, v->xe, v->nx);
        v->stepy = spans(g->ph, g->sy, g->sh, v->ys, v->ye, v->ny);
        int longest = 1;
        for (int i = 0; i < g->pw; i++)
            longest = maxi(longest, v->xe[i] - v->xs[i]);
        /* A row adds at most longest/4 values to a lane, plus 3 from the tail. */
        v->lane_rows = LANE_VALUES / (longest / 4 + 3);
        v->all = true;
    }
    if (v->force) {
        size_t n = (size_t)g->rows * g->cols;
        for (size_t i = 0; i < n; i++)
            v->fg[i] = v->bg[i] = KD_FB_UNKNOWN;
    }
    v->g = *g;
    v->have_geo = true;
    v->pan_x = g->sx;
    v->pan_y = g->sy;
}

/* ---- damage ----------------------------------------------------------------------------- */

/* The first index whose value is above val (strict) or at least val, in a sorted array. */
static int search(const int *a, int n, int val, bool strict)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strict ? a[mid] > val : a[mid] >= val)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static void mark_rows(kd_fbview *v, int r0, int r1, int c0, int c1)
{
    for (int r = r0; r < r1; r++) {
        v->lo[r] = mini(v->lo[r], c0);
        v->hi[r] = maxi(v->hi[r], c1);
    }
}

static void mark_rect(kd_fbview *v, const rect *d)
{
    const geo *g = &v->g;
    int x1 = mini(d->x1, g->fbw), y1 = mini(d->y1, g->fbh);
    if (d->x0 >= x1 || d->y0 >= y1)
        return; /* outside a framebuffer that shrank */
    int i0 = search(v->xe, g->pw, d->x0, true), i1 = search(v->xs, g->pw, x1, false);
    int j0 = search(v->ye, g->ph, d->y0, true), j1 = search(v->ys, g->ph, y1, false);
    if (i0 < i1 && j0 < j1)
        mark_rows(v, (g->oy + j0) / 2, (g->oy + j1 - 1) / 2 + 1, g->ox + i0, g->ox + i1);
}

/* ---- pixels ----------------------------------------------------------------------------- */

/* 8-bit channels of 32-bit words, four pixels at a time: the mask splits each word into
 * two 16-bit lanes (the channels at bits 0 and 16, or 8 and 24), which add up without a
 * carry between them as long as a lane holds at most 257 values. */
typedef uint32_t v4u32 __attribute__((vector_size(16)));

static uint32_t hsum(v4u32 a)
{
    return a[0] + a[1] + a[2] + a[3];
}

/* One row of a box into the lanes. */
static inline void row_fast(const uint8_t *p, int k, v4u32 *lo, v4u32 *hi)
{
    const v4u32 m = {0x00ff00ffu, 0x00ff00ffu, 0x00ff00ffu, 0x00ff00ffu};
    for (; k >= 8; k -= 8, p += 32) {
        v4u32 a, b;
        memcpy(&a, p, 16);
        memcpy(&b, p + 16, 16);
        *lo += (a & m) + (b & m);
        *hi += ((a >> 8) & m) + ((b >> 8) & m);
    }
    if (k >= 4) {
        v4u32 a;
        memcpy(&a, p, 16);
        *lo += a & m;
        *hi += (a >> 8) & m;
        k -= 4;
        p += 16;
    }
    for (; k > 0; k--, p += 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        (*lo)[0] += w & 0x00ff00ffu;
        (*hi)[0] += (w >> 8) & 0x00ff00ffu;
    }
}

/* The sums of the channels at bits 0, 8, 16, 24 over picture column i, half-row j. The
 * 16-bit lanes are widened every v->lane_rows rows, before they can carry. */
static void box_fast(const kd_fbview *v, const kd_fb *fb, int i, int j, uint32_t sum[4])
{
    const v4u32 m16 = {0xffff, 0xffff, 0xffff, 0xffff};
    int n = v->xe[i] - v->xs[i], rows = v->ny[j], chunk = v->lane_rows;
    size_t stride = (size_t)fb->stride * (size_t)v->stepy;
    const uint8_t *p = fb->pixels + (size_t)v->ys[j] * fb->stride + (size_t)v->xs[i] * 4;
    v4u32 s0 = {0, 0, 0, 0}, s8 = s0, s16 = s0, s24 = s0;
    while (rows > 0) {
        v4u32 lo = {0, 0, 0, 0}, hi = lo;
        int k = rows < chunk ? rows : chunk;
        rows -= k;
        for (; k > 0; k--, p += stride)
            row_fast(p, n, &lo, &hi);
        s0 += lo & m16;
        s16 += lo >> 16;
        s8 += hi & m16;
        s24 += hi >> 16;
    }
    sum[0] = hsum(s0);
    sum[1] = hsum(s8);
    sum[2] = hsum(s16);
    sum[3] = hsum(s24);
}

static void sum_generic(const kd_fbview *v, const kd_fb *fb, const uint8_t *row, int i0, int i1)
{
    int bpp = fb->bytes_pp;
    for (int i = i0; i < i1; i++) {
        uint32_t *a = v->acc + 4 * i;
        for (int x = v->xs[i]; x < v->xe[i]; x += v->stepx) {
            const uint8_t *p = row + (size_t)x * bpp;
            uint32_t w = bpp == 2 ? (uint32_t)p[0] | (uint32_t)p[1] << 8
                                  : (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                        (uint32_t)p[3] << 24;
            a[0] += (w >> fb->rshift) & (uint32_t)fb->rmax;
            a[1] += (w >> fb->gshift) & (uint32_t)fb->gmax;
            a[2] += (w >> fb->bshift) & (uint32_t)fb->bmax;
        }
    }
}

static uint32_t chan(uint64_t sum, uint64_t n, int max)
{
    uint64_t den = n * (uint64_t)max;
    return (uint32_t)((sum * 255 + den / 2) / den);
}

static uint32_t rgb_fast(const kd_fb *fb, const uint32_t sum[4], uint64_t n)
{
    /* One division per half-cell: the sums times a rounded 2^24 / n. */
    uint64_t rec = ((1ULL << 24) + n / 2) / n, half = 1ULL << 23;
    uint32_t r = (uint32_t)((sum[fb->rshift / 8] * rec + half) >> 24);
    uint32_t g = (uint32_t)((sum[fb->gshift / 8] * rec + half) >> 24);
    uint32_t b = (uint32_t)((sum[fb->bshift / 8] * rec + half) >> 24);
    return (r > 255 ? 255 : r) << 16 | (g > 255 ? 255 : g) << 8 | (b > 255 ? 255 : b);
}

/* The average colour of each picture column [i0, i1) in half-row j, into out. */
static void half_row(kd_fbview *v, const kd_fb *fb, int j, int i0, int i1, uint32_t *out)
{
    if (kd_fb_fast(fb) && v->stepx == 1) {
        for (int i = i0; i < i1; i++) {
            uint32_t sum[4];
            box_fast(v, fb, i, j, sum);
            out[i] = rgb_fast(fb, sum, (uint64_t)v->nx[i] * (uint64_t)v->ny[j]);
        }
        return;
    }
    memset(v->acc + 4 * i0, 0, 4 * sizeof(uint32_t) * (size_t)(i1 - i0));
    for (int y = v->ys[j]; y < v->ye[j]; y += v->stepy)
        sum_generic(v, fb, fb->pixels + (size_t)y * fb->stride, i0, i1);
    for (int i = i0; i < i1; i++) {
        const uint32_t *a = v->acc + 4 * i;
        uint64_t n = (uint64_t)v->nx[i] * (uint64_t)v->ny[j];
        out[i] =
            chan(a[0], n, fb->rmax) << 16 | chan(a[1], n, fb->gmax) << 8 | chan(a[2], n, fb->bmax);
    }
}

static uint32_t map(kd_fbview *v, uint32_t rgb, int x, int y)
{
    if (v->g.colors == KD_FB_COLOR_TRUE)
        return rgb;
    if (v->g.colors == KD_FB_COLOR_16)
        return kd_fb_map16(v->cache, rgb, x, y);
    return kd_fb_map(v->g.colors, rgb, x, y);
}

static void render_row(kd_fbview *v, const kd_fb *fb, int r, kd_fb_emitter *e)
{
    const geo *g = &v->g;
    int lo = v->lo[r], hi = v->hi[r];
    int j = 2 * r - g->oy, i0 = maxi(lo - g->ox, 0), i1 = mini(hi - g->ox, g->pw);
    bool up = j >= 0 && j < g->ph, dn = j + 1 >= 0 && j + 1 < g->ph;
    if (i0 < i1 && up)
        half_row(v, fb, j, i0, i1, v->up);
    if (i0 < i1 && dn)
        half_row(v, fb, j + 1, i0, i1, v->dn);
    for (int c = lo; c < hi; c++) {
        uint32_t fg = KD_FB_DEFAULT, bg = KD_FB_DEFAULT;
        int i = c - g->ox;
        if (i >= 0 && i < g->pw && up) {
            fg = map(v, v->up[i], i, j);
            if (dn)
                bg = map(v, v->dn[i], i, j + 1);
        }
        size_t k = (size_t)r * g->cols + c;
        if (fg == v->fg[k] && bg == v->bg[k])
            continue;
        kd_fb_emit_cell(e, g->prow + r, g->pcol + c, fg, bg);
        v->fg[k] = fg;
        v->bg[k] = bg;
    }
    v->lo[r] = g->cols;
    v->hi[r] = 0;
}

size_t kd_fbview_render(kd_fbview *v, const kd_fb *fb, kd_buf *out)
{
    if (!v || !out || !kd_fb_valid(fb))
        return 0;
    if (v->rows < 1 || v->cols < 1) {
        v->ndmg = 0;
        return 0;
    }
    geo g;
    geo_compute(v, fb, &g);
    geo_adopt(v, &g);
    for (int r = 0; r < g.rows; r++) {
        v->lo[r] = v->all || v->force ? 0 : g.cols;
        v->hi[r] = v->all || v->force ? g.cols : 0;
    }
    if (!v->all && !v->force)
        for (int i = 0; i < v->ndmg; i++)
            mark_rect(v, &v->dmg[i]);
    kd_fb_emitter e = {.out = out,
                       .colors = g.colors,
                       .row = -1,
                       .col = -1,
                       .fg = KD_FB_UNKNOWN,
                       .bg = KD_FB_UNKNOWN};
    for (int r = 0; r < g.rows; r++)
        if (v->lo[r] < v->hi[r])
            render_row(v, fb, r, &e);
    if (e.cells)
        kd_buf_add(out, "\033[0m", 4);
    v->ndmg = 0;
    v->all = v->force = false;
    return e.cells;
}

bool kd_fbview_cell_to_fb(const kd_fbview *v, int row, int col, int *x, int *y)
{
    if (!v || !v->have_geo)
        return false;
    const geo *g = &v->g;
    int i = col - g->ox, j = 2 * row - g->oy;
    if (row < 0 || row >= g->rows || i < 0 || i >= g->pw || j < 0 || j >= g->ph)
        return false;
    int jl = j + 1 < g->ph ? j + 1 : j;
    if (x)
        *x = (v->xs[i] + v->xe[i] - 1) / 2;
    if (y)
        *y = (v->ys[j] + v->ye[jl] - 1) / 2;
    return true;
}
