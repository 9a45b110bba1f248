#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "textrec_helpers.h"
#include "textrec_tests.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Glyphs, offsets, sizes ----------------------------------------------------------- */

/* Every glyph of the ROM, 0-255, yellow on blue in a 720x400 screen: each reads back as
 * the character the font set gives its bitmap, with its colours; the full block (all ink)
 * is a one-colour cell, so a blank with a yellow background. */
static void test_every_glyph(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 4, BLUE);
    for (int code = 0; code < 256; code++)
        screen_glyph(s, (code % 80) * 9, (code / 80) * 16, 9, kd_font_glyph(f->rom, code), code,
                     YELLOW, BLUE);
    kd_textrec *rec = recognise(f->fonts, s);
    assert_geometry(rec, 9, 0, 0, 25, 80);
    assert_true(kd_textrec_is_text(rec));
    assert_true(kd_textrec_confidence(rec) == 1.0);
    int same_as_cp437 = 0;
    for (int code = 0; code < 256; code++) {
        const kd_textrec_cell *c = kd_textrec_cell_at(rec, code / 80, code % 80);
        assert_non_null(c);
        assert_true(c->text);
        if (code == 0xdb) {
            assert_int_equal(c->ch, ' ');
            assert_int_equal(c->bg_rgb, YELLOW);
            continue;
        }
        uint32_t want;
        assert_true(kd_fontset_lookup(f->fonts, kd_font_glyph(f->rom, code), &want));
        assert_int_equal(c->ch, want);
        same_as_cp437 += want == kd_cp437_to_unicode((uint8_t)code);
        if (c->how != KD_TEXTREC_BLANK) {
            assert_int_equal(c->how, KD_TEXTREC_EXACT);
            assert_int_equal(c->fg_rgb, YELLOW);
            assert_int_equal(c->bg_rgb, BLUE);
            assert_int_equal(c->fg16, 11);
            assert_int_equal(c->bg16, 4);
        }
    }
    /* Of the 255 checked, only 0xFF (U+00A0, an empty glyph: a space) differs from code
     * page 437. */
    assert_int_equal(same_as_cp437, 254);
    char *line = kd_textrec_line(rec, 1);
    assert_non_null(strstr(line, "PQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u2302"));
    free(line);
    kd_textrec_free(rec);
    screen_free(s);
}

/* The grid found at every x offset 0-8, and at row offsets, with the cells around it cut. */
static void test_offsets(void **state)
{
    textrec_fixture *f = *state;
    const int oys[] = {0, 5, 15};
    for (int ox = 0; ox < 9; ox++) {
        for (size_t k = 0; k < sizeof(oys) / sizeof(oys[0]); k++) {
            int oy = oys[k];
            screen *s = screen_new(720, 400, 4, BLACK);
            screen_text(s, f->rom, 9, ox, oy, 0, 0, "Welcome to the text screen", GREY, BLACK);
            screen_text(s, f->rom, 9, ox, oy, 3, 10, "login: root", WHITE, BLACK);
            screen_text(s, f->rom, 9, ox, oy, 20, 2, "~ # ls -l /etc", GREY, BLACK);
            kd_textrec *rec = recognise(f->fonts, s);
            assert_geometry(rec, 9, ox, oy, oy ? 24 : 25, ox ? 79 : 80);
            assert_line(rec, 0, "Welcome to the text screen");
            assert_line(rec, 3, "          login: root");
            assert_line(rec, 20, "  ~ # ls -l /etc");
            assert_true(kd_textrec_is_text(rec));
            kd_textrec_free(rec);
            screen_free(s);
        }
    }
}

/* Framebuffer consoles: 8x16 cells on common modes. */
static void test_fbcon_sizes(void **state)
{
    textrec_fixture *f = *state;
    const int sizes[][4] = {
        {1024, 768, 48, 128}, {800, 600, 37, 100}, {640, 480, 30, 80}, {640, 400, 25, 80}};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        screen *s = screen_new(sizes[i][0], sizes[i][1], 4, BLACK);
        screen_text(s, f->rom, 8, 0, 0, 0, 0, "Debian GNU/Linux 12 host tty1", GREY, BLACK);
        screen_text(s, f->rom, 8, 0, 0, sizes[i][2] - 1, 0, "host login: _", GREY, BLACK);
        kd_textrec *rec = recognise(f->fonts, s);
        assert_geometry(rec, 8, 0, 0, sizes[i][2], sizes[i][3]);
        assert_line(rec, 0, "Debian GNU/Linux 12 host tty1");
        assert_line(rec, sizes[i][2] - 1, "host login: _");
        kd_textrec_free(rec);
        screen_free(s);
    }
}

/* Colours: every pair of the 16 VGA colours, and a colour outside the palette. */
static void test_colours(void **state)
{
    textrec_fixture *f = *state;
    static const uint32_t vga[16] = {0x000000, 0xaa0000, 0x00aa00, 0xaa5500, 0x0000aa, 0xaa00aa,
                                     0x00aaaa, 0xaaaaaa, 0x555555, 0xff5555, 0x55ff55, 0xffff55,
                                     0x5555ff, 0xff55ff, 0x55ffff, 0xffffff};
    screen *s = screen_new(720, 400, 4, BLACK);
    for (int fg = 0; fg < 16; fg++)
        for (int bg = 0; bg < 16; bg++)
            if (fg != bg)
                screen_text(s, f->rom, 9, 0, 0, fg, bg * 4, "Ab", vga[fg], vga[bg]);
    screen_text(s, f->rom, 9, 0, 0, 20, 0, "odd", 0x123456, 0xfedcba);
    kd_textrec *rec = recognise(f->fonts, s);
    for (int fg = 0; fg < 16; fg++) {
        for (int bg = 0; bg < 16; bg++) {
            if (fg == bg)
                continue;
            const kd_textrec_cell *c = kd_textrec_cell_at(rec, fg, bg * 4 + 1);
            assert_int_equal(c->ch, 'b');
            assert_int_equal(c->fg16, fg);
            assert_int_equal(c->bg16, bg);
            assert_int_equal(c->fg_rgb, vga[fg]);
            assert_int_equal(c->bg_rgb, vga[bg]);
        }
    }
    const kd_textrec_cell *c = kd_textrec_cell_at(rec, 20, 0);
    assert_int_equal(c->ch, 'o');
    assert_int_equal(c->fg_rgb, 0x123456);
    assert_int_equal(c->bg_rgb, 0xfedcba);
    assert_int_equal(c->fg16, 8);  /* nearest: dark grey */
    assert_int_equal(c->bg16, 15); /* nearest: white */
    kd_textrec_free(rec);
    screen_free(s);
}

/* Inverse video (a selected menu line) and glyphs with more ink than paper. */
static void test_inverse(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 4, BLUE);
    screen_text(s, f->rom, 9, 0, 0, 2, 2, " Install ", BLUE, GREY);
    screen_text(s, f->rom, 9, 0, 0, 3, 2, " Rescue  ", GREY, BLUE);
    screen_text(s, f->rom, 9, 0, 0, 5, 2, "\xb2\xb1\xb0\x08\x0a", YELLOW, BLUE);
    kd_textrec *rec = recognise(f->fonts, s);
    assert_line(rec, 2, "   Install");
    assert_line(rec, 3, "   Rescue");
    assert_line(rec, 5, "  \u2593\u2592\u2591\u25d8\u25d9");
    const kd_textrec_cell *c = kd_textrec_cell_at(rec, 2, 3);
    assert_int_equal(c->fg_rgb, BLUE);
    assert_int_equal(c->bg_rgb, GREY);
    for (int col = 2; col < 7; col++) {
        c = kd_textrec_cell_at(rec, 5, col);
        assert_int_equal(c->how, KD_TEXTREC_EXACT);
        assert_int_equal(c->fg_rgb, YELLOW);
        assert_int_equal(c->bg_rgb, BLUE);
    }
    kd_textrec_free(rec);
    screen_free(s);
}

/* The cursor: solid rows over a blank and over a letter (QEMU draws Linux's on scan lines
 * 13-14); the letter under it is still read. */
static void test_cursor(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 4, BLACK);
    screen_text(s, f->rom, 9, 0, 0, 24, 0, "kdguest:~# ", GREY, BLACK);
    screen_fill(s, 11 * 9, 24 * 16 + 13, 9, 2, GREY);
    kd_textrec *rec = recognise(f->fonts, s);
    int row = -1, col = -1;
    assert_true(kd_textrec_cursor(rec, &row, &col));
    assert_int_equal(row, 24);
    assert_int_equal(col, 11);
    assert_int_equal(kd_textrec_cell_at(rec, 24, 11)->how, KD_TEXTREC_CURSOR);
    assert_line(rec, 24, "kdguest:~#");
    assert_true(kd_textrec_confidence(rec) == 1.0);

    /* Moved onto the 'g' of row 24 (bottom rows 14-15), and it blinks off: still there. */
    screen_fill(s, 11 * 9, 24 * 16 + 13, 9, 2, BLACK);
    screen_fill(s, 2 * 9, 24 * 16 + 14, 9, 2, GREY);
    kd_textrec_update(rec, &s->fb, 0, 24 * 16, 720, 16);
    assert_true(kd_textrec_cursor(rec, &row, &col));
    assert_int_equal(col, 2);
    assert_line(rec, 24, "kdguest:~#");
    screen_text(s, f->rom, 9, 0, 0, 24, 2, "g", GREY, BLACK);
    kd_textrec_update(rec, &s->fb, 2 * 9, 24 * 16, 9, 16);
    assert_true(kd_textrec_cursor(rec, &row, &col));
    assert_int_equal(col, 2);
    kd_textrec_free(rec);
    screen_free(s);
}

/* A glyph no font has: one pixel off is still the letter; a scribble is not text. */
static void test_nearest_and_not_text(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 4, BLACK);
    screen_text(s, f->rom, 9, 0, 0, 0, 0, "Reading RRR", GREY, BLACK);
    screen_put(s, 8 * 9 + 7, 5, GREY); /* R + 1 pixel */
    for (int i = 0; i < 40; i++)       /* R + a scribble */
        screen_put(s, 9 * 9 + (i * 5) % 8, (i * 3) % 16, GREY);
    kd_textrec *rec = recognise(f->fonts, s);
    const kd_textrec_cell *c = kd_textrec_cell_at(rec, 0, 8);
    assert_int_equal(c->ch, 'R');
    assert_int_equal(c->how, KD_TEXTREC_NEAREST);
    assert_true(c->text);
    c = kd_textrec_cell_at(rec, 0, 9);
    assert_int_equal(c->how, KD_TEXTREC_NONE);
    assert_false(c->text);
    assert_int_equal(c->ch, 0xfffd);
    /* 8 exact of 10 non-blank cells. */
    assert_true(kd_textrec_confidence(rec) > 0.79 && kd_textrec_confidence(rec) < 0.81);
    kd_textrec_free(rec);
    screen_free(s);
}

/* A one-line update reads that line only: the other cells are poisoned and stay as they
 * were, and the work done is one row of cells. */
static void test_damage_only(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 4, BLACK);
    for (int r = 0; r < 25; r++) {
        char line[32];
        snprintf(line, sizeof(line), "line %02d of the screen", r);
        screen_text(s, f->rom, 9, 0, 0, r, 0, line, GREY, BLACK);
    }
    kd_textrec *rec = recognise(f->fonts, s);
    uint64_t work = kd_textrec_work(rec);
    assert_true(work >= 2000);
    /* Poison: rows 0-9 and 11-24 become noise, row 10 gets new text. */
    for (int y = 0; y < 400; y++)
        for (int x = 0; x < 720; x++)
            if (y / 16 != 10)
                screen_put(s, x, y, (uint32_t)(x * 2654435761u ^ y * 40503u) & 0xffffff);
    screen_fill(s, 0, 160, 720, 16, BLACK);
    screen_text(s, f->rom, 9, 0, 0, 10, 0, "a new line 10", WHITE, BLACK);
    kd_textrec_update(rec, &s->fb, 0, 160, 720, 16);
    assert_int_equal(kd_textrec_work(rec) - work, 80);
    assert_line(rec, 10, "a new line 10");
    assert_line(rec, 9, "line 09 of the screen");
    assert_line(rec, 11, "line 11 of the screen");
    assert_true(kd_textrec_is_text(rec));
    /* A rectangle across two cells of two rows costs four cells; outside the fb nothing. */
    work = kd_textrec_work(rec);
    kd_textrec_update(rec, &s->fb, 17, 170, 2, 10);
    assert_int_equal(kd_textrec_work(rec) - work, 4);
    kd_textrec_update(rec, &s->fb, 720, 0, 10, 10);
    kd_textrec_update(rec, &s->fb, -50, -50, 20, 20);
    kd_textrec_update(rec, &s->fb, 0, 0, -5, 100);
    assert_int_equal(kd_textrec_work(rec) - work, 4);
    kd_textrec_free(rec);
    screen_free(s);
}

/* Sizes: none, tiny, too large for a grid, invalid formats; never a read out of bounds. */
static void test_odd_sizes(void **state)
{
    textrec_fixture *f = *state;
    kd_textrec *rec = kd_textrec_new(f->fonts, 0);
    int rows, cols;
    kd_textrec_update(rec, NULL, 0, 0, 1, 1);
    screen *tiny = screen_new(5, 5, 4, WHITE);
    kd_textrec_update(rec, &tiny->fb, 0, 0, 5, 5);
    kd_textrec_size(rec, &rows, &cols);
    assert_int_equal(rows, 0);
    assert_false(kd_textrec_is_text(rec));
    assert_null(kd_textrec_cell_at(rec, 0, 0));
    assert_null(kd_textrec_line(rec, 0));
    /* 4200 pixels wide: 525 columns of 8, past KD_TEXTREC_MAX_COLS. */
    screen *wide = screen_new(4200, 16, 4, BLACK);
    screen_text(wide, f->rom, 8, 0, 0, 0, 0, "wide", GREY, BLACK);
    kd_textrec_update(rec, &wide->fb, 0, 0, 4200, 16);
    kd_textrec_size(rec, &rows, &cols);
    assert_int_equal(rows, 0);
    assert_false(kd_textrec_is_text(rec));
    /* Invalid framebuffers: the pixels must not be touched (a 1-byte buffer). */
    uint8_t one = 0;
    const kd_fb bad[] = {
        {&one, 0, 0, 0, 4, 16, 8, 0, 255, 255, 255},
        {&one, 9000, 400, 36000, 4, 16, 8, 0, 255, 255, 255},
        {&one, 720, 400, 100, 4, 16, 8, 0, 255, 255, 255},
        {&one, 720, 400, 2160, 3, 16, 8, 0, 255, 255, 255},
        {&one, 720, 400, 2880, 4, 30, 8, 0, 255, 255, 255},
        {&one, 720, 400, 2880, 4, 16, 8, 0, 0, 255, 255},
        {&one, 720, 400, 2880, 4, 16, 8, 0, 254, 255, 255},
        {&one, 720, 400, 1440, 2, 11, 5, 0, 255, 63, 31},
        {NULL, 720, 400, 2880, 4, 16, 8, 0, 255, 255, 255},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kd_textrec_update(rec, &bad[i], 0, 0, 720, 400);
        kd_textrec_size(rec, &rows, &cols);
        assert_int_equal(rows, 0);
        assert_false(kd_textrec_is_text(rec));
    }
    kd_textrec_free(rec);
    kd_textrec_free(NULL);
    screen_free(tiny);
    screen_free(wide);
}

/* RGB 5:6:5 pixels. */
static void test_16bit(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 2, BLUE);
    screen_text(s, f->rom, 9, 4, 0, 1, 0, "Sixteen bits per pixel", YELLOW, BLUE);
    kd_textrec *rec = recognise(f->fonts, s);
    assert_geometry(rec, 9, 4, 0, 25, 79);
    assert_line(rec, 1, "Sixteen bits per pixel");
    const kd_textrec_cell *c = kd_textrec_cell_at(rec, 1, 0);
    assert_int_equal(c->fg16, 11);
    assert_int_equal(c->bg16, 4);
    assert_int_equal(c->fg_rgb, 0xffff52); /* 5:6:5 keeps 5 bits of blue: 0x55 -> 0x52 */
    kd_textrec_free(rec);
    screen_free(s);
}

/* A new size finds a new grid; a picture makes the screen graphical; text at another
 * offset repainted over it is found again by that update. */
static void test_redetect(void **state)
{
    textrec_fixture *f = *state;
    screen *a = screen_new(720, 400, 4, BLACK);
    screen_text(a, f->rom, 9, 0, 0, 0, 0, "SeaBIOS (version 1.16.2-debian-1.16.2-1)", GREY, BLACK);
    kd_textrec *rec = recognise(f->fonts, a);
    assert_geometry(rec, 9, 0, 0, 25, 80);
    screen *b = screen_new(800, 600, 4, BLACK);
    screen_text(b, f->rom, 8, 0, 0, 2, 0, "fbcon: bochs-drmdrmfb (fb0) is primary device", GREY,
                BLACK);
    kd_textrec_update(rec, &b->fb, 0, 0, 10, 10);
    assert_geometry(rec, 8, 0, 0, 37, 100);
    assert_line(rec, 2, "fbcon: bochs-drmdrmfb (fb0) is primary device");
    /* Same size: a picture, then text at x offset 3. */
    for (int y = 0; y < 600; y++)
        for (int x = 0; x < 800; x++)
            screen_put(b, x, y, (uint32_t)(x * 7 + y * 13) & 0xffffff);
    kd_textrec_update(rec, &b->fb, 0, 0, 800, 600);
    assert_false(kd_textrec_is_text(rec));
    screen_fill(b, 0, 0, 800, 600, BLACK);
    for (int r = 0; r < 30; r++)
        screen_text(b, f->rom, 8, 3, 0, r, 0, "Debian GNU/Linux 12 kdguest tty1", GREY, BLACK);
    kd_textrec_update(rec, &b->fb, 0, 0, 800, 600);
    /* The repaint looks like text on another grid: searched again at once. */
    assert_true(kd_textrec_is_text(rec));
    assert_geometry(rec, 8, 3, 0, 37, 99);
    assert_line(rec, 29, "Debian GNU/Linux 12 kdguest tty1");
    /* Text appearing line by line on a blank screen, off the grid first guessed. */
    screen_fill(a, 0, 0, 720, 400, BLACK);
    kd_textrec_update(rec, &a->fb, 0, 0, 720, 400);
    assert_true(kd_textrec_is_text(rec));
    screen_text(a, f->rom, 9, 4, 0, 0, 0, "SeaBIOS (version 1.16.2-debian-1.16.2-1)", GREY, BLACK);
    kd_textrec_update(rec, &a->fb, 0, 0, 720, 16);
    assert_geometry(rec, 9, 4, 0, 25, 79);
    assert_true(kd_textrec_is_text(rec));
    assert_line(rec, 0, "SeaBIOS (version 1.16.2-debian-1.16.2-1)");
    kd_textrec_free(rec);
    screen_free(a);
    screen_free(b);
}

static int rnd(uint32_t *seed, int n)
{
    *seed = *seed * 1103515245u + 12345u;
    return (int)((*seed >> 8) % (uint32_t)n);
}

/* Random formats, sizes, contents and rectangles (negative, huge, past the edges): every
 * read stays inside the framebuffer (the sanitizers check) and the figures stay sane. */
static void test_random_updates(void **state)
{
    textrec_fixture *f = *state;
    uint32_t seed = 42;
    int rw, rh;
    kd_textrec *rec = kd_textrec_new(f->fonts, 50);
    for (int round = 0; round < 40; round++) {
        int w = 1 + rnd(&seed, 1100), h = 1 + rnd(&seed, 420), bpp = rnd(&seed, 2) ? 4 : 2;
        screen *s = screen_new(w, h, bpp, BLACK);
        s->fb.stride += 4 * rnd(&seed, 3); /* rows with padding after them */
        s->px = realloc(s->px, (size_t)s->fb.stride * (size_t)h);
        s->fb.pixels = s->px;
        memset(s->px, 0, (size_t)s->fb.stride * (size_t)h);
        for (int r = 0; r * 16 < h; r++)
            screen_text(s, f->rom, rnd(&seed, 2) ? 9 : 8, rnd(&seed, 9), 0, r, 0,
                        "random text 0123", GREY, BLACK);
        for (int k = 0; k < 30; k++) {
            int x = rnd(&seed, w + 40) - 20, y = rnd(&seed, h + 40) - 20;
            if (rnd(&seed, 4) == 0)
                screen_put(s, x, y, (uint32_t)rnd(&seed, 0xffffff));
            rw = rnd(&seed, 2000) - 100;
            rh = rnd(&seed, 2000) - 100;
            kd_textrec_update(rec, &s->fb, x, y, rw, rh);
            int rows, cols;
            kd_textrec_size(rec, &rows, &cols);
            assert_true(rows >= 0 && rows <= KD_TEXTREC_MAX_ROWS && rows * 16 <= h);
            assert_true(cols >= 0 && cols <= KD_TEXTREC_MAX_COLS && cols * 8 <= w);
            double c = kd_textrec_confidence(rec);
            assert_true(c >= 0.0 && c <= 1.0);
            if (rnd(&seed, 8) == 0)
                kd_textrec_commit(rec);
        }
        kd_buf b;
        kd_buf_init(&b);
        kd_textrec_dump(rec, &b);
        kd_buf_free(&b);
        screen_free(s);
    }
    assert_true(kd_textrec_scrollback_count(rec) <= 50);
    kd_textrec_free(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_glyph),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_fbcon_sizes),
        cmocka_unit_test(test_colours),
        cmocka_unit_test(test_inverse),
        cmocka_unit_test(test_cursor),
        cmocka_unit_test(test_nearest_and_not_text),
        cmocka_unit_test(test_damage_only),
        cmocka_unit_test(test_odd_sizes),
        cmocka_unit_test(test_16bit),
        cmocka_unit_test(test_redetect),
        cmocka_unit_test(test_random_updates),
    };
    int failed = cmocka_run_group_tests_name("recognition", tests, textrec_setup, textrec_teardown);
    failed +=
        _cmocka_run_group_tests("fonts", textrec_font_tests, textrec_font_test_count, NULL, NULL);
    failed += _cmocka_run_group_tests("pictures", textrec_picture_tests, textrec_picture_test_count,
                                      textrec_setup, textrec_teardown);
    failed += _cmocka_run_group_tests("history", textrec_hist_tests, textrec_hist_test_count,
                                      textrec_setup, textrec_teardown);
    failed += _cmocka_run_group_tests("drawing", textrec_ui_tests, textrec_ui_test_count,
                                      textrec_setup, textrec_teardown);
    return failed ? 1 : 0;
}
