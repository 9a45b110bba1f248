#include "core/ini.h"
#include "core/paths.h"
#include "core/str.h"
#include "ui/app.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *theme;
    int shutdown_timeout_s;
} kd_config;

static int config_entry(const char *section, const char *key, const char *value, int line,
                        void *opaque, kd_err *err)
{
    kd_config *cfg = opaque;
    if (strcmp(section, "ui") == 0 && strcmp(key, "theme") == 0) {
        free(cfg->theme);
        cfg->theme = kd_strdup(value);
    } else if (strcmp(section, "ui") == 0 && strcmp(key, "shutdown_timeout") == 0) {
        char *end;
        long v = strtol(value, &end, 10);
        if (*end || v < 1 || v > 3600) {
            kd_err_set(err, KD_ERR_INVALID,
                       "line %d: shutdown_timeout takes seconds from 1 to 3600", line);
            return -1;
        }
        cfg->shutdown_timeout_s = (int)v;
    }
    /* Unknown keys are kept for newer versions' sake, not refused. */
    return 0;
}

static void theme_dirs(const char *installed, char *user, const char *dirs[4])
{
    size_t n = 0;
    const char *env = getenv("KVMDECK_THEMES_DIR");
    dirs[n++] = user;
    if (env && *env)
        dirs[n++] = env;
    if (installed)
        dirs[n++] = installed;
    dirs[n] = NULL;
}

static int load_named(kd_theme *t, const char *name, const char *installed, kd_err *err)
{
    char *cfgdir = kd_paths_config_dir();
    char *user = kd_asprintf("%s/themes", cfgdir);
    const char *dirs[4];
    theme_dirs(installed, user, dirs);
    int r = kd_theme_load(t, name, dirs, err);
    free(user);
    free(cfgdir);
    return r;
}

int kd_ui_check_theme(const char *name, const char *themes_dir, kd_err *err)
{
    kd_theme t;
    memset(&t, 0, sizeof(t));
    int r = load_named(&t, name, themes_dir, err);
    kd_theme_clear(&t);
    return r;
}

int kd_ui_load_config(kd_app *app, const kd_ui_opts *opts, kd_err *err)
{
    kd_config cfg = {NULL, 60};
    char *dir = kd_paths_config_dir();
    char *path = kd_asprintf("%s/config", dir);
    kd_err cerr;
    kd_err_clear(&cerr);
    if (kd_ini_parse_file(path, config_entry, &cfg, &cerr) < 0 && cerr.code != KD_ERR_NOTFOUND)
        kd_app_status(app, true, "%s", cerr.msg);
    free(path);
    free(dir);
    app->shutdown_timeout_s = cfg.shutdown_timeout_s;

    const char *no_color = getenv("NO_COLOR");
    const char *name = opts->theme ? opts->theme : cfg.theme ? cfg.theme : "default";
    if (no_color && *no_color)
        name = "mono";
    kd_theme_init_mono(&app->theme);
    kd_err terr;
    kd_err_clear(&terr);
    if (load_named(&app->theme, name, opts->themes_dir, &terr) < 0) {
        if (opts->theme) {
            *err = terr; /* asked for on the command line: refuse, as GNU tools do */
            free(cfg.theme);
            return -1;
        }
        kd_app_status(app, true, "%s; using the built-in monochrome theme", terr.msg);
    }
    free(cfg.theme);
    return 0;
}

void kd_ui_apply_theme(kd_app *app)
{
    const char *no_color = getenv("NO_COLOR");
    bool color = has_colors() && !(no_color && *no_color);
    if (!color && strcmp(app->theme.name, "mono") != 0) {
        /* A colour theme on a terminal without colour would lose the selection bar. */
        kd_theme_clear(&app->theme);
        kd_theme_init_mono(&app->theme);
    }
    kd_theme_apply(&app->theme, color);
}
