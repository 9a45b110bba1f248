#include "backend/network.h"
#include "ui/act_common.h"
#include "core/str.h"
#include "core/utf8.h"
#include "ui/app.h"
#include "ui/form.h"
#include "ui/pager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Virtual networks: a table of every network, the DHCP leases of the selected one below
 * it, and virsh's net-* verbs on the palette. */

typedef struct {
    kd_network *nets;
    size_t n;
    kd_cursor cur;
    int rows;
    char *leases_for; /* the network the leases below were read for */
    kd_net_lease *leases;
    size_t nleases;
    char *leases_err;
} net_screen;

static const kd_screen_ops net_ops;

static void free_leases(net_screen *s)
{
    kd_net_leases_free(s->leases, s->nleases);
    free(s->leases_for);
    free(s->leases_err);
    s->leases = NULL;
    s->nleases = 0;
    s->leases_for = NULL;
    s->leases_err = NULL;
}

static void net_screen_free(void *p)
{
    net_screen *s = p;
    kd_net_list_free(s->nets, s->n);
    free_leases(s);
    free(s);
}

static const kd_network *selected(const net_screen *s)
{
    return s && s->n ? &s->nets[s->cur.sel] : NULL;
}

static void load_leases(kd_app *app, net_screen *s)
{
    const kd_network *sel = selected(s);
    free_leases(s);
    if (!sel)
        return;
    s->leases_for = kd_strdup(sel->name);
    if (!sel->active) {
        s->leases_err = kd_asprintf("DHCP leases of %s: none, the network is not active "
                                    "(s starts it)",
                                    sel->name);
        return;
    }
    kd_err err;
    kd_err_clear(&err);
    s->leases = kd_net_leases(app->conn, sel->name, &s->nleases, &err);
    if (!s->leases)
        s->leases_err = kd_strdup(err.msg);
}

/* Re-read the list, keeping the selection on the same name when it is still there. */
static void reload(kd_app *app, net_screen *s, const char *select)
{
    char *keep = kd_strdup(select ? select : selected(s) ? selected(s)->name : "");
    kd_net_list_free(s->nets, s->n);
    s->nets = NULL;
    s->n = 0;
    kd_err err;
    kd_err_clear(&err);
    s->nets = kd_net_list(app->conn, &s->n, &err);
    if (!s->nets)
        kd_app_status(app, true, "%s", err.msg);
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->nets[i].name, keep) == 0)
            s->cur.sel = i;
    kd_cursor_fit(&s->cur, s->n, s->rows > 0 ? s->rows : 1);
    free(keep);
    free_leases(s);
    app->dirty_full = true;
}

static net_screen *open_screen(kd_app *app, const char *select)
{
    if (!app->conn) {
        kd_app_status(app, true, "not connected");
        return NULL;
    }
    net_screen *s = kd_screen_find(app, &net_ops);
    if (!s) {
        s = kd_calloc(1, sizeof(*s));
        kd_screen_open(app, &net_ops, s, net_screen_free);
    } else {
        kd_screen_open(app, &net_ops, s, NULL);
    }
    reload(app, s, select);
    return s;
}

/* ---- drawing ----------------------------------------------------------------------------- */

/* The name column: as wide as the longest name, within reason. */
static int name_width(const net_screen *s)
{
    /* Narrow enough that the DHCP range fits 120 columns whole. */
    int wd = 12;
    for (size_t i = 0; i < s->n; i++) {
        int len = kd_utf8_width(s->nets[i].name);
        if (len > wd)
            wd = len < 40 ? len : 40;
    }
    return wd;
}

static void draw_row(WINDOW *w, int y, int cols, int nw, const kd_network *x)
{
    char range[40] = "-";
    if (*x->dhcp_start)
        snprintf(range, sizeof(range), "%s-%s", x->dhcp_start, x->dhcp_end);
    char line[512];
    char name[256];
    int used = 0;
    size_t len = kd_utf8_fit(x->name, nw, &used);
    snprintf(name, sizeof(name), "%.*s%*s", (int)len, x->name, nw - used, "");
    snprintf(line, sizeof(line), "%s %-8s %-9s %-10s %-10.10s %-8.8s %-18s %s", name,
             x->active ? "active" : "inactive", x->autostart ? "yes" : "no",
             x->persistent ? "yes" : "no", *x->bridge ? x->bridge : "-", x->forward,
             *x->address ? x->address : "-", range);
    kd_draw_text(w, y, 1, cols - 2, line);
}

static void draw_leases(net_screen *s, WINDOW *w, int y, int rows, int cols)
{
    if (rows < 2 || !s->leases_for)
        return;
    char head[256];
    /* An error already names the network and what failed. */
    if (s->leases_err)
        snprintf(head, sizeof(head), "%s", s->leases_err);
    else
        snprintf(head, sizeof(head), "DHCP leases of %s", s->leases_for);
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_fill(w, y, 0, cols);
    kd_draw_text(w, y, 1, cols - 2, head);
    wattrset(w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
    if (!s->leases_err && s->nleases == 0)
        kd_draw_text(w, y + 1, 1, cols - 2, "(no leases)");
    for (size_t i = 0; i < s->nleases && (int)i + 1 < rows; i++) {
        const kd_net_lease *l = &s->leases[i];
        char when[32] = "never";
        time_t t = (time_t)l->expiry;
        struct tm tm;
        if (l->expiry > 0 && localtime_r(&t, &tm))
            strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
        char line[256];
        snprintf(line, sizeof(line), "%-17s  %-18s  %-20.20s  expires %s", l->mac, l->ip,
                 *l->hostname ? l->hostname : "-", when);
        kd_draw_text(w, y + 1 + (int)i, 1, cols - 2, line);
    }
}

static void net_row(WINDOW *w, int y, int cols, size_t i, const void *ctx)
{
    const net_screen *s = ctx;
    draw_row(w, y, cols, name_width(s), &s->nets[i]);
}

static void net_draw(kd_app *app, WINDOW *w)
{
    net_screen *s = kd_screen_state(app, &net_ops);
    if (!s)
        return;
    if (selected(s) && (!s->leases_for || strcmp(s->leases_for, selected(s)->name) != 0))
        load_leases(app, s);
    char *title = kd_asprintf("Virtual networks on %s (%zu)", kd_conn_host(app->conn)->uri, s->n);
    int rows = kd_screen_frame(app, w, title,
                               "s start  d stop  a autostart  c create  u undefine  "
                               "x XML  l leases  r refresh  q back");
    free(title);
    int lease_rows = rows > 12 ? 6 : 0;
    s->rows = rows - 1 - lease_rows;
    char head[256];
    /* Headings in capitals, as on the domain list and the pools. */
    snprintf(head, sizeof(head), "%-*s %s", name_width(s), "NAME",
             "STATE    AUTOSTART PERSISTENT BRIDGE     MODE     ADDRESS            DHCP RANGE");
    kd_act_list_draw(w, rows - lease_rows, head, "(no networks: c creates one)", &s->cur, s->n,
                     net_row, s);
    if (lease_rows)
        draw_leases(s, w, 1 + rows - lease_rows, lease_rows, getmaxx(w));
}

static void net_cursor(kd_app *app, long delta)
{
    net_screen *s = kd_screen_state(app, &net_ops);
    if (s)
        kd_cursor_move(&s->cur, s->n, delta);
}

static void net_changed(kd_app *app, kd_conn_event ev, const char *uuid)
{
    net_screen *s = kd_screen_find(app, &net_ops);
    /* Networks send no events through the connection; a reconnect re-reads them. */
    if (s && ev == KD_CONN_EV_LIST)
        reload(app, s, NULL);
}

static const kd_screen_ops net_ops = {
    .name = "networks",
    .ctx = KD_CTX_NETWORKS,
    .draw = net_draw,
    .cursor = net_cursor,
    .changed = net_changed,
};

/* ---- which network -------------------------------------------------------------------------- */

/* The network named in argv[0], else the one selected on the screen; NULL with a message. */
static char *target(kd_app *app, int argc, char **argv, const char *verb)
{
    const kd_network *sel = selected(kd_screen_state(app, &net_ops));
    return kd_act_target(app, argc, argv, sel ? sel->name : NULL, verb, "NETWORK");
}

/* After a change: the audit log, the status line ("VERB NAME[ FLAG]"), the table. */
static void done_flag(kd_app *app, const char *name, const char *verb, const char *flag, int rc,
                      const kd_err *err)
{
    char *what = kd_asprintf("%s %s%s", verb, name, flag);
    kd_act_report(app, "", what, rc, err);
    free(what);
    net_screen *s = kd_screen_find(app, &net_ops);
    if (s)
        reload(app, s, name);
}

static void done(kd_app *app, const char *name, const char *verb, int rc, const kd_err *err)
{
    done_flag(app, name, verb, "", rc, err);
}

static void act_open(kd_app *app, int argc, char **argv)
{
    if (open_screen(app, argc > 0 ? argv[0] : NULL))
        kd_app_status(app, false, "virtual networks");
}

static void act_refresh(kd_app *app, int argc, char **argv)
{
    net_screen *s = kd_screen_find(app, &net_ops);
    if (s)
        reload(app, s, NULL);
}

static void act_start(kd_app *app, int argc, char **argv)
{
    char *name = target(app, argc, argv, "net-start");
    if (!name)
        return;
    kd_err err;
    kd_err_clear(&err);
    done(app, name, "net-start", kd_net_start(app->conn, name, &err), &err);
    free(name);
}

static void run_stop(kd_app *app, void *name)
{
    kd_err err;
    kd_err_clear(&err);
    done(app, name, "net-destroy", kd_net_stop(app->conn, name, &err), &err);
}

static void act_stop(kd_app *app, int argc, char **argv)
{
    char *name = target(app, argc, argv, "net-destroy");
    if (!name)
        return;
    char *title = kd_asprintf("Stop network %s?", name);
    kd_act_confirm(app, title,
                   "Guests on it lose their connection (their interfaces stay) until it is "
                   "started again.",
                   NULL, run_stop, name, free);
    free(title);
}

static void run_undefine(kd_app *app, void *name)
{
    kd_err err;
    kd_err_clear(&err);
    done(app, name, "net-undefine", kd_net_undefine(app->conn, name, &err), &err);
}

static void act_undefine(kd_app *app, int argc, char **argv)
{
    char *name = target(app, argc, argv, "net-undefine");
    if (!name)
        return;
    char *title = kd_asprintf("Undefine network %s?", name);
    kd_act_confirm(app, title,
                   "It is stopped first if it is active (guests on it lose their connection), "
                   "then its definition is removed. It cannot be undone.",
                   NULL, run_undefine, name, free);
    free(title);
}

static void act_autostart(kd_app *app, int argc, char **argv)
{
    char *name = target(app, argc, argv, "net-autostart");
    if (!name)
        return;
    bool on = true;
    if (argc > 0 && strcmp(argv[argc - 1], "--disable") == 0) {
        on = false;
    } else if (argc == 0) {
        /* The key flips it. */
        const kd_network *sel = selected(kd_screen_state(app, &net_ops));
        on = !(sel && sel->autostart);
    }
    kd_err err;
    kd_err_clear(&err);
    int rc = kd_net_set_autostart(app->conn, name, on, &err);
    done_flag(app, name, "net-autostart", on ? "" : " --disable", rc, &err);
    free(name);
}

static void act_dumpxml(kd_app *app, int argc, char **argv)
{
    char *name = target(app, argc, argv, "net-dumpxml");
    if (!name)
        return;
    kd_err err;
    kd_err_clear(&err);
    char *xml = kd_net_dumpxml(app->conn, name, &err);
    if (!xml) {
        kd_app_status(app, true, "net-dumpxml %s: %s", name, err.msg);
    } else {
        char *title = kd_asprintf("net-dumpxml %s", name);
        kd_pager_open(app, title, xml);
        free(title);
    }
    free(xml);
    free(name);
}

static void act_leases(kd_app *app, int argc, char **argv)
{
    char *name = target(app, argc, argv, "net-dhcp-leases");
    if (!name)
        return;
    net_screen *s = open_screen(app, name);
    if (s) {
        load_leases(app, s);
        if (s->leases_err)
            kd_app_status(app, true, "net-dhcp-leases %s: %s", name, s->leases_err);
        else
            kd_app_status(app, false, "%zu lease(s) on %s", s->nleases, name);
    }
    free(name);
}

/* ---- creating -------------------------------------------------------------------------------- */

typedef struct {
    const char *name, *mode, *cidr, *start, *end, *bridge;
    bool start_now, autostart;
} create_req;

static void audit(kd_app *app, const char *verb, const char *name, int rc, const kd_err *err)
{
    char *what = kd_asprintf("%s %s", verb, name);
    kd_app_audit(app, "", what, rc < 0 ? err : NULL);
    free(what);
}

/* Define (and maybe start) the network; on failure err says why: -1 when nothing was
 * defined, -2 when the network was defined but autostart or starting failed. */
static int create(kd_app *app, const create_req *r, kd_err *err)
{
    kd_net_params p = {
        .name = r->name, .dhcp_start = r->start, .dhcp_end = r->end, .bridge = r->bridge};
    if (kd_net_mode_parse(r->mode, &p.mode) < 0) {
        kd_err_set(err, KD_ERR_INVALID, "mode '%s': nat, route or isolated", r->mode);
        return -1;
    }
    char *addr = NULL;
    if (kd_net_parse_cidr(r->cidr, &addr, &p.prefix, err) < 0)
        return -1;
    p.address = addr;
    int rc = kd_net_define(app->conn, &p, err);
    free(addr);
    audit(app, "net-define", r->name, rc, err);
    if (rc < 0)
        return -1;
    if (r->autostart) {
        rc = kd_net_set_autostart(app->conn, r->name, true, err);
        audit(app, "net-autostart", r->name, rc, err);
        if (rc < 0)
            return -2;
    }
    if (r->start_now) {
        rc = kd_net_start(app->conn, r->name, err);
        audit(app, "net-start", r->name, rc, err);
        if (rc < 0)
            return -2;
    }
    return 0;
}

static void created(kd_app *app, const char *name, bool started)
{
    kd_app_status(app, false, "network %s defined%s", name, started ? " and started" : "");
    net_screen *s = kd_screen_find(app, &net_ops);
    if (s)
        reload(app, s, name);
}

/* The form's field that an error message is about. */
static const char *field_of(const char *msg)
{
    static const struct {
        const char *word, *key;
    } map[] = {{"DHCP", "start"},        {"bridge", "bridge"}, {"interface", "bridge"},
               {"network name", "name"}, {"named", "name"},    {"mode", "mode"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strstr(msg, map[i].word))
            return map[i].key;
    return "address";
}

static bool on_form(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    if (!ok)
        return true;
    create_req r = {kd_form_get(f, "name"),     kd_form_get(f, "mode"),
                    kd_form_get(f, "address"),  kd_form_get(f, "start"),
                    kd_form_get(f, "end"),      kd_form_get(f, "bridge"),
                    kd_form_get_bool(f, "run"), kd_form_get_bool(f, "autostart")};
    kd_err err;
    kd_err_clear(&err);
    int rc = create(app, &r, &err);
    if (rc == -1) {
        kd_form_error(f, field_of(err.msg), err.msg);
        return false;
    }
    if (rc == -2) {
        /* Defined all the same: the form would only fail again on the name. */
        created(app, r.name, false);
        kd_app_status(app, true, "network %s defined, but: %s", r.name, err.msg);
        return true;
    }
    created(app, r.name, r.start_now);
    return true;
}

/* A 192.168.N.0/24 that no network uses yet, as a starting point. */
static int free_subnet(const net_screen *s)
{
    for (int n = 100; n < 255; n++) {
        char pre[32];
        snprintf(pre, sizeof(pre), "192.168.%d.", n);
        bool used = false;
        for (size_t i = 0; s && i < s->n && !used; i++)
            used = strncmp(s->nets[i].address, pre, strlen(pre)) == 0;
        if (!used)
            return n;
    }
    return 100;
}

static void open_form(kd_app *app)
{
    static const char *const modes[] = {"nat", "route", "isolated", NULL};
    int n = free_subnet(kd_screen_find(app, &net_ops));
    char addr[32], start[32], end[32];
    snprintf(addr, sizeof(addr), "192.168.%d.1/24", n);
    snprintf(start, sizeof(start), "192.168.%d.2", n);
    snprintf(end, sizeof(end), "192.168.%d.254", n);
    const kd_field_spec fields[] = {
        {"name", "Name", KD_FIELD_TEXT, "", NULL, "the network's name", NULL},
        {"mode", "Mode", KD_FIELD_CHOICE, "nat", modes,
         "nat: guests reach out through the host; route: routed, no NAT; isolated: host only",
         NULL},
        {"address", "Address", KD_FIELD_TEXT, addr, NULL,
         "the host's IPv4 address on it, with the prefix or netmask", NULL},
        {"start", "DHCP start", KD_FIELD_TEXT, start, NULL, "empty: no DHCP", NULL},
        {"end", "DHCP end", KD_FIELD_TEXT, end, NULL, "inside the subnet", NULL},
        {"bridge", "Bridge", KD_FIELD_TEXT, "", NULL, "empty: libvirt picks virbrN", NULL},
        {"run", "Start now", KD_FIELD_CHECK, "1", NULL, NULL, NULL},
        {"autostart", "Autostart", KD_FIELD_CHECK, "0", NULL, "start it when the host boots", NULL},
    };
    kd_form_spec spec = {.title = "New virtual network",
                         .fields = fields,
                         .nfields = sizeof(fields) / sizeof(fields[0]),
                         .submit = "Create",
                         .done = on_form};
    kd_form_open(app, &spec);
}

static void act_create(kd_app *app, int argc, char **argv)
{
    if (!app->conn) {
        kd_app_status(app, true, "not connected");
        return;
    }
    if (argc == 0) {
        open_form(app);
        return;
    }
    if (argc != 3 && argc != 5) {
        kd_app_status(app, true,
                      "usage: net-define-as NAME nat|route|isolated ADDRESS/PREFIX "
                      "[DHCP-START DHCP-END]");
        return;
    }
    create_req r = {
        argv[0], argv[1], argv[2], argc == 5 ? argv[3] : NULL, argc == 5 ? argv[4] : NULL,
        NULL,    false,   false};
    kd_err err;
    kd_err_clear(&err);
    if (create(app, &r, &err) < 0)
        kd_app_status(app, true, "net-define-as %s: %s", argv[0], err.msg);
    else
        created(app, argv[0], false);
}

const kd_action kd_actions_network[] = {
    {"view.networks", "net-list", NULL, "Virtual networks", act_open},
    {"network.create", "net-define-as", "NAME nat|route|isolated ADDRESS/PREFIX [START END]",
     "Create a virtual network (no arguments: a form)", act_create},
    {"network.start", "net-start", "NETWORK", "Start a virtual network", act_start},
    {"network.stop", "net-destroy", "NETWORK", "Stop a virtual network", act_stop},
    {"network.autostart", "net-autostart", "NETWORK [--disable]",
     "Start a network with the host, or not (the key flips it)", act_autostart},
    {"network.undefine", "net-undefine", "NETWORK", "Remove a virtual network (stopped first)",
     act_undefine},
    {"network.leases", "net-dhcp-leases", "NETWORK", "DHCP leases of a network", act_leases},
    {"network.dumpxml", "net-dumpxml", "NETWORK", "A network's XML", act_dumpxml},
    {"network.refresh", NULL, NULL, "Read the networks again", act_refresh},
};
const size_t kd_actions_network_count = sizeof(kd_actions_network) / sizeof(kd_actions_network[0]);

const char kd_keys_network[] = "bind list N view.networks\n"
                               "bind networks j cursor.down\n"
                               "bind networks Down cursor.down\n"
                               "bind networks k cursor.up\n"
                               "bind networks Up cursor.up\n"
                               "bind networks g cursor.top\n"
                               "bind networks G cursor.bottom\n"
                               "bind networks s network.start\n"
                               "bind networks d network.stop\n"
                               "bind networks a network.autostart\n"
                               "bind networks c network.create\n"
                               "bind networks u network.undefine\n"
                               "bind networks x network.dumpxml\n"
                               "bind networks l network.leases\n"
                               "bind networks r network.refresh\n"
                               "bind networks q view.back\n"
                               "bind networks Esc view.back\n";
