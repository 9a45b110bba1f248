#ifndef KD_CORE_INI_H
#define KD_CORE_INI_H

#include "core/err.h"

/* INI text: "[section]" headers, "key = value" pairs, '#' or ';' comments on their own
 * line, values optionally in double quotes. Keys before any header have section "". */

/* Return 0 to go on, -1 (with err filled) to stop parsing. */
typedef int (*kd_ini_cb)(const char *section, const char *key, const char *value, int line,
                         void *opaque, kd_err *err);

int kd_ini_parse(const char *text, kd_ini_cb cb, void *opaque, kd_err *err);
/* As kd_ini_parse; a file that does not exist is an error of code KD_ERR_NOTFOUND. */
int kd_ini_parse_file(const char *path, kd_ini_cb cb, void *opaque, kd_err *err);

#endif
