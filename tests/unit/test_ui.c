/* Pieces of the UI that need no terminal: the list's filter and order, line editing,
 * and the palette's splitting and completion. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/loop.h"
#include "core/str.h"
#include "ui/app.h"
#include "ui/dialog.h"
#include "ui/graph.h"
#include "ui/listmodel.h"

#include <curses.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static kd_domain dom(const char *name, int id, kd_dom_state st, unsigned vcpus,
                     unsigned long long mem, bool autostart)
{
    kd_domain d;
    memset(&d, 0, sizeof(d));
    d.name = (char *)name;
    snprintf(d.uuid, sizeof(d.uuid), "00000000-0000-4000-8000-%012zx",
             strlen(name) * 131 + (size_t)id);
    d.id = id;
    d.state = st;
    d.vcpus = vcpus;
    d.mem_kib = mem;
    d.autostart = autostart;
    return d;
}

static kd_domain doms[5];

static const char *tags_for(const char *uuid, void *opaque)
{
    (void)opaque;
    if (strcmp(uuid, doms[0].uuid) == 0)
        return "db,prod";
    if (strcmp(uuid, doms[2].uuid) == 0)
        return "web";
    return NULL;
}

static int setup_doms(void **state)
{
    (void)state;
    doms[0] = dom("db1", 2, KD_DOM_PAUSED, 2, 4096, false);
    doms[1] = dom("alpha", -1, KD_DOM_SHUTOFF, 1, 512, true);
    doms[2] = dom("Web1", 1, KD_DOM_RUNNING, 4, 1024, false);
    doms[3] = dom("zeta", 3, KD_DOM_RUNNING, 4, 2048, true);
    doms[4] = dom("it's <odd> & \"quoted\"", 5, KD_DOM_RUNNING, 1, 256, false);
    return 0;
}

static size_t build(kd_sort_key key, bool reverse, const char *filter, size_t *order)
{
    kd_list_query q = {key, reverse, filter, tags_for, NULL};
    return kd_listmodel_build(doms, 5, &q, order);
}

static void test_sort_by_name(void **state)
{
    size_t o[5];
    (void)state;
    assert_int_equal(build(KD_SORT_NAME, false, NULL, o), 5);
    /* Byte order: upper case before lower case, as strcmp has it. */
    const char *want[] = {"Web1", "alpha", "db1", "it's <odd> & \"quoted\"", "zeta"};
    for (int i = 0; i < 5; i++)
        assert_string_equal(doms[o[i]].name, want[i]);
    build(KD_SORT_NAME, true, NULL, o);
    assert_string_equal(doms[o[0]].name, "zeta");
    assert_string_equal(doms[o[4]].name, "Web1");
}

static void test_sort_by_memory_and_ties(void **state)
{
    size_t o[5];
    (void)state;
    build(KD_SORT_MEMORY, false, NULL, o);
    assert_string_equal(doms[o[0]].name, "it's <odd> & \"quoted\"");
    assert_string_equal(doms[o[4]].name, "db1");
    /* Equal vCPUs go by name, also when the order is reversed. */
    build(KD_SORT_VCPUS, true, NULL, o);
    assert_string_equal(doms[o[0]].name, "Web1");
    assert_string_equal(doms[o[1]].name, "zeta");
}

static void test_sort_by_id_puts_inactive_last(void **state)
{
    size_t o[5];
    (void)state;
    build(KD_SORT_ID, false, NULL, o);
    assert_string_equal(doms[o[0]].name, "Web1");
    assert_string_equal(doms[o[4]].name, "alpha");
}

static void test_sort_by_tags_untagged_last(void **state)
{
    size_t o[5];
    (void)state;
    build(KD_SORT_TAGS, false, NULL, o);
    assert_string_equal(doms[o[0]].name, "db1");
    assert_string_equal(doms[o[1]].name, "Web1");
    assert_null(tags_for(doms[o[4]].uuid, NULL));
}

static void test_filter_words(void **state)
{
    size_t o[5];
    (void)state;
    assert_int_equal(build(KD_SORT_NAME, false, "WEB", o), 1); /* name, any case */
    assert_string_equal(doms[o[0]].name, "Web1");
    assert_int_equal(build(KD_SORT_NAME, false, "running", o), 3);
    assert_int_equal(build(KD_SORT_NAME, false, "state:shut", o), 1);
    assert_int_equal(build(KD_SORT_NAME, false, "tag:prod", o), 1);
    assert_int_equal(build(KD_SORT_NAME, false, "tag:pro", o), 0);   /* tags match whole */
    assert_int_equal(build(KD_SORT_NAME, false, "prod", o), 1);      /* words match parts */
    assert_int_equal(build(KD_SORT_NAME, false, "running t", o), 2); /* every word */
    assert_int_equal(build(KD_SORT_NAME, false, "\"<odd> &\"", o), 1);
    assert_int_equal(build(KD_SORT_NAME, false, "nothing-like-this", o), 0);
    /* An open quote while typing still filters on the text typed so far. */
    assert_int_equal(build(KD_SORT_NAME, false, "\"it's", o), 1);
    assert_int_equal(build(KD_SORT_NAME, false, "", o), 5);
}

static void test_sort_key_names(void **state)
{
    kd_sort_key k;
    (void)state;
    for (int i = 0; i < KD_SORT_LAST; i++) {
        assert_int_equal(kd_sort_key_parse(kd_sort_key_name((kd_sort_key)i), &k), 0);
        assert_int_equal(k, i);
    }
    assert_int_equal(kd_sort_key_parse("MEMORY", &k), 0);
    assert_int_equal(k, KD_SORT_MEMORY);
    assert_int_equal(kd_sort_key_parse("size", &k), -1);
}

static void type(kd_line *l, const char *s)
{
    wchar_t wc;
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    size_t n;
    while (*s && (n = mbrtowc(&wc, s, strlen(s), &st)) > 0 && n < (size_t)-2) {
        assert_true(kd_line_edit(l, (kd_key)wc));
        s += n;
    }
}

static void test_line_editing(void **state)
{
    kd_line l;
    (void)state;
    memset(&l, 0, sizeof(l));
    kd_line_set(&l, "");
    type(&l, "héllo wörld");
    assert_string_equal(l.text, "héllo wörld");
    assert_true(kd_line_edit(&l, KD_KEY_BSPACE)); /* one character, not one byte */
    assert_string_equal(l.text, "héllo wörl");
    assert_true(kd_line_edit(&l, 23)); /* C-w: the word before the cursor */
    assert_string_equal(l.text, "héllo ");
    assert_true(kd_line_edit(&l, 1)); /* C-a */
    assert_int_equal(l.cursor, 0);
    assert_true(kd_line_edit(&l, KD_KEY_FN | KEY_RIGHT));
    assert_true(kd_line_edit(&l, KD_KEY_FN | KEY_RIGHT));
    assert_int_equal(l.cursor, 3); /* 'h' then the two bytes of 'é' */
    type(&l, "X");
    assert_string_equal(l.text, "héXllo ");
    assert_true(kd_line_edit(&l, 11)); /* C-k */
    assert_string_equal(l.text, "héX");
    assert_true(kd_line_edit(&l, KD_KEY_FN | KEY_LEFT));
    assert_true(kd_line_edit(&l, KD_KEY_FN | KEY_DC));
    assert_string_equal(l.text, "hé");
    assert_true(kd_line_edit(&l, 21)); /* C-u */
    assert_string_equal(l.text, "");
    assert_false(kd_line_edit(&l, KD_KEY_ENTER));
    assert_false(kd_line_edit(&l, KD_KEY_META | 'x'));
    kd_line_clear(&l);
}

static void test_graph_nice_max(void **state)
{
    (void)state;
    assert_true(kd_graph_nice_max(37) == 50);
    assert_true(kd_graph_nice_max(100) == 100);
    assert_true(kd_graph_nice_max(101) == 200);
    assert_true(kd_graph_nice_max(0.3) == 0.5);
    assert_true(kd_graph_nice_max(0) == 1);
    assert_true(kd_graph_nice_max(NAN) == 1);
}

static void test_sparkline(void **state)
{
    (void)state;
    double v[] = {0, 25, 50, 100, NAN, 100};
    char *s = kd_graph_sparkline(v, 6, 6, 100, KD_GRAPH_BLOCK);
    /* zero is blank, full is a full block, a gap is blank */
    assert_string_equal(s, " ▂▄█ █");
    free(s);
    s = kd_graph_sparkline(v, 6, 6, 100, KD_GRAPH_ASCII);
    assert_int_equal(strlen(s), 6);
    assert_int_equal(s[0], ' ');
    assert_int_equal(s[3], '@');
    assert_int_equal(s[4], ' ');
    free(s);
    /* Fewer points than cells: the history is right-aligned, the start is blank. */
    s = kd_graph_sparkline(v + 3, 1, 4, 100, KD_GRAPH_BLOCK);
    assert_string_equal(s, "   █");
    free(s);
    /* More points than cells: the newest ones are shown. */
    s = kd_graph_sparkline(v, 4, 2, 100, KD_GRAPH_BLOCK);
    assert_string_equal(s, "▄█");
    free(s);
}

static void test_braille_graph(void **state)
{
    (void)state;
    /* Two rows are eight dots high: 100% fills both columns of a cell; 50% fills the
     * bottom row only; 0 and a gap leave it blank. */
    double v[] = {100, 50, 0, NAN};
    char **rows = kd_graph_render(v, 4, 2, 2, 100, KD_GRAPH_BRAILLE);
    /* top row: left column full (dots 1,2,3,7), right empty */
    assert_string_equal(rows[0], "\u2847 ");
    /* bottom row: both columns full where the value reaches, blank otherwise */
    assert_string_equal(rows[1], "\u28ff ");
    kd_graph_free_rows(rows, 2);
    /* Something above zero always shows at least one dot. */
    double tiny[] = {0.1, 0.1};
    rows = kd_graph_render(tiny, 2, 1, 1, 100, KD_GRAPH_BRAILLE);
    assert_string_equal(rows[0], "\u28c0");
    kd_graph_free_rows(rows, 1);
}

/* The palette, on libvirt's demo host, whose domain is named "test". */
static kd_app app;

static int setup_app(void **state)
{
    kd_err err;
    (void)state;
    kd_err_clear(&err);
    memset(&app, 0, sizeof(app));
    if (kd_loop_init(&err) < 0)
        return -1;
    app.conn = kd_conn_open("test:///default", false, &err);
    return app.conn ? 0 : -1;
}

static int teardown_app(void **state)
{
    (void)state;
    kd_conn_free(app.conn);
    return 0;
}

static void test_complete_verbs(void **state)
{
    size_t start = 99;
    (void)state;
    char **c = kd_app_complete(&app, "sus", &start);
    assert_int_equal(start, 0);
    assert_non_null(c);
    assert_string_equal(c[0], "suspend");
    assert_null(c[1]);
    kd_strv_free(c);
    c = kd_app_complete(&app, "managedsave", &start);
    assert_string_equal(c[0], "managedsave");
    assert_string_equal(c[1], "managedsave-remove");
    assert_null(c[2]);
    kd_strv_free(c);
    /* Every action can also be named in full. */
    c = kd_app_complete(&app, "domain.start_", &start);
    assert_string_equal(c[0], "domain.start_paused");
    kd_strv_free(c);
}

static void test_complete_domains(void **state)
{
    size_t start;
    (void)state;
    char **c = kd_app_complete(&app, "start t", &start);
    assert_int_equal(start, 6);
    assert_string_equal(c[0], "test");
    assert_null(c[1]);
    kd_strv_free(c);
    c = kd_app_complete(&app, "start \"te", &start);
    assert_int_equal(start, 6);
    assert_string_equal(c[0], "test");
    kd_strv_free(c);
    c = kd_app_complete(&app, "start zz", &start);
    assert_true(c == NULL || c[0] == NULL);
    kd_strv_free(c);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest model[] = {
        cmocka_unit_test(test_sort_by_name),
        cmocka_unit_test(test_sort_by_memory_and_ties),
        cmocka_unit_test(test_sort_by_id_puts_inactive_last),
        cmocka_unit_test(test_sort_by_tags_untagged_last),
        cmocka_unit_test(test_filter_words),
        cmocka_unit_test(test_sort_key_names),
        cmocka_unit_test(test_line_editing),
        cmocka_unit_test(test_graph_nice_max),
        cmocka_unit_test(test_sparkline),
        cmocka_unit_test(test_braille_graph),
    };
    const struct CMUnitTest palette[] = {
        cmocka_unit_test(test_complete_verbs),
        cmocka_unit_test(test_complete_domains),
    };
    int failed = cmocka_run_group_tests_name("listmodel", model, setup_doms, NULL);
    failed += cmocka_run_group_tests_name("palette", palette, setup_app, teardown_app);
    return failed ? 1 : 0;
}
