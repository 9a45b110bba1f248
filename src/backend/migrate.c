#include "backend/migrate.h"
#include "backend/conn_priv.h"
#include "backend/virt.h"
#include "core/str.h"

#include <ctype.h>
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdlib.h>
#include <string.h>

struct kd_migrate_req {
    char uuid[37];
    kd_migrate_opts opts;
    virConnectPtr src;  /* our own references: the loop may reconnect under the worker */
    virConnectPtr dest; /* NULL for peer-to-peer */
};

void kd_migrate_opts_clear(kd_migrate_opts *o)
{
    free(o->dest_uri);
    free(o->migrate_uri);
    memset(o, 0, sizeof(*o));
}

/* ---- options -------------------------------------------------------------------------- */

typedef struct {
    const char *word;
    size_t offset; /* of the bool in kd_migrate_opts */
} flag_word;

static const flag_word flag_words[] = {
    {"--live", offsetof(kd_migrate_opts, live)},
    {"--offline", offsetof(kd_migrate_opts, offline)},
    {"--persistent", offsetof(kd_migrate_opts, persistent)},
    {"--undefinesource", offsetof(kd_migrate_opts, undefine_source)},
    {"--copy-storage-all", offsetof(kd_migrate_opts, copy_storage)},
    {"--p2p", offsetof(kd_migrate_opts, p2p)},
};

static bool set_flag(kd_migrate_opts *o, const char *word)
{
    for (size_t i = 0; i < sizeof(flag_words) / sizeof(flag_words[0]); i++) {
        if (strcmp(word, flag_words[i].word) == 0) {
            *(bool *)((char *)o + flag_words[i].offset) = true;
            return true;
        }
    }
    return false;
}

static int parse_bandwidth(kd_migrate_opts *o, const char *s, kd_err *err)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!isdigit((unsigned char)*s) || *end || errno || v > 1000000) {
        kd_err_set(err, KD_ERR_INVALID, "--bandwidth wants MiB/s as a whole number, not '%s'", s);
        return -1;
    }
    o->bandwidth = v;
    return 0;
}

static int parse_word(kd_migrate_opts *o, int argc, char **argv, int *i, kd_err *err)
{
    const char *w = argv[*i];
    if (set_flag(o, w))
        return 0;
    bool takes_value = strcmp(w, "--migrateuri") == 0 || strcmp(w, "--bandwidth") == 0;
    if (takes_value && *i + 1 >= argc) {
        kd_err_set(err, KD_ERR_INVALID, "%s needs a value", w);
        return -1;
    }
    if (strcmp(w, "--migrateuri") == 0) {
        free(o->migrate_uri);
        o->migrate_uri = kd_strdup(argv[++*i]);
        return 0;
    }
    if (strcmp(w, "--bandwidth") == 0)
        return parse_bandwidth(o, argv[++*i], err);
    if (w[0] == '-') {
        kd_err_set(err, KD_ERR_INVALID,
                   "unknown option %s (--live --offline --persistent --undefinesource "
                   "--copy-storage-all --p2p --migrateuri URI --bandwidth MiB)",
                   w);
        return -1;
    }
    if (o->dest_uri) {
        kd_err_set(err, KD_ERR_INVALID, "one destination URI only ('%s' and '%s')", o->dest_uri, w);
        return -1;
    }
    o->dest_uri = kd_strdup(w);
    return 0;
}

int kd_migrate_opts_parse(kd_migrate_opts *o, int argc, char **argv, kd_err *err)
{
    memset(o, 0, sizeof(*o));
    for (int i = 0; i < argc; i++) {
        if (parse_word(o, argc, argv, &i, err) < 0) {
            kd_migrate_opts_clear(o);
            return -1;
        }
    }
    if (!o->dest_uri) {
        kd_err_set(err, KD_ERR_INVALID, "no destination URI (e.g. qemu+ssh://host2/system)");
        return -1;
    }
    return 0;
}

unsigned kd_migrate_flags(const kd_migrate_opts *o)
{
    unsigned f = 0;
    f |= o->live ? VIR_MIGRATE_LIVE : 0;
    f |= o->offline ? VIR_MIGRATE_OFFLINE : 0;
    f |= o->persistent ? VIR_MIGRATE_PERSIST_DEST : 0;
    f |= o->undefine_source ? VIR_MIGRATE_UNDEFINE_SOURCE : 0;
    f |= o->copy_storage ? VIR_MIGRATE_NON_SHARED_DISK : 0;
    f |= o->p2p ? VIR_MIGRATE_PEER2PEER : 0;
    return f;
}

/* scheme://rest, the scheme as RFC 3986 has it; libvirt's own parser is not public. */
static bool looks_like_uri(const char *s)
{
    if (!s || !isalpha((unsigned char)*s))
        return false;
    const char *p = s;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    if (strncmp(p, "://", 3) != 0)
        return false;
    for (; *p; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
            return false;
    return true;
}

int kd_migrate_validate(const kd_migrate_opts *o, bool domain_active, kd_err *err)
{
    const char *msg = NULL;
    if (kd_str_empty(o->dest_uri))
        msg = "no destination URI (e.g. qemu+ssh://host2/system)";
    else if (!looks_like_uri(o->dest_uri))
        msg = "the destination is not a libvirt URI (driver[+transport]://[host]/path, "
              "e.g. qemu+ssh://host2/system)";
    else if (o->migrate_uri && !looks_like_uri(o->migrate_uri))
        msg = "the migration URI is not a URI (e.g. tcp://10.0.0.2 or tcp://10.0.0.2:49152)";
    else if (o->offline && o->live)
        msg = "--live and --offline exclude each other";
    else if (o->offline && !o->persistent)
        msg = "an offline migration moves only the definition: it needs --persistent";
    else if (o->offline && o->copy_storage)
        msg = "an offline migration copies no disks: drop --copy-storage-all";
    else if (o->offline && domain_active)
        msg = "the domain is running: --offline is for a shut-off domain";
    else if (!o->offline && !domain_active)
        msg = "the domain is not running: a shut-off domain moves with --offline --persistent";
    if (msg) {
        kd_err_set(err, KD_ERR_INVALID, "%s", msg);
        return -1;
    }
    return 0;
}

/* ---- the same host? ------------------------------------------------------------------- */

static char *host_uuid(virConnectPtr vc)
{
    char *caps = virConnectGetCapabilities(vc);
    if (!caps)
        return NULL;
    char *out = NULL;
    xmlDocPtr doc = xmlReadMemory(caps, (int)strlen(caps), "caps.xml", NULL, XML_PARSE_NONET);
    xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
    xmlXPathObjectPtr r =
        ctx ? xmlXPathEvalExpression(BAD_CAST "string(/capabilities/host/uuid)", ctx) : NULL;
    if (r && r->type == XPATH_STRING && r->stringval && r->stringval[0])
        out = kd_strdup((const char *)r->stringval);
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    free(caps);
    return out;
}

/* Drivers without a host UUID (the test driver) are the same host when they are the same
 * URI on the same machine. */
static bool same_host(virConnectPtr a, virConnectPtr b, char *why, size_t n)
{
    char *ua = host_uuid(a), *ub = host_uuid(b);
    bool same = false;
    if (ua && ub) {
        same = strcmp(ua, ub) == 0;
        snprintf(why, n, "host UUID %s", ua);
    } else if (!ua && !ub) {
        char *uri_a = virConnectGetURI(a), *uri_b = virConnectGetURI(b);
        char *h_a = virConnectGetHostname(a), *h_b = virConnectGetHostname(b);
        same = uri_a && uri_b && h_a && h_b && strcmp(uri_a, uri_b) == 0 && strcmp(h_a, h_b) == 0;
        snprintf(why, n, "%s on %s", uri_a ? uri_a : "?", h_a ? h_a : "?");
        free(uri_a);
        free(uri_b);
        free(h_a);
        free(h_b);
    }
    free(ua);
    free(ub);
    virResetLastError();
    return same;
}

/* ---- explaining libvirt's refusals ---------------------------------------------------- */

static bool has(const char *msg, const char *what)
{
    return msg && strcasestr(msg, what);
}

static bool unreachable(const virError *e)
{
    return e->code == VIR_ERR_NO_CONNECT || e->code == VIR_ERR_RPC ||
           (e->code == VIR_ERR_SYSTEM_ERROR && e->domain == VIR_FROM_RPC) ||
           has(e->message, "failed to connect") || has(e->message, "unable to connect") ||
           has(e->message, "connection refused") || has(e->message, "no route to host") ||
           has(e->message, "name or service not known");
}

static const char *explain(const virError *e, bool p2p)
{
    if (e->code == VIR_ERR_OPERATION_ABORTED || has(e->message, "canceled by client") ||
        has(e->message, "cancelled by client"))
        return "cancelled; the domain stays on the source";
    if (e->code == VIR_ERR_AUTH_FAILED || e->code == VIR_ERR_AUTH_CANCELLED ||
        e->code == VIR_ERR_AUTH_UNAVAILABLE)
        return "the destination wants credentials kvmdeck could not give (open it as a "
               "connection first, or use SSH keys)";
    if (has(e->message, "same host"))
        return "the destination is the source host itself";
    if (e->code == VIR_ERR_CPU_INCOMPATIBLE ||
        (has(e->message, "cpu") && (has(e->message, "incompatible") || has(e->message, "match"))))
        return "the destination's CPU cannot run this guest's CPU model (choose a model both "
               "hosts have, not host-passthrough)";
    if (e->code == VIR_ERR_MIGRATE_UNSAFE)
        return "a disk is on storage the destination does not share (copy it with "
               "--copy-storage-all, or use shared storage with cache='none')";
    if (e->code == VIR_ERR_NO_STORAGE_VOL || e->code == VIR_ERR_NO_STORAGE_POOL ||
        has(e->message, "storage") || has(e->message, "no such file"))
        return "a disk of the domain is missing on the destination (use storage shared at the "
               "same path, or --copy-storage-all onto volumes created there)";
    if (e->code == VIR_ERR_NO_SUPPORT)
        return "this hypervisor driver cannot migrate domains";
    if (p2p && e->code == VIR_ERR_ARGUMENT_UNSUPPORTED && has(e->message, "p2p"))
        return "the source's driver cannot migrate peer-to-peer; try without --p2p";
    if (unreachable(e))
        return p2p ? "the source's libvirtd cannot reach the destination (peer-to-peer); try "
                     "without --p2p, through this client"
                   : "the destination cannot be reached";
    return NULL;
}

static void migrate_err(kd_err *err, const char *uri, bool p2p)
{
    virErrorPtr e = virGetLastError();
    const char *why = e ? explain(e, p2p) : NULL;
    const char *raw = e && e->message ? e->message : "no reason given";
    if (why)
        kd_err_set(err, KD_ERR_LIBVIRT, "migrate to %s: %s (libvirt: %s)", uri, why, raw);
    else
        kd_err_set(err, KD_ERR_LIBVIRT, "migrate to %s: %s", uri, raw);
    virResetLastError();
}

/* ---- the request ---------------------------------------------------------------------- */

static void copy_opts(kd_migrate_opts *dst, const kd_migrate_opts *src)
{
    *dst = *src;
    dst->dest_uri = kd_strdup(src->dest_uri);
    dst->migrate_uri = src->migrate_uri ? kd_strdup(src->migrate_uri) : NULL;
}

void kd_migrate_req_free(void *p)
{
    kd_migrate_req *r = p;
    if (!r)
        return;
    kd_migrate_opts_clear(&r->opts);
    if (r->src)
        virConnectClose(r->src);
    if (r->dest)
        virConnectClose(r->dest);
    free(r);
}

static virConnectPtr open_dest(const kd_migrate_opts *o, kd_conn *dest, kd_err *err)
{
    if (dest) {
        virConnectPtr vc = kd_conn_virt(dest);
        if (!vc) {
            kd_err_set(err, KD_ERR_CONNECT, "migrate to %s: that connection is down", o->dest_uri);
            return NULL;
        }
        virConnectRef(vc);
        return vc;
    }
    /* No credentials callback: a host that asks for some is refused, and said so. */
    virConnectPtr vc = virConnectOpenAuth(o->dest_uri, NULL, 0);
    if (!vc)
        migrate_err(err, o->dest_uri, false);
    return vc;
}

kd_migrate_req *kd_migrate_prepare(kd_conn *src, const char *uuid, const kd_migrate_opts *o,
                                   kd_conn *dest, kd_err *err)
{
    if (kd_conn_check_writable(src, "migrate", err) < 0)
        return NULL;
    const kd_domain *d = kd_conn_domain_by_uuid(src, uuid);
    if (!d) {
        kd_err_set(err, KD_ERR_NOTFOUND, "migrate: no domain %s on %s", uuid,
                   kd_conn_host(src)->uri);
        return NULL;
    }
    bool active = d->state != KD_DOM_SHUTOFF && d->state != KD_DOM_CRASHED;
    if (kd_migrate_validate(o, active, err) < 0)
        return NULL;
    virConnectPtr svc = kd_conn_virt(src);
    if (!svc) {
        kd_err_set(err, KD_ERR_CONNECT, "migrate: not connected to %s", kd_conn_host(src)->uri);
        return NULL;
    }
    kd_migrate_req *r = kd_calloc(1, sizeof(*r));
    snprintf(r->uuid, sizeof(r->uuid), "%s", uuid);
    copy_opts(&r->opts, o);
    r->src = svc;
    virConnectRef(svc);
    /* Peer-to-peer: the URI is the source daemon's business; it may not be reachable here. */
    if (!o->p2p || dest) {
        r->dest = open_dest(o, dest, err);
        char why[256];
        if (!r->dest) {
            kd_migrate_req_free(r);
            return NULL;
        }
        if (same_host(svc, r->dest, why, sizeof(why))) {
            kd_err_set(err, KD_ERR_INVALID,
                       "migrate %s to %s: that is the source host itself (%s); pick another host",
                       d->name, o->dest_uri, why);
            kd_migrate_req_free(r);
            return NULL;
        }
    }
    return r;
}

static int add_params(const kd_migrate_opts *o, virTypedParameterPtr *p, int *n)
{
    int max = 0;
    if (o->migrate_uri &&
        virTypedParamsAddString(p, n, &max, VIR_MIGRATE_PARAM_URI, o->migrate_uri) < 0)
        return -1;
    if (o->bandwidth &&
        virTypedParamsAddULLong(p, n, &max, VIR_MIGRATE_PARAM_BANDWIDTH, o->bandwidth) < 0)
        return -1;
    return 0;
}

int kd_migrate_job(kd_conn *src, void *arg, kd_err *err)
{
    kd_migrate_req *r = arg;
    (void)src; /* r->src is ours; the kd_conn belongs to the loop thread */
    virDomainPtr dom = virDomainLookupByUUIDString(r->src, r->uuid);
    if (!dom) {
        kd_virt_err(err, KD_ERR_NOTFOUND, "migrate: domain %s", r->uuid);
        return -1;
    }
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    int rc = -1;
    if (add_params(&r->opts, &params, &nparams) < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "migrate: parameters");
        goto cleanup;
    }
    unsigned flags = kd_migrate_flags(&r->opts);
    if (r->opts.p2p) {
        rc = virDomainMigrateToURI3(dom, r->opts.dest_uri, params, (unsigned)nparams, flags);
    } else {
        virDomainPtr moved = virDomainMigrate3(dom, r->dest, params, (unsigned)nparams, flags);
        rc = moved ? 0 : -1;
        if (moved)
            virDomainFree(moved);
    }
    if (rc < 0)
        migrate_err(err, r->opts.dest_uri, r->opts.p2p);

cleanup:
    virTypedParamsFree(params, nparams);
    virDomainFree(dom);
    return rc;
}

/* ---- progress ------------------------------------------------------------------------- */

static unsigned long long get_ull(virTypedParameterPtr p, int n, const char *name)
{
    unsigned long long v = 0;
    return virTypedParamsGetULLong(p, n, name, &v) == 1 ? v : 0;
}

static void fill_stats(virTypedParameterPtr p, int n, kd_migrate_stats *out)
{
    out->elapsed_ms = get_ull(p, n, VIR_DOMAIN_JOB_TIME_ELAPSED);
    out->mem_total = get_ull(p, n, VIR_DOMAIN_JOB_MEMORY_TOTAL);
    out->mem_processed = get_ull(p, n, VIR_DOMAIN_JOB_MEMORY_PROCESSED);
    out->mem_remaining = get_ull(p, n, VIR_DOMAIN_JOB_MEMORY_REMAINING);
    out->data_total = get_ull(p, n, VIR_DOMAIN_JOB_DATA_TOTAL);
    out->data_processed = get_ull(p, n, VIR_DOMAIN_JOB_DATA_PROCESSED);
    out->data_remaining = get_ull(p, n, VIR_DOMAIN_JOB_DATA_REMAINING);
    out->bps = get_ull(p, n, VIR_DOMAIN_JOB_MEMORY_BPS);
    out->iteration = get_ull(p, n, VIR_DOMAIN_JOB_MEMORY_ITERATION);
    /* libvirt gives dirtied pages per second; the page size turns them into bytes. */
    unsigned long long page = get_ull(p, n, VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE);
    out->dirty_rate = get_ull(p, n, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE) * (page ? page : 4096);
}

int kd_migrate_stats_get(kd_conn *src, const char *uuid, kd_migrate_stats *out, kd_err *err)
{
    memset(out, 0, sizeof(*out));
    virDomainPtr dom = kd_conn_lookup(src, uuid, err);
    if (!dom)
        return -1;
    int type = VIR_DOMAIN_JOB_NONE, n = 0;
    virTypedParameterPtr p = NULL;
    int rc = virDomainGetJobStats(dom, &type, &p, &n, 0);
    if (rc == 0) {
        out->active = type != VIR_DOMAIN_JOB_NONE;
        if (out->active)
            fill_stats(p, n, out);
        virTypedParamsFree(p, n);
    } else {
        virErrorPtr e = virGetLastError();
        /* The test driver has no job statistics: no progress to show, not a failure. */
        if (e && e->code == VIR_ERR_NO_SUPPORT)
            rc = 0;
        else
            kd_virt_err(err, KD_ERR_LIBVIRT, "progress of the migration");
        virResetLastError();
    }
    virDomainFree(dom);
    return rc < 0 ? -1 : 0;
}
