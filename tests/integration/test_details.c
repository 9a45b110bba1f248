#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/conn.h"
#include "backend/details.h"
#include "backend/loop.h"
#include "core/err.h"

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* kd_dom_details_parse on hand-written domain XML (one feature or odd value per test), then
 * kd_dom_details_get on the test driver's hosts. */

#define DEFAULT_URI "test:///default"
#define FIXTURE_URI "test://" KD_FIXTURES_DIR "/hosts.xml"
#define TEST_UUID   "6695eb01-f6a4-8304-79aa-97f2502e193f"
#define ODD_UUID    "77777777-7777-4777-8777-777777777777"
#define ODD_NAME    "it's <odd> & \"quoted\""
#define ODD_XML     "it&apos;s &lt;odd&gt; &amp; &quot;quoted&quot;"

static kd_dom_details *parse_ok(const char *xml)
{
    kd_err err;
    kd_err_clear(&err);
    kd_dom_details *d = kd_dom_details_parse(xml, &err);
    if (!d)
        fail_msg("parse failed: %s", err.msg);
    assert_int_equal(err.code, KD_ERR_NONE);
    return d;
}

static void assert_disk(const kd_disk_info *d, const char *target, const char *device,
                        const char *bus, const char *source, const char *format)
{
    assert_string_equal(d->target, target);
    assert_string_equal(d->device, device);
    assert_string_equal(d->bus, bus);
    assert_string_equal(d->source, source);
    assert_string_equal(d->format, format);
}

static void assert_nic(const kd_nic_info *n, const char *mac, const char *type, const char *source,
                       const char *model)
{
    assert_string_equal(n->mac, mac);
    assert_string_equal(n->type, type);
    assert_string_equal(n->source, source);
    assert_string_equal(n->model, model);
    assert_string_equal(n->ips, "");
}

/* ---- parsing ------------------------------------------------------------------------ */

static const char full_xml[] =
    "<domain type='kvm'>"
    "<name>web1</name>"
    "<description>" ODD_XML "\nsecond line</description>"
    "<os>"
    "<type arch='x86_64' machine='pc-q35-7.2'>hvm</type>"
    "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader>"
    "<nvram>/var/lib/libvirt/qemu/nvram/web1_VARS.fd</nvram>"
    "</os>"
    "<devices>"
    "<emulator>/usr/bin/qemu-system-x86_64</emulator>"
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
    "<source file='/var/lib/images/" ODD_XML ".qcow2'/><target dev='vda' bus='virtio'/></disk>"
    "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
    "<target dev='sda' bus='sata'/><readonly/></disk>"
    "<disk type='volume' device='disk'><driver name='qemu' type='raw'/>"
    "<source pool='fast &amp; big' volume='data.img'/><target dev='vdb' bus='virtio'/></disk>"
    "<disk type='block' device='lun'><source dev='/dev/sdc'/><target dev='sdb' bus='scsi'/></disk>"
    "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
    "<source protocol='rbd' name='pool/image'><host name='ceph1' port='6789'/></source>"
    "<target dev='vdc' bus='virtio'/></disk>"
    "<disk type='dir' device='floppy'><source dir='/srv/floppy'/><target dev='fda'/></disk>"
    "<interface type='network'><mac address='52:54:00:aa:bb:01'/>"
    "<source network='default' portid='0b0e' bridge='virbr0'/><model type='virtio'/></interface>"
    "<interface type='bridge'><mac address='52:54:00:aa:bb:02'/><source bridge='br0'/>"
    "<model type='e1000e'/></interface>"
    "<interface type='direct'><mac address='52:54:00:aa:bb:03'/>"
    "<source dev='eth0' mode='bridge'/><model type='virtio'/></interface>"
    "<interface type='user'><mac address='52:54:00:aa:bb:04'/></interface>"
    "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' "
    "state='connected'/></channel>"
    "<graphics type='vnc' port='5901' autoport='no' listen='127.0.0.1'>"
    "<listen type='address' address='127.0.0.1'/></graphics>"
    "</devices>"
    "</domain>";

static void test_parse_full(void **state)
{
    (void)state;
    kd_dom_details *d = parse_ok(full_xml);
    assert_string_equal(d->os_type, "hvm");
    assert_string_equal(d->arch, "x86_64");
    assert_string_equal(d->machine, "pc-q35-7.2");
    assert_string_equal(d->firmware, "UEFI (secure boot)");
    assert_string_equal(d->emulator, "/usr/bin/qemu-system-x86_64");
    assert_string_equal(d->graphics, "vnc 127.0.0.1:5901");
    assert_string_equal(d->description, ODD_NAME "\nsecond line");
    assert_true(d->guest_agent);
    assert_int_equal(d->uptime_s, -1);

    assert_int_equal(d->ndisks, 6);
    assert_disk(&d->disks[0], "vda", "disk", "virtio", "/var/lib/images/" ODD_NAME ".qcow2",
                "qcow2");
    /* An empty CD-ROM drive has no <source>. */
    assert_disk(&d->disks[1], "sda", "cdrom", "sata", "", "raw");
    assert_disk(&d->disks[2], "vdb", "disk", "virtio", "fast & big/data.img", "raw");
    assert_disk(&d->disks[3], "sdb", "lun", "scsi", "/dev/sdc", "");
    assert_disk(&d->disks[4], "vdc", "disk", "virtio", "rbd:pool/image", "raw");
    assert_disk(&d->disks[5], "fda", "floppy", "", "/srv/floppy", "");

    assert_int_equal(d->nnics, 4);
    assert_nic(&d->nics[0], "52:54:00:aa:bb:01", "network", "default", "virtio");
    assert_nic(&d->nics[1], "52:54:00:aa:bb:02", "bridge", "br0", "e1000e");
    assert_nic(&d->nics[2], "52:54:00:aa:bb:03", "direct", "eth0", "virtio");
    assert_nic(&d->nics[3], "52:54:00:aa:bb:04", "user", "", "");
    kd_dom_details_free(d);
}

static void test_parse_no_devices(void **state)
{
    (void)state;
    kd_dom_details *d = parse_ok("<domain type='qemu'><name>bare</name>"
                                 "<os><type>hvm</type></os></domain>");
    assert_string_equal(d->os_type, "hvm");
    assert_string_equal(d->arch, "");
    assert_string_equal(d->machine, "");
    assert_string_equal(d->firmware, "BIOS");
    assert_string_equal(d->emulator, "");
    assert_string_equal(d->graphics, "");
    assert_string_equal(d->description, "");
    assert_false(d->guest_agent);
    assert_int_equal(d->ndisks, 0);
    assert_int_equal(d->nnics, 0);
    assert_non_null(d->disks);
    assert_non_null(d->nics);
    kd_dom_details_free(d);

    /* Not even <os>: nothing is known, and nothing is made up. */
    d = parse_ok("<domain type='lxc'><devices/></domain>");
    assert_string_equal(d->os_type, "");
    assert_string_equal(d->firmware, "");
    assert_int_equal(d->ndisks, 0);
    kd_dom_details_free(d);
}

typedef struct {
    const char *os;
    const char *want;
} firmware_case;

static void test_parse_firmware(void **state)
{
    (void)state;
    static const firmware_case cases[] = {
        {"<os><type>hvm</type></os>", "BIOS"},
        {"<os firmware='bios'><type>hvm</type></os>", "BIOS"},
        {"<os><type>hvm</type><loader type='rom'>/usr/share/seabios/bios.bin</loader></os>",
         "BIOS"},
        {"<os firmware='efi'><type>hvm</type></os>", "UEFI"},
        {"<os><type>hvm</type><loader readonly='yes' type='pflash'>/x/OVMF_CODE.fd</loader></os>",
         "UEFI"},
        {"<os><type>hvm</type><loader type='pflash' secure='no'>/x/OVMF_CODE.fd</loader></os>",
         "UEFI"},
        {"<os><type>hvm</type><loader type='pflash' secure='yes'>/x/OVMF.ms.fd</loader></os>",
         "UEFI (secure boot)"},
        {"<os firmware='efi'><type>hvm</type><firmware><feature enabled='yes' "
         "name='secure-boot'/></firmware></os>",
         "UEFI (secure boot)"},
        {"<os firmware='efi'><type>hvm</type><firmware><feature enabled='no' "
         "name='secure-boot'/></firmware></os>",
         "UEFI"},
        {"<os><type>hvm</type><kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd</initrd>"
         "<cmdline>console=ttyS0</cmdline></os>",
         "direct kernel boot"},
        /* A kernel handed to UEFI firmware is still booted directly. */
        {"<os firmware='efi'><type>hvm</type><kernel>/boot/vmlinuz</kernel></os>",
         "direct kernel boot"},
        {"<os><type>hvm</type><kernel>  </kernel></os>", "BIOS"},
        {"<os><type>exe</type><init>/sbin/init</init></os>", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *xml = NULL;
        if (asprintf(&xml, "<domain type='kvm'><name>f</name>%s</domain>", cases[i].os) < 0)
            fail();
        kd_dom_details *d = parse_ok(xml);
        if (strcmp(d->firmware, cases[i].want) != 0)
            fail_msg("%s: got '%s', expected '%s'", cases[i].os, d->firmware, cases[i].want);
        kd_dom_details_free(d);
        free(xml);
    }
}

typedef struct {
    const char *devices;
    const char *want;
} graphics_case;

static void test_parse_graphics(void **state)
{
    (void)state;
    static const graphics_case cases[] = {
        {"", ""},
        {"<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>",
         "vnc (autoport, not running)"},
        {"<graphics type='vnc' autoport='yes'/>", "vnc (autoport, not running)"},
        {"<graphics type='vnc' port='5900' autoport='yes' listen='0.0.0.0'/>", "vnc 0.0.0.0:5900"},
        {"<graphics type='vnc' port='5903'><listen type='address' address='::1'/></graphics>",
         "vnc [::1]:5903"},
        {"<graphics type='vnc' port='5904'/>", "vnc port 5904"},
        {"<graphics type='vnc' socket='/run/vnc &amp; co.sock'/>", "vnc socket /run/vnc & co.sock"},
        {"<graphics type='vnc'><listen type='socket' socket='/run/v.sock'/></graphics>",
         "vnc socket /run/v.sock"},
        {"<graphics type='spice' autoport='yes'/>", "spice (autoport, not running)"},
        {"<graphics type='spice' port='5902' tlsPort='5903' listen='127.0.0.1'/>",
         "spice 127.0.0.1:5902 (tls 5903)"},
        {"<graphics type='spice' port='-1' tlsPort='5905' listen='127.0.0.1'/>",
         "spice 127.0.0.1:5905"},
        {"<graphics type='vnc' port='5901' listen='127.0.0.1'/>"
         "<graphics type='spice' autoport='yes'/>",
         "vnc 127.0.0.1:5901, spice (autoport, not running)"},
        {"<graphics type='egl-headless'/>", "egl-headless"},
        {"<graphics type='vnc'><listen type='none'/></graphics>", "vnc"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *xml = NULL;
        if (asprintf(&xml,
                     "<domain type='kvm'><name>g</name><os><type>hvm</type></os>"
                     "<devices>%s</devices></domain>",
                     cases[i].devices) < 0)
            fail();
        kd_dom_details *d = parse_ok(xml);
        if (strcmp(d->graphics, cases[i].want) != 0)
            fail_msg("%s: got '%s', expected '%s'", cases[i].devices, d->graphics, cases[i].want);
        kd_dom_details_free(d);
        free(xml);
    }
}

static void test_parse_odd_devices(void **state)
{
    (void)state;
    kd_dom_details *d = parse_ok(
        "<domain type='kvm'><name>odd</name><os><type>hvm</type></os><devices>"
        /* No device attribute means a disk; no driver means no format. */
        "<disk type='file'><source file='/a b/c.img'/><target dev='hda'/></disk>"
        "<disk type='volume' device='cdrom'><target dev='hdc' bus='ide'/></disk>"
        "<interface type='vhostuser'><source type='unix' path='/run/vh.sock' mode='client'/>"
        "</interface>"
        "<interface type='network'><mac address='52:54:00:00:00:09'/>"
        "<source network='n &lt;1&gt;'/></interface>"
        "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' "
        "state='disconnected'/></channel>"
        "</devices></domain>");
    assert_int_equal(d->ndisks, 2);
    assert_disk(&d->disks[0], "hda", "disk", "", "/a b/c.img", "");
    assert_disk(&d->disks[1], "hdc", "cdrom", "ide", "", "");
    assert_int_equal(d->nnics, 2);
    assert_nic(&d->nics[0], "", "vhostuser", "/run/vh.sock", "");
    assert_nic(&d->nics[1], "52:54:00:00:00:09", "network", "n <1>", "");
    /* An agent known to be away is not asked. */
    assert_false(d->guest_agent);
    kd_dom_details_free(d);

    /* A channel that does not say is worth asking. */
    d = parse_ok("<domain><devices><channel type='unix'><target type='virtio' "
                 "name='org.qemu.guest_agent.0'/></channel></devices></domain>");
    assert_true(d->guest_agent);
    kd_dom_details_free(d);
}

static void expect_invalid(const char *xml, const char *needle)
{
    kd_err err;
    kd_err_clear(&err);
    kd_dom_details *d = kd_dom_details_parse(xml, &err);
    if (d)
        fail_msg("'%s' was accepted", xml);
    assert_int_equal(err.code, KD_ERR_INVALID);
    if (!strstr(err.msg, needle))
        fail_msg("'%s': message '%s' lacks '%s'", xml, err.msg, needle);
}

static void test_parse_bad(void **state)
{
    (void)state;
    expect_invalid("", "empty");
    expect_invalid("<domain><name>x</name>", "domain XML, line 1");
    expect_invalid("<domain>\n<name>a & b</name></domain>", "line 2");
    expect_invalid("<network><name>default</name></network>", "<network>");
    expect_invalid("not xml at all", "domain XML");
    kd_dom_details_free(NULL);
}

/* ---- reading a live domain ---------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    kd_err err;
    kd_err_clear(&err);
    if (kd_loop_init(&err) < 0) {
        fprintf(stderr, "kd_loop_init: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static kd_conn *open_ok(const char *uri)
{
    kd_err err;
    kd_err_clear(&err);
    kd_conn *c = kd_conn_open(uri, false, &err);
    if (!c)
        fail_msg("%s: %s", uri, err.msg);
    return c;
}

static kd_dom_details *get_ok(kd_conn *c, const char *uuid)
{
    kd_err err;
    kd_err_clear(&err);
    kd_dom_details *d = kd_dom_details_get(c, uuid, &err);
    if (!d)
        fail_msg("kd_dom_details_get %s: %s", uuid, err.msg);
    return d;
}

static void test_get_default(void **state)
{
    (void)state;
    kd_conn *c = open_ok(DEFAULT_URI);
    kd_dom_details *d = get_ok(c, TEST_UUID);
    assert_string_equal(d->os_type, "hvm");
    assert_string_equal(d->arch, "i686");
    assert_string_equal(d->firmware, "BIOS");
    assert_string_equal(d->graphics, "");
    assert_string_equal(d->description, "");
    assert_int_equal(d->ndisks, 1);
    assert_disk(&d->disks[0], "vda", "disk", "virtio", "/guest/diskimage1", "");
    assert_int_equal(d->nnics, 1);
    assert_string_equal(d->nics[0].mac, "aa:bb:cc:dd:ee:ff");
    assert_string_equal(d->nics[0].type, "network");
    assert_string_equal(d->nics[0].source, "default");
    /* The test driver answers every address source alike: the address is listed once,
     * from the first source that knew it. */
    assert_string_equal(d->nics[0].ips, "192.168.122.3/24 (lease)");
    /* Uptime is only known for local qemu domains. */
    assert_int_equal(d->uptime_s, -1);
    kd_dom_details_free(d);
    kd_conn_free(c);
}

static void test_get_stopped(void **state)
{
    /* A domain that is not running has no addresses to ask for. */
    (void)state;
    kd_conn *c = open_ok(DEFAULT_URI);
    virConnectPtr raw = virConnectOpen(DEFAULT_URI);
    assert_non_null(raw);
    virDomainPtr dom = virDomainLookupByUUIDString(raw, TEST_UUID);
    assert_non_null(dom);
    assert_int_equal(virDomainDestroy(dom), 0);

    kd_dom_details *d = get_ok(c, TEST_UUID);
    assert_int_equal(d->nnics, 1);
    assert_string_equal(d->nics[0].ips, "");
    assert_int_equal(d->uptime_s, -1);
    kd_dom_details_free(d);

    assert_int_equal(virDomainCreate(dom), 0);
    virDomainFree(dom);
    virConnectClose(raw);
    kd_conn_free(c);
}

static void test_get_fixture_odd_name(void **state)
{
    (void)state;
    kd_conn *c = open_ok(FIXTURE_URI);
    const kd_domain *kd = kd_conn_domain_by_uuid(c, ODD_UUID);
    assert_non_null(kd);
    assert_string_equal(kd->name, ODD_NAME);
    kd_dom_details *d = get_ok(c, ODD_UUID);
    assert_string_equal(d->os_type, "hvm");
    assert_string_equal(d->firmware, "BIOS");
    assert_string_equal(d->description, "");
    assert_int_equal(d->ndisks, 0);
    assert_int_equal(d->nnics, 0);
    assert_string_equal(d->graphics, "");
    assert_int_equal(d->uptime_s, -1);
    kd_dom_details_free(d);

    /* A shut-off domain of the same host. */
    d = get_ok(c, "33333333-3333-4333-8333-333333333333");
    assert_string_equal(d->os_type, "hvm");
    assert_int_equal(d->nnics, 0);
    kd_dom_details_free(d);
    kd_conn_free(c);
}

static void test_get_description(void **state)
{
    (void)state;
    kd_conn *c = open_ok(DEFAULT_URI);
    virConnectPtr raw = virConnectOpen(DEFAULT_URI);
    assert_non_null(raw);
    virDomainPtr dom = virDomainLookupByUUIDString(raw, TEST_UUID);
    assert_non_null(dom);
    const char *text = "web & db <primary> \"it's\"";
    assert_int_equal(
        virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_DESCRIPTION, text, NULL, NULL, 0), 0);
    kd_dom_details *d = get_ok(c, TEST_UUID);
    assert_string_equal(d->description, text);
    kd_dom_details_free(d);
    virDomainFree(dom);
    virConnectClose(raw);
    kd_conn_free(c);
}

static void test_get_missing(void **state)
{
    (void)state;
    kd_conn *c = open_ok(DEFAULT_URI);
    kd_err err;
    kd_err_clear(&err);
    assert_null(kd_dom_details_get(c, "00000000-0000-4000-8000-000000000000", &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "00000000-0000-4000-8000-000000000000"));
    kd_conn_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full),           cmocka_unit_test(test_parse_no_devices),
        cmocka_unit_test(test_parse_firmware),       cmocka_unit_test(test_parse_graphics),
        cmocka_unit_test(test_parse_odd_devices),    cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_get_default),          cmocka_unit_test(test_get_stopped),
        cmocka_unit_test(test_get_fixture_odd_name), cmocka_unit_test(test_get_description),
        cmocka_unit_test(test_get_missing),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
