#include "ui/app.h"

static void act_open(kd_app *app, int argc, char **argv)
{
    kd_app_status(app, true, "the host: cpus, memory, capabilities: not available in this build");
}

const kd_action kd_actions_host[] = {
    {"view.host", "nodeinfo", NULL, "The host: CPUs, memory, capabilities", act_open},
};
const size_t kd_actions_host_count = sizeof(kd_actions_host) / sizeof(kd_actions_host[0]);

const char kd_keys_host[] = "bind list H view.host\n";
