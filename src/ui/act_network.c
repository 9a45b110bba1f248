#include "ui/app.h"

static void act_open(kd_app *app, int argc, char **argv)
{
    kd_app_status(app, true, "virtual networks: not available in this build");
}

const kd_action kd_actions_network[] = {
    {"view.networks", "net-list", NULL, "Virtual networks", act_open},
};
const size_t kd_actions_network_count = sizeof(kd_actions_network) / sizeof(kd_actions_network[0]);

const char kd_keys_network[] = "bind list N view.networks\n";
