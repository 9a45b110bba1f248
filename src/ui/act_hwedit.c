#include "core/str.h"
#include "ui/app.h"
#include "ui/form.h"
#include "ui/hwedit.h"
#include "ui/hwedit_priv.h"
#include "ui/pager.h"

#include <stdlib.h>
#include <string.h>

/* The hardware editor's actions: E on the list opens it; inside it, keys of the "hardware"
 * context. The palette's verbs are virsh's (setmem, attach-interface...); with a DOMAIN
 * they open the editor on it first. */

static void act_open(kd_app *app, int argc, char **argv)
{
    kd_uuid *t = NULL;
    size_t n = kd_app_targets(app, argc, argv, &t);
    if (n > 0)
        kd_hwedit_open(app, t[0].uuid);
    free(t);
}

/* With a DOMAIN in argv, the editor opened on it (else NULL, the status line saying why:
 * never an editor left open on another domain); without, the shown editor. */
static hw_screen *editor(kd_app *app, int argc, char **argv)
{
    if (argc > 0) {
        kd_uuid *t = NULL;
        size_t n = kd_app_targets(app, argc, argv, &t);
        if (n > 0)
            kd_hwedit_open(app, t[0].uuid);
        hw_screen *s = kd_hw_screen(app);
        bool same = n > 0 && s && strcmp(s->uuid, t[0].uuid) == 0;
        free(t);
        return same ? s : NULL;
    }
    hw_screen *s = kd_hw_screen(app);
    if (!s && app->view == KD_VIEW_LIST) {
        /* From the list, like virsh on the selected domain: the editor opens on it. */
        kd_uuid *t = NULL;
        if (kd_app_targets(app, 0, NULL, &t) > 0)
            kd_hwedit_open(app, t[0].uuid);
        s = kd_hw_screen(app);
        s = s && t && strcmp(s->uuid, t[0].uuid) == 0 ? s : NULL;
        free(t);
        return s;
    }
    if (!s)
        kd_app_status(app, true, "open the hardware editor first (E, or :hardware DOMAIN)");
    return s;
}

/* virsh's habit, "setmem DOMAIN 2G": the form asks for the values, and says that the words
 * after DOMAIN were not used rather than dropping them silently. */
static void unused_args(kd_app *app, int argc, char **argv)
{
    if (argc > 1)
        kd_app_status(app, true,
                      "only the DOMAIN is read here; '%s'%s not used: give the values "
                      "in the form",
                      argv[1], argc > 2 ? " and the rest were" : " was");
}

#define EDITOR_ACTION(fn, call)                                                                    \
    static void fn(kd_app *app, int argc, char **argv)                                             \
    {                                                                                              \
        hw_screen *s = editor(app, argc, argv);                                                    \
        if (s) {                                                                                   \
            call;                                                                                  \
            unused_args(app, argc, argv);                                                          \
        }                                                                                          \
    }

EDITOR_ACTION(act_edit, kd_hw_form_edit(s))
EDITOR_ACTION(act_add, kd_hw_form_add(s))
EDITOR_ACTION(act_remove, kd_hw_form_remove(s))
EDITOR_ACTION(act_media, kd_hw_form_media(s))
EDITOR_ACTION(act_pin, kd_hw_form_pin(s))
/* virsh's "setmem DOMAIN SIZE" (KiB unless a unit is given) and "setvcpus DOMAIN COUNT"
 * apply at once, as virsh does; without the value the form asks. */
static void act_memory(kd_app *app, int argc, char **argv)
{
    hw_screen *s = editor(app, argc > 1 ? 1 : argc, argv);
    if (!s)
        return;
    if (argc < 2) {
        kd_hw_form_memory(s);
        return;
    }
    long long bytes = kd_form_parse_size(argv[1], 1024);
    if (bytes <= 0 || argc > 2) {
        kd_app_status(app, true, "usage: setmem DOMAIN SIZE (KiB, or with a unit: 512M, 2G)");
        return;
    }
    kd_err err;
    kd_hw_result res;
    const kd_hw_model *m = kd_hwed_config(s->ed);
    int rc = kd_hwed_set_memory(s->ed, (unsigned long long)bytes / 1024, m->maxmem_kib, &res, &err);
    kd_hw_report(s, "memory", rc, &res, &err);
}

static void act_vcpus(kd_app *app, int argc, char **argv)
{
    hw_screen *s = editor(app, argc > 1 ? 1 : argc, argv);
    if (!s)
        return;
    if (argc < 2) {
        kd_hw_form_cpus(s);
        return;
    }
    char *end;
    unsigned long n = strtoul(argv[1], &end, 10);
    if (*end || n == 0 || n > 4096 || argc > 2) {
        kd_app_status(app, true, "usage: setvcpus DOMAIN COUNT");
        return;
    }
    kd_err err;
    kd_hw_result res;
    const kd_hw_model *m = kd_hwed_config(s->ed);
    int rc = kd_hwed_set_vcpus(s->ed, (unsigned)n, m->maxvcpus, &res, &err);
    kd_hw_report(s, "vCPUs", rc, &res, &err);
}
EDITOR_ACTION(act_desc, kd_hw_form_description(s))
EDITOR_ACTION(act_add_disk, kd_hw_form_disk_add(s, false, false))
EDITOR_ACTION(act_add_nic, kd_hw_form_nic_add(s))
EDITOR_ACTION(act_refresh, kd_hw_reload(s))

static void act_dumpxml(kd_app *app, int argc, char **argv)
{
    hw_screen *s = editor(app, argc, argv);
    if (!s)
        return;
    kd_err err;
    char *xml = kd_hwed_xml(s->ed, &err);
    if (!xml) {
        kd_app_status(app, true, "XML: %s", err.msg);
        return;
    }
    char *title =
        kd_asprintf("%s XML of %s", kd_hwed_in_memory(s->ed) ? "Edited" : "Persistent", s->name);
    kd_pager_open(app, title, xml);
    free(title);
    free(xml);
}

const kd_action kd_actions_hwedit[] = {
    {"domain.hardware", "hardware", "DOMAIN", "Edit a domain's hardware", act_open},
    {"hw.edit", NULL, NULL, "Edit the selected hardware item", act_edit},
    {"hw.add", NULL, "[DOMAIN]", "Add a disk, CD-ROM or NIC", act_add},
    {"hw.remove", NULL, "[DOMAIN]", "Remove the selected disk, CD-ROM or NIC", act_remove},
    {"hw.media", "change-media", "[DOMAIN]", "Insert or eject the selected CD-ROM's media",
     act_media},
    {"hw.pin", "vcpupin", "[DOMAIN]", "Pin a vCPU to host CPUs", act_pin},
    {"hw.memory", "setmem", "[DOMAIN [SIZE]]", "Set memory and maximum memory", act_memory},
    {"hw.vcpus", "setvcpus", "[DOMAIN [COUNT]]", "Set vCPUs, CPU model and topology", act_vcpus},
    {"hw.desc", "desc", "[DOMAIN]", "Set the description", act_desc},
    {"hw.attach-disk", "attach-disk", "[DOMAIN]", "Add a disk from a file or volume", act_add_disk},
    {"hw.attach-interface", "attach-interface", "[DOMAIN]", "Add a NIC", act_add_nic},
    {"hw.dumpxml", NULL, NULL, "The XML being edited (persistent)", act_dumpxml},
    {"hw.refresh", NULL, NULL, "Read the domain's hardware again", act_refresh},
};
const size_t kd_actions_hwedit_count = sizeof(kd_actions_hwedit) / sizeof(kd_actions_hwedit[0]);

const char kd_keys_hwedit[] = "bind list E domain.hardware\n"
                              "\n"
                              "# the hardware editor\n"
                              "bind hardware j cursor.down\n"
                              "bind hardware Down cursor.down\n"
                              "bind hardware k cursor.up\n"
                              "bind hardware Up cursor.up\n"
                              "bind hardware g cursor.top\n"
                              "bind hardware Home cursor.top\n"
                              "bind hardware G cursor.bottom\n"
                              "bind hardware End cursor.bottom\n"
                              "bind hardware Enter hw.edit\n"
                              "bind hardware a hw.add\n"
                              "bind hardware d hw.remove\n"
                              "bind hardware Delete hw.remove\n"
                              "bind hardware c hw.media\n"
                              "bind hardware p hw.pin\n"
                              "bind hardware m hw.memory\n"
                              "bind hardware v hw.vcpus\n"
                              "bind hardware x hw.dumpxml\n"
                              "bind hardware r hw.refresh\n"
                              "bind hardware q view.back\n"
                              "bind hardware Esc view.back\n";
