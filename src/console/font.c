#include "console/font.h"
#include "core/str.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct kd_font {
    char *name;
    int count;
    uint8_t *bitmaps;  /* count * KD_FONT_ROWS */
    uint32_t *unicode; /* count characters */
};

/* 0x00 is an empty glyph in every VGA font: a space, not U+0000. */
static const uint16_t cp437[256] = {
    0x0000, 0x263a, 0x263b, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022, 0x25d8, 0x25cb, 0x25d9, 0x2642,
    0x2640, 0x266a, 0x266b, 0x263c, 0x25ba, 0x25c4, 0x2195, 0x203c, 0x00b6, 0x00a7, 0x25ac, 0x21a8,
    0x2191, 0x2193, 0x2192, 0x2190, 0x221f, 0x2194, 0x25b2, 0x25bc, 0x0020, 0x0021, 0x0022, 0x0023,
    0x0024, 0x0025, 0x0026, 0x0027, 0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
    0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, 0x0038, 0x0039, 0x003a, 0x003b,
    0x003c, 0x003d, 0x003e, 0x003f, 0x0040, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
    0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f, 0x0050, 0x0051, 0x0052, 0x0053,
    0x0054, 0x0055, 0x0056, 0x0057, 0x0058, 0x0059, 0x005a, 0x005b, 0x005c, 0x005d, 0x005e, 0x005f,
    0x0060, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, 0x0068, 0x0069, 0x006a, 0x006b,
    0x006c, 0x006d, 0x006e, 0x006f, 0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
    0x0078, 0x0079, 0x007a, 0x007b, 0x007c, 0x007d, 0x007e, 0x2302, 0x00c7, 0x00fc, 0x00e9, 0x00e2,
    0x00e4, 0x00e0, 0x00e5, 0x00e7, 0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5,
    0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9, 0x00ff, 0x00d6, 0x00dc, 0x00a2,
    0x00a3, 0x00a5, 0x20a7, 0x0192, 0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba,
    0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb, 0x2591, 0x2592, 0x2593, 0x2502,
    0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510,
    0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f, 0x255a, 0x2554, 0x2569, 0x2566,
    0x2560, 0x2550, 0x256c, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b,
    0x256a, 0x2518, 0x250c, 0x2588, 0x2584, 0x258c, 0x2590, 0x2580, 0x03b1, 0x00df, 0x0393, 0x03c0,
    0x03a3, 0x03c3, 0x00b5, 0x03c4, 0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229,
    0x2261, 0x00b1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00f7, 0x2248, 0x00b0, 0x2219, 0x00b7, 0x221a,
    0x207f, 0x00b2, 0x25a0, 0x00a0,
};

uint32_t kd_cp437_to_unicode(uint8_t c)
{
    return c == 0 ? 0x20 : cp437[c];
}

kd_font *kd_font_new(const char *name, const uint8_t *bitmaps, int count, const uint32_t *unicode,
                     kd_err *err)
{
    int max = unicode ? KD_FONT_MAX_GLYPHS : 256;
    if (count < 1 || count > max || !bitmaps) {
        kd_err_set(err, KD_ERR_INVALID, "%s: a font needs 1 to %d glyphs, not %d", name, max,
                   count);
        return NULL;
    }
    kd_font *f = kd_calloc(1, sizeof(*f));
    f->name = kd_strdup(name);
    f->count = count;
    f->bitmaps = kd_malloc((size_t)count * KD_FONT_ROWS);
    memcpy(f->bitmaps, bitmaps, (size_t)count * KD_FONT_ROWS);
    f->unicode = kd_malloc((size_t)count * sizeof(uint32_t));
    for (int i = 0; i < count; i++)
        f->unicode[i] = unicode ? unicode[i] : kd_cp437_to_unicode((uint8_t)i);
    return f;
}

void kd_font_free(kd_font *font)
{
    if (!font)
        return;
    free(font->name);
    free(font->bitmaps);
    free(font->unicode);
    free(font);
}

const char *kd_font_name(const kd_font *font)
{
    return font->name;
}

int kd_font_count(const kd_font *font)
{
    return font->count;
}

const uint8_t *kd_font_glyph(const kd_font *font, int i)
{
    return i >= 0 && i < font->count ? font->bitmaps + (size_t)i * KD_FONT_ROWS : NULL;
}

uint32_t kd_font_char(const kd_font *font, int i)
{
    return i >= 0 && i < font->count ? font->unicode[i] : 0;
}

/* --- Files ---------------------------------------------------------------------------- */

/* The whole file, uncompressed when it is gzip'd (zlib reads plain files as they are). */
static uint8_t *file_slurp(const char *path, size_t *n, kd_err *err)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        kd_err_set(err, errno == ENOENT ? KD_ERR_NOTFOUND : KD_ERR_IO, "%s: %s", path,
                   errno ? strerror(errno) : "cannot open");
        return NULL;
    }
    size_t cap = 65536, len = 0;
    uint8_t *buf = kd_malloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap >= KD_FONT_FILE_MAX) {
                kd_err_set(err, KD_ERR_INVALID, "%s: larger than %u bytes", path, KD_FONT_FILE_MAX);
                goto fail;
            }
            cap *= 2;
            buf = kd_realloc(buf, cap);
        }
        int got = gzread(gz, buf + len, (unsigned)(cap - len));
        if (got < 0) {
            int code;
            const char *msg = gzerror(gz, &code);
            kd_err_set(err, KD_ERR_IO, "%s: %s", path, msg ? msg : "read error");
            goto fail;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    gzclose(gz);
    *n = len;
    return buf;
fail:
    gzclose(gz);
    free(buf);
    return NULL;
}

/* --- VGA BIOS ROM ------------------------------------------------------------------- */

static const uint8_t rom_smiley[KD_FONT_ROWS] = {0x00, 0x00, 0x7e, 0x81, 0xa5, 0x81, 0x81, 0xbd,
                                                 0x99, 0x81, 0x81, 0x7e, 0x00, 0x00, 0x00, 0x00};

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

kd_font *kd_font_from_rom(const char *name, const uint8_t *data, size_t n, kd_err *err)
{
    const size_t table = 256 * KD_FONT_ROWS;
    for (size_t at = 0; n >= table && at <= n - table; at++) {
        const uint8_t *t = data + at;
        /* The smiley after an empty glyph 0, and a letter A that is not empty. */
        if (t[KD_FONT_ROWS + 2] != 0x7e ||
            memcmp(t + KD_FONT_ROWS, rom_smiley, KD_FONT_ROWS) != 0 || !all_zero(t, KD_FONT_ROWS) ||
            all_zero(t + 'A' * KD_FONT_ROWS, KD_FONT_ROWS))
            continue;
        return kd_font_new(name, t, 256, NULL, err);
    }
    kd_err_set(err, KD_ERR_INVALID, "%s: no 8x16 VGA font in this ROM", name);
    return NULL;
}

kd_font *kd_font_load_rom(const char *path, kd_err *err)
{
    size_t n;
    uint8_t *data = file_slurp(path, &n, err);
    if (!data)
        return NULL;
    kd_font *f = kd_font_from_rom(path, data, n, err);
    free(data);
    return f;
}

/* --- PSF ---------------------------------------------------------------------------- */

#define PSF1_MODE512    0x01
#define PSF1_MODEHASTAB 0x06
#define PSF2_HAS_TABLE  0x01

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A glyph's entry in a PSF1 table: UCS-2 values up to 0xFFFF; 0xFFFE starts the
 * sequences, which are skipped. Only the first single character is kept. */
static size_t psf1_entry(const uint8_t *p, size_t n, uint32_t *ch)
{
    size_t i = 0;
    bool seq = false;
    while (i + 2 <= n) {
        uint32_t v = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
        i += 2;
        if (v == 0xffff)
            break;
        if (v == 0xfffe)
            seq = true;
        else if (!seq && *ch == 0)
            *ch = v;
    }
    return i;
}

/* A glyph's entry in a PSF2 table: UTF-8 characters, 0xFE starts the sequences, 0xFF ends
 * the entry. */
static size_t psf2_entry(const uint8_t *p, size_t n, uint32_t *ch)
{
    size_t i = 0;
    bool seq = false;
    while (i < n && p[i] != 0xff) {
        if (p[i] == 0xfe) {
            seq = true;
            i++;
            continue;
        }
        uint32_t v = p[i], len = p[i] < 0x80 ? 1 : p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
        if (len > 1)
            v &= 0x3fu >> (len - 1);
        for (uint32_t k = 1; k < len; k++)
            v = (v << 6) | (i + k < n ? p[i + k] & 0x3fu : 0);
        i += len;
        if (!seq && *ch == 0 && v <= 0x10ffff)
            *ch = v;
    }
    return i < n ? i + 1 : n;
}

typedef size_t psf_entry_fn(const uint8_t *p, size_t n, uint32_t *ch);

static kd_font *psf_make(const char *name, const uint8_t *glyphs, int count, const uint8_t *tab,
                         size_t tab_n, psf_entry_fn *entry, kd_err *err)
{
    if (!tab)
        return kd_font_new(name, glyphs, count > 256 ? 256 : count, NULL, err);
    uint32_t *uni = kd_calloc((size_t)count, sizeof(uint32_t));
    size_t at = 0;
    for (int i = 0; i < count && at < tab_n; i++)
        at += entry(tab + at, tab_n - at, &uni[i]);
    kd_font *f = kd_font_new(name, glyphs, count, uni, err);
    free(uni);
    return f;
}

static kd_font *psf1(const char *name, const uint8_t *d, size_t n, kd_err *err)
{
    int count = d[2] & PSF1_MODE512 ? 512 : 256, height = d[3];
    if (height != KD_FONT_ROWS) {
        kd_err_set(err, KD_ERR_INVALID, "%s: an 8x%d font; only 8x16 fonts are used", name, height);
        return NULL;
    }
    size_t body = (size_t)count * KD_FONT_ROWS;
    if (n < 4 + body) {
        kd_err_set(err, KD_ERR_INVALID, "%s: truncated PSF1 font", name);
        return NULL;
    }
    bool tab = d[2] & PSF1_MODEHASTAB;
    return psf_make(name, d + 4, count, tab ? d + 4 + body : NULL, n - 4 - body, psf1_entry, err);
}

static kd_font *psf2(const char *name, const uint8_t *d, size_t n, kd_err *err)
{
    if (n < 32) {
        kd_err_set(err, KD_ERR_INVALID, "%s: truncated PSF2 header", name);
        return NULL;
    }
    uint32_t hdr = le32(d + 8), flags = le32(d + 12), count = le32(d + 16);
    uint32_t size = le32(d + 20), height = le32(d + 24), width = le32(d + 28);
    if (width != 8 || height != KD_FONT_ROWS || size != KD_FONT_ROWS) {
        kd_err_set(err, KD_ERR_INVALID, "%s: a %ux%u font; only 8x16 fonts are used", name, width,
                   height);
        return NULL;
    }
    if (hdr < 32 || hdr > n || count < 1 || count > KD_FONT_MAX_GLYPHS ||
        (n - hdr) / KD_FONT_ROWS < count) {
        kd_err_set(err, KD_ERR_INVALID, "%s: bad or truncated PSF2 font", name);
        return NULL;
    }
    size_t end = hdr + (size_t)count * KD_FONT_ROWS;
    return psf_make(name, d + hdr, (int)count, flags & PSF2_HAS_TABLE ? d + end : NULL, n - end,
                    psf2_entry, err);
}

kd_font *kd_font_from_psf(const char *name, const uint8_t *data, size_t n, kd_err *err)
{
    static const uint8_t magic2[4] = {0x72, 0xb5, 0x4a, 0x86};
    if (n >= 4 && data[0] == 0x36 && data[1] == 0x04)
        return psf1(name, data, n, err);
    if (n >= 4 && memcmp(data, magic2, 4) == 0)
        return psf2(name, data, n, err);
    kd_err_set(err, KD_ERR_INVALID, "%s: not a PSF font", name);
    return NULL;
}

kd_font *kd_font_load_psf(const char *path, kd_err *err)
{
    size_t n;
    uint8_t *data = file_slurp(path, &n, err);
    if (!data)
        return NULL;
    kd_font *f = kd_font_from_psf(path, data, n, err);
    free(data);
    return f;
}
