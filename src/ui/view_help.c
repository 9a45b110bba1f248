#include "core/str.h"
#include "ui/app.h"

#include <stdlib.h>
#include <string.h>

/* The help screen is generated from the keymap and the action table, so it always tells
 * the truth about the bindings in force, the user's own included. */

static const struct {
    kd_ctx ctx;
    const char *title;
} sections[] = {
    {KD_CTX_LIST, "Domain list"},
    {KD_CTX_GLOBAL, "Everywhere"},
    {KD_CTX_STATS, "Live statistics"},
    {KD_CTX_CONSOLE, "Serial console (all other keys go to the guest)"},
    {KD_CTX_SCROLLBACK, "Console scrollback"},
    {KD_CTX_VNC, "Graphical (VNC) console (all other keys go to the guest)"},
    {KD_CTX_HARDWARE, "Hardware editor"},
    {KD_CTX_WIZARD, "New-domain wizard"},
    {KD_CTX_POOLS, "Storage pools"},
    {KD_CTX_VOLUMES, "Volumes of a pool"},
    {KD_CTX_NETWORKS, "Virtual networks"},
    {KD_CTX_SNAPSHOTS, "Snapshots"},
    {KD_CTX_HOST, "Host"},
    {KD_CTX_TEXT, "Text pages (XML, audit log)"},
    {KD_CTX_CONNS, "Saved connections"},
    {KD_CTX_HELP, "This help"},
    {KD_CTX_OFFLINE, "When no hypervisor answers"},
};

typedef struct {
    char *keys;
    const char *help;
    bool title;
} help_line;

static void add_line(help_line **v, size_t *n, char *keys, const char *help, bool title)
{
    *v = kd_realloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = (help_line){keys, help, title};
}

static size_t build(const kd_app *app, help_line **out)
{
    help_line *v = NULL;
    size_t n = 0;
    for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
        bool any = false;
        for (size_t a = 0; a < kd_action_count(); a++) {
            const kd_action *act = kd_action_at(a);
            kd_buf keys;
            kd_buf_init(&keys);
            for (size_t i = 0; i < kd_keymap_count(app->keymap); i++) {
                const kd_binding *b = kd_keymap_at(app->keymap, i);
                if (b->ctx != sections[s].ctx || strcmp(b->action, act->name) != 0)
                    continue;
                char kn[32];
                kd_key_name(b->key, kn, sizeof(kn));
                kd_buf_printf(&keys, "%s%s", keys.len ? ", " : "", kn);
            }
            if (!keys.len)
                continue;
            if (!any)
                add_line(&v, &n, NULL, sections[s].title, true);
            any = true;
            add_line(&v, &n, kd_buf_steal(&keys), act->help, false);
        }
    }
    *out = v;
    return n;
}

static void free_lines(help_line *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].keys);
    free(v);
}

int kd_view_help_lines(const kd_app *app)
{
    help_line *v;
    size_t n = build(app, &v);
    free_lines(v, n);
    return (int)n;
}

void kd_view_help_draw(kd_app *app)
{
    WINDOW *w = app->w_full;
    int height = app->rows - 1;
    help_line *v;
    size_t n = build(app, &v);

    werase(w);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HEADER_TITLE));
    kd_draw_fill(w, 0, 0, app->cols);
    kd_draw_text(w, 0, 1, app->cols - 2,
                 "kvmdeck help: keys (from the keymap; your own in ~/.config/kvmdeck/keys)");
    for (int r = 1; r < height; r++) {
        size_t i = (size_t)app->help_top + (size_t)(r - 1);
        if (i >= n)
            break;
        if (v[i].title) {
            wattrset(w, (int)kd_theme_attr(KD_SLOT_HELP_TITLE));
            kd_draw_text(w, r, 1, app->cols - 2, v[i].help);
            continue;
        }
        wattrset(w, (int)kd_theme_attr(KD_SLOT_HELP_KEY));
        kd_draw_text(w, r, 3, 22, v[i].keys);
        wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
        kd_draw_text(w, r, 26, app->cols - 27, v[i].help);
    }
    free_lines(v, n);
}

void kd_view_offline_draw(kd_app *app)
{
    WINDOW *w = app->w_full;
    int r = 1;
    werase(w);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HEADER_TITLE));
    kd_draw_fill(w, 0, 0, app->cols);
    kd_draw_text(w, 0, 1, app->cols - 2, "kvmdeck: no hypervisor reachable");
    wattrset(w, (int)kd_theme_attr(KD_SLOT_STATUS_ERROR));
    r += 1 + kd_draw_wrapped(w, r + 1, 2, app->cols - 4, 4, app->offline_err.msg);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
    r++;
    kd_draw_text(w, r++, 2, app->cols - 4,
                 "Is libvirtd running? As root: virtlogd -d; libvirtd -d");
    kd_draw_text(w, r++, 2, app->cols - 4, "Another host: kvmdeck -c qemu+ssh://user@host/system");
    r++;
    const struct {
        const char *action;
        const char *text;
    } offers[] = {
        {"conn.demo", "open libvirt's built-in demo host (test:///default)"},
        {"conn.retry", "try again"},
        {"app.quit", "quit"},
    };
    for (size_t i = 0; i < sizeof(offers) / sizeof(offers[0]); i++) {
        char kn[32] = "?";
        for (size_t b = 0; b < kd_keymap_count(app->keymap); b++) {
            const kd_binding *kb = kd_keymap_at(app->keymap, b);
            if (strcmp(kb->action, offers[i].action) == 0 &&
                (kb->ctx == KD_CTX_OFFLINE || kb->ctx == KD_CTX_GLOBAL)) {
                kd_key_name(kb->key, kn, sizeof(kn));
                break;
            }
        }
        wattrset(w, (int)kd_theme_attr(KD_SLOT_HELP_KEY));
        kd_draw_text(w, r, 4, 10, kn);
        wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
        kd_draw_text(w, r++, 14, app->cols - 15, offers[i].text);
    }
}
