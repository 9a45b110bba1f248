#ifndef KD_UI_THEME_H
#define KD_UI_THEME_H

#include "core/err.h"

#include <stdbool.h>

/* Themes are INI files (themes/NAME.theme): [colors] slot = "FG [on BG] [bold|dim|
 * reverse|underline|italic]...". Colours: default, the 8 names, bright-NAME, colorN (0-255)
 * or #rrggbb; each is reduced to what the terminal has. */

typedef enum {
    KD_SLOT_NORMAL,
    KD_SLOT_HEADER,
    KD_SLOT_HEADER_TITLE,
    KD_SLOT_STATUS,
    KD_SLOT_STATUS_ERROR,
    KD_SLOT_LIST_HEADING,
    KD_SLOT_LIST_SELECTED,
    KD_SLOT_STATE_RUNNING,
    KD_SLOT_STATE_PAUSED,
    KD_SLOT_STATE_SHUTOFF,
    KD_SLOT_STATE_CRASHED,
    KD_SLOT_STATE_OTHER,
    KD_SLOT_HELP_TITLE,
    KD_SLOT_HELP_KEY,
    KD_SLOT_DIALOG,
    KD_SLOT_GRAPH, /* history graphs and meters */
    KD_SLOT_LAST
} kd_slot;

typedef enum { KD_COLOR_DEFAULT, KD_COLOR_INDEX, KD_COLOR_RGB } kd_color_kind;

typedef struct {
    kd_color_kind kind;
    unsigned value; /* palette index, or 0xRRGGBB */
} kd_color;

enum {
    KD_STYLE_BOLD = 1 << 0,
    KD_STYLE_DIM = 1 << 1,
    KD_STYLE_REVERSE = 1 << 2,
    KD_STYLE_UNDERLINE = 1 << 3,
    KD_STYLE_ITALIC = 1 << 4,
};

typedef struct {
    kd_color fg;
    kd_color bg;
    unsigned attrs;
} kd_style;

typedef struct {
    char *name;
    kd_style slots[KD_SLOT_LAST];
} kd_theme;

const char *kd_slot_name(kd_slot slot);
int kd_theme_parse_style(const char *spec, kd_style *out, kd_err *err);
/* Reduce a colour to a palette of ncolors (8, 16, 256): an index, or -1 for default. */
int kd_color_reduce(kd_color c, int ncolors);

/* Built-in monochrome fallback; never fails. */
void kd_theme_init_mono(kd_theme *t);
int kd_theme_parse(kd_theme *t, const char *name, const char *text, kd_err *err);
/* Find NAME.theme in the NULL-terminated dirs, first match wins. */
int kd_theme_load(kd_theme *t, const char *name, const char *const *dirs, kd_err *err);
void kd_theme_clear(kd_theme *t);

/* Make colour pairs for the running terminal; use_color false gives attributes only. */
void kd_theme_apply(const kd_theme *t, bool use_color);
/* The curses attributes (pair included) for a slot, as applied. */
unsigned long kd_theme_attr(kd_slot slot);

#endif
