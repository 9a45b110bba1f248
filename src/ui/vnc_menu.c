#include "backend/vnc.h"
#include "core/ini.h"
#include "core/paths.h"
#include "core/str.h"
#include "core/utf8.h"
#include "ui/pager.h"
#include "ui/vnc_ui.h"

#include <stdlib.h>
#include <string.h>

/* The graphical console's questions: its menu (what a terminal cannot type: Ctrl+Alt+Del,
 * Ctrl+Alt+Fn, SysRq, sent by the hypervisor; the screenshot; how the picture is drawn),
 * the display's password, and its [vnc] configuration. */

const char *kd_vnc_img_name(vnc_img_mode m)
{
    static const char *const names[] = {"auto", "off", "sixel", "kitty"};
    return m < VNC_IMG_LAST ? names[m] : "?";
}

const char *kd_vnc_colors_name(kd_fb_colors c)
{
    return c == KD_FB_COLOR_TRUE  ? "truecolor"
           : c == KD_FB_COLOR_256 ? "256 colours"
                                  : "16 colours";
}

/* ---- the [vnc] section of the configuration ------------------------------------- */

static int config_entry(const char *section, const char *key, const char *value, int line,
                        void *opaque, kd_err *err)
{
    kd_vnc_conf *c = opaque;
    if (strcmp(section, "vnc") != 0)
        return 0;
    if (strcmp(key, "timeout") == 0) {
        char *end;
        long n = strtol(value, &end, 10);
        if (end == value || *end || n < 1 || n > KD_VNC_TIMEOUT_MAX) {
            kd_err_set(err, KD_ERR_INVALID, "line %d: [vnc] timeout takes 1 to %d seconds", line,
                       KD_VNC_TIMEOUT_MAX);
            return -1;
        }
        c->timeout_s = (int)n;
        return 0;
    }
    if (strcmp(key, "text") == 0) {
        if (strcmp(value, "auto") != 0 && strcmp(value, "off") != 0) {
            kd_err_set(err, KD_ERR_INVALID, "line %d: [vnc] text takes auto or off", line);
            return -1;
        }
        c->text = strcmp(value, "auto") == 0;
        return 0;
    }
    if (strcmp(key, "image") != 0)
        return 0;
    for (int i = 0; i < VNC_IMG_LAST; i++) {
        if (strcmp(value, kd_vnc_img_name((vnc_img_mode)i)) == 0) {
            c->img = (vnc_img_mode)i;
            return 0;
        }
    }
    kd_err_set(err, KD_ERR_INVALID, "line %d: [vnc] image takes auto, off, sixel or kitty", line);
    return -1;
}

kd_vnc_conf kd_vnc_read_conf(kd_app *app)
{
    const kd_vnc_conf defaults = {VNC_IMG_AUTO, true, KD_VNC_TIMEOUT_S};
    kd_vnc_conf c = defaults;
    char *dir = kd_paths_config_dir();
    char *path = kd_asprintf("%s/config", dir);
    kd_err err;
    kd_err_clear(&err);
    if (kd_ini_parse_file(path, config_entry, &c, &err) < 0 && err.code != KD_ERR_NOTFOUND) {
        kd_app_status(app, true, "%s: %s", path, err.msg);
        c = defaults;
    }
    free(path);
    free(dir);
    return c;
}

/* ---- the password, asked during the handshake ------------------------------------ */

/* The handshake wants the answer before it returns. */
int kd_vnc_ask_password(vnc_screen *s, char *buf, size_t n)
{
    char *msg = kd_asprintf("The VNC display of %s asks for its password:", s->name);
    s->passwd = true;
    int r = kd_dialog_ask_now(s->app, "VNC password", msg, true, buf, n);
    free(msg);
    return r;
}

/* ---- the menu ------------------------------------------------------------------------ */

typedef struct {
    char hot;
    const char *label;
    void (*run)(vnc_screen *s);
} menu_item;

static void send_codes(vnc_screen *s, const unsigned *codes, size_t n, const char *what)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_vnc_send_keys(s->app->conn, s->uuid, codes, n, &err) < 0)
        kd_app_status(s->app, true, "%s: %s", what, err.msg);
    else
        kd_app_status(s->app, false, "%s sent to %s", what, s->name);
}

static void run_cad(vnc_screen *s)
{
    const unsigned codes[] = {KD_VNC_KEY_LEFTCTRL, KD_VNC_KEY_LEFTALT, KD_VNC_KEY_DELETE};
    send_codes(s, codes, 3, "Ctrl+Alt+Del");
}

/* Prompts outlive nothing: the screen's uuid is copied into the prompt's state. */
typedef struct {
    kd_app *app;
    char uuid[37];
    bool sysrq;
} key_prompt;

static void on_key_answer(kd_app *app, bool ok, const char *text, void *opaque)
{
    key_prompt *p = opaque;
    vnc_screen *s = kd_screen_find(app, &kd_vnc_screen_ops);
    if (!ok || !s || strcmp(s->uuid, p->uuid) != 0)
        return;
    char *end;
    long n = strtol(text, &end, 10);
    if (!p->sysrq) {
        if (*text == '\0' || *end || n < 1 || n > 12) {
            kd_app_status(app, true, "a function key is a number from 1 to 12, not '%s'", text);
            return;
        }
        unsigned codes[] = {KD_VNC_KEY_LEFTCTRL, KD_VNC_KEY_LEFTALT,
                            (unsigned)kd_vnc_keycode_fn((int)n)};
        char what[32];
        snprintf(what, sizeof(what), "Ctrl+Alt+F%ld", n);
        send_codes(s, codes, 3, what);
        return;
    }
    int code = strlen(text) == 1 ? kd_vnc_keycode_char((unsigned char)text[0]) : -1;
    if (code < 0) {
        kd_app_status(app, true, "SysRq takes one letter or digit, not '%s'", text);
        return;
    }
    unsigned codes[] = {KD_VNC_KEY_LEFTALT, KD_VNC_KEY_SYSRQ, (unsigned)code};
    char what[32];
    snprintf(what, sizeof(what), "Alt+SysRq+%c", text[0]);
    send_codes(s, codes, 3, what);
}

static void ask_key(vnc_screen *s, bool sysrq)
{
    key_prompt *p = kd_calloc(1, sizeof(*p));
    p->app = s->app;
    p->sysrq = sysrq;
    snprintf(p->uuid, sizeof(p->uuid), "%s", s->uuid);
    kd_dialog_spec spec = {
        .title = sysrq ? "Alt+SysRq" : "Ctrl+Alt+F",
        .message = sysrq ? "Alt+SysRq and which key? (s sync, u remount read-only, b reboot, "
                           "h help on the guest's console)"
                         : "Ctrl+Alt and which function key (1-12)?",
        .done = on_key_answer,
        .opaque = p,
        .opaque_free = free,
    };
    kd_dialog_prompt(s->app, &spec);
}

static void run_caf(vnc_screen *s)
{
    ask_key(s, false);
}

static void run_sysrq(vnc_screen *s)
{
    ask_key(s, true);
}

static void on_shot_answer(kd_app *app, bool ok, const char *text, void *opaque)
{
    const char *uuid = opaque;
    vnc_screen *s = kd_screen_find(app, &kd_vnc_screen_ops);
    if (!ok || !s || strcmp(s->uuid, uuid) != 0)
        return;
    if (kd_str_empty(text)) {
        kd_app_status(app, true, "no file name given: nothing saved");
        return;
    }
    char *path = kd_paths_expand_home(text);
    kd_fb fb;
    kd_err err;
    kd_err_clear(&err);
    if (!s->vnc || !kd_vnc_fb(s->vnc, &fb))
        kd_app_status(app, true, "no picture from %s yet: nothing saved", s->name);
    else if (kd_vnc_save(&fb, path, &err) < 0)
        kd_app_status(app, true, "screenshot: %s", err.msg);
    else
        kd_app_status(app, false, "screenshot of %s (%dx%d) saved to %s", s->name, fb.width,
                      fb.height, path);
    free(path);
}

static void run_shot(vnc_screen *s)
{
    char *initial = kd_asprintf("~/%s-screenshot.png", s->name);
    kd_dialog_spec spec = {
        .title = "Screenshot",
        .message = "Save the screen to (.png for PNG, anything else for PPM):",
        .initial = initial,
        .done = on_shot_answer,
        .opaque = kd_strdup(s->uuid),
        .opaque_free = free,
    };
    kd_dialog_prompt(s->app, &spec);
    free(initial);
}

static void zoom_by(vnc_screen *s, int num, int den)
{
    int z = kd_fbview_zoom(s->view);
    if (z <= 0)
        z = 100;
    int nz = z * num / den;
    if (nz == z)
        nz += num > den ? 1 : -1;
    if (nz < 10)
        nz = 10;
    if (nz > 1600)
        nz = 1600;
    s->zoom_fit = false;
    kd_fbview_set_zoom(s->view, nz);
    kd_vnc_ui_repaint(s);
}

static void run_zoom_in(vnc_screen *s)
{
    zoom_by(s, 5, 4);
}

static void run_zoom_out(vnc_screen *s)
{
    zoom_by(s, 4, 5);
}

static void run_fit(vnc_screen *s)
{
    s->zoom_fit = true;
    kd_fbview_set_zoom(s->view, 0);
    kd_vnc_ui_repaint(s);
}

static void run_pan(vnc_screen *s)
{
    s->panning = true;
}

static void run_colors(vnc_screen *s)
{
    /* auto, then 16, 256, truecolor, and back to auto */
    if (s->colors_auto)
        kd_vnc_ui_set_colors(s, false, KD_FB_COLOR_16);
    else if (s->colors == KD_FB_COLOR_TRUE)
        kd_vnc_ui_set_colors(s, true, KD_FB_COLOR_16);
    else
        kd_vnc_ui_set_colors(s, false,
                             s->colors == KD_FB_COLOR_16 ? KD_FB_COLOR_256 : KD_FB_COLOR_TRUE);
    kd_app_status(s->app, false, "colours: %s%s", kd_vnc_colors_name(s->colors),
                  s->colors_auto ? " (as the terminal says)" : "");
}

static void run_text(vnc_screen *s)
{
    char msg[200];
    kd_fb fb;
    bool have = s->vnc && kd_vnc_fb(s->vnc, &fb);
    kd_vnc_text_toggle(s->text, have ? &fb : NULL, msg, sizeof(msg));
    kd_app_status(s->app, false, "%s", msg);
    kd_vnc_ui_repaint(s);
}

static void run_img(vnc_screen *s)
{
    kd_vnc_ui_set_img(s, (vnc_img_mode)((s->img_mode + 1) % VNC_IMG_LAST));
    kd_app_status(s->app, false, "images: %s (%s)", kd_vnc_img_name(s->img_mode),
                  s->img == KD_FB_IMG_SIXEL   ? "sixel"
                  : s->img == KD_FB_IMG_KITTY ? "kitty"
                                              : "half blocks");
}

/* The whole picture again from the server, and the whole terminal repainted: the way out
 * of a garbled screen (Ctrl+L belongs to the guest here). */
static void run_refresh(vnc_screen *s)
{
    kd_err err;
    kd_err_clear(&err);
    if (s->vnc && kd_vnc_refresh(s->vnc, &err) < 0)
        kd_app_status(s->app, true, "%s", err.msg);
    kd_app_layout(s->app);
}

/* The key that opens this menu, for a guest that wants it. */
static void run_menu_key(vnc_screen *s)
{
    const kd_keymap *km = s->app->keymap;
    for (size_t i = 0; i < kd_keymap_count(km); i++) {
        const kd_binding *b = kd_keymap_at(km, i);
        if (b->ctx == KD_CTX_VNC && strcmp(b->action, "vnc.menu") == 0) {
            char name[32];
            kd_key_name(b->key, name, sizeof(name));
            kd_vnc_ui_send_key(s, b->key);
            kd_app_status(s->app, false, "%s sent to %s", name, s->name);
            return;
        }
    }
}

/* Past text screens, searchable and savable in the text pager. */
static void run_history(vnc_screen *s)
{
    /* Past text screens stay readable once the guest has gone graphical (after boot). */
    size_t n;
    char *text = kd_vnc_text_history(s->text, &n);
    if (n == 0) {
        free(text);
        kd_app_status(s->app, true,
                      "no text screens yet: text scrollback is kept while the "
                      "screen is read as text (t)");
        return;
    }
    char *title = kd_asprintf("Text screens of %s (%zu lines): / search, s save", s->name, n);
    kd_vnc_ui_cover(s);
    kd_pager_open_at_end(s->app, title, text);
    free(title);
    free(text);
}

static void run_close(vnc_screen *s)
{
    (void)s;
}

static const menu_item items[] = {
    {'d', "Send Ctrl+Alt+Del", run_cad},
    {'f', "Send Ctrl+Alt+F1..F12...", run_caf},
    {'r', "Send Alt+SysRq+key...", run_sysrq},
    {'s', "Screenshot to a file...", run_shot},
    {'+', "Zoom in", run_zoom_in},
    {'-', "Zoom out", run_zoom_out},
    {'0', "Zoom to fit", run_fit},
    {'p', "Pan (arrows)", run_pan},
    {'c', "Colours: auto, 16, 256, truecolor", run_colors},
    {'i', "Images: auto, off, sixel, kitty", run_img},
    {'t', "Text or pixels (a text screen read as text)", run_text},
    {'b', "Text scrollback: past text screens (search, save)", run_history},
    {'l', "Redraw the whole screen", run_refresh},
    {'m', "Send this menu's key to the guest", run_menu_key},
    {'q', "Close the menu", run_close},
};
#define NITEMS (sizeof(items) / sizeof(items[0]))

void kd_vnc_menu_draw(vnc_screen *s, WINDOW *w, int top, int rows)
{
    int width = 40, height = (int)NITEMS + 2;
    for (size_t k = 0; k < NITEMS; k++) {
        int need = kd_utf8_width(items[k].label) + 8;
        if (need > width)
            width = need;
    }
    int cols = getmaxx(w);
    if (width > cols)
        width = cols;
    if (height > rows)
        height = rows;
    int y0 = top + (rows - height) / 2, x0 = (cols - width) / 2;
    kd_cursor_fit(&s->menu_cur, NITEMS, height - 2);
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_DIALOG));
    for (int y = 0; y < height; y++)
        kd_draw_fill(w, y0 + y, x0, width);
    /* A frame, so that the menu reads as one thing over the guest's picture. */
    mvwhline(w, y0, x0 + 1, ACS_HLINE, width - 2);
    mvwhline(w, y0 + height - 1, x0 + 1, ACS_HLINE, width - 2);
    mvwvline(w, y0 + 1, x0, ACS_VLINE, height - 2);
    mvwvline(w, y0 + 1, x0 + width - 1, ACS_VLINE, height - 2);
    mvwaddch(w, y0, x0, ACS_ULCORNER);
    mvwaddch(w, y0, x0 + width - 1, ACS_URCORNER);
    mvwaddch(w, y0 + height - 1, x0, ACS_LLCORNER);
    mvwaddch(w, y0 + height - 1, x0 + width - 1, ACS_LRCORNER);
    kd_draw_text(w, y0, x0 + 2, width - 4, "Graphical console");
    for (int i = 0; i + 1 < height - 1 && s->menu_cur.top + (size_t)i < NITEMS; i++) {
        size_t k = s->menu_cur.top + (size_t)i;
        char line[96];
        snprintf(line, sizeof(line), " %c  %s", items[k].hot, items[k].label);
        wattrset(w, (attr_t)kd_theme_attr(k == s->menu_cur.sel ? KD_SLOT_LIST_SELECTED
                                                               : KD_SLOT_DIALOG));
        kd_draw_fill(w, y0 + 1 + i, x0 + 1, width - 2);
        kd_draw_text(w, y0 + 1 + i, x0 + 1, width - 2, line);
    }
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_DIALOG));
    kd_draw_text(w, y0 + height - 1, x0 + 2, width - 4, "Enter or the letter; Esc closes");
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
}

static void run_item(vnc_screen *s, size_t i)
{
    s->menu = false;
    s->app->dirty_full = true;
    items[i].run(s);
}

void kd_vnc_menu_key(vnc_screen *s, kd_key key)
{
    s->app->dirty_full = true;
    if (key == KD_KEY_ESC) {
        s->menu = false;
    } else if (key == (KD_KEY_FN | KEY_UP) || key == 'k') {
        kd_cursor_move(&s->menu_cur, NITEMS, -1);
    } else if (key == (KD_KEY_FN | KEY_DOWN) || key == 'j') {
        kd_cursor_move(&s->menu_cur, NITEMS, 1);
    } else if (key == KD_KEY_ENTER) {
        run_item(s, s->menu_cur.sel);
    } else {
        for (size_t i = 0; i < NITEMS; i++) {
            if (key == items[i].hot || (key == '=' && items[i].hot == '+')) {
                run_item(s, i);
                return;
            }
        }
    }
}
