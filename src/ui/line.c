#include "core/str.h"
#include "ui/dialog.h"

#include <curses.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* UTF-8 aware cursor movement: continuation bytes are 10xxxxxx. */
static size_t prev_char(const kd_line *l, size_t i)
{
    while (i > 0 && ((unsigned char)l->text[--i] & 0xC0) == 0x80)
        ;
    return i;
}

static size_t next_char(const kd_line *l, size_t i)
{
    if (i >= l->len)
        return l->len;
    i++;
    while (i < l->len && ((unsigned char)l->text[i] & 0xC0) == 0x80)
        i++;
    return i;
}

void kd_line_clear(kd_line *l)
{
    free(l->text);
    memset(l, 0, sizeof(*l));
}

static void reserve(kd_line *l, size_t need)
{
    if (need + 1 <= l->cap)
        return;
    size_t cap = l->cap ? l->cap : 64;
    while (cap < need + 1)
        cap *= 2;
    bool fresh = !l->text;
    l->text = kd_realloc(l->text, cap);
    l->cap = cap;
    if (fresh)
        l->text[0] = '\0'; /* an empty line that was never set */
}

void kd_line_set(kd_line *l, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    reserve(l, n);
    if (n)
        memcpy(l->text, text, n);
    l->text[n] = '\0';
    l->len = n;
    l->cursor = n;
}

void kd_line_insert(kd_line *l, const char *s, size_t n)
{
    reserve(l, l->len + n);
    memmove(l->text + l->cursor + n, l->text + l->cursor, l->len - l->cursor + 1);
    memcpy(l->text + l->cursor, s, n);
    l->len += n;
    l->cursor += n;
}

static void delete_range(kd_line *l, size_t from, size_t to)
{
    if (to <= from)
        return;
    memmove(l->text + from, l->text + to, l->len - to + 1);
    l->len -= to - from;
    l->cursor = from;
}

static size_t word_start(const kd_line *l)
{
    size_t i = l->cursor;
    while (i > 0 && l->text[i - 1] == ' ')
        i--;
    while (i > 0 && l->text[i - 1] != ' ')
        i--;
    return i;
}

bool kd_line_edit(kd_line *l, kd_key key)
{
    reserve(l, l->len);
    if (key == KD_KEY_BSPACE) {
        delete_range(l, prev_char(l, l->cursor), l->cursor);
    } else if (key == (KD_KEY_FN | KEY_DC) || key == 4 /* C-d */) {
        size_t n = next_char(l, l->cursor);
        size_t c = l->cursor;
        delete_range(l, c, n);
        l->cursor = c;
    } else if (key == (KD_KEY_FN | KEY_LEFT) || key == 2 /* C-b */) {
        l->cursor = prev_char(l, l->cursor);
    } else if (key == (KD_KEY_FN | KEY_RIGHT) || key == 6 /* C-f */) {
        l->cursor = next_char(l, l->cursor);
    } else if (key == (KD_KEY_FN | KEY_HOME) || key == 1 /* C-a */) {
        l->cursor = 0;
    } else if (key == (KD_KEY_FN | KEY_END) || key == 5 /* C-e */) {
        l->cursor = l->len;
    } else if (key == 21 /* C-u */) {
        delete_range(l, 0, l->cursor);
    } else if (key == 11 /* C-k */) {
        l->text[l->cursor] = '\0';
        l->len = l->cursor;
    } else if (key == 23 /* C-w */) {
        delete_range(l, word_start(l), l->cursor);
    } else if (key >= 0x20 && key != 0x7f && !(key & (KD_KEY_FN | KD_KEY_META))) {
        char mb[MB_LEN_MAX];
        mbstate_t st;
        memset(&st, 0, sizeof(st));
        size_t n = wcrtomb(mb, (wchar_t)key, &st);
        if (n == (size_t)-1)
            return false;
        kd_line_insert(l, mb, n);
    } else {
        return false;
    }
    return true;
}
