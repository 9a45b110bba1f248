#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/conn.h"
#include "backend/host.h"
#include "backend/loop.h"
#include "core/err.h"

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The host as libvirt's test driver describes it (16 CPUs in 2 NUMA cells, 4 page sizes),
 * compared with what libvirt itself answers; and the KVM diagnosis on made-up files. */

#define DEFAULT_URI "test:///default"

static void test_host_get(void **state)
{
    kd_err err;
    kd_err_clear(&err);
    kd_conn *c = kd_conn_open(DEFAULT_URI, false, &err);
    assert_non_null(c);
    virConnectPtr raw = virConnectOpen(DEFAULT_URI);
    virNodeInfo ni;
    assert_int_equal(virNodeGetInfo(raw, &ni), 0);
    kd_host_details *h = kd_host_get(c, &err);
    assert_non_null(h);
    assert_int_equal(h->cpus, ni.cpus);
    assert_int_equal(h->cpus, 16);
    assert_int_equal(h->sockets, 2);
    assert_int_equal(h->cores, 2);
    assert_int_equal(h->threads, 2);
    assert_int_equal(h->mhz, ni.mhz);
    assert_int_equal(h->mem_kib, ni.memory);
    assert_string_equal(h->cpu_arch, "i686");
    assert_string_equal(h->hv_type, "TEST");
    assert_string_equal(h->lib_version, "9.0.0");
    assert_string_equal(h->uri, DEFAULT_URI);
    assert_true(*h->hostname != '\0');
    assert_int_equal(h->free_kib, virNodeGetFreeMemory(raw) / 1024);

    assert_int_equal(h->ncells, 2);
    assert_string_equal(h->cells[0].cpus, "0-7");
    assert_string_equal(h->cells[1].cpus, "8-15");
    assert_int_equal(h->cells[1].ncpus, 8);
    assert_int_equal(h->cells[0].mem_kib, 2097152);
    unsigned long long fm[2];
    assert_int_equal(virNodeGetCellsFreeMemory(raw, fm, 0, 2), 2);
    assert_int_equal(h->cells[0].free_kib, fm[0] / 1024);
    assert_int_equal(h->cells[1].free_kib, fm[1] / 1024);

    /* 4 page sizes in each of 2 cells, in that order. */
    assert_int_equal(h->npages, 8);
    assert_int_equal(h->pages[0].cell, 0);
    assert_int_equal(h->pages[0].size_kib, 4);
    assert_int_equal(h->pages[2].size_kib, 2048);
    assert_int_equal(h->pages[7].cell, 1);
    assert_int_equal(h->pages[7].size_kib, 1048576);
    unsigned sz[4] = {4, 8, 2048, 1048576};
    unsigned long long cnt[8] = {0};
    assert_true(virNodeGetFreePages(raw, 4, sz, 0, 2, cnt, 0) >= 0);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(h->pages[i].free, cnt[i]);

    assert_int_equal(h->nguests, 2);
    assert_string_equal(h->guests[0].os_type, "hvm");
    assert_string_equal(h->guests[0].arch, "i686");
    assert_string_equal(h->guests[0].domain_types, "test");
    assert_false(h->kvm);
    assert_string_equal(h->kvm_why, "not a QEMU/KVM host (driver TEST)");
    assert_non_null(strstr(h->caps_xml, "<capabilities>"));

    char *fc = kd_host_freecell_text(h);
    char want[64];
    snprintf(want, sizeof(want), "Total: %12llu KiB", (fm[0] + fm[1]) / 1024);
    assert_non_null(strstr(fc, want));
    free(fc);
    kd_host_details_free(h);
    virConnectClose(raw);
    kd_conn_free(c);
}

static char *write_tmp(const char *dir, const char *name, const char *text)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void expect(const char *got, const char *words)
{
    if (!strstr(got, words))
        fail_msg("'%s' does not say '%s'", got, words);
}

static void test_kvm_diagnose(void **state)
{
    char dir[] = "/tmp/kd-host-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *novirt = write_tmp(dir, "novirt", "processor\t: 0\nflags\t\t: fpu vme sse2 vmxx\n");
    char *intel = write_tmp(dir, "intel", "processor\t: 0\nflags\t\t: fpu vmx sse2\n");
    char *amd = write_tmp(dir, "amd", "flags\t\t: fpu svm\n");
    char *nomod = write_tmp(dir, "nomod", "ext4 100 1 - Live 0x0\n");
    char *mod = write_tmp(dir, "mod", "kvm_intel 200 0 - Live 0x0\nkvm 100 1 kvm_intel\n");
    char *missing = NULL;
    assert_true(asprintf(&missing, "%s/kvm", dir) > 0);

    char *s = kd_host_kvm_diagnose(novirt, missing, mod);
    expect(s, "no vmx/svm flag");
    free(s);
    s = kd_host_kvm_diagnose(intel, missing, nomod);
    expect(s, "module is not loaded");
    free(s);
    s = kd_host_kvm_diagnose(amd, missing, mod);
    expect(s, "missing although the kvm module is loaded");
    free(s);
    /* A device node we may not open: a file without permissions stands in for it (root
     * opens anything, so only the message of a usable one can be checked then). */
    char *dev = write_tmp(dir, "kvm", "");
    chmod(dev, 0);
    s = kd_host_kvm_diagnose(intel, dev, mod);
    if (geteuid() == 0)
        expect(s, "is usable, yet libvirt offers no kvm");
    else
        expect(s, "no permission on");
    free(s);
    s = kd_host_kvm_diagnose("/nonexistent/cpuinfo", dev, mod);
    expect(s, "no vmx/svm flag");
    free(s);
    const char *files[] = {novirt, intel, amd, nomod, mod, dev};
    for (size_t i = 0; i < 6; i++) {
        unlink(files[i]);
        free((void *)files[i]);
    }
    free(missing);
    rmdir(dir);
}

static void test_not_connected_err(void **state)
{
    kd_err err;
    kd_conn *c = kd_conn_open("test://" KD_FIXTURES_DIR "/hosts.xml", true, &err);
    assert_non_null(c);
    kd_host_details *h = kd_host_get(c, &err);
    assert_non_null(h);
    assert_true(h->cpus > 0);
    assert_non_null(h->kvm_why);
    kd_host_details_free(h);
    kd_conn_free(c);
    kd_host_details_free(NULL);
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
        cmocka_unit_test(test_host_get),
        cmocka_unit_test(test_kvm_diagnose),
        cmocka_unit_test(test_not_connected_err),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
