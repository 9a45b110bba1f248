#include "ui/app.h"
#include "ui/vnc_ui.h"

static void act_open(kd_app *app, int argc, char **argv)
{
    kd_vnc_ui_open(app, argc, argv);
}

static void act_menu(kd_app *app, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    kd_vnc_ui_menu_toggle(app);
}

const kd_action kd_actions_vnc[] = {
    {"vnc.open", "vnc", "DOMAIN", "The graphical console, drawn in the terminal", act_open},
    {"vnc.menu", NULL, NULL,
     "Graphical console menu: Ctrl+Alt+Del, Ctrl+Alt+Fn, SysRq, screenshot, zoom, colours",
     act_menu},
};
const size_t kd_actions_vnc_count = sizeof(kd_actions_vnc) / sizeof(kd_actions_vnc[0]);

/* F12 and Ctrl+] are keys guests rarely need; the menu sends F12 to a guest that does. */
const char kd_keys_vnc[] = "bind list V vnc.open\n"
                           "bind vnc F12 vnc.menu\n"
                           "bind vnc C-] view.back\n";
