#ifndef KD_UI_UI_H
#define KD_UI_UI_H

#include "core/err.h"

#include <stdbool.h>

typedef struct {
    const char *uri; /* NULL: libvirt's default */
    bool readonly;
    const char *theme;      /* NULL: from the config file, else "default" */
    const char *themes_dir; /* where installed themes live */
} kd_ui_opts;

/* Run the full-screen program until the user quits. Returns the process exit status. */
int kd_ui_run(const kd_ui_opts *opts, kd_err *err);

/* Check that a theme can be loaded before the screen is taken over. */
int kd_ui_check_theme(const char *name, const char *themes_dir, kd_err *err);

#endif
