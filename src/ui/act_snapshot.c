#include "ui/app.h"

static void act_open(kd_app *app, int argc, char **argv)
{
    kd_app_status(app, true, "snapshots of a domain: not available in this build");
}

const kd_action kd_actions_snapshot[] = {
    {"view.snapshots", "snapshot-list", "DOMAIN", "Snapshots of a domain", act_open},
};
const size_t kd_actions_snapshot_count = sizeof(kd_actions_snapshot) / sizeof(kd_actions_snapshot[0]);

const char kd_keys_snapshot[] = "bind list z view.snapshots\n";
