#include "backend/create.h"
#include "backend/storage.h"
#include "backend/network.h"
#include "core/str.h"
#include "store/preset.h"
#include "ui/hwedit.h"
#include "ui/storage_ui.h"
#include "ui/wizard_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The new-domain wizard: its life, the summary screen and what it offers (finish,
 * customize, save as a preset). The pages themselves are in wizard_pages.c. */

kd_wiz *kd_wiz_ref(kd_wiz *w)
{
    w->refs++;
    return w;
}

static void free_lines(kd_wiz *w)
{
    for (size_t i = 0; i < w->nlines; i++)
        free(w->lines[i]);
    free(w->lines);
    w->lines = NULL;
    w->nlines = 0;
}

void kd_wiz_unref(void *p)
{
    kd_wiz *w = p;
    if (!w || --w->refs > 0)
        return;
    kd_domspec_free(w->spec);
    kd_hostcaps_free(w->caps);
    kd_osinfo_free(w->os, w->nos);
    free(w->preset);
    free(w->xml);
    free_lines(w);
    free(w);
}

/* The pool and network to offer first: "default" when there is one, else the first active. */
static void pick_defaults(kd_app *app, kd_wiz *w)
{
    kd_err err;
    size_t n = 0;
    kd_pool *pools = kd_storage_pools_list(app->conn, &n, &err);
    const char *pool = NULL;
    for (size_t i = 0; pools && i < n; i++) {
        if (pools[i].state == KD_POOL_RUNNING && (!pool || kd_str_eq(pools[i].name, "default")))
            pool = pools[i].name;
    }
    kd_domspec_set(&w->spec->pool, pool ? pool : "");
    if (!pool)
        w->spec->stor = KD_STOR_NONE;
    kd_storage_pools_free(pools, n);
    kd_network *nets = kd_net_list(app->conn, &n, &err);
    const char *net = NULL;
    for (size_t i = 0; nets && i < n; i++) {
        if (nets[i].active && (!net || kd_str_eq(nets[i].name, "default")))
            net = nets[i].name;
    }
    kd_domspec_set(&w->spec->nic_source, net ? net : "");
    if (!net)
        w->spec->nic = KD_NIC_NONE;
    kd_net_list_free(nets, n);
}

void kd_wiz_open(kd_app *app)
{
    if (!app->conn || app->offline) {
        kd_app_status(app, true, "create: not connected");
        return;
    }
    if (app->readonly) {
        kd_app_status(app, true, "create: the connection is read-only");
        return;
    }
    kd_err err;
    kd_hostcaps *caps = kd_hostcaps_read(app->conn, &err);
    if (!caps) {
        kd_app_status(app, true, "create: %s", err.msg);
        return;
    }
    kd_wiz *w = kd_calloc(1, sizeof(*w));
    w->caps = caps;
    w->spec = kd_domspec_new();
    w->preset = kd_strdup("");
    kd_osinfo_list(NULL, &w->os, &w->nos, &w->os_from_db, &err);
    pick_defaults(app, w);
    kd_wiz_ref(w);
    kd_wiz_show(app, w, 0);
    kd_wiz_unref(w);
}

/* ---- the summary ------------------------------------------------------------------------ */

static void add_line(kd_wiz *w, char *line)
{
    w->lines = kd_realloc(w->lines, (w->nlines + 1) * sizeof(*w->lines));
    w->lines[w->nlines++] = line;
}

static char *source_text(const kd_domspec *s)
{
    switch (s->src) {
    case KD_SRC_ISO:
        return kd_asprintf("ISO image %s", s->media);
    case KD_SRC_URL:
        return kd_asprintf("network ISO %s", s->url);
    case KD_SRC_PXE:
        return kd_strdup("network boot (PXE)");
    case KD_SRC_IMPORT:
        return kd_asprintf("import %s", s->disk);
    default:
        return kd_asprintf("kernel %s, initrd %s, cmdline '%s'", s->kernel,
                           *s->initrd ? s->initrd : "none", s->cmdline);
    }
}

static char *storage_text(const kd_domspec *s)
{
    if (s->src == KD_SRC_IMPORT)
        return kd_asprintf("the imported disk %s", s->disk);
    if (s->stor == KD_STOR_NEW) {
        char *vol = kd_domspec_volume_name(s);
        char *t = s->disk_mib % 1024 ? kd_asprintf("new %s volume %s/%s, %llu MiB", s->disk_format,
                                                   s->pool, vol, s->disk_mib)
                                     : kd_asprintf("new %s volume %s/%s, %llu GiB", s->disk_format,
                                                   s->pool, vol, s->disk_mib / 1024);
        free(vol);
        return t;
    }
    return s->stor == KD_STOR_EXISTING ? kd_asprintf("existing %s", s->disk) : kd_strdup("none");
}

static void add_xml(kd_wiz *w)
{
    add_line(w, kd_asprintf("Domain XML%s:", w->customized ? " (customized)" : ""));
    char *copy = kd_strdup(w->xml), *cur = copy, *line;
    while ((line = kd_str_next_line(&cur)))
        add_line(w, kd_strdup(line));
    free(copy);
}

static void summarize(kd_wiz *w)
{
    const kd_domspec *s = w->spec;
    free_lines(w);
    const kd_osvariant *os = kd_wiz_os_find(w, s->os);
    const char *type = *s->virt_type ? s->virt_type : w->caps->virt_type;
    if (w->customized) {
        /* The answers no longer describe the domain: the XML does. */
        add_line(w, kd_asprintf("Name      %s", s->name));
        add_line(w, kd_strdup("Customized in the hardware editor: Finish defines the XML below"));
        add_line(w, kd_strdup("(and creates the new volume the answers asked for)."));
        add_line(w, kd_strdup(""));
        add_xml(w);
        return;
    }
    add_line(w, kd_asprintf("Name      %s", s->name));
    char *src = source_text(s);
    add_line(w, kd_asprintf("Install   %s", src));
    free(src);
    add_line(w, kd_asprintf("OS        %s", os ? os->name : *s->os ? s->os : "generic"));
    add_line(w, kd_asprintf("Memory    %llu MiB, %u vCPU%s%s%s", s->memory_mib, s->vcpus,
                            s->vcpus == 1 ? "" : "s", *s->pin ? ", pinned to " : "", s->pin));
    char *stor = storage_text(s);
    add_line(w, kd_asprintf("Disk      %s", stor));
    free(stor);
    add_line(w, kd_asprintf("Network   %s%s%s", kd_nic_kind_name(s->nic),
                            s->nic == KD_NIC_NONE ? "" : " ", s->nic_source));
    add_line(w, kd_asprintf("Firmware  %s; %s%s", kd_wiz_fw_labels[s->fw],
                            s->vnc ? "VNC on 127.0.0.1" : "no graphics",
                            *s->vnc_password ? " with a password" : ""));
    add_line(w, kd_asprintf("Type      %s%s", type,
                            kd_str_eq(type, "qemu") ? " (QEMU emulation, no KVM: slow)" : ""));
    add_line(w, kd_strdup(""));
    add_xml(w);
}

static void summary_draw(kd_app *app, WINDOW *win)
{
    kd_wiz *w = kd_screen_state(app, &kd_wiz_summary_ops);
    if (!w)
        return;
    int rows = kd_screen_frame(app, win, "New domain: summary",
                               w->busy ? "creating..."
                                       : "Enter finish  c customize  s save preset  "
                                         "Esc back a page  q cancel");
    int cols = getmaxx(win);
    /* Scrolled to the end, the last line sits at the bottom rather than alone at the top. */
    if (rows > 0 && w->top + (size_t)rows > w->nlines)
        w->top = w->nlines > (size_t)rows ? w->nlines - (size_t)rows : 0;
    for (int r = 0; r < rows && w->top + (size_t)r < w->nlines; r++)
        kd_draw_text(win, r + 1, 1, cols - 2, w->lines[w->top + (size_t)r]);
}

static void summary_cursor(kd_app *app, long delta)
{
    kd_wiz *w = kd_screen_state(app, &kd_wiz_summary_ops);
    if (!w)
        return;
    kd_cursor c = {w->top, w->top};
    kd_cursor_move(&c, w->nlines, delta);
    w->top = c.sel;
    app->dirty_full = true;
}

const kd_screen_ops kd_wiz_summary_ops = {
    .name = "wizard",
    .ctx = KD_CTX_WIZARD,
    .draw = summary_draw,
    .cursor = summary_cursor,
};

void kd_wiz_show(kd_app *app, kd_wiz *w, size_t page)
{
    while (page < kd_wiz_npages && kd_wiz_pages[page].skip && kd_wiz_pages[page].skip(w))
        page++;
    w->page = page;
    if (page < kd_wiz_npages) {
        char title[96];
        snprintf(title, sizeof(title), "New domain (%zu/%zu): %s", page + 1, kd_wiz_npages,
                 kd_wiz_pages[page].title);
        kd_wiz_pages[page].open(app, w, title);
        return;
    }
    kd_err err;
    char *xml = kd_domxml_build(w->spec, w->caps, &err);
    if (!xml) {
        kd_app_status(app, true, "%s", err.msg);
        kd_wiz_show(app, w, 0);
        return;
    }
    free(w->xml);
    w->xml = xml;
    w->customized = false;
    w->top = 0;
    summarize(w);
    kd_screen_open(app, &kd_wiz_summary_ops, kd_wiz_ref(w), kd_wiz_unref);
}

size_t kd_wiz_page_before(const kd_wiz *w, size_t page)
{
    while (page > 0) {
        page--;
        if (!kd_wiz_pages[page].skip || !kd_wiz_pages[page].skip(w))
            return page;
    }
    return 0;
}

void kd_wiz_back(kd_app *app)
{
    kd_wiz *w = kd_screen_state(app, &kd_wiz_summary_ops);
    if (!w || w->busy)
        return;
    kd_wiz_ref(w);
    kd_screen_close(app);
    kd_wiz_show(app, w, kd_wiz_page_before(w, kd_wiz_npages));
    kd_wiz_unref(w);
}

/* ---- finish ----------------------------------------------------------------------------- */

typedef struct {
    kd_wiz *w;
    kd_domspec *spec; /* a copy: the worker thread reads it */
    char *xml;
    char uuid[37];
} create_job;

static void create_job_free(void *p)
{
    create_job *j = p;
    /* Also when the job could not even start. */
    j->w->busy = false;
    kd_wiz_unref(j->w);
    kd_domspec_free(j->spec);
    free(j->xml);
    free(j);
}

static int create_run(kd_conn *conn, void *arg, kd_err *err)
{
    create_job *j = arg;
    return kd_create_domain(conn, j->spec, j->xml, true, j->uuid, err);
}

static void open_console(kd_app *app, bool ok, const char *text, void *opaque)
{
    (void)text;
    if (ok)
        kd_console_open(app, opaque, NULL);
}

static void create_after(kd_app *app, int result, const kd_err *err, void *arg)
{
    create_job *j = arg;
    kd_wiz *w = j->w;
    w->busy = false;
    app->dirty_full = true;
    kd_app_audit(app, j->spec->name, "create", result < 0 ? err : NULL);
    /* A new volume (kept, or removed again on failure) changes the pool's figures. */
    kd_pools_reload(app);
    kd_vols_reload(app);
    if (result < 0) {
        /* The answers stay: the summary is still there to go back from and fix one. */
        kd_app_status(app, true, "create %s: %s", j->spec->name, err->msg);
        return;
    }
    w->done = true;
    if (kd_screen_state(app, &kd_wiz_summary_ops) == w)
        kd_screen_close(app);
    kd_app_status(app, false, "%s created and started", j->spec->name);
    char *msg = kd_asprintf("%s is running. Open its serial console now?", j->spec->name);
    kd_dialog_spec d = {.title = "Domain created",
                        .message = msg,
                        .done = open_console,
                        .opaque = kd_strdup(j->uuid),
                        .opaque_free = free};
    kd_dialog_confirm(app, &d);
    free(msg);
}

void kd_wiz_finish(kd_app *app)
{
    kd_wiz *w = kd_screen_state(app, &kd_wiz_summary_ops);
    if (!w) {
        kd_app_status(app, true, "finish: no new domain is being created");
        return;
    }
    if (w->busy || w->done)
        return;
    kd_err err;
    if (kd_domspec_check(app->conn, w->spec, w->caps, &err) < 0) {
        kd_app_status(app, true, "%s; Esc goes back to change it", err.msg);
        return;
    }
    create_job *j = kd_calloc(1, sizeof(*j));
    j->w = kd_wiz_ref(w);
    j->spec = kd_domspec_copy(w->spec);
    j->xml = kd_strdup(w->xml);
    w->busy = true;
    char *label = kd_asprintf("create %s", w->spec->name);
    kd_ui_job_run(app, label, NULL, create_run, j, create_job_free, create_after);
    free(label);
    app->dirty_full = true;
}

/* ---- customize and presets ---------------------------------------------------------------- */

static void customized(kd_app *app, bool ok, const char *xml, void *opaque)
{
    kd_wiz *w = opaque;
    if (ok && xml && !kd_str_eq(xml, w->xml)) {
        free(w->xml);
        w->xml = kd_strdup(xml);
        w->customized = true;
        summarize(w);
        kd_app_status(app, false, "the customized XML is what Finish defines");
    }
    app->dirty_full = true;
    kd_wiz_unref(w);
}

void kd_wiz_customize(kd_app *app)
{
    kd_wiz *w = kd_screen_state(app, &kd_wiz_summary_ops);
    if (!w || w->busy)
        return;
    kd_hwedit_open_xml(app, w->xml, customized, kd_wiz_ref(w));
}

static void preset_named(kd_app *app, bool ok, const char *text, void *opaque)
{
    kd_wiz *w = opaque;
    if (!ok)
        return;
    kd_err err;
    /* A preset is a template kept in plain text: no password goes into it. */
    kd_domspec *keep = kd_domspec_copy(w->spec);
    kd_domspec_set(&keep->vnc_password, "");
    char *body = kd_domspec_format(keep);
    kd_domspec_free(keep);
    if (!app->store) {
        kd_app_status(app, true, "save preset: no local database");
    } else if (kd_store_preset_put(app->store, text, body, &err) < 0) {
        kd_app_status(app, true, "%s", err.msg);
    } else {
        kd_domspec_set(&w->preset, text);
        kd_app_status(app, false, "preset '%s' saved", text);
    }
    free(body);
}

void kd_wiz_save_preset(kd_app *app)
{
    kd_wiz *w = kd_screen_state(app, &kd_wiz_summary_ops);
    if (!w) {
        kd_app_status(app, true, "save preset: open the new-domain wizard's summary first");
        return;
    }
    kd_dialog_spec d = {.title = "Save as preset",
                        .message = "Name of the preset (an existing one is replaced):",
                        .initial = *w->preset ? w->preset : w->spec->name,
                        .done = preset_named,
                        .opaque = kd_wiz_ref(w),
                        .opaque_free = kd_wiz_unref};
    kd_dialog_prompt(app, &d);
}

static void delete_confirmed(kd_app *app, bool ok, const char *text, void *opaque)
{
    (void)text;
    kd_err err;
    if (!ok)
        return;
    if (kd_store_preset_del(app->store, opaque, &err) < 0)
        kd_app_status(app, true, "%s", err.msg);
    else
        kd_app_status(app, false, "preset '%s' deleted", (const char *)opaque);
}

void kd_wiz_delete_preset(kd_app *app, const char *name)
{
    char *text = NULL;
    kd_err err;
    if (!app->store) {
        kd_app_status(app, true, "delete preset: no local database");
        return;
    }
    if (kd_store_preset_get(app->store, name, &text, &err) < 0) {
        kd_app_status(app, true, "%s", err.msg);
        return;
    }
    free(text);
    char *title = kd_asprintf("Delete the preset '%s'?", name);
    kd_dialog_spec d = {.title = title,
                        .message = "The domains made from it are not touched.",
                        .done = delete_confirmed,
                        .opaque = kd_strdup(name),
                        .opaque_free = free};
    kd_dialog_confirm(app, &d);
    free(title);
}

static void delete_picked(kd_app *app, bool ok, size_t index, const char *item, void *opaque)
{
    (void)index;
    (void)opaque;
    if (ok)
        kd_wiz_delete_preset(app, item);
}

void kd_wiz_pick_delete_preset(kd_app *app)
{
    char **names = NULL;
    kd_err err;
    if (!app->store || kd_store_preset_list(app->store, &names, &err) < 0) {
        kd_app_status(app, true, "presets: %s", app->store ? err.msg : "no local database");
        return;
    }
    size_t n = 0;
    while (names[n])
        n++;
    if (!n)
        kd_app_status(app, true, "there are no presets");
    else
        kd_pick_open(app, &(kd_pick_spec){.title = "Delete a preset",
                                          .items = (const char *const *)names,
                                          .n = n,
                                          .done = delete_picked});
    kd_strv_free(names);
}

int kd_wiz_load_preset(kd_app *app, kd_wiz *w, const char *name, kd_err *err)
{
    char *text = NULL;
    if (!app->store) {
        kd_err_set(err, KD_ERR_DB, "no local database");
        return -1;
    }
    if (kd_store_preset_get(app->store, name, &text, err) < 0)
        return -1;
    kd_domspec *s = kd_domspec_parse(text, err);
    free(text);
    if (!s) {
        kd_err_prefix(err, "preset '%s'", name);
        return -1;
    }
    kd_domspec_set(&s->name, w->spec->name);
    kd_domspec_free(w->spec);
    w->spec = s;
    kd_domspec_set(&w->preset, name);
    return 0;
}
