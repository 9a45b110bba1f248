/* libFuzzer target for the serial console's terminal emulator (src/console/).
 *
 * The input is guest output, with 0xFF as an escape for the harness (0xFF never occurs in
 * UTF-8, so recorded streams are used as they are): 0xFF 0xFF is a literal 0xFF byte;
 * 0xFF and another byte ends the current write there (a split point) and, by that byte's
 * top bits, may also resize, send a key, read lines and search, or paste. After every
 * step the grid is checked: no control character in any cell, the cursor on the screen,
 * and no row changed outside the damage reported; at the end the scrollback is walked
 * too. */

#include "console/vt.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "invariant broken at %s:%d: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* An upper bound of the bytes keys and pastes queued for the guest in this input. */
static size_t user_bytes;

typedef struct {
    const uint8_t *p;
    size_t n;
} input;

static int take(input *in)
{
    if (in->n == 0)
        return -1;
    in->n--;
    return *in->p++;
}

static bool printable(uint32_t cp)
{
    return cp >= 0x20 && !(cp >= 0x7f && cp < 0xa0) && !(cp >= 0xd800 && cp <= 0xdfff) &&
           cp <= 0x10ffff;
}

static void check_cells(const kd_vt_cell *cells, int cols)
{
    for (int c = 0; c < cols; c++) {
        CHECK(cells[c].width <= 2);
        CHECK(cells[c].fg.kind < KD_VT_COLOR_LAST && cells[c].bg.kind < KD_VT_COLOR_LAST);
        for (int k = 0; k < KD_VT_MAX_CHARS && cells[c].ch[k]; k++)
            CHECK(printable(cells[c].ch[k]));
    }
}

/* The grid as the UI last drew it: rows outside the damage must not have changed. */
typedef struct {
    kd_vt_cell *cells;
    int rows, cols;
} shadow;

static void shadow_row(shadow *sh, const kd_vt *vt, int row, bool must_match)
{
    const kd_vt_cell *now = kd_vt_cell_at(vt, row, 0);
    kd_vt_cell *was = sh->cells + (size_t)row * (size_t)sh->cols;
    size_t bytes = (size_t)sh->cols * sizeof(kd_vt_cell);
    if (must_match)
        CHECK(memcmp(was, now, bytes) == 0);
    memcpy(was, now, bytes);
}

static void check(kd_vt *vt, shadow *sh, bool deep)
{
    int rows, cols, r, c, top = 0, bottom = 0;
    bool visible;
    kd_vt_size(vt, &rows, &cols);
    kd_vt_cursor(vt, &r, &c, &visible);
    CHECK(r >= 0 && r < rows && c >= 0 && c < cols);
    if (kd_vt_damage(vt, &top, &bottom))
        CHECK(top >= 0 && top < bottom && bottom <= rows);
    for (const char *t = kd_vt_title(vt); *t; t++)
        CHECK((unsigned char)*t >= 0x20 && *t != 0x7f);
    CHECK(strlen(kd_vt_title(vt)) <= KD_VT_TITLE_MAX);
    /* Answers to the guest are capped; what the user typed comes on top. */
    CHECK(kd_vt_output_pending(vt) <= KD_VT_OUTPUT_MAX + user_bytes);
    if (rows != sh->rows || cols != sh->cols) {
        CHECK(top == 0 && bottom == rows); /* a new size redraws everything */
        free(sh->cells);
        sh->cells = calloc((size_t)rows * (size_t)cols, sizeof(kd_vt_cell));
        CHECK(sh->cells != NULL);
        sh->rows = rows;
        sh->cols = cols;
    }
    for (int row = 0; row < rows; row++) {
        bool damaged = row >= top && row < bottom;
        if (damaged || deep)
            check_cells(kd_vt_cell_at(vt, row, 0), cols);
        shadow_row(sh, vt, row, !damaged);
    }
    if (!deep)
        return;
    size_t n = kd_vt_line_count(vt);
    for (size_t i = 0; i < n; i++) {
        int lc;
        const kd_vt_cell *cells = kd_vt_line(vt, i, &lc);
        CHECK(cells != NULL);
        check_cells(cells, lc);
    }
}

static void step_resize(kd_vt *vt, input *in)
{
    int r = take(in), c = take(in);
    if (r < 0 || c < 0)
        return;
    kd_err err;
    /* Small screens are where the edge cases are. */
    CHECK(kd_vt_resize(vt, r % 64 + 1, c % 160 + KD_VT_MIN_COLS, &err) == 0);
}

static void step_key(kd_vt *vt, input *in)
{
    int k = take(in), m = take(in);
    if (k < 0 || m < 0)
        return;
    if (k & 0x80)
        kd_vt_send_char(vt, (uint32_t)(k & 0x7f) * 977u, (unsigned)m & 7);
    else
        kd_vt_send_key(vt, (kd_vt_key)(k % (KD_VT_KEY_LAST + 1)), (unsigned)m & 7);
    user_bytes += 32;
}

static void step_read(kd_vt *vt, input *in)
{
    char buf[512];
    kd_vt_take_output(vt, buf, sizeof(buf));
    (void)kd_vt_take_bell(vt);
    size_t n = kd_vt_line_count(vt);
    int pick = take(in);
    if (pick < 0)
        return;
    /* A line's own text is found, in that line or an earlier (later) one. */
    char *t = kd_vt_line_text(vt, (size_t)pick % n);
    CHECK(t != NULL);
    if (*t && strlen(t) <= 64) {
        bool back = pick & 1;
        size_t line;
        int col;
        CHECK(kd_vt_search(vt, t, back ? n - 1 : 0, back, pick & 2, &line, &col));
        CHECK(back ? line >= (size_t)pick % n : line <= (size_t)pick % n);
        CHECK(col >= 0);
    }
    free(t);
}

static void step_paste(kd_vt *vt, input *in)
{
    char text[32];
    size_t i = 0;
    int c;
    while (i < sizeof(text) - 1 && (c = take(in)) > 0)
        text[i++] = (char)c;
    text[i] = '\0';
    kd_vt_paste(vt, text);
    user_bytes += sizeof(text) + 12; /* the text and bracketed paste's markers */
}

typedef void step_fn(kd_vt *vt, input *in);

static void step_split(kd_vt *vt, input *in)
{
    (void)vt;
    (void)in;
}

static step_fn *const steps[4] = {step_split, step_resize, step_key, step_read};

/* Write the stream up to the next harness escape and run what it asks for. */
static void run(kd_vt *vt, shadow *sh, input *in)
{
    while (in->n > 0) {
        const uint8_t *ff = memchr(in->p, 0xff, in->n);
        size_t n = ff ? (size_t)(ff - in->p) : in->n;
        kd_vt_write(vt, (const char *)in->p, n);
        in->p += n;
        in->n -= n;
        if (take(in) < 0)
            break;
        int op = take(in);
        if (op < 0)
            break;
        if (op == 0xff)
            kd_vt_write(vt, "\xff", 1);
        else if (op >= 0xf8)
            step_paste(vt, in);
        else
            steps[op >> 6](vt, in);
        check(vt, sh, false);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kd_err err;
    kd_vt *vt = kd_vt_new(24, 80, 200, &err);
    CHECK(vt != NULL);
    input in = {data, size};
    user_bytes = 0;
    shadow sh = {NULL, 0, 0};
    check(vt, &sh, true);
    run(vt, &sh, &in);
    check(vt, &sh, true);
    free(sh.cells);
    kd_vt_free(vt);
    return 0;
}
