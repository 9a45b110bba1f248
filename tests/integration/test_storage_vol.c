#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/job.h"
#include "backend/storage.h"
#include "core/err.h"
#include "conn_fixture.h"

#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Volumes of the test driver's default-pool: create, list, clone, resize, delete (and the
 * refusal while a domain uses one), the XML, and transfers' errors (the test driver has no
 * upload or download; tests/vm/storage.sh moves real bytes). */

#define POOL "default-pool"

static virStorageVolPtr raw_vol(virConnectPtr raw, const char *name)
{
    virStoragePoolPtr p = virStoragePoolLookupByName(raw, POOL);
    virStorageVolPtr v = p ? virStorageVolLookupByName(p, name) : NULL;
    if (p)
        virStoragePoolFree(p);
    return v;
}

static bool raw_vol_exists(virConnectPtr raw, const char *name)
{
    virStorageVolPtr v = raw_vol(raw, name);
    if (v)
        virStorageVolFree(v);
    return v != NULL;
}

static char *raw_vol_xml(virConnectPtr raw, const char *name)
{
    virStorageVolPtr v = raw_vol(raw, name);
    char *xml = v ? virStorageVolGetXMLDesc(v, 0) : NULL;
    if (v)
        virStorageVolFree(v);
    return xml;
}

static int raw_vol_count(virConnectPtr raw)
{
    virStoragePoolPtr p = virStoragePoolLookupByName(raw, POOL);
    int n = p ? virStoragePoolNumOfVolumes(p) : -1;
    if (p)
        virStoragePoolFree(p);
    return n;
}

static void make_vol(conn_fixture *f, const char *name, unsigned long long size, const char *format)
{
    kd_err err;
    kd_err_clear(&err);
    kd_vol_spec s = {.name = name, .capacity = size, .format = format};
    if (kd_storage_vol_create(f->conn, POOL, &s, NULL, &err) < 0)
        fail_msg("create %s: %s", name, err.msg);
}

static void test_vol_create_list(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    size_t n = 99;
    kd_vol *vols = kd_storage_vols_list(f->conn, POOL, &n, &err);
    assert_non_null(vols);
    assert_int_equal(n, 0);
    kd_storage_vols_free(vols, n);

    kd_vol_spec s = {.name = "b&<disk>.img", .capacity = 10ULL << 20};
    char *path = NULL;
    assert_int_equal(kd_storage_vol_create(f->conn, POOL, &s, &path, &err), 0);
    assert_string_equal(path, "/default-pool/b&<disk>.img");
    free(path);
    make_vol(f, "a.qcow2", 1ULL << 30, "qcow2");
    assert_int_equal(raw_vol_count(f->raw), 2);

    vols = kd_storage_vols_list(f->conn, POOL, &n, &err);
    assert_int_equal(n, 2);
    assert_string_equal(vols[0].name, "a.qcow2");
    assert_string_equal(vols[0].format, "qcow2");
    assert_int_equal(vols[0].capacity, 1ULL << 30);
    assert_string_equal(vols[1].name, "b&<disk>.img");
    assert_string_equal(vols[1].path, "/default-pool/b&<disk>.img");
    assert_string_equal(vols[1].type, "file");
    assert_string_equal(vols[1].format, "raw");
    assert_string_equal(vols[1].backing, "");
    assert_int_equal(vols[1].capacity, 10ULL << 20);
    kd_storage_vols_free(vols, n);

    kd_vol *one = kd_storage_vol_get(f->conn, POOL, "a.qcow2", &err);
    assert_non_null(one);
    assert_string_equal(one->path, "/default-pool/a.qcow2");
    kd_storage_vols_free(one, 1);
}

static void test_vol_create_backing(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    make_vol(f, "base.img", 2ULL << 30, "raw");
    kd_vol_spec s = {.name = "overlay.qcow2", .backing = "base.img"};
    assert_int_equal(kd_storage_vol_create(f->conn, POOL, &s, NULL, &err), 0);
    char *xml = raw_vol_xml(f->raw, "overlay.qcow2");
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<backingStore>"));
    assert_non_null(strstr(xml, "<path>/default-pool/base.img</path>"));
    assert_non_null(strstr(xml, "<format type='qcow2'/>"));
    free(xml);
    kd_vol *v = kd_storage_vol_get(f->conn, POOL, "overlay.qcow2", &err);
    assert_non_null(v);
    /* No size given: the backing volume's. */
    assert_int_equal(v->capacity, 2ULL << 30);
    assert_string_equal(v->backing, "/default-pool/base.img");
    kd_storage_vols_free(v, 1);
    /* By path works as well. */
    kd_vol_spec s2 = {.name = "o2", .backing = "/default-pool/base.img", .capacity = 3ULL << 30};
    assert_int_equal(kd_storage_vol_create(f->conn, POOL, &s2, NULL, &err), 0);
    assert_true(raw_vol_exists(f->raw, "o2"));
}

static void expect_create_error(conn_fixture *f, const char *pool, const kd_vol_spec *s,
                                kd_err_code code, const char *needle)
{
    kd_err err;
    kd_err_clear(&err);
    int before = raw_vol_count(f->raw);
    char *path = (char *)"untouched";
    assert_int_equal(kd_storage_vol_create(f->conn, pool, s, &path, &err), -1);
    assert_null(path);
    assert_int_equal(err.code, code);
    if (!strstr(err.msg, needle))
        fail_msg("'%s' not in '%s'", needle, err.msg);
    assert_int_equal(raw_vol_count(f->raw), before);
}

static void test_vol_create_errors(void **state)
{
    conn_fixture *f = *state;
    make_vol(f, "taken", 1 << 20, NULL);
    kd_vol_spec s1 = {.name = "taken", .capacity = 1 << 20};
    expect_create_error(f, POOL, &s1, KD_ERR_INVALID, "already has a volume named 'taken'");
    kd_vol_spec s2 = {.name = "it's", .capacity = 1 << 20};
    expect_create_error(f, POOL, &s2, KD_ERR_INVALID, "quotes");
    kd_vol_spec s3 = {.name = "x", .capacity = 0};
    expect_create_error(f, POOL, &s3, KD_ERR_INVALID, "more than 0");
    kd_vol_spec s4 = {.name = "x", .backing = "nope"};
    expect_create_error(f, POOL, &s4, KD_ERR_NOTFOUND, "no volume named 'nope'");
    kd_vol_spec s5 = {.name = "x", .backing = "taken", .format = "raw"};
    expect_create_error(f, POOL, &s5, KD_ERR_INVALID, "must be qcow2");
    kd_vol_spec s6 = {.name = "x", .capacity = 1 << 20};
    expect_create_error(f, "no-such-pool", &s6, KD_ERR_NOTFOUND, "no storage pool named");
    kd_vol_spec s7 = {.name = "x", .backing = "/elsewhere/a.img"};
    expect_create_error(f, POOL, &s7, KD_ERR_NOTFOUND, "in no storage pool");
    /* More than the pool holds: libvirt's own words. */
    kd_vol_spec s8 = {.name = "huge", .capacity = 200ULL << 30, .allocation = 200ULL << 30};
    expect_create_error(f, POOL, &s8, KD_ERR_LIBVIRT, "huge");
}

static virDomainPtr define_user(virConnectPtr raw, const char *name, const char *disk_xml)
{
    char xml[2048];
    snprintf(xml, sizeof(xml),
             "<domain type='test'><name>%s</name><memory>65536</memory><os><type>hvm</type>"
             "</os><devices>%s</devices></domain>",
             name, disk_xml);
    return virDomainDefineXML(raw, xml);
}

static void test_vol_delete_in_use(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    make_vol(f, "used.img", 1 << 20, NULL);
    make_vol(f, "byvol.img", 1 << 20, NULL);
    virDomainPtr d1 = define_user(f->raw, "web-a",
                                  "<disk type='file' device='disk'><source "
                                  "file='/default-pool/used.img'/><target dev='vda'/></disk>");
    virDomainPtr d2 = define_user(f->raw, "web-b",
                                  "<disk type='file' device='disk'><source "
                                  "file='/default-pool/used.img'/><target dev='vda'/></disk>");
    virDomainPtr d3 = define_user(f->raw, "web-c",
                                  "<disk type='volume' device='disk'><source pool='default-pool' "
                                  "volume='byvol.img'/><target dev='vda'/></disk>");
    assert_non_null(d1);
    assert_non_null(d2);
    assert_non_null(d3);

    char *users = kd_storage_path_users(f->conn, "/default-pool/used.img", &err);
    assert_string_equal(users, "web-a, web-b");
    free(users);
    assert_int_equal(kd_storage_vol_delete(f->conn, POOL, "used.img", false, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_non_null(strstr(err.msg, "web-a, web-b"));
    assert_true(raw_vol_exists(f->raw, "used.img"));
    assert_int_equal(kd_storage_vol_delete(f->conn, POOL, "byvol.img", false, &err), -1);
    assert_non_null(strstr(err.msg, "web-c"));
    assert_true(raw_vol_exists(f->raw, "byvol.img"));

    /* Gone from one definition, still in the other. */
    assert_int_equal(virDomainUndefine(d1), 0);
    assert_int_equal(kd_storage_vol_delete(f->conn, POOL, "used.img", false, &err), -1);
    assert_non_null(strstr(err.msg, "web-b"));
    assert_null(strstr(err.msg, "web-a"));
    assert_int_equal(kd_storage_vol_delete(f->conn, POOL, "used.img", true, &err), 0);
    assert_false(raw_vol_exists(f->raw, "used.img"));
    virDomainFree(d1);
    virDomainFree(d2);
    virDomainFree(d3);
}

/* A volume other volumes are backed by is in use too. */
static void test_vol_delete_backing(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    make_vol(f, "base", 1 << 20, NULL);
    kd_vol_spec s = {.name = "top", .backing = "base"};
    assert_int_equal(kd_storage_vol_create(f->conn, POOL, &s, NULL, &err), 0);
    char *users = kd_storage_path_users(f->conn, "/default-pool/base", &err);
    assert_string_equal(users, "volume default-pool/top");
    free(users);
    assert_int_equal(kd_storage_vol_delete(f->conn, POOL, "base", false, &err), -1);
    assert_non_null(strstr(err.msg, "in use by volume default-pool/top"));
    assert_true(raw_vol_exists(f->raw, "base"));
    /* The overlay itself is free to go, and then so is its base. */
    assert_int_equal(kd_storage_vol_delete(f->conn, POOL, "top", false, &err), 0);
    assert_int_equal(kd_storage_vol_delete(f->conn, POOL, "base", false, &err), 0);
    assert_int_equal(raw_vol_count(f->raw), 0);
}

static void test_vol_delete(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    make_vol(f, "free.img", 1 << 20, NULL);
    char *users = kd_storage_path_users(f->conn, "/default-pool/free.img", &err);
    assert_string_equal(users, "");
    free(users);
    assert_int_equal(kd_storage_vol_delete(f->conn, POOL, "free.img", false, &err), 0);
    assert_false(raw_vol_exists(f->raw, "free.img"));
    assert_int_equal(kd_storage_vol_delete(f->conn, POOL, "free.img", false, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "no volume named 'free.img'"));
}

static void test_vol_resize(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    make_vol(f, "r.img", 4ULL << 20, NULL);
    assert_int_equal(kd_storage_vol_resize(f->conn, POOL, "r.img", 1ULL << 20, false, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_non_null(strstr(err.msg, "--shrink"));
    assert_int_equal(kd_storage_vol_resize(f->conn, POOL, "r.img", 0, false, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    /* The test driver cannot resize: libvirt's refusal comes through. */
    assert_int_equal(kd_storage_vol_resize(f->conn, POOL, "r.img", 8ULL << 20, false, &err), -1);
    assert_int_equal(err.code, KD_ERR_LIBVIRT);
    assert_non_null(strstr(err.msg, "vol-resize r.img"));
    kd_vol *v = kd_storage_vol_get(f->conn, POOL, "r.img", &err);
    assert_int_equal(v->capacity, 4ULL << 20);
    kd_storage_vols_free(v, 1);
}

static void test_vol_clone(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    make_vol(f, "src.qcow2", 5ULL << 20, "qcow2");
    assert_int_equal(kd_storage_vol_clone(f->conn, POOL, "src.qcow2", "copy&<1>", &err), 0);
    kd_vol *v = kd_storage_vol_get(f->conn, POOL, "copy&<1>", &err);
    assert_non_null(v);
    assert_int_equal(v->capacity, 5ULL << 20);
    assert_string_equal(v->path, "/default-pool/copy&<1>");
    kd_storage_vols_free(v, 1);
    assert_int_equal(kd_storage_vol_clone(f->conn, POOL, "src.qcow2", "copy&<1>", &err), -1);
    assert_non_null(strstr(err.msg, "already has a volume"));
    assert_int_equal(kd_storage_vol_clone(f->conn, POOL, "missing", "c2", &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_int_equal(kd_storage_vol_clone(f->conn, POOL, "src.qcow2", "a/b", &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_int_equal(raw_vol_count(f->raw), 2);
}

static void test_vol_xml(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    make_vol(f, "x&y.img", 1 << 20, NULL);
    char *xml = kd_storage_vol_xml(f->conn, POOL, "x&y.img", &err);
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<name>x&amp;y.img</name>"));
    free(xml);
    assert_null(kd_storage_vol_xml(f->conn, POOL, "nope", &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
}

static char *temp_path(const char *tag)
{
    char *p = NULL;
    if (asprintf(&p, "/tmp/kd-test-storage-%d-%s", (int)getpid(), tag) < 0)
        return NULL;
    unlink(p);
    return p;
}

static void test_download_errors(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    make_vol(f, "t.img", 1 << 20, NULL);

    /* A download never overwrites a file, and leaves it as it was. */
    char *existing = temp_path("existing");
    FILE *fp = fopen(existing, "w");
    fputs("keep me", fp);
    fclose(fp);
    kd_vol_transfer *t = kd_storage_transfer_new(POOL, "t.img", existing, false);
    assert_int_equal(kd_storage_transfer_run(f->conn, t, &err), -1);
    assert_non_null(strstr(err.msg, "File exists"));
    kd_storage_transfer_free(t);
    struct stat sb;
    assert_int_equal(stat(existing, &sb), 0);
    assert_int_equal(sb.st_size, 7);

    /* The test driver has no download: the error is libvirt's, the new file is removed. */
    char *fresh = temp_path("fresh");
    t = kd_storage_transfer_new(POOL, "t.img", fresh, false);
    assert_int_equal(kd_storage_transfer_run(f->conn, t, &err), -1);
    assert_int_equal(err.code, KD_ERR_LIBVIRT);
    assert_non_null(strstr(err.msg, "vol-download t.img"));
    assert_non_null(strstr(err.msg, "not supported"));
    assert_int_equal(access(fresh, F_OK), -1);
    kd_storage_transfer_free(t);

    unlink(existing);
    free(existing);
    free(fresh);
}

static void test_upload_errors(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    make_vol(f, "t.img", 1 << 20, NULL);
    char *existing = temp_path("up");
    char *fresh = temp_path("missing");
    FILE *fp = fopen(existing, "w");
    fclose(fp);
    /* A missing file, a file larger than the volume, no driver support. */
    kd_vol_transfer *t = kd_storage_transfer_new(POOL, "t.img", fresh, true);
    assert_int_equal(kd_storage_transfer_run(f->conn, t, &err), -1);
    assert_int_equal(err.code, KD_ERR_IO);
    kd_storage_transfer_free(t);
    assert_int_equal(truncate(existing, 2 << 20), 0);
    t = kd_storage_transfer_new(POOL, "t.img", existing, true);
    assert_true(kd_storage_transfer_upload(t));
    assert_string_equal(kd_storage_transfer_vol(t), "t.img");
    assert_int_equal(kd_storage_transfer_run(f->conn, t, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_non_null(strstr(err.msg, "larger than volume"));
    kd_storage_transfer_free(t);
    assert_int_equal(truncate(existing, 4096), 0);
    t = kd_storage_transfer_new(POOL, "t.img", existing, true);
    assert_int_equal(kd_storage_transfer_run(f->conn, t, &err), -1);
    assert_int_equal(err.code, KD_ERR_LIBVIRT);
    assert_non_null(strstr(err.msg, "virStorageVolUpload"));
    unsigned long long done = 1, total = 0;
    kd_storage_transfer_progress(t, &done, &total);
    assert_int_equal(done, 0);
    assert_int_equal(total, 4096);
    kd_storage_transfer_free(t);
    kd_storage_transfer_free(NULL);
    unlink(existing);
    free(existing);
    free(fresh);
}

typedef struct {
    int calls;
    int result;
    kd_err err;
} done_rec;

static void on_done(kd_job *job, int result, const kd_err *err, void *opaque)
{
    (void)job;
    done_rec *r = opaque;
    r->calls++;
    r->result = result;
    r->err = *err;
}

/* Through the job machinery, as the UI runs it. */
static void test_transfer_job(void **state)
{
    conn_fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    make_vol(f, "j.img", 1 << 20, NULL);
    char *out = temp_path("job");
    done_rec rec = {0};
    kd_vol_transfer *t = kd_storage_transfer_new(POOL, "j.img", out, false);
    kd_job *job = kd_job_start(f->conn, "vol-download j.img", NULL, kd_storage_transfer_run, t,
                               kd_storage_transfer_free, on_done, &rec, &err);
    assert_non_null(job);
    assert_int_equal(kd_job_wait(f->conn, false), 1);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.result, -1);
    assert_non_null(strstr(rec.err.msg, "vol-download j.img"));
    assert_int_equal(access(out, F_OK), -1);
    free(out);
}

int main(void)
{
    if (conn_fixture_loop_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vol_create_list, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_vol_create_backing, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_vol_create_errors, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_vol_delete_in_use, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_vol_delete, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_vol_delete_backing, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_vol_resize, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_vol_clone, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_vol_xml, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_download_errors, conn_fixture_open,
                                        conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_upload_errors, conn_fixture_open, conn_fixture_close),
        cmocka_unit_test_setup_teardown(test_transfer_job, conn_fixture_open, conn_fixture_close),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    kd_job_wait(NULL, false);
    return rc;
}
