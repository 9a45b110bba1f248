#include "core/ini.h"
#include "core/str.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define INI_MAX_FILE (1024 * 1024)

static int parse_line(char *line, char **section, int lineno, kd_ini_cb cb, void *opaque,
                      kd_err *err)
{
    char *s = kd_str_trim(line);
    if (!*s || *s == '#' || *s == ';')
        return 0;
    if (*s == '[') {
        char *end = strchr(s, ']');
        if (!end || end[1] != '\0') {
            kd_err_set(err, KD_ERR_INVALID, "line %d: section header needs a closing ']'", lineno);
            return -1;
        }
        *end = '\0';
        free(*section);
        *section = kd_strdup(kd_str_trim(s + 1));
        return 0;
    }
    char *eq = strchr(s, '=');
    if (!eq) {
        kd_err_set(err, KD_ERR_INVALID, "line %d: expected 'key = value'", lineno);
        return -1;
    }
    *eq = '\0';
    char *key = kd_str_trim(s);
    char *value = kd_str_trim(eq + 1);
    if (!*key) {
        kd_err_set(err, KD_ERR_INVALID, "line %d: missing key before '='", lineno);
        return -1;
    }
    size_t vlen = strlen(value);
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value[vlen - 1] = '\0';
        value++;
    }
    return cb(*section ? *section : "", key, value, lineno, opaque, err);
}

int kd_ini_parse(const char *text, kd_ini_cb cb, void *opaque, kd_err *err)
{
    char *copy = kd_strdup(text);
    char *section = NULL;
    char *p = copy;
    int lineno = 0;
    int ret = 0;

    char *line;
    while (ret == 0 && (line = kd_str_next_line(&p)) != NULL)
        ret = parse_line(line, &section, ++lineno, cb, opaque, err);
    free(section);
    free(copy);
    return ret;
}

int kd_ini_parse_file(const char *path, kd_ini_cb cb, void *opaque, kd_err *err)
{
    char *text = kd_file_read(path, INI_MAX_FILE, NULL);
    if (!text) {
        kd_err_set(err, errno == ENOENT ? KD_ERR_NOTFOUND : KD_ERR_IO, "%s: %s", path,
                   strerror(errno));
        return -1;
    }
    int ret = kd_ini_parse(text, cb, opaque, err);
    if (ret < 0)
        kd_err_prefix(err, "%s", path);
    free(text);
    return ret;
}
