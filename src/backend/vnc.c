#include "backend/vnc.h"
#include "backend/conn_priv.h"
#include "backend/virt.h"
#include "core/str.h"

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A server that accepts nothing must not freeze the screen for long. */
#define CONNECT_TIMEOUT_MS 5000

void kd_vnc_display_clear(kd_vnc_display *d)
{
    if (!d)
        return;
    free(d->listen);
    free(d->socket);
    memset(d, 0, sizeof(*d));
    d->port = -1;
}

bool kd_vnc_state_has_screen(kd_dom_state st)
{
    return st == KD_DOM_RUNNING || st == KD_DOM_BLOCKED || st == KD_DOM_PAUSED ||
           st == KD_DOM_SHUTDOWN;
}

/* An attribute as a heap string, NULL when absent or empty. */
static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    char *s = v && *v ? kd_strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static bool is_elem(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

/* <listen type='address' address=.../> and <listen type='socket' socket=.../> children
 * say more than the legacy attributes when both are present. */
static void read_listens(xmlNodePtr g, kd_vnc_display *d)
{
    for (xmlNodePtr l = g->children; l; l = l->next) {
        if (!is_elem(l, "listen"))
            continue;
        char *type = attr(l, "type");
        if (type && strcmp(type, "address") == 0 && !d->listen)
            d->listen = attr(l, "address");
        else if (type && strcmp(type, "socket") == 0 && !d->socket)
            d->socket = attr(l, "socket");
        free(type);
    }
}

static void read_graphics(xmlNodePtr g, int index, kd_vnc_display *d)
{
    d->index = index;
    char *port = attr(g, "port");
    char *end = NULL;
    long p = port ? strtol(port, &end, 10) : -1;
    d->port = port && *end == '\0' && p > 0 && p < 65536 ? (int)p : -1;
    free(port);
    char *autoport = attr(g, "autoport");
    d->autoport = autoport && strcmp(autoport, "yes") == 0;
    free(autoport);
    read_listens(g, d);
    if (!d->listen)
        d->listen = attr(g, "listen");
    if (!d->socket)
        d->socket = attr(g, "socket");
    xmlChar *pw = xmlGetProp(g, BAD_CAST "passwd");
    d->passwd = pw != NULL;
    xmlFree(pw);
}

int kd_vnc_display_parse(const char *xml, kd_vnc_display *out, kd_err *err)
{
    memset(out, 0, sizeof(*out));
    out->port = -1;
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || !is_elem(root, "domain")) {
        kd_err_set(err, KD_ERR_INVALID, "the domain's XML does not parse");
        xmlFreeDoc(doc);
        return -1;
    }
    int index = 0;
    bool found = false;
    for (xmlNodePtr devs = root->children; devs && !found; devs = devs->next) {
        if (!is_elem(devs, "devices"))
            continue;
        for (xmlNodePtr g = devs->children; g && !found; g = g->next) {
            if (!is_elem(g, "graphics"))
                continue;
            char *type = attr(g, "type");
            if (type && strcmp(type, "vnc") == 0) {
                read_graphics(g, index, out);
                found = true;
            }
            free(type);
            index++;
        }
    }
    xmlFreeDoc(doc);
    if (!found) {
        kd_err_set(err, KD_ERR_NOTFOUND, "the domain has no VNC display");
        return -1;
    }
    return 0;
}

int kd_vnc_display_get(kd_conn *conn, const char *uuid, kd_vnc_display *out, kd_err *err)
{
    memset(out, 0, sizeof(*out));
    out->port = -1;
    virDomainPtr dom = kd_conn_lookup(conn, uuid, err);
    if (!dom)
        return -1;
    /* Whether a password is set shows only in the secure XML, which a read-only
     * connection may not ask for. */
    bool secure = true;
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_SECURE);
    if (!xml) {
        secure = false;
        xml = virDomainGetXMLDesc(dom, 0);
    }
    if (!xml) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "reading the domain's XML");
        virDomainFree(dom);
        return -1;
    }
    int r = kd_vnc_display_parse(xml, out, err);
    out->passwd_known = secure;
    free(xml);
    virDomainFree(dom);
    return r;
}

/* ---- the socket ---------------------------------------------------------------------- */

static int wait_connected(int fd, kd_err *err, const char *what)
{
    struct pollfd p = {fd, POLLOUT, 0};
    int r;
    do
        r = poll(&p, 1, CONNECT_TIMEOUT_MS);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
        kd_err_set(err, KD_ERR_CONNECT, "connecting to %s: no answer within %d s", what,
                   CONNECT_TIMEOUT_MS / 1000);
        return -1;
    }
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr) {
        kd_err_set(err, KD_ERR_CONNECT, "connecting to %s: %s", what,
                   strerror(soerr ? soerr : errno));
        return -1;
    }
    return 0;
}

/* A non-blocking connect bounded by CONNECT_TIMEOUT_MS; the socket stays non-blocking. */
static int connect_addr(const struct sockaddr *sa, socklen_t len, int family, const char *what,
                        kd_err *err)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        kd_err_set(err, KD_ERR_CONNECT, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, sa, len) == 0)
        return fd;
    if (errno != EINPROGRESS) {
        kd_err_set(err, KD_ERR_CONNECT, "connecting to %s: %s", what, strerror(errno));
        close(fd);
        return -1;
    }
    if (wait_connected(fd, err, what) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int connect_unix(const char *path, kd_err *err)
{
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sun.sun_path)) {
        kd_err_set(err, KD_ERR_CONNECT, "VNC socket path too long: %s", path);
        return -1;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    return connect_addr((struct sockaddr *)&sun, sizeof(sun), AF_UNIX, path, err);
}

static bool is_wildcard(const char *a)
{
    return !a || !*a || strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0;
}

static bool is_loopback(const char *a)
{
    return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 || strcmp(a, "localhost") == 0;
}

/* The host of a remote libvirt URI ("qemu+ssh://root@h1/system": "h1"); NULL when the
 * hypervisor is on this machine. */
static char *remote_server(const char *uri)
{
    xmlURIPtr u = uri ? xmlParseURI(uri) : NULL;
    char *s = u && u->server && *u->server && !is_loopback(u->server) ? kd_strdup(u->server) : NULL;
    xmlFreeURI(u);
    return s;
}

char *kd_vnc_direct_host(const char *uri, const kd_vnc_display *d, kd_err *err)
{
    char *server = remote_server(uri);
    char *host = NULL;
    if (d->socket && server)
        kd_err_set(err, KD_ERR_CONNECT,
                   "the display is a UNIX socket on %s; kvmdeck cannot reach it from here", server);
    else if (d->socket)
        kd_err_set(err, KD_ERR_INVALID, "the display is a UNIX socket, not an address");
    else if (d->port < 0)
        kd_err_set(err, KD_ERR_CONNECT, "the VNC display has no port (is the domain running?)");
    else if (server && d->listen && is_loopback(d->listen))
        kd_err_set(err, KD_ERR_CONNECT,
                   "the display listens on %s of %s only; reach it through an SSH tunnel or "
                   "make it listen on an outside address",
                   d->listen, server);
    else
        host = kd_strdup(is_wildcard(d->listen) ? server ? server : "localhost" : d->listen);
    free(server);
    return host;
}

static int connect_tcp(const char *host, int port, kd_err *err)
{
    char svc[16];
    snprintf(svc, sizeof(svc), "%d", port);
    char *what = kd_asprintf(strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    int gr = getaddrinfo(host, svc, &hints, &res);
    if (gr != 0) {
        kd_err_set(err, KD_ERR_CONNECT, "VNC address %s: %s", what, gai_strerror(gr));
        free(what);
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
        fd = connect_addr(ai->ai_addr, ai->ai_addrlen, ai->ai_family, what, err);
    freeaddrinfo(res);
    free(what);
    return fd;
}

static int connect_direct(kd_conn *conn, const kd_vnc_display *d, kd_err *err)
{
    const kd_host_info *h = kd_conn_host(conn);
    char *server = remote_server(h ? h->uri : NULL);
    bool local_socket = d->socket && !server;
    free(server);
    if (local_socket)
        return connect_unix(d->socket, err);
    char *host = kd_vnc_direct_host(h ? h->uri : NULL, d, err);
    if (!host)
        return -1;
    int fd = connect_tcp(host, d->port, err);
    free(host);
    return fd;
}

int kd_vnc_connect(kd_conn *conn, const char *uuid, const kd_vnc_display *d, const char **how,
                   kd_err *err)
{
    virDomainPtr dom = kd_conn_lookup(conn, uuid, err);
    if (!dom)
        return -1;
    /* libvirt hands over a socket QEMU already serves: no address, no port, no firewall.
     * It cannot over a transport that passes no descriptors (ssh, tcp). */
    int fd = virDomainOpenGraphicsFD(dom, (unsigned)d->index, 0);
    virDomainFree(dom);
    if (fd >= 0) {
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        if (how)
            *how = "through libvirt";
        return fd;
    }
    kd_err why;
    kd_virt_err(&why, KD_ERR_LIBVIRT, "libvirt could not hand over the display");
    fd = connect_direct(conn, d, err);
    if (fd < 0) {
        kd_err_prefix(err, "%s; directly: ", why.msg);
        return -1;
    }
    if (how)
        *how = d->socket ? "on its UNIX socket" : "over TCP";
    return fd;
}

/* ---- keys the hypervisor sends -------------------------------------------------------- */

int kd_vnc_keycode_fn(int n)
{
    static const int fkeys[] = {59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 87, 88};
    return n >= 1 && n <= 12 ? fkeys[n - 1] : -1;
}

int kd_vnc_keycode_char(int c)
{
    /* Linux key codes follow the rows of a US keyboard. */
    static const char *const rows[] = {"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"};
    static const int first[] = {2, 16, 30, 44};
    if (c >= 'A' && c <= 'Z')
        c += 'a' - 'A';
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        const char *p = c ? strchr(rows[r], c) : NULL;
        if (p)
            return first[r] + (int)(p - rows[r]);
    }
    return -1;
}

int kd_vnc_send_keys(kd_conn *conn, const char *uuid, const unsigned *codes, size_t n, kd_err *err)
{
    if (n == 0 || n > 16) {
        kd_err_set(err, KD_ERR_INVALID, "between 1 and 16 keys can be sent together");
        return -1;
    }
    if (kd_conn_check_writable(conn, "sending keys", err) < 0)
        return -1;
    virDomainPtr dom = kd_conn_lookup(conn, uuid, err);
    if (!dom)
        return -1;
    unsigned keys[16];
    memcpy(keys, codes, n * sizeof(*codes));
    int r = virDomainSendKey(dom, VIR_KEYCODE_SET_LINUX, 0, keys, (int)n, 0);
    if (r < 0)
        kd_virt_err(err, KD_ERR_LIBVIRT, "sending keys");
    virDomainFree(dom);
    return r < 0 ? -1 : 0;
}
