#include "ui/vnc_ui.h"
#include "backend/loop.h"
#include "backend/vnc.h"
#include "core/str.h"
#include "ui/form.h"
#include "ui/vnc_keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* The graphical console: the guest's framebuffer drawn by console/fb after curses has
 * written its frame, over a pane curses believes blank. Every key not bound in the vnc
 * context goes to the guest; the mouse is reported while the screen is shown. */

#define MOUSE_ON  "\033[?1003h"
#define MOUSE_OFF "\033[?1003l\033[?1006l"
#define SGR_MOUSE "\033[?1006h"
#define IMG_MS    100 /* images are whole pictures: at most one per IMG_MS */
/* Kitty keeps images over the text until told: before menus, dialogs and on leaving. */
#define KITTY_DELETE "\033_Ga=d\033\\"

/* States in which QEMU runs and serves the display. */
static bool has_screen(kd_dom_state st)
{
    return st == KD_DOM_RUNNING || st == KD_DOM_BLOCKED || st == KD_DOM_PAUSED ||
           st == KD_DOM_SHUTDOWN;
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the terminal went away: the loop hears of it on input */
        p += w;
        n -= (size_t)w;
    }
}

/* ---- the terminal's abilities ---------------------------------------------------------- */

static kd_fb_colors detect_colors(void)
{
    bool rgb = tigetflag("RGB") > 0 || tigetflag("Tc") > 0;
    return kd_fb_detect_colors(getenv("COLORTERM"), tigetnum("colors"), rgb);
}

void kd_vnc_ui_set_colors(vnc_screen *s, bool automatic, kd_fb_colors c)
{
    s->colors_auto = automatic;
    s->colors = automatic ? detect_colors() : c;
    kd_fbview_set_colors(s->view, s->colors);
    kd_vnc_ui_repaint(s);
}

void kd_vnc_ui_set_img(vnc_screen *s, vnc_img_mode m)
{
    if (s->img == KD_FB_IMG_KITTY)
        write_all(KITTY_DELETE, strlen(KITTY_DELETE));
    s->img_mode = m;
    const char *forced = m == VNC_IMG_AUTO ? NULL : kd_vnc_img_name(m);
    s->img = kd_fb_detect_image(getenv("TERM"), getenv("TERM_PROGRAM"), getenv("KITTY_WINDOW_ID"),
                                forced);
    kd_vnc_ui_repaint(s);
}

/* ---- the mouse ------------------------------------------------------------------------- */

static void mouse_enable(vnc_screen *s, bool on)
{
    if (s->mouse_on == on)
        return;
    s->mouse_on = on;
    if (on) {
        mouseinterval(0);
        mousemask(ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION, NULL);
        /* Motion without a button needs 1003; SGR coordinates only when curses reads them
         * (its kmous is the SGR prefix), or it would take them for keys. */
        const char *kmous = tigetstr("kmous");
        bool sgr = kmous && kmous != (char *)-1 && strcmp(kmous, "\033[<") == 0;
        write_all(MOUSE_ON, strlen(MOUSE_ON));
        if (sgr)
            write_all(SGR_MOUSE, strlen(SGR_MOUSE));
    } else {
        mousemask(0, NULL);
        write_all(MOUSE_OFF, strlen(MOUSE_OFF));
    }
}

static int button_bits(mmask_t b, int buttons)
{
    static const struct {
        mmask_t press, release;
        int bit;
    } map[] = {
        {BUTTON1_PRESSED, BUTTON1_RELEASED, 1},
        {BUTTON2_PRESSED, BUTTON2_RELEASED, 2},
        {BUTTON3_PRESSED, BUTTON3_RELEASED, 4},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (b & map[i].press)
            buttons |= map[i].bit;
        if (b & map[i].release)
            buttons &= ~map[i].bit;
    }
    return buttons;
}

static void on_mouse(vnc_screen *s)
{
    MEVENT ev;
    if (getmouse(&ev) != OK || !s->vnc)
        return;
    int x, y;
    /* The pane starts on the second row, under the title. */
    if (!kd_fbview_cell_to_fb(s->view, ev.y - 1, ev.x, &x, &y))
        return;
    kd_err err;
    kd_err_clear(&err);
    s->buttons = button_bits(ev.bstate, s->buttons);
    int r = kd_vnc_pointer(s->vnc, x, y, s->buttons, &err);
    int wheel = ev.bstate & BUTTON4_PRESSED ? 8 : ev.bstate & BUTTON5_PRESSED ? 16 : 0;
    if (r == 0 && wheel) /* a wheel notch is a press and a release */
        r = kd_vnc_pointer(s->vnc, x, y, s->buttons | wheel, &err) < 0 ||
                    kd_vnc_pointer(s->vnc, x, y, s->buttons, &err) < 0
                ? -1
                : 0;
    if (r < 0)
        kd_app_status(s->app, true, "%s", err.msg);
}

/* ---- keys ------------------------------------------------------------------------------ */

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
        on_mouse(s);
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

/* Curses moves the cursor relative to where it believes it left it, and writes assuming
 * normal attributes (doupdate ends with them): after our bytes the attributes are reset and
 * curses is told the cursor is somewhere it must address absolutely. */
static void give_back_terminal(void)
{
    write_all("\033[0m", 4);
    mvcur(-1, -1, 0, 0);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_img_timer(int timer, void *opaque)
{
    vnc_screen *s = opaque;
    kd_loop_update_timer(timer, -1);
    s->app->dirty_status = true; /* a turn of drawing: the picture waiting is drawn */
}

/* An image is the whole picture: at most one every IMG_MS, the last change never lost. */
static bool image_due(vnc_screen *s)
{
    long long wait = s->img_at + IMG_MS - now_ms();
    if (wait <= 0)
        return true;
    if (s->img_timer < 0)
        s->img_timer = kd_loop_add_timer((int)wait, on_img_timer, s, NULL);
    else
        kd_loop_update_timer(s->img_timer, (int)wait);
    return false;
}

static void render_image(vnc_screen *s, const kd_fb *fb, kd_buf *b)
{
    if (!s->img_dirty || !image_due(s))
        return;
    s->img_at = now_ms();
    int rows = s->app->rows - 3, cols = s->app->cols;
    struct winsize ws;
    int cw = 10, ch = 20; /* a guess when the terminal does not say */
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_xpixel && ws.ws_col && ws.ws_row) {
        cw = ws.ws_xpixel / ws.ws_col;
        ch = ws.ws_ypixel / ws.ws_row;
    }
    kd_buf_adds(b, "\033[2;1H");
    int r;
    if (s->img == KD_FB_IMG_KITTY) {
        r = kd_fb_kitty(fb, cols, rows, s->img_id, b);
    } else {
        /* The largest picture of the framebuffer's shape that fits the pane. */
        long pw = (long)cols * cw, ph = (long)rows * ch;
        if (pw * fb->height > ph * fb->width)
            pw = ph * fb->width / fb->height;
        else
            ph = pw * fb->height / fb->width;
        /* A pane larger in pixels than the encoder takes gets the largest it does. */
        while (pw > KD_FB_MAX_W || ph > KD_FB_MAX_H) {
            pw /= 2;
            ph /= 2;
        }
        r = kd_fb_sixel(fb, (int)pw, (int)ph, b);
    }
    if (r < 0) {
        /* Not retried on every turn of the loop: back to half blocks, with the reason. */
        kd_app_status(s->app, true, "the picture cannot be sent as an image here: half blocks");
        s->img = KD_FB_IMG_NONE;
        kd_fbview_invalidate(s->view);
    }
    s->img_dirty = false;
}

/* The screen read as text is drawn by curses (screen_draw): no picture over it. Back to
 * the picture, all of it is drawn again. */
static bool text_instead(vnc_screen *s)
{
    bool text = kd_vnc_text_showing(s->text);
    if (text && !s->text_shown && s->img == KD_FB_IMG_KITTY)
        write_all("\033_Ga=d\033\\", 8);
    if (!text && s->text_shown) {
        kd_fbview_invalidate(s->view);
        s->img_dirty = true;
    }
    s->text_shown = text;
    return text;
}

static void screen_after_update(kd_app *app)
{
    vnc_screen *s = kd_screen_state(app, &kd_vnc_screen_ops);
    if (!s || !s->vnc)
        return;
    if (app->dialog || s->menu || kd_form_active(app)) {
        if (!s->overlaid && s->img == KD_FB_IMG_KITTY)
            write_all(KITTY_DELETE, strlen(KITTY_DELETE));
        s->overlaid = true;
        return;
    }
    if (s->overlaid) {
        s->overlaid = false;
        kd_fbview_invalidate(s->view);
        s->img_dirty = true;
    }
    mouse_enable(s, true);
    if (text_instead(s))
        return;
    kd_fb fb;
    if (!kd_vnc_fb(s->vnc, &fb))
        return;
    kd_buf b;
    kd_buf_init(&b);
    if (s->img != KD_FB_IMG_NONE)
        render_image(s, &fb, &b);
    else
        kd_fbview_render(s->view, &fb, &b);
    if (b.len) {
        write_all(b.data, b.len);
        give_back_terminal();
    }
    kd_buf_free(&b);
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
    mouse_enable(s, false);
    if (s->img == KD_FB_IMG_KITTY)
        write_all(KITTY_DELETE, strlen(KITTY_DELETE));
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
    if (!d || !has_screen(d->state)) {
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
    .after_update = screen_after_update,
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
    s->text = kd_vnc_text_new(kd_vnc_text_first(app));
    kd_fbview_set_zoom(s->view, 0);
    s->colors_auto = true;
    s->colors = detect_colors();
    kd_fbview_set_colors(s->view, s->colors);
    s->img_mode = kd_vnc_configured_img(app);
    s->img = kd_fb_detect_image(getenv("TERM"), getenv("TERM_PROGRAM"), getenv("KITTY_WINDOW_ID"),
                                s->img_mode == VNC_IMG_AUTO ? NULL : kd_vnc_img_name(s->img_mode));
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
    s->vnc = kd_vnc_new(fd, &cbs, s, err);
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
    if (!has_screen(d->state)) {
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
