#include "ui/graph.h"
#include "core/str.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static const char *const blocks[9] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
static const char ascii_levels[] = " .:-=+*#%@";

kd_graph_style kd_graph_style_for_locale(bool prefer_braille)
{
    if (MB_CUR_MAX < 2)
        return KD_GRAPH_ASCII;
    return prefer_braille ? KD_GRAPH_BRAILLE : KD_GRAPH_BLOCK;
}

double kd_graph_nice_max(double max)
{
    if (!(max > 0) || isinf(max))
        return 1;
    double p = pow(10, floor(log10(max)));
    double steps[] = {1, 2, 5, 10};
    for (size_t i = 0; i < 4; i++)
        if (max <= steps[i] * p * (1 + 1e-9))
            return steps[i] * p;
    return 10 * p;
}

static double top_of(const double *v, size_t n, double max)
{
    if (max > 0)
        return max;
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]) && v[i] > m)
            m = v[i];
    return m > 0 ? m : 1;
}

/* The fraction [0, 1] of the scale that v reaches; -1 for a gap. */
static double level(double v, double top)
{
    if (isnan(v))
        return -1;
    double f = v / top;
    return f < 0 ? 0 : f > 1 ? 1 : f;
}

static void put_utf8(kd_buf *b, unsigned cp)
{
    char mb[8];
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    size_t n = wcrtomb(mb, (wchar_t)cp, &st);
    if (n == (size_t)-1)
        kd_buf_add(b, "?", 1);
    else
        kd_buf_add(b, mb, n);
}

/* Braille dots: column 0 rows 0-3 are bits 0,1,2,6; column 1 rows 0-3 are 3,4,5,7. */
static const unsigned dot_bit[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};

/* Cell (row r of height) for values a and b (left and right columns) filled from below. */
static unsigned braille_cell(double la, double lb, int r, int height)
{
    unsigned bits = 0;
    double lv[2] = {la, lb};
    for (int c = 0; c < 2; c++) {
        if (lv[c] < 0)
            continue;
        int dots = (int)lround(lv[c] * height * 4);
        if (dots == 0 && lv[c] > 0)
            dots = 1; /* anything above zero shows */
        for (int d = 0; d < 4; d++) {
            int from_bottom = (height - 1 - r) * 4 + (3 - d);
            if (from_bottom < dots)
                bits |= dot_bit[c][d];
        }
    }
    return 0x2800 + bits;
}

static void block_cell(kd_buf *b, double l, int r, int height, kd_graph_style style)
{
    if (l < 0) {
        kd_buf_add(b, " ", 1);
        return;
    }
    int eighths = (int)lround(l * height * 8);
    if (eighths == 0 && l > 0)
        eighths = 1;
    int here = eighths - (height - 1 - r) * 8;
    here = here < 0 ? 0 : here > 8 ? 8 : here;
    if (style == KD_GRAPH_ASCII) {
        int a = here == 0 ? 0 : 1 + (here - 1) * 8 / 7;
        kd_buf_add(b, &ascii_levels[a > 9 ? 9 : a], 1);
    } else {
        kd_buf_adds(b, blocks[here]);
    }
}

/* Value i of the last `want` values, or NAN before the history starts. */
static double at(const double *v, size_t n, size_t want, size_t i)
{
    if (n >= want)
        return v[n - want + i];
    size_t pad = want - n;
    return i < pad ? NAN : v[i - pad];
}

static char *render_row(const double *v, size_t n, int width, int r, int height, double top,
                        kd_graph_style style)
{
    kd_buf b;
    kd_buf_init(&b);
    size_t per = style == KD_GRAPH_BRAILLE ? 2 : 1;
    size_t want = (size_t)width * per;
    for (int x = 0; x < width; x++) {
        if (style == KD_GRAPH_BRAILLE) {
            double la = level(at(v, n, want, (size_t)x * 2), top);
            double lb = level(at(v, n, want, (size_t)x * 2 + 1), top);
            unsigned cp = braille_cell(la, lb, r, height);
            /* An empty cell as a space: the same to the eye, a third of the bytes. */
            put_utf8(&b, cp == 0x2800 ? ' ' : cp);
        } else {
            block_cell(&b, level(at(v, n, want, (size_t)x), top), r, height, style);
        }
    }
    return kd_buf_steal(&b);
}

char *kd_graph_sparkline(const double *v, size_t n, int width, double max, kd_graph_style style)
{
    if (width <= 0)
        return kd_strdup("");
    /* One row reads best as blocks; braille would spend a cell on two thin columns. */
    if (style == KD_GRAPH_BRAILLE)
        style = KD_GRAPH_BLOCK;
    return render_row(v, n, width, 0, 1, top_of(v, n, max), style);
}

char **kd_graph_render(const double *v, size_t n, int width, int height, double max,
                       kd_graph_style style)
{
    char **rows = kd_calloc((size_t)(height > 0 ? height : 1), sizeof(char *));
    double top = top_of(v, n, max);
    for (int r = 0; r < height; r++)
        rows[r] = render_row(v, n, width > 0 ? width : 0, r, height, top, style);
    return rows;
}

void kd_graph_free_rows(char **rows, int height)
{
    if (!rows)
        return;
    for (int r = 0; r < height; r++)
        free(rows[r]);
    free(rows);
}
