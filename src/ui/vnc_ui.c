#include "ui/vnc_ui.h"
#include "backend/loop.h"
#include "backend/vnc.h"
#include "core/str.h"
#include "ui/vnc_keys.h"

#include <stdlib.h>
#include <string.h>

/* The graphical console: the guest's framebuffer drawn by console/fb after curses has
 * written its frame, over a pane curses believes blank. Every key not bound in the vnc
 * context goes to the guest; the mouse is reported while the screen is shown. */

void kd_vnc_ui_send_key(vnc_screen *s, kd_key key)
{
    kd_vnc_keyev ev[KD_VNC_KEYEV_MAX];
    size_t n = kd_vnc_keys_translate(key, ev);
    if (n == 0) {
        char name[32];
        kd_key_name(key, name, sizeof(name));
        kd_app_status(s->app, false, "%s has no VNC key", name);
        return;
    }
    kd_err err;
    kd_err_clear(&err);
    for (size_t i = 0; i < n && s->vnc; i++) {
        if (kd_vnc_key(s->vnc, ev[i].keysym, ev[i].down, &err) < 0) {
            kd_app_status(s->app, true, "%s", err.msg);
            return;
        }
    }
}

static void pan_key(vnc_screen *s, kd_key key)
{
    int step_x = s->fb_w / 8 > 0 ? s->fb_w / 8 : 1, step_y = s->fb_h / 8 > 0 ? s->fb_h / 8 : 1;
    if (key == (KD_KEY_FN | KEY_LEFT))
        kd_fbview_pan(s->view, -step_x, 0);
    else if (key == (KD_KEY_FN | KEY_RIGHT))
        kd_fbview_pan(s->view, step_x, 0);
    else if (key == (KD_KEY_FN | KEY_UP))
        kd_fbview_pan(s->view, 0, -step_y);
    else if (key == (KD_KEY_FN | KEY_DOWN))
        kd_fbview_pan(s->view, 0, step_y);
    else if (key == KD_KEY_ENTER || key == KD_KEY_ESC || key == 'q')
        s->panning = false;
    kd_vnc_ui_repaint(s);
}

static void screen_key(kd_app *app, kd_key key)
{
    vnc_screen *s = kd_screen_state(app, &kd_vnc_screen_ops);
    if (!s)
        return;
    if (s->menu)
        kd_vnc_menu_key(s, key);
    else if (key == (KD_KEY_FN | KEY_MOUSE))
        kd_vnc_mouse_event(s);
    else if (s->panning)
        pan_key(s, key);
    else if (s->vnc)
        kd_vnc_ui_send_key(s, key);
}

void kd_vnc_ui_menu_toggle(kd_app *app)
{
    vnc_screen *s = kd_screen_state(app, &kd_vnc_screen_ops);
    if (!s)
        return;
    s->menu = !s->menu;
    s->panning = false;
    app->dirty_full = true;
}

/* ---- drawing --------------------------------------------------------------------------- */

void kd_vnc_ui_repaint(vnc_screen *s)
{
    kd_fbview_invalidate(s->view);
    s->img_dirty = true;
    s->app->dirty_full = true;
}

/* The key bound to action in the vnc context, for the hint. */
static void bound_key(const kd_app *app, const char *action, char *buf, size_t n)
{
    snprintf(buf, n, "%s", ":");
    for (size_t i = 0; i < kd_keymap_count(app->keymap); i++) {
        const kd_binding *b = kd_keymap_at(app->keymap, i);
        if (b->ctx == KD_CTX_VNC && strcmp(b->action, action) == 0) {
            kd_key_name(b->key, buf, n);
            return;
        }
    }
}

static void title_of(const vnc_screen *s, char *buf, size_t n)
{
    char zoom[16];
    if (s->zoom_fit)
        snprintf(zoom, sizeof(zoom), "fit");
    else
        snprintf(zoom, sizeof(zoom), "%d%%", kd_fbview_zoom(s->view));
    const char *img = kd_vnc_text_showing(s->text) ? ", text"
                      : s->img == KD_FB_IMG_SIXEL  ? ", sixel"
                      : s->img == KD_FB_IMG_KITTY  ? ", kitty"
                                                   : "";
    snprintf(buf, n, "VNC %s  %dx%d  zoom %s  %s%s  %s%s%s", s->name, s->fb_w, s->fb_h, zoom,
             kd_vnc_colors_name(s->colors), img, s->how ? s->how : "",
             s->passwd ? ", password required" : "", s->dead ? "  [closed]" : "");
}

static void screen_draw(kd_app *app, WINDOW *w)
{
    vnc_screen *s = kd_screen_state(app, &kd_vnc_screen_ops);
    if (!s)
        return;
    char title[256], hint[160], leave[32], menu[32];
    title_of(s, title, sizeof(title));
    bound_key(app, "view.back", leave, sizeof(leave));
    bound_key(app, "vnc.menu", menu, sizeof(menu));
    if (s->panning)
        snprintf(hint, sizeof(hint), "arrows pan  Enter/Esc: done panning");
    else
        snprintf(hint, sizeof(hint),
                 "%s leave  %s menu (keys, screenshot, zoom, colours)  "
                 "every other key goes to the guest",
                 leave, menu);
    int rows = kd_screen_frame(app, w, title, hint);
    kd_fbview_set_pane(s->view, 1, 0, rows, getmaxx(w));
    kd_vnc_text_commit(s->text);
    if (kd_vnc_text_showing(s->text)) {
        /* Curses believes the pane blank: the picture's cells under blank text would stay. */
        if (!s->text_shown)
            clearok(curscr, TRUE);
        kd_vnc_text_draw(w, 1, rows, getmaxx(w), kd_vnc_text_rec(s->text));
    }
    if (s->menu)
        kd_vnc_menu_draw(s, w, 1, rows);
}

static void screen_resized(kd_app *app)
{
    vnc_screen *s = kd_screen_find(app, &kd_vnc_screen_ops);
    if (s)
        kd_vnc_ui_repaint(s);
}

/* ---- the connection -------------------------------------------------------------------- */

static void on_reap(int timer, void *opaque)
{
    vnc_screen *s = opaque;
    kd_app *app = s->app;
    (void)timer;
    kd_loop_remove_timer(s->reap_timer);
    s->reap_timer = -1;
    /* Brought to the top (the same state: nothing is freed), then left. */
    kd_screen_open(app, &kd_vnc_screen_ops, s, NULL);
    kd_screen_close(app);
}

static void close_later(vnc_screen *s)
{
    if (s->dead)
        return;
    s->dead = true;
    s->reap_timer = kd_loop_add_timer(0, on_reap, s, NULL);
}

static void on_damage(void *opaque, int x, int y, int w, int h)
{
    vnc_screen *s = opaque;
    kd_fbview_damage(s->view, x, y, w, h);
    s->img_dirty = true;
    s->app->dirty_status = true; /* a turn of drawing, so that after_update runs */
    kd_fb fb;
    bool text = kd_vnc_text_showing(s->text);
    if (s->vnc && kd_vnc_fb(s->vnc, &fb))
        kd_vnc_text_damage(s->text, &fb, x, y, w, h);
    if (text || kd_vnc_text_showing(s->text))
        s->app->dirty_full = true; /* curses draws the text */
}

static void on_resized(void *opaque, int w, int h)
{
    vnc_screen *s = opaque;
    s->fb_w = w;
    s->fb_h = h;
    kd_vnc_ui_repaint(s);
}

static void on_closed(void *opaque, const char *why)
{
    vnc_screen *s = opaque;
    kd_app_status(s->app, true, "VNC of %s closed: %s", s->name, why);
    close_later(s);
}

static int on_password(void *opaque, char *buf, size_t n)
{
    return kd_vnc_ask_password(opaque, buf, n);
}

static void screen_free(void *p)
{
    vnc_screen *s = p;
    if (!s)
        return;
    if (s->reap_timer >= 0)
        kd_loop_remove_timer(s->reap_timer);
    if (s->img_timer >= 0)
        kd_loop_remove_timer(s->img_timer);
    kd_vnc_mouse_enable(s, false);
    kd_vnc_kitty_clear(s);
    kd_vnc_free(s->vnc);
    kd_fbview_free(s->view);
    kd_vnc_text_free(s->text);
    clearok(curscr, TRUE); /* whatever the picture covered is curses' again */
    s->app->dirty_full = true;
    free(s->name);
    free(s);
}

static void screen_changed(kd_app *app, kd_conn_event ev, const char *uuid)
{
    vnc_screen *s = kd_screen_find(app, &kd_vnc_screen_ops);
    if (!s || s->dead || (uuid && strcmp(uuid, s->uuid) != 0))
        return;
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, s->uuid);
    if (ev == KD_CONN_EV_DISCONNECTED)
        return; /* the display may well live on; the socket says when it does not */
    if (!d || !kd_vnc_state_has_screen(d->state)) {
        kd_app_status(app, true, "%s is %s: its VNC console is closed", s->name,
                      d ? "no longer running" : "gone");
        close_later(s);
    }
}

const kd_screen_ops kd_vnc_screen_ops = {
    .name = "vnc",
    .ctx = KD_CTX_VNC,
    .draw = screen_draw,
    .key = screen_key,
    .changed = screen_changed,
    .resized = screen_resized,
    .after_update = kd_vnc_ui_after_update,
};

static vnc_screen *screen_new(kd_app *app, const kd_domain *d)
{
    vnc_screen *s = kd_calloc(1, sizeof(*s));
    s->app = app;
    snprintf(s->uuid, sizeof(s->uuid), "%s", d->uuid);
    s->name = kd_strdup(d->name);
    s->view = kd_fbview_new();
    s->zoom_fit = true;
    s->reap_timer = -1;
    s->img_timer = -1;
    s->img_id = 1;
    kd_vnc_conf conf = kd_vnc_read_conf(app);
    s->timeout_s = conf.timeout_s;
    s->text = kd_vnc_text_new(conf.text);
    kd_fbview_set_zoom(s->view, 0);
    s->colors_auto = true;
    s->colors = kd_vnc_detect_colors();
    kd_fbview_set_colors(s->view, s->colors);
    s->img_mode = conf.img;
    s->img = kd_vnc_detect_img(s->img_mode);
    return s;
}

/* Find the display, reach it, speak RFB; on success the screen is shown. */
static int connect_screen(vnc_screen *s, kd_err *err)
{
    kd_app *app = s->app;
    kd_vnc_display disp;
    if (kd_vnc_display_get(app->conn, s->uuid, &disp, err) < 0)
        return -1;
    s->passwd = disp.passwd;
    int fd = kd_vnc_connect(app->conn, s->uuid, &disp, &s->how, err);
    kd_vnc_display_clear(&disp);
    if (fd < 0)
        return -1;
    kd_vnc_cbs cbs = {on_damage, on_resized, on_closed, on_password};
    s->vnc = kd_vnc_new(fd, &cbs, s->timeout_s, s, err);
    return s->vnc ? 0 : -1;
}

void kd_vnc_ui_open(kd_app *app, int argc, char **argv)
{
    kd_uuid *targets = NULL;
    size_t n = kd_app_targets(app, argc, argv, &targets);
    if (n == 0)
        return;
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, targets[0].uuid);
    free(targets);
    if (!d)
        return;
    if (!kd_vnc_state_has_screen(d->state)) {
        kd_app_status(app, true, "%s is not running: it has no screen to show", d->name);
        return;
    }
    vnc_screen *old = kd_screen_find(app, &kd_vnc_screen_ops);
    if (old && strcmp(old->uuid, d->uuid) == 0 && !old->dead) {
        kd_screen_open(app, &kd_vnc_screen_ops, old, NULL);
        return;
    }
    if (old) { /* one graphical console at a time */
        kd_screen_open(app, &kd_vnc_screen_ops, old, NULL);
        kd_screen_close(app);
    }
    vnc_screen *s = screen_new(app, d);
    kd_err err;
    kd_err_clear(&err);
    kd_app_status(app, false, "connecting to the VNC display of %s...", s->name);
    kd_app_draw_now(app);
    if (connect_screen(s, &err) < 0) {
        kd_app_status(app, true, "VNC of %s: %s", s->name, err.msg);
        screen_free(s);
        return;
    }
    kd_app_status(app, false, "VNC of %s %s", s->name, s->how);
    kd_screen_open(app, &kd_vnc_screen_ops, s, screen_free);
}
