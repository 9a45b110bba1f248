#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vt_helpers.h"
#include "core/err.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Scrollback ------------------------------------------------------------------------ */

static void test_scrollback_order_and_capacity(void **state)
{
    (void)state;
    const int total = 10100;
    kd_vt *vt = vt_make(5, 20, KD_VT_SCROLLBACK_DEFAULT);
    char line[32];
    for (int i = 0; i < total; i++) {
        snprintf(line, sizeof(line), "L%05d\r\n", i);
        vt_put(vt, line);
    }
    /* total lines written, 4 still on screen above the empty cursor row. */
    assert_int_equal(kd_vt_scrollback_count(vt), KD_VT_SCROLLBACK_DEFAULT);
    size_t dropped = (size_t)(total - 4) - KD_VT_SCROLLBACK_DEFAULT;
    assert_int_equal(kd_vt_scrollback_dropped(vt), dropped);
    for (size_t i = 0; i < KD_VT_SCROLLBACK_DEFAULT; i++) {
        int cols;
        const kd_vt_cell *cells = kd_vt_scrollback_line(vt, i, &cols);
        assert_non_null(cells);
        assert_int_equal(cols, 6); /* trailing blanks not stored */
        snprintf(line, sizeof(line), "L%05zu", i + dropped);
        char *t = kd_vt_line_text(vt, i);
        if (strcmp(t, line) != 0)
            fail_msg("scrollback line %zu is '%s', want '%s'", i, t, line);
        free(t);
    }
    int cols;
    assert_null(kd_vt_scrollback_line(vt, KD_VT_SCROLLBACK_DEFAULT, &cols));
    assert_int_equal(kd_vt_line_count(vt), KD_VT_SCROLLBACK_DEFAULT + 5);
    assert_row(vt, 0, "L10096");
    assert_row(vt, 3, "L10099");
    assert_row(vt, 4, "");
    assert_null(kd_vt_line(vt, KD_VT_SCROLLBACK_DEFAULT + 5, &cols));
    kd_vt_free(vt);

    /* Cells keep their colours in the scrollback. */
    vt = vt_make(2, 10, 3);
    vt_put(vt, "\x1b[32mgreen\x1b[m\r\n\r\n");
    const kd_vt_cell *c = kd_vt_scrollback_line(vt, 0, &cols);
    assert_int_equal(cols, 5);
    assert_int_equal(c[0].fg.kind, KD_VT_COLOR_INDEX);
    assert_int_equal(c[0].fg.index, 2);
    /* A small ring wraps and keeps the newest. */
    for (int i = 0; i < 10; i++) {
        snprintf(line, sizeof(line), "%d\r\n", i);
        vt_put(vt, line);
    }
    assert_int_equal(kd_vt_scrollback_count(vt), 3);
    /* Pushed: green, the empty line, 0..8; "9" and the cursor's row are on screen. */
    char *t = kd_vt_line_text(vt, 0);
    assert_string_equal(t, "6");
    free(t);
    kd_vt_free(vt);

    /* No scrollback at all. */
    vt = vt_make(2, 10, 0);
    vt_put(vt, "a\r\nb\r\nc\r\nd");
    assert_int_equal(kd_vt_scrollback_count(vt), 0);
    assert_row(vt, 0, "c");
    kd_vt_free(vt);
}

static void test_line_text(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(4, 20, 10);
    vt_put(vt, "abc   \r\n  indented  x  \r\n\r\n\xe4\xb8\xad\xe6\x96\x87 e\xcc\x81");
    assert_row(vt, 0, "abc");
    assert_row(vt, 1, "  indented  x");
    assert_row(vt, 2, "");
    assert_row(vt, 3, "\xe4\xb8\xad\xe6\x96\x87 e\xcc\x81");
    /* Blanks with a background colour are still blanks in text. */
    vt_put(vt, "\x1b[1;1H\x1b[44m\x1b[K\x1b[m");
    assert_row(vt, 0, "");
    assert_null(kd_vt_line_text(vt, 4));
    kd_vt_free(vt);
}

static void test_search(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(3, 30, 100);
    vt_put(vt, "alpha Hello\r\nbeta\r\n\xe4\xb8\xad needle x\r\nhello again hello\r\n"
               "gamma\r\nHELLO last");
    /* Lines: 0 alpha Hello, 1 beta, 2 <wide> needle x (scrollback); 3 hello again hello,
     * 4 gamma, 5 HELLO last (screen). */
    assert_int_equal(kd_vt_scrollback_count(vt), 3);
    size_t line;
    int col;
    assert_true(kd_vt_search(vt, "hello", 0, false, false, &line, &col));
    assert_int_equal(line, 3);
    assert_int_equal(col, 0);
    assert_true(kd_vt_search(vt, "Hello", 0, false, false, &line, &col));
    assert_int_equal(line, 0);
    assert_int_equal(col, 6);
    assert_true(kd_vt_search(vt, "hello", 0, false, true, &line, &col));
    assert_int_equal(line, 0);
    assert_true(kd_vt_search(vt, "hello", 1, false, true, &line, &col));
    assert_int_equal(line, 3);
    assert_int_equal(col, 0);
    /* Backwards: from the last line, rightmost match in a line. */
    assert_true(kd_vt_search(vt, "hello", 1000, true, true, &line, &col));
    assert_int_equal(line, 5);
    assert_true(kd_vt_search(vt, "hello", 4, true, false, &line, &col));
    assert_int_equal(line, 3);
    assert_int_equal(col, 12);
    assert_true(kd_vt_search(vt, "HELLO", 2, true, true, &line, &col));
    assert_int_equal(line, 0);
    /* The column counts cells: the wide character before "needle" takes two. */
    assert_true(kd_vt_search(vt, "needle", 0, false, false, &line, &col));
    assert_int_equal(line, 2);
    assert_int_equal(col, 3);
    assert_true(kd_vt_search(vt, "\xe4\xb8\xad", 0, false, false, &line, &col));
    assert_int_equal(col, 0);
    /* Across the scrollback/screen boundary and not found. */
    assert_true(kd_vt_search(vt, "gamma", 0, false, false, &line, &col));
    assert_int_equal(line, 4);
    assert_false(kd_vt_search(vt, "beta", 2, false, false, &line, &col));
    assert_false(kd_vt_search(vt, "absent", 0, false, true, &line, &col));
    assert_false(kd_vt_search(vt, "", 0, false, false, &line, &col));
    assert_false(kd_vt_search(vt, "x", 99, false, false, &line, &col));
    assert_false(kd_vt_search(vt, "a x", 0, false, false, &line, &col));
    kd_vt_free(vt);
}

/* --- Keyboard --------------------------------------------------------------------------- */

static void key(kd_vt *vt, kd_vt_key k, unsigned mods, const char *want)
{
    kd_vt_send_key(vt, k, mods);
    assert_output(vt, want);
}

static void chr(kd_vt *vt, uint32_t cp, unsigned mods, const char *want)
{
    kd_vt_send_char(vt, cp, mods);
    assert_output(vt, want);
}

static void test_keys(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(24, 80, 100);
    key(vt, KD_VT_KEY_UP, 0, "\x1b[A");
    key(vt, KD_VT_KEY_LEFT, 0, "\x1b[D");
    key(vt, KD_VT_KEY_ENTER, 0, "\r");
    key(vt, KD_VT_KEY_BACKSPACE, 0, "\x7f");
    key(vt, KD_VT_KEY_TAB, 0, "\t");
    key(vt, KD_VT_KEY_ESCAPE, 0, "\x1b");
    key(vt, KD_VT_KEY_F1, 0, "\x1bOP");
    key(vt, KD_VT_KEY_F5, 0, "\x1b[15~");
    key(vt, KD_VT_KEY_F12, 0, "\x1b[24~");
    key(vt, KD_VT_KEY_DEL, 0, "\x1b[3~");
    key(vt, KD_VT_KEY_PAGEDOWN, 0, "\x1b[6~");
    key(vt, KD_VT_KEY_UP, KD_VT_MOD_CTRL, "\x1b[1;5A");
    key(vt, KD_VT_KEY_LAST, 0, "");
    key(vt, (kd_vt_key)-1, 0, "");
    /* The guest asks for application cursor keys (vi, less). */
    vt_put(vt, "\x1b[?1h");
    key(vt, KD_VT_KEY_UP, 0, "\x1bOA");
    key(vt, KD_VT_KEY_RIGHT, 0, "\x1bOC");
    key(vt, KD_VT_KEY_HOME, 0, "\x1bOH");
    vt_put(vt, "\x1b[?1l");
    key(vt, KD_VT_KEY_UP, 0, "\x1b[A");

    chr(vt, 'a', 0, "a");
    chr(vt, 'c', KD_VT_MOD_CTRL, "\x03");
    chr(vt, 'C', KD_VT_MOD_CTRL, "\x03");
    chr(vt, 'd', KD_VT_MOD_CTRL, "\x04");
    chr(vt, 'x', KD_VT_MOD_ALT, "\x1bx");
    chr(vt, 0xe9, 0, "\xc3\xa9");
    chr(vt, 0x1f600, 0, "\xf0\x9f\x98\x80");
    chr(vt, 0xd800, 0, "");
    chr(vt, 0x110000, 0, "");
    kd_vt_free(vt);
}

static void test_paste(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(24, 80, 100);
    kd_vt_paste(vt, "ls -l\nexit\r\n");
    assert_output(vt, "ls -l\rexit\r");
    kd_vt_paste(vt, "a\x1b[201~b\tc\x07\xc2\x9b"
                    "d\xc3\xa9");
    assert_output(vt, "a[201~b\tcd\xc3\xa9");
    vt_put(vt, "\x1b[?2004h");
    kd_vt_paste(vt, "one\ntwo");
    assert_output(vt, "\x1b[200~one\rtwo\x1b[201~");
    kd_vt_paste(vt, "x\x1b[201~rm -rf /\n");
    assert_output(vt, "\x1b[200~x[201~rm -rf /\r\x1b[201~");
    vt_put(vt, "\x1b[?2004l");
    kd_vt_paste(vt, "plain");
    assert_output(vt, "plain");
    /* A paste bigger than the cap on answers is kept whole, after a flood of answers. */
    for (int i = 0; i < 20000; i++)
        vt_put(vt, "\x1b[c");
    size_t answers = kd_vt_output_pending(vt);
    char *big = kd_malloc(200001);
    memset(big, 'p', 200000);
    big[200000] = '\0';
    kd_vt_paste(vt, big);
    kd_vt_send_key(vt, KD_VT_KEY_ENTER, 0);
    assert_int_equal(kd_vt_output_pending(vt), answers + 200001);
    free(big);
    kd_vt_free(vt);
}

/* --- Resize and damage -------------------------------------------------------------------- */

static void test_resize(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(24, 80, 1000);
    char line[32];
    for (int i = 0; i < 24; i++) {
        snprintf(line, sizeof(line), "%sline %02d", i ? "\r\n" : "", i);
        vt_put(vt, line);
    }
    vt_put(vt, "\x1b[24;80H");
    assert_cursor(vt, 23, 79);
    kd_err err = {0};
    assert_int_equal(kd_vt_resize(vt, 10, 20, &err), 0);
    int rows, cols;
    kd_vt_size(vt, &rows, &cols);
    assert_int_equal(rows, 10);
    assert_int_equal(cols, 20);
    int r, c;
    bool visible;
    kd_vt_cursor(vt, &r, &c, &visible);
    assert_in_range(r, 0, 9);
    assert_in_range(c, 0, 19);
    /* The cursor's line stays in view; the lines above went to the scrollback. */
    assert_row(vt, 9, "line 23");
    assert_int_equal(kd_vt_scrollback_count(vt), 14);
    assert_clean(vt);
    vt_put(vt, "\x1b[1;1Hafter");
    assert_row(vt, 0, "after14");
    /* Growing pulls lines back from the scrollback. */
    assert_int_equal(kd_vt_resize(vt, 24, 80, &err), 0);
    assert_int_equal(kd_vt_scrollback_count(vt), 0);
    assert_row(vt, 0, "line 00");
    assert_row(vt, 23, "line 23");
    assert_clean(vt);
    /* Out of range: refused, nothing changes. */
    assert_int_equal(kd_vt_resize(vt, 0, 80, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    kd_vt_size(vt, &rows, &cols);
    assert_int_equal(rows, 24);
    /* Down to the smallest size and back, with wide characters about. */
    vt_put(vt, "\x1b[H\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad");
    assert_int_equal(kd_vt_resize(vt, 1, 1, &err), -1);
    assert_int_equal(kd_vt_resize(vt, 1, KD_VT_MIN_COLS, &err), 0);
    vt_put(vt, "\xe4\xb8\xad\xe6\x96\x87");
    assert_int_equal(vt_cell(vt, 0, 0)->width, 2);
    assert_clean(vt);
    assert_int_equal(kd_vt_resize(vt, 30, 3, &err), 0);
    assert_clean(vt);
    kd_vt_free(vt);
}

/* Two ways libvterm 0.1.4 leaves its cursor off a shrunk screen. */
static void test_resize_cursor_off_screen(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(24, 80, 1000);
    kd_err err = {0};
    /* A full screen with the cursor at the top, shrunk: libvterm 0.1.4 would move the
     * cursor above row 0 and write the next character outside the screen. */
    vt_put(vt, "\x1b#8\x1b[H"); /* DECALN: E in every cell */
    assert_int_equal(kd_vt_resize(vt, 5, 80, &err), 0);
    assert_cursor(vt, 0, 0);
    vt_put(vt, "XY");
    assert_int_equal(vt_cell(vt, 0, 1)->ch[0], 'Y');
    assert_clean(vt);
    /* A cursor saved before the screen shrank, restored after: libvterm 0.1.4 puts it
     * back off the screen, where the next erase or character writes out of bounds. */
    vt_put(vt, "\x1b[H\x1b[2J\x1b[3;70H\0337");
    assert_int_equal(kd_vt_resize(vt, 24, 20, &err), 0);
    vt_put(vt, "\0338\x1b[1JX");
    assert_int_equal(vt_cell(vt, 2, 19)->ch[0], 'X');
    assert_clean(vt);
    vt_put(vt, "\x1b[20;10H\x1b[?1049h");
    assert_int_equal(kd_vt_resize(vt, 5, 20, &err), 0);
    vt_put(vt, "\x1b[?1049lY\x1b[s");
    assert_clean(vt);
    assert_int_equal(kd_vt_resize(vt, 5, 5, &err), 0);
    vt_put(vt, "\x1b[uZ\x1b[K");
    assert_clean(vt);
    kd_vt_free(vt);
}

static void test_damage(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(10, 20, 100);
    int top, bottom;
    assert_true(kd_vt_damage(vt, &top, &bottom)); /* everything, at first */
    assert_int_equal(top, 0);
    assert_int_equal(bottom, 10);
    assert_false(kd_vt_damage(vt, &top, &bottom));

    vt_put(vt, "\x1b[4;3Hx");
    assert_true(kd_vt_damage(vt, &top, &bottom));
    assert_int_equal(top, 0); /* the cursor left row 0 */
    assert_int_equal(bottom, 4);
    assert_false(kd_vt_damage(vt, &top, &bottom));
    vt_put(vt, "y");
    assert_true(kd_vt_damage(vt, &top, &bottom));
    assert_int_equal(top, 3);
    assert_int_equal(bottom, 4);
    vt_put(vt, "\x1b[8;1Hz\x1b[7;1Hw");
    assert_true(kd_vt_damage(vt, &top, &bottom));
    assert_int_equal(top, 3);
    assert_int_equal(bottom, 8);
    /* Nothing visible written: nothing to redraw. */
    vt_put(vt, "\x1b]0;t\x07\x1b[c");
    assert_false(kd_vt_damage(vt, &top, &bottom));
    /* Scrolling changes every row. */
    vt_put(vt, "\x1b[10;1H\n");
    assert_true(kd_vt_damage(vt, &top, &bottom));
    assert_int_equal(top, 0);
    assert_int_equal(bottom, 10);
    kd_err err = {0};
    assert_int_equal(kd_vt_resize(vt, 5, 20, &err), 0);
    assert_true(kd_vt_damage(vt, &top, &bottom));
    assert_int_equal(top, 0);
    assert_int_equal(bottom, 5);
    kd_vt_free(vt);
}

/* --- Recorded streams ------------------------------------------------------------------- */

static bool view_contains(const kd_vt *vt, const char *s)
{
    size_t line;
    int col;
    return kd_vt_search(vt, s, 0, false, false, &line, &col);
}

static void test_recorded_vi(void **state)
{
    (void)state;
    size_t len;
    char *data = corpus_read("vi.raw", &len);
    kd_vt *vt = vt_make(24, 80, 100);
    vt_put(vt, "$ vim file.txt\r\n");
    /* Feed up to the write command, while vim still shows its screen. */
    char *quit = memmem(data, len, ":wq", 3);
    assert_non_null(quit);
    kd_vt_write(vt, data, (size_t)(quit - data));
    assert_true(kd_vt_alt_screen(vt));
    assert_row(vt, 0, "line two");
    assert_row(vt, 2, "hello from vi");
    assert_int_equal(vt_cell(vt, 3, 0)->ch[0], '~');
    assert_int_equal(vt_cell(vt, 3, 0)->fg.kind, KD_VT_COLOR_INDEX);
    assert_int_equal(vt_cell(vt, 3, 0)->fg.index, 12);
    assert_clean(vt);
    kd_vt_write(vt, quit, len - (size_t)(quit - data));
    assert_false(kd_vt_alt_screen(vt));
    assert_row(vt, 0, "$ vim file.txt");
    assert_int_equal(kd_vt_scrollback_count(vt), 0);
    /* vim's probes (DA2, DSR, DECRQM, a DCS) got answers or nothing; no junk. */
    char *out = take_all(vt);
    assert_non_null(strstr(out, "\x1b[>0;100;0c"));
    assert_null(strstr(out, "zz"));
    free(out);
    free(data);
    kd_vt_free(vt);
}

static void test_recorded_top(void **state)
{
    (void)state;
    size_t len;
    char *data = corpus_read("top.raw", &len);
    kd_vt *vt = vt_make(24, 80, 100);
    kd_vt_write(vt, data, len);
    assert_true(view_contains(vt, "top - "));
    assert_true(view_contains(vt, "PID USER"));
    assert_true(view_contains(vt, "load average"));
    /* top's header bar is reverse video. */
    bool reverse = false;
    for (int r = 0; r < 24 && !reverse; r++)
        for (int c = 0; c < 80 && !reverse; c++)
            reverse = vt_cell(vt, r, c)->attrs & KD_VT_ATTR_REVERSE;
    assert_true(reverse);
    assert_clean(vt);
    free(data);
    kd_vt_free(vt);
}

static void test_recorded_boot(void **state)
{
    (void)state;
    size_t len;
    char *data = corpus_read("boot.raw", &len);
    kd_vt *vt = vt_make(24, 80, KD_VT_SCROLLBACK_DEFAULT);
    kd_vt_write(vt, data, len);
    assert_true(kd_vt_scrollback_count(vt) > 50);
    size_t line;
    int col;
    assert_true(kd_vt_search(vt, "Linux version", 0, false, false, &line, &col));
    assert_true(line < kd_vt_scrollback_count(vt));
    assert_true(kd_vt_search(vt, "KDGUEST: up", 0, false, false, &line, &col));
    /* The colours the guest printed are in the cells. */
    assert_true(kd_vt_search(vt, "FAILED OK", kd_vt_line_count(vt), true, false, &line, &col));
    int cols;
    const kd_vt_cell *cells = kd_vt_line(vt, line, &cols);
    assert_int_equal(cells[col].fg.kind, KD_VT_COLOR_INDEX);
    assert_int_equal(cells[col].fg.index, 1);
    assert_true(cells[col].attrs & KD_VT_ATTR_BOLD);
    assert_int_equal(cells[col + 7].fg.index, 2);
    assert_clean(vt);
    free(data);
    kd_vt_free(vt);
}

int vt_view_tests_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scrollback_order_and_capacity),
        cmocka_unit_test(test_line_text),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_paste),
        cmocka_unit_test(test_resize),
        cmocka_unit_test(test_resize_cursor_off_screen),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_recorded_vi),
        cmocka_unit_test(test_recorded_top),
        cmocka_unit_test(test_recorded_boot),
    };
    return cmocka_run_group_tests_name("vt view", tests, NULL, NULL);
}
