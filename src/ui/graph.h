#ifndef KD_UI_GRAPH_H
#define KD_UI_GRAPH_H

/* History drawn with characters: sparklines (one row) and graphs (several rows) in
 * braille (2x4 dots a cell), block elements (one value a column, 8 levels a row) or
 * plain ASCII where the terminal has no Unicode. Pure text: no curses here. */

#include <stdbool.h>
#include <stddef.h>

typedef enum { KD_GRAPH_BRAILLE, KD_GRAPH_BLOCK, KD_GRAPH_ASCII } kd_graph_style;

/* The style the locale allows: braille or block with UTF-8, ASCII otherwise. */
kd_graph_style kd_graph_style_for_locale(bool prefer_braille);

/* One row of width cells from the last values (NAN is a gap), scaled to [0, max]
 * (max <= 0: the largest value). Returns a malloc'd UTF-8 string. */
char *kd_graph_sparkline(const double *v, size_t n, int width, double max, kd_graph_style style);

/* height rows of width cells; rows[0] is the top. Free with kd_graph_free_rows. */
char **kd_graph_render(const double *v, size_t n, int width, int height, double max,
                       kd_graph_style style);
void kd_graph_free_rows(char **rows, int height);

/* A scale's top value rounded up to 1, 2 or 5 times a power of ten (37 -> 50). */
double kd_graph_nice_max(double max);

#endif
