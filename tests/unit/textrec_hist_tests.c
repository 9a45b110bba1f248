#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "textrec_helpers.h"
#include "textrec_tests.h"
#include "console/ppm.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rows first .. first+n-1 of a log ("log line NN"), drawn at the top of a fresh screen. */
static void draw_log(screen *s, const kd_font *rom, int first, int n)
{
    screen_fill(s, 0, 0, s->fb.width, s->fb.height, BLACK);
    for (int r = 0; r < n; r++) {
        char line[32];
        snprintf(line, sizeof(line), "log line %02d", first + r);
        screen_text(s, rom, 9, 0, 0, r, 0, line, GREY, BLACK);
    }
}

static void feed(kd_textrec *rec, const screen *s)
{
    kd_textrec_update(rec, &s->fb, 0, 0, s->fb.width, s->fb.height);
    kd_textrec_commit(rec);
}

static void assert_text_line(const kd_textrec *rec, size_t line, const char *want)
{
    char *got = kd_textrec_line_text(rec, line);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_scroll(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 4, BLACK);
    draw_log(s, f->rom, 0, 25);
    kd_textrec *rec = recognise(f->fonts, s);
    kd_textrec_commit(rec);
    assert_int_equal(kd_textrec_scrollback_count(rec), 0);
    /* Unchanged, then the bottom line typed on: nothing scrolled. */
    feed(rec, s);
    screen_text(s, f->rom, 9, 0, 0, 24, 11, " more", GREY, BLACK);
    feed(rec, s);
    assert_int_equal(kd_textrec_scrollback_count(rec), 0);
    /* Three lines scroll off. */
    draw_log(s, f->rom, 3, 25);
    feed(rec, s);
    assert_int_equal(kd_textrec_scrollback_count(rec), 3);
    assert_int_equal(kd_textrec_line_count(rec), 28);
    assert_text_line(rec, 0, "log line 00");
    assert_text_line(rec, 2, "log line 02");
    assert_text_line(rec, 3, "log line 03");
    assert_text_line(rec, 27, "log line 27");
    assert_null(kd_textrec_line_text(rec, 28));
    /* A line changed in the middle: nothing scrolled, nothing replaced. */
    screen_text(s, f->rom, 9, 0, 0, 10, 0, "LOG", GREY, BLACK);
    feed(rec, s);
    assert_int_equal(kd_textrec_scrollback_count(rec), 3);
    kd_textrec_free(rec);
    screen_free(s);
}

/* A cleared screen and a picture each put the old screen in the scrollback, once. */
static void test_replaced(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 4, BLACK);
    draw_log(s, f->rom, 0, 5);
    kd_textrec *rec = recognise(f->fonts, s);
    kd_textrec_commit(rec);
    draw_log(s, f->rom, 0, 0);
    feed(rec, s);
    assert_int_equal(kd_textrec_scrollback_count(rec), 5);
    assert_text_line(rec, 4, "log line 04");
    draw_log(s, f->rom, 50, 2);
    feed(rec, s);
    assert_int_equal(kd_textrec_scrollback_count(rec), 5);
    for (int y = 0; y < 400; y++)
        for (int x = 0; x < 720; x++)
            screen_put(s, x, y, (uint32_t)(x * 0x10203 + y * 0x30201) & 0xffffff);
    feed(rec, s);
    assert_false(kd_textrec_is_text(rec));
    feed(rec, s);
    assert_int_equal(kd_textrec_scrollback_count(rec), 7);
    assert_text_line(rec, 6, "log line 51");
    kd_textrec_free(rec);
    screen_free(s);
}

static void test_search(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 4, BLACK);
    draw_log(s, f->rom, 0, 25);
    kd_textrec *rec = recognise(f->fonts, s);
    kd_textrec_commit(rec);
    draw_log(s, f->rom, 10, 25);
    screen_text(s, f->rom, 9, 0, 0, 20, 0, "Caf\x82 \xda\xc4\xbf and log line", GREY, BLACK);
    feed(rec, s);
    assert_int_equal(kd_textrec_scrollback_count(rec), 10);
    size_t line;
    int col;
    assert_true(kd_textrec_search(rec, "line 05", 0, false, false, &line, &col));
    assert_int_equal(line, 5);
    assert_int_equal(col, 4);
    assert_true(kd_textrec_search(rec, "LOG LINE", 6, false, true, &line, &col));
    assert_int_equal(line, 6);
    assert_false(kd_textrec_search(rec, "LOG LINE", 0, false, false, &line, &col));
    assert_true(
        kd_textrec_search(rec, "caf\u00e9 \u250c\u2500\u2510", 0, false, true, &line, &col));
    assert_int_equal(line, 30);
    assert_int_equal(col, 0);
    /* Backwards from the end: the rightmost match of the last line holding one. */
    assert_true(kd_textrec_search(rec, "line", 1000, true, false, &line, &col));
    assert_int_equal(line, 34);
    assert_true(kd_textrec_search(rec, "line", 30, true, false, &line, &col));
    assert_int_equal(line, 30);
    assert_int_equal(col, 17);
    assert_false(kd_textrec_search(rec, "", 0, false, false, &line, &col));
    assert_false(kd_textrec_search(rec, "absent", 0, false, false, &line, &col));
    assert_false(kd_textrec_search(rec, "log", 35, false, false, &line, &col));
    kd_textrec_free(rec);
    screen_free(s);
}

static void test_no_scrollback(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 4, BLACK);
    draw_log(s, f->rom, 0, 25);
    kd_textrec *rec = kd_textrec_new(f->fonts, 0);
    feed(rec, s);
    draw_log(s, f->rom, 5, 25);
    feed(rec, s);
    assert_int_equal(kd_textrec_scrollback_count(rec), 0);
    assert_int_equal(kd_textrec_line_count(rec), 25);
    kd_textrec_free(rec);
    screen_free(s);
}

/* --- Recorded guest screens ---------------------------------------------------------- */

static kd_textrec *recorded(const kd_fontset *fonts, kd_textrec *rec, const char *name)
{
    char *path = kd_asprintf("%s/%s.ppm.gz", SCREEN_DIR, name);
    kd_ppm ppm;
    kd_err err = {0};
    if (kd_ppm_load(path, &ppm, &err) < 0)
        fail_msg("%s", err.msg);
    if (!rec)
        rec = kd_textrec_new(fonts, 1000);
    kd_textrec_update(rec, &ppm.fb, 0, 0, ppm.fb.width, ppm.fb.height);
    kd_textrec_commit(rec);
    kd_ppm_free(&ppm);
    free(path);
    return rec;
}

static void assert_matches_expected(const kd_textrec *rec, const char *name)
{
    char *path = kd_asprintf("%s/%s.txt", SCREEN_DIR, name);
    size_t n;
    char *want = kd_file_read(path, 1 << 20, &n);
    assert_non_null(want);
    kd_buf got;
    kd_buf_init(&got);
    kd_textrec_dump(rec, &got);
    assert_non_null(got.data);
    assert_string_equal(got.data, want);
    kd_buf_free(&got);
    free(want);
    free(path);
}

/* The tiny guest's VGA screen, recorded with virsh screenshot (bench/text.sh record): every
 * line as the guest printed it (the kernel's lines are in its serial log too). */
static void test_recorded_screens(void **state)
{
    textrec_fixture *f = *state;
    const char *names[] = {"boot", "shell", "typed"};
    for (size_t i = 0; i < 3; i++) {
        kd_textrec *rec = recorded(f->fonts, NULL, names[i]);
        assert_true(kd_textrec_is_text(rec));
        assert_true(kd_textrec_confidence(rec) == 1.0);
        assert_geometry(rec, 9, 0, 0, 25, 80);
        assert_matches_expected(rec, names[i]);
        kd_textrec_free(rec);
    }
    kd_textrec *rec = recorded(f->fonts, NULL, "typed");
    assert_line(rec, 5, "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) built-in shell (ash)");
    assert_line(rec, 6, "Enter 'help' for a list of built-in commands.");
    assert_line(rec, 8, "kdguest:~# echo Hello VGA 0123456789 vmwM");
    assert_line(rec, 9, "Hello VGA 0123456789 vmwM");
    assert_line(rec, 24, "kdguest:~#");
    int row, col;
    assert_true(kd_textrec_cursor(rec, &row, &col));
    assert_int_equal(row, 24);
    assert_int_equal(col, 11);
    kd_textrec_free(rec);
}

/* The shell screen, then the one after two commands: the lines that scrolled off are in
 * the scrollback, in order. */
static void test_recorded_scroll(void **state)
{
    textrec_fixture *f = *state;
    kd_textrec *rec = recorded(f->fonts, NULL, "boot");
    recorded(f->fonts, rec, "shell");
    recorded(f->fonts, rec, "typed");
    size_t line, line2;
    int col;
    assert_true(
        kd_textrec_search(rec, "Key type .fscrypt registered", 0, false, false, &line, &col));
    assert_int_equal(line, 0);
    assert_true(kd_textrec_search(rec, "Run /init as init process", 0, false, false, &line, &col));
    assert_true(
        kd_textrec_search(rec, "Switched to clocksource tsc", 0, false, false, &line2, &col));
    assert_true(line2 > line);
    assert_true(line2 < kd_textrec_scrollback_count(rec));
    /* Each line once: the scroll was seen, not a replaced screen. */
    assert_false(
        kd_textrec_search(rec, "Run /init as init process", line + 1, false, false, &line2, &col));
    assert_int_equal(kd_textrec_line_count(rec), kd_textrec_scrollback_count(rec) + 25);
    kd_textrec_free(rec);
}

/* Recorded frames are files too: bad ones give an error, not a picture. */
static void test_ppm_errors(void **state)
{
    (void)state;
    char path[] = "/tmp/kd-textrec-ppm-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *bad[] = {"",
                         "P3\n1 1\n255\n0 0 0\n",
                         "P6\n0 5\n255\n",
                         "P6\n9000 5\n255\n",
                         "P6\n2 2\n65535\n",
                         "P6\n4 4\n255\nabc",
                         "P6 # c\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(bad[i], f);
        fclose(f);
        kd_ppm ppm;
        kd_err err = {0};
        assert_int_equal(kd_ppm_load(path, &ppm, &err), -1);
        assert_int_equal(err.code, KD_ERR_INVALID);
        assert_non_null(strstr(err.msg, path));
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("P6\n# a comment\n2 1\n255\n\x01\x02\x03\x04\x05\x06", f);
    fclose(f);
    kd_ppm ppm;
    kd_err err = {0};
    assert_int_equal(kd_ppm_load(path, &ppm, &err), 0);
    assert_int_equal(ppm.fb.width, 2);
    assert_int_equal(ppm.fb.height, 1);
    assert_int_equal(ppm.data[0], 3); /* blue first: the word is 0x00RRGGBB */
    assert_int_equal(ppm.data[6], 4);
    kd_ppm_free(&ppm);
    kd_ppm_free(NULL);
    unlink(path);
    close(fd);
    assert_int_equal(kd_ppm_load(path, &ppm, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
}

const struct CMUnitTest textrec_hist_tests[] = {
    cmocka_unit_test(test_ppm_errors),      cmocka_unit_test(test_scroll),
    cmocka_unit_test(test_replaced),        cmocka_unit_test(test_search),
    cmocka_unit_test(test_no_scrollback),   cmocka_unit_test(test_recorded_screens),
    cmocka_unit_test(test_recorded_scroll),
};
const size_t textrec_hist_test_count = sizeof(textrec_hist_tests) / sizeof(textrec_hist_tests[0]);
