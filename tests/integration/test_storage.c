#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/storage.h"
#include "core/err.h"
#include "conn_fixture.h"

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pools: listing, definitions built from parameters, the verbs, and their refusals. */

static size_t raw_pool_count(virConnectPtr raw)
{
    int n = virConnectNumOfStoragePools(raw) + virConnectNumOfDefinedStoragePools(raw);
    return n < 0 ? 0 : (size_t)n;
}

static char *raw_pool_xml(virConnectPtr raw, const char *name)
{
    virStoragePoolPtr p = virStoragePoolLookupByName(raw, name);
    if (!p)
        return NULL;
    char *xml = virStoragePoolGetXMLDesc(p, 0);
    virStoragePoolFree(p);
    return xml;
}

static int raw_pool_state(virConnectPtr raw, const char *name)
{
    virStoragePoolPtr p = virStoragePoolLookupByName(raw, name);
    if (!p)
        return -1;
    virStoragePoolInfo info;
    int rc = virStoragePoolGetInfo(p, &info);
    virStoragePoolFree(p);
    return rc < 0 ? -1 : (int)info.state;
}

static int raw_pool_autostart(virConnectPtr raw, const char *name)
{
    virStoragePoolPtr p = virStoragePoolLookupByName(raw, name);
    int a = -1;
    if (p && virStoragePoolGetAutostart(p, &a) < 0)
        a = -1;
    if (p)
        virStoragePoolFree(p);
    return a;
}

static void test_pools_list(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    size_t n = 0;
    kd_pool *pools = kd_storage_pools_list(f->conn, &n, &err);
    assert_non_null(pools);
    assert_int_equal(n, raw_pool_count(f->raw));
    assert_int_equal(n, 1);
    assert_string_equal(pools[0].name, "default-pool");
    assert_int_equal(strlen(pools[0].uuid), 36);
    assert_int_equal(pools[0].state, KD_POOL_RUNNING);
    assert_string_equal(kd_pool_state_name(pools[0].state), "running");
    assert_true(pools[0].persistent);
    assert_false(pools[0].autostart);
    assert_string_equal(pools[0].type, "dir");
    assert_string_equal(pools[0].target, "/default-pool");
    assert_int_equal(pools[0].capacity, 107374182400ULL);
    assert_int_equal(pools[0].available, pools[0].capacity - pools[0].allocation);
    kd_storage_pools_free(pools, n);
    kd_storage_pools_free(NULL, 0);
}

static void test_pool_define_dir(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    /* '&' and '<' must reach libvirt as the characters they are. */
    kd_pool_spec spec = {.name = "scratch&<pool>", .type = "dir", .target = "/srv/a&b<c>"};
    unsigned flags = KD_POOL_DEFINE_BUILD | KD_POOL_DEFINE_START | KD_POOL_DEFINE_AUTOSTART;
    assert_int_equal(kd_storage_pool_define(f->conn, &spec, flags, &err), 0);
    assert_int_equal(raw_pool_state(f->raw, "scratch&<pool>"), VIR_STORAGE_POOL_RUNNING);
    assert_int_equal(raw_pool_autostart(f->raw, "scratch&<pool>"), 1);
    kd_pool *p = kd_storage_pool_get(f->conn, "scratch&<pool>", &err);
    assert_non_null(p);
    assert_string_equal(p->target, "/srv/a&b<c>");
    assert_string_equal(p->type, "dir");
    assert_true(p->persistent);
    kd_storage_pools_free(p, 1);
    size_t n = 0;
    kd_pool *all = kd_storage_pools_list(f->conn, &n, &err);
    assert_int_equal(n, 2);
    assert_string_equal(all[0].name, "default-pool");
    kd_storage_pools_free(all, n);
}

static void test_pool_create_transient(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    kd_pool_spec spec = {.name = "tmp", .type = "dir", .target = "/tmp/kd-pool"};
    assert_int_equal(kd_storage_pool_define(f->conn, &spec, KD_POOL_DEFINE_TRANSIENT, &err), 0);
    kd_pool *p = kd_storage_pool_get(f->conn, "tmp", &err);
    assert_non_null(p);
    assert_false(p->persistent);
    assert_int_equal(p->state, KD_POOL_RUNNING);
    kd_storage_pools_free(p, 1);
    /* Removing a transient pool is stopping it. */
    assert_int_equal(kd_storage_pool_remove(f->conn, "tmp", false, &err), 0);
    assert_int_equal(raw_pool_state(f->raw, "tmp"), -1);
}

static void test_pool_define_types(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    const char *devs[] = {"/dev/sdb", "/dev/sdc"};
    kd_pool_spec lv = {.name = "lv",
                       .type = "logical",
                       .source_name = "vg0",
                       .devices = devs,
                       .ndevices = 2,
                       .target = "/dev/vg0"};
    assert_int_equal(kd_storage_pool_define(f->conn, &lv, 0, &err), 0);
    char *xml = raw_pool_xml(f->raw, "lv");
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<pool type='logical'>"));
    assert_non_null(strstr(xml, "<device path='/dev/sdc'/>"));
    assert_non_null(strstr(xml, "<name>vg0</name>"));
    free(xml);
    assert_int_equal(raw_pool_state(f->raw, "lv"), VIR_STORAGE_POOL_INACTIVE);

    kd_pool_spec nfs = {.name = "nfs",
                        .type = "netfs",
                        .host = "files.example",
                        .source_path = "/export/vm",
                        .format = "nfs",
                        .target = "/mnt/vm"};
    assert_int_equal(kd_storage_pool_define(f->conn, &nfs, 0, &err), 0);
    xml = raw_pool_xml(f->raw, "nfs");
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<host name='files.example'/>"));
    assert_non_null(strstr(xml, "<dir path='/export/vm'/>"));
    assert_non_null(strstr(xml, "<format type='nfs'/>"));
    assert_non_null(strstr(xml, "<path>/mnt/vm</path>"));
    free(xml);

    kd_pool_spec disk = {
        .name = "dk", .type = "disk", .devices = devs, .ndevices = 1, .format = "gpt"};
    char *built = kd_storage_pool_xml_build(&disk, &err);
    assert_non_null(built);
    assert_non_null(strstr(built, "<format type=\"gpt\"/>"));
    assert_non_null(strstr(built, "<device path=\"/dev/sdb\"/>"));
    assert_non_null(strstr(built, "<path>/dev</path>"));
    free(built);
}

static void expect_define_error(conn_fixture *f, const kd_pool_spec *spec, kd_err_code code,
                                const char *needle)
{
    kd_err err;
    kd_err_clear(&err);
    size_t before = raw_pool_count(f->raw);
    assert_int_equal(kd_storage_pool_define(f->conn, spec, KD_POOL_DEFINE_START, &err), -1);
    assert_int_equal(err.code, code);
    if (!strstr(err.msg, needle))
        fail_msg("'%s' not in '%s'", needle, err.msg);
    assert_int_equal(raw_pool_count(f->raw), before);
}

static void test_pool_define_errors(void **state)
{
    conn_fixture *f = *state;
    const char *devs[] = {"sdb"};
    kd_pool_spec s1 = {.name = "x", .type = "dir"};
    expect_define_error(f, &s1, KD_ERR_INVALID, "target path is required");
    kd_pool_spec s2 = {.name = "x", .type = "dir", .target = "relative/dir"};
    expect_define_error(f, &s2, KD_ERR_INVALID, "absolute path");
    kd_pool_spec s3 = {.name = "x", .type = "iscsi-direct", .target = "/a"};
    expect_define_error(f, &s3, KD_ERR_INVALID, "unknown pool type");
    kd_pool_spec s4 = {.name = "x",
                       .type = "netfs",
                       .host = "h",
                       .source_path = "/e",
                       .format = "smb",
                       .target = "/m"};
    expect_define_error(f, &s4, KD_ERR_INVALID, "unknown format 'smb'");
    kd_pool_spec s5 = {.name = "x", .type = "disk"};
    expect_define_error(f, &s5, KD_ERR_INVALID, "exactly one source device");
    kd_pool_spec s6 = {.name = "x", .type = "logical", .devices = devs, .ndevices = 1};
    expect_define_error(f, &s6, KD_ERR_INVALID, "absolute path");
    kd_pool_spec s7 = {.name = "default-pool", .type = "dir", .target = "/b"};
    expect_define_error(f, &s7, KD_ERR_INVALID, "already exists");
    kd_pool_spec s8 = {.name = "it's", .type = "dir", .target = "/b"};
    expect_define_error(f, &s8, KD_ERR_INVALID, "quotes");
    kd_pool_spec s9 = {.name = "", .type = "dir", .target = "/b"};
    expect_define_error(f, &s9, KD_ERR_INVALID, "empty");
    kd_pool_spec s10 = {.name = "nfs", .type = "netfs", .target = "/m"};
    expect_define_error(f, &s10, KD_ERR_INVALID, "source host");
}

static void test_pool_start_twice(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    kd_pool_spec spec = {.name = "half", .type = "dir", .target = "/half"};
    assert_int_equal(kd_storage_pool_define(f->conn, &spec, KD_POOL_DEFINE_START, &err), 0);
    assert_int_equal(kd_storage_pool_start(f->conn, "half", &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_non_null(strstr(err.msg, "active"));
    assert_int_equal(raw_pool_state(f->raw, "half"), VIR_STORAGE_POOL_RUNNING);
}

static void test_pool_verbs(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    const char *name = "default-pool";
    assert_int_equal(kd_storage_pool_refresh(f->conn, name, &err), 0);
    assert_int_equal(kd_storage_pool_stop(f->conn, name, &err), 0);
    assert_int_equal(raw_pool_state(f->raw, name), VIR_STORAGE_POOL_INACTIVE);
    assert_int_equal(kd_storage_pool_stop(f->conn, name, &err), -1);
    assert_non_null(strstr(err.msg, "not active"));
    assert_int_equal(kd_storage_pool_refresh(f->conn, name, &err), -1);
    size_t n = 99;
    assert_null(kd_storage_vols_list(f->conn, name, &n, &err));
    assert_int_equal(n, 0);
    assert_non_null(strstr(err.msg, "not active"));
    assert_int_equal(kd_storage_pool_build(f->conn, name, &err), 0);
    assert_int_equal(kd_storage_pool_start(f->conn, name, &err), 0);
    assert_int_equal(raw_pool_state(f->raw, name), VIR_STORAGE_POOL_RUNNING);
    assert_int_equal(kd_storage_pool_set_autostart(f->conn, name, true, &err), 0);
    assert_int_equal(raw_pool_autostart(f->raw, name), 1);
    assert_int_equal(kd_storage_pool_set_autostart(f->conn, name, false, &err), 0);
    assert_int_equal(raw_pool_autostart(f->raw, name), 0);
    /* pool-delete needs an inactive pool. */
    assert_int_equal(kd_storage_pool_delete_storage(f->conn, name, &err), -1);
    assert_non_null(strstr(err.msg, "stop it first"));
    assert_int_equal(raw_pool_state(f->raw, name), VIR_STORAGE_POOL_RUNNING);
    char *xml = kd_storage_pool_xml(f->conn, name, &err);
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<name>default-pool</name>"));
    free(xml);
}

static void test_pool_remove(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    kd_pool_spec spec = {.name = "gone", .type = "dir", .target = "/gone"};
    assert_int_equal(kd_storage_pool_define(f->conn, &spec, KD_POOL_DEFINE_START, &err), 0);
    assert_int_equal(kd_storage_pool_remove(f->conn, "gone", true, &err), 0);
    assert_int_equal(raw_pool_state(f->raw, "gone"), -1);
    assert_int_equal(kd_storage_pool_define(f->conn, &spec, 0, &err), 0);
    assert_int_equal(kd_storage_pool_delete_storage(f->conn, "gone", &err), 0);
    assert_int_equal(kd_storage_pool_undefine(f->conn, "gone", &err), 0);
    assert_int_equal(raw_pool_state(f->raw, "gone"), -1);
    assert_int_equal(kd_storage_pool_undefine(f->conn, "gone", &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "no storage pool named 'gone'"));
    assert_null(kd_storage_pool_get(f->conn, "gone", &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
}

static void test_readonly(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    kd_conn *ro = kd_conn_open(DEFAULT_URI, true, &err);
    assert_non_null(ro);
    kd_pool_spec spec = {.name = "ro", .type = "dir", .target = "/ro"};
    assert_int_equal(kd_storage_pool_define(ro, &spec, 0, &err), -1);
    assert_int_equal(err.code, KD_ERR_READONLY);
    assert_int_equal(kd_storage_pool_stop(ro, "default-pool", &err), -1);
    assert_int_equal(err.code, KD_ERR_READONLY);
    assert_int_equal(raw_pool_state(f->raw, "default-pool"), VIR_STORAGE_POOL_RUNNING);
    kd_vol_spec vs = {.name = "v", .capacity = 1 << 20};
    assert_int_equal(kd_storage_vol_create(ro, "default-pool", &vs, NULL, &err), -1);
    assert_int_equal(err.code, KD_ERR_READONLY);
    /* Reading is fine. */
    size_t n = 0;
    kd_pool *pools = kd_storage_pools_list(ro, &n, &err);
    assert_int_equal(n, 1);
    kd_storage_pools_free(pools, n);
    kd_conn_free(ro);
}

static void expect_size(const char *s, unsigned long long want)
{
    kd_err err;
    kd_err_clear(&err);
    unsigned long long got = 0;
    if (kd_storage_parse_size(s, &got, &err) < 0)
        fail_msg("'%s': %s", s, err.msg);
    assert_int_equal(got, want);
}

static void expect_bad_size(const char *s)
{
    kd_err err;
    kd_err_clear(&err);
    unsigned long long got = 77;
    assert_int_equal(kd_storage_parse_size(s, &got, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_int_equal(got, 77);
    assert_non_null(strstr(err.msg, "size"));
}

static void test_parse_size(void **state)
{
    (void)state;
    expect_size("4096", 4096);
    expect_size("10G", 10ULL << 30);
    expect_size("10g", 10ULL << 30);
    expect_size("10GiB", 10ULL << 30);
    expect_size("10 GB", 10ULL << 30);
    expect_size("512M", 512ULL << 20);
    expect_size("1.5T", 3ULL << 39);
    expect_size("64K", 65536);
    expect_size("100B", 100);
    expect_bad_size("12Q");
    expect_bad_size("");
    expect_bad_size(NULL);
    expect_bad_size("-1G");
    expect_bad_size("G");
    expect_bad_size("10GX");
    expect_bad_size("99999E");
}

static void test_check_name(void **state)
{
    (void)state;
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_storage_check_name("t", "disk-1.qcow2", &err), 0);
    assert_int_equal(kd_storage_check_name("t", "a&b <c>", &err), 0);
    assert_int_equal(kd_storage_check_name("t", "a/b", &err), -1);
    assert_int_equal(kd_storage_check_name("t", "say \"hi\"", &err), -1);
    assert_int_equal(kd_storage_check_name("t", "..", &err), -1);
    assert_int_equal(kd_storage_check_name("t", "tab\there", &err), -1);
    assert_non_null(strstr(err.msg, "control"));
}

int main(void)
{
    if (conn_fixture_loop_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pools_list, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_pool_define_dir, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_pool_create_transient, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_pool_define_types, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_pool_define_errors, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_pool_start_twice, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_pool_verbs, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_pool_remove, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_readonly, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_check_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
