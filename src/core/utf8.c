#include "core/utf8.h"

#include <string.h>
#include <wchar.h>

/* Decode one character; returns its byte length (1 for an invalid byte, with *wc = -1). */
static size_t decode(const char *s, size_t n, wchar_t *wc)
{
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    size_t r = mbrtowc(wc, s, n, &st);
    if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
        *wc = (wchar_t)-1;
        return 1;
    }
    return r;
}

static int char_width(wchar_t wc)
{
    if (wc == (wchar_t)-1)
        return 1;
    int w = wcwidth(wc);
    return w < 0 ? 1 : w;
}

int kd_utf8_width(const char *s)
{
    size_t n = strlen(s);
    int cols = 0;
    while (n > 0) {
        wchar_t wc;
        size_t len = decode(s, n, &wc);
        cols += char_width(wc);
        s += len;
        n -= len;
    }
    return cols;
}

size_t kd_utf8_fit(const char *s, int cols, int *width)
{
    size_t n = strlen(s);
    size_t used = 0;
    int taken = 0;
    while (used < n) {
        wchar_t wc;
        size_t len = decode(s + used, n - used, &wc);
        int w = char_width(wc);
        if (w > cols)
            break;
        cols -= w;
        taken += w;
        used += len;
    }
    if (width)
        *width = taken;
    return used;
}

size_t kd_utf8_next(const char *s, int *width)
{
    size_t n = strlen(s);
    if (n == 0) {
        if (width)
            *width = 0;
        return 0;
    }
    wchar_t wc;
    size_t len = decode(s, n, &wc);
    if (width)
        *width = char_width(wc);
    return len;
}
