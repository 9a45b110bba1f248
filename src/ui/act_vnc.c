#include "ui/app.h"

static void act_open(kd_app *app, int argc, char **argv)
{
    kd_app_status(app, true, "the graphical console, drawn in the terminal: not available in this build");
}

const kd_action kd_actions_vnc[] = {
    {"vnc.open", "vnc", "DOMAIN", "The graphical console, drawn in the terminal", act_open},
};
const size_t kd_actions_vnc_count = sizeof(kd_actions_vnc) / sizeof(kd_actions_vnc[0]);

const char kd_keys_vnc[] = "bind list V vnc.open\n";
