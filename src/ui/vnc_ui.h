#ifndef KD_UI_VNC_UI_H
#define KD_UI_VNC_UI_H

/* The graphical console screen (vnc_ui.c, vnc_paint.c) and its menu (vnc_menu.c); private
 * to them and to act_vnc.c. */

#include "console/fb.h"
#include "console/vnc.h"
#include "ui/app.h"
#include "ui/vnc_text.h"

typedef enum { VNC_IMG_AUTO, VNC_IMG_OFF, VNC_IMG_SIXEL, VNC_IMG_KITTY, VNC_IMG_LAST } vnc_img_mode;

typedef struct {
    kd_app *app;
    char uuid[37];
    char *name;
    kd_vnc *vnc;
    kd_fbview *view;
    const char *how; /* how the socket was reached, for the title */
    bool passwd;     /* the display has a password */
    int fb_w, fb_h;
    bool zoom_fit;
    bool colors_auto;
    kd_fb_colors colors;
    vnc_img_mode img_mode;
    kd_fb_img img; /* what img_mode resolves to on this terminal */
    unsigned img_id;
    bool img_dirty;
    long long img_at; /* when the last image was written (monotonic ms) */
    int img_timer;
    bool menu; /* the menu is shown over the picture */
    kd_cursor menu_cur;
    bool panning;  /* arrows pan the picture */
    bool overlaid; /* something covered the picture: repaint it all when it goes */
    bool mouse_on;
    int buttons;
    kd_vnc_text *text; /* the screen read as text (menu t) */
    bool text_shown;   /* text was drawn last time, not the picture */
    bool dead;         /* the connection is over: the screen goes at the next turn of the loop */
    int reap_timer;
    int timeout_s; /* [vnc] timeout */
} vnc_screen;

extern const kd_screen_ops kd_vnc_screen_ops;

void kd_vnc_ui_open(kd_app *app, int argc, char **argv);
void kd_vnc_ui_menu_toggle(kd_app *app);

/* vnc_menu.c */
/* The [vnc] section of the configuration file; a bad value is reported and the defaults
 * used. */
typedef struct {
    vnc_img_mode img; /* image: how pictures are drawn */
    bool text;        /* text: text screens read as text (auto, the default) or pixels first */
    int timeout_s;    /* timeout: how long the server may stall before it is given up */
} kd_vnc_conf;
kd_vnc_conf kd_vnc_read_conf(kd_app *app);
/* The display's password, asked in a nested key loop (the handshake waits for it); 0, or
 * -1 when cancelled. */
int kd_vnc_ask_password(vnc_screen *s, char *buf, size_t n);
void kd_vnc_menu_draw(vnc_screen *s, WINDOW *w, int top, int rows);
void kd_vnc_menu_key(vnc_screen *s, kd_key key);
/* vnc_paint.c: what is written to the terminal outside curses */
kd_fb_colors kd_vnc_detect_colors(void);
/* What mode m resolves to on this terminal. */
kd_fb_img kd_vnc_detect_img(vnc_img_mode m);
/* Kitty keeps its images over the text until told to drop them. */
void kd_vnc_kitty_clear(const vnc_screen *s);
/* Another screen goes over the picture: curses repaints every cell (it believes the pane
 * blank), and the picture is drawn whole when it is shown again. */
void kd_vnc_ui_cover(vnc_screen *s);
void kd_vnc_mouse_enable(vnc_screen *s, bool on);
void kd_vnc_mouse_event(vnc_screen *s);
/* The screen's after_update: the picture, once curses has written its frame. */
void kd_vnc_ui_after_update(kd_app *app);
/* vnc_ui.c, for the menu */
void kd_vnc_ui_send_key(vnc_screen *s, kd_key key);
void kd_vnc_ui_set_colors(vnc_screen *s, bool automatic, kd_fb_colors c);
void kd_vnc_ui_set_img(vnc_screen *s, vnc_img_mode m);
void kd_vnc_ui_repaint(vnc_screen *s);
const char *kd_vnc_img_name(vnc_img_mode m);
const char *kd_vnc_colors_name(kd_fb_colors c);

#endif
