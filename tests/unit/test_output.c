#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/domain.h"
#include "backend/sample.h"
#include "core/err.h"
#include "core/str.h"
#include "stats/output.h"
#include "stats/rates.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The writers run on two fixed ticks and are compared byte for byte with the files in
 * tests/golden. KD_UPDATE_GOLDEN=1 rewrites those files instead; read the diff before
 * keeping it. */

#define GOLDEN_DIR KD_FIXTURES_DIR "/../golden"
#define SEC        1000000000ull
#define ODD_NAME   "it's <odd> & \"quoted\", yes\nnew line \xc3\xbcn\xc3\xaf"

typedef struct {
    kd_sample prev, cur;
    kd_rates first, second; /* rates of prev (no previous tick) and of cur */
} ticks;

static kd_dom_sample *add_dom(kd_sample *s, const char *uuid, const char *name, int id, int st)
{
    s->doms = kd_realloc(s->doms, (s->ndoms + 1) * sizeof(*s->doms));
    kd_dom_sample *d = &s->doms[s->ndoms++];
    memset(d, 0, sizeof(*d));
    snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
    d->name = kd_strdup(name);
    d->id = id;
    d->state = st;
    return d;
}

static void set_cpu(kd_dom_sample *d, uint64_t cpu, unsigned vcpus, uint64_t vcpu)
{
    d->flags |= KD_SAMPLE_HAS_CPU | KD_SAMPLE_HAS_VCPU | KD_SAMPLE_HAS_VCPU_TIME;
    d->cpu_time_ns = cpu;
    d->vcpus = vcpus;
    d->vcpu_time_ns = vcpu;
}

static void set_mem(kd_dom_sample *d, uint64_t cur, uint64_t max)
{
    d->flags |= KD_SAMPLE_HAS_BALLOON;
    d->mem_kib = cur;
    d->maxmem_kib = max;
}

static void add_block(kd_dom_sample *d, const char *name, uint64_t rr, uint64_t rb, uint64_t wr,
                      uint64_t wb)
{
    d->blocks = kd_realloc(d->blocks, (d->nblocks + 1) * sizeof(*d->blocks));
    d->blocks[d->nblocks++] = (kd_block_sample){kd_strdup(name), rr, rb, wr, wb};
}

static void add_net(kd_dom_sample *d, const char *name, uint64_t base)
{
    d->nets = kd_realloc(d->nets, (d->nnets + 1) * sizeof(*d->nets));
    d->nets[d->nnets++] =
        (kd_net_sample){kd_strdup(name), base * 1000, base * 10, 1, 2, base * 250, base * 5, 3, 4};
}

static void host(kd_sample *s, uint64_t t)
{
    s->mono_ns = 100 * SEC + t * SEC;
    s->wall_s = 1700000000 + (int64_t)t; /* 22:13:20 UTC */
    s->hostname = kd_strdup("kvm-host");
    snprintf(s->host_model, sizeof(s->host_model), "x86_64");
    s->host_cpus = s->host_maxcpus = 8;
    s->host_mhz = 2400;
    s->host_mem_kib = 16777216;
    s->has_host_cpu = s->has_host_mem = true;
    s->host_cpu_user_ns = 1000 * SEC + t * 3 * SEC;
    s->host_cpu_system_ns = 500 * SEC + t * SEC;
    s->host_cpu_idle_ns = 9000 * SEC + t * 12 * SEC;
    s->host_cpu_iowait_ns = 100 * SEC;
    s->host_total_kib = 16000000; /* /proc/meminfo, unlike the node info */
    s->host_free_kib = 4194304;
    s->host_buffers_kib = 1048576;
    s->host_cached_kib = 2097152;
}

#define WEB1  "11111111-1111-4111-8111-111111111111"
#define ODD   "22222222-2222-4222-8222-222222222222"
#define BUILD "33333333-3333-4333-8333-333333333333"
#define GONE  "44444444-4444-4444-8444-444444444444"
#define NEWB  "55555555-5555-4555-8555-555555555555"

/* Tick 0 and tick 2 (2 s later). web1 is busy, the odd name idles, build is shut off, gone
 * vanishes and newbie appears. */
static void fill_prev(kd_sample *s)
{
    host(s, 0);
    kd_dom_sample *d = add_dom(s, WEB1, "web1", 3, KD_DOM_RUNNING);
    set_cpu(d, 10 * SEC, 2, 8 * SEC);
    set_mem(d, 1048576, 2097152);
    d->flags |= KD_SAMPLE_HAS_GUEST_MEM;
    d->avail_kib = 1000000;
    d->unused_kib = 400000;
    add_block(d, "vda", 1000, 1000000, 500, 2000000);
    add_block(d, "hdc", 0, 0, 0, 0);
    add_net(d, "vnet0", 5);
    d = add_dom(s, ODD, ODD_NAME, 1, KD_DOM_PAUSED);
    set_cpu(d, 5 * SEC, 1, 4 * SEC);
    set_mem(d, 524288, 524288);
    add_net(d, "vnet1", 1);
    set_mem(add_dom(s, BUILD, "build", -1, KD_DOM_SHUTOFF), 262144, 262144);
    set_cpu(add_dom(s, GONE, "gone", 2, KD_DOM_RUNNING), SEC, 1, SEC);
}

static void fill_cur(kd_sample *s)
{
    host(s, 2);
    kd_dom_sample *d = add_dom(s, WEB1, "web1", 3, KD_DOM_RUNNING);
    set_cpu(d, 12 * SEC, 2, 9 * SEC + SEC / 2);
    set_mem(d, 1048576, 2097152);
    d->flags |= KD_SAMPLE_HAS_GUEST_MEM;
    d->avail_kib = 1000000;
    d->unused_kib = 400000;
    add_block(d, "vda", 1100, 1200000, 540, 2400000);
    add_block(d, "hdc", 0, 0, 0, 0);
    add_net(d, "vnet0", 7);
    d = add_dom(s, ODD, ODD_NAME, 1, KD_DOM_PAUSED);
    set_cpu(d, 5 * SEC, 1, 4 * SEC);
    set_mem(d, 524288, 524288);
    add_net(d, "vnet1", 1);
    set_mem(add_dom(s, BUILD, "build", -1, KD_DOM_SHUTOFF), 262144, 262144);
    set_cpu(add_dom(s, NEWB, "newbie", 7, KD_DOM_RUNNING), SEC, 1, SEC);
}

static int ticks_setup(void **state)
{
    ticks *t = kd_calloc(1, sizeof(*t));
    fill_prev(&t->prev);
    fill_cur(&t->cur);
    kd_rates_compute(NULL, &t->prev, &t->first);
    kd_rates_compute(&t->prev, &t->cur, &t->second);
    *state = t;
    return 0;
}

static int ticks_teardown(void **state)
{
    ticks *t = *state;
    kd_rates_free(&t->first);
    kd_rates_free(&t->second);
    kd_sample_free(&t->prev);
    kd_sample_free(&t->cur);
    free(t);
    return 0;
}

static void assert_golden(const char *name, const kd_buf *got)
{
    char *path = kd_asprintf("%s/%s", GOLDEN_DIR, name);
    const char *update = getenv("KD_UPDATE_GOLDEN");
    if (update && strcmp(update, "1") == 0) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(got->data, 1, got->len, f), got->len);
        assert_int_equal(fclose(f), 0);
    }
    size_t len = 0;
    char *want = kd_file_read(path, 1 << 20, &len);
    if (!want)
        fail_msg("cannot read %s: %s", path, strerror(errno));
    size_t i = 0;
    while (i < len && i < got->len && want[i] == got->data[i])
        i++;
    if (i != len || len != got->len)
        fail_msg("%s differs at byte %zu (golden %zu bytes, output %zu):\n%s", path, i, len,
                 got->len, got->data);
    free(want);
    free(path);
}

/* ---- golden output ------------------------------------------------------------------------ */

static void test_csv_golden(void **state)
{
    ticks *t = *state;
    kd_buf b;
    kd_buf_init(&b);
    kd_output_csv_header(&b);
    kd_output_csv_row(&b, &t->prev, &t->first);
    kd_output_csv_row(&b, &t->cur, &t->second);
    assert_golden("stats.csv", &b);
    kd_buf_free(&b);
}

static void test_json_golden(void **state)
{
    ticks *t = *state;
    kd_buf b;
    kd_buf_init(&b);
    kd_output_json(&b, &t->prev, &t->first);
    kd_output_json(&b, &t->cur, &t->second);
    assert_golden("stats.jsonl", &b);
    kd_buf_free(&b);
}

static void test_prom_golden(void **state)
{
    ticks *t = *state;
    kd_buf b;
    kd_buf_init(&b);
    kd_output_prom(&b, &t->cur, &t->second);
    assert_golden("stats.prom", &b);
    kd_buf_free(&b);
}

/* Without rates every writer still works: figures that need them are missing. */
static void test_no_rates(void **state)
{
    ticks *t = *state;
    kd_buf csv, json, prom;
    kd_buf_init(&csv);
    kd_buf_init(&json);
    kd_buf_init(&prom);
    kd_output_csv_row(&csv, &t->cur, NULL);
    kd_output_json(&json, &t->cur, NULL);
    kd_output_prom(&prom, &t->cur, NULL);
    /* %CPU of the host and total CPU time are empty; web1's CPU columns are empty. */
    assert_non_null(strstr(csv.data, ",1,0,3,1,,16777216,1572864,1572864,,"));
    assert_non_null(strstr(csv.data, ",3,web1,,,1073741824,6,,,,"));
    assert_non_null(strstr(json.data, "\"cpu_pct\":null"));
    assert_null(strstr(json.data, "\"cpu_pct\":1"));
    assert_null(strstr(prom.data, "kvmdeck_domain_cpu_percent{"));
    assert_non_null(strstr(prom.data, "kvmdeck_domain_cpu_seconds_total{name=\"web1\""));
    kd_buf_free(&csv);
    kd_buf_free(&json);
    kd_buf_free(&prom);
}

/* Rates that belong to another sample are not used for this one. */
static void test_mismatched_rates(void **state)
{
    ticks *t = *state;
    kd_buf b;
    kd_buf_init(&b);
    kd_output_json(&b, &t->prev, &t->second); /* doms[3] is gone here, newbie there */
    assert_non_null(strstr(b.data, "\"name\":\"gone\",\"id\":2,\"state\":\"running\","
                                   "\"vcpus\":1,\"cpu_time_ns\":1000000000,\"cpu_ns\":null"));
    kd_buf_free(&b);
}

/* ---- names that need escaping ------------------------------------------------------------ */

static void odd_sample(kd_sample *s, const char *name, const char *dev)
{
    memset(s, 0, sizeof(*s));
    s->wall_s = 0;
    s->host_cpus = 1;
    kd_dom_sample *d = add_dom(s, WEB1, name, 1, KD_DOM_RUNNING);
    set_cpu(d, 0, 1, 0);
    add_block(d, dev, 0, 0, 0, 0);
}

static void render(const char *name, const char *dev, kd_buf *csv, kd_buf *json, kd_buf *prom)
{
    kd_sample s;
    odd_sample(&s, name, dev);
    kd_buf_init(csv);
    kd_buf_init(json);
    kd_buf_init(prom);
    kd_output_csv_row(csv, &s, NULL);
    kd_output_json(json, &s, NULL);
    kd_output_prom(prom, &s, NULL);
    kd_sample_free(&s);
}

static void free_all(kd_buf *a, kd_buf *b, kd_buf *c)
{
    kd_buf_free(a);
    kd_buf_free(b);
    kd_buf_free(c);
}

static void test_escape_quotes_commas_newlines(void **state)
{
    kd_buf csv, json, prom;
    render("a\"b,c\nd<e>\\f\tg", "v\"d\\a\n", &csv, &json, &prom);
    assert_non_null(strstr(csv.data, ",1,\"a\"\"b,c\nd<e>\\f\tg\","));
    assert_non_null(strstr(json.data, "\"name\":\"a\\\"b,c\\nd<e>\\\\f\\tg\""));
    assert_non_null(strstr(json.data, "\"name\":\"v\\\"d\\\\a\\n\""));
    assert_non_null(strstr(prom.data, "kvmdeck_domain_state{name=\"a\\\"b,c\\nd<e>\\\\f\tg\","
                                      "uuid=\"" WEB1 "\"} 1\n"));
    assert_non_null(strstr(prom.data, ",device=\"v\\\"d\\\\a\\n\"} 0\n"));
    /* Only the escaped newline: no raw one inside a Prometheus line. */
    assert_null(strstr(prom.data, "c\nd"));
    free_all(&csv, &json, &prom);
}

static void test_escape_plain_csv_field(void **state)
{
    kd_buf csv, json, prom;
    render("plain <name> & 'single'", "vda", &csv, &json, &prom);
    assert_non_null(strstr(csv.data, ",1,plain <name> & 'single',"));
    free_all(&csv, &json, &prom);
}

static void test_escape_utf8(void **state)
{
    kd_buf csv, json, prom;
    /* Valid UTF-8 passes through; a stray byte and a truncated sequence become U+FFFD;
     * control characters are escaped in JSON. */
    render("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x96\xa5 \xff\x01 \xe2\x82", "vda", &csv, &json,
           &prom);
    const char *want = "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x96\xa5 \xef\xbf\xbd\x01 "
                       "\xef\xbf\xbd\xef\xbf\xbd";
    assert_non_null(strstr(csv.data, want));
    assert_non_null(strstr(prom.data, want));
    assert_non_null(strstr(json.data, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x96\xa5 "
                                      "\xef\xbf\xbd\\u0001 \xef\xbf\xbd\xef\xbf\xbd\""));
    /* An overlong encoding of '"' must not sneak a quote in. */
    kd_buf_free(&csv);
    kd_buf_free(&json);
    kd_buf_free(&prom);
    render("x\xc0\xa2y", "vda", &csv, &json, &prom);
    assert_non_null(strstr(json.data, "\"name\":\"x\xef\xbf\xbd\xef\xbf\xbdy\""));
    free_all(&csv, &json, &prom);
}

/* ---- files ---------------------------------------------------------------------------------- */

typedef struct {
    char *dir;
    char *path;
} tmpfiles;

static int dir_setup(void **state)
{
    tmpfiles *t = kd_calloc(1, sizeof(*t));
    char tmpl[] = "/tmp/kd-output-XXXXXX";
    if (!mkdtemp(tmpl))
        return -1;
    t->dir = kd_strdup(tmpl);
    t->path = kd_asprintf("%s/kvmdeck.prom", t->dir);
    *state = t;
    return 0;
}

static int dir_teardown(void **state)
{
    tmpfiles *t = *state;
    char *cmd = kd_asprintf("rm -rf '%s'", t->dir);
    int rc = system(cmd);
    free(cmd);
    free(t->dir);
    free(t->path);
    free(t);
    return rc == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void assert_file(const char *path, const char *text)
{
    size_t len;
    char *got = kd_file_read(path, 1 << 20, &len);
    assert_non_null(got);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(got, text, len);
    free(got);
}

static int count_entries(const char *dir)
{
    char *cmd = kd_asprintf("ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    free(cmd);
    return n;
}

static void test_atomic_replaces(void **state)
{
    tmpfiles *t = *state;
    kd_err err;
    kd_err_clear(&err);
    write_file(t->path, "old\n");
    assert_int_equal(kd_output_write_atomic(t->path, "new\n", 4, &err), 0);
    assert_file(t->path, "new\n");
    assert_int_equal(count_entries(t->dir), 1); /* no temporary file left */
    assert_int_equal(kd_output_write_atomic(t->path, "", 0, &err), 0);
    assert_file(t->path, "");
}

/* A directory standing where the temporary file goes: creating it fails, and no privilege
 * gets around that (a read-only directory would not stop root). */
static void test_atomic_fails_on_create(void **state)
{
    tmpfiles *t = *state;
    kd_err err;
    kd_err_clear(&err);
    write_file(t->path, "old\n");
    char *tmp = kd_asprintf("%s.%ld.tmp", t->path, (long)getpid());
    assert_int_equal(mkdir(tmp, 0700), 0);
    assert_int_equal(kd_output_write_atomic(t->path, "new\n", 4, &err), -1);
    assert_int_equal(err.code, KD_ERR_IO);
    assert_non_null(strstr(err.msg, t->path));
    assert_non_null(strstr(err.msg, "creating"));
    assert_file(t->path, "old\n");
    assert_int_equal(rmdir(tmp), 0);
    free(tmp);
}

/* The rename fails (the target is a directory, which root cannot rename a file over): the
 * temporary file is removed and the target is untouched. */
static void test_atomic_fails_on_rename(void **state)
{
    tmpfiles *t = *state;
    kd_err err;
    kd_err_clear(&err);
    char *target = kd_asprintf("%s/target", t->dir);
    char *inside = kd_asprintf("%s/keep", target);
    assert_int_equal(mkdir(target, 0700), 0);
    write_file(inside, "kept\n");
    assert_int_equal(kd_output_write_atomic(target, "new\n", 4, &err), -1);
    assert_int_equal(err.code, KD_ERR_IO);
    assert_non_null(strstr(err.msg, "renaming"));
    assert_file(inside, "kept\n");
    assert_int_equal(count_entries(t->dir), 1); /* only the target directory */
    free(target);
    free(inside);
}

static void test_atomic_missing_dir(void **state)
{
    tmpfiles *t = *state;
    kd_err err;
    kd_err_clear(&err);
    char *path = kd_asprintf("%s/no/such/dir/x.prom", t->dir);
    assert_int_equal(kd_output_write_atomic(path, "x", 1, &err), -1);
    assert_int_equal(err.code, KD_ERR_IO);
    assert_non_null(strstr(err.msg, "No such file or directory"));
    free(path);
}

static void test_prom_file(void **state)
{
    tmpfiles *t = *state;
    ticks *k;
    ticks_setup((void **)&k);
    kd_err err;
    kd_err_clear(&err);
    write_file(t->path, "old\n");
    assert_int_equal(kd_output_prom_file(t->path, &k->cur, &k->second, &err), 0);
    kd_buf b;
    kd_buf_init(&b);
    kd_output_prom(&b, &k->cur, &k->second);
    assert_file(t->path, b.data);
    kd_buf_free(&b);
    ticks_teardown((void **)&k);
}

/* A stream that fails (a full disk): a clear error, not silence. */
static void test_put_full_disk(void **state)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    kd_buf b;
    kd_buf_init(&b);
    kd_output_csv_header(&b);
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_output_put(f, &b, &err), -1);
    assert_int_equal(err.code, KD_ERR_IO);
    assert_non_null(strstr(err.msg, "No space left on device"));
    fclose(f);
    kd_buf_free(&b);
}

int main(void)
{
    /* The CSV's Time column is local time. */
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_csv_golden, ticks_setup, ticks_teardown),
        cmocka_unit_test_setup_teardown(test_json_golden, ticks_setup, ticks_teardown),
        cmocka_unit_test_setup_teardown(test_prom_golden, ticks_setup, ticks_teardown),
        cmocka_unit_test_setup_teardown(test_no_rates, ticks_setup, ticks_teardown),
        cmocka_unit_test_setup_teardown(test_mismatched_rates, ticks_setup, ticks_teardown),
        cmocka_unit_test(test_escape_quotes_commas_newlines),
        cmocka_unit_test(test_escape_plain_csv_field),
        cmocka_unit_test(test_escape_utf8),
        cmocka_unit_test_setup_teardown(test_atomic_replaces, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_atomic_fails_on_create, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_atomic_fails_on_rename, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_atomic_missing_dir, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_prom_file, dir_setup, dir_teardown),
        cmocka_unit_test(test_put_full_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
