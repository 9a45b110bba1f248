#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/conn.h"
#include "backend/loop.h"
#include "backend/network.h"
#include "conn_fixture.h"
#include "core/err.h"

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Virtual networks against libvirt's test driver. Each test opens test:///default afresh
 * (the driver resets when the last connection closes) plus a raw libvirt connection that
 * checks what the backend did, as another client would see it. */

#define ODD_NAME "net it's <odd> & \"quoted\""

typedef conn_fixture fixture;

static kd_net_params params(const char *name, kd_net_mode mode, const char *addr, unsigned p,
                            const char *start, const char *end)
{
    kd_net_params x = {.name = name,
                       .mode = mode,
                       .address = addr,
                       .prefix = p,
                       .dhcp_start = start,
                       .dhcp_end = end};
    return x;
}

static const kd_network *find(const kd_network *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

static void test_list_default(void **state)
{
    fixture *f = *state;
    kd_err err;
    size_t n;
    kd_network *v = kd_net_list(f->conn, &n, &err);
    assert_non_null(v);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "default");
    assert_int_equal(strlen(v[0].uuid), 36);
    assert_true(v[0].active);
    assert_true(v[0].persistent);
    assert_false(v[0].autostart);
    assert_string_equal(v[0].bridge, "virbr0");
    assert_string_equal(v[0].forward, "nat");
    assert_string_equal(v[0].address, "192.168.122.1/24");
    assert_string_equal(v[0].dhcp_start, "192.168.122.2");
    assert_string_equal(v[0].dhcp_end, "192.168.122.254");
    kd_net_list_free(v, n);
}

static void test_parse_cidr(void **state)
{
    kd_err err;
    char *a = NULL;
    unsigned p = 0;
    assert_int_equal(kd_net_parse_cidr("10.0.5.1/24", &a, &p, &err), 0);
    assert_string_equal(a, "10.0.5.1");
    assert_int_equal(p, 24);
    free(a);
    assert_int_equal(kd_net_parse_cidr("10.0.5.1/255.255.252.0", &a, &p, &err), 0);
    assert_int_equal(p, 22);
    free(a);
    assert_int_equal(kd_net_parse_cidr("10.0.5.1", &a, &p, &err), -1);
    assert_non_null(strstr(err.msg, "ADDRESS/PREFIX"));
    assert_int_equal(kd_net_parse_cidr("10.0.5.300/24", &a, &p, &err), -1);
    assert_non_null(strstr(err.msg, "not an IPv4 address"));
    assert_int_equal(kd_net_parse_cidr("10.0.5.1/255.0.255.0", &a, &p, &err), -1);
    assert_non_null(strstr(err.msg, "netmask"));
    assert_int_equal(kd_net_parse_cidr("10.0.5.1/33", &a, &p, &err), -1);
}

static void expect_bad(kd_net_params p, const char *words)
{
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_net_params_check(&p, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    if (!strstr(err.msg, words))
        fail_msg("'%s' does not say '%s'", err.msg, words);
}

static void test_params_check(void **state)
{
    kd_err err;
    kd_net_params ok = params("n1", KD_NET_NAT, "10.9.0.1", 24, "10.9.0.100", "10.9.0.200");
    assert_int_equal(kd_net_params_check(&ok, &err), 0);
    expect_bad(params("", KD_NET_NAT, "10.9.0.1", 24, NULL, NULL), "empty");
    expect_bad(params("a/b", KD_NET_NAT, "10.9.0.1", 24, NULL, NULL), "'/'");
    expect_bad(params("n", KD_NET_NAT, "10.9.0.x", 24, NULL, NULL), "not an IPv4");
    expect_bad(params("n", KD_NET_NAT, "10.9.0.1", 31, NULL, NULL), "1 to 30");
    expect_bad(params("n", KD_NET_NAT, "10.9.0.0", 24, NULL, NULL), "network address");
    expect_bad(params("n", KD_NET_NAT, "10.9.0.255", 24, NULL, NULL), "broadcast");
    expect_bad(params("n", KD_NET_NAT, "10.9.0.1", 24, "10.9.1.2", "10.9.1.9"),
               "not inside the subnet");
    expect_bad(params("n", KD_NET_NAT, "10.9.0.1", 24, "10.9.0.2", "10.9.0.255"),
               "not inside the subnet");
    expect_bad(params("n", KD_NET_NAT, "10.9.0.1", 24, "10.9.0.50", "10.9.0.20"), "comes after");
    expect_bad(params("n", KD_NET_NAT, "10.9.0.1", 24, "10.9.0.50", NULL), "both");
    expect_bad(params("n", KD_NET_NAT, "10.9.0.100", 24, "10.9.0.50", "10.9.0.150"),
               "host's own address");
    kd_net_params b = ok;
    b.bridge = "a-very-long-bridge-name";
    expect_bad(b, "at most 15");
}

static void test_define_lifecycle(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    kd_net_params p = params(ODD_NAME, KD_NET_NAT, "10.9.0.1", 24, "10.9.0.100", "10.9.0.200");
    p.bridge = "kdbr9";
    assert_int_equal(kd_net_define(f->conn, &p, &err), 0);
    virNetworkPtr net = virNetworkLookupByName(f->raw, ODD_NAME);
    assert_non_null(net);
    assert_int_equal(virNetworkIsActive(net), 0);
    assert_int_equal(virNetworkIsPersistent(net), 1);

    size_t n;
    kd_network *v = kd_net_list(f->conn, &n, &err);
    const kd_network *x = find(v, n, ODD_NAME);
    assert_non_null(x);
    assert_string_equal(x->forward, "nat");
    assert_string_equal(x->bridge, "kdbr9");
    assert_string_equal(x->address, "10.9.0.1/24");
    assert_string_equal(x->dhcp_start, "10.9.0.100");
    assert_string_equal(x->dhcp_end, "10.9.0.200");
    kd_net_list_free(v, n);

    assert_int_equal(kd_net_start(f->conn, ODD_NAME, &err), 0);
    assert_int_equal(virNetworkIsActive(net), 1);
    assert_int_equal(kd_net_start(f->conn, ODD_NAME, &err), -1);
    assert_non_null(strstr(err.msg, "already active"));

    int autostart = -1;
    assert_int_equal(kd_net_set_autostart(f->conn, ODD_NAME, true, &err), 0);
    assert_int_equal(virNetworkGetAutostart(net, &autostart), 0);
    assert_int_equal(autostart, 1);
    assert_int_equal(kd_net_set_autostart(f->conn, ODD_NAME, false, &err), 0);
    assert_int_equal(virNetworkGetAutostart(net, &autostart), 0);
    assert_int_equal(autostart, 0);

    assert_int_equal(kd_net_stop(f->conn, ODD_NAME, &err), 0);
    assert_int_equal(virNetworkIsActive(net), 0);
    assert_int_equal(kd_net_stop(f->conn, ODD_NAME, &err), -1);
    assert_non_null(strstr(err.msg, "not active"));
    virNetworkFree(net);

    assert_int_equal(kd_net_undefine(f->conn, ODD_NAME, &err), 0);
    assert_null(virNetworkLookupByName(f->raw, ODD_NAME));
}

static void test_undefine_active(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_net_params p = params("kd-iso", KD_NET_ISOLATED, "10.8.0.1", 16, NULL, NULL);
    assert_int_equal(kd_net_define(f->conn, &p, &err), 0);
    assert_int_equal(kd_net_start(f->conn, "kd-iso", &err), 0);
    assert_int_equal(kd_net_undefine(f->conn, "kd-iso", &err), 0);
    assert_null(virNetworkLookupByName(f->raw, "kd-iso"));
    assert_int_equal(kd_net_undefine(f->conn, "kd-iso", &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_string_equal(err.msg, "no network named 'kd-iso'");
}

static void test_modes(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_net_params r = params("kd-route", KD_NET_ROUTE, "10.7.0.1", 24, "10.7.0.10", "10.7.0.20");
    kd_net_params i = params("kd-iso", KD_NET_ISOLATED, "10.6.0.1", 24, NULL, NULL);
    assert_int_equal(kd_net_define(f->conn, &r, &err), 0);
    assert_int_equal(kd_net_define(f->conn, &i, &err), 0);
    size_t n;
    kd_network *v = kd_net_list(f->conn, &n, &err);
    assert_int_equal(n, 3);
    assert_string_equal(find(v, n, "kd-route")->forward, "route");
    assert_string_equal(find(v, n, "kd-iso")->forward, "isolated");
    assert_string_equal(find(v, n, "kd-iso")->dhcp_start, "");
    kd_net_list_free(v, n);
    char *xml = kd_net_dumpxml(f->conn, "kd-iso", &err);
    assert_non_null(xml);
    assert_null(strstr(xml, "<forward"));
    assert_non_null(strstr(xml, "<name>kd-iso</name>"));
    free(xml);
    assert_int_equal(kd_net_undefine(f->conn, "kd-route", &err), 0);
    assert_int_equal(kd_net_undefine(f->conn, "kd-iso", &err), 0);
}

static void test_define_conflicts(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_net_params p = params("default", KD_NET_NAT, "10.5.0.1", 24, NULL, NULL);
    assert_int_equal(kd_net_define(f->conn, &p, &err), -1);
    assert_non_null(strstr(err.msg, "exists already"));
    p = params("kd-b", KD_NET_NAT, "10.5.0.1", 24, NULL, NULL);
    p.bridge = "virbr0";
    assert_int_equal(kd_net_define(f->conn, &p, &err), -1);
    assert_non_null(strstr(err.msg, "taken by network 'default'"));
    p = params("kd-o", KD_NET_NAT, "192.168.122.129", 25, NULL, NULL);
    assert_int_equal(kd_net_define(f->conn, &p, &err), -1);
    assert_non_null(strstr(err.msg, "overlaps network 'default'"));
    p = params("kd-bad", KD_NET_NAT, "10.5.0.1", 24, "10.6.0.1", "10.6.0.9");
    assert_int_equal(kd_net_define(f->conn, &p, &err), -1);
    int count = virConnectNumOfNetworks(f->raw) + virConnectNumOfDefinedNetworks(f->raw);
    assert_int_equal(count, 1); /* nothing was defined by the refused calls */
}

static void test_leases_and_errors(void **state)
{
    fixture *f = *state;
    kd_err err;
    size_t n = 99;
    /* The test driver keeps no leases; the error must come back, not a silent empty list. */
    assert_null(kd_net_leases(f->conn, "default", &n, &err));
    assert_int_equal(n, 0);
    assert_int_equal(err.code, KD_ERR_LIBVIRT);
    assert_non_null(strstr(err.msg, "DHCP leases of network default"));
    assert_null(kd_net_leases(f->conn, "nope", &n, &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_null(kd_net_dumpxml(f->conn, "nope", &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    char *xml = kd_net_dumpxml(f->conn, "default", &err);
    assert_non_null(strstr(xml, "<name>default</name>"));
    free(xml);
}

static void test_readonly(void **state)
{
    kd_err err;
    kd_conn *ro = kd_conn_open(DEFAULT_URI, true, &err);
    assert_non_null(ro);
    kd_net_params p = params("kd-ro", KD_NET_NAT, "10.4.0.1", 24, NULL, NULL);
    assert_int_equal(kd_net_define(ro, &p, &err), -1);
    assert_int_equal(err.code, KD_ERR_READONLY);
    assert_int_equal(kd_net_stop(ro, "default", &err), -1);
    assert_int_equal(err.code, KD_ERR_READONLY);
    size_t n;
    kd_network *v = kd_net_list(ro, &n, &err);
    assert_int_equal(n, 1);
    assert_true(v[0].active);
    kd_net_list_free(v, n);
    kd_conn_free(ro);
}

static void test_mode_names(void **state)
{
    kd_net_mode m;
    assert_int_equal(kd_net_mode_parse("nat", &m), 0);
    assert_int_equal(m, KD_NET_NAT);
    assert_int_equal(kd_net_mode_parse("routed", &m), 0);
    assert_int_equal(m, KD_NET_ROUTE);
    assert_int_equal(kd_net_mode_parse("isolated", &m), 0);
    assert_int_equal(m, KD_NET_ISOLATED);
    assert_int_equal(kd_net_mode_parse("bridge", &m), -1);
    assert_string_equal(kd_net_mode_name(KD_NET_ROUTE), "route");
}

static int group_setup(void **state)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_loop_init(&err) < 0) {
        fprintf(stderr, "kd_loop_init: %s\n", err.msg);
        return -1;
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_default, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test(test_parse_cidr),
        cmocka_unit_test(test_params_check),
        cmocka_unit_test(test_mode_names),
        cmocka_unit_test_setup_teardown(test_define_lifecycle, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_undefine_active, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_modes, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_define_conflicts, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_leases_and_errors, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test(test_readonly),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
