#ifndef KD_UI_VNC_TEXT_H
#define KD_UI_VNC_TEXT_H

/* The graphical console as text: console/textrec reads the cells of a text screen (VGA
 * text mode, a framebuffer console) from the picture, and they are drawn with curses as
 * characters in their colours rather than as half blocks. The graphical console keeps
 * one kd_vnc_text, feeds it the server's updates and asks whether to draw text. */

#include "console/fb.h"
#include "console/textrec.h"

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct kd_vnc_text kd_vnc_text;

/* With text_first, text is shown from the start whenever the screen is text, else after
 * kd_vnc_text_toggle. The fonts are loaded from kd_font_default_dirs; without them the
 * picture stays pixels and kd_vnc_text_toggle says why. */
kd_vnc_text *kd_vnc_text_new(bool text_first);
void kd_vnc_text_free(kd_vnc_text *t);
/* The server changed this rectangle of fb (read only while text is wanted). */
void kd_vnc_text_damage(kd_vnc_text *t, const kd_fb *fb, int x, int y, int w, int h);
/* Text is wanted and the screen reads as text: draw it instead of the pixels. */
bool kd_vnc_text_showing(const kd_vnc_text *t);
/* Lines of past text screens kept for reading back and searching. */
#define KD_VNC_TEXT_SCROLLBACK 5000
/* A whole update from the server has been fed: lines that scrolled away go to the
 * scrollback. */
void kd_vnc_text_commit(kd_vnc_text *t);
/* The scrollback and the current screen as text, one line each (the caller frees it). */
char *kd_vnc_text_history(const kd_vnc_text *t, size_t *nlines);
/* Between text (when the screen is text) and pixels always; a message for the status
 * line in msg. fb (NULL when there is no picture yet) is read whole when text is wanted
 * again. Returns whether text is now wanted. */
bool kd_vnc_text_toggle(kd_vnc_text *t, const kd_fb *fb, char *msg, size_t n);
/* "text" or "pixels", for the title. */
const char *kd_vnc_text_mode_name(const kd_vnc_text *t);
const kd_textrec *kd_vnc_text_rec(const kd_vnc_text *t);

/* Draw rec's screen into w, rows top .. top+rows-1, columns 0 .. cols-1: a text cell as
 * its character in its colours (the exact colour on terminals of 256 colours or more, the
 * nearest VGA colour below), a cell that is not text as an upper half block in its two
 * main colours, the cursor in reverse video. A grid larger than the pane is cut at its
 * right and bottom; a smaller one is centred. Returns the cells drawn. */
int kd_vnc_text_draw(WINDOW *w, int top, int rows, int cols, const kd_textrec *rec);

#endif
