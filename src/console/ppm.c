#include "console/ppm.h"
#include "core/str.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The next header number, past white space and comments; -1 when there is none. */
static long header_number(gzFile gz)
{
    int c = gzgetc(gz);
    while (c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        if (c == '#')
            while (c != '\n' && c != -1)
                c = gzgetc(gz);
        c = gzgetc(gz);
    }
    long v = -1;
    for (int digits = 0; c >= '0' && c <= '9' && digits < 9; digits++) {
        v = (v < 0 ? 0 : v * 10) + (c - '0');
        c = gzgetc(gz);
    }
    return v;
}

static int load(gzFile gz, const char *path, kd_ppm *out, kd_err *err)
{
    char magic[2];
    if (gzread(gz, magic, 2) != 2 || magic[0] != 'P' || magic[1] != '6') {
        kd_err_set(err, KD_ERR_INVALID, "%s: not a binary PPM (P6)", path);
        return -1;
    }
    long w = header_number(gz), h = header_number(gz), max = header_number(gz);
    if (w < 1 || h < 1 || w > KD_FB_MAX_W || h > KD_FB_MAX_H || max != 255) {
        kd_err_set(err, KD_ERR_INVALID, "%s: unsupported PPM header (%ldx%ld, maxval %ld)", path, w,
                   h, max);
        return -1;
    }
    size_t row = (size_t)w * 3;
    uint8_t *rgb = kd_malloc(row);
    uint8_t *px = kd_malloc((size_t)w * (size_t)h * 4);
    for (long y = 0; y < h; y++) {
        if (gzread(gz, rgb, (unsigned)row) != (int)row) {
            kd_err_set(err, KD_ERR_INVALID, "%s: truncated at row %ld", path, y);
            free(rgb);
            free(px);
            return -1;
        }
        uint8_t *o = px + (size_t)y * (size_t)w * 4;
        for (long x = 0; x < w; x++) {
            o[4 * x] = rgb[3 * x + 2];
            o[4 * x + 1] = rgb[3 * x + 1];
            o[4 * x + 2] = rgb[3 * x];
            o[4 * x + 3] = 0;
        }
    }
    free(rgb);
    out->data = px;
    out->fb = (kd_fb){px, (int)w, (int)h, (int)w * 4, 4, 16, 8, 0, 255, 255, 255};
    return 0;
}

int kd_ppm_load(const char *path, kd_ppm *out, kd_err *err)
{
    memset(out, 0, sizeof(*out));
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        kd_err_set(err, errno == ENOENT ? KD_ERR_NOTFOUND : KD_ERR_IO, "%s: %s", path,
                   errno ? strerror(errno) : "cannot open");
        return -1;
    }
    int rc = load(gz, path, out, err);
    gzclose(gz);
    return rc;
}

void kd_ppm_free(kd_ppm *ppm)
{
    if (!ppm)
        return;
    free(ppm->data);
    ppm->data = NULL;
}
