#include "core/str.h"
#include "ui/wizard_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The wizard's pages: each builds its form from the answers so far and writes the submitted
 * values back. Esc goes back a page, keeping what was typed there that makes sense. */

const char *const kd_wiz_src_labels[] = {"ISO image",        "URL (network ISO)",
                                         "PXE network boot", "Import a disk image",
                                         "Kernel boot",      NULL};
const char *const kd_wiz_stor_labels[] = {"new volume", "existing volume or file", "none", NULL};
const char *const kd_wiz_nic_labels[] = {"virtual network", "bridge", "macvtap (direct)", "none",
                                         NULL};
const char *const kd_wiz_fw_labels[] = {"BIOS", "UEFI", "UEFI with secure boot", NULL};
static const char *const format_choices[] = {"qcow2", "raw", NULL};

static int label_index(const char *const *labels, const char *value)
{
    for (int i = 0; labels[i]; i++) {
        if (kd_str_eq(labels[i], value))
            return i;
    }
    return 0;
}

static const char *get(kd_form *f, const char *key)
{
    const char *v = kd_form_get(f, key);
    return v ? v : "";
}

/* ---- the form's handlers ------------------------------------------------------------------ */

static bool page_done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    kd_wiz *w = opaque;
    /* Back or forward, what this page holds is kept (store ignores values that are not
     * good), so that coming back shows it. */
    kd_wiz_pages[w->page].store(app, w, f);
    if (ok) {
        kd_wiz_show(app, w, w->page + 1);
    } else if (w->page == 0) {
        kd_app_status(app, false, "new domain: cancelled");
    } else {
        kd_wiz_show(app, w, kd_wiz_page_before(w, w->page));
    }
    return true;
}

static void page_changed(kd_app *app, kd_form *f, const char *key, void *opaque);

kd_form *kd_wiz_form(kd_app *app, kd_wiz *w, const char *title, const char *message,
                     const kd_field_spec *fields, size_t n)
{
    kd_form_spec spec = {.title = title,
                         .message = message,
                         .fields = fields,
                         .nfields = n,
                         .submit = w->page + 1 < kd_wiz_npages ? "Next" : "Summary",
                         .cancel = w->page > 0 ? "back" : "cancel",
                         .check = kd_wiz_check,
                         .changed = page_changed,
                         .done = page_done,
                         .opaque = kd_wiz_ref(w),
                         .opaque_free = kd_wiz_unref};
    kd_form *f = kd_form_open(app, &spec);
    page_changed(app, f, "", w);
    return f;
}

/* Show only the fields that the choices made so far call for. */
static void page_changed(kd_app *app, kd_form *f, const char *key, void *opaque)
{
    (void)app;
    if (kd_str_eq(key, "os")) {
        const kd_osvariant *os = kd_wiz_os_find(opaque, kd_form_get(f, "os"));
        kd_form_set(f, "osname", os ? os->name : "");
    }
    const char *stor = kd_form_get(f, "storage");
    if (stor) {
        int k = label_index(kd_wiz_stor_labels, stor);
        kd_form_set_hidden(f, "pool", k != KD_STOR_NEW);
        kd_form_set_hidden(f, "size", k != KD_STOR_NEW);
        kd_form_set_hidden(f, "format", k != KD_STOR_NEW);
        kd_form_set_hidden(f, "disk", k != KD_STOR_EXISTING);
    }
    const char *nic = kd_form_get(f, "nic");
    if (nic) {
        kd_form_set_hidden(f, "source", label_index(kd_wiz_nic_labels, nic) == KD_NIC_NONE);
        if (kd_str_eq(key, "nic"))
            kd_form_set(f, "source", "");
    }
    const char *vnc = kd_form_get(f, "vnc");
    if (vnc)
        kd_form_set_hidden(f, "password", !kd_str_eq(vnc, "1"));
}

/* ---- 1: name and source ------------------------------------------------------------------- */

static void open_name(kd_app *app, kd_wiz *w, const char *title)
{
    const kd_domspec *s = w->spec;
    kd_field_spec fields[] = {
        {"preset", "Start from preset", KD_FIELD_TEXT, w->preset, NULL,
         "F4 or Enter: the saved presets; empty: start afresh", kd_wiz_pick_preset},
        {"name", "Name", KD_FIELD_TEXT, s->name, NULL, "Unique on this host, at most 64 bytes",
         NULL},
        {"source", "Install from", KD_FIELD_CHOICE, kd_wiz_src_labels[s->src], kd_wiz_src_labels,
         "Space or Left/Right to choose", NULL},
    };
    const char *msg = w->caps->kvm || !w->caps->has_qemu
                          ? NULL
                          : "KVM is not available on this host: the new domain runs under "
                            "QEMU emulation, which is much slower.";
    kd_wiz_form(app, w, title, msg, fields, sizeof(fields) / sizeof(fields[0]));
}

static void store_name(kd_app *app, kd_wiz *w, kd_form *f)
{
    const char *preset = get(f, "preset");
    kd_err err;
    if (*preset && !kd_str_eq(preset, w->preset) && kd_wiz_load_preset(app, w, preset, &err) < 0)
        kd_app_status(app, true, "%s", err.msg);
    kd_domspec_set(&w->spec->name, get(f, "name"));
    w->spec->src = (kd_src_kind)label_index(kd_wiz_src_labels, get(f, "source"));
}

/* ---- 2: where the installer comes from ------------------------------------------------------ */

static bool skip_source(const kd_wiz *w)
{
    return w->spec->src == KD_SRC_PXE;
}

static void open_source(kd_app *app, kd_wiz *w, const char *title)
{
    const kd_domspec *s = w->spec;
    static const char browse[] = "F4 or Enter: the host's files and the pools' volumes";
    kd_field_spec iso[] = {
        {"media", "ISO image", KD_FIELD_TEXT, s->media, NULL, browse, kd_wiz_pick_file}};
    kd_field_spec url[] = {{"url", "URL", KD_FIELD_TEXT, s->url, NULL,
                            "http, https or ftp://HOST/PATH/IMAGE.iso", NULL}};
    kd_field_spec import[] = {
        {"disk", "Disk image", KD_FIELD_TEXT, s->disk, NULL, browse, kd_wiz_pick_file}};
    kd_field_spec kernel[] = {
        {"kernel", "Kernel", KD_FIELD_TEXT, s->kernel, NULL, browse, kd_wiz_pick_file},
        {"initrd", "Initrd", KD_FIELD_TEXT, s->initrd, NULL, "May be empty", kd_wiz_pick_file},
        {"cmdline", "Command line", KD_FIELD_TEXT, s->cmdline, NULL,
         "The kernel's arguments, e.g. console=ttyS0 root=/dev/vda1", NULL},
    };
    const kd_field_spec *fields = s->src == KD_SRC_URL      ? url
                                  : s->src == KD_SRC_IMPORT ? import
                                  : s->src == KD_SRC_KERNEL ? kernel
                                                            : iso;
    size_t n = s->src == KD_SRC_KERNEL ? 3 : 1;
    kd_wiz_form(app, w, title, NULL, fields, n);
}

static void store_source(kd_app *app, kd_wiz *w, kd_form *f)
{
    (void)app;
    static const char *const keys[] = {"media", "url", "disk", "kernel", "initrd", "cmdline"};
    char **fields[] = {&w->spec->media,  &w->spec->url,    &w->spec->disk,
                       &w->spec->kernel, &w->spec->initrd, &w->spec->cmdline};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = kd_form_get(f, keys[i]);
        if (v)
            kd_domspec_set(fields[i], v);
    }
}

/* ---- 3: OS variant -------------------------------------------------------------------------- */

static void open_os(kd_app *app, kd_wiz *w, const char *title)
{
    char help[128];
    snprintf(help, sizeof(help), "F4 or Enter: choose among %zu variants%s; empty: generic", w->nos,
             w->os_from_db ? " from osinfo-db" : "");
    const kd_osvariant *os = kd_wiz_os_find(w, w->spec->os);
    kd_field_spec fields[] = {
        {"os", "OS variant", KD_FIELD_TEXT, w->spec->os, NULL, help, kd_wiz_pick_os},
        {"osname", "", KD_FIELD_LABEL, os ? os->name : "", NULL, NULL, NULL},
    };
    kd_wiz_form(app, w, title, "Memory, vCPUs and disk size follow its recommendations.", fields,
                2);
}

/* A new variant brings its recommended figures, within what the host has. */
static void store_os(kd_app *app, kd_wiz *w, kd_form *f)
{
    (void)app;
    const char *id = get(f, "os");
    const kd_osvariant *os = kd_wiz_os_find(w, id);
    if (*id && !os)
        return;
    bool changed = !kd_str_eq(id, w->spec->os);
    kd_domspec_set(&w->spec->os, id);
    if (!changed || !os)
        return;
    kd_domspec *s = w->spec;
    if (os->ram_mib)
        s->memory_mib = os->ram_mib;
    if (w->caps->host_mem_mib && s->memory_mib > w->caps->host_mem_mib / 2)
        s->memory_mib = w->caps->host_mem_mib / 2;
    if (os->vcpus)
        s->vcpus = os->vcpus;
    if (w->caps->host_cpus && s->vcpus > w->caps->host_cpus)
        s->vcpus = w->caps->host_cpus;
    if (os->disk_mib)
        s->disk_mib = os->disk_mib;
    s->virtio = !os->windows;
}

/* ---- 4: memory and CPUs --------------------------------------------------------------------- */

static void open_cpu(kd_app *app, kd_wiz *w, const char *title)
{
    char *mem = kd_asprintf("%llu", w->spec->memory_mib);
    char *cpus = kd_asprintf("%u", w->spec->vcpus);
    char *msg = kd_asprintf("The host has %u CPUs and %llu MiB of memory.", w->caps->host_cpus,
                            w->caps->host_mem_mib);
    kd_field_spec fields[] = {
        {"memory", "Memory (MiB)", KD_FIELD_NUMBER, mem, NULL, "2048, or 2G, 512M", NULL},
        {"vcpus", "vCPUs", KD_FIELD_NUMBER, cpus, NULL, NULL, NULL},
    };
    kd_wiz_form(app, w, title, msg, fields, 2);
    free(mem);
    free(cpus);
    free(msg);
}

static void store_cpu(kd_app *app, kd_wiz *w, kd_form *f)
{
    (void)app;
    long long mib = kd_wiz_mib(get(f, "memory"), 1);
    if (mib > 0)
        w->spec->memory_mib = (unsigned long long)mib;
    char *end;
    unsigned long c = strtoul(get(f, "vcpus"), &end, 10);
    if (!*end && c > 0 && c <= 4096)
        w->spec->vcpus = (unsigned)c;
}

/* ---- 5: storage ------------------------------------------------------------------------------ */

static bool skip_storage(const kd_wiz *w)
{
    return w->spec->src == KD_SRC_IMPORT;
}

static void open_storage(kd_app *app, kd_wiz *w, const char *title)
{
    const kd_domspec *s = w->spec;
    char size[32];
    if (s->disk_mib % 1024 == 0)
        snprintf(size, sizeof(size), "%lluG", s->disk_mib / 1024);
    else
        snprintf(size, sizeof(size), "%lluM", s->disk_mib);
    kd_field_spec fields[] = {
        {"storage", "Disk", KD_FIELD_CHOICE, kd_wiz_stor_labels[s->stor], kd_wiz_stor_labels, NULL,
         NULL},
        {"pool", "Pool", KD_FIELD_TEXT, s->pool, NULL, "F4 or Enter: the storage pools",
         kd_wiz_pick_pool},
        {"size", "Size", KD_FIELD_NUMBER, size, NULL, "20 (GiB), 20G or 512M", NULL},
        {"format", "Format", KD_FIELD_CHOICE, s->disk_format, format_choices,
         "qcow2: thin, snapshots; raw: a little faster", NULL},
        {"disk", "Volume or file", KD_FIELD_TEXT, s->disk, NULL,
         "F4 or Enter: the pools' volumes and the host's files", kd_wiz_pick_file},
    };
    kd_wiz_form(app, w, title, NULL, fields, sizeof(fields) / sizeof(fields[0]));
}

static void store_storage(kd_app *app, kd_wiz *w, kd_form *f)
{
    (void)app;
    kd_domspec *s = w->spec;
    s->stor = (kd_stor_kind)label_index(kd_wiz_stor_labels, get(f, "storage"));
    kd_domspec_set(&s->pool, get(f, "pool"));
    kd_domspec_set(&s->disk_format, get(f, "format"));
    kd_domspec_set(&s->disk, get(f, "disk"));
    long long mib = kd_wiz_mib(get(f, "size"), 1024);
    if (mib > 0)
        s->disk_mib = (unsigned long long)mib;
}

/* ---- 6: network ------------------------------------------------------------------------------ */

static void open_network(kd_app *app, kd_wiz *w, const char *title)
{
    const kd_domspec *s = w->spec;
    kd_field_spec fields[] = {
        {"nic", "Network", KD_FIELD_CHOICE, kd_wiz_nic_labels[s->nic], kd_wiz_nic_labels, NULL,
         NULL},
        {"source", "Source", KD_FIELD_TEXT, s->nic_source, NULL,
         "F4 or Enter: the networks, bridges or host devices", kd_wiz_pick_nic},
    };
    kd_wiz_form(app, w, title, NULL, fields, 2);
}

static void store_network(kd_app *app, kd_wiz *w, kd_form *f)
{
    (void)app;
    w->spec->nic = (kd_nic_kind)label_index(kd_wiz_nic_labels, get(f, "nic"));
    kd_domspec_set(&w->spec->nic_source, w->spec->nic == KD_NIC_NONE ? "" : get(f, "source"));
}

/* ---- 7: firmware and hypervisor ----------------------------------------------------------------
 */

static void open_firmware(kd_app *app, kd_wiz *w, const char *title)
{
    const kd_hostcaps *c = w->caps;
    const char *fw[4] = {kd_wiz_fw_labels[KD_FW_BIOS], NULL, NULL, NULL};
    if (c->uefi)
        fw[1] = kd_wiz_fw_labels[KD_FW_UEFI];
    if (c->secure_boot)
        fw[2] = kd_wiz_fw_labels[KD_FW_UEFI_SECURE];
    const char *types[3] = {c->virt_type, c->kvm && c->has_qemu ? "qemu" : NULL, NULL};
    const char *type = *w->spec->virt_type ? w->spec->virt_type : c->virt_type;
    kd_field_spec fields[] = {
        {"firmware", "Firmware", KD_FIELD_CHOICE, kd_wiz_fw_labels[w->spec->fw], fw, NULL, NULL},
        {"type", "Hypervisor", KD_FIELD_CHOICE, type, types,
         "kvm: hardware virtualization; qemu: emulation (slow, but runs anywhere)", NULL},
    };
    kd_buf msg;
    kd_buf_init(&msg);
    if (!c->uefi)
        kd_buf_adds(&msg, "No UEFI firmware (OVMF) is installed: BIOS only. ");
    if (!c->kvm && c->has_qemu)
        kd_buf_adds(&msg, "No KVM on this host: QEMU emulation is used.");
    kd_wiz_form(app, w, title, msg.len ? msg.data : NULL, fields, 2);
    kd_buf_free(&msg);
}

static void store_firmware(kd_app *app, kd_wiz *w, kd_form *f)
{
    (void)app;
    w->spec->fw = (kd_fw_kind)label_index(kd_wiz_fw_labels, get(f, "firmware"));
    const char *type = get(f, "type");
    kd_domspec_set(&w->spec->virt_type, kd_str_eq(type, w->caps->virt_type) ? "" : type);
}

/* ---- 8: graphics and options ------------------------------------------------------------------
 */

static void open_options(kd_app *app, kd_wiz *w, const char *title)
{
    const kd_domspec *s = w->spec;
    kd_field_spec fields[] = {
        {"vnc", "VNC graphics", KD_FIELD_CHECK, s->vnc ? "1" : "0", NULL,
         "On 127.0.0.1 only: reach it through kvmdeck or an SSH tunnel", NULL},
        {"password", "VNC password", KD_FIELD_SECRET, s->vnc_password, NULL,
         "Optional, at most 8 characters", NULL},
        {"virtio", "Virtio disk and NIC", KD_FIELD_CHECK, s->virtio ? "1" : "0", NULL,
         "Off for guests without virtio drivers (Windows installers)", NULL},
        {"rng", "Virtio RNG", KD_FIELD_CHECK, s->rng ? "1" : "0", NULL, NULL, NULL},
        {"agent", "Guest agent channel", KD_FIELD_CHECK, s->agent ? "1" : "0", NULL, NULL, NULL},
        {"hugepages", "Huge pages", KD_FIELD_CHECK, s->hugepages ? "1" : "0", NULL,
         "Back the memory with the host's huge pages (reserved beforehand)", NULL},
        {"pin", "Pin vCPUs to", KD_FIELD_TEXT, s->pin, NULL,
         "Host CPUs, e.g. 2-3: vCPU 0 on 2, vCPU 1 on 3; empty: no pinning", NULL},
    };
    kd_wiz_form(app, w, title, "A serial console is always added.", fields,
                sizeof(fields) / sizeof(fields[0]));
}

static void store_options(kd_app *app, kd_wiz *w, kd_form *f)
{
    (void)app;
    kd_domspec *s = w->spec;
    s->vnc = kd_form_get_bool(f, "vnc");
    kd_domspec_set(&s->vnc_password, s->vnc ? get(f, "password") : "");
    s->virtio = kd_form_get_bool(f, "virtio");
    s->rng = kd_form_get_bool(f, "rng");
    s->agent = kd_form_get_bool(f, "agent");
    s->hugepages = kd_form_get_bool(f, "hugepages");
    kd_err err;
    if (kd_domspec_check_pin(get(f, "pin"), 0, &err) == 0)
        kd_domspec_set(&s->pin, get(f, "pin"));
}

const kd_wiz_page kd_wiz_pages[] = {
    {"name and install source", NULL, open_name, store_name},
    {"installation media", skip_source, open_source, store_source},
    {"OS variant", NULL, open_os, store_os},
    {"memory and CPUs", NULL, open_cpu, store_cpu},
    {"storage", skip_storage, open_storage, store_storage},
    {"network", NULL, open_network, store_network},
    {"firmware and hypervisor", NULL, open_firmware, store_firmware},
    {"graphics and options", NULL, open_options, store_options},
};
const size_t kd_wiz_npages = sizeof(kd_wiz_pages) / sizeof(kd_wiz_pages[0]);
