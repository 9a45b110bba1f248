#ifndef KD_CONSOLE_VT_PRIV_H
#define KD_CONSOLE_VT_PRIV_H

/* Shared by the files of the serial emulator (vt.c, filter.c, scrollback.c); not for
 * other modules. */

#include "console/vt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- The input filter (filter.c) ---------------------------------------------------
 *
 * libvterm 0.1.4 crashes or hangs on some guest output: a CSI with more than 16
 * parameters overflows its argument array; a DECRQSS for a setting it does not know
 * (ESC P $ q x x ESC \) dereferences a bad pointer; REP (CSI n b) before any character
 * loops for ever; a UTF-8 character cut by a control byte is resumed after it, so
 * "C2 CR 85" prints U+0085, whose width of -1 corrupts memory. It also prints the
 * payload of APC, PM and SOS strings as text. So guest bytes pass this filter first. It
 * hands libvterm whole escape sequences only, each in a write of its own, and only these:
 * CSIs of at most 16 parameters of at most 9 digits, OSCs that set the title, the DECRQSS
 * queries libvterm answers correctly; APC, PM and SOS are dropped and REP is carried out
 * here. Text reaches libvterm as whole, valid UTF-8 characters (U+FFFD for anything
 * else), and C1 controls written in UTF-8 (C2 80..C2 9F), which libvterm obeys, in their
 * ESC forms, checked the same way. After each sequence the owner's hook runs, to put
 * right what libvterm did wrong (a cursor left off the screen). */

#define KD_VT_SEQ_MAX 512 /* longest sequence kept; a longer one is dropped */

typedef void kd_vt_sink(void *user, const char *bytes, size_t n);
typedef void kd_vt_after(void *user);

typedef struct {
    int state;
    int str_kind; /* which string (OSC, DCS, ignored) is being read */
    bool drop;    /* the sequence being read is discarded when it ends */
    int u8_need;  /* continuation bytes the UTF-8 character being read still needs */
    int u8_len;
    unsigned char u8[4];
    uint32_t u8_cp;
    int seps;           /* parameter separators in the CSI so far */
    int digits;         /* digits in the CSI's current parameter */
    unsigned char last; /* the last character printed, for REP; 0 if not ASCII */
    long rep_max;       /* the most characters one REP prints: the screen's width */
    size_t seq_len;     /* bytes in seq */
    char seq[KD_VT_SEQ_MAX];
    size_t out_len;
    char out[4096];
    kd_vt_sink *sink;
    kd_vt_after *after; /* called after each escape sequence has gone to the sink */
    void *user;
} kd_vt_filter;

void kd_vt_filter_init(kd_vt_filter *f, kd_vt_sink *sink, kd_vt_after *after, void *user);
/* Pass bytes through; what is let through goes to the sink before this returns, except
 * an incomplete sequence at the end, which waits for the next call. */
void kd_vt_filter_feed(kd_vt_filter *f, const char *bytes, size_t n);

/* --- The scrollback ring (scrollback.c) ---------------------------------------------- */

typedef struct kd_vt_ring kd_vt_ring;

kd_vt_ring *kd_vt_ring_new(size_t max_lines);
void kd_vt_ring_free(kd_vt_ring *ring);
/* Copy a line in, without its trailing blank cells; the oldest line goes when full. */
void kd_vt_ring_push(kd_vt_ring *ring, const kd_vt_cell *cells, int cols);
/* The newest line, removed from the ring; false when empty. The caller frees *cells. */
bool kd_vt_ring_pop(kd_vt_ring *ring, kd_vt_cell **cells, int *cols);
size_t kd_vt_ring_count(const kd_vt_ring *ring);
uint64_t kd_vt_ring_dropped(const kd_vt_ring *ring);
const kd_vt_cell *kd_vt_ring_line(const kd_vt_ring *ring, size_t i, int *cols);

/* --- UTF-8 (scrollback.c) ------------------------------------------------------------ */

/* Printable code point for a cell: controls, surrogates and values past U+10FFFF become
 * U+FFFD. */
uint32_t kd_vt_printable(uint32_t cp);
/* Encode cp (assumed valid) into out; returns the byte count (1-4). */
size_t kd_vt_utf8_encode(uint32_t cp, char out[4]);
/* Decode one character from s (n > 0 bytes); returns the bytes used (at least 1) and
 * U+FFFD in *cp for an invalid, overlong or truncated sequence. */
size_t kd_vt_utf8_decode(const char *s, size_t n, uint32_t *cp);

#endif
