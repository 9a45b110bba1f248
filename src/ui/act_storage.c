#include "ui/app.h"

static void act_open(kd_app *app, int argc, char **argv)
{
    kd_app_status(app, true, "storage pools: not available in this build");
}

const kd_action kd_actions_storage[] = {
    {"view.pools", "pool-list", NULL, "Storage pools", act_open},
};
const size_t kd_actions_storage_count = sizeof(kd_actions_storage) / sizeof(kd_actions_storage[0]);

const char kd_keys_storage[] = "bind list P view.pools\n";
