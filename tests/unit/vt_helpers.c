#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vt_helpers.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

kd_vt *vt_make(int rows, int cols, size_t scrollback)
{
    kd_err err = {0};
    kd_vt *vt = kd_vt_new(rows, cols, scrollback, &err);
    if (!vt)
        fail_msg("kd_vt_new: %s", err.msg);
    return vt;
}

void vt_put(kd_vt *vt, const char *s)
{
    kd_vt_write(vt, s, strlen(s));
}

/* The text of a screen row (trailing blanks trimmed). */
char *row_text(const kd_vt *vt, int row)
{
    return kd_vt_line_text(vt, kd_vt_scrollback_count(vt) + (size_t)row);
}

void assert_row(const kd_vt *vt, int row, const char *want)
{
    char *got = row_text(vt, row);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

void assert_cursor(const kd_vt *vt, int row, int col)
{
    int r, c;
    bool visible;
    kd_vt_cursor(vt, &r, &c, &visible);
    assert_int_equal(r, row);
    assert_int_equal(c, col);
}

static bool printable(uint32_t cp)
{
    return cp >= 0x20 && !(cp >= 0x7f && cp < 0xa0) && !(cp >= 0xd800 && cp <= 0xdfff) &&
           cp <= 0x10ffff;
}

static void assert_cells_clean(const kd_vt_cell *cells, int cols)
{
    for (int c = 0; c < cols; c++) {
        assert_true(cells[c].width <= 2);
        for (int k = 0; k < KD_VT_MAX_CHARS && cells[c].ch[k]; k++) {
            if (!printable(cells[c].ch[k]))
                fail_msg("cell %d holds U+%04X", c, (unsigned)cells[c].ch[k]);
        }
    }
}

/* No control character anywhere in the unified view; the cursor on the screen. */
void assert_clean(const kd_vt *vt)
{
    size_t n = kd_vt_line_count(vt);
    for (size_t i = 0; i < n; i++) {
        int cols;
        const kd_vt_cell *cells = kd_vt_line(vt, i, &cols);
        assert_non_null(cells);
        assert_cells_clean(cells, cols);
    }
    int rows, cols, r, c;
    bool visible;
    kd_vt_size(vt, &rows, &cols);
    kd_vt_cursor(vt, &r, &c, &visible);
    assert_in_range(r, 0, rows - 1);
    assert_in_range(c, 0, cols - 1);
}

char *take_all(kd_vt *vt)
{
    size_t n = kd_vt_output_pending(vt);
    char *s = kd_malloc(n + 1);
    assert_int_equal(kd_vt_take_output(vt, s, n), n);
    s[n] = '\0';
    return s;
}

void assert_output(kd_vt *vt, const char *want)
{
    char *got = take_all(vt);
    assert_string_equal(got, want);
    free(got);
}

const kd_vt_cell *vt_cell(const kd_vt *vt, int row, int col)
{
    const kd_vt_cell *c = kd_vt_cell_at(vt, row, col);
    assert_non_null(c);
    return c;
}

bool same_screen(const kd_vt *a, const kd_vt *b)
{
    int rows, cols, ra, ca, rb, cb;
    bool va, vb;
    kd_vt_size(a, &rows, &cols);
    kd_vt_cursor(a, &ra, &ca, &va);
    kd_vt_cursor(b, &rb, &cb, &vb);
    if (ra != rb || ca != cb || va != vb || strcmp(kd_vt_title(a), kd_vt_title(b)) != 0)
        return false;
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            if (memcmp(kd_vt_cell_at(a, r, c), kd_vt_cell_at(b, r, c), sizeof(kd_vt_cell)))
                return false;
        }
    }
    return true;
}

char *corpus_read(const char *name, size_t *len)
{
    char *path = kd_asprintf("%s/%s", CORPUS_DIR, name);
    char *data = kd_file_read(path, 1 << 20, len);
    if (!data)
        fail_msg("cannot read %s", path);
    free(path);
    return data;
}
