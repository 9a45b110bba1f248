#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "textrec_helpers.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

kd_fontset *rom_fonts(void)
{
    const char *dirs[] = {ROM_DIR, NULL};
    kd_err err = {0};
    kd_fontset *set = kd_fontset_load(dirs, &err);
    if (!set)
        fail_msg("no VGA ROM font (install seabios, scripts/install-deps.sh): %s", err.msg);
    return set;
}

kd_font *rom_font(void)
{
    kd_err err = {0};
    kd_font *f = kd_font_load_rom(ROM_DIR "/vgabios-stdvga.bin", &err);
    if (!f)
        fail_msg("%s", err.msg);
    return f;
}

int textrec_setup(void **state)
{
    textrec_fixture *f = calloc(1, sizeof(*f));
    f->fonts = rom_fonts();
    f->rom = rom_font();
    *state = f;
    return 0;
}

int textrec_teardown(void **state)
{
    textrec_fixture *f = *state;
    kd_fontset_free(f->fonts);
    kd_font_free(f->rom);
    free(f);
    return 0;
}

kd_textrec *recognise(const kd_fontset *fonts, const screen *s)
{
    kd_textrec *rec = kd_textrec_new(fonts, 100);
    kd_textrec_update(rec, &s->fb, 0, 0, s->fb.width, s->fb.height);
    return rec;
}

static uint32_t encode(const screen *s, uint32_t rgb)
{
    uint32_t r = rgb >> 16, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
    if (s->fb.bytes_pp == 2)
        return (r >> 3) << 11 | (g >> 2) << 5 | (b >> 3);
    return r << 16 | g << 8 | b | 0xff000000u; /* the padding byte set: must be ignored */
}

screen *screen_new(int w, int h, int bytes_pp, uint32_t bg)
{
    screen *s = calloc(1, sizeof(*s));
    s->px = calloc((size_t)w * (size_t)h * (size_t)bytes_pp + 1, 1);
    s->fb = (kd_fb){s->px, w, h, w * bytes_pp, bytes_pp, 16, 8, 0, 255, 255, 255};
    if (bytes_pp == 2)
        s->fb = (kd_fb){s->px, w, h, w * 2, 2, 11, 5, 0, 31, 63, 31};
    screen_fill(s, 0, 0, w, h, bg);
    return s;
}

void screen_free(screen *s)
{
    if (!s)
        return;
    free(s->px);
    free(s);
}

void screen_put(screen *s, int x, int y, uint32_t rgb)
{
    if (x < 0 || y < 0 || x >= s->fb.width || y >= s->fb.height)
        return;
    uint32_t v = encode(s, rgb);
    uint8_t *p = s->px + (size_t)y * (size_t)s->fb.stride + (size_t)x * (size_t)s->fb.bytes_pp;
    for (int i = 0; i < s->fb.bytes_pp; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void screen_fill(screen *s, int x, int y, int w, int h, uint32_t rgb)
{
    for (int j = y; j < y + h; j++)
        for (int i = x; i < x + w; i++)
            screen_put(s, i, j, rgb);
}

void screen_glyph(screen *s, int x, int y, int cw, const uint8_t *glyph, int code, uint32_t fg,
                  uint32_t bg)
{
    for (int r = 0; r < 16; r++) {
        for (int c = 0; c < cw; c++) {
            int bit = c < 8 ? c : 7;
            bool on = (glyph[r] >> (7 - bit)) & 1;
            if (c == 8 && (code < 0xc0 || code > 0xdf))
                on = false;
            screen_put(s, x + c, y + r, on ? fg : bg);
        }
    }
}

void screen_text(screen *s, const kd_font *font, int cw, int ox, int oy, int row, int col,
                 const char *text, uint32_t fg, uint32_t bg)
{
    for (int i = 0; text[i]; i++) {
        int code = (unsigned char)text[i];
        screen_glyph(s, ox + (col + i) * cw, oy + row * 16, cw, kd_font_glyph(font, code), code, fg,
                     bg);
    }
}

void assert_geometry(const kd_textrec *rec, int cw, int ox, int oy, int rows, int cols)
{
    int w, h, x, y, r, c;
    kd_textrec_geometry(rec, &w, &h, &x, &y);
    kd_textrec_size(rec, &r, &c);
    assert_int_equal(w, cw);
    assert_int_equal(h, 16);
    assert_int_equal(x, ox);
    assert_int_equal(y, oy);
    assert_int_equal(r, rows);
    assert_int_equal(c, cols);
}

void assert_line(const kd_textrec *rec, int row, const char *want)
{
    char *got = kd_textrec_line(rec, row);
    assert_non_null(got);
    if (strcmp(got, want) != 0) {
        print_error("row %d: got \"%s\", want \"%s\"\n", row, got, want);
        free(got);
        fail();
    }
    free(got);
}
