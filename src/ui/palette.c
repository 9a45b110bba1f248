#include "backend/network.h"
#include "backend/storage.h"
#include "core/str.h"
#include "ui/app.h"

#include <stdlib.h>
#include <string.h>

/* The command palette: ':' then an action's name or virsh's verb, with arguments as a
 * shell would split them, so that names with spaces or quotes can be given quoted. */

void kd_app_run_command(kd_app *app, const char *line)
{
    char **argv;
    const char *bad;
    int argc = kd_str_split_words(line, &argv, &bad);
    if (argc < 0) {
        kd_app_status(app, true, "%s", bad);
        return;
    }
    if (argc == 0) {
        kd_strv_free(argv);
        return;
    }
    const kd_action *a = kd_action_find_verb(argv[0]);
    if (!a)
        a = kd_action_find(argv[0]);
    if (!a)
        kd_app_status(app, true, "unknown command '%s'; Tab completes, :help lists keys", argv[0]);
    else
        a->run(app, argc - 1, argv + 1);
    kd_strv_free(argv);
}

/* Where the last word starts, and how many words come before it. */
static size_t last_word(const char *line, int *index)
{
    size_t start = 0;
    char q = 0;
    bool in_word = false;
    *index = 0;
    for (size_t i = 0; line[i]; i++) {
        char c = line[i];
        if (q) {
            if (c == q)
                q = 0;
            else if (c == '\\' && q == '"' && line[i + 1])
                i++;
        } else if (c == ' ' || c == '\t') {
            if (in_word)
                (*index)++;
            in_word = false;
        } else {
            if (!in_word)
                start = i;
            in_word = true;
            if (c == '\'' || c == '"')
                q = c;
            else if (c == '\\' && line[i + 1])
                i++;
        }
    }
    if (!in_word)
        start = strlen(line);
    return start;
}

static void push(char ***v, size_t *n, char *s)
{
    *v = kd_realloc(*v, (*n + 2) * sizeof(char *));
    (*v)[(*n)++] = s;
    (*v)[*n] = NULL;
}

static void complete_verbs(const char *prefix, char ***v, size_t *n)
{
    for (size_t i = 0, m = kd_action_count(); i < m; i++) {
        const kd_action *a = kd_action_at(i);
        const char *w = a->verb ? a->verb : a->name;
        if (strncmp(w, prefix, strlen(prefix)) == 0)
            push(v, n, kd_strdup(w));
    }
}

static void complete_name(const char *name, const char *prefix, char ***v, size_t *n)
{
    if (strncmp(name, prefix, strlen(prefix)) == 0)
        push(v, n, kd_str_quote(name));
}

static void complete_domains(kd_app *app, const char *prefix, char ***v, size_t *n)
{
    if (!app->conn)
        return;
    for (size_t i = 0; i < kd_conn_domain_count(app->conn); i++)
        complete_name(kd_conn_domain_at(app->conn, i)->name, prefix, v, n);
}

static void complete_pools(kd_app *app, const char *prefix, char ***v, size_t *n)
{
    size_t count = 0;
    kd_pool *p = app->conn ? kd_storage_pools_list(app->conn, &count, NULL) : NULL;
    for (size_t i = 0; i < count; i++)
        complete_name(p[i].name, prefix, v, n);
    kd_storage_pools_free(p, count);
}

static void complete_networks(kd_app *app, const char *prefix, char ***v, size_t *n)
{
    size_t count = 0;
    kd_network *net = app->conn ? kd_net_list(app->conn, &count, NULL) : NULL;
    for (size_t i = 0; i < count; i++)
        complete_name(net[i].name, prefix, v, n);
    kd_net_list_free(net, count);
}

/* What the verb's argument at index (1 the first) names, from the action's usage text
 * ("POOL NAME SIZE ..."): pools and networks by their names, else domains. */
static void complete_argument(kd_app *app, const char *verb, int index, const char *prefix,
                              char ***v, size_t *n)
{
    const kd_action *a = kd_action_find_verb(verb);
    if (!a)
        a = kd_action_find(verb);
    char **words = NULL;
    const char *bad;
    int nw = a && a->usage ? kd_str_split_words(a->usage, &words, &bad) : -1;
    const char *kind = nw >= index ? words[index - 1] : "DOMAIN";
    if (strcmp(kind, "POOL") == 0)
        complete_pools(app, prefix, v, n);
    else if (strcmp(kind, "NETWORK") == 0)
        complete_networks(app, prefix, v, n);
    else if (kind[0] != '[' && strcmp(kind, "FILE") != 0 && strcmp(kind, "URI") != 0)
        complete_domains(app, prefix, v, n);
    if (nw >= 0)
        kd_strv_free(words);
}

/* virsh's verbs before the dotted action names, which are longer and rarer. */
static int by_str(const void *a, const void *b)
{
    const char *sa = *(char *const *)a, *sb = *(char *const *)b;
    bool da = strchr(sa, '.') != NULL, db = strchr(sb, '.') != NULL;
    return da != db ? (int)da - (int)db : strcmp(sa, sb);
}

char **kd_app_complete(kd_app *app, const char *line, size_t *word_start)
{
    int index;
    size_t start = last_word(line, &index);
    char **v = NULL;
    size_t n = 0;
    /* Match on what the word means, not on how it is quoted so far. */
    char **parts;
    const char *bad;
    char *typed = kd_strdup(line + start);
    size_t tl = strlen(typed);
    if (tl && (typed[0] == '"' || typed[0] == '\'') && (tl == 1 || typed[tl - 1] != typed[0])) {
        char *closed = kd_asprintf("%s%c", typed, typed[0]);
        free(typed);
        typed = closed;
    }
    int np = kd_str_split_words(typed, &parts, &bad);
    const char *prefix = np > 0 ? parts[0] : "";
    if (index == 0) {
        complete_verbs(prefix, &v, &n);
    } else {
        /* Verbs are plain words: the first one needs no unquoting. */
        const char *verb = line + strspn(line, " \t");
        char *first = kd_strndup(verb, strcspn(verb, " \t"));
        complete_argument(app, first, index, prefix, &v, &n);
        free(first);
    }
    if (np >= 0)
        kd_strv_free(parts);
    free(typed);
    if (n > 1)
        qsort(v, n, sizeof(char *), by_str);
    *word_start = start;
    return v;
}

static void on_palette(kd_app *app, bool ok, const char *text, void *opaque)
{
    if (ok)
        kd_app_run_command(app, text);
}

void kd_app_palette_open(kd_app *app)
{
    kd_dialog_spec spec = {
        .title = ":", .bar = true, .complete = kd_app_complete, .done = on_palette};
    kd_dialog_prompt(app, &spec);
}
