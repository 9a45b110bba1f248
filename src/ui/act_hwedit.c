#include "ui/app.h"

static void act_open(kd_app *app, int argc, char **argv)
{
    kd_app_status(app, true, "edit a domain's hardware: not available in this build");
}

const kd_action kd_actions_hwedit[] = {
    {"domain.hardware", "hardware", "DOMAIN", "Edit a domain's hardware", act_open},
};
const size_t kd_actions_hwedit_count = sizeof(kd_actions_hwedit) / sizeof(kd_actions_hwedit[0]);

const char kd_keys_hwedit[] = "bind list E domain.hardware\n";
