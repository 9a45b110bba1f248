#include "ui/theme.h"
#include "core/ini.h"
#include "core/str.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const slot_names[KD_SLOT_LAST] = {
    [KD_SLOT_NORMAL] = "normal",
    [KD_SLOT_HEADER] = "header",
    [KD_SLOT_HEADER_TITLE] = "header.title",
    [KD_SLOT_STATUS] = "status",
    [KD_SLOT_STATUS_ERROR] = "status.error",
    [KD_SLOT_LIST_HEADING] = "list.heading",
    [KD_SLOT_LIST_SELECTED] = "list.selected",
    [KD_SLOT_STATE_RUNNING] = "state.running",
    [KD_SLOT_STATE_PAUSED] = "state.paused",
    [KD_SLOT_STATE_SHUTOFF] = "state.shutoff",
    [KD_SLOT_STATE_CRASHED] = "state.crashed",
    [KD_SLOT_STATE_OTHER] = "state.other",
    [KD_SLOT_HELP_TITLE] = "help.title",
    [KD_SLOT_HELP_KEY] = "help.key",
    [KD_SLOT_DIALOG] = "dialog",
    [KD_SLOT_GRAPH] = "graph",
};

static const char *const color_names[8] = {"black", "red",     "green", "yellow",
                                           "blue",  "magenta", "cyan",  "white"};

/* xterm's default first 16 colours, used to map RGB down to 16 and 8. */
static const unsigned ansi_rgb[16] = {
    0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
    0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
};

static const struct {
    const char *name;
    unsigned bit;
} attr_names[] = {
    {"bold", KD_STYLE_BOLD},           {"dim", KD_STYLE_DIM},       {"reverse", KD_STYLE_REVERSE},
    {"underline", KD_STYLE_UNDERLINE}, {"italic", KD_STYLE_ITALIC},
};

static unsigned long applied[KD_SLOT_LAST];

const char *kd_slot_name(kd_slot slot)
{
    return slot >= 0 && slot < KD_SLOT_LAST ? slot_names[slot] : "?";
}

static int parse_color(const char *s, kd_color *c)
{
    if (strcmp(s, "default") == 0) {
        *c = (kd_color){KD_COLOR_DEFAULT, 0};
        return 0;
    }
    bool bright = strncmp(s, "bright-", 7) == 0;
    const char *base = bright ? s + 7 : s;
    for (unsigned i = 0; i < 8; i++) {
        if (strcmp(base, color_names[i]) == 0) {
            *c = (kd_color){KD_COLOR_INDEX, i + (bright ? 8 : 0)};
            return 0;
        }
    }
    char *end;
    if (strncmp(s, "color", 5) == 0 && s[5]) {
        long n = strtol(s + 5, &end, 10);
        if (*end == '\0' && n >= 0 && n <= 255) {
            *c = (kd_color){KD_COLOR_INDEX, (unsigned)n};
            return 0;
        }
    }
    if (s[0] == '#' && strlen(s) == 7 && strspn(s + 1, "0123456789abcdefABCDEF") == 6) {
        unsigned long v = strtoul(s + 1, &end, 16);
        if (*end == '\0') {
            *c = (kd_color){KD_COLOR_RGB, (unsigned)v};
            return 0;
        }
    }
    return -1;
}

static int parse_attr(const char *s, unsigned *attrs)
{
    for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++) {
        if (strcmp(s, attr_names[i].name) == 0) {
            *attrs |= attr_names[i].bit;
            return 0;
        }
    }
    return -1;
}

int kd_theme_parse_style(const char *spec, kd_style *out, kd_err *err)
{
    char **w;
    const char *bad;
    int n = kd_str_split_words(spec, &w, &bad);
    kd_style st = {{KD_COLOR_DEFAULT, 0}, {KD_COLOR_DEFAULT, 0}, 0};
    int ret = 0;
    int i = 0;

    if (n < 0) {
        kd_err_set(err, KD_ERR_INVALID, "%s", bad);
        return -1;
    }
    /* An optional foreground, then an optional "on BG", then attributes. */
    if (i < n && parse_color(w[i], &st.fg) == 0)
        i++;
    if (i + 1 < n && strcmp(w[i], "on") == 0) {
        if (parse_color(w[i + 1], &st.bg) < 0) {
            kd_err_set(err, KD_ERR_INVALID, "unknown colour '%s'", w[i + 1]);
            ret = -1;
        }
        i += 2;
    }
    for (; ret == 0 && i < n; i++) {
        if (parse_attr(w[i], &st.attrs) < 0) {
            kd_err_set(err, KD_ERR_INVALID, "unknown colour or attribute '%s'", w[i]);
            ret = -1;
        }
    }
    kd_strv_free(w);
    if (ret == 0)
        *out = st;
    return ret;
}

static unsigned index_to_rgb(unsigned i)
{
    static const unsigned cube[6] = {0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff};
    if (i < 16)
        return ansi_rgb[i];
    if (i < 232) {
        i -= 16;
        return cube[i / 36] << 16 | cube[(i / 6) % 6] << 8 | cube[i % 6];
    }
    unsigned g = 8 + (i - 232) * 10;
    return g << 16 | g << 8 | g;
}

static long dist2(unsigned a, unsigned b)
{
    long dr = (long)(a >> 16 & 0xff) - (long)(b >> 16 & 0xff);
    long dg = (long)(a >> 8 & 0xff) - (long)(b >> 8 & 0xff);
    long db = (long)(a & 0xff) - (long)(b & 0xff);
    return dr * dr + dg * dg + db * db;
}

static int nearest(unsigned rgb, int ncolors)
{
    int r = (int)(rgb >> 16 & 0xff), g = (int)(rgb >> 8 & 0xff), b = (int)(rgb & 0xff);
    int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
    int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
    if (ncolors == 8 && hi - lo < 48)
        return hi < 0x60 ? 0 : 7; /* a grey: distance to 8 saturated colours misleads */
    /* On 256 colours prefer the cube and ramp: terminal schemes often repaint 0-15. */
    int first = ncolors == 256 ? 16 : 0;
    int best = first;
    long bestd = -1;
    for (int i = first; i < ncolors; i++) {
        long d = dist2(rgb, index_to_rgb((unsigned)i));
        if (bestd < 0 || d < bestd) {
            bestd = d;
            best = i;
        }
    }
    return best;
}

int kd_color_reduce(kd_color c, int ncolors)
{
    if (c.kind == KD_COLOR_DEFAULT || ncolors < 8)
        return -1;
    int palette = ncolors >= 256 ? 256 : ncolors >= 16 ? 16 : 8;
    if (c.kind == KD_COLOR_INDEX) {
        if (c.value < (unsigned)palette)
            return (int)c.value;
        if (palette == 8 && c.value < 16)
            return (int)c.value - 8; /* bright-X becomes X */
        return nearest(index_to_rgb(c.value), palette);
    }
    return nearest(c.value, palette);
}

void kd_theme_init_mono(kd_theme *t)
{
    memset(t, 0, sizeof(*t));
    t->name = kd_strdup("mono");
    t->slots[KD_SLOT_HEADER].attrs = KD_STYLE_REVERSE;
    t->slots[KD_SLOT_HEADER_TITLE].attrs = KD_STYLE_REVERSE | KD_STYLE_BOLD;
    t->slots[KD_SLOT_STATUS].attrs = KD_STYLE_REVERSE;
    t->slots[KD_SLOT_STATUS_ERROR].attrs = KD_STYLE_BOLD | KD_STYLE_REVERSE;
    t->slots[KD_SLOT_LIST_HEADING].attrs = KD_STYLE_BOLD | KD_STYLE_UNDERLINE;
    t->slots[KD_SLOT_LIST_SELECTED].attrs = KD_STYLE_REVERSE;
    t->slots[KD_SLOT_STATE_RUNNING].attrs = KD_STYLE_BOLD;
    t->slots[KD_SLOT_STATE_SHUTOFF].attrs = KD_STYLE_DIM;
    t->slots[KD_SLOT_STATE_CRASHED].attrs = KD_STYLE_BOLD | KD_STYLE_UNDERLINE;
    t->slots[KD_SLOT_HELP_TITLE].attrs = KD_STYLE_BOLD;
    t->slots[KD_SLOT_HELP_KEY].attrs = KD_STYLE_BOLD;
    t->slots[KD_SLOT_DIALOG].attrs = KD_STYLE_REVERSE;
    t->slots[KD_SLOT_GRAPH].attrs = KD_STYLE_BOLD;
}

struct parse_ctx {
    kd_theme *t;
};

static int theme_entry(const char *section, const char *key, const char *value, int line,
                       void *opaque, kd_err *err)
{
    struct parse_ctx *pc = opaque;
    if (strcmp(section, "colors") != 0)
        return 0; /* [theme] holds descriptive fields only */
    for (int i = 0; i < KD_SLOT_LAST; i++) {
        if (strcmp(key, slot_names[i]) == 0) {
            if (kd_theme_parse_style(value, &pc->t->slots[i], err) < 0) {
                kd_err_prefix(err, "line %d: %s", line, key);
                return -1;
            }
            return 0;
        }
    }
    kd_err_set(err, KD_ERR_INVALID, "line %d: unknown slot '%s'", line, key);
    return -1;
}

int kd_theme_parse(kd_theme *t, const char *name, const char *text, kd_err *err)
{
    kd_theme nt;
    memset(&nt, 0, sizeof(nt));
    struct parse_ctx pc = {&nt};
    if (kd_ini_parse(text, theme_entry, &pc, err) < 0)
        return -1;
    nt.name = kd_strdup(name);
    kd_theme_clear(t);
    *t = nt;
    return 0;
}

static bool valid_name(const char *name)
{
    if (!*name || strlen(name) > 64)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

int kd_theme_load(kd_theme *t, const char *name, const char *const *dirs, kd_err *err)
{
    if (!valid_name(name)) {
        kd_err_set(err, KD_ERR_INVALID, "theme name '%s' may only use letters, digits, '-' and '_'",
                   name);
        return -1;
    }
    kd_buf tried;
    kd_buf_init(&tried);
    for (size_t i = 0; dirs[i]; i++) {
        char *path = kd_asprintf("%s/%s.theme", dirs[i], name);
        char *text = kd_file_read(path, 256 * 1024, NULL);
        if (text) {
            int r = kd_theme_parse(t, name, text, err);
            if (r < 0)
                kd_err_prefix(err, "%s", path);
            free(text);
            free(path);
            kd_buf_free(&tried);
            return r;
        }
        kd_buf_printf(&tried, "%s%s", tried.len ? ", " : "", dirs[i]);
        free(path);
    }
    kd_err_set(err, KD_ERR_NOTFOUND, "theme '%s' not found in %s", name,
               tried.data ? tried.data : "(no directories)");
    kd_buf_free(&tried);
    return -1;
}

void kd_theme_clear(kd_theme *t)
{
    free(t->name);
    memset(t, 0, sizeof(*t));
}

static attr_t style_attrs(unsigned a)
{
    attr_t r = A_NORMAL;
    if (a & KD_STYLE_BOLD)
        r |= A_BOLD;
    if (a & KD_STYLE_DIM)
        r |= A_DIM;
    if (a & KD_STYLE_REVERSE)
        r |= A_REVERSE;
    if (a & KD_STYLE_UNDERLINE)
        r |= A_UNDERLINE;
    if (a & KD_STYLE_ITALIC)
        r |= A_ITALIC;
    return r;
}

void kd_theme_apply(const kd_theme *t, bool use_color)
{
    bool color = use_color && has_colors();
    if (color) {
        start_color();
        use_default_colors();
    }
    for (int i = 0; i < KD_SLOT_LAST; i++) {
        const kd_style *s = &t->slots[i];
        applied[i] = style_attrs(s->attrs);
        if (!color || i + 1 >= COLOR_PAIRS)
            continue;
        int fg = kd_color_reduce(s->fg, COLORS);
        int bg = kd_color_reduce(s->bg, COLORS);
        if (fg < 0 && bg < 0)
            continue;
        init_pair((short)(i + 1), (short)fg, (short)bg);
        applied[i] |= COLOR_PAIR(i + 1);
    }
}

unsigned long kd_theme_attr(kd_slot slot)
{
    return slot >= 0 && slot < KD_SLOT_LAST ? applied[slot] : A_NORMAL;
}
