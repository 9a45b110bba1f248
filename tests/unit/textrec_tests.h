#ifndef KD_TESTS_TEXTREC_TESTS_H
#define KD_TESTS_TEXTREC_TESTS_H

/* The groups of test_textrec, one per file. */

#include <stddef.h>

struct CMUnitTest;

extern const struct CMUnitTest textrec_font_tests[];
extern const size_t textrec_font_test_count;
extern const struct CMUnitTest textrec_hist_tests[];
extern const size_t textrec_hist_test_count;
extern const struct CMUnitTest textrec_picture_tests[];
extern const size_t textrec_picture_test_count;
extern const struct CMUnitTest textrec_ui_tests[];
extern const size_t textrec_ui_test_count;

#endif
