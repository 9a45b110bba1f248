#include "backend/domxml.h"
#include "core/str.h"

#include <dirent.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#define MIB (1024ULL * 1024ULL)

/* For hosts without osinfo-db: the common cases, with osinfo-db's recommended figures. */
static const kd_osvariant builtin[] = {
    {"generic", "Generic OS", 1024, 1, 10240, false},
    {"linux2022", "Generic Linux 2022", 2048, 2, 20480, false},
    {"debian11", "Debian 11", 1024, 1, 10240, false},
    {"debian12", "Debian 12", 2048, 2, 20480, false},
    {"ubuntu22.04", "Ubuntu 22.04 LTS", 4096, 2, 25600, false},
    {"ubuntu24.04", "Ubuntu 24.04 LTS", 4096, 2, 25600, false},
    {"fedora39", "Fedora Linux 39", 2048, 2, 20480, false},
    {"centos-stream9", "CentOS Stream 9", 2048, 2, 20480, false},
    {"rhel9.0", "Red Hat Enterprise Linux 9.0", 2048, 2, 20480, false},
    {"alpinelinux3.19", "Alpine Linux 3.19", 1024, 1, 4096, false},
    {"freebsd14.0", "FreeBSD 14.0", 2048, 2, 20480, false},
    {"win10", "Microsoft Windows 10", 4096, 2, 65536, true},
    {"win11", "Microsoft Windows 11", 4096, 2, 65536, true},
    {"win2k22", "Microsoft Windows Server 2022", 4096, 2, 65536, true},
};

size_t kd_osinfo_builtin(const kd_osvariant **out)
{
    *out = builtin;
    return sizeof(builtin) / sizeof(builtin[0]);
}

void kd_osinfo_free(kd_osvariant *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].id);
        free(v[i].name);
    }
    free(v);
}

typedef struct {
    kd_osvariant *v;
    size_t n, cap;
} os_list;

static bool named(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name);
}

static unsigned long long num(xmlNodePtr n)
{
    xmlChar *t = xmlNodeGetContent(n);
    unsigned long long v = t ? strtoull((const char *)t, NULL, 10) : 0;
    xmlFree(t);
    return v;
}

/* <minimum> or <recommended>: bytes of RAM and storage, CPUs. */
static void read_figures(xmlNodePtr set, kd_osvariant *os)
{
    for (xmlNodePtr n = set->children; n; n = n->next) {
        if (named(n, "ram") && num(n))
            os->ram_mib = num(n) / MIB;
        else if (named(n, "n-cpus") && num(n))
            os->vcpus = (unsigned)num(n);
        else if (named(n, "storage") && num(n))
            os->disk_mib = num(n) / MIB;
    }
}

/* The x86_64 (or "all") resources; recommended figures win over minimum ones. */
static void read_resources(xmlNodePtr res, kd_osvariant *os)
{
    xmlChar *arch = xmlGetProp(res, BAD_CAST "arch");
    bool fits = !arch || xmlStrEqual(arch, BAD_CAST "all") || xmlStrEqual(arch, BAD_CAST "x86_64");
    xmlFree(arch);
    if (!fits)
        return;
    for (xmlNodePtr n = res->children; n; n = n->next) {
        if (named(n, "minimum"))
            read_figures(n, os);
    }
    for (xmlNodePtr n = res->children; n; n = n->next) {
        if (named(n, "recommended"))
            read_figures(n, os);
    }
}

static char *content(xmlNodePtr n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *s = kd_strdup(t ? (const char *)t : "");
    xmlFree(t);
    return s;
}

static void read_os(xmlNodePtr node, os_list *l)
{
    kd_osvariant os = {0};
    for (xmlNodePtr n = node->children; n; n = n->next) {
        if (named(n, "short-id") && !os.id) {
            os.id = content(n);
        } else if (named(n, "name") && !os.name) {
            os.name = content(n);
        } else if (named(n, "family")) {
            char *f = content(n);
            os.windows = strncmp(f, "win", 3) == 0;
            free(f);
        } else if (named(n, "resources")) {
            read_resources(n, &os);
        }
    }
    if (!os.id || !os.name) {
        free(os.id);
        free(os.name);
        return;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = kd_realloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = os;
}

static void read_file(const char *path, os_list *l)
{
    xmlDocPtr doc =
        xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next) {
        if (named(n, "os"))
            read_os(n, l);
    }
    xmlFreeDoc(doc);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* os/VENDOR/ID.xml */
static void read_tree(const char *dir, os_list *l, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *path = kd_asprintf("%s/%s", dir, e->d_name);
        if (has_suffix(e->d_name, ".xml"))
            read_file(path, l);
        else if (depth < 2)
            read_tree(path, l, depth + 1);
        free(path);
    }
    closedir(d);
}

static int by_name(const void *a, const void *b)
{
    const kd_osvariant *x = a, *y = b;
    return strcasecmp(x->name, y->name);
}

static void copy_builtin(os_list *l)
{
    const kd_osvariant *b;
    size_t n = kd_osinfo_builtin(&b);
    l->v = kd_calloc(n, sizeof(*l->v));
    for (size_t i = 0; i < n; i++) {
        l->v[i] = b[i];
        l->v[i].id = kd_strdup(b[i].id);
        l->v[i].name = kd_strdup(b[i].name);
    }
    l->n = l->cap = n;
}

int kd_osinfo_list(const char *dir, kd_osvariant **out, size_t *n, bool *from_db, kd_err *err)
{
    (void)err;
    static const char *const dirs[] = {"/usr/share/osinfo", "/usr/share/osinfo-db"};
    os_list l = {0};
    for (size_t i = 0; i < (dir ? 1 : sizeof(dirs) / sizeof(dirs[0])) && !l.n; i++) {
        char *os_dir = kd_asprintf("%s/os", dir ? dir : dirs[i]);
        read_tree(os_dir, &l, 0);
        free(os_dir);
    }
    *from_db = l.n > 0;
    if (!l.n)
        copy_builtin(&l);
    else
        qsort(l.v, l.n, sizeof(*l.v), by_name);
    *out = l.v;
    *n = l.n;
    return 0;
}
