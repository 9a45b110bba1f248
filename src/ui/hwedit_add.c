#include "backend/storage.h"
#include "core/str.h"
#include "ui/hwedit_priv.h"
#include "ui/storage_ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adding a disk (a new volume or an existing file or volume), a CD-ROM or a NIC; removing
 * a device after a confirmation; CD-ROM media; vCPU pinning. */

static const char *const buses_disk[] = {"virtio", "sata", "scsi", "ide", "usb", NULL};
static const char *const buses_cd[] = {"sata", "scsi", "ide", "usb", NULL};
static const char *const formats[] = {"qcow2", "raw", NULL};

/* "pool/volume" or a path into a disk spec's source (pointing into buf). */
static void source_of(const char *text, char *buf, size_t n, kd_hw_disk_spec *spec)
{
    snprintf(buf, n, "%s", text);
    char *slash = strchr(buf, '/');
    if (*buf && *buf != '/' && slash) {
        *slash = '\0';
        spec->pool = buf;
        spec->volume = slash + 1;
    } else if (*buf) {
        spec->path = buf;
    }
}

/* The pools' names, for the new volume's pool (NULL-terminated; kd_strv_free). */
static char **pool_names(kd_app *app)
{
    kd_err err;
    size_t n = 0;
    kd_pool *pools = app->conn ? kd_storage_pools_list(app->conn, &n, &err) : NULL;
    char **v = kd_calloc(n + 2, sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (pools[i].state == KD_POOL_RUNNING)
            v[k++] = kd_strdup(pools[i].name);
    if (k == 0)
        v[k++] = kd_strdup("default");
    kd_storage_pools_free(pools, n);
    return v;
}

enum { ADD_NEW = 1, ADD_EXISTING, ADD_CDROM };

static bool disk_add_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    hw_screen *s = kd_hw_screen(app);
    if (!ok || !s)
        return true;
    int kind = (int)(intptr_t)opaque;
    kd_hw_disk_spec spec = {.device = kind == ADD_CDROM ? "cdrom" : "disk",
                            .bus = kd_form_get(f, "bus")};
    char buf[1024];
    char *path = NULL;
    kd_err err;
    kd_hw_result res;
    if (kind == ADD_NEW) {
        long long size = kd_form_parse_size(kd_form_get(f, "size"), 1LL << 30);
        int vrc = kd_hwed_create_volume(s->ed, kd_form_get(f, "pool"), kd_form_get(f, "name"),
                                        size > 0 ? (unsigned long long)size : 0,
                                        kd_form_get(f, "format"), &path, &err);
        /* A new volume is a change of its own, whatever becomes of the disk. */
        char *what = kd_asprintf("vol-create-as %s %s %s", kd_form_get(f, "pool"),
                                 kd_form_get(f, "name"), kd_form_get(f, "size"));
        kd_app_audit(app, "", what, vrc < 0 ? &err : NULL);
        free(what);
        if (vrc < 0) {
            kd_form_error(f, NULL, err.msg);
            return false;
        }
        kd_pools_reload(app);
        kd_vols_reload(app);
        spec.pool = kd_form_get(f, "pool");
        spec.volume = kd_form_get(f, "name");
    } else {
        source_of(kd_form_get(f, "source"), buf, sizeof(buf), &spec);
    }
    spec.format = kind == ADD_CDROM ? "raw" : kd_form_get(f, "format");
    int rc = kd_hwed_add_disk(s->ed, &spec, &res, &err);
    if (rc < 0 && path)
        kd_err_prefix(&err, "volume %s was created but not attached", path);
    free(path);
    return kd_hw_form_finish(app, f, kind == ADD_CDROM ? "new CD-ROM" : "new disk", rc, &res, &err);
}

void kd_hw_form_disk_add(hw_screen *s, bool new_volume, bool cdrom)
{
    int kind = cdrom ? ADD_CDROM : new_volume ? ADD_NEW : ADD_EXISTING;
    char **pools = kind == ADD_NEW ? pool_names(s->app) : NULL;
    char name[128];
    snprintf(name, sizeof(name), "%s-%zu.qcow2", kd_hwed_config(s->ed)->name,
             kd_hwed_config(s->ed)->ndisks);
    for (char *p = name; *p; p++)
        if (*p == '/' || *p == ' ' || *p == '\'' || *p == '"')
            *p = '_';
    kd_field_spec fields[6];
    size_t n = 0;
    if (kind == ADD_NEW) {
        fields[n++] = (kd_field_spec){
            "pool", "Pool", KD_FIELD_CHOICE, pools[0], (const char *const *)pools, NULL, NULL};
        fields[n++] = (kd_field_spec){"name", "Volume name", KD_FIELD_TEXT, name, NULL, NULL, NULL};
        fields[n++] = (kd_field_spec){
            "size", "Size", KD_FIELD_NUMBER, "10G", NULL, "a bare number is GiB", NULL};
    } else {
        fields[n++] = (kd_field_spec){
            "source",
            "Source",
            KD_FIELD_TEXT,
            "",
            NULL,
            cdrom ? "an ISO path or pool/volume; empty: no media" : "a file path or pool/volume",
            NULL};
    }
    if (!cdrom)
        fields[n++] =
            (kd_field_spec){"format", "Format", KD_FIELD_CHOICE, "qcow2", formats, NULL, NULL};
    fields[n++] = (kd_field_spec){
        "bus", "Bus", KD_FIELD_CHOICE, cdrom ? "sata" : "virtio", cdrom ? buses_cd : buses_disk,
        NULL,  NULL};
    kd_form_open(s->app, &(kd_form_spec){.title = cdrom        ? "Add a CD-ROM"
                                                  : new_volume ? "Add a disk: new volume"
                                                               : "Add a disk: existing storage",
                                         .fields = fields,
                                         .nfields = n,
                                         .submit = "Add",
                                         .check = kd_hw_form_check,
                                         .done = disk_add_done,
                                         .opaque = (void *)(intptr_t)kind});
    kd_strv_free(pools);
}

static void add_picked(kd_app *app, bool ok, size_t index, const char *item, void *opaque)
{
    (void)item;
    (void)opaque;
    hw_screen *s = kd_hw_screen(app);
    if (!ok || !s)
        return;
    if (index == 3)
        kd_hw_form_nic_add(s);
    else
        kd_hw_form_disk_add(s, index == 0, index == 2);
}

void kd_hw_form_add(hw_screen *s)
{
    static const char *const items[] = {"Disk: a new volume", "Disk: an existing file or volume",
                                        "CD-ROM", "Network interface (NIC)"};
    kd_pick_open(s->app, &(kd_pick_spec){
                             .title = "Add hardware", .items = items, .n = 4, .done = add_picked});
}

/* ---- removal ---- */

static void remove_done(kd_app *app, bool ok, const char *text, void *opaque)
{
    (void)text;
    (void)opaque;
    hw_screen *s = kd_hw_screen(app);
    const hw_item *it = kd_hw_selected(s);
    if (!ok || !it || !it->key)
        return;
    kd_err err;
    kd_hw_result res;
    char *what = kd_asprintf("removing %s", it->label);
    int rc = it->kind == HW_NIC ? kd_hwed_remove_nic(s->ed, it->key, &res, &err)
                                : kd_hwed_remove_disk(s->ed, it->key, &res, &err);
    kd_hw_report(s, what, rc, &res, &err);
    free(what);
}

void kd_hw_form_remove(hw_screen *s)
{
    const hw_item *it = kd_hw_selected(s);
    if (!it || !it->key) {
        kd_app_status(s->app, true, "select a disk, CD-ROM or NIC to remove");
        return;
    }
    char *msg = kd_asprintf("Remove %s from %s?%s", it->label, s->name,
                            it->kind == HW_NIC ? "" : "\nIts file or volume stays.");
    kd_dialog_confirm(
        s->app, &(kd_dialog_spec){.title = "Remove hardware", .message = msg, .done = remove_done});
    free(msg);
}

/* ---- CD-ROM media ---- */

static bool media_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    (void)opaque;
    hw_screen *s = kd_hw_screen(app);
    const hw_item *it = kd_hw_selected(s);
    if (!ok || !it)
        return true;
    kd_hw_disk_spec src = {0};
    char buf[1024];
    source_of(kd_form_get(f, "source"), buf, sizeof(buf), &src);
    kd_err err;
    kd_hw_result res;
    int rc = kd_hwed_change_media(s->ed, it->key, src.path, src.pool, src.volume, &res, &err);
    bool eject = !src.path && !src.pool;
    return kd_hw_form_finish(app, f, eject ? "eject" : "insert media", rc, &res, &err);
}

void kd_hw_form_media(hw_screen *s)
{
    const hw_item *it = kd_hw_selected(s);
    if (!it || it->kind != HW_CDROM) {
        kd_app_status(s->app, true, "select a CD-ROM to change its media");
        return;
    }
    const kd_hw_disk *d = kd_hw_model_disk(kd_hwed_config(s->ed), it->key);
    const kd_field_spec fields[] = {
        {"source", "Media", KD_FIELD_TEXT, d ? d->source : "", NULL,
         "an ISO path or pool/volume; empty ejects", NULL},
    };
    kd_form_open(s->app, &(kd_form_spec){.title = it->label,
                                         .fields = fields,
                                         .nfields = 1,
                                         .submit = "Change",
                                         .done = media_done});
}

/* ---- pinning ---- */

static bool pin_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    (void)opaque;
    hw_screen *s = kd_hw_screen(app);
    if (!ok || !s)
        return true;
    long long vcpu = kd_form_get_num(f, "vcpu");
    kd_err err;
    kd_hw_result res;
    int rc = kd_hwed_pin_vcpu(s->ed, vcpu < 0 ? ~0u : (unsigned)vcpu, kd_form_get(f, "cpuset"),
                              &res, &err);
    return kd_hw_form_finish(app, f, "vCPU pinning", rc, &res, &err);
}

void kd_hw_form_pin(hw_screen *s)
{
    const kd_field_spec fields[] = {
        {"vcpu", "vCPU", KD_FIELD_NUMBER, "0", NULL, NULL, NULL},
        {"cpuset", "Host CPUs", KD_FIELD_TEXT, "0", NULL, "e.g. 0-1,3 or 0-3,^2", NULL},
    };
    kd_form_open(s->app, &(kd_form_spec){.title = "Pin a vCPU",
                                         .fields = fields,
                                         .nfields = 2,
                                         .submit = "Pin",
                                         .check = kd_hw_form_check,
                                         .done = pin_done});
}
