#include "backend/storage.h"
#include "core/str.h"
#include "ui/act_common.h"
#include "ui/app.h"
#include "ui/form.h"
#include "ui/storage_ui.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The new-volume form: name, size with a unit, format, and an optional backing volume
 * chosen from the pool's volumes. */

static const char *const formats[] = {"qcow2", "raw", NULL};

typedef struct {
    char *pool;
} form_arg;

static void form_arg_free(void *p)
{
    form_arg *a = p;
    if (a)
        free(a->pool);
    free(a);
}

/* A bare number in the form means GiB, as in virt-manager; "512M" says its own unit. */
static int form_size(const char *text, unsigned long long *out, kd_err *err)
{
    size_t n = strlen(text);
    if (n && isdigit((unsigned char)text[n - 1])) {
        char *with = kd_asprintf("%sG", text);
        int rc = kd_storage_parse_size(with, out, err);
        free(with);
        if (rc < 0)
            kd_storage_parse_size(text, out, err); /* the message names what was typed */
        return rc;
    }
    return kd_storage_parse_size(text, out, err);
}

static const char *on_check(kd_app *app, kd_form *f, const char *key, const char *value, char *buf,
                            size_t n, void *opaque)
{
    kd_err err;
    kd_err_clear(&err);
    unsigned long long size;
    if (strcmp(key, "name") == 0 && kd_storage_check_name("volume", value, &err) < 0) {
        snprintf(buf, n, "%s", err.msg + strlen("volume: "));
        return buf;
    }
    if (strcmp(key, "size") == 0) {
        bool backed = *kd_form_get(f, "backing");
        if (!*value)
            return backed ? NULL : "give a size, e.g. 10G or 512M";
        if (form_size(value, &size, &err) < 0) {
            snprintf(buf, n, "%s", err.msg);
            return buf;
        }
        if (size == 0)
            return "the size must be more than 0";
    }
    if (strcmp(key, "format") == 0 && *kd_form_get(f, "backing") && strcmp(value, "qcow2") != 0)
        return "a volume on a backing volume must be qcow2";
    return NULL;
}

static void on_changed(kd_app *app, kd_form *f, const char *key, void *opaque)
{
    /* An overlay can only be qcow2. */
    if (strcmp(key, "backing") == 0 && *kd_form_get(f, "backing"))
        kd_form_set(f, "format", "qcow2");
}

static bool on_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    form_arg *a = opaque;
    if (!ok)
        return true;
    kd_err err;
    kd_err_clear(&err);
    unsigned long long size = 0;
    const char *size_text = kd_form_get(f, "size");
    if (*size_text && form_size(size_text, &size, &err) < 0) {
        kd_form_error(f, "size", err.msg);
        return false;
    }
    const char *backing = kd_form_get(f, "backing");
    kd_vol_spec s = {.name = kd_form_get(f, "name"),
                     .capacity = size,
                     .format = kd_form_get(f, "format"),
                     .backing = *backing ? backing : NULL};
    char *path = NULL;
    int rc = kd_storage_vol_create(app->conn, a->pool, &s, &path, &err);
    char *what = kd_asprintf("vol-create-as %s %s %s --format %s%s%s", a->pool, s.name,
                             *size_text ? size_text : "-", s.format,
                             s.backing ? " --backing-vol " : "", s.backing ? s.backing : "");
    kd_act_report(app, "", what, rc, &err);
    free(what);
    if (rc < 0) {
        kd_form_error(f, NULL, err.msg);
        return false;
    }
    kd_app_status(app, false, "created %s", path);
    free(path);
    kd_vols_select(app, s.name);
    kd_vols_reload(app);
    kd_pools_reload(app);
    return true;
}

/* ---- the backing volume picker ------------------------------------------------------------ */

typedef struct {
    kd_form *form;
    kd_vol *vols;
    size_t n;
} pick_arg;

static void pick_arg_free(void *p)
{
    pick_arg *a = p;
    if (a)
        kd_storage_vols_free(a->vols, a->n);
    free(a);
}

static void on_picked(kd_app *app, bool ok, size_t index, const char *item, void *opaque)
{
    pick_arg *a = opaque;
    if (!ok || kd_form_current(app) != a->form)
        return;
    /* The first item is "(none)". */
    kd_form_set(a->form, "backing", index == 0 ? "" : a->vols[index - 1].name);
    on_changed(app, a->form, "backing", NULL);
}

static void pick_backing(kd_app *app, kd_form *form, const char *key)
{
    form_arg *fa = kd_form_opaque(form);
    kd_err err;
    kd_err_clear(&err);
    pick_arg *a = kd_calloc(1, sizeof(*a));
    a->form = form;
    a->vols = kd_storage_vols_list(app->conn, fa->pool, &a->n, &err);
    if (!a->vols) {
        kd_form_error(form, key, err.msg);
        pick_arg_free(a);
        return;
    }
    const char **items = kd_calloc(a->n + 2, sizeof(*items));
    char **details = kd_calloc(a->n + 2, sizeof(*details));
    items[0] = "(none)";
    details[0] = kd_strdup("a volume of its own");
    for (size_t i = 0; i < a->n; i++) {
        char size[24];
        kd_storage_fmt_bytes(size, sizeof(size), a->vols[i].capacity);
        items[i + 1] = a->vols[i].name;
        details[i + 1] = kd_asprintf("%s %s", *a->vols[i].format ? a->vols[i].format : "?", size);
    }
    kd_pick_spec spec = {.title = "Backing volume",
                         .items = items,
                         .details = (const char *const *)details,
                         .n = a->n + 1,
                         .done = on_picked,
                         .opaque = a,
                         .opaque_free = pick_arg_free};
    kd_pick_open(app, &spec);
    for (size_t i = 0; i < a->n + 1; i++)
        free(details[i]);
    free(details);
    free(items);
}

void kd_vol_form_open(kd_app *app, const char *pool)
{
    const kd_field_spec fields[] = {
        {"name", "Name", KD_FIELD_TEXT, "", NULL, "The volume's file name, e.g. disk1.qcow2", NULL},
        {"size", "Size", KD_FIELD_NUMBER, "10G", NULL,
         "With a unit: 512M, 10G, 1.5T (a bare number is GiB); empty with a backing volume", NULL},
        {"format", "Format", KD_FIELD_CHOICE, "qcow2", formats, "Left/Right: qcow2 or raw", NULL},
        {"backing", "Backing volume", KD_FIELD_TEXT, "", NULL,
         "F4 chooses; the new volume is a thin qcow2 overlay on it", pick_backing},
    };
    form_arg *a = kd_calloc(1, sizeof(*a));
    a->pool = kd_strdup(pool);
    char *title = kd_asprintf("New volume in pool %s", pool);
    kd_form_spec spec = {.title = title,
                         .fields = fields,
                         .nfields = sizeof(fields) / sizeof(fields[0]),
                         .submit = "Create",
                         .check = on_check,
                         .changed = on_changed,
                         .done = on_done,
                         .opaque = a,
                         .opaque_free = form_arg_free};
    kd_form_open(app, &spec);
    free(title);
}
