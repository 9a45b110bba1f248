#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/conn.h"
#include "backend/info.h"
#include "backend/loop.h"
#include "conn_fixture.h"
#include "core/err.h"

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* virsh's information verbs against libvirt's test driver: the text names what libvirt
 * reports (read here through a raw connection of the test's own, which shares the driver's
 * state), in virsh's order, and a name that does not exist is KD_ERR_NOTFOUND. */

#define FIXTURE_URI "test://" KD_FIXTURES_DIR "/hosts.xml"
#define ODD_DOM     "it's <odd> & \"quoted\""

typedef conn_fixture fixture;

static int setup_fixture(void **state)
{
    return conn_fixture_open_uri(state, FIXTURE_URI);
}

/* The line "label value" as virsh pads it. */
static void assert_field(const char *text, const char *label, const char *value)
{
    char line[256];
    snprintf(line, sizeof(line), "\n%-15s %s\n", label, value);
    char *with_nl = malloc(strlen(text) + 2);
    with_nl[0] = '\n';
    strcpy(with_nl + 1, text);
    if (!strstr(with_nl, line))
        fail_msg("no line '%s' in:\n%s", line + 1, text);
    free(with_nl);
}

static void assert_order(const char *text, const char *const *labels, size_t n)
{
    const char *at = text;
    for (size_t i = 0; i < n; i++) {
        const char *p = strstr(at, labels[i]);
        if (!p)
            fail_msg("'%s' missing or out of order in:\n%s", labels[i], text);
        at = p;
    }
}

static void test_dominfo(void **state)
{
    fixture *f = *state;
    virDomainPtr d = virDomainLookupByName(f->raw, "test");
    virDomainInfo info;
    assert_int_equal(virDomainGetInfo(d, &info), 0);
    kd_err err;
    kd_err_clear(&err);
    char *t = kd_info_dominfo(f->conn, "test", &err);
    assert_non_null(t);
    char v[64];
    snprintf(v, sizeof(v), "%u", virDomainGetID(d));
    assert_field(t, "Id:", v);
    assert_field(t, "Name:", "test");
    assert_field(t, "UUID:", "6695eb01-f6a4-8304-79aa-97f2502e193f");
    assert_field(t, "State:", "running");
    snprintf(v, sizeof(v), "%d", info.nrVirtCpu);
    assert_field(t, "CPU(s):", v);
    snprintf(v, sizeof(v), "%lu KiB", info.maxMem);
    assert_field(t, "Max memory:", v);
    snprintf(v, sizeof(v), "%lu KiB", info.memory);
    assert_field(t, "Used memory:", v);
    assert_field(t, "Persistent:", "yes");
    assert_field(t, "Autostart:", "disable");
    assert_field(t, "Managed save:", "no");
    static const char *const order[] = {
        "Id:",        "Name:",         "UUID:",          "OS Type:",     "State:",
        "CPU(s):",    "CPU time:",     "Max memory:",    "Used memory:", "Persistent:",
        "Autostart:", "Managed save:", "Security model:"};
    assert_order(t, order, sizeof(order) / sizeof(order[0]));
    free(t);

    /* Stopped: no Id, and named by UUID as virsh allows. */
    assert_int_equal(virDomainDestroy(d), 0);
    t = kd_info_dominfo(f->conn, "6695eb01-f6a4-8304-79aa-97f2502e193f", &err);
    assert_non_null(t);
    assert_field(t, "Id:", "-");
    assert_field(t, "State:", "shut off");
    assert_null(strstr(t, "Security label:"));
    free(t);
    virDomainFree(d);
}

static void test_domstate(void **state)
{
    fixture *f = *state;
    virDomainPtr d = virDomainLookupByName(f->raw, "test");
    assert_int_equal(virDomainSuspend(d), 0);
    kd_err err;
    kd_err_clear(&err);
    char *t = kd_info_domstate(f->conn, "1", true, &err);
    assert_string_equal(t, "paused (user)\n");
    free(t);
    t = kd_info_domstate(f->conn, "test", false, &err);
    assert_string_equal(t, "paused\n");
    free(t);
    assert_int_equal(virDomainDestroy(d), 0);
    t = kd_info_domstate(f->conn, "test", true, &err);
    assert_string_equal(t, "shut off (destroyed)\n");
    free(t);
    virDomainFree(d);
}

static void test_not_found(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    assert_null(kd_info_dominfo(f->conn, "nosuch", &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_string_equal(err.msg, "no domain named 'nosuch'");
    assert_null(kd_info_domiflist(f->conn, "99", &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_null(kd_info_pool_info(f->conn, "nosuch", &err));
    assert_string_equal(err.msg, "no storage pool named 'nosuch'");
    assert_null(kd_info_vol_info(f->conn, "default-pool", "nosuch", &err));
    assert_string_equal(err.msg, "storage pool 'default-pool' has no volume named 'nosuch'");
    assert_null(kd_info_vol_info(f->conn, NULL, "/no/such/path", &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_null(kd_info_net_info(f->conn, "nosuch", &err));
    assert_string_equal(err.msg, "no network named 'nosuch'");
    assert_null(kd_info_snapshot_info(f->conn, "test", "nosuch", &err));
    assert_string_equal(err.msg, "domain 'test' has no snapshot named 'nosuch'");
    assert_null(kd_info_domifaddr(f->conn, "test", "dns", &err));
    assert_int_equal(err.code, KD_ERR_INVALID);
}

/* Every line of a virsh table but the dashes: a space, then columns three spaces apart. */
static void test_list(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    char *t = kd_info_list(f->conn, KD_INFO_LIST_ALL, &err);
    assert_non_null(t);
    const char *head = " Id   Name                    State\n";
    assert_memory_equal(t, head, strlen(head));
    /* The dashes: the widths (2, 21, 8) and three per column. */
    char dashes[64];
    memset(dashes, '-', 40);
    dashes[40] = '\n';
    dashes[41] = 0;
    assert_non_null(strstr(t, dashes));
    /* Running ones by Id first, then the rest by name. */
    static const char *const order[] = {" web1 ", " db1 ",   " crashy ",  " scratch ",
                                        " it's ", " build ", " restored "};
    assert_order(t, order, sizeof(order) / sizeof(order[0]));
    assert_non_null(strstr(t, " -    build                   shut off\n"));
    assert_non_null(strstr(t, "   " ODD_DOM "   running\n"));
    free(t);
    t = kd_info_list(f->conn, KD_INFO_LIST_INACTIVE, &err);
    assert_non_null(strstr(t, " build "));
    assert_non_null(strstr(t, " restored "));
    assert_null(strstr(t, " web1 "));
    free(t);
    t = kd_info_list(f->conn, KD_INFO_LIST_ACTIVE, &err);
    assert_null(strstr(t, " build "));
    assert_non_null(strstr(t, " web1 "));
    free(t);
}

static void test_odd_name(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    char *t = kd_info_dominfo(f->conn, ODD_DOM, &err);
    assert_non_null(t);
    assert_field(t, "Name:", ODD_DOM);
    assert_field(t, "UUID:", "77777777-7777-4777-8777-777777777777");
    assert_field(t, "Max memory:", "786432 KiB");
    free(t);
    t = kd_info_domblklist(f->conn, ODD_DOM, &err);
    assert_non_null(t);
    assert_memory_equal(t, " Target   Source", 16);
    free(t);
    t = kd_info_dominfo(f->conn, "restored", &err);
    assert_field(t, "Managed save:", "yes");
    free(t);
}

static void test_devices(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    char *t = kd_info_domblklist(f->conn, "test", &err);
    assert_string_equal(t, " Target   Source\n"
                           "-----------------------------\n"
                           " vda      /guest/diskimage1\n");
    free(t);
    t = kd_info_domiflist(f->conn, "test", &err);
    assert_string_equal(t, " Interface   Type      Source    Model   MAC\n"
                           "------------------------------------------------------------\n"
                           " testnet0    network   default   -       aa:bb:cc:dd:ee:ff\n");
    free(t);
    /* Nothing here changes anything: a read-only connection reads the same. */
    kd_conn *ro = kd_conn_open(DEFAULT_URI, true, &err);
    assert_non_null(ro);
    t = kd_info_domiflist(ro, "test", &err);
    assert_non_null(t);
    assert_non_null(strstr(t, " testnet0    network   default   -       aa:bb:cc:dd:ee:ff\n"));
    free(t);
    t = kd_info_dominfo(ro, "test", &err);
    assert_non_null(t);
    assert_field(t, "Name:", "test");
    free(t);
    kd_conn_free(ro);
    t = kd_info_domifaddr(f->conn, "test", NULL, &err);
    assert_non_null(t);
    assert_non_null(strstr(t, " Name       MAC address          Protocol     Address\n"));
    assert_non_null(strstr(t, " testnet0   aa:bb:cc:dd:ee:ff    ipv4 "));
    free(t);
}

static void test_storage_network(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    virStoragePoolPtr p = virStoragePoolLookupByName(f->raw, "default-pool");
    virStorageVolPtr v = virStorageVolCreateXML(
        p,
        "<volume><name>kd&amp;v</name><capacity>1536</capacity><allocation>0</allocation>"
        "</volume>",
        0);
    assert_non_null(v);
    char *path = virStorageVolGetPath(v);
    char *t = kd_info_vol_info(f->conn, NULL, path, &err);
    assert_non_null(t);
    assert_field(t, "Name:", "kd&v");
    assert_field(t, "Type:", "file");
    assert_field(t, "Capacity:", "1.50 KiB");
    assert_field(t, "Allocation:", "0.00 B");
    free(t);
    t = kd_info_vol_info(f->conn, "default-pool", "kd&v", &err);
    assert_field(t, "Capacity:", "1.50 KiB");
    free(t);
    free(path);
    virStorageVolFree(v);

    t = kd_info_pool_info(f->conn, "default-pool", &err);
    assert_field(t, "State:", "running");
    assert_non_null(strstr(t, "Capacity:"));
    free(t);
    assert_int_equal(virStoragePoolDestroy(p), 0);
    t = kd_info_pool_info(f->conn, "default-pool", &err);
    assert_field(t, "State:", "inactive");
    assert_null(strstr(t, "Capacity:"));
    free(t);
    virStoragePoolFree(p);

    t = kd_info_net_info(f->conn, "default", &err);
    assert_field(t, "Active:", "yes");
    assert_field(t, "Bridge:", "virbr0");
    free(t);
}

static void test_snapshot(void **state)
{
    fixture *f = *state;
    virDomainPtr d = virDomainLookupByName(f->raw, "test");
    virDomainSnapshotPtr a =
        virDomainSnapshotCreateXML(d, "<domainsnapshot><name>a&lt;1</name></domainsnapshot>", 0);
    virDomainSnapshotPtr b =
        virDomainSnapshotCreateXML(d, "<domainsnapshot><name>b</name></domainsnapshot>", 0);
    assert_non_null(a);
    assert_non_null(b);
    kd_err err;
    kd_err_clear(&err);
    char *t = kd_info_snapshot_info(f->conn, "test", "a<1", &err);
    assert_non_null(t);
    assert_field(t, "Name:", "a<1");
    assert_field(t, "Domain:", "test");
    assert_field(t, "Current:", "no");
    assert_field(t, "State:", "running");
    assert_field(t, "Location:", "internal");
    assert_field(t, "Parent:", "-");
    assert_field(t, "Children:", "1");
    assert_field(t, "Descendants:", "1");
    assert_field(t, "Metadata:", "yes");
    free(t);
    t = kd_info_snapshot_info(f->conn, "test", "b", &err);
    assert_field(t, "Current:", "yes");
    assert_field(t, "Parent:", "a<1");
    assert_field(t, "Children:", "0");
    free(t);
    virDomainSnapshotFree(a);
    virDomainSnapshotFree(b);
    virDomainFree(d);
}

/* The test driver has no memory figures: a clear error. The host's own (when libvirtd
 * answers here) shows the kernel's total, as /proc/meminfo has it. */
static void test_nodememstats(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    assert_null(kd_info_nodememstats(f->conn, -1, &err));
    assert_int_equal(err.code, KD_ERR_LIBVIRT);
    assert_non_null(strstr(err.msg, "not supported"));

    kd_conn *sys = kd_conn_open("qemu:///system", true, &err);
    if (!sys)
        skip();
    char *t = kd_info_nodememstats(sys, -1, &err);
    kd_conn_free(sys);
    assert_non_null(t);
    FILE *mi = fopen("/proc/meminfo", "r");
    unsigned long long total = 0;
    assert_non_null(mi);
    assert_int_equal(fscanf(mi, "MemTotal: %llu kB", &total), 1);
    fclose(mi);
    char line[64];
    snprintf(line, sizeof(line), "total  : %20llu KiB\n", total);
    assert_non_null(strstr(t, line));
    assert_non_null(strstr(t, "\nfree   : "));
    free(t);
}

int main(void)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_loop_init(&err) < 0) {
        fprintf(stderr, "kd_loop_init: %s\n", err.msg);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dominfo, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_domstate, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_not_found, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_list, setup_fixture, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_odd_name, setup_fixture, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_devices, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_storage_network, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_snapshot, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_nodememstats, conn_fixture_open, conn_fixture_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
