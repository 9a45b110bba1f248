/* The helpers the action files share: which object an action is about, the question before
 * a change and the report after it, driven without a terminal on the test driver. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/loop.h"
#include "core/str.h"
#include "store/store.h"
#include "ui/act_common.h"
#include "ui/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    kd_app app;
    char dir[64];
    char *db;
} fixture;

static int setup(void **state)
{
    fixture *f = kd_calloc(1, sizeof(*f));
    kd_err err;
    kd_err_clear(&err);
    snprintf(f->dir, sizeof(f->dir), "/tmp/kd-act-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->db = kd_asprintf("%s/state.db", f->dir);
    f->app.store = kd_store_open(f->db, &err);
    f->app.conn = kd_conn_open("test:///default", false, &err);
    if (!f->app.store || !f->app.conn)
        fprintf(stderr, "setup: %s\n", err.msg);
    *state = f;
    return f->app.store && f->app.conn ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    kd_conn_free(f->app.conn);
    kd_store_free(f->app.store);
    unlink(f->db);
    rmdir(f->dir);
    free(f->db);
    free(f);
    return 0;
}

/* The newest audit row, or fails the test. */
static kd_audit_row *last_audit(fixture *f, size_t *n)
{
    kd_audit_row *rows = NULL;
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_store_list_audit(f->app.store, 1, &rows, n, &err), 0);
    assert_int_equal(*n, 1);
    return rows;
}

static void test_target(void **state)
{
    fixture *f = *state;
    char *argv[] = {"it's <odd> & \"quoted\"", "--disable"};
    char *t = kd_act_target(&f->app, 2, argv, "selected", "net-start", "NETWORK");
    assert_string_equal(t, "it's <odd> & \"quoted\"");
    free(t);
    /* An option first is not a name: the selected row is taken. */
    t = kd_act_target(&f->app, 1, argv + 1, "selected", "net-start", "NETWORK");
    assert_string_equal(t, "selected");
    free(t);
    assert_null(kd_act_target(&f->app, 0, NULL, NULL, "net-start", "NETWORK"));
    assert_string_equal(f->app.status, "usage: net-start NETWORK");
    assert_true(f->app.status_error);
    kd_conn *c = f->app.conn;
    f->app.conn = NULL;
    assert_null(kd_act_target(&f->app, 1, argv, "selected", "net-start", "NETWORK"));
    assert_string_equal(f->app.status, "not connected");
    f->app.conn = c;
}

static void test_report(void **state)
{
    fixture *f = *state;
    kd_err err;
    kd_err_clear(&err);
    kd_act_report(&f->app, "web1", "snapshot-create-as s<1>&", 0, &err);
    assert_string_equal(f->app.status, "snapshot-create-as s<1>&: done");
    assert_false(f->app.status_error);
    size_t n;
    kd_audit_row *r = last_audit(f, &n);
    assert_string_equal(r->domain, "web1");
    assert_string_equal(r->action, "snapshot-create-as s<1>&");
    assert_string_equal(r->result, "ok");
    kd_audit_rows_free(r, n);

    kd_err_set(&err, KD_ERR_INVALID, "no network named 'x'");
    kd_act_report(&f->app, "", "net-start x", -1, &err);
    assert_string_equal(f->app.status, "net-start x: no network named 'x'");
    assert_true(f->app.status_error);
    r = last_audit(f, &n);
    assert_string_equal(r->action, "net-start x");
    assert_string_equal(r->result, "no network named 'x'");
    kd_audit_rows_free(r, n);

    /* A message that names the verb already is not prefixed again. */
    kd_err_set(&err, KD_ERR_INVALID, "vol-create-as: '12Q' is not a size");
    kd_act_report(&f->app, "", "vol-create-as pool v 12Q", -1, &err);
    assert_string_equal(f->app.status, "vol-create-as: '12Q' is not a size");
}

static int runs;
static int frees;
static const char *ran_with;

static void run(kd_app *app, void *opaque)
{
    runs++;
    ran_with = opaque;
}

static void count_free(void *p)
{
    (void)p;
    frees++;
}

static void test_confirm(void **state)
{
    fixture *f = *state;
    runs = frees = 0;
    kd_act_confirm(&f->app, "Stop?", "Really?", NULL, run, "net1", count_free);
    assert_non_null(f->app.dialog);
    kd_dialog_key(&f->app, 'n');
    assert_null(f->app.dialog);
    assert_int_equal(runs, 0);
    assert_int_equal(frees, 1);
    assert_string_equal(f->app.status, "cancelled");

    kd_act_confirm(&f->app, "Stop?", "Really?", NULL, run, "net2", count_free);
    kd_dialog_key(&f->app, 'y');
    assert_int_equal(runs, 1);
    assert_string_equal(ran_with, "net2");
    assert_int_equal(frees, 2);

    /* Typed: a wrong name runs nothing, the right one runs. */
    kd_act_confirm(&f->app, "Delete?", "Type the name", "pool", run, "pool", count_free);
    kd_dialog_key(&f->app, 'p');
    kd_dialog_key(&f->app, KD_KEY_ENTER);
    assert_int_equal(runs, 1);
    if (f->app.dialog) {
        kd_dialog_key(&f->app, KD_KEY_ESC);
        assert_null(f->app.dialog);
    }
    assert_int_equal(frees, 3);
    kd_act_confirm(&f->app, "Delete?", "Type the name", "pool", run, "pool", count_free);
    for (const char *c = "pool"; *c; c++)
        kd_dialog_key(&f->app, (unsigned char)*c);
    kd_dialog_key(&f->app, KD_KEY_ENTER);
    assert_int_equal(runs, 2);
    assert_int_equal(frees, 4);
}

int main(void)
{
    kd_err err;
    kd_err_clear(&err);
    if (kd_loop_init(&err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_confirm, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
