#ifndef KD_CONSOLE_TEXTREC_PRIV_H
#define KD_CONSOLE_TEXTREC_PRIV_H

/* Shared by textrec.c (recognition) and textrec_hist.c (scrollback and search). */

#include "console/textrec.h"
#include "console/vt_priv.h"

struct kd_textrec {
    const kd_fontset *fonts;
    /* The framebuffer the grid was found on. */
    int fb_w, fb_h, fb_bpp, fb_rs, fb_gs, fb_bs, fb_rmax, fb_gmax, fb_bmax;
    bool have_fb;
    /* The grid: cell size, first cell's offset, rows x cols cells (0 x 0: none). */
    int cw, chh, ox, oy, rows, cols;
    unsigned since_detect;  /* updates since the grid was last looked for */
    unsigned search_gap;    /* updates a graphical screen waits between searches */
    long search_area;       /* pixels damaged since the last search */
    bool last_picture;      /* the last sampled update was a picture: sample less */
    kd_textrec_cell *cells; /* rows * cols */
    int nonblank, exact;
    uint32_t major_bg; /* the most common background, by vote */
    int bg_votes;
    bool text; /* the confidence was above the threshold after the last update */
    int cur_row, cur_col;
    bool cur_seen;
    uint64_t work;
    /* History: the screen at the last commit, and the lines gone from it. */
    kd_vt_ring *ring;
    kd_textrec_cell *snap;
    int snap_rows, snap_cols;
    bool snap_text;
};

/* textrec_cell.c: one cell. */

#define KD_TEXTREC_NO_PREF 0xffffffffu

/* The bits of a pixel word that hold colour (the rest is padding). */
uint32_t kd_textrec_px_mask(const kd_fb *fb);
/* The pixel word at x, y (little-endian, as VNC sends it). */
static inline uint32_t kd_textrec_px_word(const kd_fb *fb, int x, int y)
{
    const uint8_t *p = fb->pixels + (size_t)y * (size_t)fb->stride + (size_t)x * fb->bytes_pp;
    if (fb->bytes_pp == 2)
        return (uint32_t)p[0] | (uint32_t)p[1] << 8;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Recognise the cell whose top-left pixel is x0, y0 in a cell cw wide; fills out when not
 * NULL and returns the cell's kd_textrec_how. Without out only exact matches are looked
 * for (KD_TEXTREC_NONE instead of KD_TEXTREC_NEAREST), as the search for a grid needs. Of two
 * readings that draw the same pixels (glyphs that are each other's inverse) the one with background
 * pref_bg (0xRRGGBB or KD_TEXTREC_NO_PREF) is taken. */
int kd_textrec_read_cell(const kd_fontset *fonts, const kd_fb *fb, uint32_t mask, int x0, int y0,
                         int cw, uint32_t pref_bg, kd_textrec_cell *out);

/* What a quick look at a cell says (kd_textrec_probe_cell): KD_TEXTREC_BLANK, KD_TEXTREC_EXACT
 * (a glyph or the cursor, on this grid), KD_TEXTREC_NEAREST (looked for only in cells that
 * look like text), or one of these. */
enum {
    KD_TEXTREC_PROBE_OFFGRID = KD_TEXTREC_LAST, /* two colours and the gaps of text: a glyph
                                                 * seen through another grid, maybe */
    KD_TEXTREC_PROBE_PICTURE,                   /* more than two colours, or noise */
};
int kd_textrec_probe_cell(const kd_fontset *fonts, const kd_fb *fb, uint32_t mask, int x0, int y0,
                          int cw);

static inline bool kd_textrec_how_exact(int how)
{
    return how == KD_TEXTREC_EXACT || how == KD_TEXTREC_CURSOR;
}

/* textrec_hist.c */
void kd_textrec_hist_free(kd_textrec *rec);

#endif
