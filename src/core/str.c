#include "core/str.h"
#include "core/err.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *kd_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        kd_die_oom();
    return p;
}

void *kd_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        kd_die_oom();
    return p;
}

void *kd_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        kd_die_oom();
    return q;
}

char *kd_strdup(const char *s)
{
    return kd_strndup(s, strlen(s));
}

char *kd_strndup(const char *s, size_t n)
{
    char *p = kd_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *kd_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *p = NULL;
    va_start(ap, fmt);
    int r = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (r < 0)
        kd_die_oom();
    return p;
}

char *kd_str_trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

bool kd_str_empty(const char *s)
{
    return !s || !*s;
}

bool kd_str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static void strv_push(char ***v, int *n, char *s)
{
    *v = kd_realloc(*v, sizeof(char *) * (size_t)(*n + 2));
    (*v)[(*n)++] = s;
    (*v)[*n] = NULL;
}

int kd_str_split_words(const char *line, char ***argv, const char **bad)
{
    char **v = kd_calloc(1, sizeof(char *));
    int n = 0;
    kd_buf w;
    const char *p = line;

    kd_buf_init(&w);
    *bad = NULL;
    for (;;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        char quote = 0;
        kd_buf_init(&w);
        for (; *p; p++) {
            if (quote) {
                if (*p == quote)
                    quote = 0;
                else if (*p == '\\' && quote == '"' && p[1])
                    kd_buf_add(&w, ++p, 1);
                else
                    kd_buf_add(&w, p, 1);
            } else if (*p == '\'' || *p == '"') {
                quote = *p;
            } else if (*p == '\\' && p[1]) {
                kd_buf_add(&w, ++p, 1);
            } else if (isspace((unsigned char)*p)) {
                break;
            } else {
                kd_buf_add(&w, p, 1);
            }
        }
        if (quote) {
            kd_buf_free(&w);
            kd_strv_free(v);
            *argv = NULL;
            *bad = quote == '"' ? "unterminated double quote" : "unterminated single quote";
            return -1;
        }
        if (!w.data)
            kd_buf_add(&w, "", 0);
        strv_push(&v, &n, kd_buf_steal(&w));
    }
    *argv = v;
    return n;
}

char *kd_str_quote(const char *word)
{
    if (*word && strcspn(word, " \t'\"\\") == strlen(word))
        return kd_strdup(word);
    kd_buf b;
    kd_buf_init(&b);
    kd_buf_add(&b, "\"", 1);
    for (const char *p = word; *p; p++) {
        if (*p == '"' || *p == '\\')
            kd_buf_add(&b, "\\", 1);
        kd_buf_add(&b, p, 1);
    }
    kd_buf_add(&b, "\"", 1);
    return kd_buf_steal(&b);
}

char *kd_str_next_line(char **cursor)
{
    char *line = *cursor;
    if (!line)
        return NULL;
    char *nl = strchr(line, '\n');
    if (nl)
        *nl = '\0';
    *cursor = nl ? nl + 1 : NULL;
    return line;
}

void kd_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

void kd_buf_init(kd_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void kd_buf_free(kd_buf *b)
{
    free(b->data);
    kd_buf_init(b);
}

void kd_buf_add(kd_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = kd_realloc(b->data, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void kd_buf_adds(kd_buf *b, const char *s)
{
    kd_buf_add(b, s, strlen(s));
}

void kd_buf_printf(kd_buf *b, const char *fmt, ...)
{
    va_list ap;
    char *p = NULL;
    va_start(ap, fmt);
    int r = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (r < 0)
        kd_die_oom();
    kd_buf_add(b, p, (size_t)r);
    free(p);
}

char *kd_buf_steal(kd_buf *b)
{
    if (!b->data)
        kd_buf_add(b, "", 0);
    char *p = b->data;
    kd_buf_init(b);
    return p;
}

char *kd_file_read(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    kd_buf b;
    char chunk[4096];
    size_t n;
    kd_buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b.len + n > max) {
            kd_buf_free(&b);
            fclose(f);
            errno = EFBIG;
            return NULL;
        }
        kd_buf_add(&b, chunk, n);
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        kd_buf_free(&b);
        errno = EIO;
        return NULL;
    }
    if (len)
        *len = b.len;
    return kd_buf_steal(&b);
}
