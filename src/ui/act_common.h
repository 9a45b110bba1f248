#ifndef KD_UI_ACT_COMMON_H
#define KD_UI_ACT_COMMON_H

/* Shared by the action files of src/ui: which object an action is about, the question
 * before a change, the report after it, and the body of a list screen. */

#include "ui/app.h"

#include <stdbool.h>
#include <stddef.h>

/* The object named in argv[0] (unless it is an option), else sel (the shown screen's
 * selected row); a copy to free, or NULL with "not connected" or "usage: VERB WHAT". */
char *kd_act_target(kd_app *app, int argc, char **argv, const char *sel, const char *verb,
                    const char *what);

/* After a change: the audit log (under subject) and the status line, "what: done" or
 * "what: why" (just "why" when it starts with what's verb already). */
void kd_act_report(kd_app *app, const char *subject, const char *what, int rc, const kd_err *err);

/* A question before a change, yes/no or (expect not NULL) "type expect to confirm": yes runs
 * run(app, opaque), no says "cancelled"; opaque is freed with opaque_free (when not NULL)
 * either way. */
typedef void (*kd_act_run_fn)(kd_app *app, void *opaque);
void kd_act_confirm(kd_app *app, const char *title, const char *msg, const char *expect,
                    kd_act_run_fn run, void *opaque, void (*opaque_free)(void *));

/* A list screen's body: heading on row 1, then up to rows rows of n items from row 2 with
 * the cursor's one highlighted (row(ctx, i) draws item i on row y), or empty when n is 0. */
typedef void (*kd_act_row_fn)(WINDOW *w, int y, int cols, size_t i, const void *ctx);
void kd_act_list_draw(WINDOW *w, int rows, const char *heading, const char *empty, kd_cursor *cur,
                      size_t n, kd_act_row_fn row, const void *ctx);

#endif
