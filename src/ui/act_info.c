#include "backend/info.h"
#include "core/str.h"
#include "ui/app.h"
#include "ui/pager.h"

#include <stdlib.h>
#include <string.h>

/* virsh's read-only information verbs in the palette, each showing virsh's text in the
 * pager (q comes back). A domain verb without its domain is about the selected one. */

/* What the palette gave: the words that are not options, and the options' values. */
typedef struct {
    const char *pos[2];
    int npos;
    const char *pool;   /* --pool POOL */
    const char *source; /* --source lease|agent|arp */
    const char *cell;   /* --cell N */
    bool reason, all, inactive;
    bool defaulted; /* pos[0] is the selected domain */
} info_args;

typedef struct {
    const char *verb;
    const char *usage;
    int npos;         /* positional words it takes */
    bool dom_default; /* the first may be left out: the selected domain */
    const char *opts; /* the options it takes, " --a --b " */
    char *(*show)(kd_app *app, const info_args *a, kd_err *err);
} info_verb;

/* An option taking a value: where that value goes. */
static const char **opt_value(info_args *a, const char *opt)
{
    if (strcmp(opt, "--pool") == 0)
        return &a->pool;
    if (strcmp(opt, "--source") == 0)
        return &a->source;
    if (strcmp(opt, "--cell") == 0)
        return &a->cell;
    return NULL;
}

static bool *opt_flag(info_args *a, const char *opt)
{
    if (strcmp(opt, "--reason") == 0)
        return &a->reason;
    if (strcmp(opt, "--all") == 0)
        return &a->all;
    if (strcmp(opt, "--inactive") == 0)
        return &a->inactive;
    return NULL;
}

static bool takes(const info_verb *v, const char *opt)
{
    char *key = kd_asprintf(" %s ", opt);
    bool ok = v->opts && strstr(v->opts, key);
    free(key);
    return ok;
}

/* Split argv into a; -1 after saying what is wrong in the status line. */
static int parse(kd_app *app, const info_verb *v, int argc, char **argv, info_args *a)
{
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (w[0] == '-' && w[1] == '-') {
            const char **val = opt_value(a, w);
            bool *flag = opt_flag(a, w);
            if (!takes(v, w) || (!val && !flag)) {
                kd_app_status(app, true, "%s: unknown option '%s'; usage: %s %s", v->verb, w,
                              v->verb, v->usage);
                return -1;
            }
            if (val && i + 1 >= argc) {
                kd_app_status(app, true, "%s: %s needs a value", v->verb, w);
                return -1;
            }
            if (val)
                *val = argv[++i];
            else
                *flag = true;
        } else if (a->npos < v->npos) {
            a->pos[a->npos++] = w;
        } else {
            kd_app_status(app, true, "%s: too many arguments; usage: %s %s", v->verb, v->verb,
                          v->usage);
            return -1;
        }
    }
    const kd_domain *sel = v->dom_default && a->npos == 0 ? kd_view_list_selected(app) : NULL;
    if (sel) {
        a->pos[a->npos++] = sel->name;
        a->defaulted = true;
    }
    if (a->npos < v->npos) {
        kd_app_status(app, true, "usage: %s %s", v->verb, v->usage);
        return -1;
    }
    return 0;
}

static void run_verb(kd_app *app, const info_verb *v, int argc, char **argv)
{
    if (!app->conn) {
        kd_app_status(app, true, "not connected");
        return;
    }
    info_args a = {0};
    if (parse(app, v, argc, argv, &a) < 0)
        return;
    kd_err err = {0};
    char *text = v->show(app, &a, &err);
    if (!text) {
        kd_app_status(app, true, "%s: %s", v->verb, err.msg);
        return;
    }
    /* The command as given, with the selected domain when it was left out. */
    kd_buf title;
    kd_buf_init(&title);
    kd_buf_adds(&title, v->verb);
    if (a.defaulted)
        kd_buf_printf(&title, " %s", a.pos[0]);
    for (int i = 0; i < argc; i++)
        kd_buf_printf(&title, " %s", argv[i]);
    char *t = kd_buf_steal(&title);
    kd_pager_open(app, t, text);
    free(t);
    free(text);
}

static char *show_dominfo(kd_app *app, const info_args *a, kd_err *err)
{
    return kd_info_dominfo(app->conn, a->pos[0], err);
}

static char *show_domstate(kd_app *app, const info_args *a, kd_err *err)
{
    return kd_info_domstate(app->conn, a->pos[0], a->reason, err);
}

static char *show_list(kd_app *app, const info_args *a, kd_err *err)
{
    if (a->all && a->inactive) {
        kd_err_set(err, KD_ERR_INVALID, "--all and --inactive exclude each other");
        return NULL;
    }
    kd_info_list_which w = a->all        ? KD_INFO_LIST_ALL
                           : a->inactive ? KD_INFO_LIST_INACTIVE
                                         : KD_INFO_LIST_ACTIVE;
    return kd_info_list(app->conn, w, err);
}

static char *show_domblklist(kd_app *app, const info_args *a, kd_err *err)
{
    return kd_info_domblklist(app->conn, a->pos[0], err);
}

static char *show_domiflist(kd_app *app, const info_args *a, kd_err *err)
{
    return kd_info_domiflist(app->conn, a->pos[0], err);
}

static char *show_domifaddr(kd_app *app, const info_args *a, kd_err *err)
{
    return kd_info_domifaddr(app->conn, a->pos[0], a->source, err);
}

static char *show_pool_info(kd_app *app, const info_args *a, kd_err *err)
{
    return kd_info_pool_info(app->conn, a->pos[0], err);
}

static char *show_vol_info(kd_app *app, const info_args *a, kd_err *err)
{
    return kd_info_vol_info(app->conn, a->pool, a->pos[0], err);
}

static char *show_net_info(kd_app *app, const info_args *a, kd_err *err)
{
    return kd_info_net_info(app->conn, a->pos[0], err);
}

static char *show_snapshot_info(kd_app *app, const info_args *a, kd_err *err)
{
    return kd_info_snapshot_info(app->conn, a->pos[0], a->pos[1], err);
}

static char *show_nodememstats(kd_app *app, const info_args *a, kd_err *err)
{
    char *end = NULL;
    long cell = a->cell ? strtol(a->cell, &end, 10) : -1;
    if (a->cell && (!*a->cell || *end || cell < 0 || cell > 1 << 20)) {
        kd_err_set(err, KD_ERR_INVALID, "--cell takes a NUMA cell's number, not '%s'", a->cell);
        return NULL;
    }
    return kd_info_nodememstats(app->conn, (int)cell, err);
}

enum {
    V_DOMINFO,
    V_DOMSTATE,
    V_LIST,
    V_DOMBLKLIST,
    V_DOMIFLIST,
    V_DOMIFADDR,
    V_POOL_INFO,
    V_VOL_INFO,
    V_NET_INFO,
    V_SNAPSHOT_INFO,
    V_NODEMEMSTATS,
};

static const info_verb verbs[] = {
    [V_DOMINFO] = {"dominfo", "DOMAIN", 1, true, NULL, show_dominfo},
    [V_DOMSTATE] = {"domstate", "DOMAIN [--reason]", 1, true, " --reason ", show_domstate},
    [V_LIST] = {"list", "[--all|--inactive]", 0, false, " --all --inactive ", show_list},
    [V_DOMBLKLIST] = {"domblklist", "DOMAIN", 1, true, NULL, show_domblklist},
    [V_DOMIFLIST] = {"domiflist", "DOMAIN", 1, true, NULL, show_domiflist},
    [V_DOMIFADDR] = {"domifaddr", "DOMAIN [--source lease|agent|arp]", 1, true, " --source ",
                     show_domifaddr},
    [V_POOL_INFO] = {"pool-info", "POOL", 1, false, NULL, show_pool_info},
    [V_VOL_INFO] = {"vol-info", "VOL --pool POOL", 1, false, " --pool ", show_vol_info},
    [V_NET_INFO] = {"net-info", "NETWORK", 1, false, NULL, show_net_info},
    [V_SNAPSHOT_INFO] = {"snapshot-info", "DOMAIN SNAPSHOT", 2, false, NULL, show_snapshot_info},
    [V_NODEMEMSTATS] = {"nodememstats", "[--cell N]", 0, false, " --cell ", show_nodememstats},
};

#define RUN(fn, i)                                                                                 \
    static void fn(kd_app *app, int argc, char **argv)                                             \
    {                                                                                              \
        run_verb(app, &verbs[i], argc, argv);                                                      \
    }
RUN(act_dominfo, V_DOMINFO)
RUN(act_domstate, V_DOMSTATE)
RUN(act_list, V_LIST)
RUN(act_domblklist, V_DOMBLKLIST)
RUN(act_domiflist, V_DOMIFLIST)
RUN(act_domifaddr, V_DOMIFADDR)
RUN(act_pool_info, V_POOL_INFO)
RUN(act_vol_info, V_VOL_INFO)
RUN(act_net_info, V_NET_INFO)
RUN(act_snapshot_info, V_SNAPSHOT_INFO)
RUN(act_nodememstats, V_NODEMEMSTATS)

const kd_action kd_actions_info[] = {
    {"info.dominfo", "dominfo", "DOMAIN", "A domain's facts, as virsh dominfo", act_dominfo},
    {"info.domstate", "domstate", "DOMAIN [--reason]", "A domain's state (and why)", act_domstate},
    {"info.list", "list", "[--all|--inactive]", "The domains as virsh list prints them", act_list},
    {"info.domblklist", "domblklist", "DOMAIN", "A domain's block devices", act_domblklist},
    {"info.domiflist", "domiflist", "DOMAIN", "A domain's network interfaces", act_domiflist},
    {"info.domifaddr", "domifaddr", "DOMAIN [--source lease|agent|arp]",
     "A domain's interface addresses", act_domifaddr},
    {"info.pool_info", "pool-info", "POOL", "A storage pool's facts", act_pool_info},
    {"info.vol_info", "vol-info", "VOL --pool POOL",
     "A storage volume's facts (VOL alone: its path or key)", act_vol_info},
    {"info.net_info", "net-info", "NETWORK", "A virtual network's facts", act_net_info},
    {"info.snapshot_info", "snapshot-info", "DOMAIN SNAPSHOT", "A snapshot's facts",
     act_snapshot_info},
    {"info.nodememstats", "nodememstats", "[--cell N]",
     "The host's memory, as the kernel counts it", act_nodememstats},
};
const size_t kd_actions_info_count = sizeof(kd_actions_info) / sizeof(kd_actions_info[0]);
