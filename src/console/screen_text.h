#ifndef KD_CONSOLE_SCREEN_TEXT_H
#define KD_CONSOLE_SCREEN_TEXT_H

/* kvmdeck --screen-text DOMAIN: the text on a running domain's VNC screen, without a
 * terminal user interface. Connects to the display as the VNC console does, waits for
 * the first whole picture, recognises it (console/textrec.h) and prints its lines. */

#include "core/err.h"

#include <stdio.h>

#define KD_SCREEN_TEXT_TIMEOUT_MS 15000

typedef struct {
    const char *uri;              /* NULL: libvirt's default */
    const char *domain;           /* name or UUID */
    const char *const *font_dirs; /* NULL: kd_font_default_dirs */
    int timeout_ms;               /* for the whole picture; 0: KD_SCREEN_TEXT_TIMEOUT_MS */
} kd_screen_text_opts;

/* 0 with the screen's lines written to out; 1 and err on a failure (no such domain, no
 * VNC display, no font, no picture in time); 3 and err when the screen shows a picture
 * rather than text. Calls kd_loop_init itself. */
int kd_screen_text_run(const kd_screen_text_opts *o, FILE *out, kd_err *err);

#endif
