#ifndef KD_CORE_UTF8_H
#define KD_CORE_UTF8_H

#include <stddef.h>

/* Display width in terminal columns of a UTF-8 string (invalid bytes count as 1). */
int kd_utf8_width(const char *s);
/* Byte length of the longest prefix of s that fits in cols columns; *used (if not NULL)
 * gets the columns that prefix takes. */
size_t kd_utf8_fit(const char *s, int cols, int *used);

/* Byte length of the first character of s (0 at the end) and, if width is not NULL, its
 * column width. */
size_t kd_utf8_next(const char *s, int *width);

#endif
