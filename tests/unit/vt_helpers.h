#ifndef KD_TESTS_VT_HELPERS_H
#define KD_TESTS_VT_HELPERS_H

/* Shared by the serial emulator's unit tests (test_vt.c, vt_view_tests.c). */

#include "console/vt.h"

#include <stdbool.h>
#include <stddef.h>

#define CORPUS_DIR KD_FIXTURES_DIR "/../fuzz/corpus_vt"

/* A new emulator; fails the test if it cannot be made. */
kd_vt *vt_make(int rows, int cols, size_t scrollback);
/* Write a string as guest output. */
void vt_put(kd_vt *vt, const char *s);
/* The text of a screen row (trailing blanks trimmed); the caller frees it. */
char *row_text(const kd_vt *vt, int row);
void assert_row(const kd_vt *vt, int row, const char *want);
void assert_cursor(const kd_vt *vt, int row, int col);
/* No control character anywhere in the unified view; the cursor on the screen. */
void assert_clean(const kd_vt *vt);
/* Everything bound for the guest, drained; the caller frees it. */
char *take_all(kd_vt *vt);
void assert_output(kd_vt *vt, const char *want);
/* The screen's cell, which must exist. */
const kd_vt_cell *vt_cell(const kd_vt *vt, int row, int col);
/* Same cells, cursor and title. */
bool same_screen(const kd_vt *a, const kd_vt *b);
/* A file of the fuzz seed corpus (recorded streams); the caller frees it. */
char *corpus_read(const char *name, size_t *len);

/* The tests of vt_view_tests.c: scrollback, text, search, keys, resize, recorded streams. */
int vt_view_tests_run(void);

#endif
