/* The graphical console's pure parts: kvmdeck keys as X keysym sequences, and the
 * screenshot writers (PPM, PNG read back and checked byte for byte). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "console/vnc.h"
#include "core/str.h"
#include "ui/key.h"
#include "ui/vnc_keys.h"
#include "ui/vnc_ui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XK_A 'A'

/* The events for key as a string "+Control_L +a -a -Control_L", keysyms in hex except
 * printable ASCII. */
static void seq(kd_key key, char *out, size_t n)
{
    kd_vnc_keyev ev[KD_VNC_KEYEV_MAX];
    size_t k = kd_vnc_keys_translate(key, ev);
    out[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        char one[24];
        uint32_t s = ev[i].keysym;
        const char *name = s == KD_XK_CONTROL_L ? "Ctrl"
                           : s == KD_XK_ALT_L   ? "Alt"
                           : s == KD_XK_SHIFT_L ? "Shift"
                                                : NULL;
        if (name)
            snprintf(one, sizeof(one), "%c%s", ev[i].down ? '+' : '-', name);
        else if (s > 0x20 && s < 0x7f)
            snprintf(one, sizeof(one), "%c%c", ev[i].down ? '+' : '-', (char)s);
        else
            snprintf(one, sizeof(one), "%c%x", ev[i].down ? '+' : '-', s);
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%s", len ? " " : "", one);
    }
}

static void expect(kd_key key, const char *want)
{
    char got[256];
    seq(key, got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("key %#x: got '%s', want '%s'", (unsigned)key, got, want);
}

static void test_printable(void **state)
{
    (void)state;
    expect('a', "+a -a");
    expect('z', "+z -z");
    expect('5', "+5 -5");
    expect('/', "+/ -/");
    expect(' ', "+20 -20");
    /* Shifted on a US keyboard: Shift pressed around them. */
    expect('A', "+Shift +A -A -Shift");
    expect('>', "+Shift +> -> -Shift");
    expect('_', "+Shift +_ -_ -Shift");
    expect('~', "+Shift +~ -~ -Shift");
}

static void test_unicode(void **state)
{
    (void)state;
    expect(0xe9, "+e9 -e9");             /* é: Latin-1 keysym */
    expect(0x20ac, "+10020ac -10020ac"); /* €: Unicode keysym */
    assert_int_equal(kd_vnc_keysym_of(0x3b1), 0x010003b1);
    /* No key: C1 controls, surrogates, beyond Unicode. */
    kd_vnc_keyev ev[KD_VNC_KEYEV_MAX];
    assert_int_equal(kd_vnc_keys_translate(0x85, ev), 0);
    assert_int_equal(kd_vnc_keys_translate(0xd800, ev), 0);
    assert_int_equal(kd_vnc_keys_translate(0x110000, ev), 0);
}

static void test_control(void **state)
{
    (void)state;
    expect(3, "+Ctrl +c -c -Ctrl");  /* C-c */
    expect(1, "+Ctrl +a -a -Ctrl");  /* C-a */
    expect(26, "+Ctrl +z -z -Ctrl"); /* C-z */
    expect(0, "+Ctrl +20 -20 -Ctrl");
    expect(28, "+Ctrl +\\ -\\ -Ctrl");
    expect(30, "+Ctrl +Shift +^ -^ -Shift -Ctrl");
    /* Control codes that are keys of their own. */
    expect('\t', "+ff09 -ff09");
    expect(KD_KEY_ENTER, "+ff0d -ff0d");
    expect(KD_KEY_BSPACE, "+ff08 -ff08");
}

static void test_escape_and_alt(void **state)
{
    (void)state;
    /* A lone Esc is Escape, not an Alt prefix. */
    expect(KD_KEY_ESC, "+ff1b -ff1b");
    expect('x' | KD_KEY_META, "+Alt +x -x -Alt");
    expect('X' | KD_KEY_META, "+Alt +Shift +X -X -Shift -Alt");
    expect(3 | KD_KEY_META, "+Ctrl +Alt +c -c -Alt -Ctrl");
    expect(KD_KEY_ESC | KD_KEY_META, "+Alt +ff1b -ff1b -Alt");
    expect((KD_KEY_FN | KEY_LEFT) | KD_KEY_META, "+Alt +ff51 -ff51 -Alt");
}

static void test_function_keys(void **state)
{
    (void)state;
    expect(KD_KEY_FN | KEY_F(1), "+ffbe -ffbe");
    expect(KD_KEY_FN | KEY_F(12), "+ffc9 -ffc9");
    expect(KD_KEY_FN | KEY_F(13), "+Shift +ffbe -ffbe -Shift"); /* xterm's Shift+F1 */
    expect(KD_KEY_FN | KEY_F(29), "+Ctrl +ffc2 -ffc2 -Ctrl");   /* xterm's Ctrl+F5 */
    kd_vnc_keyev ev[KD_VNC_KEYEV_MAX];
    assert_int_equal(kd_vnc_keys_translate(KD_KEY_FN | KEY_F(40), ev), 0);
    assert_int_equal(kd_vnc_keys_translate(KD_KEY_FN | KEY_MOUSE, ev), 0);
}

static void test_navigation(void **state)
{
    (void)state;
    expect(KD_KEY_FN | KEY_UP, "+ff52 -ff52");
    expect(KD_KEY_FN | KEY_DOWN, "+ff54 -ff54");
    expect(KD_KEY_FN | KEY_LEFT, "+ff51 -ff51");
    expect(KD_KEY_FN | KEY_RIGHT, "+ff53 -ff53");
    expect(KD_KEY_FN | KEY_HOME, "+ff50 -ff50");
    expect(KD_KEY_FN | KEY_END, "+ff57 -ff57");
    expect(KD_KEY_FN | KEY_PPAGE, "+ff55 -ff55");
    expect(KD_KEY_FN | KEY_NPAGE, "+ff56 -ff56");
    expect(KD_KEY_FN | KEY_IC, "+ff63 -ff63");
    expect(KD_KEY_FN | KEY_DC, "+ffff -ffff");
    expect(KD_KEY_FN | KEY_BTAB, "+Shift +ff09 -ff09 -Shift");
    expect(KD_KEY_FN | KEY_SLEFT, "+Shift +ff51 -ff51 -Shift");
    expect(KD_KEY_FN | KEY_SPREVIOUS, "+Shift +ff55 -ff55 -Shift");
}

/* The keypad in application mode sends keys of its own. */
static void test_keypad(void **state)
{
    (void)state;
    expect(KD_KEY_FN | KEY_A1, "+ff50 -ff50");
    expect(KD_KEY_FN | KEY_A3, "+ff55 -ff55");
    expect(KD_KEY_FN | KEY_B2, "+ff9d -ff9d");
    expect(KD_KEY_FN | KEY_C1, "+ff57 -ff57");
    expect(KD_KEY_FN | KEY_C3, "+ff56 -ff56");
}

/* Ctrl+Left and friends reach curses as codes named in xterm's terminfo. */
static void test_modified_keys(void **state)
{
    (void)state;
    FILE *out = fopen("/dev/null", "w");
    FILE *in = fopen("/dev/null", "r");
    assert_non_null(out);
    assert_non_null(in);
    SCREEN *sc = newterm("xterm", out, in);
    assert_non_null(sc);
    keypad(stdscr, TRUE); /* curses learns the terminal's keys here */
    static const struct {
        const char *seq;
        const char *want;
    } cases[] = {
        {"\033[1;5D", "+Ctrl +ff51 -ff51 -Ctrl"},
        {"\033[1;5C", "+Ctrl +ff53 -ff53 -Ctrl"},
        {"\033[1;3A", "+Alt +ff52 -ff52 -Alt"},
        {"\033[1;6B", "+Ctrl +Shift +ff54 -ff54 -Shift -Ctrl"},
        {"\033[5;5~", "+Ctrl +ff55 -ff55 -Ctrl"},
        {"\033[3;5~", "+Ctrl +ffff -ffff -Ctrl"},
        {"\033[1;7H", "+Ctrl +Alt +ff50 -ff50 -Alt -Ctrl"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int code = key_defined(cases[i].seq);
        if (code <= 0)
            fail_msg("xterm's terminfo has no key for case %zu", i);
        expect(KD_KEY_FN | code, cases[i].want);
    }
    endwin();
    delscreen(sc);
    fclose(out);
    fclose(in);
}

/* Keys parsed from their names reach the same keysyms: the keymap's and the guest's
 * idea of a key agree. */
static void test_from_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *want;
    } cases[] = {
        {"C-x", "+Ctrl +x -x -Ctrl"}, {"M-a", "+Alt +a -a -Alt"}, {"Esc", "+ff1b -ff1b"},
        {"F5", "+ffc2 -ffc2"},        {"Delete", "+ffff -ffff"},  {"Tab", "+ff09 -ff09"},
        {"Enter", "+ff0d -ff0d"},     {"BSpace", "+ff08 -ff08"},  {"M-Up", "+Alt +ff52 -ff52 -Alt"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kd_key k;
        assert_int_equal(kd_key_parse(cases[i].name, &k), 0);
        expect(k, cases[i].want);
    }
}

/* ---- screenshots ----------------------------------------------------------------------- */

#define W 70
#define H 1000 /* 70*3+1 = 211 bytes a row: the raw data spans several stored blocks */

static uint8_t pixels[W * H * 4];

/* A 32-bit framebuffer as libvncclient lays it out (red at bit 16), with a pattern. */
static kd_fb make_fb(void)
{
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
            uint8_t *p = pixels + (y * W + x) * 4;
            p[0] = (uint8_t)(x * 3);    /* blue */
            p[1] = (uint8_t)(y & 0xff); /* green */
            p[2] = (uint8_t)(x ^ y);    /* red */
            p[3] = 0;
        }
    }
    return (kd_fb){pixels, W, H, W * 4, 4, 16, 8, 0, 255, 255, 255};
}

static char *tmp_path(const char *suffix)
{
    char *p = kd_asprintf("/tmp/kd-test-vnc-%d%s", (int)getpid(), suffix);
    unlink(p);
    return p;
}

static void test_ppm(void **state)
{
    (void)state;
    kd_fb fb = make_fb();
    char *path = tmp_path(".ppm");
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_vnc_save(&fb, path, &err), 0);
    size_t len;
    char *data = kd_file_read(path, 1 << 24, &len);
    assert_non_null(data);
    char head[32];
    int hl = snprintf(head, sizeof(head), "P6\n%d %d\n255\n", W, H);
    assert_int_equal(len, (size_t)hl + W * H * 3);
    assert_memory_equal(data, head, (size_t)hl);
    const uint8_t *px = (const uint8_t *)data + hl + (5 * W + 7) * 3; /* x 7, y 5 */
    assert_int_equal(px[0], 7 ^ 5);
    assert_int_equal(px[1], 5);
    assert_int_equal(px[2], 21);
    free(data);
    unlink(path);
    free(path);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t crc(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

/* Undo stored deflate blocks; fails the test on anything else. */
static size_t inflate_stored(const uint8_t *z, size_t n, uint8_t *out, size_t max)
{
    assert_true(n > 6);
    assert_int_equal((z[0] * 256 + z[1]) % 31, 0); /* zlib header check */
    size_t i = 2, o = 0;
    bool final = false;
    while (!final) {
        final = z[i] & 1;
        assert_int_equal(z[i] & 6, 0); /* BTYPE stored */
        size_t len = z[i + 1] | z[i + 2] << 8, nlen = z[i + 3] | z[i + 4] << 8;
        assert_int_equal(len ^ 0xffff, nlen);
        assert_true(o + len <= max);
        memcpy(out + o, z + i + 5, len);
        o += len;
        i += 5 + len;
    }
    uint32_t a = 1, b = 0;
    for (size_t k = 0; k < o; k++) {
        a = (a + out[k]) % 65521;
        b = (b + a) % 65521;
    }
    assert_int_equal(be32(z + i), b << 16 | a);
    assert_int_equal(i + 4, n);
    return o;
}

static void test_png(void **state)
{
    (void)state;
    kd_fb fb = make_fb();
    char *path = tmp_path(".png");
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_vnc_save(&fb, path, &err), 0);
    size_t len;
    uint8_t *d = (uint8_t *)kd_file_read(path, 1 << 24, &len);
    assert_non_null(d);
    assert_memory_equal(d, "\x89PNG\r\n\x1a\n", 8);
    size_t at = 8, rowlen = W * 3 + 1;
    uint8_t *raw = kd_malloc(rowlen * H);
    size_t got = 0;
    int chunks = 0;
    while (at < len) {
        uint32_t n = be32(d + at);
        assert_true(at + 12 + n <= len);
        assert_int_equal(crc(d + at + 4, 4 + n), be32(d + at + 8 + n));
        if (memcmp(d + at + 4, "IHDR", 4) == 0) {
            assert_int_equal(be32(d + at + 8), W);
            assert_int_equal(be32(d + at + 12), H);
            assert_int_equal(d[at + 16], 8); /* bit depth */
            assert_int_equal(d[at + 17], 2); /* RGB */
        } else if (memcmp(d + at + 4, "IDAT", 4) == 0) {
            got = inflate_stored(d + at + 8, n, raw, rowlen * H);
        }
        chunks++;
        at += 12 + n;
    }
    assert_int_equal(chunks, 3);
    assert_int_equal(got, rowlen * H);
    const uint8_t *row = raw + 999 * rowlen;
    assert_int_equal(row[0], 0); /* filter none */
    assert_int_equal(row[1 + 69 * 3], (69 ^ 999) & 0xff);
    assert_int_equal(row[1 + 69 * 3 + 1], 999 & 0xff);
    assert_int_equal(row[1 + 69 * 3 + 2], (69 * 3) & 0xff);
    free(raw);
    free(d);
    unlink(path);
    free(path);
}

static void test_save_errors(void **state)
{
    (void)state;
    kd_fb fb = make_fb();
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_vnc_save(&fb, "/nonexistent-dir/shot.png", &err), -1);
    assert_int_equal(err.code, KD_ERR_IO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/shot.png"));
    /* Nothing to save: a framebuffer that is not one. */
    kd_fb bad = fb;
    bad.width = 0;
    char *path = tmp_path(".ppm");
    kd_err_clear(&err);
    assert_int_equal(kd_vnc_save(&bad, path, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_int_equal(access(path, F_OK), -1);
    free(path);
}

/* ---- the [vnc] section of the configuration file -------------------------------------- */

static kd_vnc_conf config_with(const char *text, kd_app *app)
{
    char *dir = kd_asprintf("/tmp/kd-test-vnc-cfg-%d", (int)getpid());
    char *sub = kd_asprintf("%s/kvmdeck", dir);
    char *path = kd_asprintf("%s/config", sub);
    mkdir(dir, 0700);
    mkdir(sub, 0700);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    setenv("XDG_CONFIG_HOME", dir, 1);
    memset(app, 0, sizeof(*app));
    kd_vnc_conf m = kd_vnc_read_conf(app);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
    free(path);
    free(sub);
    free(dir);
    return m;
}

static void test_config_image(void **state)
{
    (void)state;
    kd_app app;
    assert_int_equal(config_with("[vnc]\nimage = sixel\n", &app).img, VNC_IMG_SIXEL);
    assert_int_equal(config_with("[ui]\ntheme = mono\n[vnc]\nimage = kitty\n", &app).img,
                     VNC_IMG_KITTY);
    assert_int_equal(config_with("[vnc]\nimage = off\n", &app).img, VNC_IMG_OFF);
    assert_int_equal(config_with("[ui]\nimage = sixel\n", &app).img, VNC_IMG_AUTO);
    assert_false(app.status_error);
    /* A value it does not know: said, and auto used. */
    assert_int_equal(config_with("[vnc]\nimage = sixels\n", &app).img, VNC_IMG_AUTO);
    assert_true(app.status_error);
    assert_non_null(strstr(app.status, "image takes auto, off, sixel or kitty"));
    assert_string_equal(kd_vnc_img_name(VNC_IMG_KITTY), "kitty");
}

static void test_config_text_timeout(void **state)
{
    (void)state;
    kd_app app;
    kd_vnc_conf c = config_with("[vnc]\n", &app);
    assert_true(c.text);
    assert_int_equal(c.timeout_s, KD_VNC_TIMEOUT_S);
    c = config_with("[vnc]\ntext = off\ntimeout = 45\n", &app);
    assert_false(c.text);
    assert_int_equal(c.timeout_s, 45);
    assert_false(app.status_error);
    /* Out of range, or not a number: said with the line, and every default kept. */
    const char *bad[] = {"[vnc]\ntext = off\ntimeout = 0\n", "[vnc]\ntext = off\ntimeout = 301\n",
                         "[vnc]\ntext = off\ntimeout = 10s\n", "[vnc]\ntext = off\ntimeout =\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c = config_with(bad[i], &app);
        assert_true(app.status_error);
        assert_non_null(strstr(app.status, "line 3: [vnc] timeout takes 1 to 300 seconds"));
        assert_true(c.text);
        assert_int_equal(c.timeout_s, KD_VNC_TIMEOUT_S);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printable),     cmocka_unit_test(test_unicode),
        cmocka_unit_test(test_control),       cmocka_unit_test(test_escape_and_alt),
        cmocka_unit_test(test_function_keys), cmocka_unit_test(test_navigation),
        cmocka_unit_test(test_keypad),        cmocka_unit_test(test_modified_keys),
        cmocka_unit_test(test_from_names),    cmocka_unit_test(test_ppm),
        cmocka_unit_test(test_png),           cmocka_unit_test(test_save_errors),
        cmocka_unit_test(test_config_image),  cmocka_unit_test(test_config_text_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
