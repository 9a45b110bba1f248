#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/hwedit.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OK(call)                                                                                   \
    do {                                                                                           \
        if ((call) != 0)                                                                           \
            fail_msg("%s: %s", #call, err.msg);                                                    \
    } while (0)

/* The hardware editor's validators, its model of a domain XML, and its edits of an XML held
 * in memory (the new-domain wizard's "Customize before install"). */

static const char full_xml[] =
    "<domain type='kvm'>"
    "<name>full</name>"
    "<description>a &lt;b&gt; &amp; \"c\"</description>"
    "<memory unit='GiB'>4</memory>"
    "<currentMemory unit='MiB'>2048</currentMemory>"
    "<vcpu placement='static' current='2'>4</vcpu>"
    "<cputune><vcpupin vcpu='0' cpuset='0-1'/><vcpupin vcpu='1' cpuset='2'/></cputune>"
    "<os><type arch='x86_64'>hvm</type><boot dev='cdrom'/><boot dev='hd'/>"
    "<bootmenu enable='yes'/></os>"
    "<cpu mode='custom' match='exact'><model>Skylake-Client</model>"
    "<topology sockets='2' cores='2' threads='1'/></cpu>"
    "<devices>"
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>"
    "<source file='/var/lib/libvirt/images/full.qcow2'/><target dev='vda' bus='virtio'/>"
    "<iotune><total_bytes_sec>1000000</total_bytes_sec><read_iops_sec>50</read_iops_sec>"
    "</iotune></disk>"
    "<disk type='volume' device='disk'><source pool='p' volume='v&amp;1'/>"
    "<target dev='vdb' bus='virtio'/><boot order='1'/></disk>"
    "<disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>"
    "<interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/>"
    "<model type='virtio'/></interface>"
    "<interface type='bridge'><source bridge='br0'/></interface>"
    "<interface type='direct'><mac address='52:54:00:00:00:01'/>"
    "<source dev='eth0' mode='bridge'/><model type='e1000'/></interface>"
    "</devices></domain>";

static const char small_xml[] = "<domain type='kvm'><name>new &amp; odd</name>"
                                "<memory unit='KiB'>1048576</memory>"
                                "<vcpu>2</vcpu><os><type>hvm</type><boot dev='hd'/></os>"
                                "<devices><disk type='file' device='disk'>"
                                "<source file='/img/a.qcow2'/><target dev='vda' bus='virtio'/>"
                                "</disk></devices></domain>";

/* ---- validators ---- */

static void test_mac(void **state)
{
    (void)state;
    kd_err err;
    assert_int_equal(kd_hw_check_mac("52:54:00:12:ab:CD", &err), 0);
    const char *bad[] = {"",
                         "52:54:00:12:ab",
                         "52-54-00-12-ab-cd",
                         "52:54:00:12:ab:cd:",
                         "zz:54:00:12:ab:cd",
                         "5:254:00:12:ab:cd",
                         "52:54:00:12:ab:c"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kd_err_clear(&err);
        assert_int_equal(kd_hw_check_mac(bad[i], &err), -1);
        assert_int_equal(err.code, KD_ERR_INVALID);
        assert_non_null(strstr(err.msg, "hex pairs"));
    }
    assert_int_equal(kd_hw_check_mac("01:00:5e:00:00:01", &err), -1);
    assert_non_null(strstr(err.msg, "multicast"));
    assert_int_equal(kd_hw_check_mac("00:00:00:00:00:00", &err), -1);
    char mac[18], other[18];
    kd_hw_mac_generate(mac);
    kd_hw_mac_generate(other);
    assert_int_equal(strncmp(mac, "52:54:00:", 9), 0);
    assert_int_equal(kd_hw_check_mac(mac, &err), 0);
    assert_string_not_equal(mac, other);
}

static void test_topology(void **state)
{
    (void)state;
    kd_err err;
    assert_int_equal(kd_hw_check_topology(2, 2, 1, 4, &err), 0);
    assert_int_equal(kd_hw_check_topology(0, 0, 0, 4, &err), 0); /* none */
    assert_int_equal(kd_hw_check_topology(2, 2, 2, 4, &err), -1);
    assert_non_null(strstr(err.msg, "2 x 2 x 2 = 8"));
    assert_non_null(strstr(err.msg, "not the maximum vCPUs (4)"));
    assert_int_equal(kd_hw_check_topology(1, 0, 4, 4, &err), -1);
    assert_non_null(strstr(err.msg, "at least 1"));
}

static void test_memory_vcpus(void **state)
{
    (void)state;
    kd_err err;
    assert_int_equal(kd_hw_check_memory(1024, 2048, &err), 0);
    assert_int_equal(kd_hw_check_memory(2048, 2048, &err), 0);
    assert_int_equal(kd_hw_check_memory(4096 * 1024, 2048 * 1024, &err), -1);
    assert_non_null(strstr(err.msg, "4096 MiB"));
    assert_non_null(strstr(err.msg, "maximum memory (2048 MiB)"));
    assert_int_equal(kd_hw_check_memory(0, 2048, &err), -1);
    assert_int_equal(kd_hw_check_vcpus(2, 4, &err), 0);
    assert_int_equal(kd_hw_check_vcpus(5, 4, &err), -1);
    assert_int_equal(kd_hw_check_vcpus(0, 4, &err), -1);
}

static void test_cpuset(void **state)
{
    (void)state;
    kd_err err;
    const char *good[] = {"0", "0-3", "0-3,^2", "1,3,5", "0-1,3"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(kd_hw_check_cpuset(good[i], 8, &err), 0);
    const char *bad[] = {"", "a", "3-1", "0,", ",0", "^2", "0-", "8", "0-8", "1;2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kd_err_clear(&err);
        assert_int_equal(kd_hw_check_cpuset(bad[i], 8, &err), -1);
        assert_non_null(strstr(err.msg, "0 to 7"));
    }
    assert_int_equal(kd_hw_check_cpuset("64", 0, &err), 0); /* no bound known */
}

/* ---- the model ---- */

static void test_model_parse(void **state)
{
    (void)state;
    kd_err err;
    kd_hw_model *m = kd_hw_model_parse(full_xml, &err);
    assert_non_null(m);
    assert_string_equal(m->name, "full");
    assert_string_equal(m->description, "a <b> & \"c\"");
    assert_int_equal(m->maxmem_kib, 4ULL << 20);
    assert_int_equal(m->mem_kib, 2048ULL * 1024);
    assert_int_equal(m->vcpus, 2);
    assert_int_equal(m->maxvcpus, 4);
    assert_int_equal(m->cpu_mode, KD_HW_CPU_CUSTOM);
    assert_string_equal(m->cpu_model, "Skylake-Client");
    assert_int_equal(m->sockets * 100 + m->cores * 10 + m->threads, 221);
    assert_int_equal(m->nboot, 2);
    assert_string_equal(m->boot_devs[0], "cdrom");
    assert_string_equal(m->boot_devs[1], "hd");
    assert_true(m->bootmenu);
    assert_int_equal(m->npins, 2);
    assert_int_equal(m->pins[1].vcpu, 1);
    assert_string_equal(m->pins[0].cpuset, "0-1");
    assert_int_equal(m->ndisks, 3);
    const kd_hw_disk *d = kd_hw_model_disk(m, "vda");
    assert_string_equal(d->format, "qcow2");
    assert_string_equal(d->cache, "none");
    assert_string_equal(d->source, "/var/lib/libvirt/images/full.qcow2");
    assert_int_equal(d->iotune.total_bytes_sec, 1000000);
    assert_int_equal(d->iotune.read_iops_sec, 50);
    assert_int_equal(d->iotune.write_iops_sec, 0);
    d = kd_hw_model_disk(m, "vdb");
    assert_string_equal(d->type, "volume");
    assert_string_equal(d->source, "p/v&1");
    assert_int_equal(d->boot_order, 1);
    d = kd_hw_model_disk(m, "sda");
    assert_string_equal(d->device, "cdrom");
    assert_string_equal(d->source, "");
    assert_true(d->readonly);
    assert_int_equal(m->nnics, 3);
    assert_string_equal(m->nics[0].source, "default");
    assert_string_equal(m->nics[0].model, "virtio");
    assert_string_equal(m->nics[1].type, "bridge");
    assert_string_equal(m->nics[1].source, "br0");
    assert_string_equal(m->nics[1].mac, "");
    assert_string_equal(kd_hw_model_nic(m, "52:54:00:00:00:01")->source, "eth0");
    assert_null(kd_hw_model_nic(m, "52:54:00:00:00:02"));
    kd_hw_model_free(m);

    assert_null(kd_hw_model_parse("<network/>", &err));
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_null(kd_hw_model_parse("<domain", &err));
}

static void test_next_target(void **state)
{
    (void)state;
    kd_err err;
    kd_hw_model *m = kd_hw_model_parse(full_xml, &err);
    assert_non_null(m);
    char *t = kd_hw_model_next_target(m, "virtio");
    assert_string_equal(t, "vdc");
    free(t);
    t = kd_hw_model_next_target(m, "sata");
    assert_string_equal(t, "sdb");
    free(t);
    t = kd_hw_model_next_target(m, "ide");
    assert_string_equal(t, "hda");
    free(t);
    /* Past z comes aa, as Linux names them. */
    kd_hw_disk many[27];
    memset(many, 0, sizeof(many));
    kd_hw_model fake = {.disks = many, .ndisks = 26};
    char names[26][8];
    for (int i = 0; i < 26; i++) {
        snprintf(names[i], sizeof(names[i]), "vd%c", 'a' + i);
        many[i].target = names[i];
    }
    t = kd_hw_model_next_target(&fake, "virtio");
    assert_string_equal(t, "vdaa");
    free(t);
    kd_hw_model_free(m);
}

static void test_device_xml(void **state)
{
    (void)state;
    kd_err err;
    kd_hw_disk_spec disk = {.path = "/img/it's <odd> & \"q\".img", .cache = "none"};
    char *x = kd_hw_disk_xml(&disk, "vdb", &err);
    assert_non_null(x);
    assert_non_null(strstr(x, "file=\"/img/it's &lt;odd&gt; &amp; &quot;q&quot;.img\""));
    assert_non_null(strstr(x, "<target dev=\"vdb\" bus=\"virtio\"/>"));
    assert_non_null(strstr(x, "cache=\"none\""));
    assert_non_null(strstr(x, "type=\"raw\""));
    free(x);
    kd_hw_disk_spec vol = {.pool = "p", .volume = "v", .format = "qcow2"};
    x = kd_hw_disk_xml(&vol, "vdc", &err);
    assert_non_null(strstr(x, "<disk device=\"disk\" type=\"volume\">"));
    assert_non_null(strstr(x, "pool=\"p\" volume=\"v\""));
    free(x);
    kd_hw_disk_spec cd = {.device = "cdrom"};
    x = kd_hw_disk_xml(&cd, "sdb", &err);
    assert_non_null(strstr(x, "bus=\"sata\""));
    assert_non_null(strstr(x, "<readonly/>"));
    assert_null(strstr(x, "<source"));
    free(x);
    kd_hw_disk_spec nosrc = {.device = "disk"};
    assert_null(kd_hw_disk_xml(&nosrc, "vdd", &err));
    assert_non_null(strstr(err.msg, "file or a volume"));
    kd_hw_disk_spec cdvirtio = {.device = "cdrom", .bus = "virtio"};
    assert_null(kd_hw_disk_xml(&cdvirtio, "vdd", &err));

    kd_hw_nic_spec nic = {.type = "bridge", .source = "br<0>", .model = "virtio"};
    x = kd_hw_nic_xml(&nic, "52:54:00:01:02:03", &err);
    assert_non_null(strstr(x, "<source bridge=\"br&lt;0&gt;\"/>"));
    assert_non_null(strstr(x, "<mac address=\"52:54:00:01:02:03\"/>"));
    free(x);
    kd_hw_nic_spec user = {.type = "user", .source = "x"};
    assert_null(kd_hw_nic_xml(&user, NULL, &err));
    kd_hw_nic_spec nosource = {.type = "network"};
    assert_null(kd_hw_nic_xml(&nosource, NULL, &err));
    assert_non_null(strstr(err.msg, "network's name"));
    assert_null(kd_hw_nic_xml(&nic, "52:54:00:01:02", &err));
}

/* ---- an XML in memory ---- */

static kd_hwed *open_mem(void)
{
    kd_err err;
    kd_hwed *ed = kd_hwed_open_xml(NULL, small_xml, &err);
    if (!ed)
        fail_msg("open: %s", err.msg);
    assert_true(kd_hwed_in_memory(ed));
    assert_null(kd_hwed_live(ed));
    return ed;
}

static kd_hw_model *reparse(kd_hwed *ed)
{
    kd_err err;
    char *xml = kd_hwed_xml(ed, &err);
    assert_non_null(xml);
    kd_hw_model *m = kd_hw_model_parse(xml, &err);
    free(xml);
    assert_non_null(m);
    return m;
}

static void test_mem_overview(void **state)
{
    (void)state;
    kd_hwed *ed = open_mem();
    kd_err err;
    kd_hw_result res;
    /* Nothing changed yet: the XML comes back exactly as given. */
    char *same = kd_hwed_xml(ed, &err);
    assert_string_equal(same, small_xml);
    free(same);
    OK(kd_hwed_set_memory(ed, 512 * 1024, 2048 * 1024, &res, &err));
    assert_int_equal(res.applied, KD_HW_XML);
    OK(kd_hwed_set_vcpus(ed, 2, 4, &res, &err));
    OK(kd_hwed_set_cpu(ed, KD_HW_CPU_HOST_PASSTHROUGH, NULL, 1, 2, 2, &res, &err));
    const char *boot[] = {"network", "hd"};
    OK(kd_hwed_set_boot(ed, boot, 2, true, &res, &err));
    OK(kd_hwed_set_description(ed, "for <tests> & \"more\"", &res, &err));
    OK(kd_hwed_pin_vcpu(ed, 3, "0-1", &res, &err));
    kd_hw_model *m = reparse(ed);
    assert_int_equal(m->mem_kib, 512 * 1024);
    assert_int_equal(m->maxmem_kib, 2048 * 1024);
    assert_int_equal(m->vcpus, 2);
    assert_int_equal(m->maxvcpus, 4);
    assert_int_equal(m->cpu_mode, KD_HW_CPU_HOST_PASSTHROUGH);
    assert_int_equal(m->cores, 2);
    assert_int_equal(m->nboot, 2);
    assert_string_equal(m->boot_devs[0], "network");
    assert_true(m->bootmenu);
    assert_string_equal(m->description, "for <tests> & \"more\"");
    assert_int_equal(m->npins, 1);
    assert_string_equal(m->pins[0].cpuset, "0-1");
    assert_string_equal(m->name, "new & odd");
    kd_hw_model_free(m);
    char *xml = kd_hwed_xml(ed, &err);
    assert_null(strstr(xml, "<?xml"));
    assert_non_null(strstr(xml, "<name>new &amp; odd</name>"));
    free(xml);

    /* Refusals leave the XML as it was. */
    char *before = kd_hwed_xml(ed, &err);
    assert_int_equal(kd_hwed_set_memory(ed, 4096 * 1024, 2048 * 1024, &res, &err), -1);
    assert_int_equal(kd_hwed_set_cpu(ed, KD_HW_CPU_CUSTOM, "", 0, 0, 0, &res, &err), -1);
    assert_non_null(strstr(err.msg, "model name"));
    assert_int_equal(kd_hwed_set_cpu(ed, KD_HW_CPU_DEFAULT, NULL, 3, 1, 1, &res, &err), -1);
    const char *badboot[] = {"usb"};
    assert_int_equal(kd_hwed_set_boot(ed, badboot, 1, false, &res, &err), -1);
    assert_int_equal(kd_hwed_pin_vcpu(ed, 4, "0", &res, &err), -1);
    assert_int_equal(kd_hwed_set_autostart(ed, true, &res, &err), -1);
    assert_non_null(strstr(err.msg, "defined"));
    char *after = kd_hwed_xml(ed, &err);
    assert_string_equal(before, after);
    free(before);
    free(after);
    kd_hwed_free(ed);
}

static void test_mem_devices(void **state)
{
    (void)state;
    kd_hwed *ed = open_mem();
    kd_err err;
    kd_hw_result res;
    kd_hw_disk_spec disk = {.path = "/img/b.img"};
    OK(kd_hwed_add_disk(ed, &disk, &res, &err));
    kd_hw_disk_spec cd = {.device = "cdrom"};
    OK(kd_hwed_add_disk(ed, &cd, &res, &err));
    kd_hw_nic_spec nic = {.type = "network", .source = "default", .model = "virtio"};
    OK(kd_hwed_add_nic(ed, &nic, &res, &err));
    kd_hw_nic_spec badmac = {.type = "network", .source = "default", .mac = "52:54:00:zz:00:00"};
    assert_int_equal(kd_hwed_add_nic(ed, &badmac, &res, &err), -1);
    kd_hw_model *m = reparse(ed);
    assert_int_equal(m->ndisks, 3);
    assert_string_equal(m->disks[1].target, "vdb");
    assert_string_equal(m->disks[2].target, "sda");
    assert_int_equal(m->nnics, 1);
    assert_int_equal(strncmp(m->nics[0].mac, "52:54:00:", 9), 0);
    char mac[18];
    snprintf(mac, sizeof(mac), "%s", m->nics[0].mac);
    kd_hw_model_free(m);

    OK(kd_hwed_change_media(ed, "sda", "/iso/x.iso", NULL, NULL, &res, &err));
    assert_string_equal(kd_hw_model_disk(kd_hwed_config(ed), "sda")->source, "/iso/x.iso");
    assert_int_equal(kd_hwed_change_media(ed, "vda", "/iso/x.iso", NULL, NULL, &res, &err), -1);
    kd_hw_iotune io = {.total_iops_sec = 100};
    OK(kd_hwed_set_disk(ed, "vdb", "sata", "writeback", &io, &res, &err));
    const kd_hw_disk *d = kd_hw_model_disk(kd_hwed_config(ed), "vdb");
    assert_string_equal(d->bus, "sata");
    assert_string_equal(d->cache, "writeback");
    assert_int_equal(d->iotune.total_iops_sec, 100);
    kd_hw_nic_spec bridge = {.type = "bridge", .source = "br0"};
    OK(kd_hwed_set_nic(ed, mac, &bridge, &res, &err));
    assert_string_equal(kd_hw_model_nic(kd_hwed_config(ed), mac)->source, "br0");
    OK(kd_hwed_change_media(ed, "sda", NULL, NULL, NULL, &res, &err));
    assert_string_equal(kd_hw_model_disk(kd_hwed_config(ed), "sda")->source, "");
    OK(kd_hwed_remove_nic(ed, mac, &res, &err));
    OK(kd_hwed_remove_disk(ed, "vdb", &res, &err));
    assert_int_equal(kd_hwed_remove_disk(ed, "vdb", &res, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_int_equal(kd_hwed_config(ed)->ndisks, 2);
    assert_int_equal(kd_hwed_config(ed)->nnics, 0);
    kd_hwed_free(ed);

    assert_null(kd_hwed_open_xml(NULL, "not xml", &err));
    assert_int_equal(err.code, KD_ERR_INVALID);
}

static void test_result_text(void **state)
{
    (void)state;
    char buf[512];
    kd_hw_result r = {.applied = KD_HW_LIVE};
    kd_hw_result_text(&r, buf, sizeof(buf));
    assert_string_equal(buf, "applied live and saved in the config");
    r.applied = KD_HW_NEXT_BOOT;
    snprintf(r.why, sizeof(r.why), "not supported");
    kd_hw_result_text(&r, buf, sizeof(buf));
    assert_string_equal(buf, "saved in the config; applies at next boot (live: not supported)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mac),          cmocka_unit_test(test_topology),
        cmocka_unit_test(test_memory_vcpus), cmocka_unit_test(test_cpuset),
        cmocka_unit_test(test_model_parse),  cmocka_unit_test(test_next_target),
        cmocka_unit_test(test_device_xml),   cmocka_unit_test(test_mem_overview),
        cmocka_unit_test(test_mem_devices),  cmocka_unit_test(test_result_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
