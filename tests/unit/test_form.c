/* Forms, pickers and the screen stack, driven by keys without a terminal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/str.h"
#include "ui/app.h"
#include "ui/form.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int done_calls;
    bool last_ok;
    char *name;
    char *size;
    char *format;
    bool thin;
    bool keep_open; /* done returns false once */
    int changed_calls;
} result;

static void result_clear(result *r)
{
    free(r->name);
    free(r->size);
    free(r->format);
    memset(r, 0, sizeof(*r));
}

static const char *check(kd_app *app, kd_form *f, const char *key, const char *value, char *buf,
                         size_t n, void *opaque)
{
    if (strcmp(key, "name") == 0 && !*value)
        return "a name is needed";
    if (strcmp(key, "name") == 0 && strchr(value, '/')) {
        snprintf(buf, n, "'%s' holds a '/'", value);
        return buf;
    }
    if (strcmp(key, "size") == 0 && kd_form_parse_size(value, 1 << 20) <= 0)
        return "not a size";
    return NULL;
}

static void changed(kd_app *app, kd_form *f, const char *key, void *opaque)
{
    result *r = opaque;
    r->changed_calls++;
    if (strcmp(key, "format") == 0)
        kd_form_set_hidden(f, "thin", strcmp(kd_form_get(f, "format"), "qcow2") != 0);
}

static bool done(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    result *r = opaque;
    r->done_calls++;
    r->last_ok = ok;
    if (ok) {
        free(r->name);
        free(r->size);
        free(r->format);
        r->name = kd_strdup(kd_form_get(f, "name"));
        r->size = kd_strdup(kd_form_get(f, "size"));
        r->format = kd_strdup(kd_form_get(f, "format"));
        r->thin = kd_form_get_bool(f, "thin");
    }
    if (r->keep_open) {
        r->keep_open = false;
        kd_form_error(f, "name", "that name is taken");
        return false;
    }
    return true;
}

static const char *const formats[] = {"raw", "qcow2", NULL};
static const kd_field_spec fields[] = {
    {.key = "name", .label = "Name", .type = KD_FIELD_TEXT},
    {.key = "size", .label = "Size", .type = KD_FIELD_NUMBER, .value = "1G"},
    {.key = "format",
     .label = "Format",
     .type = KD_FIELD_CHOICE,
     .choices = formats,
     .value = "raw"},
    {.key = "thin", .label = "Thin", .type = KD_FIELD_CHECK, .value = "0"},
    {.key = "note", .label = "Note", .type = KD_FIELD_LABEL, .value = "read only"},
};

static kd_form *open_form(kd_app *app, result *r)
{
    kd_form_spec spec = {.title = "New volume",
                         .fields = fields,
                         .nfields = sizeof(fields) / sizeof(fields[0]),
                         .submit = "Create",
                         .check = check,
                         .changed = changed,
                         .done = done,
                         .opaque = r};
    return kd_form_open(app, &spec);
}

static void type(kd_app *app, const char *s)
{
    for (; *s; s++)
        kd_form_key(app, (unsigned char)*s);
}

static void test_fill_and_submit(void **state)
{
    kd_app app;
    memset(&app, 0, sizeof(app));
    result r = {0};
    open_form(&app, &r);
    assert_true(kd_form_active(&app));
    type(&app, "disk1");
    kd_form_key(&app, '\t');
    /* A number field takes digits and units, and swallows other letters. */
    kd_form_key(&app, KD_KEY_BSPACE);
    kd_form_key(&app, KD_KEY_BSPACE);
    type(&app, "512xM");
    kd_form_key(&app, '\t');
    kd_form_key(&app, ' '); /* raw -> qcow2 */
    kd_form_key(&app, '\t');
    kd_form_key(&app, ' '); /* thin on */
    kd_form_key(&app, 19);  /* C-s */
    assert_false(kd_form_active(&app));
    assert_int_equal(r.done_calls, 1);
    assert_true(r.last_ok);
    assert_string_equal(r.name, "disk1");
    assert_string_equal(r.size, "512M");
    assert_string_equal(r.format, "qcow2");
    assert_true(r.thin);
    assert_true(r.changed_calls >= 5);
    result_clear(&r);
}

static void test_refused_value_keeps_answers(void **state)
{
    kd_app app;
    memset(&app, 0, sizeof(app));
    result r = {0};
    kd_form *f = open_form(&app, &r);
    type(&app, "a/b");
    kd_form_key(&app, 19);
    /* Refused by the check: still open, nothing lost, focus on the bad field. */
    assert_int_equal(r.done_calls, 0);
    assert_true(kd_form_active(&app));
    assert_string_equal(kd_form_get(f, "name"), "a/b");
    kd_form_key(&app, KD_KEY_BSPACE);
    kd_form_key(&app, KD_KEY_BSPACE);
    type(&app, "-b");
    /* The done callback may refuse too (a name taken): the form stays. */
    r.keep_open = true;
    kd_form_key(&app, 19);
    assert_int_equal(r.done_calls, 1);
    assert_true(kd_form_active(&app));
    assert_string_equal(kd_form_get(f, "name"), "a-b");
    kd_form_key(&app, 19);
    assert_int_equal(r.done_calls, 2);
    assert_false(kd_form_active(&app));
    assert_string_equal(r.name, "a-b");
    result_clear(&r);
}

static void test_cancel_and_hidden(void **state)
{
    kd_app app;
    memset(&app, 0, sizeof(app));
    result r = {0};
    kd_form *f = open_form(&app, &r);
    kd_form_set_hidden(f, "thin", true);
    kd_form_set(f, "format", "qcow2");
    assert_string_equal(kd_form_get(f, "format"), "qcow2");
    kd_form_set(f, "format", "vmdk"); /* not offered: the first choice */
    assert_string_equal(kd_form_get(f, "format"), "raw");
    static const char *const more[] = {"qcow2", "vmdk", NULL};
    kd_form_set_choices(f, "format", more);
    assert_string_equal(kd_form_get(f, "format"), "qcow2");
    assert_null(kd_form_get(f, "nope"));
    assert_int_equal(kd_form_get_num(f, "size"), 1LL << 30);
    kd_form_key(&app, KD_KEY_ESC);
    assert_false(kd_form_active(&app));
    assert_int_equal(r.done_calls, 1);
    assert_false(r.last_ok);
    result_clear(&r);
}

static void test_parse_size(void **state)
{
    assert_int_equal(kd_form_parse_size("512", 1 << 20), 512LL << 20);
    assert_int_equal(kd_form_parse_size("2G", 1), 2LL << 30);
    assert_int_equal(kd_form_parse_size("1.5GiB", 1), 3LL << 29);
    assert_int_equal(kd_form_parse_size(" 16 M", 1), 16LL << 20);
    assert_int_equal(kd_form_parse_size("12Q", 1), -1);
    assert_int_equal(kd_form_parse_size("", 1), -1);
    assert_int_equal(kd_form_parse_size("-1", 1), -1);
    assert_int_equal(kd_form_parse_size("99999999999T", 1), -1);
}

typedef struct {
    int calls;
    bool ok;
    size_t index;
    char item[64];
} picked;

static void on_pick(kd_app *app, bool ok, size_t index, const char *item, void *opaque)
{
    picked *p = opaque;
    p->calls++;
    p->ok = ok;
    p->index = index;
    snprintf(p->item, sizeof(p->item), "%s", item ? item : "");
}

static void test_picker_filters(void **state)
{
    kd_app app;
    memset(&app, 0, sizeof(app));
    app.rows = 24;
    static const char *const items[] = {"debian12", "fedora39", "ubuntu22.04", "win11"};
    static const char *const details[] = {"Debian 12", "Fedora 39", "Ubuntu 22.04 LTS",
                                          "Microsoft Windows 11"};
    picked p = {0};
    kd_pick_spec spec = {
        .title = "OS", .items = items, .details = details, .n = 4, .done = on_pick, .opaque = &p};
    kd_pick_open(&app, &spec);
    type(&app, "lts"); /* matches the details column */
    kd_form_key(&app, KD_KEY_ENTER);
    assert_int_equal(p.calls, 1);
    assert_true(p.ok);
    assert_int_equal(p.index, 2);
    assert_string_equal(p.item, "ubuntu22.04");

    kd_pick_open(&app, &spec);
    kd_form_key(&app, KD_KEY_FN | KEY_DOWN);
    kd_form_key(&app, KD_KEY_FN | KEY_DOWN);
    kd_form_key(&app, KD_KEY_ENTER);
    assert_int_equal(p.index, 2);

    kd_pick_open(&app, &spec);
    type(&app, "zzz");
    kd_form_key(&app, KD_KEY_ENTER); /* nothing matches: not chosen */
    assert_int_equal(p.calls, 3);
    assert_false(p.ok);
    assert_false(kd_form_active(&app));
}

/* A picker opened from a field returns its choice to that field. */
static void pick_for_field(kd_app *app, kd_form *form, const char *key);

static void on_field_pick(kd_app *app, bool ok, size_t index, const char *item, void *opaque)
{
    kd_form *f = kd_form_current(app);
    if (ok)
        kd_form_set(f, "path", item);
}

static void pick_for_field(kd_app *app, kd_form *form, const char *key)
{
    static const char *const items[] = {"/a.iso", "/b.iso", NULL};
    kd_pick_spec spec = {.title = "ISO", .items = items, .n = 2, .done = on_field_pick};
    kd_pick_open(app, &spec);
}

static bool done_path(kd_app *app, kd_form *f, bool ok, void *opaque)
{
    snprintf(opaque, 64, "%s", ok ? kd_form_get(f, "path") : "cancelled");
    return true;
}

static void test_field_picker(void **state)
{
    kd_app app;
    memset(&app, 0, sizeof(app));
    app.rows = 24;
    char out[64] = "";
    kd_field_spec fs[] = {
        {.key = "path", .label = "ISO", .type = KD_FIELD_TEXT, .pick = pick_for_field}};
    kd_form_spec spec = {
        .title = "t", .fields = fs, .nfields = 1, .done = done_path, .opaque = out};
    kd_form_open(&app, &spec);
    kd_form_key(&app, KD_KEY_FN | KEY_F(4));
    kd_form_key(&app, KD_KEY_FN | KEY_DOWN);
    kd_form_key(&app, KD_KEY_ENTER); /* the picker closes, the form is back */
    assert_true(kd_form_active(&app));
    kd_form_key(&app, KD_KEY_FN | KEY_DOWN); /* to the submit button */
    kd_form_key(&app, KD_KEY_ENTER);
    assert_false(kd_form_active(&app));
    assert_string_equal(out, "/b.iso");
}

static int draws;
static void scr_draw(kd_app *app, WINDOW *w)
{
    draws++;
}
static long moved;
static void scr_cursor(kd_app *app, long d)
{
    moved += d;
}
static const kd_screen_ops ops_a = {
    .name = "a", .ctx = KD_CTX_POOLS, .draw = scr_draw, .cursor = scr_cursor};
static const kd_screen_ops ops_b = {.name = "b", .ctx = KD_CTX_VOLUMES, .draw = scr_draw};

static int freed;
static void state_free(void *p)
{
    freed++;
    free(p);
}

static void test_screen_stack(void **state)
{
    kd_app app;
    memset(&app, 0, sizeof(app));
    kd_screen_open(&app, &ops_a, kd_strdup("a"), state_free);
    kd_screen_open(&app, &ops_b, kd_strdup("b"), state_free);
    assert_int_equal(app.view, KD_VIEW_SCREEN);
    assert_string_equal(kd_screen_state(&app, &ops_b), "b");
    assert_null(kd_screen_state(&app, &ops_a));
    assert_string_equal(kd_screen_find(&app, &ops_a), "a");
    /* Opening a screen already in the stack brings it back; the new state is freed. */
    kd_screen_open(&app, &ops_a, kd_strdup("a2"), state_free);
    assert_int_equal(freed, 1);
    assert_string_equal(kd_screen_state(&app, &ops_a), "a");
    kd_screen_close(&app);
    assert_string_equal(kd_screen_state(&app, &ops_b), "b");
    kd_screen_close(&app);
    assert_int_equal(app.view, KD_VIEW_LIST);
    assert_int_equal(freed, 3);
    assert_int_equal(app.nscreens, 0);
}

static void test_cursor(void **state)
{
    kd_cursor c = {0};
    kd_cursor_move(&c, 10, 25);
    assert_int_equal(c.sel, 9);
    kd_cursor_fit(&c, 10, 4);
    assert_int_equal(c.top, 6);
    kd_cursor_move(&c, 10, -(1L << 30));
    kd_cursor_fit(&c, 10, 4);
    assert_int_equal(c.sel, 0);
    assert_int_equal(c.top, 0);
    kd_cursor_move(&c, 0, 1);
    assert_int_equal(c.sel, 0);
    c.sel = 7;
    kd_cursor_fit(&c, 3, 4); /* the rows went away */
    assert_int_equal(c.sel, 2);
    assert_int_equal(c.top, 0);
}

static void test_fit_hint(void **state)
{
    const char *hint = "n new  r resize  c clone  d delete  q back";
    char *t = kd_screen_fit_hint(hint, 80);
    assert_string_equal(t, hint);
    free(t);
    t = kd_screen_fit_hint(hint, 30);
    assert_string_equal(t, "n new  r resize  ...  q back");
    free(t);
    t = kd_screen_fit_hint(hint, 12);
    assert_string_equal(t, "q back"); /* the way out stays */
    free(t);
    t = kd_screen_fit_hint("one item only, far too long", 5);
    assert_string_equal(t, "one item only, far too long"); /* cut when drawn */
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_and_submit),
        cmocka_unit_test(test_refused_value_keeps_answers),
        cmocka_unit_test(test_cancel_and_hidden),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_picker_filters),
        cmocka_unit_test(test_field_picker),
        cmocka_unit_test(test_screen_stack),
        cmocka_unit_test(test_cursor),
        cmocka_unit_test(test_fit_hint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
