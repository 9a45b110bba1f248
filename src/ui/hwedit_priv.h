#ifndef KD_UI_HWEDIT_PRIV_H
#define KD_UI_HWEDIT_PRIV_H

/* Shared by the hardware editor's files in src/ui. */

#include "backend/hwedit.h"
#include "ui/app.h"
#include "ui/form.h"
#include "ui/hwedit.h"

typedef enum {
    HW_OVERVIEW,
    HW_MEMORY,
    HW_CPUS,
    HW_BOOT,
    HW_AUTOSTART,
    HW_DESCRIPTION,
    HW_DISK,
    HW_CDROM,
    HW_NIC,
    HW_LAST
} hw_kind;

typedef struct {
    hw_kind kind;
    char *key; /* a disk's target, a NIC's MAC; NULL for the overview items */
    char *label;
} hw_item;

typedef void (*hw_done_fn)(kd_app *app, bool ok, const char *xml, void *opaque);

typedef struct {
    kd_app *app;
    kd_hwed *ed;
    char uuid[37]; /* "" for an XML in memory */
    char *name;
    hw_item *items;
    size_t n;
    kd_cursor cur;
    int rows;
    hw_done_fn done; /* an XML in memory: hand it back when leaving */
    void *opaque;
} hw_screen;

/* hwedit.c */
hw_screen *kd_hw_screen(kd_app *app); /* the shown editor, or NULL */
const hw_item *kd_hw_selected(const hw_screen *s);
/* Re-read the domain and rebuild the item list, the selection kept on the same item. */
void kd_hw_reload(hw_screen *s);
/* Say in the status line what a change did, reload, and log it. */
void kd_hw_report(hw_screen *s, const char *what, int rc, const kd_hw_result *res,
                  const kd_err *err);

/* hwedit_forms.c: the forms of the editor's keys. */
void kd_hw_form_edit(hw_screen *s);
void kd_hw_form_nic_add(hw_screen *s);
void kd_hw_form_memory(hw_screen *s);
void kd_hw_form_cpus(hw_screen *s);
void kd_hw_form_description(hw_screen *s);
/* Report a change and close the form (true), or show the refusal in it and keep it open. */
bool kd_hw_form_finish(kd_app *app, kd_form *form, const char *what, int rc,
                       const kd_hw_result *res, const kd_err *err);
/* The form's size check, shared (keys mac, mem, maxmem, size, cpuset). */
const char *kd_hw_form_check(kd_app *app, kd_form *form, const char *key, const char *value,
                             char *buf, size_t n, void *opaque);

/* hwedit_add.c: additions, removal, CD-ROM media, pinning. */
void kd_hw_form_add(hw_screen *s); /* asks which: new disk, existing disk, CD-ROM, NIC */
void kd_hw_form_disk_add(hw_screen *s, bool new_volume, bool cdrom);
void kd_hw_form_remove(hw_screen *s);
void kd_hw_form_media(hw_screen *s);
void kd_hw_form_pin(hw_screen *s);

/* hwedit_draw.c */
void kd_hw_draw_details(hw_screen *s, WINDOW *w, int y, int x, int rows, int cols);

#endif
