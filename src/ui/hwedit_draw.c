#include "core/str.h"
#include "ui/hwedit_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The right side of the editor: the selected item's settings, the config's value and, on a
 * running domain, the live value where it differs ("live: ..."). */

typedef struct {
    WINDOW *w;
    int y, x, rows, cols;
    int row;
} pane;

static void line(pane *p, const char *label, const char *value, const char *live)
{
    if (p->row >= p->rows)
        return;
    char buf[512];
    if (live && strcmp(live, value) != 0)
        snprintf(buf, sizeof(buf), "%-16s %s   (live: %s)", label, value, live);
    else
        snprintf(buf, sizeof(buf), "%-16s %s", label, value);
    kd_draw_text(p->w, p->y + p->row++, p->x, p->cols, buf);
}

static void heading(pane *p, const char *text)
{
    if (p->row >= p->rows)
        return;
    wattrset(p->w, (attr_t)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_text(p->w, p->y + p->row++, p->x, p->cols, text);
    wattrset(p->w, (attr_t)kd_theme_attr(KD_SLOT_NORMAL));
}

static void kib_text(char *buf, size_t n, unsigned long long kib)
{
    snprintf(buf, n, "%llu MiB", kib / 1024);
}

static void draw_overview(pane *p, hw_screen *s, const kd_hw_model *c, const kd_hw_model *l)
{
    char a[64], b[64];
    line(p, "Name", c->name, NULL);
    line(p, "State",
         kd_hwed_in_memory(s->ed) ? "not defined yet"
         : kd_hwed_running(s->ed) ? "running"
                                  : "not running",
         NULL);
    kib_text(a, sizeof(a), c->mem_kib);
    kib_text(b, sizeof(b), l ? l->mem_kib : c->mem_kib);
    line(p, "Memory", a, b);
    snprintf(a, sizeof(a), "%u", c->vcpus);
    snprintf(b, sizeof(b), "%u", l ? l->vcpus : c->vcpus);
    line(p, "vCPUs", a, b);
    snprintf(a, sizeof(a), "%zu disk(s), %zu NIC(s)", c->ndisks, c->nnics);
    line(p, "Devices", a, NULL);
    if (!kd_hwed_in_memory(s->ed))
        line(p, "Autostart", kd_hwed_autostart(s->ed) ? "yes" : "no", NULL);
    line(p, "Description", *c->description ? c->description : "-", NULL);
}

static void draw_memory(pane *p, hw_screen *s, const kd_hw_model *c, const kd_hw_model *l)
{
    (void)s;
    char a[64], b[64];
    kib_text(a, sizeof(a), c->mem_kib);
    kib_text(b, sizeof(b), l ? l->mem_kib : c->mem_kib);
    line(p, "Memory", a, b);
    kib_text(a, sizeof(a), c->maxmem_kib);
    kib_text(b, sizeof(b), l ? l->maxmem_kib : c->maxmem_kib);
    line(p, "Maximum", a, b);
    p->row++;
    line(p, "", "Memory changes live (balloon) up to the running maximum;", NULL);
    line(p, "", "the maximum applies at next boot.", NULL);
}

static void topology_text(char *buf, size_t n, const kd_hw_model *m)
{
    if (m->sockets)
        snprintf(buf, n, "%u socket(s) x %u core(s) x %u thread(s)", m->sockets, m->cores,
                 m->threads);
    else
        snprintf(buf, n, "default");
}

static void draw_cpus(pane *p, hw_screen *s, const kd_hw_model *c, const kd_hw_model *l)
{
    (void)s;
    char a[128], b[128];
    snprintf(a, sizeof(a), "%u", c->vcpus);
    snprintf(b, sizeof(b), "%u", l ? l->vcpus : c->vcpus);
    line(p, "vCPUs", a, b);
    snprintf(a, sizeof(a), "%u", c->maxvcpus);
    snprintf(b, sizeof(b), "%u", l ? l->maxvcpus : c->maxvcpus);
    line(p, "Maximum", a, b);
    line(p, "CPU mode", kd_hw_cpu_mode_name(c->cpu_mode), NULL);
    line(p, "CPU model", *c->cpu_model ? c->cpu_model : "-", NULL);
    topology_text(a, sizeof(a), c);
    line(p, "Topology", a, NULL);
    heading(p, "vCPU pinning (p pins)");
    if (c->npins == 0)
        line(p, "", "none: every vCPU may run on every host CPU", NULL);
    for (size_t i = 0; i < c->npins; i++) {
        snprintf(a, sizeof(a), "vCPU %u", c->pins[i].vcpu);
        line(p, a, c->pins[i].cpuset, NULL);
    }
}

static void draw_boot(pane *p, hw_screen *s, const kd_hw_model *c, const kd_hw_model *l)
{
    (void)s;
    (void)l;
    kd_buf b;
    kd_buf_init(&b);
    for (size_t i = 0; i < c->nboot; i++)
        kd_buf_printf(&b, "%s%s", i ? ", " : "", c->boot_devs[i]);
    for (size_t i = 0; i < c->ndisks; i++)
        if (c->disks[i].boot_order)
            kd_buf_printf(&b, "%s%s (order %d)", b.len ? ", " : "", c->disks[i].target,
                          c->disks[i].boot_order);
    for (size_t i = 0; i < c->nnics; i++)
        if (c->nics[i].boot_order)
            kd_buf_printf(&b, "%s%s (order %d)", b.len ? ", " : "", c->nics[i].mac,
                          c->nics[i].boot_order);
    line(p, "Boot order", b.len ? b.data : "-", NULL);
    line(p, "Boot menu", c->bootmenu ? "yes" : "no", NULL);
    kd_buf_free(&b);
}

static void draw_autostart(pane *p, hw_screen *s, const kd_hw_model *c, const kd_hw_model *l)
{
    (void)c;
    (void)l;
    line(p, "Autostart", kd_hwed_autostart(s->ed) ? "yes" : "no", NULL);
    line(p, "", "Start the domain when the host boots.", NULL);
}

static void draw_description(pane *p, hw_screen *s, const kd_hw_model *c, const kd_hw_model *l)
{
    (void)s;
    line(p, "Description", *c->description ? c->description : "-",
         l ? (*l->description ? l->description : "-") : NULL);
}

static void iotune_text(char *buf, size_t n, const kd_hw_iotune *t)
{
    if (!(t->total_bytes_sec | t->read_bytes_sec | t->write_bytes_sec | t->total_iops_sec |
          t->read_iops_sec | t->write_iops_sec)) {
        snprintf(buf, n, "none");
        return;
    }
    snprintf(buf, n,
             "bytes/s total %llu read %llu write %llu; IOPS total %llu read %llu write %llu",
             t->total_bytes_sec, t->read_bytes_sec, t->write_bytes_sec, t->total_iops_sec,
             t->read_iops_sec, t->write_iops_sec);
}

static void draw_disk(pane *p, hw_screen *s, const kd_hw_model *c, const kd_hw_model *l)
{
    const hw_item *it = kd_hw_selected(s);
    const kd_hw_disk *d = kd_hw_model_disk(c, it->key), *ld = kd_hw_model_disk(l, it->key);
    if (!d)
        return;
    char a[256], b[256];
    line(p, "Target", d->target, NULL);
    line(p, "Device", d->device, NULL);
    line(p, "Bus", d->bus, ld ? ld->bus : NULL);
    line(p, "Source", *d->source ? d->source : "(empty)",
         ld ? (*ld->source ? ld->source : "(empty)") : NULL);
    line(p, "Format", *d->format ? d->format : "-", NULL);
    line(p, "Cache", *d->cache ? d->cache : "default",
         ld ? (*ld->cache ? ld->cache : "default") : NULL);
    line(p, "Read-only", d->readonly ? "yes" : "no", NULL);
    iotune_text(a, sizeof(a), &d->iotune);
    if (ld)
        iotune_text(b, sizeof(b), &ld->iotune);
    line(p, "I/O limits", a, ld ? b : NULL);
    if (l && !ld)
        line(p, "", "not in the running domain (added for the next boot)", NULL);
}

static void draw_nic(pane *p, hw_screen *s, const kd_hw_model *c, const kd_hw_model *l)
{
    const hw_item *it = kd_hw_selected(s);
    const kd_hw_nic *n = kd_hw_model_nic(c, it->key), *ln = kd_hw_model_nic(l, it->key);
    if (!n)
        return;
    line(p, "MAC", n->mac, NULL);
    line(p, "Type", n->type, ln ? ln->type : NULL);
    line(p, "Source", n->source, ln ? ln->source : NULL);
    line(p, "Model", *n->model ? n->model : "default",
         ln ? (*ln->model ? ln->model : "default") : NULL);
    if (l && !ln)
        line(p, "", "not in the running domain (added for the next boot)", NULL);
}

typedef void (*draw_fn)(pane *p, hw_screen *s, const kd_hw_model *c, const kd_hw_model *l);

static const draw_fn draws[HW_LAST] = {
    [HW_OVERVIEW] = draw_overview,
    [HW_MEMORY] = draw_memory,
    [HW_CPUS] = draw_cpus,
    [HW_BOOT] = draw_boot,
    [HW_AUTOSTART] = draw_autostart,
    [HW_DESCRIPTION] = draw_description,
    [HW_DISK] = draw_disk,
    [HW_CDROM] = draw_disk,
    [HW_NIC] = draw_nic,
};

void kd_hw_draw_details(hw_screen *s, WINDOW *w, int y, int x, int rows, int cols)
{
    const hw_item *it = kd_hw_selected(s);
    if (!it || cols < 10)
        return;
    pane p = {w, y, x, rows, cols, 0};
    heading(&p, it->label);
    draws[it->kind](&p, s, kd_hwed_config(s->ed), kd_hwed_live(s->ed));
}
