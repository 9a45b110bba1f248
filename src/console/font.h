#ifndef KD_CONSOLE_FONT_H
#define KD_CONSOLE_FONT_H

/* Bitmap fonts of text screens, for recognising the characters a VNC server draws.
 *
 * Only fonts 8 pixels wide and 16 high are kept: that is what QEMU's VGA text mode (the
 * VGA BIOS font, drawn in 9x16 cells) and Linux framebuffer consoles (8x16) draw. A glyph
 * is 16 bytes, one per pixel row, the leftmost pixel in the high bit.
 *
 * Sources:
 *  - a VGA BIOS ROM (SeaBIOS' vgabios-*.bin): the 8x16 table is found by its first two
 *    glyphs (glyph 0 empty, glyph 1 the smiley); code page 437.
 *  - PSF1 and PSF2 console fonts, plain or gzip'd, with their Unicode tables (without one,
 *    a 256-glyph font is taken as code page 437).
 *
 * A font set is an ordered list of fonts with one lookup table from a 16-byte bitmap to a
 * character: where fonts disagree, the earlier font's glyph wins. Files are untrusted
 * input: every size is checked before it is read. */

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KD_FONT_ROWS       16
#define KD_FONT_MAX_GLYPHS 4096
#define KD_FONT_FILE_MAX   (4u << 20) /* bytes read from one font file or ROM */

typedef struct kd_font kd_font;
typedef struct kd_fontset kd_fontset;

/* Code page 437 (the VGA's character set) as Unicode; 0x00 gives U+0020. */
uint32_t kd_cp437_to_unicode(uint8_t c);

/* A font from memory: count glyphs of 16 bytes each; unicode[i] is glyph i's character
 * (NULL: code page 437, count at most 256). NULL and err when count is out of range. */
kd_font *kd_font_new(const char *name, const uint8_t *bitmaps, int count, const uint32_t *unicode,
                     kd_err *err);
/* The 8x16 font inside a VGA BIOS ROM image (data, n bytes), or in a ROM file. */
kd_font *kd_font_from_rom(const char *name, const uint8_t *data, size_t n, kd_err *err);
kd_font *kd_font_load_rom(const char *path, kd_err *err);
/* A PSF1 or PSF2 font (data, n bytes, already uncompressed), or in a file (.psf or
 * .psf.gz). Fonts other than 8x16 are refused with KD_ERR_INVALID. */
kd_font *kd_font_from_psf(const char *name, const uint8_t *data, size_t n, kd_err *err);
kd_font *kd_font_load_psf(const char *path, kd_err *err);
void kd_font_free(kd_font *font);

const char *kd_font_name(const kd_font *font);
int kd_font_count(const kd_font *font);
/* Glyph i's 16 bytes and character; NULL / 0 when i is out of range. */
const uint8_t *kd_font_glyph(const kd_font *font, int i);
uint32_t kd_font_char(const kd_font *font, int i);

/* The default places fonts are looked for, in order (a NULL-terminated list). */
extern const char *const kd_font_default_dirs[];
/* The console fonts taken from those places (names without .psf, .psf.gz, .psfu or
 * .psfu.gz): the VGA-like ones of Debian's console-setup, for the widest Unicode and the
 * default Latin set. Not every 8x16 font: each glyph added makes "nearest" less sure. */
extern const char *const kd_font_default_psf[];

kd_fontset *kd_fontset_new(void);
void kd_fontset_free(kd_fontset *set);
/* Takes the font (freed with the set). */
void kd_fontset_add(kd_fontset *set, kd_font *font);
/* Add the fonts of one directory: the VGA BIOS ROMs (vgabios*.bin, the first one with a
 * font; vgabios-stdvga.bin is preferred, it is what QEMU's standard VGA loads) and the
 * console fonts of kd_font_default_psf. Returns the number of fonts added, 0 when the
 * directory has none or cannot be read. */
int kd_fontset_add_dir(kd_fontset *set, const char *dir);
/* A set from the directories dirs (NULL-terminated; NULL for kd_font_default_dirs), the
 * ROM fonts first. NULL and err (KD_ERR_NOTFOUND, naming the directories searched) when
 * none holds a font. */
kd_fontset *kd_fontset_load(const char *const *dirs, kd_err *err);

int kd_fontset_font_count(const kd_fontset *set);
/* Distinct bitmaps in the set. */
int kd_fontset_glyph_count(const kd_fontset *set);
/* Distinct glyph i (0 .. glyph_count-1): its bitmap, and its character in *ch. */
const uint8_t *kd_fontset_glyph(const kd_fontset *set, int i, uint32_t *ch);
/* The character drawn by exactly this bitmap; false when no font has it. */
bool kd_fontset_lookup(const kd_fontset *set, const uint8_t bitmap[KD_FONT_ROWS], uint32_t *ch);
/* The glyph nearest to bitmap by the number of differing pixels, among those at most limit
 * pixels away: its character in *ch, its distance returned, the distance of the nearest
 * glyph of another character in *second (129 when none is within limit), the glyph's own
 * number of set pixels in *weight. -1 when no glyph is within limit. */
int kd_fontset_nearest(const kd_fontset *set, const uint8_t bitmap[KD_FONT_ROWS], int limit,
                       uint32_t *ch, int *second, int *weight);

#endif
