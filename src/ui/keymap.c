#include "ui/keymap.h"
#include "core/str.h"

#include <stdlib.h>
#include <string.h>

struct kd_keymap {
    kd_binding *v;
    size_t n;
    size_t cap;
    kd_action_check check;
};

static const char *const ctx_names[KD_CTX_LAST] = {
    [KD_CTX_GLOBAL] = "global",
    [KD_CTX_LIST] = "list",
    [KD_CTX_HELP] = "help",
    [KD_CTX_OFFLINE] = "offline",
    [KD_CTX_TEXT] = "text",
    [KD_CTX_CONNS] = "connections",
    [KD_CTX_STATS] = "stats",
    [KD_CTX_CONSOLE] = "console",
    [KD_CTX_SCROLLBACK] = "scrollback",
    [KD_CTX_POOLS] = "pools",
    [KD_CTX_VOLUMES] = "volumes",
    [KD_CTX_NETWORKS] = "networks",
    [KD_CTX_SNAPSHOTS] = "snapshots",
    [KD_CTX_HOST] = "host",
    [KD_CTX_HARDWARE] = "hardware",
    [KD_CTX_WIZARD] = "wizard",
    [KD_CTX_VNC] = "vnc",
};

const char *kd_ctx_name(kd_ctx ctx)
{
    return ctx >= 0 && ctx < KD_CTX_LAST ? ctx_names[ctx] : "?";
}

int kd_ctx_parse(const char *name, kd_ctx *out)
{
    for (int i = 0; i < KD_CTX_LAST; i++) {
        if (strcmp(name, ctx_names[i]) == 0) {
            *out = (kd_ctx)i;
            return 0;
        }
    }
    return -1;
}

kd_keymap *kd_keymap_new(kd_action_check check)
{
    kd_keymap *km = kd_calloc(1, sizeof(*km));
    km->check = check;
    return km;
}

void kd_keymap_free(kd_keymap *km)
{
    if (!km)
        return;
    for (size_t i = 0; i < km->n; i++)
        free(km->v[i].action);
    free(km->v);
    free(km);
}

static kd_binding *find(const kd_keymap *km, kd_ctx ctx, kd_key key)
{
    for (size_t i = 0; i < km->n; i++)
        if (km->v[i].ctx == ctx && km->v[i].key == key)
            return &km->v[i];
    return NULL;
}

static void bind(kd_keymap *km, kd_ctx ctx, kd_key key, const char *action)
{
    kd_binding *b = find(km, ctx, key);
    if (b) {
        free(b->action);
        b->action = kd_strdup(action);
        return;
    }
    if (km->n == km->cap) {
        km->cap = km->cap ? km->cap * 2 : 32;
        km->v = kd_realloc(km->v, km->cap * sizeof(*km->v));
    }
    km->v[km->n++] = (kd_binding){.ctx = ctx, .key = key, .action = kd_strdup(action)};
}

static void unbind(kd_keymap *km, kd_ctx ctx, kd_key key)
{
    kd_binding *b = find(km, ctx, key);
    if (!b)
        return;
    free(b->action);
    size_t i = (size_t)(b - km->v);
    memmove(&km->v[i], &km->v[i + 1], (km->n - i - 1) * sizeof(*km->v));
    km->n--;
}

static int parse_words(kd_keymap *km, char **w, int n, kd_err *err)
{
    bool is_bind = strcmp(w[0], "bind") == 0;
    if (!is_bind && strcmp(w[0], "unbind") != 0) {
        kd_err_set(err, KD_ERR_INVALID, "unknown command '%s' (expected bind or unbind)", w[0]);
        return -1;
    }
    if (n != (is_bind ? 4 : 3)) {
        kd_err_set(err, KD_ERR_INVALID, "usage: %s",
                   is_bind ? "bind CONTEXT KEY ACTION" : "unbind CONTEXT KEY");
        return -1;
    }
    kd_ctx ctx;
    kd_key key;
    if (kd_ctx_parse(w[1], &ctx) < 0) {
        kd_err_set(err, KD_ERR_INVALID, "unknown context '%s'", w[1]);
        return -1;
    }
    if (kd_key_parse(w[2], &key) < 0) {
        kd_err_set(err, KD_ERR_INVALID, "unknown key '%s'", w[2]);
        return -1;
    }
    if (!is_bind) {
        unbind(km, ctx, key);
        return 0;
    }
    if (km->check && !km->check(w[3])) {
        kd_err_set(err, KD_ERR_INVALID, "unknown action '%s'", w[3]);
        return -1;
    }
    bind(km, ctx, key, w[3]);
    return 0;
}

int kd_keymap_parse(kd_keymap *km, const char *text, const char *origin, kd_err *err)
{
    char *copy = kd_strdup(text);
    char *p = copy;
    int lineno = 0;
    int ret = 0;

    char *raw;
    while (ret == 0 && (raw = kd_str_next_line(&p)) != NULL) {
        lineno++;
        char *line = kd_str_trim(raw);
        if (!*line || *line == '#')
            continue;
        char **w;
        const char *bad;
        int n = kd_str_split_words(line, &w, &bad);
        if (n < 0) {
            kd_err_set(err, KD_ERR_INVALID, "%s", bad);
        } else {
            ret = parse_words(km, w, n, err);
            kd_strv_free(w);
        }
        if (n < 0 || ret < 0) {
            kd_err_prefix(err, "%s:%d", origin, lineno);
            ret = -1;
        }
    }
    free(copy);
    return ret;
}

const char *kd_keymap_lookup(const kd_keymap *km, kd_ctx ctx, kd_key key)
{
    kd_binding *b = find(km, ctx, key);
    if (!b && ctx != KD_CTX_GLOBAL)
        b = find(km, KD_CTX_GLOBAL, key);
    return b ? b->action : NULL;
}

const char *kd_keymap_lookup_only(const kd_keymap *km, kd_ctx ctx, kd_key key)
{
    kd_binding *b = find(km, ctx, key);
    return b ? b->action : NULL;
}

size_t kd_keymap_count(const kd_keymap *km)
{
    return km->n;
}

const kd_binding *kd_keymap_at(const kd_keymap *km, size_t i)
{
    return i < km->n ? &km->v[i] : NULL;
}
