#ifndef KD_CONSOLE_VT_H
#define KD_CONSOLE_VT_H

/* The terminal emulator behind a guest's serial console.
 *
 * Guest output is untrusted: it goes through kd_vt_write into an emulated screen, a grid
 * of cells that the UI draws itself. Nothing the guest sends reaches the user's terminal:
 * titles are kept as a sanitised string, clipboard (OSC 52), APC/PM/SOS and unknown DCS
 * strings are dropped, malformed sequences are discarded, and every cell holds printable
 * characters only (never a C0/C1 control, a surrogate or a code point past U+10FFFF).
 *
 * The screen is rows x cols cells. Lines that scroll off its top go to a scrollback ring.
 * The "unified view" numbers lines 0 .. kd_vt_line_count()-1: the scrollback, oldest
 * first, then the screen's rows. While the guest uses the alternate screen (full-screen
 * programs), nothing goes to the scrollback.
 *
 * Bytes for the guest (keys, pastes, answers to the guest's DA/DSR queries) accumulate in
 * an output buffer that the caller drains with kd_vt_take_output.
 *
 * One kd_vt belongs to one thread at a time. */

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KD_VT_MAX_CHARS          6 /* a base character and up to 5 combining marks */
#define KD_VT_MIN_COLS           2 /* libvterm 0.1.4 writes a wide character past 1 */
#define KD_VT_MAX_ROWS           500
#define KD_VT_MAX_COLS           1000
#define KD_VT_SCROLLBACK_DEFAULT 10000
#define KD_VT_SCROLLBACK_MAX     1000000
#define KD_VT_TITLE_MAX          128   /* bytes of UTF-8 kept from the guest's title */
#define KD_VT_OUTPUT_MAX         65536 /* bytes of answers to the guest kept undrained */

typedef struct kd_vt kd_vt;

typedef enum {
    KD_VT_COLOR_DEFAULT, /* the terminal's default foreground or background */
    KD_VT_COLOR_INDEX,   /* palette index 0-255 in .index (0-15: the ANSI colours) */
    KD_VT_COLOR_RGB,     /* 24-bit colour in .r .g .b */
    KD_VT_COLOR_LAST
} kd_vt_color_kind;

typedef struct {
    uint8_t kind; /* kd_vt_color_kind */
    uint8_t index;
    uint8_t r, g, b;
} kd_vt_color;

enum {
    KD_VT_ATTR_BOLD = 1 << 0,
    KD_VT_ATTR_UNDERLINE = 1 << 1, /* single, double or curly */
    KD_VT_ATTR_ITALIC = 1 << 2,
    KD_VT_ATTR_BLINK = 1 << 3,
    KD_VT_ATTR_REVERSE = 1 << 4, /* includes the guest's whole-screen reverse (DECSCNM) */
    KD_VT_ATTR_STRIKE = 1 << 5,
    KD_VT_ATTR_CONCEAL = 1 << 6, /* libvterm before 0.2 does not report it: never set */
};

/* ch[] holds a base character then combining marks, ended by 0 when shorter than
 * KD_VT_MAX_CHARS; ch[0] == 0 is an empty (erased) cell, drawn as a space. width is 1, 2
 * for a wide character, or 0 for the right half of the wide character to its left (the
 * UI skips those). */
typedef struct {
    uint32_t ch[KD_VT_MAX_CHARS];
    uint8_t width;
    kd_vt_color fg, bg;
    uint16_t attrs; /* KD_VT_ATTR_* */
} kd_vt_cell;

typedef enum {
    KD_VT_KEY_ENTER,
    KD_VT_KEY_TAB,
    KD_VT_KEY_BACKSPACE, /* sends DEL (0x7f), as xterm and the Linux console do */
    KD_VT_KEY_ESCAPE,
    KD_VT_KEY_UP,
    KD_VT_KEY_DOWN,
    KD_VT_KEY_LEFT,
    KD_VT_KEY_RIGHT,
    KD_VT_KEY_INS,
    KD_VT_KEY_DEL,
    KD_VT_KEY_HOME,
    KD_VT_KEY_END,
    KD_VT_KEY_PAGEUP,
    KD_VT_KEY_PAGEDOWN,
    KD_VT_KEY_F1,
    KD_VT_KEY_F2,
    KD_VT_KEY_F3,
    KD_VT_KEY_F4,
    KD_VT_KEY_F5,
    KD_VT_KEY_F6,
    KD_VT_KEY_F7,
    KD_VT_KEY_F8,
    KD_VT_KEY_F9,
    KD_VT_KEY_F10,
    KD_VT_KEY_F11,
    KD_VT_KEY_F12,
    KD_VT_KEY_LAST
} kd_vt_key;

enum {
    KD_VT_MOD_SHIFT = 1 << 0,
    KD_VT_MOD_ALT = 1 << 1,
    KD_VT_MOD_CTRL = 1 << 2,
};

/* rows 1..KD_VT_MAX_ROWS, cols KD_VT_MIN_COLS..KD_VT_MAX_COLS, scrollback_lines 0 (none) ..
 * KD_VT_SCROLLBACK_MAX. NULL and err (KD_ERR_INVALID) for sizes out of range. */
kd_vt *kd_vt_new(int rows, int cols, size_t scrollback_lines, kd_err *err);
void kd_vt_free(kd_vt *vt);
/* Without reflow (libvterm 0.1 has none): a narrower screen cuts lines at the right; a
 * shorter one pushes its top lines to the scrollback so the cursor's line stays in view;
 * a taller one pulls lines back from the scrollback. The cursor stays on the screen. -1
 * and err (KD_ERR_INVALID) for a size out of range, the screen unchanged. */
int kd_vt_resize(kd_vt *vt, int rows, int cols, kd_err *err);
void kd_vt_size(const kd_vt *vt, int *rows, int *cols);

/* Guest output, any bytes, cut anywhere: an escape sequence or a UTF-8 character split
 * across calls works as in one call. Invalid UTF-8 shows as U+FFFD. */
void kd_vt_write(kd_vt *vt, const char *bytes, size_t n);

/* The screen's cell at row, col; NULL outside the screen. Valid until the next call that
 * takes a non-const kd_vt. */
const kd_vt_cell *kd_vt_cell_at(const kd_vt *vt, int row, int col);
/* The cursor: always on the screen; visible unless the guest hid it (DECTCEM). */
void kd_vt_cursor(const kd_vt *vt, int *row, int *col, bool *visible);
/* The screen rows changed since the last call, as rows top .. bottom-1 (rows the cursor
 * left or entered count as changed); false, and nothing to redraw, when none changed.
 * Clears the record. A new or resized kd_vt has every row changed. */
bool kd_vt_damage(kd_vt *vt, int *top, int *bottom);
/* True while the guest shows its alternate screen (vi, less, top). */
bool kd_vt_alt_screen(const kd_vt *vt);
/* The guest's window title, sanitised (no control characters, valid UTF-8, at most
 * KD_VT_TITLE_MAX bytes); "" when it set none. */
const char *kd_vt_title(const kd_vt *vt);
/* Whether the guest rang the bell since the last call; a storm of bells is one ring. */
bool kd_vt_take_bell(kd_vt *vt);

/* Scrollback: i = 0 is the oldest line. Stored lines drop their trailing blank cells, so
 * *cols may be less than the screen's width (the rest is blank) and is 0 for an empty
 * line. NULL when i >= count. */
size_t kd_vt_scrollback_count(const kd_vt *vt);
const kd_vt_cell *kd_vt_scrollback_line(const kd_vt *vt, size_t i, int *cols);
/* Lines dropped from the scrollback's oldest end since creation: a UI that shows old
 * lines keeps its place by subtracting the change in this count from its line index. */
uint64_t kd_vt_scrollback_dropped(const kd_vt *vt);

/* The unified view: scrollback lines, then the screen's rows. */
size_t kd_vt_line_count(const kd_vt *vt);
const kd_vt_cell *kd_vt_line(const kd_vt *vt, size_t line, int *cols);
/* A line's text as UTF-8 (empty cells as spaces, trailing spaces trimmed), for saving and
 * searching; NULL when line is out of range. The caller frees it. */
char *kd_vt_line_text(const kd_vt *vt, size_t line);
/* Find needle (UTF-8) in the unified view, from start_line towards the end, or towards
 * line 0 when backwards. Matches lie within one line; forwards the leftmost match of a
 * line is found, backwards the rightmost, so "next match" is a search from the line after
 * (before) the last one found. ignore_case folds letters (beyond ASCII as the locale's
 * LC_CTYPE knows them). true with *line and the match's first cell column in *col; false
 * when there is no match or needle is empty. */
bool kd_vt_search(const kd_vt *vt, const char *needle, size_t start_line, bool backwards,
                  bool ignore_case, size_t *line, int *col);

/* Keys to the guest, encoded as the guest's modes ask (application cursor keys, ...).
 * mods is a set of KD_VT_MOD_*. Ctrl+letter gives the control code (Ctrl+C is 0x03),
 * Alt+x prefixes ESC. Invalid keys and code points are ignored. */
void kd_vt_send_key(kd_vt *vt, kd_vt_key key, unsigned mods);
void kd_vt_send_char(kd_vt *vt, uint32_t codepoint, unsigned mods);
/* Paste text (UTF-8): newlines become CR as typed; control characters other than TAB
 * and newlines are left out, so a paste cannot carry escape sequences. Wrapped in
 * ESC[200~ .. ESC[201~ when the guest enabled bracketed paste (mode 2004). */
void kd_vt_paste(kd_vt *vt, const char *text);
/* Move up to max bytes bound for the guest into buf; returns how many. Answers to the
 * guest's queries stop accumulating past KD_VT_OUTPUT_MAX undrained bytes; keys and
 * pastes are always kept. */
size_t kd_vt_take_output(kd_vt *vt, char *buf, size_t max);
size_t kd_vt_output_pending(const kd_vt *vt);

#endif
