#include "core/utf8.h"
#include "ui/app.h"

#include <stdio.h>

int kd_draw_text(WINDOW *w, int y, int x, int cols, const char *s)
{
    /* Never past the right edge: curses would wrap the rest onto the next row (a table's
     * fixed columns in a narrow terminal). */
    if (cols > getmaxx(w) - x)
        cols = getmaxx(w) - x;
    if (cols <= 0)
        return 0;
    int used = 0;
    size_t len = kd_utf8_fit(s, cols, &used);
    mvwaddnstr(w, y, x, s, (int)len);
    return used;
}

int kd_draw_wrapped(WINDOW *w, int y, int x, int cols, int max_rows, const char *s)
{
    int rows = 0;
    while (*s && rows < max_rows && cols > 0) {
        size_t len = kd_utf8_fit(s, cols, NULL);
        if (s[len] != '\0') {
            size_t brk = len;
            while (brk > 0 && s[brk] != ' ')
                brk--;
            if (brk > 0)
                len = brk;
        }
        mvwaddnstr(w, y + rows, x, s, (int)len);
        s += len;
        while (*s == ' ')
            s++;
        rows++;
    }
    return rows;
}

void kd_draw_fill(WINDOW *w, int y, int x, int cols)
{
    if (cols > 0)
        mvwhline(w, y, x, ' ', cols);
}

void kd_draw_format_kib(char *buf, size_t n, unsigned long long kib)
{
    if (kib >= 1024ULL * 1024)
        snprintf(buf, n, "%.1f GiB", (double)kib / (1024.0 * 1024.0));
    else if (kib >= 1024)
        snprintf(buf, n, "%llu MiB", kib / 1024);
    else
        snprintf(buf, n, "%llu KiB", kib);
}
