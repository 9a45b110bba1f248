#include "core/paths.h"
#include "core/str.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *home_dir(void)
{
    const char *home = getenv("HOME");
    if (home && *home)
        return home;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir ? pw->pw_dir : "/";
}

static char *xdg_dir(const char *var, const char *fallback)
{
    const char *base = getenv(var);
    /* The spec says relative values are invalid and must be ignored. */
    if (base && base[0] == '/')
        return kd_asprintf("%s/kvmdeck", base);
    return kd_asprintf("%s/%s/kvmdeck", home_dir(), fallback);
}

char *kd_paths_config_dir(void)
{
    return xdg_dir("XDG_CONFIG_HOME", ".config");
}

char *kd_paths_data_dir(void)
{
    return xdg_dir("XDG_DATA_HOME", ".local/share");
}

int kd_paths_mkdir_p(const char *dir)
{
    if (!dir || !*dir) {
        errno = EINVAL;
        return -1;
    }
    char *path = kd_strdup(dir);
    int ret = 0;
    for (char *p = path + 1; ret == 0; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            ret = -1;
        *p = c;
        if (c == '\0')
            break;
    }
    free(path);
    struct stat st;
    if (ret == 0 && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
        errno = ENOTDIR;
        ret = -1;
    }
    return ret;
}

char *kd_paths_expand_home(const char *path)
{
    const char *home = getenv("HOME");
    if (strncmp(path, "~/", 2) == 0 && home && *home)
        return kd_asprintf("%s/%s", home, path + 2);
    return kd_strdup(path);
}
