#include "ui/app.h"
#include "ui/wizard_priv.h"

/* The new-domain wizard's actions: + opens it; the summary page finishes, customizes in the
 * hardware editor, saves the answers as a preset or goes back a page. */

static void act_open(kd_app *app, int argc, char **argv)
{
    kd_wiz_open(app);
}

static void act_finish(kd_app *app, int argc, char **argv)
{
    kd_wiz_finish(app);
}

static void act_customize(kd_app *app, int argc, char **argv)
{
    kd_wiz_customize(app);
}

static void act_save_preset(kd_app *app, int argc, char **argv)
{
    kd_wiz_save_preset(app);
}

static void act_back(kd_app *app, int argc, char **argv)
{
    kd_wiz_back(app);
}

static void act_delete_preset(kd_app *app, int argc, char **argv)
{
    if (argc < 1)
        kd_wiz_pick_delete_preset(app);
    else
        kd_wiz_delete_preset(app, argv[0]);
}

const kd_action kd_actions_wizard[] = {
    {"domain.create", "create", NULL, "Create a new domain (the wizard)", act_open},
    {"wizard.finish", NULL, NULL, "Create and start the new domain", act_finish},
    {"wizard.customize", NULL, NULL, "Edit the new domain's hardware before creating it",
     act_customize},
    {"wizard.save_preset", NULL, NULL, "Save the wizard's answers as a preset", act_save_preset},
    {"wizard.back", NULL, NULL, "Back to the wizard's previous page", act_back},
    {"wizard.delete_preset", NULL, "[NAME]", "Delete a preset of the wizard", act_delete_preset},
};
const size_t kd_actions_wizard_count = sizeof(kd_actions_wizard) / sizeof(kd_actions_wizard[0]);

const char kd_keys_wizard[] = "bind list + domain.create\n"
                              "bind wizard Enter wizard.finish\n"
                              "bind wizard f wizard.finish\n"
                              "bind wizard c wizard.customize\n"
                              "bind wizard s wizard.save_preset\n"
                              "bind wizard Esc wizard.back\n"
                              "bind wizard b wizard.back\n"
                              "bind wizard D wizard.delete_preset\n"
                              "bind wizard q view.back\n"
                              "bind wizard j cursor.down\n"
                              "bind wizard Down cursor.down\n"
                              "bind wizard k cursor.up\n"
                              "bind wizard Up cursor.up\n"
                              "bind wizard NPage cursor.page_down\n"
                              "bind wizard Space cursor.page_down\n"
                              "bind wizard PPage cursor.page_up\n"
                              "bind wizard g cursor.top\n"
                              "bind wizard G cursor.bottom\n";
