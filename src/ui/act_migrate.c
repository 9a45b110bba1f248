#include "ui/app.h"

static void act_open(kd_app *app, int argc, char **argv)
{
    kd_app_status(app, true, "migrate a domain to another host: not available in this build");
}

const kd_action kd_actions_migrate[] = {
    {"domain.migrate", "migrate", "DOMAIN URI", "Migrate a domain to another host", act_open},
};
const size_t kd_actions_migrate_count = sizeof(kd_actions_migrate) / sizeof(kd_actions_migrate[0]);

const char kd_keys_migrate[] = "bind list > domain.migrate\n";
