#ifndef KD_TESTS_TEXTREC_HELPERS_H
#define KD_TESTS_TEXTREC_HELPERS_H

/* Shared by the text recognition tests: synthetic framebuffers drawn from the VGA font. */

#include "console/font.h"
#include "console/textrec.h"

#include <stdbool.h>
#include <stdint.h>

#define ROM_DIR    "/usr/share/seabios"
#define SCREEN_DIR KD_FIXTURES_DIR "/screens"

/* The VGA colours used below (0xRRGGBB). */
#define BLACK  0x000000u
#define BLUE   0x0000aau
#define GREY   0xaaaaaau
#define YELLOW 0xffff55u
#define WHITE  0xffffffu

/* The state of the tests that draw: the ROM's fonts as a set and alone. */
typedef struct {
    kd_fontset *fonts;
    kd_font *rom;
} textrec_fixture;

int textrec_setup(void **state);
int textrec_teardown(void **state);

typedef struct {
    kd_fb fb;
    uint8_t *px;
} screen;

/* The fonts of ROM_DIR (SeaBIOS' VGA ROMs must be installed); fails the test otherwise. */
kd_fontset *rom_fonts(void);
/* The ROM's own font (vgabios-stdvga.bin). */
kd_font *rom_font(void);

/* A w x h screen of bytes_pp 4 (xRGB 8:8:8) or 2 (RGB 5:6:5), filled with bg. */
screen *screen_new(int w, int h, int bytes_pp, uint32_t bg);
void screen_free(screen *s);
void screen_fill(screen *s, int x, int y, int w, int h, uint32_t rgb);
void screen_put(screen *s, int x, int y, uint32_t rgb);
/* A glyph at pixel x, y in a cell cw wide (9: the ninth column repeats the eighth for
 * code page 437's line drawing 0xC0-0xDF, as the VGA does). */
void screen_glyph(screen *s, int x, int y, int cw, const uint8_t *glyph, int code, uint32_t fg,
                  uint32_t bg);
/* Text (code page 437 bytes) at a cell of a grid of cw x 16 cells offset by ox, oy. */
void screen_text(screen *s, const kd_font *font, int cw, int ox, int oy, int row, int col,
                 const char *text, uint32_t fg, uint32_t bg);

/* A recogniser (scrollback of 100 lines) fed the whole of s. */
kd_textrec *recognise(const kd_fontset *fonts, const screen *s);
/* The grid: cell width cw (16 high), offset ox, oy, rows x cols. */
void assert_geometry(const kd_textrec *rec, int cw, int ox, int oy, int rows, int cols);
/* The recogniser's row as text, compared with want. */
void assert_line(const kd_textrec *rec, int row, const char *want);

#endif
