#ifndef KD_UI_HWEDIT_H
#define KD_UI_HWEDIT_H

/* The hardware editor: a screen listing a domain's hardware (overview, disks, NICs,
 * CD-ROMs) with the selected item's settings, edited from the keyboard. */

#include <stdbool.h>

typedef struct kd_app kd_app;

/* Open the editor on a defined domain. Each change goes to the persistent config and,
 * where libvirt allows it on a running domain, to the live one; the status line says
 * which. */
void kd_hwedit_open(kd_app *app, const char *uuid);

/* Open the editor on a domain XML that is not defined (the new-domain wizard's "Customize
 * before install"): edits change the XML in memory only. done is called exactly once:
 * - when the user leaves the editor (view.back), with ok true and the edited XML;
 * - with ok false and xml NULL when the XML cannot be read (the status line says why; no
 *   screen opens) or when the editor goes without the user leaving it (the program quits).
 * xml is borrowed: copy it. done runs while the editor's screen is being removed from the
 * stack, so it must not open or close screens itself. opaque is passed back unchanged and
 * never freed by the editor. */
void kd_hwedit_open_xml(kd_app *app, const char *xml,
                        void (*done)(kd_app *app, bool ok, const char *xml, void *opaque),
                        void *opaque);

/* The host c is about to be closed: an editor working on it goes first (an XML in memory
 * is handed back as when leaving), so that nothing is left reading a closed host. */
struct kd_conn;
void kd_hwedit_conn_closing(kd_app *app, const struct kd_conn *c);

#endif
