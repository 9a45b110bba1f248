#include "backend/storage.h"
#include "core/str.h"
#include "ui/act_common.h"
#include "ui/app.h"
#include "ui/form.h"
#include "ui/storage_ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The new-pool form: the fields a pool type needs, and no others. */

static const char *const types[] = {"dir", "logical", "netfs", "disk", NULL};
static const char *const netfs_formats[] = {"auto", "nfs", "cifs", "glusterfs", NULL};
static const char *const disk_formats[] = {"gpt", "dos", "dvh", "mac", "bsd", "pc98", "sun", NULL};

/* Which fields each type shows. */
static const struct {
    const char *type;
    bool host, source_path, devices, vg, format;
    /* Building a logical or disk pool writes on its devices: never by default. */
    const char *build;
    const char *target_help;
} layouts[] = {
    {"dir", false, false, false, false, false, "1", "The directory that holds the volumes"},
    {"logical", false, false, true, true, false, "0",
     "Optional: /dev/VG. Building runs pvcreate and vgcreate: it ERASES the devices"},
    {"netfs", true, true, false, false, true, "1", "Where the share is mounted"},
    {"disk", false, false, true, false, true, "0",
     "Optional: /dev. Building writes a new partition table: it ERASES the device"},
};

static void relayout(kd_form *f)
{
    const char *type = kd_form_get(f, "type");
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        if (strcmp(layouts[i].type, type) != 0)
            continue;
        kd_form_set_hidden(f, "host", !layouts[i].host);
        kd_form_set_hidden(f, "source_path", !layouts[i].source_path);
        kd_form_set_hidden(f, "devices", !layouts[i].devices);
        kd_form_set_hidden(f, "vg", !layouts[i].vg);
        kd_form_set_hidden(f, "format", !layouts[i].format);
        kd_form_set(f, "build", layouts[i].build);
        kd_form_set_message(f, layouts[i].target_help);
    }
    kd_form_set_choices(f, "format", strcmp(type, "disk") == 0 ? disk_formats : netfs_formats);
}

static void on_changed(kd_app *app, kd_form *f, const char *key, void *opaque)
{
    if (strcmp(key, "type") == 0)
        relayout(f);
}

static const char *on_check(kd_app *app, kd_form *f, const char *key, const char *value, char *buf,
                            size_t n, void *opaque)
{
    kd_err err;
    kd_err_clear(&err);
    if (strcmp(key, "name") == 0 && kd_storage_check_name("pool", value, &err) < 0) {
        snprintf(buf, n, "%s", err.msg + strlen("pool: "));
        return buf;
    }
    if (strcmp(key, "target") == 0 && *value && value[0] != '/')
        return "an absolute path, starting with /";
    return NULL;
}

static bool on_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    bool transient = opaque != NULL;
    if (!ok)
        return true;
    char **devs = NULL;
    const char *bad = NULL;
    int ndevs = kd_str_split_words(kd_form_get(f, "devices"), &devs, &bad);
    if (ndevs < 0) {
        kd_form_error(f, "devices", bad);
        return false;
    }
    const char *type = kd_form_get(f, "type");
    bool has_format = strcmp(type, "netfs") == 0 || strcmp(type, "disk") == 0;
    kd_pool_spec s = {.name = kd_form_get(f, "name"),
                      .type = type,
                      .target = kd_form_get(f, "target"),
                      .source_name = kd_form_get(f, "vg"),
                      .devices = (const char *const *)devs,
                      .ndevices = (size_t)ndevs,
                      .host = kd_form_get(f, "host"),
                      .source_path = kd_form_get(f, "source_path"),
                      .format = has_format ? kd_form_get(f, "format") : NULL};
    unsigned flags = transient ? KD_POOL_DEFINE_TRANSIENT | KD_POOL_DEFINE_START : 0;
    if (kd_form_get_bool(f, "build"))
        flags |= KD_POOL_DEFINE_BUILD;
    if (kd_form_get_bool(f, "start"))
        flags |= KD_POOL_DEFINE_START;
    if (!transient && kd_form_get_bool(f, "autostart"))
        flags |= KD_POOL_DEFINE_AUTOSTART;
    kd_err err;
    kd_err_clear(&err);
    int rc = kd_storage_pool_define(app->conn, &s, flags, &err);
    char *what =
        kd_asprintf("%s %s %s", transient ? "pool-create-as" : "pool-define-as", s.name, s.type);
    kd_act_report(app, "", what, rc, &err);
    free(what);
    kd_strv_free(devs);
    if (rc < 0) {
        /* Everything typed stays; the message says what to change. */
        kd_form_error(f, NULL, err.msg);
        return false;
    }
    kd_pools_select(app, kd_form_get(f, "name"));
    kd_pools_reload(app);
    return true;
}

void kd_pool_form_open(kd_app *app, bool transient)
{
    const kd_field_spec fields[] = {
        {"name", "Name", KD_FIELD_TEXT, "", NULL, "The pool's name", NULL},
        {"type", "Type", KD_FIELD_CHOICE, "dir", types, "Left/Right: dir, logical, netfs, disk",
         NULL},
        {"host", "Source host", KD_FIELD_TEXT, "", NULL, "The NFS/CIFS/Gluster server", NULL},
        {"source_path", "Source path", KD_FIELD_TEXT, "", NULL,
         "The exported directory (Gluster: the volume name)", NULL},
        {"format", "Format", KD_FIELD_CHOICE, "auto", netfs_formats, "Left/Right to choose", NULL},
        {"devices", "Source devices", KD_FIELD_TEXT, "", NULL,
         "Block devices, separated by spaces (/dev/sdb /dev/sdc)", NULL},
        {"vg", "Volume group", KD_FIELD_TEXT, "", NULL, "Defaults to the pool's name", NULL},
        {"target", "Target path", KD_FIELD_TEXT, "/var/lib/libvirt/images/", NULL,
         "An absolute path", NULL},
        {"build", "Build it", KD_FIELD_CHECK, "1", NULL,
         "Create the directory / volume group / partition table", NULL},
        {"start", "Start it", KD_FIELD_CHECK, "1", NULL, NULL, NULL},
        {"autostart", "Autostart", KD_FIELD_CHECK, transient ? "0" : "1", NULL,
         "Start it when the host boots", NULL},
    };
    kd_form_spec spec = {.title = transient ? "New transient storage pool" : "New storage pool",
                         .fields = fields,
                         .nfields = sizeof(fields) / sizeof(fields[0]),
                         .submit = transient ? "Create" : "Define",
                         .check = on_check,
                         .changed = on_changed,
                         .done = on_done,
                         .opaque = transient ? app : NULL};
    kd_form *f = kd_form_open(app, &spec);
    if (f) {
        relayout(f);
        kd_form_set_hidden(f, "autostart", transient);
    }
}
