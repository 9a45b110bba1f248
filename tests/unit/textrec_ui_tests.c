#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "textrec_helpers.h"
#include "textrec_tests.h"
#include "ui/vnc_text.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The recognised screen drawn with curses: on a screen of its own (written to /dev/null),
 * read back cell by cell. */

typedef struct {
    SCREEN *scr;
    FILE *out, *in;
} term;

static void term_open(term *t, const char *type)
{
    setlocale(LC_ALL, "C.UTF-8");
    t->out = fopen("/dev/null", "w");
    t->in = fopen("/dev/null", "r");
    assert_non_null(t->out);
    assert_non_null(t->in);
    t->scr = newterm(type, t->out, t->in);
    assert_non_null(t->scr);
    set_term(t->scr);
    start_color();
    use_default_colors();
}

static void term_close(term *t)
{
    endwin();
    delscreen(t->scr);
    fclose(t->out);
    fclose(t->in);
}

static wchar_t char_at(WINDOW *w, int y, int x, attr_t *attrs, short *pair)
{
    cchar_t cc;
    wchar_t wch[CCHARW_MAX + 1];
    attr_t a;
    short p;
    assert_int_equal(mvwin_wch(w, y, x, &cc), OK);
    assert_int_equal(getcchar(&cc, wch, &a, &p, NULL), OK);
    if (attrs)
        *attrs = a;
    if (pair)
        *pair = p;
    return wch[0];
}

static void assert_text_at(WINDOW *w, int y, int x, const char *want)
{
    for (int i = 0; want[i]; i++)
        assert_int_equal(char_at(w, y, x + i, NULL, NULL), (wchar_t)want[i]);
}

static void test_draw(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 4, BLACK);
    screen_text(s, f->rom, 9, 0, 0, 0, 0, "\xc9\xcd\xbb Boot menu", YELLOW, BLUE);
    screen_text(s, f->rom, 9, 0, 0, 24, 0, "login: ", GREY, BLACK);
    screen_fill(s, 7 * 9, 24 * 16 + 14, 9, 2, GREY); /* the cursor after "login: " */
    for (int y = 100; y < 116; y++)                  /* a picture in cell row 6, col 40 */
        for (int x = 360; x < 369; x++)
            screen_put(s, x, y, (uint32_t)(x * 5 + y * 11) << 8);
    kd_textrec *rec = recognise(f->fonts, s);
    assert_true(kd_textrec_is_text(rec));

    term t;
    term_open(&t, "xterm-256color");
    WINDOW *w = newwin(30, 100, 0, 0);
    /* A larger pane: the 25x80 grid centred, below a title row. */
    assert_int_equal(kd_vnc_text_draw(w, 1, 29, 100, rec), 2000);
    int top = 1 + 2, left = 10;
    assert_text_at(w, top, left + 3, " Boot menu");
    assert_int_equal(char_at(w, top, left, NULL, NULL), 0x2554);
    short pair;
    attr_t a;
    char_at(w, top, left + 4, &a, &pair);
    short fg, bg;
    assert_int_equal(pair_content(pair, &fg, &bg), OK);
    assert_int_equal(fg, 227); /* 0xffff55 in xterm's 256 colours */
    assert_int_equal(bg, 19);  /* 0x0000aa */
    assert_text_at(w, top + 24, left, "login:");
    char_at(w, top + 24, left + 7, &a, NULL);
    assert_true(a & A_REVERSE);
    assert_int_equal(char_at(w, top + 6, left + 40, NULL, NULL), 0x2580);
    /* A smaller pane: the part around the cursor (the prompt), cut at the right. */
    werase(w);
    assert_int_equal(kd_vnc_text_draw(w, 0, 10, 40, rec), 400);
    assert_text_at(w, 9, 0, "login:");
    char_at(w, 9, 7, &a, NULL);
    assert_true(a & A_REVERSE);
    assert_int_equal(char_at(w, 0, 40, NULL, NULL), L' ');
    delwin(w);
    term_close(&t);

    /* Sixteen colours: the nearest VGA colours. */
    term_open(&t, "xterm-16color");
    w = newwin(25, 80, 0, 0);
    kd_vnc_text_draw(w, 0, 25, 80, rec);
    char_at(w, 0, 4, &a, &pair);
    assert_int_equal(pair_content(pair, &fg, &bg), OK);
    assert_int_equal(fg, 11);
    assert_int_equal(bg, 4);
    delwin(w);
    term_close(&t);
    kd_textrec_free(rec);
    screen_free(s);

    /* No cursor found: a small pane shows the last text on the screen. */
    s = screen_new(720, 400, 4, BLACK);
    screen_text(s, f->rom, 9, 0, 0, 2, 0, "early line", GREY, BLACK);
    screen_text(s, f->rom, 9, 0, 0, 20, 0, "Kernel panic", GREY, BLACK);
    rec = recognise(f->fonts, s);
    term_open(&t, "xterm-256color");
    w = newwin(10, 40, 0, 0);
    kd_vnc_text_draw(w, 0, 10, 40, rec);
    assert_text_at(w, 9, 0, "Kernel panic");
    delwin(w);
    term_close(&t);
    kd_textrec_free(rec);
    screen_free(s);
}

/* The graphical console's text state: text by default when the screen is text. */
static void test_text_state(void **state)
{
    textrec_fixture *f = *state;
    kd_vnc_text *t = kd_vnc_text_new(true);
    assert_false(kd_vnc_text_showing(t));
    screen *s = screen_new(720, 400, 4, BLACK);
    screen_text(s, f->rom, 9, 0, 0, 3, 0, "Loading Linux 6.1.0-18-cloud-amd64 ...", GREY, BLACK);
    kd_vnc_text_damage(t, &s->fb, 0, 0, 720, 400);
    assert_true(kd_vnc_text_showing(t));
    assert_string_equal(kd_vnc_text_mode_name(t), "text");
    char *line = kd_textrec_line(kd_vnc_text_rec(t), 3);
    assert_string_equal(line, "Loading Linux 6.1.0-18-cloud-amd64 ...");
    free(line);
    char msg[160];
    assert_false(kd_vnc_text_toggle(t, &s->fb, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "pixels"));
    assert_false(kd_vnc_text_showing(t));
    assert_true(kd_vnc_text_toggle(t, &s->fb, msg, sizeof(msg)));
    assert_non_null(strstr(msg, "as text"));
    for (int y = 0; y < 400; y++)
        for (int x = 0; x < 720; x++)
            screen_put(s, x, y, (uint32_t)(x * 0x10001 + y * 0x100));
    kd_vnc_text_damage(t, &s->fb, 0, 0, 720, 400);
    assert_false(kd_vnc_text_showing(t));
    assert_string_equal(kd_vnc_text_mode_name(t), "pixels");
    kd_vnc_text_free(t);
    kd_vnc_text_free(NULL);
    /* Pixels first: text only once asked for. */
    t = kd_vnc_text_new(false);
    screen_fill(s, 0, 0, 720, 400, BLACK);
    screen_text(s, f->rom, 9, 0, 0, 0, 0, "login:", GREY, BLACK);
    kd_vnc_text_damage(t, &s->fb, 0, 0, 720, 400);
    assert_false(kd_vnc_text_showing(t));
    assert_int_equal(kd_textrec_work(kd_vnc_text_rec(t)), 0); /* not read while unwanted */
    assert_true(kd_vnc_text_toggle(t, &s->fb, msg, sizeof(msg)));
    assert_true(kd_vnc_text_showing(t));
    line = kd_textrec_line(kd_vnc_text_rec(t), 0);
    assert_string_equal(line, "login:");
    free(line);
    kd_vnc_text_free(t);
    screen_free(s);
}

const struct CMUnitTest textrec_ui_tests[] = {
    cmocka_unit_test(test_draw),
    cmocka_unit_test(test_text_state),
};
const size_t textrec_ui_test_count = sizeof(textrec_ui_tests) / sizeof(textrec_ui_tests[0]);
