#ifndef KD_UI_DIALOG_H
#define KD_UI_DIALOG_H

/* Modal questions drawn over the current view and answered inside the event loop:
 * yes/no, a line of text (with editing and completion), or "type the name to confirm". */

#include "ui/key.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct kd_app kd_app;
typedef struct kd_dialog kd_dialog;

/* ok is false when the user cancelled; text is the line typed (empty for yes/no). */
typedef void (*kd_dialog_done_fn)(kd_app *app, bool ok, const char *text, void *opaque);
/* Candidates for completing the word that ends at the cursor: a NULL-terminated vector
 * (kd_strv_free), and *word_start is set to where that word begins. */
typedef char **(*kd_dialog_complete_fn)(kd_app *app, const char *line, size_t *word_start);

typedef struct {
    const char *title;
    const char *message; /* may hold several lines */
    const char *initial; /* prompt: the text to start with */
    const char *expect;  /* typed confirmation: what must be typed */
    bool secret;         /* prompt: draw '*' for each character */
    bool bar;            /* prompt: a one-line bar at the bottom (the palette) */
    kd_dialog_complete_fn complete;
    /* prompt: called after every edit, for live filtering */
    void (*changed)(kd_app *app, const char *text, void *opaque);
    kd_dialog_done_fn done;
    void *opaque;
    void (*opaque_free)(void *);
} kd_dialog_spec;

void kd_dialog_confirm(kd_app *app, const kd_dialog_spec *spec);
void kd_dialog_prompt(kd_app *app, const kd_dialog_spec *spec);
void kd_dialog_typed(kd_app *app, const kd_dialog_spec *spec);
void kd_dialog_free(kd_dialog *d);
/* A line that is needed before the caller returns (credentials while libvirt connects, a
 * display's password during its handshake): the prompt is answered in a nested key loop.
 * 0 with the answer in buf (NUL-terminated, at most n bytes), -1 when cancelled or too
 * long. */
int kd_dialog_ask_now(kd_app *app, const char *title, const char *message, bool secret, char *buf,
                      size_t n);

/* Feed a key to the open dialog. */
void kd_dialog_key(kd_app *app, kd_key key);
void kd_dialog_draw(kd_app *app);

/* Line editing, exposed for tests: apply one key to a line and cursor (byte offset).
 * Returns true when the key was an editing key. */
typedef struct {
    char *text;
    size_t len;
    size_t cap;
    size_t cursor;
} kd_line;

void kd_line_set(kd_line *l, const char *text);
void kd_line_clear(kd_line *l);
bool kd_line_edit(kd_line *l, kd_key key);
void kd_line_insert(kd_line *l, const char *s, size_t n);

#endif
