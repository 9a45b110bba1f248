#include "core/err.h"
#include "core/uri.h"
#include "ui/ui.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef KD_THEMEDIR
#define KD_THEMEDIR "/usr/local/share/kvmdeck/themes"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: kvmdeck [OPTION]...\n"
            "Administer the virtual machines of a libvirt host from the terminal.\n"
            "\n"
            "  -c, --connect=URI   hypervisor connection URI (default: $LIBVIRT_DEFAULT_URI,\n"
            "                      else libvirt's default)\n"
            "  -r, --readonly      open the connection read-only; refuse every change\n"
            "      --theme=NAME    colour theme (a file NAME.theme; see kvmdeck(1))\n"
            "  -h, --help          display this help and exit\n"
            "  -V, --version       output version information and exit\n"
            "\n"
            "Keys: press ? inside kvmdeck for the full list; q quits.\n"
            "Themes are read from $XDG_CONFIG_HOME/kvmdeck/themes and %s.\n"
            "\n"
            "Examples:\n"
            "  kvmdeck                         the local hypervisor\n"
            "  kvmdeck -c test:///default      libvirt's built-in demo host\n"
            "  kvmdeck -r -c qemu+ssh://root@host/system\n",
            KD_THEMEDIR);
}

static void version(void)
{
    printf("kvmdeck %s\n"
           "Copyright (C) 2026 the kvmdeck authors.\n"
           "License GPLv2+: GNU GPL version 2 or later <https://gnu.org/licenses/gpl.html>.\n"
           "This is free software: you are free to change and redistribute it.\n"
           "There is NO WARRANTY, to the extent permitted by law.\n",
           PACKAGE_VERSION);
}

int main(int argc, char **argv)
{
    enum { OPT_THEME = 256 };
    static const struct option longopts[] = {
        {"connect", required_argument, NULL, 'c'},     {"readonly", no_argument, NULL, 'r'},
        {"theme", required_argument, NULL, OPT_THEME}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},           {NULL, 0, NULL, 0},
    };
    kd_ui_opts opts = {.themes_dir = KD_THEMEDIR};
    const char *uri_opt = NULL;
    kd_err err;
    int c;

    setlocale(LC_ALL, "");
    kd_err_clear(&err);
    while ((c = getopt_long(argc, argv, "c:rhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            uri_opt = optarg;
            break;
        case 'r':
            opts.readonly = true;
            break;
        case OPT_THEME:
            opts.theme = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            version();
            return 0;
        default:
            fprintf(stderr, "Try 'kvmdeck --help' for more information.\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kvmdeck: unexpected argument '%s'\n", argv[optind]);
        fprintf(stderr, "Try 'kvmdeck --help' for more information.\n");
        return 2;
    }
    opts.uri = kd_uri_choose(uri_opt, getenv("LIBVIRT_DEFAULT_URI"));
    if (opts.theme && kd_ui_check_theme(opts.theme, opts.themes_dir, &err) < 0) {
        fprintf(stderr, "kvmdeck: %s\n", err.msg);
        return 2;
    }
    int status = kd_ui_run(&opts, &err);
    if (err.code != KD_ERR_NONE) {
        fprintf(stderr, "kvmdeck: %s\n", err.msg);
        return status ? status : 1;
    }
    exit(status);
}
