#include "console/screen_text.h"
#include "core/err.h"
#include "core/uri.h"
#include "stats/batch.h"
#include "ui/ui.h"

#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef KD_THEMEDIR
#define KD_THEMEDIR "/usr/local/share/kvmdeck/themes"
#endif

/* An option handler's answer: go on parsing, or exit with this status. */
#define GO_ON (-1)

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: kvmdeck [OPTION]...\n"
            "  or:  kvmdeck --batch [-n N] [-d SECS] [--csv=FILE|-] [--json[=FILE]]\n"
            "                       [--stream] [--prometheus=FILE] [-c URI]\n"
            "Administer the virtual machines of a libvirt host from the terminal.\n"
            "\n"
            "  -c, --connect=URI   hypervisor connection URI (default: $LIBVIRT_DEFAULT_URI,\n"
            "                      else libvirt's default)\n"
            "  -r, --readonly      open the connection read-only; refuse every change\n"
            "      --theme=NAME    colour theme (a file NAME.theme; see kvmdeck(1))\n"
            "  -h, --help          display this help and exit\n"
            "  -V, --version       output version information and exit\n"
            "\n"
            "Statistics without a screen, like virt-top --batch (always read-only):\n"
            "  -b, --batch         print statistics every delay instead of the full screen,\n"
            "                      until N rows or SIGINT/SIGTERM; by default as a text table\n"
            "  -n, --iterations=N  stop after N rows (every row has rates: a first, unprinted\n"
            "                      sample is taken at start, so N rows take N x SECS)\n"
            "  -d, --delay=SECS    seconds between rows, 0.1 to 3600 (default 3)\n"
            "      --csv=FILE      virt-top's CSV (a header, then a row per tick) to FILE,\n"
            "                      or to standard output for -\n"
            "      --json[=FILE]   one JSON object per tick and line, to standard output\n"
            "                      or to FILE\n"
            "      --stream        the text table on standard output, with the options\n"
            "                      above (--stream alone implies --batch)\n"
            "      --prometheus=FILE\n"
            "                      replace FILE atomically every tick with Prometheus text\n"
            "                      (node_exporter's textfile format)\n"
            "  -n, -d, --csv, --json and --prometheus work only with --batch for now.\n"
            "\n"
            "      --screen-text=DOMAIN\n"
            "                      print the text on DOMAIN's VNC screen (VGA text mode or a\n"
            "                      framebuffer console) and exit; 3 when it shows a picture\n"
            "\n"
            "Keys: press ? inside kvmdeck for the full list; q quits.\n"
            "Themes are read from $XDG_CONFIG_HOME/kvmdeck/themes and\n"
            "%s.\n"
            "\n"
            "Examples:\n"
            "  kvmdeck                         the local hypervisor\n"
            "  kvmdeck -c test:///default      libvirt's built-in demo host\n"
            "  kvmdeck -r -c qemu+ssh://root@host/system\n"
            "  kvmdeck --batch -n 3 -d 1 --csv -     three CSV rows, one a second\n"
            "  kvmdeck -b -d 15 --prometheus /var/lib/node_exporter/kvmdeck.prom\n",
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

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kvmdeck: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'kvmdeck --help' for more information.\n");
    va_end(ap);
    return 2;
}

typedef struct {
    kd_ui_opts ui;
    kd_batch_opts batch;
    const char *uri_opt;
    bool batch_mode;
    const char *batch_only; /* the first option given that needs --batch */
    const char *screen_text;
} cli;

typedef int (*opt_fn)(cli *c, const char *arg);

static int opt_connect(cli *c, const char *arg)
{
    c->uri_opt = arg;
    return GO_ON;
}

static int opt_readonly(cli *c, const char *arg)
{
    (void)arg;
    c->ui.readonly = true;
    return GO_ON;
}

static int opt_theme(cli *c, const char *arg)
{
    c->ui.theme = arg;
    return GO_ON;
}

static int opt_help(cli *c, const char *arg)
{
    (void)c;
    (void)arg;
    usage(stdout);
    return 0;
}

static int opt_version(cli *c, const char *arg)
{
    (void)c;
    (void)arg;
    version();
    return 0;
}

static int opt_batch(cli *c, const char *arg)
{
    (void)arg;
    c->batch_mode = true;
    return GO_ON;
}

/* virt-top's --stream runs without a screen: so does this one. */
static int opt_stream(cli *c, const char *arg)
{
    (void)arg;
    c->batch.stream = true;
    c->batch_mode = true;
    return GO_ON;
}

static int opt_iterations(cli *c, const char *arg)
{
    kd_err err;
    if (kd_batch_parse_iterations(arg, &c->batch.iterations, &err) < 0)
        return usage_error("--iterations: %s", err.msg);
    return GO_ON;
}

static int opt_delay(cli *c, const char *arg)
{
    kd_err err;
    if (kd_batch_parse_delay(arg, &c->batch.delay_ms, &err) < 0)
        return usage_error("--delay: %s", err.msg);
    return GO_ON;
}

static int opt_csv(cli *c, const char *arg)
{
    c->batch.csv = arg;
    return GO_ON;
}

static int opt_json(cli *c, const char *arg)
{
    c->batch.json = arg ? arg : "-";
    return GO_ON;
}

static int opt_prometheus(cli *c, const char *arg)
{
    c->batch.prometheus = arg;
    return GO_ON;
}

static int opt_screen_text(cli *c, const char *arg)
{
    c->screen_text = arg;
    return GO_ON;
}

enum { OPT_THEME = 256, OPT_CSV, OPT_JSON, OPT_STREAM, OPT_PROMETHEUS, OPT_SCREEN_TEXT };

static const struct option longopts[] = {
    {"connect", required_argument, NULL, 'c'},
    {"readonly", no_argument, NULL, 'r'},
    {"theme", required_argument, NULL, OPT_THEME},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"batch", no_argument, NULL, 'b'},
    {"iterations", required_argument, NULL, 'n'},
    {"delay", required_argument, NULL, 'd'},
    {"csv", required_argument, NULL, OPT_CSV},
    {"json", optional_argument, NULL, OPT_JSON},
    {"stream", no_argument, NULL, OPT_STREAM},
    {"prometheus", required_argument, NULL, OPT_PROMETHEUS},
    {"screen-text", required_argument, NULL, OPT_SCREEN_TEXT},
    {NULL, 0, NULL, 0},
};

static const struct {
    int val;
    opt_fn fn;
    const char *batch_only; /* the option's name when it needs --batch, else NULL */
} handlers[] = {
    {'c', opt_connect, NULL},
    {'r', opt_readonly, NULL},
    {OPT_THEME, opt_theme, NULL},
    {'h', opt_help, NULL},
    {'V', opt_version, NULL},
    {'b', opt_batch, NULL},
    {OPT_STREAM, opt_stream, NULL},
    {'n', opt_iterations, "--iterations"},
    {'d', opt_delay, "--delay"},
    {OPT_CSV, opt_csv, "--csv"},
    {OPT_JSON, opt_json, "--json"},
    {OPT_PROMETHEUS, opt_prometheus, "--prometheus"},
    {OPT_SCREEN_TEXT, opt_screen_text, NULL},
};

/* GO_ON when every option was read, else the status to exit with. */
static int parse(cli *c, int argc, char **argv)
{
    int opt;
    while ((opt = getopt_long(argc, argv, "c:rhVbn:d:", longopts, NULL)) != -1) {
        size_t i = 0;
        while (i < sizeof(handlers) / sizeof(handlers[0]) && handlers[i].val != opt)
            i++;
        if (i == sizeof(handlers) / sizeof(handlers[0])) {
            fprintf(stderr, "Try 'kvmdeck --help' for more information.\n");
            return 2;
        }
        if (handlers[i].batch_only && !c->batch_only)
            c->batch_only = handlers[i].batch_only;
        int status = handlers[i].fn(c, optarg);
        if (status != GO_ON)
            return status;
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if (c->batch_only && !c->batch_mode)
        return usage_error("%s works only with --batch for now", c->batch_only);
    return GO_ON;
}

static int run_batch(cli *c)
{
    kd_err err;
    kd_err_clear(&err);
    c->batch.uri = c->ui.uri;
    int status = kd_batch_run(&c->batch, &err);
    if (status == 2)
        return usage_error("%s", err.msg);
    if (status != 0)
        fprintf(stderr, "kvmdeck: %s\n", err.msg);
    return status;
}

static int run_screen_text(cli *c)
{
    kd_err err;
    kd_err_clear(&err);
    kd_screen_text_opts o = {.uri = c->ui.uri, .domain = c->screen_text};
    int status = kd_screen_text_run(&o, stdout, &err);
    if (status != 0)
        fprintf(stderr, "kvmdeck: %s\n", err.msg);
    return status;
}

int main(int argc, char **argv)
{
    cli c = {.ui = {.themes_dir = KD_THEMEDIR}};
    kd_err err;

    setlocale(LC_ALL, "");
    kd_err_clear(&err);
    kd_batch_opts_init(&c.batch);
    int status = parse(&c, argc, argv);
    if (status != GO_ON)
        return status;
    c.ui.uri = kd_uri_choose(c.uri_opt, getenv("LIBVIRT_DEFAULT_URI"));
    if (c.batch_mode)
        return run_batch(&c);
    if (c.screen_text)
        return run_screen_text(&c);
    if (c.ui.theme && kd_ui_check_theme(c.ui.theme, c.ui.themes_dir, &err) < 0) {
        fprintf(stderr, "kvmdeck: %s\n", err.msg);
        return 2;
    }
    status = kd_ui_run(&c.ui, &err);
    if (err.code != KD_ERR_NONE) {
        fprintf(stderr, "kvmdeck: %s\n", err.msg);
        return status ? status : 1;
    }
    exit(status);
}
