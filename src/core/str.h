#ifndef KD_CORE_STR_H
#define KD_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>

/* Allocation helpers that never return NULL: out of memory aborts. */
void *kd_malloc(size_t n);
void *kd_calloc(size_t n, size_t size);
void *kd_realloc(void *p, size_t n);
char *kd_strdup(const char *s);
char *kd_strndup(const char *s, size_t n);
char *kd_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Trim ASCII white space in place; returns s advanced past leading space. */
char *kd_str_trim(char *s);
bool kd_str_empty(const char *s);
bool kd_str_eq(const char *a, const char *b);
/* Split "a b 'c d'" into words honouring single and double quotes and backslashes.
 * Returns the number of words (argv is NULL-terminated, free with kd_strv_free), or -1
 * with *bad set to a message for an unterminated quote. */
int kd_str_split_words(const char *line, char ***argv, const char **bad);
void kd_strv_free(char **v);
/* The word as kd_str_split_words reads it back unchanged: as it is when it has no blank,
 * quote or backslash, else in double quotes with '"' and '\\' escaped. Caller frees. */
char *kd_str_quote(const char *word);
/* Walk a writable text line by line: returns the next line (its '\n' replaced by NUL) and
 * advances *cursor, or NULL at the end. */
char *kd_str_next_line(char **cursor);

/* A growable byte buffer, always NUL-terminated. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} kd_buf;

void kd_buf_init(kd_buf *b);
void kd_buf_free(kd_buf *b);
void kd_buf_add(kd_buf *b, const char *s, size_t n);
void kd_buf_adds(kd_buf *b, const char *s);
void kd_buf_printf(kd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the contents to the caller and leave the buffer empty. */
char *kd_buf_steal(kd_buf *b);

/* Read a whole file (at most max bytes). NULL and errno set on failure. */
char *kd_file_read(const char *path, size_t max, size_t *len);

#endif
