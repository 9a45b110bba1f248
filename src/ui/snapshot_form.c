#include "ui/snapshot_ui.h"
#include "backend/details.h"
#include "core/str.h"
#include "ui/app.h"
#include "ui/form.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The form that creates a snapshot: name, description, memory or not, and per disk
 * internal, external (into a new overlay) or left out. */

static const char *dom_name(kd_app *app, const char *uuid)
{
    const kd_domain *d = app->conn ? kd_conn_domain_by_uuid(app->conn, uuid) : NULL;
    return d ? d->name : uuid;
}

typedef struct {
    char uuid[37];
    bool active;
    char **disks; /* the targets of the domain's disks (not cdroms) */
    size_t ndisks;
} create_ctx;

static void create_ctx_free(void *p)
{
    create_ctx *c = p;
    for (size_t i = 0; i < c->ndisks; i++)
        free(c->disks[i]);
    free(c->disks);
    free(c);
}

static const char *const disk_choices[] = {"internal", "external", "no", NULL};

static kd_snap_disk_mode disk_mode(const char *v)
{
    return strcmp(v, "external") == 0 ? KD_SNAP_DISK_EXTERNAL
           : strcmp(v, "no") == 0     ? KD_SNAP_DISK_NONE
                                      : KD_SNAP_DISK_INTERNAL;
}

static void on_form_changed(kd_app *app, kd_form *f, const char *key, void *opaque)
{
    create_ctx *c = opaque;
    bool ext = false;
    for (size_t i = 0; i < c->ndisks; i++) {
        char *mk = kd_asprintf("mode:%s", c->disks[i]), *fk = kd_asprintf("file:%s", c->disks[i]);
        bool e = disk_mode(kd_form_get(f, mk)) == KD_SNAP_DISK_EXTERNAL;
        kd_form_set_hidden(f, fk, !e);
        ext = ext || e;
        free(mk);
        free(fk);
    }
    kd_form_set_hidden(f, "memfile", !(ext && c->active && kd_form_get_bool(f, "memory")));
}

/* The field an error message is about (NULL: the whole form). */
static const char *error_field(const create_ctx *c, const char *msg)
{
    if (strstr(msg, "memory state goes to a file"))
        return "memfile";
    if (strstr(msg, "snapshot name") || strstr(msg, "named"))
        return "name";
    return NULL;
}

static bool on_form(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    create_ctx *c = opaque;
    if (!ok)
        return true;
    kd_snap_disk *d = kd_calloc(c->ndisks ? c->ndisks : 1, sizeof(*d));
    char **keys = kd_calloc(c->ndisks * 2 + 1, sizeof(char *));
    for (size_t i = 0; i < c->ndisks; i++) {
        keys[2 * i] = kd_asprintf("mode:%s", c->disks[i]);
        keys[2 * i + 1] = kd_asprintf("file:%s", c->disks[i]);
        d[i] = (kd_snap_disk){c->disks[i], disk_mode(kd_form_get(f, keys[2 * i])),
                              kd_form_get(f, keys[2 * i + 1])};
    }
    kd_snap_params p = {.name = kd_form_get(f, "name"),
                        .description = kd_form_get(f, "description"),
                        .memory = c->active && kd_form_get_bool(f, "memory"),
                        .memory_file = kd_form_get(f, "memfile"),
                        .disks = d,
                        .ndisks = c->ndisks};
    kd_err err;
    kd_err_clear(&err);
    int rc = kd_snap_ui_create(app, c->uuid, &p, &err);
    if (rc < 0)
        kd_form_error(f, error_field(c, err.msg), err.msg);
    kd_strv_free(keys);
    free(d);
    return rc == 0;
}

static void disk_targets(kd_app *app, create_ctx *c)
{
    kd_err err;
    kd_err_clear(&err);
    kd_dom_details *det = kd_dom_details_get(app->conn, c->uuid, &err);
    for (size_t i = 0; det && i < det->ndisks; i++) {
        if (strcmp(det->disks[i].device, "disk") != 0)
            continue;
        c->disks = kd_realloc(c->disks, (c->ndisks + 1) * sizeof(char *));
        c->disks[c->ndisks++] = kd_strdup(det->disks[i].target);
    }
    kd_dom_details_free(det);
}

void kd_snap_ui_form(kd_app *app, const char *uuid)
{
    create_ctx *c = kd_calloc(1, sizeof(*c));
    memcpy(c->uuid, uuid, sizeof(c->uuid));
    const kd_domain *dom = kd_conn_domain_by_uuid(app->conn, uuid);
    c->active = dom && dom->state != KD_DOM_SHUTOFF && dom->state != KD_DOM_CRASHED;
    disk_targets(app, c);
    char name[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(name, sizeof(name), "snap-%Y%m%d-%H%M%S", &tm);
    size_t n = 0, max = 4 + 2 * c->ndisks;
    kd_field_spec *fs = kd_calloc(max, sizeof(*fs));
    char **own = kd_calloc(2 * c->ndisks * 2 + 1, sizeof(char *));
    size_t nown = 0;
    fs[n++] = (kd_field_spec){"name", "Name", KD_FIELD_TEXT, name, NULL, NULL, NULL};
    fs[n++] = (kd_field_spec){"description", "Description", KD_FIELD_TEXT, "", NULL, NULL, NULL};
    if (c->active)
        fs[n++] = (kd_field_spec){
            "memory", "With memory", KD_FIELD_CHECK,
            "1",      NULL,          "keep the running state too; without it: disks only",
            NULL};
    else
        fs[n++] = (kd_field_spec){
            "memory", "Memory", KD_FIELD_LABEL, "shut off: the disks only", NULL, NULL, NULL};
    for (size_t i = 0; i < c->ndisks; i++) {
        char *mk = own[nown++] = kd_asprintf("mode:%s", c->disks[i]);
        char *ml = own[nown++] = kd_asprintf("Disk %s", c->disks[i]);
        char *fk = own[nown++] = kd_asprintf("file:%s", c->disks[i]);
        char *fl = own[nown++] = kd_asprintf("%s overlay", c->disks[i]);
        fs[n++] = (kd_field_spec){
            mk,         ml,           KD_FIELD_CHOICE,
            "internal", disk_choices, "internal: inside the qcow2; external: a new overlay file",
            NULL};
        fs[n++] =
            (kd_field_spec){fk,  fl,   KD_FIELD_TEXT,
                            "",  NULL, "absolute path of the new file; empty: libvirt names it",
                            NULL};
    }
    fs[n++] =
        (kd_field_spec){"memfile", "Memory file", KD_FIELD_TEXT,
                        "",        NULL,          "with external disks the memory goes to a file",
                        NULL};
    char *title = kd_asprintf("New snapshot of %s", dom_name(app, uuid));
    kd_form_spec spec = {.title = title,
                         .fields = fs,
                         .nfields = n,
                         .submit = "Create",
                         .changed = on_form_changed,
                         .done = on_form,
                         .opaque = c,
                         .opaque_free = create_ctx_free};
    kd_form *f = kd_form_open(app, &spec);
    on_form_changed(app, f, "name", c);
    free(title);
    kd_strv_free(own);
    free(fs);
}
