#include "console/screen_text.h"
#include "backend/conn.h"
#include "backend/loop.h"
#include "backend/vnc.h"
#include "console/font.h"
#include "console/textrec.h"
#include "console/vnc.h"
#include "core/str.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    long long area; /* pixels updated since the last resize */
    int w, h;
    bool closed, timed_out;
    char why[256];
} shot;

static void on_damage(void *opaque, int x, int y, int w, int h)
{
    (void)x;
    (void)y;
    shot *s = opaque;
    s->area += (long long)(w > 0 ? w : 0) * (h > 0 ? h : 0);
}

static void on_resized(void *opaque, int w, int h)
{
    shot *s = opaque;
    s->w = w;
    s->h = h;
    s->area = 0;
}

static void on_closed(void *opaque, const char *why)
{
    shot *s = opaque;
    s->closed = true;
    snprintf(s->why, sizeof(s->why), "%s", why ? why : "closed");
}

static void on_timeout(int timer, void *opaque)
{
    (void)timer;
    ((shot *)opaque)->timed_out = true;
}

/* The first update after the handshake covers the whole screen: wait until its pixels
 * have arrived. */
static int wait_picture(shot *s, int timeout_ms, kd_err *err)
{
    int timer = kd_loop_add_timer(timeout_ms, on_timeout, s, err);
    if (timer < 0)
        return -1;
    int rc = 0;
    while (!s->closed && !s->timed_out && (s->w == 0 || s->area < (long long)s->w * s->h)) {
        if (kd_loop_run_once(err) < 0) {
            rc = -1;
            break;
        }
    }
    kd_loop_remove_timer(timer);
    if (rc == 0 && s->closed) {
        kd_err_set(err, KD_ERR_IO, "the VNC connection closed: %s", s->why);
        rc = -1;
    } else if (rc == 0 && s->timed_out && (s->w == 0 || s->area == 0)) {
        kd_err_set(err, KD_ERR_IO, "no picture from the VNC display within %d ms", timeout_ms);
        rc = -1;
    }
    return rc;
}

/* Recognise the picture and print it; 0, or 3 for a graphical screen. */
static int print_text(const kd_vnc *vnc, const kd_fontset *fonts, FILE *out, kd_err *err)
{
    kd_fb fb;
    if (!kd_vnc_fb(vnc, &fb)) {
        kd_err_set(err, KD_ERR_IO, "the VNC display sent no usable picture");
        return 1;
    }
    kd_textrec *rec = kd_textrec_new(fonts, 0);
    kd_textrec_update(rec, &fb, 0, 0, fb.width, fb.height);
    int rc = 0;
    if (!kd_textrec_is_text(rec)) {
        kd_err_set(err, KD_ERR_INVALID,
                   "the screen (%dx%d) shows a picture, not text (%.0f%% of it read as text)",
                   fb.width, fb.height, 100.0 * kd_textrec_confidence(rec));
        rc = 3;
    } else {
        kd_buf b;
        kd_buf_init(&b);
        kd_textrec_dump(rec, &b);
        if (b.len && fwrite(b.data, 1, b.len, out) != b.len) {
            kd_err_set(err, KD_ERR_IO, "cannot write the text");
            rc = 1;
        }
        kd_buf_free(&b);
    }
    kd_textrec_free(rec);
    return rc;
}

static int connect_and_print(kd_conn *conn, const kd_domain *d, const kd_fontset *fonts,
                             int timeout_ms, FILE *out, kd_err *err)
{
    kd_vnc_display disp = {0};
    if (kd_vnc_display_get(conn, d->uuid, &disp, err) < 0)
        return 1;
    int fd = kd_vnc_connect(conn, d->uuid, &disp, NULL, err);
    kd_vnc_display_clear(&disp);
    if (fd < 0)
        return 1;
    shot s = {0};
    kd_vnc_cbs cbs = {on_damage, on_resized, on_closed, NULL};
    kd_vnc *vnc = kd_vnc_new(fd, &cbs, KD_VNC_TIMEOUT_S, &s, err);
    if (!vnc)
        return 1;
    /* QEMU draws its screen only while a client watches: the answer to the handshake's
     * request can be all black. The picture of a second, explicit request counts. */
    int rc = wait_picture(&s, timeout_ms, err);
    if (rc == 0) {
        s.area = 0;
        rc = kd_vnc_refresh(vnc, err) < 0 ? -1 : wait_picture(&s, timeout_ms, err);
    }
    rc = rc < 0 ? 1 : print_text(vnc, fonts, out, err);
    kd_vnc_free(vnc);
    return rc;
}

int kd_screen_text_run(const kd_screen_text_opts *o, FILE *out, kd_err *err)
{
    kd_fontset *fonts = kd_fontset_load(o->font_dirs, err);
    if (!fonts)
        return 1;
    int rc = 1;
    kd_conn *conn = NULL;
    if (kd_loop_init(err) < 0 || !(conn = kd_conn_open(o->uri, true, err)))
        goto cleanup;
    const kd_domain *d = kd_conn_domain_by_name(conn, o->domain);
    if (!d)
        d = kd_conn_domain_by_uuid(conn, o->domain);
    if (!d) {
        kd_err_set(err, KD_ERR_NOTFOUND, "no domain '%s'", o->domain);
        goto cleanup;
    }
    if (!kd_vnc_state_has_screen(d->state)) {
        kd_err_set(err, KD_ERR_INVALID, "%s is not running: it has no screen", d->name);
        goto cleanup;
    }
    int timeout = o->timeout_ms > 0 ? o->timeout_ms : KD_SCREEN_TEXT_TIMEOUT_MS;
    rc = connect_and_print(conn, d, fonts, timeout, out, err);
    if (rc != 0)
        kd_err_prefix(err, "%s", d->name);
cleanup:
    kd_conn_free(conn);
    kd_fontset_free(fonts);
    return rc;
}
