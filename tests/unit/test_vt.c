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

/* --- Creation -------------------------------------------------------------------------- */

static void test_new_rejects_bad_sizes(void **state)
{
    (void)state;
    const int bad[][2] = {
        {0, 80}, {24, 0}, {24, 1}, {-1, 80}, {KD_VT_MAX_ROWS + 1, 80}, {24, KD_VT_MAX_COLS + 1}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kd_err err = {0};
        assert_null(kd_vt_new(bad[i][0], bad[i][1], 100, &err));
        assert_int_equal(err.code, KD_ERR_INVALID);
        assert_non_null(strstr(err.msg, "out of range"));
    }
    kd_err err = {0};
    assert_null(kd_vt_new(24, 80, KD_VT_SCROLLBACK_MAX + 1, &err));
    assert_int_equal(err.code, KD_ERR_INVALID);
    kd_vt_free(NULL);

    kd_vt *vt = vt_make(24, 80, KD_VT_SCROLLBACK_DEFAULT);
    int rows, cols;
    kd_vt_size(vt, &rows, &cols);
    assert_int_equal(rows, 24);
    assert_int_equal(cols, 80);
    assert_null(kd_vt_cell_at(vt, 24, 0));
    assert_null(kd_vt_cell_at(vt, 0, 80));
    assert_null(kd_vt_cell_at(vt, -1, 0));
    assert_string_equal(kd_vt_title(vt), "");
    assert_false(kd_vt_alt_screen(vt));
    kd_vt_free(vt);
}

/* --- Text ------------------------------------------------------------------------------ */

static void test_text_and_wrap(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(5, 10, 100);
    vt_put(vt, "hello");
    assert_row(vt, 0, "hello");
    assert_cursor(vt, 0, 5);
    assert_int_equal(vt_cell(vt, 0, 0)->ch[0], 'h');
    assert_int_equal(vt_cell(vt, 0, 0)->width, 1);
    assert_int_equal(vt_cell(vt, 0, 5)->ch[0], 0);

    vt_put(vt, "\r\nabcdefghijKLM");
    assert_row(vt, 1, "abcdefghij");
    assert_row(vt, 2, "KLM");
    assert_cursor(vt, 2, 3);

    /* A wide character takes two cells; the second has width 0. */
    vt_put(vt, "\r\n\xe4\xb8\xad!");
    assert_int_equal(vt_cell(vt, 3, 0)->ch[0], 0x4e2d);
    assert_int_equal(vt_cell(vt, 3, 0)->width, 2);
    assert_int_equal(vt_cell(vt, 3, 1)->width, 0);
    assert_int_equal(vt_cell(vt, 3, 2)->ch[0], '!');
    assert_row(vt, 3, "\xe4\xb8\xad!");

    /* A combining mark joins the character before it. */
    vt_put(vt, "\r\ne\xcc\x81x");
    assert_int_equal(vt_cell(vt, 4, 0)->ch[0], 'e');
    assert_int_equal(vt_cell(vt, 4, 0)->ch[1], 0x301);
    assert_int_equal(vt_cell(vt, 4, 1)->ch[0], 'x');
    assert_clean(vt);
    kd_vt_free(vt);
}

static void test_cr_lf_bs_tab(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(5, 20, 100);
    vt_put(vt, "abc\rX");
    assert_row(vt, 0, "Xbc");
    assert_cursor(vt, 0, 1);
    vt_put(vt, "\n");
    assert_cursor(vt, 1, 1); /* LF keeps the column */
    vt_put(vt, "\rab\bX");
    assert_row(vt, 1, "aX");
    vt_put(vt, "\r\na\tb\tc");
    assert_int_equal(vt_cell(vt, 2, 8)->ch[0], 'b');
    assert_int_equal(vt_cell(vt, 2, 16)->ch[0], 'c');
    /* BS stops at the left margin. */
    vt_put(vt, "\r\b\b\bZ");
    assert_int_equal(vt_cell(vt, 2, 0)->ch[0], 'Z');
    assert_clean(vt);
    kd_vt_free(vt);
}

static void test_colours(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(5, 40, 100);
    vt_put(vt, "d\x1b[31mr\x1b[91mR\x1b[38;5;123mi\x1b[38;2;1;2;3mt\x1b[48;5;200mb"
               "\x1b[48;2;250;128;7mB\x1b[39;49md\x1b[42mg\x1b[0mz");
    const kd_vt_cell *c = vt_cell(vt, 0, 0);
    assert_int_equal(c->fg.kind, KD_VT_COLOR_DEFAULT);
    assert_int_equal(c->bg.kind, KD_VT_COLOR_DEFAULT);
    c = vt_cell(vt, 0, 1);
    assert_int_equal(c->fg.kind, KD_VT_COLOR_INDEX);
    assert_int_equal(c->fg.index, 1);
    assert_int_equal(vt_cell(vt, 0, 2)->fg.index, 9);
    assert_int_equal(vt_cell(vt, 0, 3)->fg.kind, KD_VT_COLOR_INDEX);
    assert_int_equal(vt_cell(vt, 0, 3)->fg.index, 123);
    c = vt_cell(vt, 0, 4);
    assert_int_equal(c->fg.kind, KD_VT_COLOR_RGB);
    assert_int_equal(c->fg.r, 1);
    assert_int_equal(c->fg.g, 2);
    assert_int_equal(c->fg.b, 3);
    c = vt_cell(vt, 0, 5);
    assert_int_equal(c->bg.kind, KD_VT_COLOR_INDEX);
    assert_int_equal(c->bg.index, 200);
    assert_int_equal(c->fg.kind, KD_VT_COLOR_RGB);
    c = vt_cell(vt, 0, 6);
    assert_int_equal(c->bg.kind, KD_VT_COLOR_RGB);
    assert_int_equal(c->bg.r, 250);
    assert_int_equal(c->bg.g, 128);
    assert_int_equal(c->bg.b, 7);
    c = vt_cell(vt, 0, 7);
    assert_int_equal(c->fg.kind, KD_VT_COLOR_DEFAULT);
    assert_int_equal(c->bg.kind, KD_VT_COLOR_DEFAULT);
    assert_int_equal(vt_cell(vt, 0, 8)->bg.kind, KD_VT_COLOR_INDEX);
    assert_int_equal(vt_cell(vt, 0, 8)->bg.index, 2);
    assert_int_equal(vt_cell(vt, 0, 9)->bg.kind, KD_VT_COLOR_DEFAULT);
    kd_vt_free(vt);
}

static void test_attributes(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(5, 40, 100);
    vt_put(vt, "\x1b[1mb\x1b[22m\x1b[4mu\x1b[24m\x1b[3mi\x1b[23m\x1b[5mk\x1b[25m\x1b[7mr\x1b[27m"
               "\x1b[9ms\x1b[29mn\x1b[1;4;7mA\x1b[mZ");
    const uint16_t want[] = {KD_VT_ATTR_BOLD,
                             KD_VT_ATTR_UNDERLINE,
                             KD_VT_ATTR_ITALIC,
                             KD_VT_ATTR_BLINK,
                             KD_VT_ATTR_REVERSE,
                             KD_VT_ATTR_STRIKE,
                             0,
                             KD_VT_ATTR_BOLD | KD_VT_ATTR_UNDERLINE | KD_VT_ATTR_REVERSE,
                             0};
    for (int i = 0; i < (int)(sizeof(want) / sizeof(want[0])); i++) {
        if (vt_cell(vt, 0, i)->attrs != want[i])
            fail_msg("column %d: attrs %#x, want %#x", i, vt_cell(vt, 0, i)->attrs, want[i]);
    }
    /* Whole-screen reverse video (DECSCNM) shows in every cell. */
    vt_put(vt, "\x1b[?5h");
    assert_true(vt_cell(vt, 3, 3)->attrs & KD_VT_ATTR_REVERSE);
    assert_false(vt_cell(vt, 0, 4)->attrs & KD_VT_ATTR_REVERSE); /* reverse of reverse */
    vt_put(vt, "\x1b[?5l");
    assert_false(vt_cell(vt, 3, 3)->attrs & KD_VT_ATTR_REVERSE);
    kd_vt_free(vt);
}

static void test_cursor_and_erase(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(10, 20, 100);
    vt_put(vt, "\x1b[3;5H");
    assert_cursor(vt, 2, 4);
    vt_put(vt, "\x1b[2A\x1b[3C");
    assert_cursor(vt, 0, 7);
    vt_put(vt, "\x1b[4B\x1b[5D");
    assert_cursor(vt, 4, 2);
    vt_put(vt, "\x1b[999999999;999999999H");
    assert_cursor(vt, 9, 19);
    vt_put(vt, "\x1b[999999999A\x1b[999999999D");
    assert_cursor(vt, 0, 0);

    vt_put(vt, "\x1b[H0123456789\r\nabcdefghij\r\nABCDEFGHIJ");
    vt_put(vt, "\x1b[1;5H\x1b[K"); /* erase to the end of line */
    assert_row(vt, 0, "0123");
    vt_put(vt, "\x1b[2;5H\x1b[1K"); /* erase to the start, inclusive */
    assert_row(vt, 1, "     fghij");
    vt_put(vt, "\x1b[3;5H\x1b[2K");
    assert_row(vt, 2, "");
    vt_put(vt, "\x1b[1;1Hxyz\x1b[2J");
    for (int r = 0; r < 10; r++)
        assert_row(vt, r, "");
    vt_put(vt, "\x1b[5;1Hrow5\x1b[6;1Hrow6\x1b[5;2H\x1b[J"); /* erase below, from the cursor */
    assert_row(vt, 4, "r");
    assert_row(vt, 5, "");
    assert_clean(vt);
    kd_vt_free(vt);
}

static void test_scroll_region(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(5, 10, 100);
    vt_put(vt, "1\r\n2\r\n3\r\n4\r\n5");
    vt_put(vt, "\x1b[2;4r\x1b[4;1H\n");
    assert_row(vt, 0, "1");
    assert_row(vt, 1, "3");
    assert_row(vt, 2, "4");
    assert_row(vt, 3, "");
    assert_row(vt, 4, "5");
    /* Scrolling inside a region keeps the scrollback out of it. */
    assert_int_equal(kd_vt_scrollback_count(vt), 0);
    /* Reverse index at the region's top scrolls it down. */
    vt_put(vt, "\x1b[2;1H\x1bM");
    assert_row(vt, 1, "");
    assert_row(vt, 2, "3");
    assert_row(vt, 3, "4");
    assert_row(vt, 4, "5");
    /* Resetting the region: full-screen scrolling pushes line "1" to the scrollback. */
    vt_put(vt, "\x1b[r\x1b[5;1H\n");
    assert_int_equal(kd_vt_scrollback_count(vt), 1);
    char *t = kd_vt_line_text(vt, 0);
    assert_string_equal(t, "1");
    free(t);
    kd_vt_free(vt);
}

static void test_alternate_screen(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(6, 30, 100);
    vt_put(vt, "$ ls\r\nfile1 file2\r\n$ vi notes");
    assert_cursor(vt, 2, 10);
    /* As vi does: save the cursor, switch, clear, draw, and leave. */
    vt_put(vt, "\x1b[?1049h\x1b[H\x1b[2J~ VI SCREEN\x1b[6;1H-- INSERT --");
    assert_true(kd_vt_alt_screen(vt));
    assert_row(vt, 0, "~ VI SCREEN");
    assert_row(vt, 1, "");
    assert_row(vt, 5, "-- INSERT --");
    for (int i = 0; i < 20; i++)
        vt_put(vt, "\r\nscrolling inside vi");
    assert_int_equal(kd_vt_scrollback_count(vt), 0); /* none of that is history */
    vt_put(vt, "\x1b[?1049l");
    assert_false(kd_vt_alt_screen(vt));
    assert_row(vt, 0, "$ ls");
    assert_row(vt, 1, "file1 file2");
    assert_row(vt, 2, "$ vi notes");
    assert_row(vt, 5, "");
    assert_cursor(vt, 2, 10);
    kd_vt_free(vt);
}

/* --- Split input --------------------------------------------------------------------- */

/* Sequences and characters of every kind the filter and libvterm handle. */
static const char split_stream[] =
    "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 e\xcc\x81\r\n"
    "\x1b[1;31mred\x1b[0m \x1b[38;2;10;20;30mrgb\x1b[m \x1b[38;5;200m256\x1b[m\r\n"
    "\x1b]0;a title\x07\x1b]2;caf\xc3\xa9\x1b\\\x1b]52;c;aGVsbG8=\x07"
    "\x1bP$qm\x1b\\\x1bPjunk\x1b\\\x1b_apc payload\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\"
    "\xc2\x9b"
    "4mC1\xc2\x9b"
    "0m \xc2\x9dpayload\xc2\x9c"
    "\x1b[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18m"
    "\x1b[3;4H\x1b[2Kmid\x1b[5;1H\x1b(0lqk\x1b(B\x1b[c\x1b[6n\x1b[?25l tail\x1b[?25h"
    "\x1b\x1b[Bx\x1b[12\x18y\xe2\x82z\xc2";

static void test_split_at_every_byte(void **state)
{
    (void)state;
    size_t n = sizeof(split_stream) - 1;
    kd_vt *whole = vt_make(8, 30, 100);
    kd_vt_write(whole, split_stream, n);
    char *want_out = take_all(whole);
    assert_non_null(strstr(want_out, "\x1b[?1;2c"));
    assert_clean(whole);
    for (size_t k = 0; k <= n; k++) {
        kd_vt *vt = vt_make(8, 30, 100);
        kd_vt_write(vt, split_stream, k);
        kd_vt_write(vt, split_stream + k, n - k);
        if (!same_screen(whole, vt))
            fail_msg("split at byte %zu of %zu gives another screen", k, n);
        char *out = take_all(vt);
        if (strcmp(out, want_out) != 0)
            fail_msg("split at byte %zu of %zu gives other output", k, n);
        free(out);
        kd_vt_free(vt);
    }
    /* One byte at a time too. */
    kd_vt *vt = vt_make(8, 30, 100);
    for (size_t i = 0; i < n; i++)
        kd_vt_write(vt, split_stream + i, 1);
    assert_true(same_screen(whole, vt));
    kd_vt_free(vt);
    free(want_out);
    kd_vt_free(whole);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\xc0\xaf",             /* overlong '/' */
        "\xe0\x80\xaf",         /* overlong, three bytes */
        "\xed\xa0\x80",         /* a UTF-16 surrogate */
        "\xf4\x90\x80\x80",     /* past U+10FFFF */
        "\xf8\x88\x80\x80\x80", /* five-byte form */
        "\xff",
        "\x80",     /* lone continuation */
        "\xe2\x82", /* truncated */
        "\xc2\x85", /* C1 NEL encoded as UTF-8 */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kd_vt *vt = vt_make(3, 20, 10);
        vt_put(vt, "[");
        vt_put(vt, bad[i]);
        vt_put(vt, "]");
        assert_int_equal(vt_cell(vt, 0, 0)->ch[0], '[');
        int c = 1;
        bool replaced = false;
        while (vt_cell(vt, 0, c)->ch[0] == 0xfffd) {
            replaced = true;
            c++;
        }
        /* NEL is a control (new line), not a character: it moves rather than prints. */
        if (i == sizeof(bad) / sizeof(bad[0]) - 1) {
            assert_int_equal(vt_cell(vt, 0, 1)->ch[0], 0);
            assert_int_equal(vt_cell(vt, 1, 0)->ch[0], ']');
        } else {
            if (!replaced)
                fail_msg("sequence %zu shows no U+FFFD", i);
            assert_int_equal(vt_cell(vt, 0, c)->ch[0], ']');
        }
        assert_clean(vt);
        kd_vt_free(vt);
    }
}

/* A character cut by a control: libvterm 0.1.4 would resume it after the control and
 * take "C2 CR 85" as U+0085, a printable of width -1 that corrupts its memory. */
static void test_utf8_cut_by_control(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(3, 20, 10);
    vt_put(vt, "ab\xc2\r\x85"
               "7");
    assert_row(vt, 0,
               "\xef\xbf\xbd"
               "7\xef\xbf\xbd");
    vt_put(vt, "\r\n\xe4\xb8\x1b[1m\xad!");
    assert_row(vt, 1, "\xef\xbf\xbd\xef\xbf\xbd!");
    assert_int_equal(vt_cell(vt, 1, 0)->attrs, 0);
    assert_int_equal(vt_cell(vt, 1, 1)->attrs, KD_VT_ATTR_BOLD);
    /* The same across writes, and a character completed by a later write. */
    vt_put(vt, "\x1b[m\r\n\xe4\xb8");
    vt_put(vt, "\xad\xc3");
    vt_put(vt, "\x07\xa9");
    assert_row(vt, 2, "\xe4\xb8\xad\xef\xbf\xbd\xef\xbf\xbd");
    assert_true(kd_vt_take_bell(vt));
    assert_clean(vt);
    kd_vt_free(vt);
}

/* --- Hostile output ----------------------------------------------------------------- */

static void test_hostile_strings(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(5, 40, 100);
    char *longtitle = kd_malloc(5000);
    memset(longtitle, 'T', 4999);
    longtitle[4999] = '\0';
    vt_put(vt, "A");
    vt_put(vt, "\x1b]52;c;cm0gLXJmIC8K\x07");                  /* clipboard write */
    vt_put(vt, "\x1b]52;c;?\x07");                             /* clipboard read */
    vt_put(vt, "\x1b]8;;http://example.invalid/\x1b\\");       /* hyperlink */
    vt_put(vt, "\x1b]4;1;rgb:ff/00/00\x07\x1b]10;?\x07");      /* palette set, colour query */
    vt_put(vt, "\x1b]777;notify;x;y\x07\x1b]1337;File=x\x07"); /* notifications, files */
    vt_put(vt, "\x1bP$qxx\x1b\\");                /* a DECRQSS libvterm 0.1.4 crashes on */
    vt_put(vt, "\x1bP+q544e\x1b\\");              /* XTGETTCAP */
    vt_put(vt, "\x1bPq#0;2;0;0;0#0~~@@vv\x1b\\"); /* sixel */
    vt_put(vt, "\x1b_Ga=T,f=100;AAAA\x1b\\");     /* kitty graphics, APC */
    vt_put(vt, "\x1b^privacy message\x1b\\\x1bXstart of string\x1b\\");
    vt_put(vt, "\xc2\x9f"
               "c1 apc\xc2\x9c\xc2\x90"
               "c1 dcs$qxx\xc2\x9c");
    vt_put(vt, "\x1b[8;100;300t\x1b[3;1;1t\x1b[4;9999;9999t\x1b[9;1t\x1b[?3h"); /* resizes */
    vt_put(vt, "\x1b]0;ti\x01t\x7fle\x9b\x07"); /* controls in a title */
    assert_string_equal(kd_vt_title(vt), "title\xef\xbf\xbd");
    vt_put(vt, "\x1b]0;cut\x1b[31mB"); /* ESC ends a string and starts a sequence */
    assert_string_equal(kd_vt_title(vt), "title\xef\xbf\xbd");
    assert_int_equal(vt_cell(vt, 0, 1)->fg.index, 1);
    assert_row(vt, 0, "AB");
    for (int r = 1; r < 5; r++)
        assert_row(vt, r, "");
    int rows, cols;
    kd_vt_size(vt, &rows, &cols);
    assert_int_equal(rows, 5);
    assert_int_equal(cols, 40);
    assert_int_equal(kd_vt_output_pending(vt), 0);

    vt_put(vt, "\x1b]2;caf\xc3\xa9\x1b\\");
    assert_string_equal(kd_vt_title(vt), "caf\xc3\xa9");
    vt_put(vt, "\x1b]2;");
    vt_put(vt, longtitle);
    vt_put(vt, "\x07");
    assert_string_equal(kd_vt_title(vt), "caf\xc3\xa9"); /* too long: dropped */
    longtitle[300] = '\0';
    vt_put(vt, "\x1b]0;\xff");
    vt_put(vt, longtitle);
    vt_put(vt, "\x07");
    assert_true(strlen(kd_vt_title(vt)) <= KD_VT_TITLE_MAX);
    assert_true(strncmp(kd_vt_title(vt), "\xef\xbf\xbdTTT", 6) == 0);
    for (const char *p = kd_vt_title(vt); *p; p++)
        assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
    assert_row(vt, 0, "AB");
    assert_int_equal(kd_vt_output_pending(vt), 0);
    assert_clean(vt);
    free(longtitle);
    kd_vt_free(vt);
}

static void test_huge_parameters(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(5, 20, 100);
    /* More than 16 parameters overflow libvterm 0.1.4: dropped whole. */
    vt_put(vt, "\x1b[1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1mX");
    assert_int_equal(vt_cell(vt, 0, 0)->attrs, 0);
    vt_put(vt, "\xc2\x9b"
               "1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1:1mY");
    assert_int_equal(vt_cell(vt, 0, 1)->attrs, 0);
    /* Sixteen is the most libvterm keeps, and works. */
    vt_put(vt, "\x1b[0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;1mZ\x1b[m");
    assert_int_equal(vt_cell(vt, 0, 2)->attrs, KD_VT_ATTR_BOLD);
    /* A parameter of ten or more digits, or a sequence of a million bytes. */
    vt_put(vt, "\x1b[99999999999999999999999999C!");
    assert_int_equal(vt_cell(vt, 0, 3)->ch[0], '!');
    char *big = kd_malloc(1000003);
    memcpy(big, "\x1b[", 2);
    memset(big + 2, ';', 1000000);
    big[1000002] = 'm';
    kd_vt_write(vt, big, 1000003);
    memset(big + 2, '7', 1000000);
    kd_vt_write(vt, big, 1000003);
    free(big);
    vt_put(vt, "?");
    assert_row(vt, 0, "XYZ!?");
    /* A CSI C1 control from UTF-8 works like ESC [. */
    vt_put(vt, "\xc2\x9b"
               "3;1Hc1");
    assert_row(vt, 2, "c1");
    assert_clean(vt);
    kd_vt_free(vt);
}

static void test_repeat(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(5, 10, 100);
    /* Nothing printed yet: libvterm 0.1.4 would loop for ever on this. */
    vt_put(vt, "\x1b[5b\x1b]0;t\x07\x1b[999999999b");
    vt_put(vt, "\x1b*[b\x1b(%[3b"); /* a REP to libvterm, after intermediates */
    assert_row(vt, 0, "");
    assert_cursor(vt, 0, 0);
    vt_put(vt, "ab\x1b[3b\x1b[bc\x1b[0b");
    assert_row(vt, 0, "abbbbbcc");
    /* Controls in between do not matter; a count past the width fills one width. */
    vt_put(vt, "\r\n-\x1b[1m\x1b[999999999b|");
    assert_row(vt, 1, "----------");
    assert_row(vt, 2, "-|");
    /* Only ASCII is repeated (curses repeats nothing else); malformed REPs do nothing. */
    vt_put(vt, "\r\n\xc3\xa9\x1b[3b.\x1b[?3b\x1b[1;2b\x1b[1 b");
    assert_row(vt, 3, "\xc3\xa9.");
    assert_clean(vt);
    kd_vt_free(vt);
}

/* Margins set on a large screen, then the screen made smaller than them: scrolling must
 * stay inside the new screen (libvterm 0.1.4 alone moves a negative number of lines). */
static void test_margins_after_shrink(void **state)
{
    (void)state;
    kd_err err;
    kd_vt *vt = vt_make(24, 80, 100);
    vt_put(vt, "\x1b[?69h\x1b[30;70s\x1b[10;20r\x1b[12;40H");
    assert_int_equal(kd_vt_resize(vt, 3, 20, &err), 0);
    int row, col;
    bool visible;
    kd_vt_cursor(vt, &row, &col, &visible);
    assert_true(row >= 0 && row < 3 && col >= 0 && col < 20);
    vt_put(vt, "\x1b[5S\x1b[2T\n\n\n\x1b[3L\x1b[3M\x1b[5@\x1b[5P\x1b[?69l");
    assert_clean(vt);
    /* The margins are the whole screen again: a line feed at the bottom scrolls it all. */
    vt_put(vt, "\x1b[2J\x1b[Ha\r\nb\r\nc\r\nd");
    assert_row(vt, 0, "b");
    assert_row(vt, 2, "d");
    assert_int_equal(kd_vt_resize(vt, 30, 100, &err), 0);
    vt_put(vt, "\x1b[5S\x1b[2T\x1b[3L\x1b[3M");
    assert_clean(vt);
    kd_vt_free(vt);
}

static void test_huge_counts_and_bells(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(10, 40, 100);
    vt_put(vt, "\x1b[999999999b");  /* repeat, with nothing to repeat */
    vt_put(vt, "x\x1b[999999999b"); /* repeat */
    vt_put(vt, "\x1b[999999999@\x1b[999999999P\x1b[999999999X");
    vt_put(vt, "\x1b[999999999L\x1b[999999999M\x1b[999999999S\x1b[999999999T");
    vt_put(vt, "\x1b[999999999I\x1b[999999999Z\x1b[999999999E\x1b[999999999F");
    vt_put(vt, "\x1b[H\x1b[999999999;999999999r\x1b[r");
    assert_clean(vt);
    vt_put(vt, "\x1b[2J\x1b[Hok");
    assert_row(vt, 0, "ok");

    assert_false(kd_vt_take_bell(vt));
    char *bells = kd_malloc(100000);
    memset(bells, '\a', 100000);
    kd_vt_write(vt, bells, 100000);
    free(bells);
    assert_true(kd_vt_take_bell(vt));
    assert_false(kd_vt_take_bell(vt));
    kd_vt_free(vt);
}

static void test_queries_answered(void **state)
{
    (void)state;
    kd_vt *vt = vt_make(24, 80, 100);
    vt_put(vt, "\x1b[c");
    assert_output(vt, "\x1b[?1;2c");
    vt_put(vt, "\x1b[5;10H\x1b[6n");
    assert_output(vt, "\x1b[5;10R");
    vt_put(vt, "\x1b[5n");
    assert_output(vt, "\x1b[0n");
    vt_put(vt, "\x1bP$qm\x1b\\"); /* DECRQSS for SGR is allowed through and answered */
    char *out = take_all(vt);
    assert_true(strncmp(out, "\x1bP1$r", 5) == 0);
    free(out);
    /* Nobody draining answers: the buffer stops growing. */
    for (int i = 0; i < 20000; i++)
        vt_put(vt, "\x1b[c");
    assert_true(kd_vt_output_pending(vt) <= KD_VT_OUTPUT_MAX);
    assert_true(kd_vt_output_pending(vt) > KD_VT_OUTPUT_MAX - 16);
    /* Draining in pieces keeps the order. */
    char buf[5];
    assert_int_equal(kd_vt_take_output(vt, buf, 3), 3);
    assert_memory_equal(buf, "\x1b[?", 3);
    assert_int_equal(kd_vt_take_output(vt, buf, 4), 4);
    assert_memory_equal(buf, "1;2c", 4);
    kd_vt_free(vt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_rejects_bad_sizes),
        cmocka_unit_test(test_text_and_wrap),
        cmocka_unit_test(test_cr_lf_bs_tab),
        cmocka_unit_test(test_colours),
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_cursor_and_erase),
        cmocka_unit_test(test_scroll_region),
        cmocka_unit_test(test_alternate_screen),
        cmocka_unit_test(test_split_at_every_byte),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_utf8_cut_by_control),
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_huge_parameters),
        cmocka_unit_test(test_repeat),
        cmocka_unit_test(test_huge_counts_and_bells),
        cmocka_unit_test(test_margins_after_shrink),
        cmocka_unit_test(test_queries_answered),
    };
    int failed = cmocka_run_group_tests_name("vt emulation", tests, NULL, NULL);
    return failed + vt_view_tests_run();
}
