#include "core/str.h"
#include "ui/app.h"

#include <stdlib.h>
#include <string.h>

/* A scrolling page of text (dumpxml, the audit log), and the saved connections. */

void kd_view_text_free(kd_app *app)
{
    for (size_t i = 0; i < app->text_n; i++)
        free(app->text_lines[i]);
    free(app->text_lines);
    free(app->text_title);
    app->text_lines = NULL;
    app->text_title = NULL;
    app->text_n = 0;
    app->text_top = 0;
}

void kd_view_text_open(kd_app *app, const char *title, const char *text)
{
    kd_view_text_free(app);
    app->text_title = kd_strdup(title);
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        app->text_lines = kd_realloc(app->text_lines, (app->text_n + 1) * sizeof(char *));
        char *line = kd_strndup(p, n);
        /* Tabs and control characters would move the cursor off the grid. */
        for (char *c = line; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
        app->text_lines[app->text_n++] = line;
        p = nl ? nl + 1 : NULL;
    }
    kd_app_set_view(app, KD_VIEW_TEXT);
}

void kd_view_text_draw(kd_app *app)
{
    WINDOW *w = app->w_full;
    int height = app->rows - 1;
    werase(w);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HEADER_TITLE));
    kd_draw_fill(w, 0, 0, app->cols);
    kd_draw_text(w, 0, 1, app->cols - 2, app->text_title ? app->text_title : "");
    wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
    for (int r = 1; r < height; r++) {
        size_t i = app->text_top + (size_t)(r - 1);
        if (i >= app->text_n)
            break;
        kd_draw_text(w, r, 0, app->cols, app->text_lines[i]);
    }
}

void kd_view_conns_draw(kd_app *app)
{
    WINDOW *w = app->w_full;
    werase(w);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HEADER_TITLE));
    kd_draw_fill(w, 0, 0, app->cols);
    kd_draw_text(w, 0, 1, app->cols - 2,
                 "Saved connections: Enter connects, a adds, s saves the current, d forgets");
    wattrset(w, (int)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_fill(w, 1, 0, app->cols);
    kd_draw_text(w, 1, 2, 24, "NAME");
    kd_draw_text(w, 1, 28, app->cols - 29, "URI");
    if (app->nconns == 0) {
        wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
        kd_draw_text(w, 3, 2, app->cols - 4, "None saved yet.");
    }
    for (size_t i = 0; i < app->nconns && (int)i < app->rows - 4; i++) {
        bool sel = i == app->conns_sel;
        bool current = app->conn && strcmp(app->conns[i].uri, kd_conn_host(app->conn)->uri) == 0;
        wattrset(w, (int)kd_theme_attr(sel ? KD_SLOT_LIST_SELECTED : KD_SLOT_NORMAL));
        kd_draw_fill(w, (int)i + 2, 0, app->cols);
        kd_draw_text(w, (int)i + 2, 0, 1, current ? ">" : " ");
        kd_draw_text(w, (int)i + 2, 2, 25, app->conns[i].name);
        kd_draw_text(w, (int)i + 2, 28, app->cols - 29, app->conns[i].uri);
    }
}
