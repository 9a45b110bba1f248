#include "console/vnc.h"
#include "core/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Screenshots of the framebuffer. The PNG is written with stored (uncompressed) deflate
 * blocks: a valid file every reader opens, with no compression library to link. */

#define STORED_MAX 65535

static uint8_t channel(uint32_t word, int shift, int max)
{
    return (uint8_t)((((word >> shift) & (uint32_t)max) * 255u + (uint32_t)max / 2) /
                     (uint32_t)max);
}

/* One row of fb as RGB bytes. */
static void row_rgb(const kd_fb *fb, int y, uint8_t *out)
{
    const uint8_t *p = fb->pixels + (size_t)y * (size_t)fb->stride;
    for (int x = 0; x < fb->width; x++, p += fb->bytes_pp) {
        uint32_t w = fb->bytes_pp == 4 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 |
                                             (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
                                       : (uint32_t)p[0] | (uint32_t)p[1] << 8;
        out[3 * x] = channel(w, fb->rshift, fb->rmax);
        out[3 * x + 1] = channel(w, fb->gshift, fb->gmax);
        out[3 * x + 2] = channel(w, fb->bshift, fb->bmax);
    }
}

static int open_tmp(const char *path, char **tmp, FILE **f, kd_err *err)
{
    *tmp = kd_asprintf("%s.tmp", path);
    *f = fopen(*tmp, "wb");
    if (!*f) {
        kd_err_set(err, KD_ERR_IO, "%s: %s", path, strerror(errno));
        free(*tmp);
        *tmp = NULL;
        return -1;
    }
    return 0;
}

static int finish(const char *path, char *tmp, FILE *f, bool ok, kd_err *err)
{
    int saved = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        kd_err_set(err, KD_ERR_IO, "%s: %s", path, strerror(saved ? saved : EIO));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

int kd_vnc_save_ppm(const kd_fb *fb, const char *path, kd_err *err)
{
    if (!kd_fb_valid(fb)) {
        kd_err_set(err, KD_ERR_INVALID, "there is no picture to save yet");
        return -1;
    }
    char *tmp;
    FILE *f;
    if (open_tmp(path, &tmp, &f, err) < 0)
        return -1;
    uint8_t *row = kd_malloc((size_t)fb->width * 3);
    bool ok = fprintf(f, "P6\n%d %d\n255\n", fb->width, fb->height) > 0;
    for (int y = 0; ok && y < fb->height; y++) {
        row_rgb(fb, y, row);
        ok = fwrite(row, 3, (size_t)fb->width, f) == (size_t)fb->width;
    }
    free(row);
    return finish(path, tmp, f, ok, err);
}

/* ---- PNG ------------------------------------------------------------------------------ */

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t n)
{
    static uint32_t table[256];
    if (!table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    }
    crc = ~crc;
    while (n--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static bool chunk(FILE *f, const char *type, const uint8_t *data, size_t n)
{
    uint8_t head[8], tail[4];
    put32(head, (uint32_t)n);
    memcpy(head + 4, type, 4);
    uint32_t crc = crc_update(crc_update(0, head + 4, 4), data, n);
    put32(tail, crc);
    return fwrite(head, 1, 8, f) == 8 && (n == 0 || fwrite(data, 1, n, f) == n) &&
           fwrite(tail, 1, 4, f) == 4;
}

/* The zlib stream of raw (filter byte + RGB rows) as stored blocks. */
static uint8_t *zlib_stored(const uint8_t *raw, size_t n, size_t *out_n)
{
    size_t blocks = n / STORED_MAX + 1;
    uint8_t *z = kd_malloc(2 + n + blocks * 5 + 4);
    size_t o = 0;
    z[o++] = 0x78; /* deflate, 32K window */
    z[o++] = 0x01; /* no preset dictionary, check bits */
    size_t i = 0;
    do {
        size_t len = n - i > STORED_MAX ? STORED_MAX : n - i;
        z[o++] = i + len == n ? 1 : 0; /* BFINAL, BTYPE 00 */
        z[o++] = (uint8_t)len;
        z[o++] = (uint8_t)(len >> 8);
        z[o++] = (uint8_t)~len;
        z[o++] = (uint8_t)(~len >> 8);
        memcpy(z + o, raw + i, len);
        o += len;
        i += len;
    } while (i < n);
    uint32_t a = 1, b = 0;
    for (size_t k = 0; k < n; k++) {
        a = (a + raw[k]) % 65521;
        b = (b + a) % 65521;
    }
    put32(z + o, b << 16 | a);
    *out_n = o + 4;
    return z;
}

int kd_vnc_save_png(const kd_fb *fb, const char *path, kd_err *err)
{
    if (!kd_fb_valid(fb)) {
        kd_err_set(err, KD_ERR_INVALID, "there is no picture to save yet");
        return -1;
    }
    size_t rowlen = (size_t)fb->width * 3 + 1;
    size_t n = rowlen * (size_t)fb->height;
    uint8_t *raw = kd_malloc(n);
    for (int y = 0; y < fb->height; y++) {
        raw[(size_t)y * rowlen] = 0; /* filter: none */
        row_rgb(fb, y, raw + (size_t)y * rowlen + 1);
    }
    size_t zn;
    uint8_t *z = zlib_stored(raw, n, &zn);
    free(raw);
    uint8_t ihdr[13];
    put32(ihdr, (uint32_t)fb->width);
    put32(ihdr + 4, (uint32_t)fb->height);
    memcpy(ihdr + 8, "\x08\x02\x00\x00\x00", 5); /* 8-bit RGB, no interlace */
    char *tmp;
    FILE *f;
    if (open_tmp(path, &tmp, &f, err) < 0) {
        free(z);
        return -1;
    }
    bool ok = fwrite("\x89PNG\r\n\x1a\n", 1, 8, f) == 8 && chunk(f, "IHDR", ihdr, 13) &&
              chunk(f, "IDAT", z, zn) && chunk(f, "IEND", NULL, 0);
    free(z);
    return finish(path, tmp, f, ok, err);
}

int kd_vnc_save(const kd_fb *fb, const char *path, kd_err *err)
{
    size_t n = strlen(path);
    if (n > 4 && strcasecmp(path + n - 4, ".png") == 0)
        return kd_vnc_save_png(fb, path, err);
    return kd_vnc_save_ppm(fb, path, err);
}
