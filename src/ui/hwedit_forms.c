#include "backend/storage.h"
#include "core/str.h"
#include "ui/form.h"
#include "ui/hwedit_priv.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The editor's forms: one per kind of item for Enter, the additions, removal, CD-ROM media
 * and vCPU pinning. A refused change keeps its form open with every answer. */

static const char *const buses_disk[] = {"virtio", "sata", "scsi", "ide", "usb", NULL};
static const char *const buses_cd[] = {"sata", "scsi", "ide", "usb", NULL};
static const char *const caches[] = {"default",    "none",   "writeback", "writethrough",
                                     "directsync", "unsafe", NULL};
static const char *const nic_types[] = {"network", "bridge", "direct", NULL};
static const char *const nic_models[] = {"virtio", "e1000", "e1000e", "rtl8139", NULL};
static const char *const cpu_modes[] = {"default", "host-passthrough", "host-model", "custom",
                                        NULL};
static const char *const boot_devs[] = {"none", "hd", "cdrom", "network", "fd", NULL};

/* Bytes from "2048", "2G" (a bare number is MiB); -1 if bad. */
static long long mib_field(const kd_form *f, const char *key)
{
    return kd_form_parse_size(kd_form_get(f, key), 1LL << 20);
}

/* Out of range saturates (and is then refused by the checks), never wraps: 4294967297 vCPUs
 * must not become 1. */
static unsigned num(const kd_form *f, const char *key)
{
    long long v = kd_form_get_num(f, key);
    return v < 0 ? 0 : v > UINT_MAX ? UINT_MAX : (unsigned)v;
}

const char *kd_hw_form_check(kd_app *app, kd_form *form, const char *key, const char *value,
                             char *buf, size_t n, void *opaque)
{
    (void)app;
    (void)form;
    (void)opaque;
    kd_err err;
    if (strcmp(key, "mac") == 0 && *value && kd_hw_check_mac(value, &err) < 0) {
        snprintf(buf, n, "%s", err.msg);
        return buf;
    }
    if ((strcmp(key, "mem") == 0 || strcmp(key, "maxmem") == 0 || strcmp(key, "size") == 0) &&
        kd_form_parse_size(value, 1LL << 20) <= 0)
        return "a size: 2048 (MiB), 512M, 4G";
    if (strcmp(key, "cpuset") == 0 && kd_hw_check_cpuset(value, 0, &err) < 0) {
        snprintf(buf, n, "%s", err.msg);
        return buf;
    }
    return NULL;
}

/* Report a change and close the form, or show the refusal in it and keep it open. */
bool kd_hw_form_finish(kd_app *app, kd_form *form, const char *what, int rc,
                       const kd_hw_result *res, const kd_err *err)
{
    hw_screen *s = kd_hw_screen(app);
    if (s)
        kd_hw_report(s, what, rc, res, err);
    if (rc < 0) {
        kd_form_error(form, NULL, err->msg);
        return false;
    }
    return true;
}

static void open_form(const char *title, const kd_field_spec *fields, size_t n,
                      kd_form_done_fn done, hw_screen *s)
{
    kd_form_open(s->app, &(kd_form_spec){.title = title,
                                         .fields = fields,
                                         .nfields = n,
                                         .check = kd_hw_form_check,
                                         .done = done});
}

/* ---- memory ---- */

static bool memory_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    (void)opaque;
    hw_screen *s = kd_hw_screen(app);
    if (!ok || !s)
        return true;
    kd_err err;
    kd_hw_result res;
    long long mem = mib_field(f, "mem"), max = mib_field(f, "maxmem");
    int rc = kd_hwed_set_memory(s->ed, (unsigned long long)mem / 1024,
                                (unsigned long long)max / 1024, &res, &err);
    return kd_hw_form_finish(app, f, "memory", rc, &res, &err);
}

static void form_memory(hw_screen *s)
{
    const kd_hw_model *m = kd_hwed_config(s->ed);
    char mem[32], max[32];
    snprintf(mem, sizeof(mem), "%lluM", m->mem_kib / 1024);
    snprintf(max, sizeof(max), "%lluM", m->maxmem_kib / 1024);
    const kd_field_spec fields[] = {
        {"mem", "Memory", KD_FIELD_NUMBER, mem, NULL, "now; up to the maximum (e.g. 2048 or 2G)",
         NULL},
        {"maxmem", "Maximum memory", KD_FIELD_NUMBER, max, NULL, "applies at next boot", NULL},
    };
    open_form("Memory", fields, 2, memory_done, s);
}

/* ---- CPUs ---- */

static bool cpus_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    (void)opaque;
    hw_screen *s = kd_hw_screen(app);
    if (!ok || !s)
        return true;
    kd_err err;
    kd_hw_result res;
    const kd_hw_model *m = kd_hwed_config(s->ed);
    unsigned vcpus = num(f, "vcpus"), maxv = num(f, "maxvcpus");
    unsigned so = num(f, "sockets"), co = num(f, "cores"), th = num(f, "threads");
    if (kd_hw_check_vcpus(vcpus, maxv, &err) < 0) {
        kd_form_error(f, "vcpus", err.msg);
        return false;
    }
    if (kd_hw_check_topology(so, co, th, maxv, &err) < 0) {
        kd_form_error(f, "sockets", err.msg);
        return false;
    }
    kd_hw_cpu_mode mode = KD_HW_CPU_DEFAULT;
    kd_hw_cpu_mode_parse(kd_form_get(f, "mode"), &mode);
    const char *model = kd_form_get(f, "model");
    char first[sizeof(app->status)] = "";
    if (vcpus != m->vcpus || maxv != m->maxvcpus) {
        int rc = kd_hwed_set_vcpus(s->ed, vcpus, maxv, &res, &err);
        if (!kd_hw_form_finish(app, f, "vCPUs", rc, &res, &err))
            return false;
        snprintf(first, sizeof(first), "%s", app->status);
        m = kd_hwed_config(s->ed);
    }
    bool ok2 = true;
    if (mode != m->cpu_mode || strcmp(model, m->cpu_model) != 0 || so != m->sockets ||
        co != m->cores || th != m->threads) {
        int rc = kd_hwed_set_cpu(s->ed, mode, model, so, co, th, &res, &err);
        ok2 = kd_hw_form_finish(app, f, "CPU model and topology", rc, &res, &err);
    }
    /* Both changes made: say both. */
    if (*first && strcmp(first, app->status) != 0) {
        char second[sizeof(app->status)];
        snprintf(second, sizeof(second), "%s", app->status);
        kd_app_status(app, !ok2, "%s; %s", first, second);
    }
    return ok2;
}

static void form_cpus(hw_screen *s)
{
    const kd_hw_model *m = kd_hwed_config(s->ed);
    char v[16], mx[16], so[16], co[16], th[16];
    snprintf(v, sizeof(v), "%u", m->vcpus);
    snprintf(mx, sizeof(mx), "%u", m->maxvcpus);
    snprintf(so, sizeof(so), "%u", m->sockets);
    snprintf(co, sizeof(co), "%u", m->cores);
    snprintf(th, sizeof(th), "%u", m->threads);
    const kd_field_spec fields[] = {
        {"vcpus", "vCPUs", KD_FIELD_NUMBER, v, NULL, "online now; up to the maximum", NULL},
        {"maxvcpus", "Maximum vCPUs", KD_FIELD_NUMBER, mx, NULL, "applies at next boot", NULL},
        {"mode", "CPU mode", KD_FIELD_CHOICE, kd_hw_cpu_mode_name(m->cpu_mode), cpu_modes,
         "applies at next boot", NULL},
        {"model", "CPU model", KD_FIELD_TEXT, m->cpu_model, NULL, "custom: e.g. Skylake-Client",
         NULL},
        {"sockets", "Sockets", KD_FIELD_NUMBER, so, NULL, "0, 0, 0: no topology", NULL},
        {"cores", "Cores", KD_FIELD_NUMBER, co, NULL, "sockets x cores x threads = maximum", NULL},
        {"threads", "Threads", KD_FIELD_NUMBER, th, NULL, NULL, NULL},
    };
    open_form("CPUs", fields, sizeof(fields) / sizeof(fields[0]), cpus_done, s);
}

/* ---- boot ---- */

static bool boot_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    (void)opaque;
    hw_screen *s = kd_hw_screen(app);
    if (!ok || !s)
        return true;
    const char *devs[3];
    size_t n = 0;
    static const char *const keys[] = {"boot1", "boot2", "boot3"};
    for (size_t i = 0; i < 3; i++) {
        const char *d = kd_form_get(f, keys[i]);
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup = dup || strcmp(devs[k], d) == 0;
        if (strcmp(d, "none") != 0 && !dup)
            devs[n++] = d;
    }
    kd_err err;
    kd_hw_result res;
    int rc = kd_hwed_set_boot(s->ed, devs, n, kd_form_get_bool(f, "menu"), &res, &err);
    return kd_hw_form_finish(app, f, "boot order", rc, &res, &err);
}

/* Per-device boot orders as the kinds <os><boot dev> names, first three by order. */
static void devices_by_order(const kd_hw_model *m, const char *b[3])
{
    size_t k = 0;
    for (int order = 1; order <= 16 && k < 3; order++) {
        for (size_t i = 0; i < m->ndisks && k < 3; i++)
            if (m->disks[i].boot_order == order)
                b[k++] = strcmp(m->disks[i].device, "cdrom") == 0    ? "cdrom"
                         : strcmp(m->disks[i].device, "floppy") == 0 ? "fd"
                                                                     : "hd";
        for (size_t i = 0; i < m->nnics && k < 3; i++)
            if (m->nics[i].boot_order == order)
                b[k++] = "network";
    }
}

static void form_boot(hw_screen *s)
{
    const kd_hw_model *m = kd_hwed_config(s->ed);
    const char *b[3] = {"none", "none", "none"};
    for (size_t i = 0; i < m->nboot && i < 3; i++)
        b[i] = m->boot_devs[i];
    if (m->nboot == 0)
        devices_by_order(m, b);
    const kd_field_spec fields[] = {
        {"boot1", "First", KD_FIELD_CHOICE, b[0], boot_devs, "replaces per-device boot orders",
         NULL},
        {"boot2", "Second", KD_FIELD_CHOICE, b[1], boot_devs, NULL, NULL},
        {"boot3", "Third", KD_FIELD_CHOICE, b[2], boot_devs, NULL, NULL},
        {"menu", "Boot menu", KD_FIELD_CHECK, m->bootmenu ? "1" : "0", NULL, NULL, NULL},
    };
    open_form("Boot options (next boot)", fields, 4, boot_done, s);
}

/* ---- autostart, description ---- */

static void toggle_autostart(hw_screen *s)
{
    kd_err err;
    kd_hw_result res;
    bool on = !kd_hwed_autostart(s->ed);
    int rc = kd_hwed_set_autostart(s->ed, on, &res, &err);
    kd_hw_report(s, on ? "autostart on" : "autostart off", rc, &res, &err);
}

static bool desc_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    (void)opaque;
    hw_screen *s = kd_hw_screen(app);
    if (!ok || !s)
        return true;
    kd_err err;
    kd_hw_result res;
    int rc = kd_hwed_set_description(s->ed, kd_form_get(f, "text"), &res, &err);
    return kd_hw_form_finish(app, f, "description", rc, &res, &err);
}

static void form_description(hw_screen *s)
{
    const kd_field_spec fields[] = {
        {"text", "Description", KD_FIELD_TEXT, kd_hwed_config(s->ed)->description, NULL,
         "empty removes it", NULL},
    };
    open_form("Description", fields, 1, desc_done, s);
}

/* ---- a disk's settings ---- */

static const char *const io_keys[] = {"tbs", "rbs", "wbs", "tio", "rio", "wio"};

static bool disk_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    (void)opaque;
    hw_screen *s = kd_hw_screen(app);
    const hw_item *it = kd_hw_selected(s);
    if (!ok || !s || !it)
        return true;
    unsigned long long v[6];
    for (size_t i = 0; i < 6; i++) {
        long long x = kd_form_get_num(f, io_keys[i]);
        v[i] = x < 0 ? 0 : (unsigned long long)x;
    }
    kd_hw_iotune io = {v[0], v[1], v[2], v[3], v[4], v[5]};
    const char *cache = kd_form_get(f, "cache");
    kd_err err;
    kd_hw_result res;
    int rc = kd_hwed_set_disk(s->ed, it->key, kd_form_get(f, "bus"),
                              strcmp(cache, "default") == 0 ? "" : cache, &io, &res, &err);
    return kd_hw_form_finish(app, f, it->label, rc, &res, &err);
}

static void form_disk(hw_screen *s, const hw_item *it)
{
    const kd_hw_disk *d = kd_hw_model_disk(kd_hwed_config(s->ed), it->key);
    if (!d)
        return;
    char v[6][24];
    const kd_hw_iotune *t = &d->iotune;
    const unsigned long long vals[6] = {t->total_bytes_sec, t->read_bytes_sec, t->write_bytes_sec,
                                        t->total_iops_sec,  t->read_iops_sec,  t->write_iops_sec};
    for (size_t i = 0; i < 6; i++)
        snprintf(v[i], sizeof(v[i]), "%llu", vals[i]);
    bool cd = strcmp(d->device, "disk") != 0;
    const kd_field_spec fields[] = {
        {"bus", "Bus", KD_FIELD_CHOICE, d->bus, cd ? buses_cd : buses_disk, "applies at next boot",
         NULL},
        {"cache", "Cache", KD_FIELD_CHOICE, *d->cache ? d->cache : "default", caches,
         "applies at next boot", NULL},
        {"tbs", "Total bytes/s", KD_FIELD_NUMBER, v[0], NULL, "I/O limits apply live; 0: none",
         NULL},
        {"rbs", "Read bytes/s", KD_FIELD_NUMBER, v[1], NULL, NULL, NULL},
        {"wbs", "Write bytes/s", KD_FIELD_NUMBER, v[2], NULL, NULL, NULL},
        {"tio", "Total IOPS", KD_FIELD_NUMBER, v[3], NULL, NULL, NULL},
        {"rio", "Read IOPS", KD_FIELD_NUMBER, v[4], NULL, NULL, NULL},
        {"wio", "Write IOPS", KD_FIELD_NUMBER, v[5], NULL, NULL, NULL},
    };
    open_form(it->label, fields, sizeof(fields) / sizeof(fields[0]), disk_done, s);
}

/* ---- a NIC's settings, and a new NIC ---- */

static bool nic_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    hw_screen *s = kd_hw_screen(app);
    const hw_item *it = kd_hw_selected(s);
    if (!ok || !s)
        return true;
    bool add = opaque != NULL;
    kd_hw_nic_spec spec = {.type = kd_form_get(f, "type"),
                           .source = kd_form_get(f, "source"),
                           .model = kd_form_get(f, "model"),
                           .mac = add ? kd_form_get(f, "mac") : NULL};
    kd_err err;
    kd_hw_result res;
    int rc = add ? kd_hwed_add_nic(s->ed, &spec, &res, &err)
                 : kd_hwed_set_nic(s->ed, it->key, &spec, &res, &err);
    return kd_hw_form_finish(app, f, add ? "new NIC" : it->label, rc, &res, &err);
}

static void form_nic(hw_screen *s, const kd_hw_nic *n)
{
    const kd_field_spec fields[] = {
        {"type", "Type", KD_FIELD_CHOICE, n ? n->type : "network", nic_types, NULL, NULL},
        {"source", "Source", KD_FIELD_TEXT, n ? n->source : "default", NULL,
         "network name, bridge (br0) or host interface (eth0)", NULL},
        {"model", "Model", KD_FIELD_CHOICE, n && *n->model ? n->model : "virtio", nic_models, NULL,
         NULL},
        {"mac", "MAC", n ? KD_FIELD_LABEL : KD_FIELD_TEXT, n ? n->mac : "", NULL,
         "empty: one is made up in 52:54:00", NULL},
    };
    kd_form_open(s->app, &(kd_form_spec){.title = n ? "NIC" : "Add a NIC",
                                         .fields = fields,
                                         .nfields = 4,
                                         .submit = n ? NULL : "Add",
                                         .check = kd_hw_form_check,
                                         .done = nic_done,
                                         .opaque = n ? NULL : (void *)1});
}

/* The items edited without looking at which one (the overview and the domain-wide ones). */
static void (*const simple_edits[HW_LAST])(hw_screen *s) = {
    [HW_OVERVIEW] = form_memory,
    [HW_MEMORY] = form_memory,
    [HW_CPUS] = form_cpus,
    [HW_BOOT] = form_boot,
    [HW_AUTOSTART] = toggle_autostart,
    [HW_DESCRIPTION] = form_description,
};

void kd_hw_form_edit(hw_screen *s)
{
    const hw_item *it = kd_hw_selected(s);
    if (!it)
        return;
    if (it->kind == HW_DISK || it->kind == HW_CDROM)
        form_disk(s, it);
    else if (it->kind == HW_NIC)
        form_nic(s, kd_hw_model_nic(kd_hwed_config(s->ed), it->key));
    else if (simple_edits[it->kind])
        simple_edits[it->kind](s);
}

void kd_hw_form_nic_add(hw_screen *s)
{
    form_nic(s, NULL);
}

void kd_hw_form_memory(hw_screen *s)
{
    form_memory(s);
}

void kd_hw_form_cpus(hw_screen *s)
{
    form_cpus(s);
}

void kd_hw_form_description(hw_screen *s)
{
    form_description(s);
}
