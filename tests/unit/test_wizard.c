#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/domxml.h"
#include "core/err.h"
#include "core/str.h"
#include "store/preset.h"
#include "store/store.h"
#include "ui/wizard_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The wizard's checks of each answer, the answers as preset text, OS variants and the
 * presets in the store: everything that needs no hypervisor. */

static kd_hostcaps caps = {.host_cpus = 4, .host_mem_mib = 8192, .max_vcpus = 2};

static void expect_bad(int rc, const kd_err *err, const char *needle)
{
    assert_int_equal(rc, -1);
    assert_int_equal(err->code, KD_ERR_INVALID);
    if (!strstr(err->msg, needle))
        fail_msg("'%s' lacks '%s'", err->msg, needle);
}

static void test_check_name(void **state)
{
    (void)state;
    kd_err err;
    assert_int_equal(kd_domspec_check_name(NULL, "web-1", &err), 0);
    assert_int_equal(kd_domspec_check_name(NULL, "it's <odd> & \"q\"", &err), 0);
    expect_bad(kd_domspec_check_name(NULL, "", &err), &err, "empty");
    expect_bad(kd_domspec_check_name(NULL, "a/b", &err), &err, "'/'");
    expect_bad(kd_domspec_check_name(NULL, "a\tb", &err), &err, "control");
    expect_bad(kd_domspec_check_name(NULL, " lead", &err), &err, "space");
    char longname[80];
    memset(longname, 'x', 65);
    longname[65] = '\0';
    expect_bad(kd_domspec_check_name(NULL, longname, &err), &err, "at most 64");
    longname[64] = '\0';
    assert_int_equal(kd_domspec_check_name(NULL, longname, &err), 0);
}

static void test_check_figures(void **state)
{
    (void)state;
    kd_err err;
    assert_int_equal(kd_domspec_check_memory(&caps, 2048, &err), 0);
    assert_int_equal(kd_domspec_check_memory(&caps, 8192, &err), 0);
    expect_bad(kd_domspec_check_memory(&caps, 8193, &err), &err, "host's memory (8192 MiB)");
    expect_bad(kd_domspec_check_memory(&caps, 0, &err), &err, "too little");
    assert_int_equal(kd_domspec_check_vcpus(&caps, 2, &err), 0);
    expect_bad(kd_domspec_check_vcpus(&caps, 0, &err), &err, "at least one");
    expect_bad(kd_domspec_check_vcpus(&caps, 3, &err), &err, "hypervisor allows (2)");
    caps.max_vcpus = 0;
    expect_bad(kd_domspec_check_vcpus(&caps, 5, &err), &err, "host's 4 CPUs");
    assert_int_equal(kd_domspec_check_vcpus(&caps, 4, &err), 0);
    caps.max_vcpus = 2;

    /* Huge pages: unknown counts are not held against the user. */
    assert_int_equal(kd_domspec_check_hugepages(&caps, 1024, &err), 0);
    caps.hugepages_known = true;
    caps.hugepages_free_mib = 1024;
    assert_int_equal(kd_domspec_check_hugepages(&caps, 1024, &err), 0);
    expect_bad(kd_domspec_check_hugepages(&caps, 1025, &err), &err, "1024 MiB of free huge pages");
    caps.hugepages_known = false;

    assert_int_equal(kd_domspec_check_pin("", 4, &err), 0);
    assert_int_equal(kd_domspec_check_pin("0-1,3", 4, &err), 0);
    expect_bad(kd_domspec_check_pin("0-4", 4, &err), &err, "CPUs 0 to 3");
    expect_bad(kd_domspec_check_pin("3-1", 4, &err), &err, "CPU list");
    expect_bad(kd_domspec_check_pin("1,,2", 4, &err), &err, "CPU list");
    expect_bad(kd_domspec_check_pin("a", 4, &err), &err, "CPU list");
}

static void test_check_files(void **state)
{
    (void)state;
    kd_err err;
    char dir[] = "/tmp/kd-wiz-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *file = kd_asprintf("%s/x.iso", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(kd_domspec_check_file("ISO image", file, &err), 0);
    expect_bad(kd_domspec_check_file("ISO image", dir, &err), &err, "not a file");
    expect_bad(kd_domspec_check_file("kernel", "/no/such/vmlinuz", &err), &err, "No such file");
    expect_bad(kd_domspec_check_file("kernel", "", &err), &err, "choose the kernel");
    expect_bad(kd_domspec_check_file("kernel", "vmlinuz", &err), &err, "absolute");
    assert_int_equal(kd_domspec_check_storage(NULL, "disk", "pool/vol.qcow2", &err), 0);
    expect_bad(kd_domspec_check_storage(NULL, "disk", "novolume", &err), &err, "POOL/VOLUME");
    expect_bad(kd_domspec_check_storage(NULL, "disk", "pool/", &err), &err, "POOL/VOLUME");
    unlink(file);
    rmdir(dir);
    free(file);
}

static void test_url(void **state)
{
    (void)state;
    kd_err err;
    kd_url u;
    assert_int_equal(kd_url_parse("https://mirror.example.org/d/netinst.iso", &u, &err), 0);
    assert_string_equal(u.scheme, "https");
    assert_string_equal(u.host, "mirror.example.org");
    assert_int_equal(u.port, 443);
    assert_string_equal(u.path, "/d/netinst.iso");
    kd_url_clear(&u);
    assert_int_equal(kd_url_parse("HTTP://h:8080/a.iso?v=2", &u, &err), 0);
    assert_string_equal(u.scheme, "http");
    assert_int_equal(u.port, 8080);
    assert_string_equal(u.path, "/a.iso?v=2");
    kd_url_clear(&u);
    assert_int_equal(kd_url_parse("ftp://f.example/pub/x.iso", &u, &err), 0);
    assert_int_equal(u.port, 21);
    kd_url_clear(&u);
    const char *bad[] = {"",          "mirror/x.iso", "file:///x.iso", "https://",
                         "https://h", "https://h/",   "nfs://h/x.iso", "https://h:99999/x.iso"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (kd_url_parse(bad[i], &u, &err) != -1)
            fail_msg("'%s' was taken", bad[i]);
        assert_int_equal(err.code, KD_ERR_INVALID);
    }
}

static void test_sizes(void **state)
{
    (void)state;
    kd_err err;
    assert_int_equal(kd_domspec_parse_size("20G", 1, &err), 20LL << 30);
    assert_int_equal(kd_domspec_parse_size("512M", 1, &err), 512LL << 20);
    assert_int_equal(kd_domspec_parse_size("1.5GiB", 1, &err), 3LL << 29);
    assert_int_equal(kd_domspec_parse_size("16", 1 << 20, &err), 16LL << 20);
    assert_int_equal(kd_domspec_parse_size("2t", 1, &err), 2LL << 40);
    const char *bad[] = {"", "G", "-1G", "0", "12X", "1GG", "abc"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (kd_domspec_parse_size(bad[i], 1, &err) != -1)
            fail_msg("'%s' was taken", bad[i]);
        assert_non_null(strstr(err.msg, "not a size"));
    }
}

static void test_spec_text(void **state)
{
    (void)state;
    kd_domspec *s = kd_domspec_new();
    kd_domspec_set(&s->name, "odd = name\\with\nnewline");
    s->src = KD_SRC_KERNEL;
    kd_domspec_set(&s->cmdline, "console=ttyS0 quiet");
    s->memory_mib = 3072;
    s->vcpus = 3;
    s->stor = KD_STOR_NONE;
    s->nic = KD_NIC_MACVTAP;
    kd_domspec_set(&s->nic_source, "eth0");
    s->fw = KD_FW_UEFI_SECURE;
    s->vnc = false;
    s->hugepages = true;
    kd_domspec_set(&s->pin, "0-1");
    char *text = kd_domspec_format(s);
    kd_err err;
    kd_domspec *t = kd_domspec_parse(text, &err);
    assert_non_null(t);
    assert_string_equal(t->name, s->name);
    assert_int_equal(t->src, KD_SRC_KERNEL);
    assert_string_equal(t->cmdline, "console=ttyS0 quiet");
    assert_int_equal(t->memory_mib, 3072);
    assert_int_equal(t->vcpus, 3);
    assert_int_equal(t->stor, KD_STOR_NONE);
    assert_int_equal(t->nic, KD_NIC_MACVTAP);
    assert_string_equal(t->nic_source, "eth0");
    assert_int_equal(t->fw, KD_FW_UEFI_SECURE);
    assert_false(t->vnc);
    assert_true(t->hugepages);
    assert_string_equal(t->pin, "0-1");
    char *again = kd_domspec_format(t);
    assert_string_equal(text, again);
    free(again);
    kd_domspec_free(t);
    free(text);

    /* Unknown keys are skipped; bad values are refused with their line. */
    t = kd_domspec_parse("future=1\nvcpus=2\n", &err);
    assert_non_null(t);
    assert_int_equal(t->vcpus, 2);
    assert_int_equal(t->memory_mib, 1024);
    kd_domspec_free(t);
    assert_null(kd_domspec_parse("vcpus=2\nsource=floppy\n", &err));
    assert_non_null(strstr(err.msg, "line 2"));
    assert_null(kd_domspec_parse("vcpus=-1\n", &err));
    assert_null(kd_domspec_parse("vnc=yes\n", &err));
    assert_null(kd_domspec_parse("garbage\n", &err));

    kd_domspec *c = kd_domspec_copy(s);
    kd_domspec_set(&s->name, "changed");
    assert_string_equal(c->name, "odd = name\\with\nnewline");
    kd_domspec_free(c);
    kd_domspec_free(s);
}

/* Every answer at once, as Finish checks them. */
static void test_check_all(void **state)
{
    (void)state;
    kd_err err;
    kd_hostcaps c = {.host_cpus = 4, .host_mem_mib = 4096, .max_vcpus = 16};
    kd_domspec *s = kd_domspec_new();
    kd_domspec_set(&s->name, "all");
    s->src = KD_SRC_PXE;
    assert_int_equal(kd_domspec_check(NULL, s, &c, &err), 0);
    s->nic = KD_NIC_NONE;
    expect_bad(kd_domspec_check(NULL, s, &c, &err), &err, "PXE");
    s->nic = KD_NIC_BRIDGE;
    kd_domspec_set(&s->nic_source, "");
    expect_bad(kd_domspec_check(NULL, s, &c, &err), &err, "bridge");
    kd_domspec_set(&s->nic_source, "br0");
    s->fw = KD_FW_UEFI;
    expect_bad(kd_domspec_check(NULL, s, &c, &err), &err, "no UEFI firmware");
    c.uefi = true;
    assert_int_equal(kd_domspec_check(NULL, s, &c, &err), 0);
    s->fw = KD_FW_UEFI_SECURE;
    expect_bad(kd_domspec_check(NULL, s, &c, &err), &err, "secure-boot");
    c.secure_boot = true;
    assert_int_equal(kd_domspec_check(NULL, s, &c, &err), 0);
    s->hugepages = true;
    c.hugepages_known = true;
    expect_bad(kd_domspec_check(NULL, s, &c, &err), &err, "huge pages");
    s->hugepages = false;
    s->memory_mib = 8192;
    expect_bad(kd_domspec_check(NULL, s, &c, &err), &err, "host's memory");
    s->memory_mib = 1024;
    kd_domspec_set(&s->pin, "7");
    expect_bad(kd_domspec_check(NULL, s, &c, &err), &err, "CPUs 0 to 3");
    kd_domspec_set(&s->pin, "");
    s->stor = KD_STOR_NEW;
    kd_domspec_set(&s->disk_format, "vmdk");
    expect_bad(kd_domspec_check(NULL, s, &c, &err), &err, "qcow2 or raw");
    s->stor = KD_STOR_EXISTING;
    kd_domspec_set(&s->disk, "/no/such/disk.img");
    expect_bad(kd_domspec_check(NULL, s, &c, &err), &err, "No such file");
    s->stor = KD_STOR_NONE;
    s->src = KD_SRC_URL;
    kd_domspec_set(&s->url, "ftp:/x");
    expect_bad(kd_domspec_check(NULL, s, &c, &err), &err, "not a URL");
    s->src = KD_SRC_KERNEL;
    kd_domspec_set(&s->kernel, "/no/vmlinuz");
    expect_bad(kd_domspec_check(NULL, s, &c, &err), &err, "kernel");
    kd_domspec_set(&s->name, "a/b");
    expect_bad(kd_domspec_check(NULL, s, &c, &err), &err, "'/'");
    kd_domspec_free(s);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_osinfo(void **state)
{
    (void)state;
    kd_err err;
    char dir[] = "/tmp/kd-osinfo-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *os = kd_asprintf("%s/os", dir), *vendor = kd_asprintf("%s/os/debian.org", dir);
    assert_int_equal(mkdir(os, 0700), 0);
    assert_int_equal(mkdir(vendor, 0700), 0);
    char *f1 = kd_asprintf("%s/debian-12.xml", vendor), *f2 = kd_asprintf("%s/win.xml", vendor);
    write_file(f1, "<libosinfo><os id='http://debian.org/debian/12'><short-id>debian12</short-id>"
                   "<name>Debian 12</name><family>linux</family>"
                   "<resources arch='all'><minimum><n-cpus>1</n-cpus><ram>268435456</ram>"
                   "</minimum><recommended><ram>1073741824</ram><storage>10737418240</storage>"
                   "</recommended></resources><resources arch='aarch64'><recommended>"
                   "<n-cpus>8</n-cpus></recommended></resources></os></libosinfo>");
    write_file(f2, "<libosinfo><os id='x'><short-id>win11</short-id><name>Microsoft Windows 11"
                   "</name><family>winnt</family></os><os id='y'><name>no short id</name></os>"
                   "</libosinfo>");
    kd_osvariant *v;
    size_t n;
    bool from_db;
    assert_int_equal(kd_osinfo_list(dir, &v, &n, &from_db, &err), 0);
    assert_true(from_db);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].id, "debian12");
    assert_string_equal(v[0].name, "Debian 12");
    assert_int_equal(v[0].ram_mib, 1024);
    assert_int_equal(v[0].vcpus, 1);
    assert_int_equal(v[0].disk_mib, 10240);
    assert_false(v[0].windows);
    assert_string_equal(v[1].id, "win11");
    assert_true(v[1].windows);
    assert_int_equal(v[1].ram_mib, 0);
    kd_osinfo_free(v, n);

    /* The installed database, when there is one. */
    if (access("/usr/share/osinfo/os", R_OK) == 0) {
        assert_int_equal(kd_osinfo_list(NULL, &v, &n, &from_db, &err), 0);
        assert_true(from_db);
        assert_true(n > 100);
        bool debian11 = false;
        for (size_t i = 0; i < n; i++) {
            if (kd_str_eq(v[i].id, "debian11"))
                debian11 = v[i].ram_mib >= 512 && v[i].vcpus >= 1 && !v[i].windows;
            if (i)
                assert_true(strcasecmp(v[i - 1].name, v[i].name) <= 0);
        }
        assert_true(debian11);
        kd_osinfo_free(v, n);
    }

    /* No database: the built-in table. */
    assert_int_equal(kd_osinfo_list(vendor, &v, &n, &from_db, &err), 0);
    assert_false(from_db);
    const kd_osvariant *b;
    assert_int_equal(n, kd_osinfo_builtin(&b));
    bool generic = false, win11 = false;
    for (size_t i = 0; i < n; i++) {
        generic |= kd_str_eq(v[i].id, "generic");
        win11 |= kd_str_eq(v[i].id, "win11") && v[i].windows;
    }
    assert_true(generic && win11);
    kd_osinfo_free(v, n);
    unlink(f1);
    unlink(f2);
    rmdir(vendor);
    rmdir(os);
    rmdir(dir);
    free(f1);
    free(f2);
    free(os);
    free(vendor);
}

static void test_presets(void **state)
{
    (void)state;
    kd_err err;
    kd_store *st = kd_store_open(NULL, &err);
    assert_non_null(st);
    char **names;
    assert_int_equal(kd_store_preset_list(st, &names, &err), 0);
    assert_null(names[0]);
    kd_strv_free(names);
    assert_int_equal(kd_store_preset_put(st, "web", "vcpus=2\n", &err), 0);
    assert_int_equal(kd_store_preset_put(st, "100% _odd_ 'one'", "vcpus=3\n", &err), 0);
    assert_int_equal(kd_store_put_pref(st, "presetx", "not a preset", &err), 0);
    assert_int_equal(kd_store_put_pref(st, "preset", "neither", &err), 0);
    assert_int_equal(kd_store_preset_put(st, "web", "vcpus=4\n", &err), 0);
    assert_int_equal(kd_store_preset_list(st, &names, &err), 0);
    assert_non_null(names[0]);
    assert_string_equal(names[0], "100% _odd_ 'one'");
    assert_string_equal(names[1], "web");
    assert_null(names[2]);
    kd_strv_free(names);
    char *text;
    assert_int_equal(kd_store_preset_get(st, "web", &text, &err), 0);
    assert_string_equal(text, "vcpus=4\n");
    free(text);
    assert_int_equal(kd_store_preset_del(st, "web", &err), 0);
    assert_int_equal(kd_store_preset_get(st, "web", &text, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_null(text);
    assert_int_equal(kd_store_preset_del(st, "web", &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_int_equal(kd_store_preset_put(st, "", "x", &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_int_equal(kd_store_preset_put(st, "a\nb", "x", &err), -1);
    assert_int_equal(kd_store_preset_list(st, &names, &err), 0);
    assert_string_equal(names[0], "100% _odd_ 'one'");
    assert_null(names[1]);
    kd_strv_free(names);
    char *other;
    assert_int_equal(kd_store_get_pref(st, "presetx", &other, &err), 0);
    assert_string_equal(other, "not a preset");
    free(other);
    kd_store_free(st);
}

static void test_host_interfaces(void **state)
{
    (void)state;
    char dir[] = "/tmp/kd-sysfs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const char *const made[] = {"br0",  "br0/bridge", "virbr0", "virbr0/bridge", "eth1",
                                       "eth0", "lo",         "vnet3",  "macvtap0",      "tap1"};
    for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
        char *p = kd_asprintf("%s/%s", dir, made[i]);
        assert_int_equal(mkdir(p, 0700), 0);
        free(p);
    }
    char **br = kd_wiz_host_bridges(dir);
    assert_string_equal(br[0], "br0");
    assert_string_equal(br[1], "virbr0");
    assert_null(br[2]);
    kd_strv_free(br);
    char **dev = kd_wiz_host_devices(dir);
    assert_string_equal(dev[0], "eth0");
    assert_string_equal(dev[1], "eth1");
    assert_null(dev[2]);
    kd_strv_free(dev);
    for (size_t i = sizeof(made) / sizeof(made[0]); i-- > 0;) {
        char *p = kd_asprintf("%s/%s", dir, made[i]);
        rmdir(p);
        free(p);
    }
    rmdir(dir);
    char **none = kd_wiz_host_bridges("/no/such/sysfs");
    assert_null(none[0]);
    kd_strv_free(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_name),      cmocka_unit_test(test_check_figures),
        cmocka_unit_test(test_check_files),     cmocka_unit_test(test_url),
        cmocka_unit_test(test_sizes),           cmocka_unit_test(test_spec_text),
        cmocka_unit_test(test_osinfo),          cmocka_unit_test(test_presets),
        cmocka_unit_test(test_host_interfaces), cmocka_unit_test(test_check_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
