#include "backend/host.h"
#include "core/str.h"
#include "ui/app.h"
#include "ui/pager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The host: CPUs, memory, NUMA cells, huge pages, guests and KVM, as a page of text that
 * is read once when opened (r reads it again); x shows the capabilities XML. */

typedef struct {
    kd_host_details *h;
    char **lines;
    size_t n;
    kd_cursor cur; /* sel is the first line shown */
    int rows;
} host_screen;

static const kd_screen_ops host_ops;

static void free_lines(host_screen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->lines[i]);
    free(s->lines);
    s->lines = NULL;
    s->n = 0;
}

static void host_screen_free(void *p)
{
    host_screen *s = p;
    free_lines(s);
    kd_host_details_free(s->h);
    free(s);
}

static void kib(kd_buf *b, const char *label, unsigned long long v)
{
    char t[32];
    kd_draw_format_kib(t, sizeof(t), v);
    kd_buf_printf(b, "%s%s", label, t);
}

static void add_cpu_mem(kd_buf *b, const kd_host_details *h)
{
    kd_buf_printf(b, "Host %s   %s\n  libvirt %s, %s %s\n\n", h->hostname, h->uri, h->lib_version,
                  h->hv_type, h->hv_version);
    kd_buf_printf(b,
                  "CPU\n  %u CPUs: %u socket(s) x %u core(s) x %u thread(s), %u MHz, %u "
                  "NUMA node(s)\n  arch %s",
                  h->cpus, h->sockets, h->cores, h->threads, h->mhz, h->nodes, h->cpu_arch);
    if (*h->cpu_model)
        kd_buf_printf(b, ", model %s", h->cpu_model);
    if (*h->cpu_vendor)
        kd_buf_printf(b, " (%s)", h->cpu_vendor);
    kd_buf_adds(b, "\n\nMemory\n");
    kib(b, "  total ", h->mem_kib);
    kib(b, ", free ", h->free_kib);
    kd_buf_printf(b, "\n\nKVM\n  %s: %s\n", h->kvm ? "yes" : "no", h->kvm_why);
}

static void add_cells(kd_buf *b, const kd_host_details *h)
{
    if (h->ncells)
        kd_buf_adds(b, "\nNUMA cells\n");
    for (size_t i = 0; i < h->ncells; i++) {
        const kd_host_cell *c = &h->cells[i];
        kd_buf_printf(b, "  cell %d: CPUs %s (%u)", c->id, c->cpus, c->ncpus);
        kib(b, ", memory ", c->mem_kib);
        kib(b, ", free ", c->free_kib);
        kd_buf_adds(b, "\n");
    }
    if (h->npages)
        kd_buf_adds(b, "\nFree pages (by size)\n");
    for (size_t i = 0; i < h->npages; i++) {
        const kd_host_pages *p = &h->pages[i];
        if (i == 0 || p->cell != h->pages[i - 1].cell)
            kd_buf_printf(b, "%s  %s %d:", i ? "\n" : "", p->cell < 0 ? "host" : "cell",
                          p->cell < 0 ? 0 : p->cell);
        kib(b, "  ", p->size_kib);
        kd_buf_printf(b, " x %llu", p->free);
    }
    if (h->npages)
        kd_buf_adds(b, "\n");
    if (h->nguests)
        kd_buf_adds(b, "\nGuests (os type, arch: domain types)\n");
    for (size_t i = 0; i < h->nguests; i++)
        kd_buf_printf(b, "  %s %s: %s\n", h->guests[i].os_type, h->guests[i].arch,
                      h->guests[i].domain_types);
}

static void build(host_screen *s)
{
    free_lines(s);
    kd_buf b;
    kd_buf_init(&b);
    add_cpu_mem(&b, s->h);
    add_cells(&b, s->h);
    char *cur = b.data;
    for (char *line; cur && (line = kd_str_next_line(&cur));) {
        s->lines = kd_realloc(s->lines, (s->n + 1) * sizeof(char *));
        s->lines[s->n++] = kd_strdup(line);
    }
    kd_buf_free(&b);
}

static int load(kd_app *app, host_screen *s)
{
    kd_err err;
    kd_err_clear(&err);
    kd_host_details *h = kd_host_get(app->conn, &err);
    if (!h) {
        kd_app_status(app, true, "the host: %s", err.msg);
        return -1;
    }
    kd_host_details_free(s->h);
    s->h = h;
    build(s);
    app->dirty_full = true;
    return 0;
}

static void host_draw(kd_app *app, WINDOW *w)
{
    host_screen *s = kd_screen_state(app, &host_ops);
    if (!s)
        return;
    char *title = kd_asprintf("The host: %s", s->h ? s->h->hostname : "");
    int rows = kd_screen_frame(app, w, title,
                               "x capabilities XML  f free memory per cell  "
                               "r refresh  j/k scroll  q back");
    free(title);
    s->rows = rows;
    for (int r = 0; r < rows && s->cur.sel + (size_t)r < s->n; r++) {
        const char *line = s->lines[s->cur.sel + (size_t)r];
        bool heading = *line && *line != ' ';
        wattrset(w, (attr_t)kd_theme_attr(heading ? KD_SLOT_LIST_HEADING : KD_SLOT_NORMAL));
        kd_draw_text(w, 1 + r, 1, getmaxx(w) - 2, line);
    }
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
}

static void host_cursor(kd_app *app, long delta)
{
    host_screen *s = kd_screen_state(app, &host_ops);
    if (!s)
        return;
    size_t vis = s->rows > 0 ? (size_t)s->rows : 1;
    kd_cursor_move(&s->cur, s->n > vis ? s->n - vis + 1 : 1, delta);
}

static void host_changed(kd_app *app, kd_conn_event ev, const char *uuid)
{
    host_screen *s = kd_screen_find(app, &host_ops);
    if (s && ev == KD_CONN_EV_LIST && app->conn && kd_conn_alive(app->conn))
        load(app, s);
}

static const kd_screen_ops host_ops = {
    .name = "host",
    .ctx = KD_CTX_HOST,
    .draw = host_draw,
    .cursor = host_cursor,
    .changed = host_changed,
};

static host_screen *open_screen(kd_app *app)
{
    if (!app->conn) {
        kd_app_status(app, true, "not connected");
        return NULL;
    }
    host_screen *s = kd_screen_find(app, &host_ops);
    bool fresh = !s;
    if (fresh)
        s = kd_calloc(1, sizeof(*s));
    if (load(app, s) < 0) {
        if (fresh)
            host_screen_free(s);
        return NULL;
    }
    kd_screen_open(app, &host_ops, s, fresh ? host_screen_free : NULL);
    return s;
}

static void act_open(kd_app *app, int argc, char **argv)
{
    open_screen(app);
}

static void act_capabilities(kd_app *app, int argc, char **argv)
{
    if (open_screen(app))
        kd_app_status(app, false, "x shows the capabilities XML");
}

static void act_xml(kd_app *app, int argc, char **argv)
{
    host_screen *s = kd_screen_find(app, &host_ops);
    if (!s)
        s = open_screen(app);
    if (s && s->h)
        kd_pager_open(app, "capabilities", s->h->caps_xml);
}

static void act_refresh(kd_app *app, int argc, char **argv)
{
    host_screen *s = kd_screen_find(app, &host_ops);
    if (s && load(app, s) == 0)
        kd_app_status(app, false, "read again");
}

static void act_version(kd_app *app, int argc, char **argv)
{
    if (!app->conn) {
        kd_app_status(app, true, "not connected");
        return;
    }
    const kd_host_info *h = kd_conn_host(app->conn);
    kd_app_status(app, false, "libvirt %s, hypervisor %s %s, on %s (%s)", h->lib_version,
                  h->hv_type ? h->hv_type : "?", h->hv_version, h->hostname ? h->hostname : "?",
                  h->uri);
}

static void act_freecell(kd_app *app, int argc, char **argv)
{
    if (!app->conn) {
        kd_app_status(app, true, "not connected");
        return;
    }
    kd_err err;
    kd_err_clear(&err);
    kd_host_details *h = kd_host_get(app->conn, &err);
    if (!h) {
        kd_app_status(app, true, "freecell: %s", err.msg);
        return;
    }
    char *text = kd_host_freecell_text(h);
    kd_pager_open(app, "freecell --all", text);
    free(text);
    kd_host_details_free(h);
}

const kd_action kd_actions_host[] = {
    {"view.host", "nodeinfo", NULL, "The host: CPUs, memory, capabilities", act_open},
    {"host.capabilities", "capabilities", NULL, "The host's capabilities (x: the XML)",
     act_capabilities},
    {"host.xml", NULL, NULL, "The capabilities XML", act_xml},
    {"host.version", "version", NULL, "libvirt's and the hypervisor's versions", act_version},
    {"host.freecell", "freecell", NULL, "Free memory per NUMA cell", act_freecell},
    {"host.refresh", NULL, NULL, "Read the host's figures again", act_refresh},
};
const size_t kd_actions_host_count = sizeof(kd_actions_host) / sizeof(kd_actions_host[0]);

const char kd_keys_host[] = "bind list H view.host\n"
                            "bind host j cursor.down\n"
                            "bind host Down cursor.down\n"
                            "bind host k cursor.up\n"
                            "bind host Up cursor.up\n"
                            "bind host g cursor.top\n"
                            "bind host G cursor.bottom\n"
                            "bind host x host.xml\n"
                            "bind host f host.freecell\n"
                            "bind host r host.refresh\n"
                            "bind host q view.back\n"
                            "bind host Esc view.back\n";
