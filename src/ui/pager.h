#ifndef KD_UI_PAGER_H
#define KD_UI_PAGER_H

/* A page of text (XML, the audit log, capabilities, a text scrollback) opened as a screen on
 * the stack, so that leaving it (q, Esc: view.back) comes back to where it was opened from.
 * Keys: the "text" context (scrolling, / ? n N search, s save). */

typedef struct kd_app kd_app;

/* Copies title and text. */
void kd_pager_open(kd_app *app, const char *title, const char *text);
/* The same, scrolled to the last page (a scrollback). */
void kd_pager_open_at_end(kd_app *app, const char *title, const char *text);

#endif
