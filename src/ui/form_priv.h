#ifndef KD_UI_FORM_PRIV_H
#define KD_UI_FORM_PRIV_H

/* Shared by form.c and pick.c: the stack of modal boxes (forms and pickers). */

#include "ui/app.h"
#include "ui/form.h"

typedef struct kd_picker kd_picker;

typedef struct kd_modal {
    kd_form *form;
    kd_picker *pick;
    struct kd_modal *next;
} kd_modal;

void kd_modal_push(kd_app *app, kd_form *form, kd_picker *pick);
/* Take a modal out of the stack without freeing what it holds. */
void kd_modal_unlink(kd_app *app, const void *what);
/* A framed box centred on the screen, cut to fit it; NULL when curses has no room. */
WINDOW *kd_modal_box(kd_app *app, int height, int width);

void kd_picker_free(kd_picker *p);
void kd_picker_key(kd_app *app, kd_picker *p, kd_key key);
void kd_picker_draw(kd_app *app, kd_picker *p);

#endif
