#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/err.h"
#include "core/ini.h"
#include "core/str.h"
#include "ui/theme.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The source tree, for the shipped themes when KVMDECK_THEMES_DIR is not set. */
#ifndef KD_SRCDIR
#define KD_SRCDIR KD_FIXTURES_DIR "/../.."
#endif

static kd_style style_ok(const char *spec)
{
    kd_style st;
    kd_err err;
    memset(&st, 0x7f, sizeof(st));
    kd_err_clear(&err);
    if (kd_theme_parse_style(spec, &st, &err) != 0)
        fail_msg("\"%s\" refused: %s", spec, err.msg);
    return st;
}

static void assert_color(kd_color c, kd_color_kind kind, unsigned value)
{
    assert_int_equal(c.kind, kind);
    if (kind != KD_COLOR_DEFAULT)
        assert_int_equal(c.value, value);
}

static void assert_style_error(const char *spec, const char *word)
{
    kd_style st;
    kd_err err;
    memset(&st, 0x3c, sizeof(st));
    kd_style before = st;
    kd_err_clear(&err);
    if (kd_theme_parse_style(spec, &st, &err) != -1)
        fail_msg("\"%s\" was accepted", spec);
    assert_int_equal(err.code, KD_ERR_INVALID);
    if (!strstr(err.msg, word))
        fail_msg("'%s' does not name '%s'", err.msg, word);
    /* A refused style leaves the old one in place. */
    assert_memory_equal(&st, &before, sizeof(st));
}

/* ---- styles ----------------------------------------------------------------------------- */

static void test_style_fg_only(void **state)
{
    kd_style st = style_ok("red");
    assert_color(st.fg, KD_COLOR_INDEX, 1);
    assert_color(st.bg, KD_COLOR_DEFAULT, 0);
    assert_int_equal(st.attrs, 0);

    st = style_ok("default");
    assert_color(st.fg, KD_COLOR_DEFAULT, 0);
    assert_color(st.bg, KD_COLOR_DEFAULT, 0);

    static const char *const names[8] = {"black", "red",     "green", "yellow",
                                         "blue",  "magenta", "cyan",  "white"};
    for (unsigned i = 0; i < 8; i++)
        assert_color(style_ok(names[i]).fg, KD_COLOR_INDEX, i);
}

static void test_style_fg_on_bg(void **state)
{
    kd_style st = style_ok("white on blue");
    assert_color(st.fg, KD_COLOR_INDEX, 7);
    assert_color(st.bg, KD_COLOR_INDEX, 4);
    assert_int_equal(st.attrs, 0);

    st = style_ok("on red");
    assert_color(st.fg, KD_COLOR_DEFAULT, 0);
    assert_color(st.bg, KD_COLOR_INDEX, 1);

    st = style_ok("  default   on   color236  ");
    assert_color(st.fg, KD_COLOR_DEFAULT, 0);
    assert_color(st.bg, KD_COLOR_INDEX, 236);
}

static void test_style_attributes(void **state)
{
    kd_style st = style_ok("green bold");
    assert_color(st.fg, KD_COLOR_INDEX, 2);
    assert_int_equal(st.attrs, KD_STYLE_BOLD);

    st = style_ok("bold");
    assert_color(st.fg, KD_COLOR_DEFAULT, 0);
    assert_int_equal(st.attrs, KD_STYLE_BOLD);

    st = style_ok("black on cyan reverse underline");
    assert_color(st.fg, KD_COLOR_INDEX, 0);
    assert_color(st.bg, KD_COLOR_INDEX, 6);
    assert_int_equal(st.attrs, KD_STYLE_REVERSE | KD_STYLE_UNDERLINE);

    st = style_ok("bold dim reverse underline italic bold");
    assert_int_equal(st.attrs, KD_STYLE_BOLD | KD_STYLE_DIM | KD_STYLE_REVERSE |
                                   KD_STYLE_UNDERLINE | KD_STYLE_ITALIC);

    st = style_ok("");
    assert_color(st.fg, KD_COLOR_DEFAULT, 0);
    assert_int_equal(st.attrs, 0);
}

static void test_style_color_n(void **state)
{
    assert_color(style_ok("color0").fg, KD_COLOR_INDEX, 0);
    assert_color(style_ok("color9").fg, KD_COLOR_INDEX, 9);
    assert_color(style_ok("color236").fg, KD_COLOR_INDEX, 236);
    assert_color(style_ok("color255 on color16").fg, KD_COLOR_INDEX, 255);
    assert_color(style_ok("color255 on color16").bg, KD_COLOR_INDEX, 16);
    assert_style_error("color256", "color256");
    assert_style_error("color-1", "color-1");
    assert_style_error("color", "color");
    assert_style_error("color12x", "color12x");
}

static void test_style_rgb(void **state)
{
    assert_color(style_ok("#1a2b3c").fg, KD_COLOR_RGB, 0x1a2b3c);
    assert_color(style_ok("#FFAA00").fg, KD_COLOR_RGB, 0xffaa00);
    assert_color(style_ok("#000000 on #ffffff").bg, KD_COLOR_RGB, 0xffffff);
    assert_style_error("#12345", "#12345");
    assert_style_error("#1234567", "#1234567");
    assert_style_error("#12345g", "#12345g");
    assert_style_error("123456", "123456");
}

static void test_style_rgb_only_hex_digits(void **state)
{
    /* strtoul alone would read a sign or a 0x prefix; none of these is six hex digits. */
    assert_style_error("#-00001", "#-00001");
    assert_style_error("#+12345", "#+12345");
    assert_style_error("#0x1234", "#0x1234");
    assert_style_error("\"# 12345\"", "# 12345");
}

static void test_style_bright(void **state)
{
    assert_color(style_ok("bright-black").fg, KD_COLOR_INDEX, 8);
    assert_color(style_ok("bright-red").fg, KD_COLOR_INDEX, 9);
    assert_color(style_ok("bright-white on bright-blue").fg, KD_COLOR_INDEX, 15);
    assert_color(style_ok("bright-white on bright-blue").bg, KD_COLOR_INDEX, 12);
    assert_style_error("bright-pink", "bright-pink");
    assert_style_error("bright-", "bright-");
    assert_style_error("bright-default", "bright-default");
}

static void test_style_errors(void **state)
{
    assert_style_error("purple", "purple");
    assert_style_error("red on purple", "purple");
    assert_style_error("red blink", "blink");
    assert_style_error("red bold blink", "blink");
    assert_style_error("red blue", "blue");
    assert_style_error("red on", "on");
    assert_style_error("Red", "Red");
    assert_style_error("red \"bold", "quote");
}

/* ---- colour reduction ------------------------------------------------------------------- */

static kd_color idx(unsigned i)
{
    return (kd_color){KD_COLOR_INDEX, i};
}

static kd_color rgb(unsigned v)
{
    return (kd_color){KD_COLOR_RGB, v};
}

static void test_reduce_default(void **state)
{
    kd_color d = {KD_COLOR_DEFAULT, 0};
    assert_int_equal(kd_color_reduce(d, 8), -1);
    assert_int_equal(kd_color_reduce(d, 16), -1);
    assert_int_equal(kd_color_reduce(d, 256), -1);
    /* Fewer than 8 colours means no colour at all. */
    assert_int_equal(kd_color_reduce(idx(1), 2), -1);
    assert_int_equal(kd_color_reduce(idx(1), 0), -1);
}

static void test_reduce_index_kept(void **state)
{
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(kd_color_reduce(idx(i), 8), (int)i);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(kd_color_reduce(idx(i), 16), (int)i);
    for (unsigned i = 0; i < 256; i++)
        assert_int_equal(kd_color_reduce(idx(i), 256), (int)i);
    /* More colours than 256 (direct colour) still take palette indexes as they are. */
    assert_int_equal(kd_color_reduce(idx(200), 1 << 24), 200);
    /* 88-colour terminals are treated as 16. */
    assert_int_equal(kd_color_reduce(idx(12), 88), 12);
}

static void test_reduce_bright_to_8(void **state)
{
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(kd_color_reduce(idx(8 + i), 8), (int)i);
}

static void test_reduce_rgb(void **state)
{
    assert_int_equal(kd_color_reduce(rgb(0xff0000), 8), 1);
    assert_int_equal(kd_color_reduce(rgb(0xff0000), 16), 9);
    /* 9 and 196 are both exactly #ff0000 in the xterm palette. */
    int r = kd_color_reduce(rgb(0xff0000), 256);
    assert_true(r == 9 || r == 196);
    assert_int_equal(kd_color_reduce(rgb(0x000000), 8), 0);
    assert_int_equal(kd_color_reduce(rgb(0xffffff), 16), 15);
    assert_int_equal(kd_color_reduce(rgb(0xe0e0e0), 8), 7);
    assert_int_equal(kd_color_reduce(rgb(0x00cd00), 8), 2);
    /* A cube colour maps to its own cube index. */
    assert_int_equal(kd_color_reduce(rgb(0x5f87af), 256), 16 + 36 * 1 + 6 * 2 + 3);
    assert_int_equal(kd_color_reduce(rgb(0x5f87af), 256), kd_color_reduce(idx(67), 256));
    for (int n = 8; n <= 256; n *= 2) {
        int got = kd_color_reduce(rgb(0x123456), n);
        assert_true(got >= 0 && got < (n >= 256 ? 256 : n >= 16 ? 16 : 8));
    }
}

static void test_reduce_index_down(void **state)
{
    /* 196 is #ff0000: bright red among 16, red among 8. */
    assert_int_equal(kd_color_reduce(idx(196), 16), 9);
    assert_int_equal(kd_color_reduce(idx(196), 8), 1);
    assert_int_equal(kd_color_reduce(idx(21), 16), 4);   /* #0000ff */
    assert_int_equal(kd_color_reduce(idx(46), 16), 10);  /* #00ff00 */
    assert_int_equal(kd_color_reduce(idx(231), 16), 15); /* #ffffff */
    assert_int_equal(kd_color_reduce(idx(16), 16), 0);   /* #000000 */
}

static void test_reduce_grey_ramp(void **state)
{
    assert_int_equal(kd_color_reduce(idx(232), 16), 0); /* #080808 */
    assert_int_equal(kd_color_reduce(idx(244), 16), 8); /* #808080 */
    assert_int_equal(kd_color_reduce(idx(255), 16), 7); /* #eeeeee */
    assert_int_equal(kd_color_reduce(idx(250), 8), 7);  /* #bcbcbc */
    assert_int_equal(kd_color_reduce(rgb(0x808080), 256), 244);
    assert_int_equal(kd_color_reduce(rgb(0x767676), 256), 243);
    assert_int_equal(kd_color_reduce(rgb(0x3a3a3a), 256), 237);
    assert_int_equal(kd_color_reduce(rgb(0xeeeeee), 256), 255);
}

static void test_reduce_grey_to_8(void **state)
{
    /* On 8 colours (the Linux console) a grey must stay black or white. Bright black,
     * #7f7f7f, becomes black; #808080 beside it must not turn yellow, cyan or magenta. */
    assert_int_equal(kd_color_reduce(idx(8), 8), 0);
    for (unsigned g = 0x00; g <= 0xff; g += 0x11) {
        int got = kd_color_reduce(rgb(g << 16 | g << 8 | g), 8);
        if (got != 0 && got != 7)
            fail_msg("grey #%02x%02x%02x became colour %d", g, g, g, got);
    }
    for (unsigned i = 232; i < 256; i++) {
        int got = kd_color_reduce(idx(i), 8);
        if (got != 0 && got != 7)
            fail_msg("grey colour%u became colour %d", i, got);
    }
}

/* ---- themes ----------------------------------------------------------------------------- */

static void test_theme_parse(void **state)
{
    kd_theme t;
    kd_err err;
    kd_theme_init_mono(&t);
    const char *text = "description = before any section\n"
                       "[theme]\n"
                       "name = ignored\n"
                       "anything = goes here\n"
                       "[colors]\n"
                       "normal = default\n"
                       "header = white on blue bold\n"
                       "state.running = #00ff00\n";
    assert_int_equal(kd_theme_parse(&t, "mine", text, &err), 0);
    assert_string_equal(t.name, "mine");
    assert_color(t.slots[KD_SLOT_HEADER].fg, KD_COLOR_INDEX, 7);
    assert_color(t.slots[KD_SLOT_HEADER].bg, KD_COLOR_INDEX, 4);
    assert_int_equal(t.slots[KD_SLOT_HEADER].attrs, KD_STYLE_BOLD);
    assert_color(t.slots[KD_SLOT_STATE_RUNNING].fg, KD_COLOR_RGB, 0x00ff00);
    /* A parse starts from nothing, not from the theme it replaces. */
    assert_int_equal(t.slots[KD_SLOT_STATUS].attrs, 0);
    kd_theme_clear(&t);
    assert_null(t.name);
}

static void assert_theme_error(const char *text, const char *want)
{
    kd_theme t;
    kd_err err;
    kd_theme_init_mono(&t);
    kd_err_clear(&err);
    assert_int_equal(kd_theme_parse(&t, "bad", text, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    if (!strstr(err.msg, want))
        fail_msg("'%s' does not contain '%s'", err.msg, want);
    /* The old theme survives a failed parse. */
    assert_string_equal(t.name, "mono");
    assert_int_equal(t.slots[KD_SLOT_HEADER].attrs, KD_STYLE_REVERSE);
    kd_theme_clear(&t);
}

static void test_theme_parse_errors(void **state)
{
    assert_theme_error("[colors]\nnormal = default\nno.such.slot = red\n", "line 3");
    assert_theme_error("[colors]\nnormal = default\nno.such.slot = red\n", "'no.such.slot'");
    assert_theme_error("[colors]\n\n\nheader = purple\n", "line 4");
    assert_theme_error("[colors]\n\n\nheader = purple\n", "header");
    assert_theme_error("[colors]\n\n\nheader = purple\n", "'purple'");
    assert_theme_error("[colors]\nheader = red on\n", "'on'");
    assert_theme_error("[colors\nheader = red\n", "line 1");
    assert_theme_error("[colors]\nheader red\n", "line 2");
}

static void test_theme_mono(void **state)
{
    kd_theme t;
    kd_theme_init_mono(&t);
    assert_string_equal(t.name, "mono");
    for (int i = 0; i < KD_SLOT_LAST; i++) {
        assert_int_equal(t.slots[i].fg.kind, KD_COLOR_DEFAULT);
        assert_int_equal(t.slots[i].bg.kind, KD_COLOR_DEFAULT);
    }
    /* Without colour the selection bar must still stand out. */
    assert_true(t.slots[KD_SLOT_LIST_SELECTED].attrs & KD_STYLE_REVERSE);
    kd_theme_clear(&t);
}

static void test_slot_names(void **state)
{
    for (int i = 0; i < KD_SLOT_LAST; i++) {
        const char *n = kd_slot_name((kd_slot)i);
        assert_non_null(n);
        assert_string_not_equal(n, "?");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(n, kd_slot_name((kd_slot)j));
    }
    assert_string_equal(kd_slot_name(KD_SLOT_LIST_SELECTED), "list.selected");
    assert_string_equal(kd_slot_name(KD_SLOT_LAST), "?");
}

/* ---- loading from directories ----------------------------------------------------------- */

typedef struct {
    char *root;
    char *a;
    char *b;
    char *empty;
} theme_dirs;

static char *mkdir_in(const char *root, const char *name)
{
    char *d = kd_asprintf("%s/%s", root, name);
    assert_int_equal(mkdir(d, 0700), 0);
    return d;
}

static void put(const char *dir, const char *name, const char *text)
{
    char *path = kd_asprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    free(path);
}

static int dirs_setup(void **state)
{
    theme_dirs *d = kd_calloc(1, sizeof(*d));
    d->root = kd_strdup("/tmp/kd-test-theme-XXXXXX");
    if (!mkdtemp(d->root))
        return -1;
    d->a = mkdir_in(d->root, "a");
    d->b = mkdir_in(d->root, "b");
    d->empty = mkdir_in(d->root, "empty");
    put(d->a, "both.theme", "[colors]\nnormal = blue\n");
    put(d->b, "both.theme", "[colors]\nnormal = red\n");
    put(d->b, "only-b.theme", "[colors]\nnormal = green\n");
    put(d->b, "broken.theme", "[colors]\nnormal = green\nheader = chartreuse\n");
    *state = d;
    return 0;
}

static int dirs_teardown(void **state)
{
    theme_dirs *d = *state;
    char *cmd = kd_asprintf("rm -rf '%s'", d->root);
    int r = system(cmd);
    free(cmd);
    free(d->a);
    free(d->b);
    free(d->empty);
    free(d->root);
    free(d);
    return r == 0 ? 0 : -1;
}

static void test_load_first_match(void **state)
{
    theme_dirs *d = *state;
    kd_theme t;
    kd_err err;
    kd_theme_init_mono(&t);

    const char *ab[] = {d->empty, d->a, d->b, NULL};
    assert_int_equal(kd_theme_load(&t, "both", ab, &err), 0);
    assert_string_equal(t.name, "both");
    assert_color(t.slots[KD_SLOT_NORMAL].fg, KD_COLOR_INDEX, 4);

    const char *ba[] = {d->b, d->a, NULL};
    assert_int_equal(kd_theme_load(&t, "both", ba, &err), 0);
    assert_color(t.slots[KD_SLOT_NORMAL].fg, KD_COLOR_INDEX, 1);

    /* Missing from the first directory, found in a later one. */
    assert_int_equal(kd_theme_load(&t, "only-b", ab, &err), 0);
    assert_string_equal(t.name, "only-b");
    assert_color(t.slots[KD_SLOT_NORMAL].fg, KD_COLOR_INDEX, 2);
    kd_theme_clear(&t);
}

static void test_load_missing(void **state)
{
    theme_dirs *d = *state;
    kd_theme t;
    kd_err err;
    kd_theme_init_mono(&t);
    const char *dirs[] = {d->a, d->empty, NULL};
    assert_int_equal(kd_theme_load(&t, "nope", dirs, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "'nope'"));
    assert_non_null(strstr(err.msg, d->a));
    assert_non_null(strstr(err.msg, d->empty));
    assert_string_equal(t.name, "mono");

    const char *none[] = {NULL};
    assert_int_equal(kd_theme_load(&t, "nope", none, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "'nope'"));
    kd_theme_clear(&t);
}

static void test_load_broken(void **state)
{
    theme_dirs *d = *state;
    kd_theme t;
    kd_err err;
    kd_theme_init_mono(&t);
    /* A broken file is reported, not skipped in favour of a later directory. */
    put(d->a, "broken.theme", "[colors]\nheader = chartreuse\n");
    const char *dirs[] = {d->a, d->b, NULL};
    assert_int_equal(kd_theme_load(&t, "broken", dirs, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    char *path = kd_asprintf("%s/broken.theme", d->a);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "line 2"));
    assert_non_null(strstr(err.msg, "chartreuse"));
    assert_string_equal(t.name, "mono");
    free(path);
    kd_theme_clear(&t);
}

static void test_load_bad_names(void **state)
{
    theme_dirs *d = *state;
    /* A theme name comes from the config file; it must never walk out of the directory. */
    put(d->root, "escape.theme", "[colors]\nnormal = red\n");
    static const char *const bad[] = {"../etc/passwd", "../escape",  "a/b",        "", ".", "..",
                                      "x.theme",       "dark theme", "/etc/passwd"};
    const char *dirs[] = {d->a, NULL};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kd_theme t;
        kd_err err;
        kd_theme_init_mono(&t);
        kd_err_clear(&err);
        if (kd_theme_load(&t, bad[i], dirs, &err) != -1)
            fail_msg("theme name \"%s\" was accepted", bad[i]);
        assert_int_equal(err.code, KD_ERR_INVALID);
        assert_string_equal(t.name, "mono");
        kd_theme_clear(&t);
    }
    char long_name[80];
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    kd_theme t;
    kd_err err;
    kd_theme_init_mono(&t);
    assert_int_equal(kd_theme_load(&t, long_name, dirs, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    kd_theme_clear(&t);
}

/* ---- the shipped themes ----------------------------------------------------------------- */

typedef struct {
    bool seen[KD_SLOT_LAST];
    int other_keys;
} slot_seen;

static int note_slot(const char *section, const char *key, const char *value, int line,
                     void *opaque, kd_err *err)
{
    slot_seen *s = opaque;
    if (strcmp(section, "colors") != 0)
        return 0;
    for (int i = 0; i < KD_SLOT_LAST; i++) {
        if (strcmp(key, kd_slot_name((kd_slot)i)) == 0) {
            s->seen[i] = true;
            return 0;
        }
    }
    s->other_keys++;
    return 0;
}

static const char *themes_dir(void)
{
    const char *env = getenv("KVMDECK_THEMES_DIR");
    return env && *env ? env : KD_SRCDIR "/themes";
}

static void check_shipped_theme(const char *dir, const char *file)
{
    char *path = kd_asprintf("%s/%s", dir, file);
    size_t len = 0;
    char *text = kd_file_read(path, 1024 * 1024, &len);
    if (!text)
        fail_msg("cannot read %s", path);

    kd_theme t;
    kd_err err;
    kd_theme_init_mono(&t);
    kd_err_clear(&err);
    if (kd_theme_parse(&t, file, text, &err) != 0)
        fail_msg("%s: %s", path, err.msg);

    slot_seen seen;
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(kd_ini_parse(text, note_slot, &seen, &err), 0);
    assert_int_equal(seen.other_keys, 0);
    for (int i = 0; i < KD_SLOT_LAST; i++)
        if (!seen.seen[i])
            fail_msg("%s does not set %s", path, kd_slot_name((kd_slot)i));

    /* Loading by name through the directory gives the same theme. */
    kd_theme byname;
    char *name = kd_strndup(file, strlen(file) - strlen(".theme"));
    const char *dirs[] = {dir, NULL};
    kd_theme_init_mono(&byname);
    if (kd_theme_load(&byname, name, dirs, &err) != 0)
        fail_msg("loading %s: %s", name, err.msg);
    assert_string_equal(byname.name, name);
    assert_memory_equal(byname.slots, t.slots, sizeof(t.slots));

    kd_theme_clear(&byname);
    kd_theme_clear(&t);
    free(name);
    free(text);
    free(path);
}

static void test_shipped_themes(void **state)
{
    const char *dir = themes_dir();
    DIR *dp = opendir(dir);
    if (!dp)
        fail_msg("cannot open the themes directory %s", dir);
    int count = 0;
    bool have_default = false;
    struct dirent *de;
    while ((de = readdir(dp))) {
        size_t n = strlen(de->d_name);
        if (n <= 6 || strcmp(de->d_name + n - 6, ".theme") != 0)
            continue;
        check_shipped_theme(dir, de->d_name);
        if (strcmp(de->d_name, "default.theme") == 0)
            have_default = true;
        count++;
    }
    closedir(dp);
    assert_true(count >= 2);
    assert_true(have_default);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_style_fg_only),
        cmocka_unit_test(test_style_fg_on_bg),
        cmocka_unit_test(test_style_attributes),
        cmocka_unit_test(test_style_color_n),
        cmocka_unit_test(test_style_rgb),
        cmocka_unit_test(test_style_rgb_only_hex_digits),
        cmocka_unit_test(test_style_bright),
        cmocka_unit_test(test_style_errors),
        cmocka_unit_test(test_reduce_default),
        cmocka_unit_test(test_reduce_index_kept),
        cmocka_unit_test(test_reduce_bright_to_8),
        cmocka_unit_test(test_reduce_rgb),
        cmocka_unit_test(test_reduce_index_down),
        cmocka_unit_test(test_reduce_grey_ramp),
        cmocka_unit_test(test_reduce_grey_to_8),
        cmocka_unit_test(test_theme_parse),
        cmocka_unit_test(test_theme_parse_errors),
        cmocka_unit_test(test_theme_mono),
        cmocka_unit_test(test_slot_names),
        cmocka_unit_test_setup_teardown(test_load_first_match, dirs_setup, dirs_teardown),
        cmocka_unit_test_setup_teardown(test_load_missing, dirs_setup, dirs_teardown),
        cmocka_unit_test_setup_teardown(test_load_broken, dirs_setup, dirs_teardown),
        cmocka_unit_test_setup_teardown(test_load_bad_names, dirs_setup, dirs_teardown),
        cmocka_unit_test(test_shipped_themes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
