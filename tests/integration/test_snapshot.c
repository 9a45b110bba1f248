#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/conn.h"
#include "backend/loop.h"
#include "backend/snapshot.h"
#include "core/err.h"

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Snapshots of the test driver's domain "test" (running): every test starts from a fresh
 * driver without snapshots and checks the results through a raw libvirt connection. */

#define DEFAULT_URI "test:///default"
#define TEST_UUID   "6695eb01-f6a4-8304-79aa-97f2502e193f"
#define ODD_DESC    "before <upgrade> & \"it's\" risky"

typedef struct {
    kd_conn *conn;
    virConnectPtr raw;
    virDomainPtr dom;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    kd_err err;
    kd_err_clear(&err);
    f->conn = kd_conn_open(DEFAULT_URI, false, &err);
    f->raw = virConnectOpen(DEFAULT_URI);
    f->dom = f->raw ? virDomainLookupByUUIDString(f->raw, TEST_UUID) : NULL;
    *state = f;
    return f->conn && f->dom ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    virDomainFree(f->dom);
    kd_conn_free(f->conn);
    virConnectClose(f->raw);
    free(f);
    return 0;
}

static void create(fixture *f, const char *name, bool memory)
{
    kd_err err;
    kd_err_clear(&err);
    kd_snap_params p = {.name = name, .memory = memory};
    if (kd_snap_create(f->conn, TEST_UUID, &p, &err) < 0)
        fail_msg("creating %s: %s", name, err.msg);
}

static char *raw_parent(fixture *f, const char *name)
{
    virDomainSnapshotPtr s = virDomainSnapshotLookupByName(f->dom, name, 0);
    assert_non_null(s);
    virDomainSnapshotPtr p = virDomainSnapshotGetParent(s, 0);
    char *out = strdup(p ? virDomainSnapshotGetName(p) : "");
    if (p)
        virDomainSnapshotFree(p);
    virDomainSnapshotFree(s);
    return out;
}

static int raw_state(fixture *f)
{
    int st = -1, reason;
    virDomainGetState(f->dom, &st, &reason, 0);
    return st;
}

static void test_create_and_list(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_snap_params p = {.name = "s1", .description = ODD_DESC, .memory = true};
    assert_int_equal(kd_snap_create(f->conn, TEST_UUID, &p, &err), 0);
    assert_int_equal(virDomainSnapshotNum(f->dom, 0), 1);
    size_t n;
    kd_snapshot *v = kd_snap_list(f->conn, TEST_UUID, &n, &err);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "s1");
    assert_string_equal(v[0].description, ODD_DESC);
    assert_string_equal(v[0].parent, "");
    assert_string_equal(v[0].state, "running");
    assert_true(v[0].current);
    assert_true(v[0].memory);
    assert_false(v[0].external);
    assert_true(v[0].created > 1600000000);
    assert_string_equal(v[0].disks, "vda internal");
    kd_snap_list_free(v, n);
    /* The same name again is refused before libvirt sees it. */
    assert_int_equal(kd_snap_create(f->conn, TEST_UUID, &p, &err), -1);
    assert_non_null(strstr(err.msg, "exists already"));
    assert_int_equal(virDomainSnapshotNum(f->dom, 0), 1);
}

static void test_tree(void **state)
{
    fixture *f = *state;
    kd_err err;
    create(f, "s1", true);
    create(f, "s2", true);
    assert_int_equal(kd_snap_revert(f->conn, TEST_UUID, "s1", &err), 0);
    create(f, "s3", true);
    create(f, "s4", true);
    size_t n;
    kd_snapshot *v = kd_snap_list(f->conn, TEST_UUID, &n, &err);
    assert_int_equal(n, 4);
    /* s1 { s2, s3 { s4 } }, depth first, each level in creation order. */
    const char *names[] = {"s1", "s2", "s3", "s4"};
    const int depth[] = {0, 1, 1, 2};
    const size_t kids[] = {2, 0, 1, 0};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(v[i].name, names[i]);
        assert_int_equal(v[i].depth, depth[i]);
        assert_int_equal(v[i].nchildren, kids[i]);
        assert_int_equal(v[i].current, i == 3);
    }
    assert_string_equal(v[3].parent, "s3");
    kd_snap_list_free(v, n);
    char *cur = kd_snap_current(f->conn, TEST_UUID, &err);
    assert_string_equal(cur, "s4");
    free(cur);
}

static void test_current_none(void **state)
{
    fixture *f = *state;
    kd_err err;
    assert_null(kd_snap_current(f->conn, TEST_UUID, &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    size_t n = 9;
    kd_snapshot *v = kd_snap_list(f->conn, TEST_UUID, &n, &err);
    assert_non_null(v);
    assert_int_equal(n, 0);
    kd_snap_list_free(v, n);
}

static void test_revert_state(void **state)
{
    fixture *f = *state;
    kd_err err;
    create(f, "up", true);
    assert_int_equal(virDomainDestroy(f->dom), 0);
    create(f, "down", true); /* a shut-off domain: disk only, whatever memory says */
    size_t n;
    kd_snapshot *v = kd_snap_list(f->conn, TEST_UUID, &n, &err);
    const kd_snapshot *down = kd_snap_find(v, n, "down");
    assert_string_equal(down->state, "shutoff");
    assert_false(down->memory);
    char *sum = kd_snap_revert_summary(kd_snap_find(v, n, "up"), KD_DOM_SHUTOFF);
    assert_non_null(strstr(sum, "since 'up'"));
    assert_non_null(strstr(sum, "from shut off to running"));
    free(sum);
    sum = kd_snap_revert_summary(down, KD_DOM_RUNNING);
    assert_non_null(strstr(sum, "memory"));
    assert_non_null(strstr(sum, "from running to shut off"));
    free(sum);
    kd_snap_list_free(v, n);

    assert_int_equal(kd_snap_revert(f->conn, TEST_UUID, "up", &err), 0);
    assert_int_equal(raw_state(f), VIR_DOMAIN_RUNNING);
    assert_int_equal(kd_snap_revert(f->conn, TEST_UUID, "down", &err), 0);
    assert_int_equal(raw_state(f), VIR_DOMAIN_SHUTOFF);
    assert_int_equal(kd_snap_revert(f->conn, TEST_UUID, "nope", &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    char *cur = kd_snap_current(f->conn, TEST_UUID, &err);
    assert_string_equal(cur, "down");
    free(cur);
}

static void test_delete_one(void **state)
{
    fixture *f = *state;
    kd_err err;
    create(f, "a", true);
    create(f, "b", true);
    create(f, "c", true);
    assert_int_equal(kd_snap_delete(f->conn, TEST_UUID, "b", KD_SNAP_DEL_ONE, &err), 0);
    assert_int_equal(virDomainSnapshotNum(f->dom, 0), 2);
    char *p = raw_parent(f, "c");
    assert_string_equal(p, "a"); /* c moved up to b's parent */
    free(p);
    assert_int_equal(kd_snap_delete(f->conn, TEST_UUID, "b", KD_SNAP_DEL_ONE, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
}

static void test_delete_children(void **state)
{
    fixture *f = *state;
    kd_err err;
    create(f, "a", true);
    create(f, "b", true);
    create(f, "c", true);
    assert_int_equal(kd_snap_delete(f->conn, TEST_UUID, "c", KD_SNAP_DEL_CHILDREN_ONLY, &err), -1);
    assert_non_null(strstr(err.msg, "has no children"));
    assert_int_equal(kd_snap_delete(f->conn, TEST_UUID, "a", KD_SNAP_DEL_CHILDREN_ONLY, &err), 0);
    assert_int_equal(virDomainSnapshotNum(f->dom, 0), 1);
    virDomainSnapshotPtr a = virDomainSnapshotLookupByName(f->dom, "a", 0);
    assert_non_null(a);
    virDomainSnapshotFree(a);
    create(f, "d", true);
    assert_int_equal(kd_snap_delete(f->conn, TEST_UUID, "a", KD_SNAP_DEL_WITH_CHILDREN, &err), 0);
    assert_int_equal(virDomainSnapshotNum(f->dom, 0), 0);
}

static void test_external_refused(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_snap_disk d = {
        .target = "vda", .mode = KD_SNAP_DISK_EXTERNAL, .file = "/tmp/kd-test-overlay.qcow2"};
    kd_snap_params p = {
        .name = "ext", .memory = true, .memory_file = "/tmp/kd-test-mem", .disks = &d, .ndisks = 1};
    assert_int_equal(kd_snap_create(f->conn, TEST_UUID, &p, &err), 0);
    create(f, "after", true);
    size_t n;
    kd_snapshot *v = kd_snap_list(f->conn, TEST_UUID, &n, &err);
    const kd_snapshot *e = kd_snap_find(v, n, "ext");
    assert_true(e->external);
    assert_string_equal(e->disks, "vda external /tmp/kd-test-overlay.qcow2");
    kd_snap_list_free(v, n);

    assert_int_equal(kd_snap_delete(f->conn, TEST_UUID, "ext", KD_SNAP_DEL_ONE, &err), -1);
    assert_non_null(strstr(err.msg, "overlay is the base of 1 later snapshot"));
    unsigned long ver = 0;
    virConnectGetLibVersion(f->raw, &ver);
    if (ver < 9007000) {
        assert_int_equal(kd_snap_delete(f->conn, TEST_UUID, "ext", KD_SNAP_DEL_WITH_CHILDREN, &err),
                         -1);
        assert_non_null(strstr(err.msg, "cannot delete external snapshots"));
    }
    assert_int_equal(virDomainSnapshotNum(f->dom, 0), 2);
    /* An internal child of it goes as usual. */
    assert_int_equal(kd_snap_delete(f->conn, TEST_UUID, "after", KD_SNAP_DEL_ONE, &err), 0);
}

static void test_build_xml(void **state)
{
    kd_err err;
    kd_snap_params p = {.name = "", .memory = true};
    assert_null(kd_snap_build_xml(&p, true, &err));
    assert_non_null(strstr(err.msg, "cannot be empty"));
    kd_snap_disk d = {.target = "vda", .mode = KD_SNAP_DISK_EXTERNAL, .file = "rel.qcow2"};
    p = (kd_snap_params){.name = "x", .disks = &d, .ndisks = 1};
    assert_null(kd_snap_build_xml(&p, true, &err));
    assert_non_null(strstr(err.msg, "absolute path"));
    d.file = "/abs/o.qcow2";
    p.memory = true;
    assert_null(kd_snap_build_xml(&p, true, &err));
    assert_non_null(strstr(err.msg, "memory state goes to a file"));
    p.memory = false;
    p.description = "a<b & \"c\"";
    char *xml = kd_snap_build_xml(&p, true, &err);
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<description>a&lt;b &amp; \"c\"</description>"));
    assert_non_null(strstr(xml, "<memory snapshot=\"no\"/>"));
    assert_non_null(strstr(xml, "<disk name=\"vda\" snapshot=\"external\">"));
    assert_non_null(strstr(xml, "<source file=\"/abs/o.qcow2\"/>"));
    free(xml);
}

static void test_dumpxml(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_snap_params p = {.name = "x1", .description = ODD_DESC, .memory = true};
    assert_int_equal(kd_snap_create(f->conn, TEST_UUID, &p, &err), 0);
    char *xml = kd_snap_dumpxml(f->conn, TEST_UUID, "x1", &err);
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<name>x1</name>"));
    assert_non_null(strstr(xml, "&lt;upgrade&gt; &amp;"));
    free(xml);
    assert_null(kd_snap_dumpxml(f->conn, TEST_UUID, "nope", &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_null(kd_snap_list(f->conn, "00000000-0000-0000-0000-000000000000", &(size_t){0}, &err));
}

static void test_readonly(void **state)
{
    kd_err err;
    kd_conn *ro = kd_conn_open(DEFAULT_URI, true, &err);
    assert_non_null(ro);
    kd_snap_params p = {.name = "ro"};
    assert_int_equal(kd_snap_create(ro, TEST_UUID, &p, &err), -1);
    assert_int_equal(err.code, KD_ERR_READONLY);
    assert_int_equal(kd_snap_delete(ro, TEST_UUID, "ro", KD_SNAP_DEL_ONE, &err), -1);
    assert_int_equal(err.code, KD_ERR_READONLY);
    kd_conn_free(ro);
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

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_and_list),
        T(test_tree),
        T(test_current_none),
        T(test_revert_state),
        T(test_delete_one),
        T(test_delete_children),
        T(test_external_refused),
        T(test_dumpxml),
        cmocka_unit_test(test_build_xml),
        cmocka_unit_test(test_readonly),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
