#ifndef KD_UI_FORM_H
#define KD_UI_FORM_H

/* Forms: several labelled fields in one modal box drawn over the current view, answered
 * inside the event loop like the dialogs. Tab/Down and S-Tab/Up move between fields,
 * Left/Right or Space cycle a choice or flip a check box, F4 or Enter on a field with a
 * picker opens the picker, Enter on the last field (or C-s anywhere) submits, Esc cancels.
 * A field whose value the validator refuses shows the message under it, and the form
 * stays open with every answer kept.
 *
 * Pickers: a filterable list of items to choose one from (pools, volumes, files...). */

#include "ui/key.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct kd_app kd_app;
typedef struct kd_form kd_form;

typedef enum {
    KD_FIELD_TEXT,
    KD_FIELD_NUMBER, /* digits only, an optional unit suffix (K, M, G, T) allowed */
    KD_FIELD_SECRET, /* drawn as '*' */
    KD_FIELD_CHOICE, /* one of choices, cycled */
    KD_FIELD_CHECK,  /* "1" or "0" */
    KD_FIELD_LABEL   /* read-only text (value), not focusable */
} kd_field_type;

typedef struct kd_field_spec {
    const char *key; /* names the field for kd_form_get/set */
    const char *label;
    kd_field_type type;
    const char *value;          /* the initial value (for CHOICE: one of choices) */
    const char *const *choices; /* CHOICE: NULL-terminated; copied */
    const char *help;           /* one line shown while the field has the focus */
    /* Optional: F4 (or Enter) opens something to choose the value from; it calls
     * kd_form_set when the user has chosen. */
    void (*pick)(kd_app *app, kd_form *form, const char *key);
} kd_field_spec;

/* Check one field: return NULL when the value is good, else a message (which may be
 * written into buf). Called when the focus leaves a field and for every field on submit. */
typedef const char *(*kd_form_check_fn)(kd_app *app, kd_form *form, const char *key,
                                        const char *value, char *buf, size_t n, void *opaque);
/* A field's value changed (typing, cycling, picking): show or hide others, etc. */
typedef void (*kd_form_changed_fn)(kd_app *app, kd_form *form, const char *key, void *opaque);
/* Submitted (ok) or cancelled. Return true to close the form, false to keep it open (after
 * kd_form_error has said what is wrong, say). */
typedef bool (*kd_form_done_fn)(kd_app *app, kd_form *form, bool ok, void *opaque);

typedef struct {
    const char *title;
    const char *message; /* a line or two above the fields; may be NULL */
    const kd_field_spec *fields;
    size_t nfields;
    const char *submit; /* the submit button's label ("Create"); NULL: "OK" */
    const char *cancel; /* what Esc does, for the hint ("back"); NULL: "cancel" */
    kd_form_check_fn check;
    kd_form_changed_fn changed;
    kd_form_done_fn done;
    void *opaque;
    void (*opaque_free)(void *);
} kd_form_spec;

/* Open a form over the current view; fields and their strings are copied. */
kd_form *kd_form_open(kd_app *app, const kd_form_spec *spec);
/* The value of a field ("" when empty; NULL when no such key). */
const char *kd_form_get(const kd_form *f, const char *key);
/* A field's value as a number (a unit suffix K/M/G/T multiplies by 1024s); -1 if bad. */
long long kd_form_get_num(const kd_form *f, const char *key);
bool kd_form_get_bool(const kd_form *f, const char *key);
void kd_form_set(kd_form *f, const char *key, const char *value);
/* Replace a CHOICE field's choices; the value stays if still offered, else the first. */
void kd_form_set_choices(kd_form *f, const char *key, const char *const *choices);
void kd_form_set_hidden(kd_form *f, const char *key, bool hidden);
/* Show a message under a field (NULL key: under the title) and move the focus there. */
void kd_form_error(kd_form *f, const char *key, const char *msg);
void kd_form_set_message(kd_form *f, const char *msg);
void *kd_form_opaque(const kd_form *f);
/* The open form, if any (the top one). */
kd_form *kd_form_current(const kd_app *app);

/* Feed a key to the open form or picker; draw them. Used by the application's loop. */
bool kd_form_active(const kd_app *app);
void kd_form_key(kd_app *app, kd_key key);
void kd_form_draw(kd_app *app);
void kd_form_close_all(kd_app *app);

/* Pickers. items are copied; details (may be NULL) is a second column per item. */
typedef void (*kd_pick_done_fn)(kd_app *app, bool ok, size_t index, const char *item, void *opaque);
typedef struct {
    const char *title;
    const char *const *items;
    const char *const *details;
    size_t n;
    size_t initial;
    kd_pick_done_fn done;
    void *opaque;
    void (*opaque_free)(void *);
} kd_pick_spec;
void kd_pick_open(kd_app *app, const kd_pick_spec *spec);

/* Parse "512", "512M", "2G", "1.5G" into bytes (unit: the multiplier for a bare number).
 * Returns -1 when it is not a size. */
long long kd_form_parse_size(const char *s, long long unit);

#endif
