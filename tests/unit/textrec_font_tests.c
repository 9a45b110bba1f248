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
#include <unistd.h>
#include <zlib.h>

static const uint8_t smiley[16] = {0x00, 0x00, 0x7e, 0x81, 0xa5, 0x81, 0x81, 0xbd,
                                   0x99, 0x81, 0x81, 0x7e, 0x00, 0x00, 0x00, 0x00};

static char *tmp_dir(void)
{
    char tmpl[] = "/tmp/kd-textrec-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return kd_strdup(tmpl);
}

static void rm_dir(char *dir)
{
    char *cmd = kd_asprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(dir);
}

static void write_file(const char *path, const void *data, size_t n, bool gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb9");
        assert_non_null(f);
        assert_int_equal(gzwrite(f, data, (unsigned)n), (int)n);
        assert_int_equal(gzclose(f), Z_OK);
        return;
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void test_rom_font_found(void **state)
{
    (void)state;
    kd_err err = {0};
    kd_fontset *set = kd_fontset_load(NULL, &err); /* the default directories */
    assert_non_null(set);
    assert_true(kd_fontset_font_count(set) >= 1);
    kd_font *rom = rom_font();
    assert_int_equal(kd_font_count(rom), 256);
    assert_memory_equal(kd_font_glyph(rom, 1), smiley, 16);
    assert_int_equal(kd_font_char(rom, 1), 0x263a);
    assert_int_equal(kd_font_char(rom, 'A'), 'A');
    assert_int_equal(kd_font_char(rom, 0xb3), 0x2502);
    assert_null(kd_font_glyph(rom, 256));
    uint32_t ch = 0;
    assert_true(kd_fontset_lookup(set, kd_font_glyph(rom, 'M'), &ch));
    assert_int_equal(ch, 'M');
    /* The empty glyph (0x00, 0x20, 0xFF in code page 437) reads as a space. */
    assert_true(kd_fontset_lookup(set, kd_font_glyph(rom, 0), &ch));
    assert_int_equal(ch, ' ');
    assert_true(kd_fontset_glyph_count(set) >= 250);
    assert_int_equal(kd_cp437_to_unicode(0), 0x20);
    assert_int_equal(kd_cp437_to_unicode(0xe1), 0xdf);
    assert_int_equal(kd_cp437_to_unicode(0xdb), 0x2588);
    assert_int_equal(kd_cp437_to_unicode(0x7f), 0x2302);
    kd_font_free(rom);
    kd_fontset_free(set);
    kd_fontset_free(NULL);
    kd_font_free(NULL);
}

static void test_fonts_missing(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    const char *dirs[] = {dir, "/nonexistent/fonts", NULL};
    kd_err err = {0};
    assert_null(kd_fontset_load(dirs, &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, dir));
    assert_non_null(strstr(err.msg, "/nonexistent/fonts"));
    assert_non_null(strstr(err.msg, "seabios"));

    /* A ROM that is not a VGA BIOS, an empty one, and one that does not exist. */
    uint8_t junk[8192];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 7 + 3);
    char *path = kd_asprintf("%s/vgabios-junk.bin", dir);
    write_file(path, junk, sizeof(junk), false);
    err = (kd_err){0};
    assert_null(kd_font_load_rom(path, &err));
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_non_null(strstr(err.msg, "no 8x16 VGA font"));
    write_file(path, junk, 0, false);
    assert_null(kd_font_load_rom(path, &err));
    err = (kd_err){0};
    assert_null(kd_font_load_rom("/nonexistent/vgabios.bin", &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    /* The directory has a ROM file now, but no font in it: still nothing found. */
    assert_null(kd_fontset_load(dirs, &err));
    free(path);
    rm_dir(dir);
}

/* A PSF1 or PSF2 image of the ROM font with a Unicode table (glyph 'A' also claims
 * U+0391, and a sequence entry that must be skipped). */
static uint8_t *make_psf(const kd_font *rom, int version, int height, size_t *n)
{
    kd_buf b;
    kd_buf_init(&b);
    if (version == 1) {
        const uint8_t hdr[4] = {0x36, 0x04, 0x02, (uint8_t)height};
        kd_buf_add(&b, (const char *)hdr, 4);
    } else {
        uint32_t hdr[8] = {0x864ab572u, 0, 32, 1, 256, (uint32_t)height, (uint32_t)height, 8};
        kd_buf_add(&b, (const char *)hdr, sizeof(hdr));
    }
    for (int i = 0; i < 256; i++)
        kd_buf_add(&b, (const char *)kd_font_glyph(rom, i), (size_t)height);
    for (int i = 0; i < 256; i++) {
        uint32_t ch = kd_font_char(rom, i);
        if (version == 1) {
            uint16_t e[6] = {(uint16_t)ch, 0x0391, 0xfffe, 0x41, 0x301, 0xffff};
            kd_buf_add(&b, (const char *)e, i == 'A' ? 12 : 2);
            if (i != 'A')
                kd_buf_add(&b, (const char *)&e[5], 2);
        } else {
            char u[8];
            size_t k = ch < 0x80 ? 1 : ch < 0x800 ? 2 : 3;
            u[0] = (char)(k == 1 ? ch : k == 2 ? 0xc0 | (ch >> 6) : 0xe0 | (ch >> 12));
            if (k == 3)
                u[1] = (char)(0x80 | ((ch >> 6) & 0x3f));
            if (k > 1)
                u[k - 1] = (char)(0x80 | (ch & 0x3f));
            kd_buf_add(&b, u, k);
            if (i == 'A')
                kd_buf_add(&b,
                           "\xce\x91\xfe"
                           "A\xcc\x81",
                           6);
            kd_buf_add(&b, "\xff", 1);
        }
    }
    *n = b.len;
    return (uint8_t *)kd_buf_steal(&b);
}

static void check_psf_font(const kd_font *f, const kd_font *rom)
{
    assert_non_null(f);
    assert_int_equal(kd_font_count(f), 256);
    for (int i = 0; i < 256; i++) {
        assert_memory_equal(kd_font_glyph(f, i), kd_font_glyph(rom, i), 16);
        assert_int_equal(kd_font_char(f, i), kd_font_char(rom, i));
    }
}

static void test_psf_fonts(void **state)
{
    (void)state;
    kd_font *rom = rom_font();
    char *dir = tmp_dir();
    for (int version = 1; version <= 2; version++) {
        size_t n;
        uint8_t *psf = make_psf(rom, version, 16, &n);
        char *plain = kd_asprintf("%s/v%d.psf", dir, version);
        char *gz = kd_asprintf("%s/%s.psf.gz", dir, version == 1 ? "Lat15-VGA16" : "Uni2-VGA16");
        write_file(plain, psf, n, false);
        write_file(gz, psf, n, true);
        kd_err err = {0};
        kd_font *f = kd_font_load_psf(plain, &err);
        check_psf_font(f, rom);
        kd_font_free(f);
        f = kd_font_load_psf(gz, &err);
        check_psf_font(f, rom);
        kd_font_free(f);
        free(plain);
        free(gz);
        free(psf);
    }
    /* Found by name in a directory: the two console-setup names, not v1.psf and v2.psf. */
    kd_fontset *set = kd_fontset_new();
    assert_int_equal(kd_fontset_add_dir(set, dir), 2);
    uint32_t ch;
    assert_true(kd_fontset_lookup(set, kd_font_glyph(rom, 0xc9), &ch));
    assert_int_equal(ch, 0x2554);
    kd_fontset_free(set);
    rm_dir(dir);
    kd_font_free(rom);
}

static void test_psf_bad(void **state)
{
    (void)state;
    kd_font *rom = rom_font();
    size_t n;
    kd_err err = {0};
    uint8_t *psf = make_psf(rom, 2, 8, &n);
    assert_null(kd_font_from_psf("x", psf, n, &err));
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_non_null(strstr(err.msg, "only 8x16"));
    free(psf);
    for (int version = 1; version <= 2; version++) {
        psf = make_psf(rom, version, 16, &n);
        /* Every truncation: a clear error or a font, never a read past the end. */
        for (size_t len = 0; len < n; len += len < 4200 ? 1 : 97) {
            uint8_t *copy = kd_malloc(len + 1);
            memcpy(copy, psf, len);
            err = (kd_err){0};
            kd_font *f = kd_font_from_psf("cut", copy, len, &err);
            if (!f)
                assert_int_equal(err.code, KD_ERR_INVALID);
            kd_font_free(f);
            free(copy);
        }
        psf[0] ^= 0xff;
        assert_null(kd_font_from_psf("bad", psf, n, &err));
        assert_non_null(strstr(err.msg, "not a PSF font"));
        free(psf);
    }
    kd_font_free(rom);
}

static void test_fontset_order_and_nearest(void **state)
{
    (void)state;
    uint8_t glyphs[2][16] = {{0}, {0}};
    memcpy(glyphs[1], smiley, 16);
    const uint32_t first[2] = {'a', 'b'}, second[2] = {'x', 'y'};
    kd_err err = {0};
    kd_fontset *set = kd_fontset_new();
    kd_fontset_add(set, kd_font_new("one", glyphs[1], 1, first, &err));
    kd_fontset_add(set, kd_font_new("two", glyphs[0], 2, second, &err));
    uint32_t ch;
    assert_true(kd_fontset_lookup(set, smiley, &ch));
    assert_int_equal(ch, 'a'); /* the earlier font wins */
    assert_true(kd_fontset_lookup(set, glyphs[0], &ch));
    assert_int_equal(ch, 'x');
    uint8_t near[16];
    memcpy(near, smiley, 16);
    near[5] ^= 0x10;
    int second_d, weight;
    assert_int_equal(kd_fontset_nearest(set, near, 128, &ch, &second_d, &weight), 1);
    assert_int_equal(ch, 'a');
    assert_int_equal(weight, 36);
    assert_int_equal(second_d, 37);
    /* Within 20 pixels: the smiley, and no other character. */
    assert_int_equal(kd_fontset_nearest(set, near, 20, &ch, &second_d, &weight), 1);
    assert_int_equal(second_d, 129);
    assert_int_equal(kd_fontset_nearest(set, near, 0, &ch, &second_d, &weight), -1);
    assert_null(kd_font_new("none", glyphs[0], 0, NULL, &err));
    assert_int_equal(err.code, KD_ERR_INVALID);
    kd_fontset_free(set);
}

/* Debian's console-setup fonts, where they are installed (console-setup-linux): PSF2 with
 * Unicode tables, gzip'd; the VGA one agrees with the ROM on most letters. */
static void test_console_setup_fonts(void **state)
{
    (void)state;
    const char *path = "/usr/share/consolefonts/Uni2-VGA16.psf.gz";
    if (access(path, R_OK) != 0)
        skip();
    kd_err err = {0};
    kd_font *f = kd_font_load_psf(path, &err);
    assert_non_null(f);
    assert_int_equal(kd_font_count(f), 512);
    kd_font *rom = rom_font();
    int same = 0;
    for (int c = 'a'; c <= 'l'; c++)
        for (int i = 0; i < kd_font_count(f); i++)
            if (kd_font_char(f, i) == (uint32_t)c)
                same += memcmp(kd_font_glyph(f, i), kd_font_glyph(rom, c), 16) == 0;
    assert_int_equal(same, 12);
    kd_font_free(rom);
    kd_font_free(f);
}

const struct CMUnitTest textrec_font_tests[] = {
    cmocka_unit_test(test_console_setup_fonts),
    cmocka_unit_test(test_rom_font_found),
    cmocka_unit_test(test_fonts_missing),
    cmocka_unit_test(test_psf_fonts),
    cmocka_unit_test(test_psf_bad),
    cmocka_unit_test(test_fontset_order_and_nearest),
};
const size_t textrec_font_test_count = sizeof(textrec_font_tests) / sizeof(textrec_font_tests[0]);
