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

/* Pictures: not text, and cheap: a graphical screen costs a sample of each update's cells,
 * and searches for a grid only when it may have become text. */

enum { PIC_GRADIENT, PIC_NOISE, PIC_NOISE2, PIC_PHOTO, PIC_KINDS };

/* A picture in the rectangle x, y, w, h: a gradient, noise, two-colour noise (the costliest
 * kind: every cell has a bitmap to look up), a gradient with noise (a photo, a video). */
static void paint_picture(screen *s, int kind, uint32_t seed, int x0, int y0, int w, int h)
{
    for (int y = y0; y < y0 + h; y++) {
        for (int x = x0; x < x0 + w; x++) {
            seed = seed * 1103515245u + 12345u;
            uint32_t grad = (uint32_t)(x * 255 / 720) << 16 | (uint32_t)(y * 255 / 400);
            uint32_t v = kind == PIC_GRADIENT ? grad
                         : kind == PIC_NOISE  ? (seed >> 8) & 0xffffff
                         : kind == PIC_NOISE2 ? ((seed >> 16) & 1 ? WHITE : BLACK)
                                              : grad ^ ((seed >> 12) & 0x0f0f0f);
            screen_put(s, x, y, v);
        }
    }
}

/* Pictures are not text: a gradient, noise, and two-colour noise. */
static void test_graphical(void **state)
{
    textrec_fixture *f = *state;
    for (int kind = 0; kind < 3; kind++) {
        screen *s = screen_new(720, 400, 4, BLACK);
        paint_picture(s, kind, 12345, 0, 0, 720, 400);
        kd_textrec *rec = recognise(f->fonts, s);
        assert_false(kd_textrec_is_text(rec));
        kd_buf b;
        kd_buf_init(&b);
        kd_textrec_dump(rec, &b);
        assert_int_equal(b.len, 0);
        kd_buf_free(&b);
        int rows, cols, text = 0;
        kd_textrec_size(rec, &rows, &cols);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                text += kd_textrec_cell_at(rec, r, c)->text;
        assert_true(text <= rows * cols / 100);
        /* Small updates of a graphical screen cost their cells only, no search for a grid. */
        uint64_t work = kd_textrec_work(rec);
        for (int k = 0; k < 20; k++)
            kd_textrec_update(rec, &s->fb, 100, 100, 9, 16);
        assert_true(kd_textrec_work(rec) - work <= 80); /* at most 2x2 cells each */
        kd_textrec_free(rec);
        screen_free(s);
    }
}

/* Text with a picture (a boot logo) in a corner stays text; the picture's cells do not. */
static void test_text_with_picture(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(1024, 768, 4, BLACK);
    for (int r = 6; r < 40; r++)
        screen_text(s, f->rom, 8, 0, 0, r, 0, "[    0.000000] Linux version 6.1.0", GREY, BLACK);
    for (int y = 0; y < 80; y++)
        for (int x = 0; x < 80; x++)
            screen_put(s, x, y, (uint32_t)(x * 3) << 16 | (uint32_t)(y * 3) << 8 | 0x40);
    kd_textrec *rec = recognise(f->fonts, s);
    assert_true(kd_textrec_is_text(rec));
    assert_false(kd_textrec_cell_at(rec, 0, 0)->text);
    assert_line(rec, 6, "[    0.000000] Linux version 6.1.0");
    kd_textrec_free(rec);
    screen_free(s);
}

/* A picture repainted whole many times (video) costs a sample of its cells per update, not a
 * read of each cell nor a search for a grid: the first update from a text screen, and each
 * of the next ones. */
static void test_picture_cost(void **state)
{
    textrec_fixture *f = *state;
    for (int kind = 0; kind < PIC_KINDS; kind++) {
        screen *s = screen_new(720, 400, 4, BLACK);
        screen_text(s, f->rom, 9, 0, 0, 3, 0, "login: root", GREY, BLACK);
        kd_textrec *rec = recognise(f->fonts, s);
        assert_true(kd_textrec_is_text(rec));
        for (uint32_t k = 0; k < 50; k++) {
            paint_picture(s, kind, k * 7919u + 1, 0, 0, 720, 400);
            uint64_t work = kd_textrec_work(rec);
            kd_textrec_update(rec, &s->fb, 0, 0, 720, 400);
            assert_true(kd_textrec_work(rec) - work <= 16);
            assert_false(kd_textrec_is_text(rec));
            assert_false(kd_textrec_cell_at(rec, 3, 0)->text);
        }
        assert_null(kd_textrec_line(rec, 25));
        kd_textrec_free(rec);
        screen_free(s);
    }
}

/* A picture that looks like text on another grid (a desktop's text, 7 x 13 pixels a
 * character) is searched again only now and then as it changes: each search that finds
 * nothing makes the next one wait twice as long. */
static void test_picture_searches(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 4, WHITE);
    kd_textrec *rec = recognise(f->fonts, s);
    uint64_t work = kd_textrec_work(rec);
    int searched = 0, searched_late = 0;
    for (int k = 0; k < 200; k++) {
        char line[48];
        for (int r = 0; r < 29; r++) {
            snprintf(line, sizeof(line), "Terminal - Files - Mail %03d of %d", k, r);
            screen_text(s, f->rom, 7, 2, r * 13 + 8, 0, 0, line, BLACK, WHITE);
        }
        uint64_t before = kd_textrec_work(rec);
        kd_textrec_update(rec, &s->fb, 0, 0, 720, 400);
        bool search = kd_textrec_work(rec) - before > 32; /* more than two samples */
        searched += search;
        searched_late += search && k >= 100;
        assert_false(kd_textrec_is_text(rec));
    }
    /* At updates 0, 2, 6, 14, 30, 62, 126 and 190 (waits of 2, 4 .. 64). */
    assert_in_range(searched, 6, 9);
    assert_in_range(searched_late, 1, 2);
    assert_true(kd_textrec_work(rec) - work <= 200 * 250);
    kd_textrec_free(rec);
    screen_free(s);
}

/* A picture that turns into a text screen of the same size is text again after that
 * update, on the grid it had or on another one. */
static void test_picture_to_text(void **state)
{
    textrec_fixture *f = *state;
    for (int kind = 0; kind < PIC_KINDS * 2; kind++) {
        int ox = kind % 2 ? 4 : 0, cols = kind % 2 ? 79 : 80;
        screen *s = screen_new(720, 400, 4, BLACK);
        paint_picture(s, kind / 2, 99, 0, 0, 720, 400);
        kd_textrec *rec = recognise(f->fonts, s);
        for (uint32_t k = 0; k < 20; k++) {
            paint_picture(s, kind / 2, k, 0, 0, 720, 400);
            kd_textrec_update(rec, &s->fb, 0, 0, 720, 400);
        }
        assert_false(kd_textrec_is_text(rec));
        screen_fill(s, 0, 0, 720, 400, BLACK);
        for (int r = 0; r < 25; r++)
            screen_text(s, f->rom, 9, ox, 0, r, 0, "Debian GNU/Linux 12 kdguest tty1", GREY, BLACK);
        kd_textrec_update(rec, &s->fb, 0, 0, 720, 400);
        assert_true(kd_textrec_is_text(rec));
        assert_geometry(rec, 9, ox, 0, 25, cols);
        assert_line(rec, 24, "Debian GNU/Linux 12 kdguest tty1");
        kd_textrec_free(rec);
        screen_free(s);
    }
}

/* A text screen with a small video in a corner stays text while the video plays; the
 * video's updates cost their own cells. */
static void test_text_with_video(void **state)
{
    textrec_fixture *f = *state;
    screen *s = screen_new(720, 400, 4, BLACK);
    for (int r = 0; r < 25; r++)
        screen_text(s, f->rom, 9, 0, 0, r, 0, "[    1.234567] systemd[1]: Started", GREY, BLACK);
    for (int kind = 0; kind < PIC_KINDS; kind++) {
        kd_textrec *rec = recognise(f->fonts, s);
        for (uint32_t k = 0; k < 30; k++) {
            paint_picture(s, kind, k + 1, 630, 0, 90, 64); /* 10 x 4 cells */
            uint64_t work = kd_textrec_work(rec);
            kd_textrec_update(rec, &s->fb, 630, 0, 90, 64);
            assert_true(kd_textrec_work(rec) - work <= 40 + 16);
            assert_true(kd_textrec_is_text(rec));
        }
        assert_line(rec, 5, "[    1.234567] systemd[1]: Started");
        char *top = kd_textrec_line(rec, 0); /* the text, then the video's cells */
        assert_memory_equal(top, "[    1.234567] systemd[1]: Started", 34);
        free(top);
        assert_false(kd_textrec_cell_at(rec, 1, 75)->text);
        kd_textrec_free(rec);
    }
    screen_free(s);
}

const struct CMUnitTest textrec_picture_tests[] = {
    cmocka_unit_test(test_graphical),       cmocka_unit_test(test_text_with_picture),
    cmocka_unit_test(test_picture_cost),    cmocka_unit_test(test_picture_searches),
    cmocka_unit_test(test_picture_to_text), cmocka_unit_test(test_text_with_video),
};
const size_t textrec_picture_test_count =
    sizeof(textrec_picture_tests) / sizeof(textrec_picture_tests[0]);
