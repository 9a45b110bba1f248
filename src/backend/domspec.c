#include "backend/domxml.h"
#include "core/str.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The answers as "key=value" lines for presets. A table drives both directions so that a
 * new answer is one line here. */

static const char *const src_names[KD_SRC_LAST] = {"iso", "url", "pxe", "import", "kernel"};
static const char *const stor_names[KD_STOR_LAST] = {"new", "existing", "none"};
static const char *const nic_names[KD_NIC_LAST] = {"network", "bridge", "macvtap", "none"};
static const char *const fw_names[KD_FW_LAST] = {"bios", "uefi", "uefi-secure"};

static const char *enum_name(const char *const *names, int n, int v)
{
    return v >= 0 && v < n ? names[v] : "";
}

const char *kd_src_kind_name(kd_src_kind k)
{
    return enum_name(src_names, KD_SRC_LAST, (int)k);
}

const char *kd_stor_kind_name(kd_stor_kind k)
{
    return enum_name(stor_names, KD_STOR_LAST, (int)k);
}

const char *kd_nic_kind_name(kd_nic_kind k)
{
    return enum_name(nic_names, KD_NIC_LAST, (int)k);
}

const char *kd_fw_kind_name(kd_fw_kind k)
{
    return enum_name(fw_names, KD_FW_LAST, (int)k);
}

typedef enum { F_STR, F_ULL, F_UINT, F_BOOL, F_ENUM } field_type;

typedef struct {
    const char *key;
    field_type type;
    size_t off;
    const char *const *names; /* F_ENUM */
    int n;
} field;

#define FIELD(k, t, m, names, n)                                                                   \
    {                                                                                              \
        k, t, offsetof(kd_domspec, m), names, n                                                    \
    }
#define STR(k, m)            FIELD(k, F_STR, m, NULL, 0)
#define ULL(k, m)            FIELD(k, F_ULL, m, NULL, 0)
#define UINT(k, m)           FIELD(k, F_UINT, m, NULL, 0)
#define BOOL(k, m)           FIELD(k, F_BOOL, m, NULL, 0)
#define ENUM(k, m, names, n) FIELD(k, F_ENUM, m, names, n)

static const field fields[] = {
    STR("name", name),
    ENUM("source", src, src_names, KD_SRC_LAST),
    STR("media", media),
    STR("url", url),
    STR("kernel", kernel),
    STR("initrd", initrd),
    STR("cmdline", cmdline),
    STR("os", os),
    ULL("memory_mib", memory_mib),
    UINT("vcpus", vcpus),
    ENUM("storage", stor, stor_names, KD_STOR_LAST),
    STR("pool", pool),
    ULL("disk_mib", disk_mib),
    STR("disk_format", disk_format),
    STR("disk", disk),
    ENUM("nic", nic, nic_names, KD_NIC_LAST),
    STR("nic_source", nic_source),
    ENUM("firmware", fw, fw_names, KD_FW_LAST),
    BOOL("vnc", vnc),
    STR("vnc_password", vnc_password),
    STR("virt_type", virt_type),
    BOOL("hugepages", hugepages),
    STR("pin", pin),
    BOOL("rng", rng),
    BOOL("agent", agent),
    BOOL("virtio", virtio),
};

/* Backslash, newline and carriage return escaped: a value stays on its line. */
static void add_escaped(kd_buf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            kd_buf_adds(b, "\\\\");
        else if (*v == '\n')
            kd_buf_adds(b, "\\n");
        else if (*v == '\r')
            kd_buf_adds(b, "\\r");
        else
            kd_buf_add(b, v, 1);
    }
}

static char *unescape(const char *v)
{
    char *out = kd_malloc(strlen(v) + 1), *o = out;
    for (; *v; v++) {
        if (*v == '\\' && v[1]) {
            v++;
            *o++ = *v == 'n' ? '\n' : *v == 'r' ? '\r' : *v;
        } else {
            *o++ = *v;
        }
    }
    *o = '\0';
    return out;
}

char *kd_domspec_format(const kd_domspec *s)
{
    kd_buf b;
    kd_buf_init(&b);
    const char *base = (const char *)s;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const field *f = &fields[i];
        const void *p = base + f->off;
        kd_buf_printf(&b, "%s=", f->key);
        switch (f->type) {
        case F_STR:
            add_escaped(&b, *(char *const *)p);
            break;
        case F_ULL:
            kd_buf_printf(&b, "%llu", *(const unsigned long long *)p);
            break;
        case F_UINT:
            kd_buf_printf(&b, "%u", *(const unsigned *)p);
            break;
        case F_BOOL:
            kd_buf_adds(&b, *(const bool *)p ? "1" : "0");
            break;
        case F_ENUM:
            kd_buf_adds(&b, enum_name(f->names, f->n, *(const int *)p));
            break;
        }
        kd_buf_adds(&b, "\n");
    }
    return kd_buf_steal(&b);
}

static int set_field(kd_domspec *s, const field *f, const char *value, int line, kd_err *err)
{
    void *p = (char *)s + f->off;
    char *end = NULL;
    switch (f->type) {
    case F_STR: {
        char *v = unescape(value);
        free(*(char **)p);
        *(char **)p = v;
        return 0;
    }
    case F_ULL:
    case F_UINT: {
        unsigned long long v = strtoull(value, &end, 10);
        if (!*value || *end || value[0] == '-' || (f->type == F_UINT && v > UINT32_MAX))
            break;
        if (f->type == F_ULL)
            *(unsigned long long *)p = v;
        else
            *(unsigned *)p = (unsigned)v;
        return 0;
    }
    case F_BOOL:
        if (!kd_str_eq(value, "0") && !kd_str_eq(value, "1"))
            break;
        *(bool *)p = value[0] == '1';
        return 0;
    case F_ENUM:
        for (int i = 0; i < f->n; i++) {
            if (kd_str_eq(f->names[i], value)) {
                *(int *)p = i;
                return 0;
            }
        }
        break;
    }
    kd_err_set(err, KD_ERR_INVALID, "line %d: bad value '%s' for %s", line, value, f->key);
    return -1;
}

kd_domspec *kd_domspec_parse(const char *text, kd_err *err)
{
    kd_domspec *s = kd_domspec_new();
    char *copy = kd_strdup(text ? text : ""), *cur = copy, *line;
    int lineno = 0;
    while ((line = kd_str_next_line(&cur))) {
        lineno++;
        char *eq = strchr(line, '=');
        if (!*line)
            continue;
        if (!eq) {
            kd_err_set(err, KD_ERR_INVALID, "line %d: no '=' in '%s'", lineno, line);
            goto fail;
        }
        *eq = '\0';
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
            if (kd_str_eq(fields[i].key, line) && set_field(s, &fields[i], eq + 1, lineno, err) < 0)
                goto fail;
        }
    }
    free(copy);
    return s;
fail:
    free(copy);
    kd_domspec_free(s);
    return NULL;
}
