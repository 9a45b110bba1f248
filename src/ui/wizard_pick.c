#include "backend/network.h"
#include "backend/storage.h"
#include "core/str.h"
#include "store/preset.h"
#include "ui/wizard_priv.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The wizard's pickers: the host's files (a directory at a time, with .. and its
 * subdirectories), the pools' volumes, OS variants, pools, networks, bridges, host devices
 * and presets. Each chooses a value for the field it was opened from. */

#define MAX_ENTRIES 5000

typedef enum { ITEM_VALUE, ITEM_DIR, ITEM_VOLUMES } item_kind;

typedef struct {
    kd_wiz *w;
    char *key;     /* the field to fill */
    char **values; /* per item: the value, or the directory to open */
    item_kind *kinds;
    size_t n, cap;
    char **items; /* what the picker shows */
    char **details;
} pick_ctx;

static pick_ctx *ctx_new(kd_form *f, const char *key)
{
    pick_ctx *c = kd_calloc(1, sizeof(*c));
    c->w = kd_wiz_ref(kd_form_opaque(f));
    c->key = kd_strdup(key);
    return c;
}

static void ctx_free(void *p)
{
    pick_ctx *c = p;
    for (size_t i = 0; i < c->n; i++) {
        free(c->values[i]);
        free(c->items[i]);
        free(c->details[i]);
    }
    free(c->values);
    free(c->kinds);
    free(c->items);
    free(c->details);
    free(c->key);
    kd_wiz_unref(c->w);
    free(c);
}

/* Takes item, detail and value. */
static void ctx_add(pick_ctx *c, item_kind kind, char *item, char *detail, char *value)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->values = kd_realloc(c->values, c->cap * sizeof(*c->values));
        c->kinds = kd_realloc(c->kinds, c->cap * sizeof(*c->kinds));
        c->items = kd_realloc(c->items, c->cap * sizeof(*c->items));
        c->details = kd_realloc(c->details, c->cap * sizeof(*c->details));
    }
    c->kinds[c->n] = kind;
    c->items[c->n] = item;
    c->details[c->n] = detail;
    c->values[c->n++] = value;
}

static void set_field(kd_app *app, const char *key, const char *value)
{
    kd_form *f = kd_form_current(app);
    if (f)
        kd_form_set(f, key, value);
}

static void open_picker(kd_app *app, pick_ctx *c, const char *title, size_t initial,
                        kd_pick_done_fn done)
{
    kd_pick_spec spec = {.title = title,
                         .items = (const char *const *)c->items,
                         .details = (const char *const *)c->details,
                         .n = c->n,
                         .initial = initial,
                         .done = done,
                         .opaque = c,
                         .opaque_free = ctx_free};
    kd_pick_open(app, &spec);
}

static void size_text(char *buf, size_t n, unsigned long long bytes)
{
    static const char units[] = "BKMGTP";
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    snprintf(buf, n, u ? "%.1f%c" : "%.0f%c", v, units[u]);
}

/* ---- volumes ---------------------------------------------------------------------------- */

static void volume_done(kd_app *app, bool ok, size_t index, const char *item, void *opaque)
{
    pick_ctx *c = opaque;
    if (ok)
        set_field(app, c->key, c->values[index]);
}

static void open_volumes(kd_app *app, kd_wiz *w, const char *key)
{
    pick_ctx *c = kd_calloc(1, sizeof(*c));
    c->w = kd_wiz_ref(w);
    c->key = kd_strdup(key);
    kd_err err;
    size_t np = 0;
    kd_pool *pools = kd_storage_pools_list(app->conn, &np, &err);
    for (size_t i = 0; pools && i < np; i++) {
        if (pools[i].state != KD_POOL_RUNNING)
            continue;
        size_t nv = 0;
        kd_vol *vols = kd_storage_vols_list(app->conn, pools[i].name, &nv, &err);
        for (size_t j = 0; vols && j < nv; j++) {
            char size[32];
            size_text(size, sizeof(size), vols[j].capacity);
            char *ref = kd_asprintf("%s/%s", pools[i].name, vols[j].name);
            ctx_add(c, ITEM_VALUE, kd_strdup(ref),
                    kd_asprintf("%-6s %s", *vols[j].format ? vols[j].format : "-", size), ref);
        }
        kd_storage_vols_free(vols, nv);
    }
    kd_storage_pools_free(pools, np);
    if (!c->n) {
        kd_app_status(app, true, "no volume in any active storage pool");
        ctx_free(c);
        return;
    }
    open_picker(app, c, "Storage volumes (type to filter)", 0, volume_done);
}

void kd_wiz_pick_volume(kd_app *app, kd_form *f, const char *key)
{
    open_volumes(app, kd_form_opaque(f), key);
}

/* ---- files -------------------------------------------------------------------------------- */

static int by_item(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void browse(kd_app *app, kd_wiz *w, const char *key, const char *dir);

static void file_done(kd_app *app, bool ok, size_t index, const char *item, void *opaque)
{
    pick_ctx *c = opaque;
    if (!ok)
        return;
    if (c->kinds[index] == ITEM_DIR)
        browse(app, c->w, c->key, c->values[index]);
    else if (c->kinds[index] == ITEM_VOLUMES)
        open_volumes(app, c->w, c->key);
    else
        set_field(app, c->key, c->values[index]);
}

static char *join(const char *dir, const char *name)
{
    return kd_asprintf("%s%s%s", dir, kd_str_eq(dir, "/") ? "" : "/", name);
}

/* Subdirectories first, then files, each sorted by name; hidden ones are left out. */
static void list_dir(pick_ctx *c, const char *dir, DIR *d)
{
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < MAX_ENTRIES) {
        if (e->d_name[0] == '.')
            continue;
        names = kd_realloc(names, (n + 1) * sizeof(*names));
        names[n++] = kd_strdup(e->d_name);
    }
    if (n)
        qsort(names, n, sizeof(*names), by_item);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            char *path = join(dir, names[i]);
            struct stat st;
            bool is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
            if (is_dir != (pass == 0)) {
                free(path);
                continue;
            }
            char size[32];
            size_text(size, sizeof(size), (unsigned long long)st.st_size);
            ctx_add(c, is_dir ? ITEM_DIR : ITEM_VALUE,
                    is_dir ? kd_asprintf("%s/", names[i]) : kd_strdup(names[i]),
                    kd_strdup(is_dir ? "dir" : size), path);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static void browse(kd_app *app, kd_wiz *w, const char *key, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        kd_app_status(app, true, "%s: cannot open the directory", dir);
        return;
    }
    pick_ctx *c = kd_calloc(1, sizeof(*c));
    c->w = kd_wiz_ref(w);
    c->key = kd_strdup(key);
    ctx_add(c, ITEM_VOLUMES, kd_strdup("[storage pool volumes]"), kd_strdup(""), kd_strdup(""));
    if (!kd_str_eq(dir, "/")) {
        char *parent = kd_strdup(dir);
        char *slash = strrchr(parent, '/');
        if (slash == parent)
            slash[1] = '\0';
        else if (slash)
            *slash = '\0';
        ctx_add(c, ITEM_DIR, kd_strdup("../"), kd_strdup("up"), parent);
    }
    list_dir(c, dir, d);
    closedir(d);
    char *title = kd_asprintf("%s (type to filter)", dir);
    open_picker(app, c, title, kd_str_eq(dir, "/") ? 1 : 2, file_done);
    free(title);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory to start in: the field's own (or the one holding its file), else the
 * usual place of images, else the root. */
static char *start_dir(const char *cur)
{
    static const char images[] = "/var/lib/libvirt/images";
    if (cur && cur[0] == '/') {
        char *dir = kd_strdup(cur);
        for (size_t len = strlen(dir); len > 1 && dir[len - 1] == '/'; len--)
            dir[len - 1] = '\0';
        char *slash = strrchr(dir, '/');
        if (!is_dir(dir))
            slash[slash == dir ? 1 : 0] = '\0';
        if (is_dir(dir))
            return dir;
        free(dir);
    }
    return kd_strdup(is_dir(images) ? images : "/");
}

void kd_wiz_pick_file(kd_app *app, kd_form *f, const char *key)
{
    char *dir = start_dir(kd_form_get(f, key));
    browse(app, kd_form_opaque(f), key, dir);
    free(dir);
}

/* ---- OS variants, pools, networks, presets ------------------------------------------------- */

static void os_done(kd_app *app, bool ok, size_t index, const char *item, void *opaque)
{
    pick_ctx *c = opaque;
    if (!ok)
        return;
    set_field(app, "os", c->values[index]);
    set_field(app, "osname", item);
}

void kd_wiz_pick_os(kd_app *app, kd_form *f, const char *key)
{
    kd_wiz *w = kd_form_opaque(f);
    pick_ctx *c = ctx_new(f, key);
    size_t initial = 0;
    const char *cur = kd_form_get(f, key);
    for (size_t i = 0; i < w->nos; i++) {
        const kd_osvariant *o = &w->os[i];
        if (cur && kd_str_eq(o->id, cur))
            initial = i;
        /* osinfo-db has no figures for old releases: say so rather than "0 MiB 0 vCPU". */
        char *rec = o->ram_mib || o->vcpus
                        ? kd_asprintf("%-16s %5llu MiB %u vCPU%s", o->id, o->ram_mib, o->vcpus,
                                      o->vcpus == 1 ? "" : "s")
                        : kd_asprintf("%-16s (no recommendation)", o->id);
        ctx_add(c, ITEM_VALUE, kd_strdup(o->name), rec, kd_strdup(o->id));
    }
    open_picker(app, c, "OS variant (type to filter)", initial, os_done);
}

static void value_done(kd_app *app, bool ok, size_t index, const char *item, void *opaque)
{
    pick_ctx *c = opaque;
    if (ok)
        set_field(app, c->key, c->values[index]);
}

void kd_wiz_pick_pool(kd_app *app, kd_form *f, const char *key)
{
    kd_err err;
    size_t n = 0;
    kd_pool *pools = kd_storage_pools_list(app->conn, &n, &err);
    if (!pools) {
        kd_app_status(app, true, "%s", err.msg);
        return;
    }
    pick_ctx *c = ctx_new(f, key);
    for (size_t i = 0; i < n; i++) {
        char avail[32];
        size_text(avail, sizeof(avail), pools[i].available);
        ctx_add(c, ITEM_VALUE, kd_strdup(pools[i].name),
                kd_asprintf("%-8s %-8s %s free", kd_pool_state_name(pools[i].state), pools[i].type,
                            avail),
                kd_strdup(pools[i].name));
    }
    kd_storage_pools_free(pools, n);
    open_picker(app, c, "Storage pools", 0, value_done);
}

static void add_names(pick_ctx *c, char **names, const char *detail)
{
    for (size_t i = 0; names && names[i]; i++)
        ctx_add(c, ITEM_VALUE, kd_strdup(names[i]), kd_strdup(detail), kd_strdup(names[i]));
    kd_strv_free(names);
}

void kd_wiz_pick_nic(kd_app *app, kd_form *f, const char *key)
{
    const char *kind = kd_form_get(f, "nic");
    int k = 0;
    while (kd_wiz_nic_labels[k] && !kd_str_eq(kd_wiz_nic_labels[k], kind ? kind : ""))
        k++;
    pick_ctx *c = ctx_new(f, key);
    if (k == KD_NIC_NETWORK) {
        kd_err err;
        size_t n = 0;
        kd_network *nets = kd_net_list(app->conn, &n, &err);
        for (size_t i = 0; nets && i < n; i++) {
            ctx_add(c, ITEM_VALUE, kd_strdup(nets[i].name),
                    kd_asprintf("%-8s %-8s %s", nets[i].active ? "active" : "inactive",
                                nets[i].forward, nets[i].bridge),
                    kd_strdup(nets[i].name));
        }
        kd_net_list_free(nets, n);
    } else if (k == KD_NIC_BRIDGE) {
        add_names(c, kd_wiz_host_bridges("/sys/class/net"), "bridge");
    } else if (k == KD_NIC_MACVTAP) {
        add_names(c, kd_wiz_host_devices("/sys/class/net"), "host device");
    }
    if (!c->n) {
        kd_app_status(app, true, "nothing to choose for '%s' on this host", kind ? kind : "");
        ctx_free(c);
        return;
    }
    open_picker(app, c, kd_wiz_nic_labels[k], 0, value_done);
}

/* ---- host interfaces ----------------------------------------------------------------------- */

static char **list_net(const char *sysfs, bool want_bridges)
{
    static const char *const skip[] = {"lo", "vnet", "macvtap", "tap", "virbr"};
    DIR *d = opendir(sysfs);
    char **v = kd_calloc(1, sizeof(*v));
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *br = kd_asprintf("%s/%s/bridge", sysfs, e->d_name);
        bool is_bridge = access(br, F_OK) == 0;
        free(br);
        bool skipped = false;
        for (size_t i = 0; !want_bridges && i < sizeof(skip) / sizeof(skip[0]); i++)
            skipped |= strncmp(e->d_name, skip[i], strlen(skip[i])) == 0;
        if (is_bridge != want_bridges || skipped)
            continue;
        v = kd_realloc(v, (n + 2) * sizeof(*v));
        v[n++] = kd_strdup(e->d_name);
        v[n] = NULL;
    }
    if (d)
        closedir(d);
    qsort(v, n, sizeof(*v), by_item);
    return v;
}

char **kd_wiz_host_bridges(const char *sysfs)
{
    return list_net(sysfs, true);
}

char **kd_wiz_host_devices(const char *sysfs)
{
    return list_net(sysfs, false);
}

static void preset_done(kd_app *app, bool ok, size_t index, const char *item, void *opaque)
{
    pick_ctx *c = opaque;
    kd_form *f = kd_form_current(app);
    kd_err err;
    if (!ok || !f)
        return;
    if (*kd_form_get(f, "name"))
        kd_domspec_set(&c->w->spec->name, kd_form_get(f, "name"));
    if (kd_wiz_load_preset(app, c->w, item, &err) < 0) {
        kd_app_status(app, true, "%s", err.msg);
        return;
    }
    kd_form_set(f, "preset", item);
    kd_form_set(f, "source", kd_wiz_src_labels[c->w->spec->src]);
    kd_app_status(app, false, "answers loaded from the preset '%s'", item);
}

void kd_wiz_pick_preset(kd_app *app, kd_form *f, const char *key)
{
    char **names = NULL;
    kd_err err;
    if (!app->store || kd_store_preset_list(app->store, &names, &err) < 0) {
        kd_app_status(app, true, "presets: %s", app->store ? err.msg : "no local database");
        return;
    }
    if (!names[0]) {
        kd_strv_free(names);
        kd_app_status(app, true, "no presets yet: the summary page saves one (s)");
        return;
    }
    pick_ctx *c = ctx_new(f, key);
    add_names(c, names, "preset");
    open_picker(app, c, "Start from a preset", 0, preset_done);
}
