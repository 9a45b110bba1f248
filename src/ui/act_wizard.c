#include "ui/app.h"

static void act_open(kd_app *app, int argc, char **argv)
{
    kd_app_status(app, true, "create a new domain: not available in this build");
}

const kd_action kd_actions_wizard[] = {
    {"domain.create", "create", NULL, "Create a new domain", act_open},
};
const size_t kd_actions_wizard_count = sizeof(kd_actions_wizard) / sizeof(kd_actions_wizard[0]);

const char kd_keys_wizard[] = "bind list + domain.create\n";
