#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/action.h"
#include "backend/conn.h"
#include "backend/conn_priv.h"
#include "backend/create.h"
#include "backend/domxml.h"
#include "backend/loop.h"
#include "core/err.h"
#include "core/str.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The new-domain wizard's backend on libvirt's test driver: the XML of every install source
 * and option is valid against libvirt's schema (kvmdeck's own check and virt-xml-validate)
 * and, where the driver can hold it, defined; creation is all or nothing. */

#define DEFAULT_URI "test:///default"
#define POOL        "default-pool"
#define ODD_NAME    "kd-wiz it's <odd> & \"q\""

static int group_setup(void **state)
{
    (void)state;
    kd_err err;
    return kd_loop_init(&err);
}

static int open_default(void **state)
{
    kd_err err;
    kd_conn *c = kd_conn_open(DEFAULT_URI, false, &err);
    if (!c)
        fprintf(stderr, "%s: %s\n", DEFAULT_URI, err.msg);
    *state = c;
    return c ? 0 : -1;
}

static int close_conn(void **state)
{
    kd_create_fail_at(KD_CREATE_LAST);
    kd_conn_free(*state);
    return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static int xpath_count(const char *xml, const char *expr)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "t.xml", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    int n = r && r->nodesetval ? r->nodesetval->nodeNr : 0;
    if (r && r->type == XPATH_BOOLEAN)
        n = r->boolval;
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return n;
}

#define assert_xpath(xml, expr) assert_true_msg(xpath_count(xml, expr) > 0, xml, expr)
#define refute_xpath(xml, expr) assert_true_msg(xpath_count(xml, expr) == 0, xml, expr)

static void assert_true_msg(bool ok, const char *xml, const char *expr)
{
    if (!ok)
        fail_msg("%s\n--- in:\n%s", expr, xml);
}

/* libvirt's own validator on a temporary file, when it is installed. */
static void virt_xml_validate(const char *xml)
{
    if (access("/usr/bin/virt-xml-validate", X_OK) != 0)
        return;
    char path[] = "/tmp/kd-wizard-XXXXXX.xml";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, xml, strlen(xml)), (ssize_t)strlen(xml));
    close(fd);
    char *cmd = kd_asprintf("/usr/bin/virt-xml-validate %s domain >/dev/null 2>&1", path);
    int rc = system(cmd);
    free(cmd);
    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
        char *again = kd_asprintf("/usr/bin/virt-xml-validate %s domain >&2", path);
        if (system(again) != 0)
            fprintf(stderr, "%s\n", xml);
        free(again);
        unlink(path);
        fail_msg("virt-xml-validate refused the XML");
    }
    unlink(path);
}

static char *build_valid(const kd_domspec *s, const kd_hostcaps *caps, kd_conn *conn)
{
    kd_err err;
    kd_err_clear(&err);
    char *xml = kd_domxml_build(s, caps, &err);
    if (!xml)
        fail_msg("build: %s", err.msg);
    if (kd_dom_validate_xml(conn, xml, &err) < 0)
        fail_msg("schema: %s\n%s", err.msg, xml);
    virt_xml_validate(xml);
    return xml;
}

/* Define on the test driver, read back, undefine: the driver accepted every element. */
static void define_and_check(kd_conn *conn, const char *xml, const char *name)
{
    kd_err err;
    char uuid[37];
    if (kd_dom_define(conn, xml, uuid, &err) < 0)
        fail_msg("define: %s\n%s", err.msg, xml);
    virDomainPtr d = virDomainLookupByName(kd_conn_virt(conn), name);
    assert_non_null(d);
    char *back = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
    assert_non_null(back);
    assert_int_equal(xpath_count(back, "/domain/devices/serial"), 1);
    free(back);
    assert_int_equal(virDomainUndefine(d), 0);
    virDomainFree(d);
}

/* A KVM host with UEFI and secure-boot firmware, as the domain capabilities would say. */
static kd_hostcaps *kvm_caps(void)
{
    kd_hostcaps *c = kd_calloc(1, sizeof(*c));
    c->arch = kd_strdup("x86_64");
    c->virt_type = kd_strdup("kvm");
    c->machine = kd_strdup("q35");
    c->kvm = c->has_qemu = c->uefi = c->secure_boot = true;
    c->max_vcpus = 255;
    c->host_cpus = 4;
    c->host_mem_mib = 8192;
    return c;
}

static kd_domspec *spec_named(const char *name, kd_src_kind src)
{
    kd_domspec *s = kd_domspec_new();
    kd_domspec_set(&s->name, name);
    s->src = src;
    kd_domspec_set(&s->media, "/var/lib/libvirt/images/debian.iso");
    kd_domspec_set(&s->url, "https://deb.example.org:8443/debian/netinst.iso?x=1");
    kd_domspec_set(&s->kernel, "/boot/vmlinuz");
    kd_domspec_set(&s->initrd, "/boot/initrd.img");
    kd_domspec_set(&s->cmdline, "console=ttyS0 root=/dev/vda1");
    kd_domspec_set(&s->disk, "/var/lib/libvirt/images/old.qcow2");
    kd_domspec_set(&s->pool, POOL);
    return s;
}

/* ---- XML per install source --------------------------------------------------------------- */

static void check_source_xml(const char *xml, kd_src_kind src)
{
    switch (src) {
    case KD_SRC_ISO:
        assert_xpath(xml, "/domain/devices/disk[@device='cdrom' and @type='file']/source"
                          "[@file='/var/lib/libvirt/images/debian.iso']");
        assert_xpath(xml, "/domain/devices/disk[@device='cdrom']/boot[@order='1']");
        assert_xpath(xml, "/domain/devices/disk[@device='disk']/boot[@order='2']");
        break;
    case KD_SRC_URL:
        assert_xpath(xml, "/domain/devices/disk[@type='network' and @device='cdrom']/source"
                          "[@protocol='https' and @name='/debian/netinst.iso?x=1']"
                          "/host[@name='deb.example.org' and @port='8443']");
        assert_xpath(xml, "/domain/devices/disk[@device='cdrom']/readonly");
        break;
    case KD_SRC_PXE:
        assert_xpath(xml, "/domain/devices/interface/boot[@order='1']");
        assert_xpath(xml, "/domain/devices/disk[@device='disk']/boot[@order='2']");
        refute_xpath(xml, "/domain/devices/disk[@device='cdrom']");
        break;
    case KD_SRC_IMPORT:
        assert_xpath(xml, "/domain/devices/disk[@device='disk' and @type='file']/source"
                          "[@file='/var/lib/libvirt/images/old.qcow2']");
        assert_xpath(xml, "/domain/devices/disk/driver[@type='qcow2']");
        assert_xpath(xml, "/domain/devices/disk[@device='disk']/boot[@order='1']");
        assert_int_equal(xpath_count(xml, "/domain/devices/disk"), 1);
        break;
    case KD_SRC_KERNEL:
        assert_xpath(xml, "/domain/os[kernel='/boot/vmlinuz' and initrd='/boot/initrd.img' and "
                          "cmdline='console=ttyS0 root=/dev/vda1']");
        refute_xpath(xml, "//boot");
        break;
    default:
        fail();
    }
}

static void test_xml_sources(void **state)
{
    kd_conn *conn = *state;
    kd_err err;
    kd_hostcaps *test_caps = kd_hostcaps_read(conn, &err);
    assert_non_null(test_caps);
    kd_hostcaps *kvm = kvm_caps();
    for (kd_src_kind src = 0; src < KD_SRC_LAST; src++) {
        char name[32];
        snprintf(name, sizeof(name), "kd-wiz-%s", kd_src_kind_name(src));
        kd_domspec *s = spec_named(name, src);
        char *xml = build_valid(s, kvm, conn);
        check_source_xml(xml, src);
        assert_xpath(xml, "/domain[@type='kvm']/os/type[@machine='q35' and @arch='x86_64']");
        assert_xpath(xml, "/domain/cpu[@mode='host-passthrough']");
        free(xml);
        /* The same answers on the test driver's host, defined there. */
        xml = build_valid(s, test_caps, conn);
        check_source_xml(xml, src);
        assert_xpath(xml, "/domain[@type='test']");
        refute_xpath(xml, "/domain/cpu");
        define_and_check(conn, xml, name);
        free(xml);
        kd_domspec_free(s);
    }
    kd_hostcaps_free(kvm);
    kd_hostcaps_free(test_caps);
}

/* ---- XML per option ----------------------------------------------------------------------- */

static void test_xml_defaults(void **state)
{
    kd_hostcaps *kvm = kvm_caps();
    kd_domspec *s = spec_named("kd-wiz-defaults", KD_SRC_ISO);
    char *xml = build_valid(s, kvm, *state);
    assert_xpath(xml, "/domain[name='kd-wiz-defaults']/memory[@unit='MiB' and .='1024']");
    assert_xpath(xml, "/domain/vcpu[.='1']");
    assert_xpath(xml, "/domain/devices/disk[@type='volume' and @device='disk']/source"
                      "[@pool='" POOL "' and @volume='kd-wiz-defaults.qcow2']");
    assert_xpath(xml, "/domain/devices/disk[@device='disk']/target[@bus='virtio' and @dev='vda']");
    assert_xpath(xml, "/domain/devices/disk[@device='cdrom']/target[@bus='sata']");
    assert_xpath(xml, "/domain/devices/interface[@type='network']/source[@network='default']");
    assert_xpath(xml, "/domain/devices/interface/model[@type='virtio']");
    assert_xpath(xml, "/domain/devices/serial[@type='pty']");
    assert_xpath(xml, "/domain/devices/console/target[@type='serial']");
    assert_xpath(xml, "/domain/devices/channel/target[@name='org.qemu.guest_agent.0']");
    assert_xpath(xml, "/domain/devices/rng[@model='virtio']/backend[.='/dev/urandom']");
    assert_xpath(xml, "/domain/devices/graphics[@type='vnc' and @listen='127.0.0.1']");
    refute_xpath(xml, "/domain/devices/graphics/@passwd");
    refute_xpath(xml, "/domain/os/@firmware");
    refute_xpath(xml, "/domain/memoryBacking");
    refute_xpath(xml, "/domain/cputune");
    assert_xpath(xml, "/domain/clock[@offset='utc']");
    free(xml);
    kd_domspec_free(s);
    kd_hostcaps_free(kvm);
}

static void test_xml_options(void **state)
{
    kd_hostcaps *kvm = kvm_caps();
    kd_domspec *s = spec_named(ODD_NAME, KD_SRC_PXE);
    s->memory_mib = 2048;
    s->vcpus = 3;
    s->hugepages = true;
    kd_domspec_set(&s->pin, "1-2");
    s->fw = KD_FW_UEFI;
    kd_domspec_set(&s->vnc_password, "se<c>&'t");
    s->stor = KD_STOR_EXISTING;
    kd_domspec_set(&s->disk, POOL "/data.raw");
    s->nic = KD_NIC_BRIDGE;
    kd_domspec_set(&s->nic_source, "br0");
    s->rng = s->agent = false;
    char *xml = build_valid(s, kvm, *state);
    assert_xpath(xml, "/domain/name[.=concat('kd-wiz it', \"'\", 's <odd> & \"q\"')]");
    assert_xpath(xml, "/domain/memory[.='2048'] | /domain/currentMemory[.='2048']");
    assert_xpath(xml, "/domain/memoryBacking/hugepages");
    assert_int_equal(xpath_count(xml, "/domain/cputune/vcpupin"), 3);
    assert_xpath(xml, "/domain/cputune/vcpupin[@vcpu='0' and @cpuset='1']");
    assert_xpath(xml, "/domain/cputune/vcpupin[@vcpu='1' and @cpuset='2']");
    assert_xpath(xml, "/domain/cputune/vcpupin[@vcpu='2' and @cpuset='1']");
    assert_xpath(xml, "/domain/os[@firmware='efi']");
    refute_xpath(xml, "/domain/os/firmware");
    assert_xpath(xml, "/domain/devices/graphics[@passwd=concat('se<c>&', \"'\", 't')]");
    assert_xpath(xml, "/domain/devices/disk[@type='volume']/source[@pool='" POOL
                      "' and @volume='data.raw']");
    refute_xpath(xml, "/domain/devices/disk/driver/@type");
    assert_xpath(xml, "/domain/devices/interface[@type='bridge']/source[@bridge='br0']");
    refute_xpath(xml, "/domain/devices/channel");
    refute_xpath(xml, "/domain/devices/rng");
    free(xml);

    s->fw = KD_FW_UEFI_SECURE;
    s->nic = KD_NIC_MACVTAP;
    kd_domspec_set(&s->nic_source, "eth0");
    s->vnc = false;
    s->virtio = false;
    s->stor = KD_STOR_NONE;
    kd_domspec_set(&s->os, "win11");
    kd_domspec_set(&s->virt_type, "qemu");
    xml = build_valid(s, kvm, *state);
    assert_xpath(xml, "/domain[@type='qemu']");
    refute_xpath(xml, "/domain/cpu");
    assert_xpath(xml, "/domain/os/firmware/feature[@name='secure-boot' and @enabled='yes']");
    assert_xpath(xml, "/domain/features/smm[@state='on']");
    assert_xpath(xml, "/domain/devices/interface[@type='direct']/source[@dev='eth0' and "
                      "@mode='bridge']");
    assert_xpath(xml, "/domain/devices/interface/model[@type='e1000e']");
    refute_xpath(xml, "/domain/devices/graphics");
    refute_xpath(xml, "/domain/devices/disk");
    assert_xpath(xml, "/domain/devices/serial");
    assert_xpath(xml, "/domain/clock[@offset='localtime']");
    free(xml);

    s->nic = KD_NIC_NONE;
    s->src = KD_SRC_ISO;
    s->stor = KD_STOR_NEW;
    kd_domspec_set(&s->disk_format, "raw");
    xml = build_valid(s, kvm, *state);
    refute_xpath(xml, "/domain/devices/interface");
    assert_xpath(xml, "/domain/devices/disk[@device='disk']/target[@bus='sata']");
    assert_xpath(xml, "/domain/devices/disk/source[@volume=concat('kd-wiz it', \"'\", "
                      "'s <odd> & \"q\".img')]");
    free(xml);
    kd_domspec_free(s);
    kd_hostcaps_free(kvm);
}

static void test_xml_refused(void **state)
{
    (void)state;
    kd_hostcaps *kvm = kvm_caps();
    kd_domspec *s = spec_named("kd-wiz-bad", KD_SRC_URL);
    kd_domspec_set(&s->url, "gopher://example.org/x.iso");
    kd_err err;
    assert_null(kd_domxml_build(s, kvm, &err));
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_non_null(strstr(err.msg, "gopher://"));
    s->src = KD_SRC_ISO;
    kd_domspec_set(&s->pin, "1-x");
    assert_null(kd_domxml_build(s, kvm, &err));
    assert_non_null(strstr(err.msg, "CPU list"));
    kd_domspec_free(s);
    kd_hostcaps_free(kvm);
}

/* ---- the host ------------------------------------------------------------------------------ */

static void test_hostcaps(void **state)
{
    kd_err err;
    kd_hostcaps *c = kd_hostcaps_read(*state, &err);
    assert_non_null(c);
    assert_string_equal(c->virt_type, "test");
    assert_false(c->kvm);
    assert_null(c->machine);
    assert_false(c->uefi);
    assert_true(c->host_cpus > 0);
    assert_true(c->host_mem_mib > 0);

    static const char domcaps[] =
        "<domainCapabilities><domain>kvm</domain><vcpu max='288'/>"
        "<os supported='yes'><enum name='firmware'><value>bios</value><value>efi</value></enum>"
        "<loader supported='yes'><value>/usr/share/OVMF/OVMF_CODE_4M.fd</value>"
        "<value>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</value>"
        "<enum name='secure'><value>no</value></enum></loader></os></domainCapabilities>";
    assert_int_equal(kd_hostcaps_parse_domcaps(c, domcaps, &err), 0);
    assert_int_equal(c->max_vcpus, 288);
    assert_true(c->uefi);
    assert_true(c->secure_boot);
    assert_true(c->kvm);

    /* This machine's QEMU without OVMF: loaders listed, no efi firmware, no secure boot. */
    kd_hostcaps *d = kd_calloc(1, sizeof(*d));
    static const char plain[] =
        "<domainCapabilities><domain>qemu</domain><vcpu max='255'/><os supported='yes'>"
        "<enum name='firmware'/><loader supported='yes'><enum name='secure'><value>no</value>"
        "</enum></loader></os></domainCapabilities>";
    assert_int_equal(kd_hostcaps_parse_domcaps(d, plain, &err), 0);
    assert_false(d->uefi);
    assert_false(d->secure_boot);
    assert_false(d->kvm);
    assert_int_equal(d->max_vcpus, 255);
    assert_int_equal(kd_hostcaps_parse_domcaps(d, "<broken", &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    kd_hostcaps_free(d);
    kd_hostcaps_free(c);
}

/* ---- creation with rollback ------------------------------------------------------------------ */

static bool volume_exists(kd_conn *conn, const char *name)
{
    virStoragePoolPtr p = virStoragePoolLookupByName(kd_conn_virt(conn), POOL);
    assert_non_null(p);
    virStorageVolPtr v = virStorageVolLookupByName(p, name);
    virStoragePoolFree(p);
    if (v)
        virStorageVolFree(v);
    virResetLastError();
    return v != NULL;
}

static int domain_state(kd_conn *conn, const char *name)
{
    virDomainPtr d = virDomainLookupByName(kd_conn_virt(conn), name);
    virResetLastError();
    if (!d)
        return -1;
    int st = -1, reason;
    virDomainGetState(d, &st, &reason, 0);
    virDomainFree(d);
    return st;
}

static void test_create_ok(void **state)
{
    kd_conn *conn = *state;
    kd_err err;
    kd_hostcaps *caps = kd_hostcaps_read(conn, &err);
    kd_domspec *s = spec_named("kd-wiz-create", KD_SRC_PXE);
    s->disk_mib = 64;
    char *xml = build_valid(s, caps, conn);
    char uuid[37] = "";
    if (kd_create_domain(conn, s, xml, true, uuid, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(strlen(uuid), 36);
    assert_true(volume_exists(conn, "kd-wiz-create.qcow2"));
    assert_int_equal(domain_state(conn, "kd-wiz-create"), VIR_DOMAIN_RUNNING);
    /* The same name again: refused at the volume (it exists); nothing of the first is lost. */
    assert_int_equal(kd_create_domain(conn, s, xml, true, NULL, &err), -1);
    assert_true(volume_exists(conn, "kd-wiz-create.qcow2"));
    assert_int_equal(domain_state(conn, "kd-wiz-create"), VIR_DOMAIN_RUNNING);

    /* Without start: defined, shut off. */
    kd_domspec *t = spec_named("kd-wiz-nostart", KD_SRC_KERNEL);
    t->stor = KD_STOR_NONE;
    char *xml2 = build_valid(t, caps, conn);
    assert_int_equal(kd_create_domain(conn, t, xml2, false, NULL, &err), 0);
    assert_int_equal(domain_state(conn, "kd-wiz-nostart"), VIR_DOMAIN_SHUTOFF);
    free(xml2);
    kd_domspec_free(t);
    free(xml);
    kd_domspec_free(s);
    kd_hostcaps_free(caps);
}

static void test_create_rollback(void **state)
{
    kd_conn *conn = *state;
    kd_err err;
    kd_hostcaps *caps = kd_hostcaps_read(conn, &err);
    kd_domspec *s = spec_named("kd-wiz-rollback", KD_SRC_ISO);
    s->disk_mib = 16;
    char *xml = build_valid(s, caps, conn);
    for (kd_create_step step = 0; step < KD_CREATE_LAST; step++) {
        kd_create_fail_at(step);
        kd_err_clear(&err);
        assert_int_equal(kd_create_domain(conn, s, xml, true, NULL, &err), -1);
        assert_non_null(strstr(err.msg, "injected"));
        assert_false(volume_exists(conn, "kd-wiz-rollback.qcow2"));
        assert_int_equal(domain_state(conn, "kd-wiz-rollback"), -1);
    }
    kd_create_fail_at(KD_CREATE_LAST);

    /* A real refusal by libvirt at the define (the name of the driver's running "test"
     * under another UUID): the new volume goes again, and "test" is left alone. */
    char *bad = kd_strdup(xml);
    char *name = strstr(bad, "<name>kd-wiz-rollback</name>");
    assert_non_null(name);
    memcpy(name, "<name>test</name>           ", 28);
    assert_int_equal(kd_create_domain(conn, s, bad, true, NULL, &err), -1);
    assert_int_equal(err.code, KD_ERR_LIBVIRT);
    assert_non_null(strstr(err.msg, "define kd-wiz-rollback"));
    assert_false(volume_exists(conn, "kd-wiz-rollback.qcow2"));
    assert_int_equal(domain_state(conn, "kd-wiz-rollback"), -1);
    assert_int_equal(domain_state(conn, "test"), VIR_DOMAIN_RUNNING);
    free(bad);

    /* And after all that, the same answers succeed. */
    if (kd_create_domain(conn, s, xml, true, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    assert_true(volume_exists(conn, "kd-wiz-rollback.qcow2"));
    assert_int_equal(domain_state(conn, "kd-wiz-rollback"), VIR_DOMAIN_RUNNING);
    free(xml);
    kd_domspec_free(s);
    kd_hostcaps_free(caps);
}

static void test_create_readonly(void **state)
{
    (void)state;
    kd_err err;
    kd_conn *ro = kd_conn_open(DEFAULT_URI, true, &err);
    assert_non_null(ro);
    kd_domspec *s = spec_named("kd-wiz-ro", KD_SRC_PXE);
    assert_int_equal(kd_create_domain(ro, s, "<domain/>", true, NULL, &err), -1);
    assert_int_equal(err.code, KD_ERR_READONLY);
    assert_false(volume_exists(ro, "kd-wiz-ro.qcow2"));
    kd_domspec_free(s);
    kd_conn_free(ro);
}

#define DEFAULT_TEST(fn) cmocka_unit_test_setup_teardown(fn, open_default, close_conn)

int main(void)
{
    const struct CMUnitTest tests[] = {
        DEFAULT_TEST(test_xml_sources),     DEFAULT_TEST(test_xml_defaults),
        DEFAULT_TEST(test_xml_options),     DEFAULT_TEST(test_xml_refused),
        DEFAULT_TEST(test_hostcaps),        DEFAULT_TEST(test_create_ok),
        DEFAULT_TEST(test_create_rollback), DEFAULT_TEST(test_create_readonly),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
