/* Framebuffer formats and colour mapping: what a server's pixel is, and which terminal
 * colour shows it. */

#include "console/fb_priv.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

#define KD_FB_CHAN_MAX 65535

static bool chan_valid(int shift, int max, int bits_pp)
{
    if (max < 1 || max > KD_FB_CHAN_MAX || (max & (max + 1)) != 0)
        return false; /* only 2^n - 1 maxima describe bit fields */
    if (shift < 0 || shift >= bits_pp)
        return false;
    int bits = 0;
    while ((max >> bits) != 0)
        bits++;
    return shift + bits <= bits_pp;
}

bool kd_fb_valid(const kd_fb *fb)
{
    if (!fb || !fb->pixels)
        return false;
    if (fb->width < 1 || fb->width > KD_FB_MAX_W || fb->height < 1 || fb->height > KD_FB_MAX_H)
        return false;
    if (fb->bytes_pp != 2 && fb->bytes_pp != 4)
        return false;
    /* width * bytes_pp cannot overflow under the caps; stride * height might. */
    if (fb->stride < fb->width * fb->bytes_pp || fb->stride > INT_MAX / fb->height)
        return false;
    int bits = fb->bytes_pp * 8;
    return chan_valid(fb->rshift, fb->rmax, bits) && chan_valid(fb->gshift, fb->gmax, bits) &&
           chan_valid(fb->bshift, fb->bmax, bits);
}

bool kd_fb_fast(const kd_fb *fb)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return fb->bytes_pp == 4 && fb->rmax == 255 && fb->gmax == 255 && fb->bmax == 255 &&
           fb->rshift % 8 == 0 && fb->gshift % 8 == 0 && fb->bshift % 8 == 0;
#else
    (void)fb;
    return false;
#endif
}

static uint32_t word_at(const kd_fb *fb, const uint8_t *p)
{
    if (fb->bytes_pp == 2)
        return (uint32_t)p[0] | (uint32_t)p[1] << 8;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t scale8(uint64_t sum, uint64_t n, int max)
{
    uint64_t den = n * (uint64_t)max;
    return (uint32_t)((sum * 255 + den / 2) / den);
}

uint32_t kd_fb_pixel(const kd_fb *fb, int x, int y)
{
    uint32_t w = word_at(fb, fb->pixels + (size_t)y * fb->stride + (size_t)x * fb->bytes_pp);
    uint32_t r = (w >> fb->rshift) & (uint32_t)fb->rmax;
    uint32_t g = (w >> fb->gshift) & (uint32_t)fb->gmax;
    uint32_t b = (w >> fb->bshift) & (uint32_t)fb->bmax;
    return scale8(r, 1, fb->rmax) << 16 | scale8(g, 1, fb->gmax) << 8 | scale8(b, 1, fb->bmax);
}

int kd_fb_step(int len)
{
    return len <= KD_FB_BOX_SAMPLES ? 1 : (len + KD_FB_BOX_SAMPLES - 1) / KD_FB_BOX_SAMPLES;
}

uint32_t kd_fb_box(const kd_fb *fb, int x0, int x1, int y0, int y1, int step)
{
    uint64_t r = 0, g = 0, b = 0, n = 0;
    for (int y = y0; y < y1; y += step) {
        const uint8_t *row = fb->pixels + (size_t)y * fb->stride;
        for (int x = x0; x < x1; x += step) {
            uint32_t w = word_at(fb, row + (size_t)x * fb->bytes_pp);
            r += (w >> fb->rshift) & (uint32_t)fb->rmax;
            g += (w >> fb->gshift) & (uint32_t)fb->gmax;
            b += (w >> fb->bshift) & (uint32_t)fb->bmax;
            n++;
        }
    }
    if (n == 0)
        return 0;
    return scale8(r, n, fb->rmax) << 16 | scale8(g, n, fb->gmax) << 8 | scale8(b, n, fb->bmax);
}

/* ---- colours ---------------------------------------------------------------------------- */

static const uint8_t cube_level[6] = {0, 95, 135, 175, 215, 255};

/* xterm's default 16 colours. */
static const uint8_t ansi16[16][3] = {
    {0, 0, 0},     {205, 0, 0},     {0, 205, 0},     {205, 205, 0},   {0, 0, 238}, {205, 0, 205},
    {0, 205, 205}, {229, 229, 229}, {127, 127, 127}, {255, 0, 0},     {0, 255, 0}, {255, 255, 0},
    {92, 92, 255}, {255, 0, 255},   {0, 255, 255},   {255, 255, 255},
};

static const uint8_t bayer4[4][4] = {{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}};

static int clamp8(int v)
{
    return v < 0 ? 0 : v > 255 ? 255 : v;
}

static int cube_index(int v)
{
    /* Midpoints between the levels 0, 95, 135, ...: 48, 115, 155, 195, 235. */
    return v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40;
}

static int dist2(int r, int g, int b, int r2, int g2, int b2)
{
    return (r - r2) * (r - r2) + (g - g2) * (g - g2) + (b - b2) * (b - b2);
}

int kd_fb_color_256(int r, int g, int b)
{
    r = clamp8(r);
    g = clamp8(g);
    b = clamp8(b);
    int ri = cube_index(r), gi = cube_index(g), bi = cube_index(b);
    int dc = dist2(r, g, b, cube_level[ri], cube_level[gi], cube_level[bi]);
    /* The ramp is 8, 18, ..., 238 (indices 232..255). */
    int avg = (r + g + b) / 3;
    int k = avg < 8 ? 0 : (avg - 8 + 5) / 10;
    if (k > 23)
        k = 23;
    int lv = 8 + 10 * k;
    int dg = dist2(r, g, b, lv, lv, lv);
    return dg < dc ? 232 + k : 16 + 36 * ri + 6 * gi + bi;
}

static int nearest16(int r, int g, int b, int skip)
{
    int best = 0, bestd = -1;
    for (int i = 0; i < 16; i++) {
        if (i == skip)
            continue;
        int d = dist2(r, g, b, ansi16[i][0], ansi16[i][1], ansi16[i][2]);
        if (bestd < 0 || d < bestd) {
            bestd = d;
            best = i;
        }
    }
    return best;
}

/* The dither of a colour: the nearest palette colour c1, its partner c2 on the other side
 * of the colour, and how many of the 16 Bayer positions show c2 (the proportion of c2 in
 * the mix). Packed as c1 | c2 << 4 | count << 8. */
static uint16_t dither16(int r, int g, int b)
{
    int c1 = nearest16(r, g, b, -1);
    const uint8_t *p1 = ansi16[c1];
    int er = r - p1[0], eg = g - p1[1], eb = b - p1[2];
    if (er == 0 && eg == 0 && eb == 0)
        return (uint16_t)c1;
    /* The partner lies beyond the colour, seen from c1: mixing the two in the proportion
     * of the projection reproduces the colour on average. */
    int c2 = nearest16(r + er, g + eg, b + eb, c1);
    const uint8_t *p2 = ansi16[c2];
    long dr = p2[0] - p1[0], dg = p2[1] - p1[1], db = p2[2] - p1[2];
    long num = er * dr + eg * dg + eb * db;
    long den = dr * dr + dg * dg + db * db;
    int count = 0;
    /* Position m shows c2 when the proportion num/den passes its threshold (m + 0.5) / 16. */
    while (num > 0 && count < 16 && num * 32 > (2L * count + 1) * den)
        count++;
    return (uint16_t)(c1 | c2 << 4 | count << 8);
}

static int dither_at(uint16_t d, int x, int y)
{
    return bayer4[y & 3][x & 3] < (d >> 8) ? d >> 4 & 15 : d & 15;
}

int kd_fb_color_16(int r, int g, int b, int x, int y)
{
    return dither_at(dither16(clamp8(r), clamp8(g), clamp8(b)), x, y);
}

uint32_t kd_fb_map16(kd_fb_cache *cache, uint32_t rgb, int x, int y)
{
    rgb &= 0xffffff;
    /* Frames repeat few colours: a direct-mapped memo spares the two palette searches. */
    size_t h = (rgb * 2654435761u) >> (32 - KD_FB_CACHE_BITS);
    if (cache->key[h] != (rgb | 0x80000000u)) {
        cache->key[h] = rgb | 0x80000000u;
        cache->val[h] = dither16((int)(rgb >> 16), (int)(rgb >> 8 & 255), (int)(rgb & 255));
    }
    return (uint32_t)dither_at(cache->val[h], x, y);
}

uint32_t kd_fb_map(kd_fb_colors c, uint32_t rgb, int x, int y)
{
    int r = (int)(rgb >> 16 & 0xff), g = (int)(rgb >> 8 & 0xff), b = (int)(rgb & 0xff);
    if (c == KD_FB_COLOR_TRUE)
        return rgb & 0xffffff;
    if (c == KD_FB_COLOR_256)
        return (uint32_t)kd_fb_color_256(r, g, b);
    return (uint32_t)kd_fb_color_16(r, g, b, x, y);
}

static bool has_word(const char *s, const char *w)
{
    return s && strcasecmp(s, w) == 0;
}

kd_fb_colors kd_fb_detect_colors(const char *colorterm, int colors, bool rgb)
{
    if (has_word(colorterm, "truecolor") || has_word(colorterm, "24bit") || rgb ||
        colors >= 1 << 24)
        return KD_FB_COLOR_TRUE;
    return colors >= 256 ? KD_FB_COLOR_256 : KD_FB_COLOR_16;
}
