#ifndef KD_UI_WIZARD_PRIV_H
#define KD_UI_WIZARD_PRIV_H

/* Shared by the files of the new-domain wizard (wizard*.c, act_wizard.c) only.
 *
 * The wizard is a row of forms, one per page, then a summary screen. One kd_wiz holds the
 * answers from the first page to the end; every form, picker, screen and job that points
 * at it holds a reference, so that it lives exactly as long as something shows it. */

#include "backend/domxml.h"
#include "ui/app.h"
#include "ui/form.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct kd_wiz {
    int refs;
    kd_domspec *spec;
    kd_hostcaps *caps;
    kd_osvariant *os;
    size_t nos;
    bool os_from_db;
    char *preset; /* the preset the answers came from, "" when none */
    size_t page;  /* the page shown, or the summary (kd_wiz_npages) */
    char *xml;    /* the summary's domain XML, maybe edited in the hardware editor */
    bool customized;
    char **lines; /* the summary screen's text */
    size_t nlines;
    size_t top;
    bool busy; /* creating */
    bool done; /* created: Finish does nothing more */
} kd_wiz;

kd_wiz *kd_wiz_ref(kd_wiz *w);
void kd_wiz_unref(void *w);

/* The wizard's entry point (domain.create). */
void kd_wiz_open(kd_app *app);
/* Show page i (a form), skipping pages that do not apply, or the summary past the last. */
void kd_wiz_show(kd_app *app, kd_wiz *w, size_t page);
/* The summary screen's actions. */
void kd_wiz_finish(kd_app *app);
void kd_wiz_customize(kd_app *app);
void kd_wiz_save_preset(kd_app *app);
void kd_wiz_back(kd_app *app);
void kd_wiz_delete_preset(kd_app *app, const char *name);
/* Choose a preset to delete from a list. */
void kd_wiz_pick_delete_preset(kd_app *app);

/* Pages (wizard_pages.c): open builds the form from the answers; store writes the
 * submitted form back into them. */
typedef struct {
    const char *title;
    bool (*skip)(const kd_wiz *w);
    void (*open)(kd_app *app, kd_wiz *w, const char *title);
    void (*store)(kd_app *app, kd_wiz *w, kd_form *f);
} kd_wiz_page;
extern const kd_wiz_page kd_wiz_pages[];
extern const size_t kd_wiz_npages;
/* Open a page's form with the wizard's handlers (check, done) and a reference to w. */
kd_form *kd_wiz_form(kd_app *app, kd_wiz *w, const char *title, const char *message,
                     const kd_field_spec *fields, size_t n);
/* One field's check, shared by the pages; NULL when the value is good. */
const char *kd_wiz_check(kd_app *app, kd_form *f, const char *key, const char *value, char *buf,
                         size_t n, void *opaque);
/* The OS variant with this short id, or NULL. */
const kd_osvariant *kd_wiz_os_find(const kd_wiz *w, const char *id);
/* Memory in MiB and disk sizes: "2048", "2G", "512M"; -1 when not a size. */
long long kd_wiz_mib(const char *text, long long unit_mib);

/* Pickers (wizard_pick.c): F4 on a field. */
void kd_wiz_pick_file(kd_app *app, kd_form *f, const char *key);
void kd_wiz_pick_os(kd_app *app, kd_form *f, const char *key);
void kd_wiz_pick_pool(kd_app *app, kd_form *f, const char *key);
void kd_wiz_pick_volume(kd_app *app, kd_form *f, const char *key);
void kd_wiz_pick_nic(kd_app *app, kd_form *f, const char *key);
void kd_wiz_pick_preset(kd_app *app, kd_form *f, const char *key);
/* Names of the host's bridges (/sys/class/net/ANY/bridge) and of the devices macvtap can
 * sit on, as NULL-terminated vectors (kd_strv_free); sysfs is the directory to read. */
char **kd_wiz_host_bridges(const char *sysfs);
char **kd_wiz_host_devices(const char *sysfs);
/* Load a preset's answers into w (the name typed so far is kept). */
int kd_wiz_load_preset(kd_app *app, kd_wiz *w, const char *name, kd_err *err);

extern const kd_screen_ops kd_wiz_summary_ops;

/* The choices' labels, indexed by the enums of backend/domxml.h, NULL-terminated. */
extern const char *const kd_wiz_src_labels[];
extern const char *const kd_wiz_stor_labels[];
extern const char *const kd_wiz_nic_labels[];
extern const char *const kd_wiz_fw_labels[];

/* The page before page that applies (0 at the first). */
size_t kd_wiz_page_before(const kd_wiz *w, size_t page);

#endif
