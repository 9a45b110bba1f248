#include "console/vt_priv.h"

#include <string.h>

/* See vt_priv.h for why this filter exists. It never hands libvterm part of a sequence:
 * a CSI, OSC or DCS is collected, checked, and passed whole or not at all, so libvterm's
 * parser is always back in its ground state between them and cannot be steered into a
 * state this filter does not know. Likewise for UTF-8: libvterm only ever sees whole,
 * valid characters (anything else becomes U+FFFD here), because its decoder garbles a
 * character split across writes and, worse, resumes a character across a control byte,
 * so "C2 CR 85" gives it U+0085 as text, whose width of -1 corrupts its memory. */

#define ESC 0x1b
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1a
#define DEL 0x7f

/* libvterm 0.1.4 keeps 16 CSI arguments; ':' sub-parameters take a slot each. */
#define CSI_MAX_ARGS 16
/* Larger numbers overflow libvterm's accumulator (signed long) or mean nothing useful. */
#define CSI_MAX_DIGITS 9
#define CSI_MAX_LEN    128

enum { ST_GROUND, ST_ESC, ST_ESC_INT, ST_CSI, ST_STR, ST_STR_ESC, ST_LAST };
enum { STR_OSC, STR_DCS, STR_IGNORED };

typedef void state_fn(kd_vt_filter *f, unsigned char c);

static void step(kd_vt_filter *f, unsigned char c);

static void flush(kd_vt_filter *f)
{
    if (f->out_len)
        f->sink(f->user, f->out, f->out_len);
    f->out_len = 0;
}

/* Bytes emitted by one call stay together in one sink call. */
static void emit(kd_vt_filter *f, const char *bytes, size_t n)
{
    if (f->out_len + n > sizeof(f->out))
        flush(f);
    memcpy(f->out + f->out_len, bytes, n);
    f->out_len += n;
}

/* A whole sequence goes to libvterm on its own, and the owner then checks what it did
 * (libvterm 0.1.4 can leave the cursor off the screen: it restores a cursor position
 * saved before the screen shrank without bounding it). */
static void emit_seq(kd_vt_filter *f, const char *bytes, size_t n)
{
    emit(f, bytes, n);
    flush(f);
    f->after(f->user);
}

static void emit1(kd_vt_filter *f, unsigned char c)
{
    char b = (char)c;
    emit(f, &b, 1);
}

static void seq_start(kd_vt_filter *f, int state, char intro)
{
    f->state = state;
    f->drop = false;
    f->seps = 0;
    f->digits = 0;
    f->seq[0] = ESC;
    f->seq[1] = intro;
    f->seq_len = 2;
}

static void seq_add(kd_vt_filter *f, unsigned char c, size_t max)
{
    if (f->drop)
        return;
    if (f->seq_len >= max) {
        f->drop = true;
        return;
    }
    f->seq[f->seq_len++] = (char)c;
}

/* Remember the last graphic character for REP: ASCII, or none after anything else. */
static void note_last(kd_vt_filter *f, unsigned char c)
{
    if (c >= 0x20 && c < 0x7f)
        f->last = c;
}

static void ground(kd_vt_filter *f, unsigned char c)
{
    if (c == ESC) {
        f->state = ST_ESC;
    } else {
        note_last(f, c);
        emit1(f, c);
    }
}

static void esc(kd_vt_filter *f, unsigned char c)
{
    static const struct {
        char intro;
        int state, kind;
    } starts[] = {
        {'[', ST_CSI, 0},           {']', ST_STR, STR_OSC},     {'P', ST_STR, STR_DCS},
        {'_', ST_STR, STR_IGNORED}, {'^', ST_STR, STR_IGNORED}, {'X', ST_STR, STR_IGNORED},
    };
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
        if (c == (unsigned char)starts[i].intro) {
            seq_start(f, starts[i].state, starts[i].intro);
            f->str_kind = starts[i].kind;
            return;
        }
    }
    if (c == ESC) {
        /* the first ESC is cancelled by the second */
    } else if (c == CAN || c == SUB) {
        f->state = ST_GROUND;
        emit1(f, c);
    } else if (c < 0x20) {
        emit1(f, c); /* a control inside an escape sequence acts at once */
    } else if (c == DEL) {
        /* ignored inside sequences */
    } else if (c < 0x30) {
        seq_start(f, ST_ESC_INT, (char)c); /* intermediates, as in ESC ( B */
    } else {
        char pair[2] = {ESC, (char)c};
        f->state = ST_GROUND;
        emit_seq(f, pair, 2);
    }
}

/* A control byte in the middle of a CSI or string: ESC, CAN and SUB end it, others act
 * at once (in a CSI) or are ignored (in a string). Returns false for other bytes. */
static bool seq_control(kd_vt_filter *f, unsigned char c, bool in_string)
{
    if (c == ESC) {
        f->state = in_string ? ST_STR_ESC : ST_ESC;
        return true;
    }
    if (c == CAN || c == SUB) {
        f->state = ST_GROUND;
        emit1(f, c);
        return true;
    }
    if (c < 0x20 || c == DEL) {
        if (!in_string && c != DEL)
            emit1(f, c);
        return true;
    }
    return false;
}

/* ESC, intermediate bytes, then a final byte. libvterm starts a CSI or string at its
 * introducer even after intermediates ("ESC * [ b" is a REP to it), so those start one
 * here too, the intermediates dropped. */
static void esc_int(kd_vt_filter *f, unsigned char c)
{
    if (seq_control(f, c, false))
        return;
    if (strchr("[]P_^X", c)) {
        esc(f, c);
        return;
    }
    seq_add(f, c, CSI_MAX_LEN);
    if (c >= 0x30) {
        f->state = ST_GROUND;
        if (!f->drop)
            emit_seq(f, f->seq, f->seq_len);
    }
}

static void csi_param(kd_vt_filter *f, unsigned char c)
{
    if (c >= '0' && c <= '9') {
        if (++f->digits > CSI_MAX_DIGITS)
            f->drop = true;
    } else {
        f->digits = 0;
        if ((c == ';' || c == ':') && ++f->seps >= CSI_MAX_ARGS)
            f->drop = true;
    }
    seq_add(f, c, CSI_MAX_LEN);
}

/* REP (CSI n b) repeats the last character. libvterm 0.1.4 loops for ever on it when no
 * character was printed yet, so it never sees one: the filter prints the character
 * itself, at most a screen's width of it. Only ASCII is repeated, as curses does. */
static void repeat(kd_vt_filter *f)
{
    long count = 0;
    for (size_t i = 2; i + 1 < f->seq_len; i++) {
        if (f->seq[i] < '0' || f->seq[i] > '9')
            return;
        count = count * 10 + (f->seq[i] - '0');
    }
    if (!f->last)
        return;
    if (count < 1)
        count = 1;
    if (count > f->rep_max)
        count = f->rep_max;
    for (long i = 0; i < count; i++)
        emit1(f, f->last);
}

static void csi(kd_vt_filter *f, unsigned char c)
{
    if (seq_control(f, c, false))
        return;
    if (c >= 0x30 && c <= 0x3f) {
        csi_param(f, c);
    } else if (c < 0x30) {
        f->digits = 0;
        seq_add(f, c, CSI_MAX_LEN);
    } else {
        seq_add(f, c, CSI_MAX_LEN);
        f->state = ST_GROUND;
        if (f->drop)
            return;
        if (c == 'b')
            repeat(f);
        else
            emit_seq(f, f->seq, f->seq_len);
    }
}

/* OSC 0, 1 and 2 set the title and icon name; the rest (colours, clipboard, hyperlinks,
 * notifications) have no business in an emulated serial console. */
static bool osc_allowed(const char *payload, size_t n)
{
    return n >= 2 && payload[0] >= '0' && payload[0] <= '2' && payload[1] == ';';
}

/* The DECRQSS queries libvterm 0.1.4 answers; any other one crashes it. */
static bool dcs_allowed(const char *payload, size_t n)
{
    static const char *const ok[] = {"$qm", "$q q", "$q\"q", "$qr", "$qs"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (n == strlen(ok[i]) && memcmp(payload, ok[i], n) == 0)
            return true;
    }
    return false;
}

static void str_end(kd_vt_filter *f)
{
    f->state = ST_GROUND;
    if (f->drop || f->str_kind == STR_IGNORED)
        return;
    const char *payload = f->seq + 2;
    size_t n = f->seq_len - 2;
    if (f->str_kind == STR_OSC && osc_allowed(payload, n)) {
        f->seq[f->seq_len++] = BEL;
        emit_seq(f, f->seq, f->seq_len);
    } else if (f->str_kind == STR_DCS && dcs_allowed(payload, n)) {
        f->seq[f->seq_len++] = ESC;
        f->seq[f->seq_len++] = '\\';
        emit_seq(f, f->seq, f->seq_len);
    }
}

static void str(kd_vt_filter *f, unsigned char c)
{
    if (c == BEL) {
        str_end(f);
        return;
    }
    if (seq_control(f, c, true))
        return;
    if (f->str_kind == STR_IGNORED)
        return;                       /* nothing kept: an APC payload may be megabytes */
    seq_add(f, c, KD_VT_SEQ_MAX - 2); /* room for the terminator */
}

/* ESC inside a string: ESC \ ends it; ESC anything else abandons it for a new sequence. */
static void str_esc(kd_vt_filter *f, unsigned char c)
{
    if (c == '\\') {
        str_end(f);
        return;
    }
    f->state = ST_ESC;
    step(f, c);
}

static state_fn *const states[ST_LAST] = {
    [ST_GROUND] = ground, [ST_ESC] = esc, [ST_ESC_INT] = esc_int,
    [ST_CSI] = csi,       [ST_STR] = str, [ST_STR_ESC] = str_esc,
};

static void step(kd_vt_filter *f, unsigned char c)
{
    states[f->state](f, c);
}

void kd_vt_filter_init(kd_vt_filter *f, kd_vt_sink *sink, kd_vt_after *after, void *user)
{
    memset(f, 0, sizeof(*f));
    f->state = ST_GROUND;
    f->rep_max = KD_VT_MAX_COLS;
    f->sink = sink;
    f->after = after;
    f->user = user;
}

/* --- UTF-8 ------------------------------------------------------------------------- */

/* A whole non-ASCII character (valid, or U+FFFD) arriving in the current state. */
static void text_char(kd_vt_filter *f, const char *u, size_t n)
{
    if (f->state == ST_STR) {
        if (f->str_kind != STR_IGNORED) {
            for (size_t i = 0; i < n; i++)
                seq_add(f, (unsigned char)u[i], KD_VT_SEQ_MAX - 2);
        }
        return;
    }
    /* Text ends an escape or CSI unfinished: what was read of it is dropped. */
    f->state = ST_GROUND;
    f->last = 0;
    emit(f, u, n);
}

static void utf8_invalid(kd_vt_filter *f)
{
    f->u8_need = 0;
    text_char(f, "\xef\xbf\xbd", 3);
}

static void utf8_done(kd_vt_filter *f)
{
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    uint32_t cp = f->u8_cp;
    if (cp < min_for_len[f->u8_len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        utf8_invalid(f);
    } else if (cp < 0xa0) {
        /* A C1 control: the same as its ESC form, and checked the same way. */
        step(f, ESC);
        step(f, (unsigned char)(cp - 0x40));
    } else {
        text_char(f, (const char *)f->u8, f->u8_len);
    }
}

static void utf8_byte(kd_vt_filter *f, unsigned char c)
{
    if (f->u8_need > 0) {
        if ((c & 0xc0) == 0x80) {
            f->u8[f->u8_len++] = c;
            f->u8_cp = (f->u8_cp << 6) | (c & 0x3f);
            if (--f->u8_need == 0)
                utf8_done(f);
            return;
        }
        utf8_invalid(f); /* cut short */
    }
    if (c < 0x80) {
        step(f, c);
        return;
    }
    int len = c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
    if (len == 0) {
        utf8_invalid(f);
        return;
    }
    f->u8[0] = c;
    f->u8_len = 1;
    f->u8_need = len - 1;
    f->u8_cp = c & (0x7fu >> len);
}

/* --- Feeding ------------------------------------------------------------------------- */

/* Plain ASCII text is by far the most common input: copy runs of it. */
static size_t ground_run(kd_vt_filter *f, const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] < 0x80 && p[i] != ESC)
        i++;
    for (size_t k = i; k > 0; k--) {
        if (p[k - 1] >= 0x20 && p[k - 1] != DEL) {
            note_last(f, p[k - 1]);
            break;
        }
    }
    for (size_t done = 0; done < i;) {
        size_t room = sizeof(f->out) - f->out_len;
        if (room == 0) {
            flush(f);
            continue;
        }
        size_t take = i - done < room ? i - done : room;
        memcpy(f->out + f->out_len, p + done, take);
        f->out_len += take;
        done += take;
    }
    return i;
}

void kd_vt_filter_feed(kd_vt_filter *f, const char *bytes, size_t n)
{
    const unsigned char *p = (const unsigned char *)bytes;
    for (size_t i = 0; i < n; i++) {
        if (f->state == ST_GROUND && f->u8_need == 0) {
            i += ground_run(f, p + i, n - i);
            if (i == n)
                break;
        }
        utf8_byte(f, p[i]);
    }
    flush(f);
}
