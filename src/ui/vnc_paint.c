#include "backend/loop.h"
#include "core/str.h"
#include "core/time.h"
#include "ui/form.h"
#include "ui/vnc_ui.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* What the graphical console writes to the terminal itself, after curses has written its
 * frame: the picture (half blocks, sixel or kitty), the mouse modes, and the terminal
 * given back to curses in the state it believes. */

#define MOUSE_ON  "\033[?1003h"
#define MOUSE_OFF "\033[?1003l\033[?1006l"
#define SGR_MOUSE "\033[?1006h"
#define IMG_MS    100 /* images are whole pictures: at most one per IMG_MS */
/* Kitty keeps images over the text until told: before menus, dialogs and on leaving. */
#define KITTY_DELETE "\033_Ga=d\033\\"

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

kd_fb_colors kd_vnc_detect_colors(void)
{
    bool rgb = tigetflag("RGB") > 0 || tigetflag("Tc") > 0;
    return kd_fb_detect_colors(getenv("COLORTERM"), tigetnum("colors"), rgb);
}

void kd_vnc_ui_set_colors(vnc_screen *s, bool automatic, kd_fb_colors c)
{
    s->colors_auto = automatic;
    s->colors = automatic ? kd_vnc_detect_colors() : c;
    kd_fbview_set_colors(s->view, s->colors);
    kd_vnc_ui_repaint(s);
}

void kd_vnc_ui_set_img(vnc_screen *s, vnc_img_mode m)
{
    kd_vnc_kitty_clear(s);
    s->img_mode = m;
    s->img = kd_vnc_detect_img(m);
    kd_vnc_ui_repaint(s);
}

kd_fb_img kd_vnc_detect_img(vnc_img_mode m)
{
    const char *forced = m == VNC_IMG_AUTO ? NULL : kd_vnc_img_name(m);
    return kd_fb_detect_image(getenv("TERM"), getenv("TERM_PROGRAM"), getenv("KITTY_WINDOW_ID"),
                              forced);
}

void kd_vnc_kitty_clear(const vnc_screen *s)
{
    if (s->img == KD_FB_IMG_KITTY)
        write_all(KITTY_DELETE, strlen(KITTY_DELETE));
}

void kd_vnc_ui_cover(vnc_screen *s)
{
    if (!s->overlaid)
        kd_vnc_kitty_clear(s);
    s->overlaid = true;
    kd_vnc_mouse_enable(s, false);
    clearok(curscr, TRUE);
}

/* ---- the mouse ------------------------------------------------------------------------- */

void kd_vnc_mouse_enable(vnc_screen *s, bool on)
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

void kd_vnc_mouse_event(vnc_screen *s)
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

/* Curses moves the cursor relative to where it believes it left it (a row alone, VPA, when
 * the column is the same), and writes assuming normal attributes: after our bytes the
 * attributes are reset and the cursor goes home, where curses is told it is. mvcur from an
 * unknown place records the position without always writing the move, so the move is
 * ours. */
static void give_back_terminal(void)
{
    write_all("\033[0m\033[H", 7);
    mvcur(-1, -1, 0, 0);
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
    long long wait = s->img_at + IMG_MS - kd_now_ms();
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
    s->img_at = kd_now_ms();
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
    if (text && !s->text_shown)
        kd_vnc_kitty_clear(s);
    if (!text && s->text_shown) {
        kd_fbview_invalidate(s->view);
        s->img_dirty = true;
    }
    s->text_shown = text;
    return text;
}

void kd_vnc_ui_after_update(kd_app *app)
{
    vnc_screen *s = kd_screen_state(app, &kd_vnc_screen_ops);
    if (!s || !s->vnc)
        return;
    if (app->dialog || s->menu || kd_form_active(app)) {
        /* What covers the picture takes keys, not pointer reports. */
        if (!s->overlaid)
            kd_vnc_kitty_clear(s);
        s->overlaid = true;
        kd_vnc_mouse_enable(s, false);
        return;
    }
    if (s->overlaid) {
        s->overlaid = false;
        kd_fbview_invalidate(s->view);
        s->img_dirty = true;
    }
    kd_vnc_mouse_enable(s, true);
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
