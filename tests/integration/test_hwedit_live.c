#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/conn.h"
#include "backend/conn_priv.h"
#include "backend/hwedit.h"
#include "backend/loop.h"
#include "core/err.h"

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OK(call)                                                                                   \
    do {                                                                                           \
        if ((call) != 0)                                                                           \
            fail_msg("%s: %s", #call, err.msg);                                                    \
    } while (0)

/* The hardware editor's changes on the test driver, each checked in the persistent and the
 * live XML as libvirt returns them. The test driver has SetMemoryFlags, SetVcpusFlags,
 * SetMetadata, SetAutostart and SetBlockIoTune; it lacks the device calls and refuses
 * PinVcpuFlags' flags: there the config is redefined and the live side is refused. */

#define DEFAULT_URI "test:///default"
#define FIXTURE_URI "test://" KD_FIXTURES_DIR "/hosts.xml"
#define TEST_UUID   "6695eb01-f6a4-8304-79aa-97f2502e193f"

typedef struct {
    kd_conn *conn;
    virConnectPtr vc; /* the editor's own connection (a fixture file is per connection) */
    virDomainPtr dom;
    kd_hwed *ed;
} fx;

static int setup_uri(void **state, const char *uri, const char *name)
{
    fx *f = calloc(1, sizeof(*f));
    kd_err err;
    f->conn = kd_conn_open(uri, false, &err);
    assert_non_null(f->conn);
    f->vc = kd_conn_virt(f->conn);
    assert_non_null(f->vc);
    f->dom = virDomainLookupByName(f->vc, name);
    assert_non_null(f->dom);
    char uuid[VIR_UUID_STRING_BUFLEN];
    virDomainGetUUIDString(f->dom, uuid);
    f->ed = kd_hwed_open(f->conn, uuid, &err);
    if (!f->ed)
        fail_msg("open: %s", err.msg);
    *state = f;
    return 0;
}

static int setup_running(void **state)
{
    return setup_uri(state, DEFAULT_URI, "test");
}

/* A shut-off persistent domain: "build" in the fixture host. */
static int setup_off(void **state)
{
    return setup_uri(state, FIXTURE_URI, "build");
}

static int teardown(void **state)
{
    fx *f = *state;
    kd_hwed_free(f->ed);
    virDomainFree(f->dom);
    kd_conn_free(f->conn);
    free(f);
    return 0;
}

/* The model of the domain's XML as libvirt has it now. */
static kd_hw_model *xml_model(fx *f, bool live)
{
    char *xml = virDomainGetXMLDesc(f->dom, live ? 0 : VIR_DOMAIN_XML_INACTIVE);
    assert_non_null(xml);
    kd_err err;
    kd_hw_model *m = kd_hw_model_parse(xml, &err);
    free(xml);
    assert_non_null(m);
    return m;
}

static void test_memory_live(void **state)
{
    fx *f = *state;
    kd_err err;
    kd_hw_result res;
    assert_true(kd_hwed_running(f->ed));
    unsigned long long max = kd_hwed_config(f->ed)->maxmem_kib;
    OK(kd_hwed_set_memory(f->ed, 1024 * 1024, max, &res, &err));
    assert_int_equal(res.applied, KD_HW_LIVE);
    kd_hw_model *cfg = xml_model(f, false), *live = xml_model(f, true);
    assert_int_equal(cfg->mem_kib, 1024 * 1024);
    assert_int_equal(live->mem_kib, 1024 * 1024);
    assert_int_equal(kd_hwed_live(f->ed)->mem_kib, 1024 * 1024);
    kd_hw_model_free(cfg);
    kd_hw_model_free(live);

    /* More than the maximum: refused, nothing changes. */
    assert_int_equal(kd_hwed_set_memory(f->ed, max + 1024, max, &res, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    cfg = xml_model(f, false);
    assert_int_equal(cfg->mem_kib, 1024 * 1024);
    kd_hw_model_free(cfg);
}

static void test_maxmem_next_boot(void **state)
{
    fx *f = *state;
    kd_err err;
    kd_hw_result res;
    unsigned long long max = kd_hwed_live(f->ed)->maxmem_kib;
    OK(kd_hwed_set_memory(f->ed, 2048 * 1024, max * 2, &res, &err));
    assert_int_equal(res.applied, KD_HW_NEXT_BOOT);
    assert_non_null(strstr(res.why, "maximum changes at next boot"));
    kd_hw_model *cfg = xml_model(f, false), *live = xml_model(f, true);
    assert_int_equal(cfg->maxmem_kib, max * 2);
    assert_int_equal(cfg->mem_kib, 2048 * 1024);
    assert_int_equal(live->maxmem_kib, max);
    assert_int_equal(live->mem_kib, 2048 * 1024);
    kd_hw_model_free(cfg);
    kd_hw_model_free(live);
}

static void test_vcpus(void **state)
{
    fx *f = *state;
    kd_err err;
    kd_hw_result res;
    /* test has 2 vCPUs, both online. */
    OK(kd_hwed_set_vcpus(f->ed, 1, 2, &res, &err));
    assert_int_equal(res.applied, KD_HW_LIVE);
    kd_hw_model *cfg = xml_model(f, false), *live = xml_model(f, true);
    assert_int_equal(cfg->vcpus, 1);
    assert_int_equal(live->vcpus, 1);
    kd_hw_model_free(cfg);
    kd_hw_model_free(live);
    /* A new maximum waits for the next boot. */
    OK(kd_hwed_set_vcpus(f->ed, 2, 4, &res, &err));
    assert_int_equal(res.applied, KD_HW_NEXT_BOOT);
    cfg = xml_model(f, false);
    live = xml_model(f, true);
    assert_int_equal(cfg->maxvcpus, 4);
    assert_int_equal(cfg->vcpus, 2);
    assert_int_equal(live->maxvcpus, 2);
    assert_int_equal(live->vcpus, 2);
    kd_hw_model_free(cfg);
    kd_hw_model_free(live);
    assert_int_equal(kd_hwed_set_vcpus(f->ed, 5, 4, &res, &err), -1);
}

static void test_cpu_topology(void **state)
{
    fx *f = *state;
    kd_err err;
    kd_hw_result res;
    kd_hw_result r2;
    OK(kd_hwed_set_vcpus(f->ed, 2, 4, &r2, &err));
    OK(kd_hwed_set_cpu(f->ed, KD_HW_CPU_HOST_PASSTHROUGH, NULL, 1, 2, 2, &res, &err));
    assert_int_equal(res.applied, KD_HW_NEXT_BOOT);
    kd_hw_model *cfg = xml_model(f, false), *live = xml_model(f, true);
    assert_int_equal(cfg->cpu_mode, KD_HW_CPU_HOST_PASSTHROUGH);
    assert_int_equal(cfg->sockets * 100 + cfg->cores * 10 + cfg->threads, 122);
    assert_int_equal(live->sockets, 0);
    kd_hw_model_free(cfg);
    kd_hw_model_free(live);
    /* Product refused. */
    assert_int_equal(kd_hwed_set_cpu(f->ed, KD_HW_CPU_DEFAULT, NULL, 2, 2, 2, &res, &err), -1);
    assert_non_null(strstr(err.msg, "= 8"));
    /* A new maximum with a topology: the topology follows. */
    OK(kd_hwed_set_vcpus(f->ed, 2, 6, &res, &err));
    cfg = xml_model(f, false);
    assert_int_equal(cfg->maxvcpus, 6);
    assert_int_equal(cfg->sockets * cfg->cores * cfg->threads, 6);
    kd_hw_model_free(cfg);
}

static void test_boot(void **state)
{
    fx *f = *state;
    kd_err err;
    kd_hw_result res;
    const char *devs[] = {"cdrom", "hd"};
    OK(kd_hwed_set_boot(f->ed, devs, 2, true, &res, &err));
    assert_int_equal(res.applied, KD_HW_NEXT_BOOT);
    kd_hw_model *cfg = xml_model(f, false), *live = xml_model(f, true);
    assert_int_equal(cfg->nboot, 2);
    assert_string_equal(cfg->boot_devs[0], "cdrom");
    assert_true(cfg->bootmenu);
    assert_int_equal(live->nboot, 1);
    assert_string_equal(live->boot_devs[0], "hd");
    kd_hw_model_free(cfg);
    kd_hw_model_free(live);
}

static void test_description_autostart(void **state)
{
    fx *f = *state;
    kd_err err;
    kd_hw_result res;
    const char *text = "it's <odd> & \"quoted\"";
    OK(kd_hwed_set_description(f->ed, text, &res, &err));
    assert_int_equal(res.applied, KD_HW_LIVE);
    kd_hw_model *cfg = xml_model(f, false), *live = xml_model(f, true);
    assert_string_equal(cfg->description, text);
    assert_string_equal(live->description, text);
    kd_hw_model_free(cfg);
    kd_hw_model_free(live);
    char *d = virDomainGetMetadata(f->dom, VIR_DOMAIN_METADATA_DESCRIPTION, NULL,
                                   VIR_DOMAIN_AFFECT_CONFIG);
    assert_string_equal(d, text);
    free(d);

    int on = 0;
    OK(kd_hwed_set_autostart(f->ed, true, &res, &err));
    assert_int_equal(virDomainGetAutostart(f->dom, &on), 0);
    assert_int_equal(on, 1);
    assert_true(kd_hwed_autostart(f->ed));
    OK(kd_hwed_set_autostart(f->ed, false, &res, &err));
    assert_int_equal(virDomainGetAutostart(f->dom, &on), 0);
    assert_int_equal(on, 0);
}

static void test_add_nic(void **state)
{
    fx *f = *state;
    kd_err err;
    kd_hw_result res;
    kd_hw_nic_spec nic = {.type = "network", .source = "default", .model = "virtio"};
    OK(kd_hwed_add_nic(f->ed, &nic, &res, &err));
    /* The test driver has no attach: saved by redefinition, refused live. */
    assert_int_equal(res.applied, KD_HW_NEXT_BOOT);
    assert_non_null(strstr(res.why, "not supported"));
    kd_hw_model *cfg = xml_model(f, false), *live = xml_model(f, true);
    assert_int_equal(cfg->nnics, 2);
    assert_int_equal(live->nnics, 1);
    assert_int_equal(strncmp(cfg->nics[1].mac, "52:54:00:", 9), 0);
    assert_string_equal(cfg->nics[1].model, "virtio");
    char mac[18];
    snprintf(mac, sizeof(mac), "%s", cfg->nics[1].mac);
    kd_hw_model_free(cfg);
    kd_hw_model_free(live);

    /* Its MAC again, and a bad MAC: refused, nothing added. */
    kd_hw_nic_spec same = {.type = "bridge", .source = "br0", .mac = mac};
    assert_int_equal(kd_hwed_add_nic(f->ed, &same, &res, &err), -1);
    assert_non_null(strstr(err.msg, "already used"));
    kd_hw_nic_spec bad = {.type = "bridge", .source = "br0", .mac = "52:54:00:1:2:3"};
    assert_int_equal(kd_hwed_add_nic(f->ed, &bad, &res, &err), -1);
    cfg = xml_model(f, false);
    assert_int_equal(cfg->nnics, 2);
    kd_hw_model_free(cfg);

    kd_hw_nic_spec bridge = {.type = "bridge", .source = "br1", .model = "e1000"};
    OK(kd_hwed_set_nic(f->ed, mac, &bridge, &res, &err));
    cfg = xml_model(f, false);
    assert_string_equal(kd_hw_model_nic(cfg, mac)->source, "br1");
    assert_string_equal(kd_hw_model_nic(cfg, mac)->type, "bridge");
    kd_hw_model_free(cfg);
    OK(kd_hwed_remove_nic(f->ed, mac, &res, &err));
    cfg = xml_model(f, false);
    assert_int_equal(cfg->nnics, 1);
    kd_hw_model_free(cfg);
}

static void test_disks(void **state)
{
    fx *f = *state;
    kd_err err;
    kd_hw_result res;
    kd_hw_disk_spec disk = {.path = "/var/tmp/it's <odd>.img"};
    OK(kd_hwed_add_disk(f->ed, &disk, &res, &err));
    assert_int_equal(res.applied, KD_HW_NEXT_BOOT);
    kd_hw_model *cfg = xml_model(f, false);
    const kd_hw_disk *d = kd_hw_model_disk(cfg, "vdb");
    assert_non_null(d);
    assert_string_equal(d->source, "/var/tmp/it's <odd>.img");
    kd_hw_model_free(cfg);
    /* A target in use. */
    kd_hw_disk_spec again = {.path = "/var/tmp/b.img", .target = "vdb"};
    assert_int_equal(kd_hwed_add_disk(f->ed, &again, &res, &err), -1);
    assert_non_null(strstr(err.msg, "in use"));

    /* The test driver refuses I/O limits unless burst maxima come with them: the error is
     * libvirt's, and nothing changes (not even the cache asked for with them). */
    kd_hw_iotune io = {.total_bytes_sec = 1048576, .total_iops_sec = 200};
    assert_int_equal(kd_hwed_set_disk(f->ed, "vda", NULL, "none", &io, &res, &err), -1);
    assert_int_equal(err.code, KD_ERR_LIBVIRT);
    assert_non_null(strstr(err.msg, "I/O limits"));
    cfg = xml_model(f, false);
    d = kd_hw_model_disk(cfg, "vda");
    assert_string_equal(d->cache, "");
    assert_int_equal(d->iotune.total_bytes_sec, 0);
    kd_hw_model_free(cfg);
    /* Bus and cache: saved, at next boot. */
    OK(kd_hwed_set_disk(f->ed, "vda", "sata", "none", NULL, &res, &err));
    assert_int_equal(res.applied, KD_HW_NEXT_BOOT);
    cfg = xml_model(f, false);
    d = kd_hw_model_disk(cfg, "vda");
    assert_string_equal(d->cache, "none");
    assert_string_equal(d->bus, "sata");
    kd_hw_model_free(cfg);
    kd_hw_model *live = xml_model(f, true);
    assert_string_equal(kd_hw_model_disk(live, "vda")->cache, "");
    assert_string_equal(kd_hw_model_disk(live, "vda")->bus, "virtio");
    kd_hw_model_free(live);

    OK(kd_hwed_remove_disk(f->ed, "vdb", &res, &err));
    cfg = xml_model(f, false);
    assert_null(kd_hw_model_disk(cfg, "vdb"));
    kd_hw_model_free(cfg);
    assert_int_equal(kd_hwed_remove_disk(f->ed, "vdz", &res, &err), -1);
    OK(kd_hwed_set_disk(f->ed, "vda", "sata", "none", NULL, &res, &err));
    assert_int_equal(res.applied, KD_HW_UNCHANGED);
}

static void test_cdrom_running(void **state)
{
    fx *f = *state;
    kd_err err;
    kd_hw_result res;
    kd_hw_disk_spec cd = {.device = "cdrom", .bus = "ide"};
    OK(kd_hwed_add_disk(f->ed, &cd, &res, &err));
    assert_int_equal(res.applied, KD_HW_NEXT_BOOT);
    OK(kd_hwed_change_media(f->ed, "hda", "/iso/a.iso", NULL, NULL, &res, &err));
    /* The running domain has no such drive yet: the media waits for the next boot. */
    assert_int_equal(res.applied, KD_HW_NEXT_BOOT);
    assert_non_null(strstr(res.why, "hda is not in the running domain"));
    kd_hw_model *cfg = xml_model(f, false);
    assert_string_equal(kd_hw_model_disk(cfg, "hda")->source, "/iso/a.iso");
    assert_true(kd_hw_model_disk(cfg, "hda")->readonly);
    kd_hw_model_free(cfg);
    OK(kd_hwed_change_media(f->ed, "hda", NULL, "default-pool", "x.iso", &res, &err));
    cfg = xml_model(f, false);
    assert_string_equal(kd_hw_model_disk(cfg, "hda")->source, "default-pool/x.iso");
    assert_string_equal(kd_hw_model_disk(cfg, "hda")->type, "volume");
    kd_hw_model_free(cfg);
    /* Only a CD-ROM takes media. */
    assert_int_equal(kd_hwed_change_media(f->ed, "vda", "/iso/a.iso", NULL, NULL, &res, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
}

static void test_pin(void **state)
{
    fx *f = *state;
    kd_err err;
    kd_hw_result res;
    OK(kd_hwed_pin_vcpu(f->ed, 1, "0-1", &res, &err));
    /* The test driver refuses the flags: config by redefinition, live refused. */
    assert_int_equal(res.applied, KD_HW_NEXT_BOOT);
    assert_true(res.why[0] != '\0');
    kd_hw_model *cfg = xml_model(f, false);
    assert_int_equal(cfg->npins, 1);
    assert_int_equal(cfg->pins[0].vcpu, 1);
    assert_string_equal(cfg->pins[0].cpuset, "0-1");
    kd_hw_model_free(cfg);
    assert_int_equal(kd_hwed_pin_vcpu(f->ed, 9, "0", &res, &err), -1);
    assert_int_equal(kd_hwed_pin_vcpu(f->ed, 0, "0-", &res, &err), -1);
}

static void test_off_domain(void **state)
{
    fx *f = *state;
    kd_err err;
    kd_hw_result res;
    assert_false(kd_hwed_running(f->ed));
    assert_null(kd_hwed_live(f->ed));
    unsigned long long max = kd_hwed_config(f->ed)->maxmem_kib;
    OK(kd_hwed_set_memory(f->ed, max / 2, max, &res, &err));
    assert_int_equal(res.applied, KD_HW_SAVED);
    kd_hw_model *cfg = xml_model(f, false);
    assert_int_equal(cfg->mem_kib, max / 2);
    kd_hw_model_free(cfg);
    kd_hw_disk_spec cd = {.device = "cdrom"};
    OK(kd_hwed_add_disk(f->ed, &cd, &res, &err));
    assert_int_equal(res.applied, KD_HW_SAVED);
    cfg = xml_model(f, false);
    const kd_hw_disk *d = NULL;
    for (size_t i = 0; i < cfg->ndisks; i++)
        if (strcmp(cfg->disks[i].device, "cdrom") == 0)
            d = &cfg->disks[i];
    assert_non_null(d);
    char target[16];
    snprintf(target, sizeof(target), "%s", d->target);
    kd_hw_model_free(cfg);
    OK(kd_hwed_change_media(f->ed, target, "/iso/d & e.iso", NULL, NULL, &res, &err));
    assert_int_equal(res.applied, KD_HW_SAVED);
    cfg = xml_model(f, false);
    assert_string_equal(kd_hw_model_disk(cfg, target)->source, "/iso/d & e.iso");
    kd_hw_model_free(cfg);
    OK(kd_hwed_change_media(f->ed, target, NULL, NULL, NULL, &res, &err));
    cfg = xml_model(f, false);
    assert_string_equal(kd_hw_model_disk(cfg, target)->source, "");
    kd_hw_model_free(cfg);
}

static void test_new_volume(void **state)
{
    fx *f = *state;
    kd_err err;
    kd_hw_result res;
    char *path = NULL;
    if (kd_hwed_create_volume(f->ed, "default-pool", "hw-new.qcow2", 1 << 30, NULL, &path, &err) <
        0)
        fail_msg("create: %s", err.msg);
    assert_non_null(path);
    virStoragePoolPtr pool = virStoragePoolLookupByName(f->vc, "default-pool");
    virStorageVolPtr vol = virStorageVolLookupByName(pool, "hw-new.qcow2");
    assert_non_null(vol);
    virStorageVolFree(vol);
    virStoragePoolFree(pool);
    kd_hw_disk_spec disk = {.pool = "default-pool", .volume = "hw-new.qcow2", .format = "qcow2"};
    OK(kd_hwed_add_disk(f->ed, &disk, &res, &err));
    kd_hw_model *cfg = xml_model(f, false);
    const kd_hw_disk *d = kd_hw_model_disk(cfg, "vdb");
    assert_non_null(d);
    assert_string_equal(d->source, "default-pool/hw-new.qcow2");
    assert_string_equal(d->format, "qcow2");
    kd_hw_model_free(cfg);
    free(path);
    assert_int_equal(kd_hwed_create_volume(f->ed, "default-pool", "z", 0, NULL, NULL, &err), -1);
}

static void test_transient(void **state)
{
    (void)state;
    fx *f;
    void *s;
    setup_uri(&s, FIXTURE_URI, "scratch");
    f = s;
    kd_err err;
    kd_hw_result res;
    unsigned long long max = kd_hwed_config(f->ed)->maxmem_kib;
    OK(kd_hwed_set_memory(f->ed, max / 2, max, &res, &err));
    assert_int_equal(res.applied, KD_HW_LIVE_ONLY);
    kd_hw_model *live = xml_model(f, true);
    assert_int_equal(live->mem_kib, max / 2);
    kd_hw_model_free(live);
    const char *devs[] = {"network"};
    assert_int_equal(kd_hwed_set_boot(f->ed, devs, 1, false, &res, &err), -1);
    assert_non_null(strstr(err.msg, "transient"));
    teardown(&s);
}

static void test_readonly(void **state)
{
    (void)state;
    kd_err err;
    kd_conn *conn = kd_conn_open(DEFAULT_URI, true, &err);
    assert_non_null(conn);
    kd_hwed *ed = kd_hwed_open(conn, TEST_UUID, &err);
    assert_non_null(ed);
    kd_hw_result res;
    assert_int_equal(kd_hwed_set_memory(ed, 1024, 1024 * 1024, &res, &err), -1);
    assert_int_equal(err.code, KD_ERR_READONLY);
    assert_int_equal(kd_hwed_set_autostart(ed, true, &res, &err), -1);
    assert_int_equal(err.code, KD_ERR_READONLY);
    kd_hwed_free(ed);
    assert_null(kd_hwed_open(conn, "00000000-0000-0000-0000-000000000000", &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    kd_conn_free(conn);
}

int main(void)
{
    kd_err err;
    if (kd_loop_init(&err) < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_memory_live, setup_running, teardown),
        cmocka_unit_test_setup_teardown(test_maxmem_next_boot, setup_running, teardown),
        cmocka_unit_test_setup_teardown(test_vcpus, setup_running, teardown),
        cmocka_unit_test_setup_teardown(test_cpu_topology, setup_running, teardown),
        cmocka_unit_test_setup_teardown(test_boot, setup_running, teardown),
        cmocka_unit_test_setup_teardown(test_description_autostart, setup_running, teardown),
        cmocka_unit_test_setup_teardown(test_add_nic, setup_running, teardown),
        cmocka_unit_test_setup_teardown(test_disks, setup_running, teardown),
        cmocka_unit_test_setup_teardown(test_cdrom_running, setup_running, teardown),
        cmocka_unit_test_setup_teardown(test_pin, setup_running, teardown),
        cmocka_unit_test_setup_teardown(test_off_domain, setup_off, teardown),
        cmocka_unit_test_setup_teardown(test_new_volume, setup_running, teardown),
        cmocka_unit_test(test_transient),
        cmocka_unit_test(test_readonly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
