#include "core/str.h"
#include "ui/app.h"

#include <stdlib.h>
#include <string.h>

/* The saved connections. */

/* The hosts open now, under the list: which one the domain list shows, which x can close. */
static void draw_open_hosts(kd_app *app, WINDOW *w, int y)
{
    if (!app->conn || y >= app->rows - 1)
        return;
    kd_buf b;
    kd_buf_init(&b);
    kd_buf_printf(&b, "Open now: %s (shown)", kd_conn_host(app->conn)->uri);
    for (size_t i = 0; i < app->nhosts; i++)
        kd_buf_printf(&b, ", %s", kd_conn_host(app->hosts[i])->uri);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
    kd_draw_wrapped(w, y, 2, app->cols - 4, app->rows - 1 - y, b.data);
    kd_buf_free(&b);
}

void kd_view_conns_draw(kd_app *app)
{
    WINDOW *w = app->w_full;
    werase(w);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HEADER_TITLE));
    kd_draw_fill(w, 0, 0, app->cols);
    kd_draw_text(w, 0, 1, app->cols - 2,
                 "Saved connections: Enter connects, a adds, s saves the current, d forgets; "
                 "x closes an open one");
    wattrset(w, (int)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_fill(w, 1, 0, app->cols);
    kd_draw_text(w, 1, 2, 24, "NAME");
    kd_draw_text(w, 1, 28, app->cols - 29, "URI");
    size_t saved = 0;
    for (size_t i = 0; i < app->nconns; i++)
        saved += strcmp(app->conns[i].name, KD_CONN_UNSAVED) != 0;
    if (saved == 0) {
        wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
        kd_draw_text(w, (int)app->nconns + 3, 2, app->cols - 4, "None saved yet.");
    }
    for (size_t i = 0; i < app->nconns && (int)i < app->rows - 4; i++) {
        bool sel = i == app->conns_sel;
        bool current = app->conn && kd_hosts_find(app, app->conns[i].uri) == app->conn;
        wattrset(w, (int)kd_theme_attr(sel ? KD_SLOT_LIST_SELECTED : KD_SLOT_NORMAL));
        kd_draw_fill(w, (int)i + 2, 0, app->cols);
        kd_draw_text(w, (int)i + 2, 0, 1, current ? ">" : " ");
        kd_draw_text(w, (int)i + 2, 2, 25, app->conns[i].name);
        kd_draw_text(w, (int)i + 2, 28, app->cols - 29, app->conns[i].uri);
    }
    draw_open_hosts(app, w, (int)app->nconns + (saved ? 3 : 5));
}
