/* A domain's VNC display found in its live XML, and the socket to it, on libvirt's test
 * driver: it has no graphics of its own, so virDomainOpenGraphicsFD fails there and the
 * direct connection (to listeners this test opens) is what gets exercised. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/conn.h"
#include "backend/loop.h"
#include "backend/vnc.h"
#include "core/str.h"

#include <arpa/inet.h>
#include <libvirt/libvirt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define URI "test:///default"

typedef struct {
    virConnectPtr raw; /* keeps the test host alive across kvmdeck's connections */
    kd_conn *conn;
    virDomainPtr dom;
    char uuid[VIR_UUID_STRING_BUFLEN];
} fixture;

static const char odd_name[] = "vnc it's <odd> & \"q\"";

/* A running test-driver domain with graphics_xml (may be empty) in <devices>. */
static int define(fixture *f, const char *graphics_xml)
{
    char *xml = kd_asprintf("<domain type='test'><name>vnc it&apos;s &lt;odd&gt; &amp; "
                            "&quot;q&quot;</name><memory>65536</memory><os><type>hvm</type>"
                            "</os><devices>%s</devices></domain>",
                            graphics_xml);
    f->dom = virDomainCreateXML(f->raw, xml, 0);
    free(xml);
    if (!f->dom)
        return -1;
    virDomainGetUUIDString(f->dom, f->uuid);
    kd_err err;
    kd_err_clear(&err);
    f->conn = kd_conn_open(URI, false, &err);
    return f->conn ? 0 : -1;
}

static int setup(void **state)
{
    fixture *f = kd_calloc(1, sizeof(*f));
    f->raw = virConnectOpen(URI);
    if (!f->raw)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    kd_conn_free(f->conn);
    if (f->dom) {
        virDomainDestroy(f->dom);
        virDomainFree(f->dom);
    }
    virConnectClose(f->raw);
    free(f);
    return 0;
}

static void test_display_address(void **state)
{
    fixture *f = *state;
    assert_int_equal(define(f, "<graphics type='vnc' port='5901' autoport='no' "
                               "listen='127.0.0.1'/>"),
                     0);
    const kd_domain *d = kd_conn_domain_by_uuid(f->conn, f->uuid);
    assert_non_null(d);
    assert_string_equal(d->name, odd_name);
    kd_vnc_display disp;
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_vnc_display_get(f->conn, f->uuid, &disp, &err), 0);
    assert_int_equal(disp.port, 5901);
    assert_string_equal(disp.listen, "127.0.0.1");
    assert_null(disp.socket);
    assert_false(disp.autoport);
    assert_true(disp.passwd_known);
    assert_false(disp.passwd);
    assert_int_equal(disp.index, 0);
    kd_vnc_display_clear(&disp);
    assert_null(disp.listen);
}

static void test_display_password(void **state)
{
    fixture *f = *state;
    /* The VNC display comes second: its index is what virDomainOpenGraphicsFD wants. */
    assert_int_equal(define(f, "<graphics type='spice' port='5930' autoport='no'/>"
                               "<graphics type='vnc' port='5902' autoport='no' "
                               "passwd='s3cret'><listen type='address' address='::1'/>"
                               "</graphics>"),
                     0);
    kd_vnc_display disp;
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_vnc_display_get(f->conn, f->uuid, &disp, &err), 0);
    assert_true(disp.passwd_known);
    assert_true(disp.passwd);
    assert_int_equal(disp.port, 5902);
    assert_string_equal(disp.listen, "::1");
    assert_int_equal(disp.index, 1);
    kd_vnc_display_clear(&disp);

    /* A read-only connection cannot see passwords: it says it does not know. */
    kd_conn *ro = kd_conn_open(URI, true, &err);
    assert_non_null(ro);
    assert_int_equal(kd_vnc_display_get(ro, f->uuid, &disp, &err), 0);
    assert_false(disp.passwd_known);
    assert_int_equal(disp.port, 5902);
    kd_vnc_display_clear(&disp);
    kd_conn_free(ro);
}

static void test_display_none(void **state)
{
    fixture *f = *state;
    assert_int_equal(define(f, ""), 0);
    kd_vnc_display disp;
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_vnc_display_get(f->conn, f->uuid, &disp, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_string_equal(err.msg, "the domain has no VNC display");

    kd_err_clear(&err);
    assert_int_equal(
        kd_vnc_display_get(f->conn, "00000000-0000-0000-0000-000000000000", &disp, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
}

static void test_parse_bad(void **state)
{
    (void)state;
    kd_vnc_display disp;
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_vnc_display_parse("<domain><devices><graphics", &disp, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    kd_err_clear(&err);
    /* Ports out of range are no ports; a socket is read from its listen element. */
    assert_int_equal(kd_vnc_display_parse("<domain><devices><graphics type='vnc' port='70000'>"
                                          "<listen type='socket' socket='/run/x &amp; y'/>"
                                          "</graphics></devices></domain>",
                                          &disp, &err),
                     0);
    assert_int_equal(disp.port, -1);
    assert_string_equal(disp.socket, "/run/x & y");
    kd_vnc_display_clear(&disp);
}

static int listen_tcp(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) < 0)
        return -1;
    *port = ntohs(a.sin_port);
    return s;
}

static void test_connect_tcp(void **state)
{
    fixture *f = *state;
    int port;
    int ls = listen_tcp(&port);
    assert_true(ls >= 0);
    char *g =
        kd_asprintf("<graphics type='vnc' port='%d' autoport='no' listen='127.0.0.1'/>", port);
    assert_int_equal(define(f, g), 0);
    free(g);
    kd_vnc_display disp;
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_vnc_display_get(f->conn, f->uuid, &disp, &err), 0);
    const char *how = NULL;
    int fd = kd_vnc_connect(f->conn, f->uuid, &disp, &how, &err);
    assert_true(fd >= 0);
    assert_string_equal(how, "over TCP");
    int peer = accept(ls, NULL, NULL);
    assert_true(peer >= 0);
    assert_int_equal(write(peer, "RFB", 3), 3);
    char buf[4] = {0};
    for (int i = 0; i < 200 && read(fd, buf, 3) < 0; i++)
        usleep(5000); /* the socket is non-blocking */
    assert_string_equal(buf, "RFB");
    close(peer);
    close(fd);

    /* Nobody listening: both reasons are given. */
    close(ls);
    kd_err_clear(&err);
    assert_int_equal(kd_vnc_connect(f->conn, f->uuid, &disp, &how, &err), -1);
    assert_int_equal(err.code, KD_ERR_CONNECT);
    assert_non_null(strstr(err.msg, "libvirt could not hand over the display"));
    char *where = kd_asprintf("127.0.0.1:%d", port);
    assert_non_null(strstr(err.msg, where));
    free(where);
    kd_vnc_display_clear(&disp);
}

static void test_connect_unix(void **state)
{
    fixture *f = *state;
    char *path = kd_asprintf("/tmp/kd-test-vnc-%d.sock", (int)getpid());
    unlink(path);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(ls, 1), 0);
    char *g =
        kd_asprintf("<graphics type='vnc'><listen type='socket' socket='%s'/></graphics>", path);
    assert_int_equal(define(f, g), 0);
    free(g);
    kd_vnc_display disp;
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_vnc_display_get(f->conn, f->uuid, &disp, &err), 0);
    assert_string_equal(disp.socket, path);
    const char *how = NULL;
    int fd = kd_vnc_connect(f->conn, f->uuid, &disp, &how, &err);
    assert_true(fd >= 0);
    assert_string_equal(how, "on its UNIX socket");
    int peer = accept(ls, NULL, NULL);
    assert_true(peer >= 0);
    close(peer);
    close(fd);
    close(ls);
    unlink(path);
    free(path);
    kd_vnc_display_clear(&disp);
}

static void test_send_keys(void **state)
{
    fixture *f = *state;
    assert_int_equal(define(f, ""), 0);
    kd_err err;
    kd_err_clear(&err);
    unsigned codes[17] = {KD_VNC_KEY_LEFTCTRL, KD_VNC_KEY_LEFTALT, KD_VNC_KEY_DELETE};
    /* The test driver accepts keys and does nothing with them. */
    assert_int_equal(kd_vnc_send_keys(f->conn, f->uuid, codes, 3, &err), 0);
    assert_int_equal(kd_vnc_send_keys(f->conn, f->uuid, codes, 17, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    kd_conn *ro = kd_conn_open(URI, true, &err);
    assert_non_null(ro);
    kd_err_clear(&err);
    assert_int_equal(kd_vnc_send_keys(ro, f->uuid, codes, 3, &err), -1);
    assert_int_equal(err.code, KD_ERR_READONLY);
    kd_conn_free(ro);
    assert_int_equal(kd_vnc_keycode_fn(1), 59);
    assert_int_equal(kd_vnc_keycode_fn(12), 88);
    assert_int_equal(kd_vnc_keycode_fn(13), -1);
    assert_int_equal(kd_vnc_keycode_char('b'), 48);
    assert_int_equal(kd_vnc_keycode_char('S'), 31);
    assert_int_equal(kd_vnc_keycode_char('0'), 11);
    assert_int_equal(kd_vnc_keycode_char('#'), -1);
}

static void expect_host(const char *uri, const char *listen, int port, const char *sock,
                        const char *want, const char *err_part)
{
    kd_vnc_display d = {.listen = (char *)listen, .socket = (char *)sock, .port = port};
    kd_err err;
    kd_err_clear(&err);
    char *host = kd_vnc_direct_host(uri, &d, &err);
    if (want) {
        assert_non_null(host);
        assert_string_equal(host, want);
    } else {
        assert_null(host);
        assert_non_null(strstr(err.msg, err_part));
    }
    free(host);
}

static void test_direct_host(void **state)
{
    (void)state;
    expect_host("qemu:///system", "127.0.0.1", 5900, NULL, "127.0.0.1", NULL);
    expect_host("qemu:///system", "0.0.0.0", 5900, NULL, "localhost", NULL);
    expect_host("qemu:///system", NULL, 5900, NULL, "localhost", NULL);
    expect_host("qemu+ssh://root@h1.example/system", "0.0.0.0", 5901, NULL, "h1.example", NULL);
    expect_host("qemu+tcp://h1.example/system", "::", 5901, NULL, "h1.example", NULL);
    expect_host("qemu+ssh://root@h1.example/system", "192.0.2.7", 5901, NULL, "192.0.2.7", NULL);
    /* ssh to this very machine is local */
    expect_host("qemu+ssh://root@localhost/system", "127.0.0.1", 5901, NULL, "127.0.0.1", NULL);
    expect_host("qemu+ssh://root@h1.example/system", "127.0.0.1", 5901, NULL, NULL,
                "listens on 127.0.0.1 of h1.example only");
    expect_host("qemu+ssh://h1.example/system", NULL, -1, "/run/vnc.sock", NULL,
                "UNIX socket on h1.example");
    expect_host("qemu:///system", "127.0.0.1", -1, NULL, NULL, "no port");
}

/* Which states have a screen: the guest's QEMU runs (paused and shutting down included). */
static void test_state_has_screen(void **state)
{
    (void)state;
    assert_true(kd_vnc_state_has_screen(KD_DOM_RUNNING));
    assert_true(kd_vnc_state_has_screen(KD_DOM_BLOCKED));
    assert_true(kd_vnc_state_has_screen(KD_DOM_PAUSED));
    assert_true(kd_vnc_state_has_screen(KD_DOM_SHUTDOWN));
    assert_false(kd_vnc_state_has_screen(KD_DOM_SHUTOFF));
    assert_false(kd_vnc_state_has_screen(KD_DOM_CRASHED));
}

int main(void)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_loop_init(&err) < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_display_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_display_password, setup, teardown),
        cmocka_unit_test_setup_teardown(test_display_none, setup, teardown),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_direct_host),
        cmocka_unit_test(test_state_has_screen),
        cmocka_unit_test_setup_teardown(test_connect_tcp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_unix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_keys, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
