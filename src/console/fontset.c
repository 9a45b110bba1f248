#include "console/font.h"
#include "core/str.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

const char *const kd_font_default_dirs[] = {"/usr/share/seabios", "/usr/share/qemu",
                                            "/usr/share/consolefonts", NULL};

/* A glyph as two 64-bit words (rows 0-7, rows 8-15), for hashing and Hamming distance. */
typedef struct {
    uint64_t a, b;
} glyph_bits;

struct kd_fontset {
    kd_font **fonts;
    int nfonts;
    glyph_bits *bits; /* distinct glyphs, in the order they were added */
    uint8_t *maps;    /* the same glyphs as bytes */
    uint8_t *weights; /* their set pixels */
    uint32_t *chars;
    int nglyphs, cap;
    int *slots; /* open addressing: index into bits + 1, 0 = empty */
    size_t nslots;
};

static glyph_bits bits_of(const uint8_t *g)
{
    glyph_bits v = {0, 0};
    for (int i = 0; i < 8; i++) {
        v.a = (v.a << 8) | g[i];
        v.b = (v.b << 8) | g[i + 8];
    }
    return v;
}

/* Set bits, without the library call a CPU without POPCNT takes. */
static int pop64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (int)((x * 0x0101010101010101ull) >> 56);
}

static size_t bits_hash(glyph_bits v)
{
    uint64_t h = v.a * 0x9e3779b97f4a7c15ull ^ (v.b + 0x632be59bd9b4e019ull);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return (size_t)(h ^ (h >> 32));
}

kd_fontset *kd_fontset_new(void)
{
    kd_fontset *set = kd_calloc(1, sizeof(*set));
    set->nslots = 1024;
    set->slots = kd_calloc(set->nslots, sizeof(int));
    return set;
}

void kd_fontset_free(kd_fontset *set)
{
    if (!set)
        return;
    for (int i = 0; i < set->nfonts; i++)
        kd_font_free(set->fonts[i]);
    free(set->fonts);
    free(set->bits);
    free(set->maps);
    free(set->weights);
    free(set->chars);
    free(set->slots);
    free(set);
}

static int find_slot(const kd_fontset *set, glyph_bits v)
{
    size_t mask = set->nslots - 1;
    for (size_t i = bits_hash(v) & mask;; i = (i + 1) & mask) {
        int s = set->slots[i];
        if (s == 0 || (set->bits[s - 1].a == v.a && set->bits[s - 1].b == v.b))
            return (int)i;
    }
}

static void grow_slots(kd_fontset *set)
{
    free(set->slots);
    set->nslots *= 2;
    set->slots = kd_calloc(set->nslots, sizeof(int));
    for (int i = 0; i < set->nglyphs; i++)
        set->slots[find_slot(set, set->bits[i])] = i + 1;
}

static void add_glyph(kd_fontset *set, const uint8_t *g, uint32_t ch)
{
    glyph_bits v = bits_of(g);
    int slot = find_slot(set, v);
    if (set->slots[slot] != 0)
        return; /* an earlier font's glyph wins */
    if (set->nglyphs == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 256;
        set->bits = kd_realloc(set->bits, (size_t)set->cap * sizeof(glyph_bits));
        set->chars = kd_realloc(set->chars, (size_t)set->cap * sizeof(uint32_t));
        set->maps = kd_realloc(set->maps, (size_t)set->cap * KD_FONT_ROWS);
        set->weights = kd_realloc(set->weights, (size_t)set->cap);
    }
    set->weights[set->nglyphs] = (uint8_t)(pop64(v.a) + pop64(v.b));
    memcpy(set->maps + (size_t)set->nglyphs * KD_FONT_ROWS, g, KD_FONT_ROWS);
    set->bits[set->nglyphs] = v;
    set->chars[set->nglyphs] = ch;
    set->slots[slot] = ++set->nglyphs;
    if ((size_t)set->nglyphs * 2 > set->nslots)
        grow_slots(set);
}

/* Printable characters first, so a bitmap drawn by several code points (the empty glyph
 * is 0x00, 0x20 and 0xFF in code page 437) reads as the ordinary one. */
static bool printable(uint32_t ch)
{
    return ch >= 0x20 && ch != 0x7f && ch != 0xa0 && ch <= 0x10ffff;
}

void kd_fontset_add(kd_fontset *set, kd_font *font)
{
    set->fonts = kd_realloc(set->fonts, (size_t)(set->nfonts + 1) * sizeof(kd_font *));
    set->fonts[set->nfonts++] = font;
    int n = kd_font_count(font);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n; i++) {
            uint32_t ch = kd_font_char(font, i);
            if (printable(ch) == (pass == 0) && ch != 0)
                add_glyph(set, kd_font_glyph(font, i), printable(ch) ? ch : 0x20);
        }
    }
}

/* --- Directories ----------------------------------------------------------------------- */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool is_rom_name(const char *name)
{
    return strncmp(name, "vgabios", 7) == 0 && has_suffix(name, ".bin");
}

const char *const kd_font_default_psf[] = {"Uni2-VGA16", "Lat15-VGA16", "Uni2-Fixed16",
                                           "Lat15-Fixed16", NULL};

static bool is_psf_name(const char *name)
{
    static const char *const ext[] = {".psf", ".psf.gz", ".psfu", ".psfu.gz"};
    for (int i = 0; kd_font_default_psf[i]; i++) {
        size_t n = strlen(kd_font_default_psf[i]);
        if (strncmp(name, kd_font_default_psf[i], n) != 0)
            continue;
        for (size_t k = 0; k < sizeof(ext) / sizeof(ext[0]); k++)
            if (strcmp(name + n, ext[k]) == 0)
                return true;
    }
    return false;
}

static int cmp_names(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    /* The standard VGA's ROM first; then by name, so the choice does not depend on the
     * order readdir happens to give. */
    bool sx = strcmp(x, "vgabios-stdvga.bin") == 0, sy = strcmp(y, "vgabios-stdvga.bin") == 0;
    if (sx != sy)
        return sx ? -1 : 1;
    return strcmp(x, y);
}

static char **list_dir(const char *dir, int *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && *n < 4096) {
        if (!is_rom_name(e->d_name) && !is_psf_name(e->d_name))
            continue;
        names = kd_realloc(names, (size_t)(*n + 1) * sizeof(char *));
        names[(*n)++] = kd_strdup(e->d_name);
    }
    closedir(d);
    if (*n > 1)
        qsort(names, (size_t)*n, sizeof(char *), cmp_names);
    return names;
}

int kd_fontset_add_dir(kd_fontset *set, const char *dir)
{
    int n, added = 0;
    bool have_rom = false;
    char **names = list_dir(dir, &n);
    for (int i = 0; i < n; i++) {
        bool rom = is_rom_name(names[i]);
        if (rom && have_rom)
            continue; /* every SeaBIOS ROM carries the same font */
        char *path = kd_asprintf("%s/%s", dir, names[i]);
        kd_err err = {0};
        kd_font *f = rom ? kd_font_load_rom(path, &err) : kd_font_load_psf(path, &err);
        free(path);
        if (f) {
            kd_fontset_add(set, f);
            added++;
            have_rom = have_rom || rom;
        }
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return added;
}

kd_fontset *kd_fontset_load(const char *const *dirs, kd_err *err)
{
    if (!dirs)
        dirs = kd_font_default_dirs;
    kd_fontset *set = kd_fontset_new();
    for (int i = 0; dirs[i]; i++)
        kd_fontset_add_dir(set, dirs[i]);
    if (set->nfonts > 0)
        return set;
    kd_fontset_free(set);
    kd_buf where;
    kd_buf_init(&where);
    for (int i = 0; dirs[i]; i++)
        kd_buf_printf(&where, "%s%s", i ? ", " : "", dirs[i]);
    kd_err_set(err, KD_ERR_NOTFOUND,
               "no 8x16 text font found in %s (a VGA BIOS ROM vgabios*.bin, from the seabios "
               "package, or a *VGA16*.psf.gz console font)",
               where.len ? where.data : "(no directory)");
    kd_buf_free(&where);
    return NULL;
}

/* --- Lookup ---------------------------------------------------------------------------- */

int kd_fontset_font_count(const kd_fontset *set)
{
    return set->nfonts;
}

int kd_fontset_glyph_count(const kd_fontset *set)
{
    return set->nglyphs;
}

const uint8_t *kd_fontset_glyph(const kd_fontset *set, int i, uint32_t *ch)
{
    if (i < 0 || i >= set->nglyphs)
        return NULL;
    if (ch)
        *ch = set->chars[i];
    return set->maps + (size_t)i * KD_FONT_ROWS;
}

bool kd_fontset_lookup(const kd_fontset *set, const uint8_t bitmap[KD_FONT_ROWS], uint32_t *ch)
{
    if (set->nglyphs == 0)
        return false;
    int s = set->slots[find_slot(set, bits_of(bitmap))];
    if (s == 0)
        return false;
    *ch = set->chars[s - 1];
    return true;
}

static int distance(glyph_bits x, glyph_bits y)
{
    return pop64(x.a ^ y.a) + pop64(x.b ^ y.b);
}

int kd_fontset_nearest(const kd_fontset *set, const uint8_t bitmap[KD_FONT_ROWS], int limit,
                       uint32_t *ch, int *second, int *weight)
{
    glyph_bits v = bits_of(bitmap), zero = {0, 0};
    int w = distance(v, zero), best = -1, best_d = limit + 1, second_d = 129;
    /* Two bitmaps differ in at least the difference of their weights: most glyphs are
     * left out without comparing them. */
    for (int i = 0; i < set->nglyphs; i++) {
        int dw = set->weights[i] - w;
        if (dw > limit || -dw > limit)
            continue;
        int d = distance(v, set->bits[i]);
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    if (best < 0)
        return -1;
    for (int i = 0; i < set->nglyphs; i++) {
        int dw = set->weights[i] - w;
        if (set->chars[i] == set->chars[best] || dw > limit || -dw > limit)
            continue;
        int d = distance(v, set->bits[i]);
        if (d < second_d)
            second_d = d;
    }
    *ch = set->chars[best];
    *second = second_d <= limit ? second_d : 129;
    *weight = set->weights[best];
    return best_d;
}
