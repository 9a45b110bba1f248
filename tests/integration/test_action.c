#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/action.h"
#include "backend/conn.h"
#include "backend/conn_priv.h"
#include "backend/domain.h"
#include "backend/loop.h"
#include "core/err.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Actions run through kvmdeck against the fixture host; the tests look at the result twice:
 * through libvirt's own API on the same driver instance (kd_conn_virt), and in kvmdeck's
 * table once the lifecycle event has come through the loop. Storage and clones need a pool,
 * which only the driver's default host has. */

#define FIXTURE_URI "test://" KD_FIXTURES_DIR "/hosts.xml"
#define DEFAULT_URI "test:///default"
#define WEB1        "11111111-1111-4111-8111-111111111111"
#define DB1         "22222222-2222-4222-8222-222222222222"
#define BUILD       "33333333-3333-4333-8333-333333333333"
#define RESTORED    "44444444-4444-4444-8444-444444444444"
#define ODD         "77777777-7777-4777-8777-777777777777"
#define ODD_NAME    "it's <odd> & \"quoted\""
#define NO_UUID     "99999999-9999-4999-8999-999999999999"
#define POOL        "default-pool"
#define PREFIX      "kd-test"
#define MAX_ROUNDS  300
#define TICK_MS     10

static int tick_timer = -1;

static void on_tick(int timer, void *opaque)
{
    (void)timer;
    (void)opaque;
}

static int group_setup(void **state)
{
    (void)state;
    kd_err err;
    if (kd_loop_init(&err) < 0)
        return -1;
    /* Bounds every kd_loop_run_once, so a missing event fails a test instead of hanging it. */
    tick_timer = kd_loop_add_timer(TICK_MS, on_tick, NULL, &err);
    return tick_timer < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
    (void)state;
    kd_loop_remove_timer(tick_timer);
    return 0;
}

static int open_uri(void **state, const char *uri, bool readonly)
{
    kd_err err;
    kd_err_clear(&err);
    kd_conn *c = kd_conn_open(uri, readonly, &err);
    if (!c)
        fprintf(stderr, "%s: %s\n", uri, err.msg);
    *state = c;
    return c ? 0 : -1;
}

static int open_fixture(void **state)
{
    return open_uri(state, FIXTURE_URI, false);
}

static int open_fixture_ro(void **state)
{
    return open_uri(state, FIXTURE_URI, true);
}

static int close_conn(void **state)
{
    kd_conn_free(*state);
    return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

static virDomainPtr raw_dom(kd_conn *c, const char *uuid)
{
    virDomainPtr d = virDomainLookupByUUIDString(kd_conn_virt(c), uuid);
    if (!d)
        fail_msg("no domain %s", uuid);
    return d;
}

static int raw_state(kd_conn *c, const char *uuid)
{
    virDomainPtr d = raw_dom(c, uuid);
    int st = -1, reason = 0;
    assert_int_equal(virDomainGetState(d, &st, &reason, 0), 0);
    virDomainFree(d);
    return st;
}

static bool raw_exists(kd_conn *c, const char *uuid)
{
    virDomainPtr d = virDomainLookupByUUIDString(kd_conn_virt(c), uuid);
    if (d)
        virDomainFree(d);
    return d != NULL;
}

typedef bool (*conn_pred)(kd_conn *c, const void *arg);

static bool wait_for(kd_conn *c, conn_pred pred, const void *arg)
{
    for (int i = 0; i < MAX_ROUNDS && !pred(c, arg); i++) {
        kd_err err;
        if (kd_loop_run_once(&err) < 0)
            fail_msg("kd_loop_run_once: %s", err.msg);
    }
    return pred(c, arg);
}

typedef struct {
    const char *uuid;
    kd_dom_state state;
} want_state;

static bool has_state(kd_conn *c, const void *arg)
{
    const want_state *w = arg;
    const kd_domain *d = kd_conn_domain_by_uuid(c, w->uuid);
    return d && d->state == w->state;
}

static bool is_gone(kd_conn *c, const void *arg)
{
    return kd_conn_domain_by_uuid(c, arg) == NULL;
}

/* The state as libvirt has it now, and as kvmdeck's table has it once the event is in. */
static void expect_state(kd_conn *c, const char *uuid, kd_dom_state state)
{
    int st = raw_state(c, uuid);
    if (st != (int)state)
        fail_msg("libvirt says %s is %s, expected %s", uuid, kd_dom_state_name(st),
                 kd_dom_state_name(state));
    want_state w = {uuid, state};
    if (!wait_for(c, has_state, &w)) {
        const kd_domain *d = kd_conn_domain_by_uuid(c, uuid);
        fail_msg("kvmdeck's table never showed %s as %s (it shows %s)", uuid,
                 kd_dom_state_name(state), d ? kd_dom_state_name(d->state) : "nothing");
    }
}

static void expect_error(int rc, const kd_err *err, kd_err_code code, const char *prefix)
{
    assert_int_equal(rc, -1);
    if (err->code != code)
        fail_msg("expected a %s error, got %s: %s", kd_err_code_name(code),
                 kd_err_code_name(err->code), err->msg);
    if (prefix && strncmp(err->msg, prefix, strlen(prefix)) != 0)
        fail_msg("'%s' does not start with '%s'", err->msg, prefix);
}

/* Clears err first, so the code and message checked are this call's own. */
#define EXPECT_FAIL(call, code, prefix)                                                            \
    do {                                                                                           \
        kd_err_clear(&err);                                                                        \
        expect_error((call), &err, (code), (prefix));                                              \
    } while (0)

static void expect_ok(int rc, const kd_err *err)
{
    if (rc != 0)
        fail_msg("failed: %s", err->msg);
}

/* ---- the operation table ---------------------------------------------------------------- */

static void test_op_table(void **state)
{
    (void)state;
    static const struct {
        kd_op op;
        const char *verb;
        bool slow;
    } want[] = {
        /* clang-format off */
        {KD_OP_START, "start", true},          {KD_OP_START_PAUSED, "start --paused", true},
        {KD_OP_SHUTDOWN, "shutdown", false},   {KD_OP_REBOOT, "reboot", false},
        {KD_OP_RESET, "reset", false},         {KD_OP_DESTROY, "destroy", true},
        {KD_OP_SUSPEND, "suspend", false},     {KD_OP_RESUME, "resume", false},
        {KD_OP_MANAGEDSAVE, "managedsave", true},
        {KD_OP_MANAGEDSAVE_REMOVE, "managedsave-remove", false},
        {KD_OP_AUTOSTART_ON, "autostart", false},
        {KD_OP_AUTOSTART_OFF, "autostart --disable", false},
        /* clang-format on */
    };
    assert_int_equal(sizeof(want) / sizeof(want[0]), KD_OP_LAST);
    for (size_t i = 0; i < KD_OP_LAST; i++) {
        assert_string_equal(kd_op_verb(want[i].op), want[i].verb);
        assert_int_equal(kd_op_is_slow(want[i].op), want[i].slow);
    }
    assert_string_equal(kd_op_verb(KD_OP_LAST), "unknown");
    assert_false(kd_op_is_slow(KD_OP_LAST));
}

static void test_unknown_op(void **state)
{
    kd_err err;
    EXPECT_FAIL(kd_dom_run(*state, WEB1, KD_OP_LAST, &err), KD_ERR_INVALID, NULL);
    assert_int_equal(raw_state(*state, WEB1), VIR_DOMAIN_RUNNING);
}

/* ---- lifecycle -------------------------------------------------------------------------- */

static void test_lifecycle(void **state)
{
    kd_conn *c = *state;
    /* build starts shut off; each step's result is checked before the next. The test
     * driver has no ACPI shutdown (kvmdeck falls back to the default mode) and no paused
     * start (libvirt refuses, and the domain must stay as it was). */
    static const struct {
        kd_op op;
        kd_dom_state after;
        bool fails;
    } steps[] = {
        {KD_OP_START, KD_DOM_RUNNING, false},
        {KD_OP_SUSPEND, KD_DOM_PAUSED, false},
        {KD_OP_RESUME, KD_DOM_RUNNING, false},
        {KD_OP_REBOOT, KD_DOM_RUNNING, false},
        {KD_OP_RESET, KD_DOM_RUNNING, false},
        {KD_OP_SHUTDOWN, KD_DOM_SHUTOFF, false},
        {KD_OP_START_PAUSED, KD_DOM_SHUTOFF, true},
        {KD_OP_START, KD_DOM_RUNNING, false},
        {KD_OP_DESTROY, KD_DOM_SHUTOFF, false},
        {KD_OP_START, KD_DOM_RUNNING, false},
        {KD_OP_MANAGEDSAVE, KD_DOM_SHUTOFF, false},
        {KD_OP_MANAGEDSAVE_REMOVE, KD_DOM_SHUTOFF, false},
    };
    expect_state(c, BUILD, KD_DOM_SHUTOFF);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        kd_err err;
        kd_err_clear(&err);
        int rc = kd_dom_run(c, BUILD, steps[i].op, &err);
        if (steps[i].fails) {
            expect_error(rc, &err, KD_ERR_LIBVIRT, "start --paused build: ");
            assert_non_null(strstr(err.msg, "unsupported flags"));
        } else if (rc != 0) {
            fail_msg("%s: %s", kd_op_verb(steps[i].op), err.msg);
        }
        expect_state(c, BUILD, steps[i].after);
    }
    virDomainPtr d = raw_dom(c, BUILD);
    assert_int_equal(virDomainHasManagedSaveImage(d, 0), 0);
    virDomainFree(d);
    /* Nothing else moved. */
    assert_int_equal(raw_state(c, WEB1), VIR_DOMAIN_RUNNING);
    assert_int_equal(raw_state(c, DB1), VIR_DOMAIN_PAUSED);
}

static void test_impossible(void **state)
{
    kd_conn *c = *state;
    kd_err err;
    EXPECT_FAIL(kd_dom_run(c, WEB1, KD_OP_START, &err), KD_ERR_LIBVIRT, "start web1: ");
    EXPECT_FAIL(kd_dom_run(c, WEB1, KD_OP_RESUME, &err), KD_ERR_LIBVIRT, "resume web1: ");
    EXPECT_FAIL(kd_dom_run(c, BUILD, KD_OP_SUSPEND, &err), KD_ERR_LIBVIRT, "suspend build: ");
    EXPECT_FAIL(kd_dom_run(c, BUILD, KD_OP_MANAGEDSAVE, &err), KD_ERR_LIBVIRT,
                "managedsave build: ");
    /* The rest of the message is libvirt's, not an empty "unknown error". */
    assert_null(strstr(err.msg, "unknown libvirt error"));
    assert_true(strlen(err.msg) > strlen("managedsave build: "));
    EXPECT_FAIL(kd_dom_run(c, NO_UUID, KD_OP_START, &err), KD_ERR_NOTFOUND, NULL);
    EXPECT_FAIL(kd_dom_run(c, ODD, KD_OP_START, &err), KD_ERR_LIBVIRT, "start " ODD_NAME ": ");

    assert_int_equal(raw_state(c, WEB1), VIR_DOMAIN_RUNNING);
    assert_int_equal(raw_state(c, BUILD), VIR_DOMAIN_SHUTOFF);
}

static void test_managedsave_start(void **state)
{
    kd_conn *c = *state;
    kd_err err;
    kd_err_clear(&err);
    expect_ok(kd_dom_run(c, WEB1, KD_OP_MANAGEDSAVE, &err), &err);
    expect_state(c, WEB1, KD_DOM_SHUTOFF);
    virDomainPtr d = raw_dom(c, WEB1);
    assert_int_equal(virDomainHasManagedSaveImage(d, 0), 1);
    assert_true(kd_conn_domain_by_uuid(c, WEB1)->managed_save);

    expect_ok(kd_dom_run(c, WEB1, KD_OP_START, &err), &err);
    expect_state(c, WEB1, KD_DOM_RUNNING);
    /* Starting used the image up: libvirt restored from it. */
    assert_int_equal(virDomainHasManagedSaveImage(d, 0), 0);
    assert_false(kd_conn_domain_by_uuid(c, WEB1)->managed_save);
    virDomainFree(d);

    /* The fixture's own saved domain, and removing a saved state without starting. */
    d = raw_dom(c, RESTORED);
    assert_int_equal(virDomainHasManagedSaveImage(d, 0), 1);
    expect_ok(kd_dom_run(c, RESTORED, KD_OP_MANAGEDSAVE_REMOVE, &err), &err);
    assert_int_equal(virDomainHasManagedSaveImage(d, 0), 0);
    assert_int_equal(raw_state(c, RESTORED), VIR_DOMAIN_SHUTOFF);
    virDomainFree(d);
}

static void test_autostart(void **state)
{
    kd_conn *c = *state;
    kd_err err;
    kd_err_clear(&err);
    virDomainPtr d = raw_dom(c, BUILD);
    int on = -1;
    assert_int_equal(virDomainGetAutostart(d, &on), 0);
    assert_int_equal(on, 0);

    expect_ok(kd_dom_run(c, BUILD, KD_OP_AUTOSTART_ON, &err), &err);
    assert_int_equal(virDomainGetAutostart(d, &on), 0);
    assert_int_equal(on, 1);
    /* Autostart raises no event: a refresh shows it. */
    assert_int_equal(kd_conn_refresh(c, &err), 0);
    assert_true(kd_conn_domain_by_uuid(c, BUILD)->autostart);

    expect_ok(kd_dom_run(c, BUILD, KD_OP_AUTOSTART_OFF, &err), &err);
    assert_int_equal(virDomainGetAutostart(d, &on), 0);
    assert_int_equal(on, 0);
    assert_int_equal(kd_conn_refresh(c, &err), 0);
    assert_false(kd_conn_domain_by_uuid(c, BUILD)->autostart);
    assert_int_equal(raw_state(c, BUILD), VIR_DOMAIN_SHUTOFF);
    virDomainFree(d);
}

/* ---- read-only -------------------------------------------------------------------------- */

typedef struct {
    int state;
    int autostart;
    int managed_save;
    int persistent;
    char name[128];
} snap;

static int snapshot(kd_conn *c, snap *out, int max)
{
    virDomainPtr *list = NULL;
    int n = virConnectListAllDomains(kd_conn_virt(c), &list, 0);
    assert_true(n > 0 && n <= max);
    for (int i = 0; i < n; i++) {
        int reason;
        virDomainGetState(list[i], &out[i].state, &reason, 0);
        virDomainGetAutostart(list[i], &out[i].autostart);
        out[i].managed_save = virDomainHasManagedSaveImage(list[i], 0);
        out[i].persistent = virDomainIsPersistent(list[i]);
        snprintf(out[i].name, sizeof(out[i].name), "%s", virDomainGetName(list[i]));
        virDomainFree(list[i]);
    }
    free(list);
    return n;
}

static void test_readonly_refuses(void **state)
{
    kd_conn *c = *state;
    assert_true(kd_conn_readonly(c));
    snap before[16], after[16];
    int n = snapshot(c, before, 16);
    kd_err err;
    const char *targets[] = {WEB1, DB1, BUILD, RESTORED};

    for (int op = 0; op < KD_OP_LAST; op++) {
        for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
            EXPECT_FAIL(kd_dom_run(c, targets[t], (kd_op)op, &err), KD_ERR_READONLY,
                        kd_op_verb((kd_op)op));
        }
    }
    char uuid[37] = "";
    EXPECT_FAIL(kd_dom_save(c, WEB1, "/tmp/kd-test-never.save", &err), KD_ERR_READONLY, "save: ");
    assert_int_equal(access("/tmp/kd-test-never.save", F_OK), -1);
    EXPECT_FAIL(kd_dom_restore(c, "/tmp/kd-test-never.save", &err), KD_ERR_READONLY, "restore: ");
    EXPECT_FAIL(kd_dom_rename(c, BUILD, "build2", &err), KD_ERR_READONLY, "rename: ");
    EXPECT_FAIL(kd_dom_undefine(c, BUILD, 0, &err), KD_ERR_READONLY, "undefine: ");
    EXPECT_FAIL(kd_dom_undefine(c, RESTORED, KD_UNDEFINE_MANAGED_SAVE, &err), KD_ERR_READONLY,
                NULL);
    EXPECT_FAIL(kd_dom_clone(c, BUILD, "build-copy", &err), KD_ERR_READONLY, "clone: ");
    char *xml = kd_dom_dumpxml(c, BUILD, true, &err);
    assert_non_null(xml);
    EXPECT_FAIL(kd_dom_define(c, xml, uuid, &err), KD_ERR_READONLY, "define: ");
    free(xml);

    assert_int_equal(snapshot(c, after, 16), n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(after[i].name, before[i].name);
        assert_int_equal(after[i].state, before[i].state);
        assert_int_equal(after[i].autostart, before[i].autostart);
        assert_int_equal(after[i].managed_save, before[i].managed_save);
        assert_int_equal(after[i].persistent, before[i].persistent);
    }
}

/* ---- save and restore ------------------------------------------------------------------- */

static void test_save_restore(void **state)
{
    kd_conn *c = *state;
    char dir[] = "/tmp/kd-test-save-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[256];
    snprintf(file, sizeof(file), "%s/web1 saved.img", dir);
    kd_err err;
    kd_err_clear(&err);

    expect_ok(kd_dom_save(c, WEB1, file, &err), &err);
    expect_state(c, WEB1, KD_DOM_SHUTOFF);
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    assert_true(st.st_size > 0);

    expect_ok(kd_dom_restore(c, file, &err), &err);
    expect_state(c, WEB1, KD_DOM_RUNNING);
    assert_int_equal(kd_conn_domain_by_uuid(c, WEB1)->vcpus, 4);

    EXPECT_FAIL(kd_dom_save(c, WEB1, "", &err), KD_ERR_INVALID, "save: ");
    EXPECT_FAIL(kd_dom_restore(c, "/nonexistent/kd-test.save", &err), KD_ERR_LIBVIRT,
                "restore from /nonexistent/kd-test.save: ");
    EXPECT_FAIL(kd_dom_save(c, BUILD, file, &err), KD_ERR_LIBVIRT, "save build to ");
    assert_int_equal(raw_state(c, WEB1), VIR_DOMAIN_RUNNING);

    unlink(file);
    assert_int_equal(rmdir(dir), 0);
}

/* ---- rename ----------------------------------------------------------------------------- */

static bool is_named(kd_conn *c, const void *arg)
{
    const kd_domain *d = kd_conn_domain_by_uuid(c, BUILD);
    return d && strcmp(d->name, arg) == 0;
}

static void test_rename(void **state)
{
    kd_conn *c = *state;
    kd_err err;
    kd_err_clear(&err);
    const char *new_name = "build & <test>";
    expect_ok(kd_dom_rename(c, BUILD, new_name, &err), &err);
    virDomainPtr d = raw_dom(c, BUILD);
    assert_string_equal(virDomainGetName(d), new_name);
    virDomainFree(d);
    d = virDomainLookupByName(kd_conn_virt(c), new_name);
    assert_non_null(d);
    char uuid[VIR_UUID_STRING_BUFLEN];
    assert_int_equal(virDomainGetUUIDString(d, uuid), 0);
    assert_string_equal(uuid, BUILD);
    virDomainFree(d);
    assert_null(virDomainLookupByName(kd_conn_virt(c), "build"));
    assert_true(wait_for(c, is_named, new_name));

    static const struct {
        const char *name;
        const char *says;
    } bad[] = {
        {"", "empty"},      {"   ", "empty"},           {"a/b", "'/'"},
        {"web1", "exists"}, {"line\nbreak", "control"}, {"build & <test>", "exists"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        EXPECT_FAIL(kd_dom_rename(c, BUILD, bad[i].name, &err), KD_ERR_INVALID,
                    "rename build & <test>: ");
        if (!strstr(err.msg, bad[i].says))
            fail_msg("'%s' does not say '%s'", err.msg, bad[i].says);
    }
    d = raw_dom(c, BUILD);
    assert_string_equal(virDomainGetName(d), new_name);
    virDomainFree(d);

    /* libvirt renames only inactive domains; its refusal comes through. */
    EXPECT_FAIL(kd_dom_rename(c, DB1, "db2", &err), KD_ERR_LIBVIRT, "rename db1 to db2: ");
    d = raw_dom(c, DB1);
    assert_string_equal(virDomainGetName(d), "db1");
    virDomainFree(d);
}

/* ---- undefine --------------------------------------------------------------------------- */

static void test_undefine(void **state)
{
    kd_conn *c = *state;
    kd_err err;
    kd_err_clear(&err);
    expect_ok(kd_dom_undefine(c, BUILD, 0, &err), &err);
    assert_false(raw_exists(c, BUILD));
    assert_true(wait_for(c, is_gone, BUILD));

    /* libvirt refuses while a managed save image exists, unless asked to drop it. */
    EXPECT_FAIL(kd_dom_undefine(c, RESTORED, 0, &err), KD_ERR_LIBVIRT, "undefine restored: ");
    assert_true(raw_exists(c, RESTORED));
    expect_ok(kd_dom_undefine(c, RESTORED, KD_UNDEFINE_MANAGED_SAVE | KD_UNDEFINE_SNAPSHOTS, &err),
              &err);
    assert_false(raw_exists(c, RESTORED));
    assert_true(wait_for(c, is_gone, RESTORED));

    /* A running domain only becomes transient. */
    expect_ok(kd_dom_undefine(c, WEB1, 0, &err), &err);
    virDomainPtr d = raw_dom(c, WEB1);
    assert_int_equal(virDomainIsPersistent(d), 0);
    assert_int_equal(virDomainIsActive(d), 1);
    virDomainFree(d);

    EXPECT_FAIL(kd_dom_undefine(c, NO_UUID, 0, &err), KD_ERR_NOTFOUND, NULL);
    EXPECT_FAIL(kd_dom_undefine(c, DB1, 1u << 20, &err), KD_ERR_INVALID, "undefine: ");
    /* Storage deletion needs the domain stopped. */
    EXPECT_FAIL(kd_dom_undefine(c, DB1, KD_UNDEFINE_STORAGE, &err), KD_ERR_INVALID,
                "undefine db1: ");
    assert_true(raw_exists(c, DB1));
    d = raw_dom(c, DB1);
    assert_int_equal(virDomainIsPersistent(d), 1);
    virDomainFree(d);
}

/* ---- XML -------------------------------------------------------------------------------- */

static char *insert_after(const char *s, const char *mark, const char *add)
{
    const char *p = strstr(s, mark);
    assert_non_null(p);
    p += strlen(mark);
    size_t n = (size_t)(p - s);
    char *out = malloc(strlen(s) + strlen(add) + 1);
    assert_non_null(out);
    memcpy(out, s, n);
    strcpy(out + n, add);
    strcat(out, p);
    return out;
}

static void test_dumpxml_define(void **state)
{
    kd_conn *c = *state;
    kd_err err;
    kd_err_clear(&err);
    char *xml = kd_dom_dumpxml(c, ODD, true, &err);
    if (!xml)
        fail_msg("dumpxml: %s", err.msg);
    const char *escaped = "<name>it&apos;s &lt;odd&gt; &amp; &quot;quoted&quot;</name>";
    if (!strstr(xml, escaped))
        fail_msg("the name is not escaped as %s in\n%s", escaped, xml);
    assert_null(strstr(xml, "<description>"));

    char *edited =
        insert_after(xml, "</uuid>", "<description>edited &amp; &lt;ok&gt;</description>");
    char uuid[37] = "";
    expect_ok(kd_dom_define(c, edited, uuid, &err), &err);
    assert_string_equal(uuid, ODD);
    virDomainPtr d = raw_dom(c, ODD);
    char *desc =
        virDomainGetMetadata(d, VIR_DOMAIN_METADATA_DESCRIPTION, NULL, VIR_DOMAIN_AFFECT_CONFIG);
    assert_non_null(desc);
    assert_string_equal(desc, "edited & <ok>");
    free(desc);
    assert_string_equal(virDomainGetName(d), ODD_NAME);
    virDomainFree(d);
    assert_int_equal(raw_state(c, ODD), VIR_DOMAIN_RUNNING);

    char *again = kd_dom_dumpxml(c, ODD, true, &err);
    assert_non_null(again);
    assert_non_null(strstr(again, "<description>edited &amp; &lt;ok&gt;</description>"));
    char *live = kd_dom_dumpxml(c, ODD, false, &err);
    assert_non_null(live);
    assert_non_null(strstr(live, "id='5'"));
    assert_null(strstr(again, "id='5'"));

    kd_err_clear(&err);
    assert_null(kd_dom_dumpxml(c, NO_UUID, false, &err));
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    free(live);
    free(again);
    free(edited);
    free(xml);
}

#define NEW_XML                                                                                    \
    "<domain type='test'><name>" PREFIX "-new</name><memory>65536</memory>"                        \
    "<os><type>hvm</type></os></domain>"

static void test_define_errors(void **state)
{
    kd_conn *c = *state;
    kd_err err;
    size_t before = kd_conn_domain_count(c);
    EXPECT_FAIL(kd_dom_define(c, "<domain type='test'>\n<name>x</nam>\n</domain>", NULL, &err),
                KD_ERR_INVALID, "domain XML, line 2: ");
    EXPECT_FAIL(kd_dom_define(c, "", NULL, &err), KD_ERR_INVALID, NULL);
    EXPECT_FAIL(kd_dom_define(c, "<domain type='test'><name>x</name><bogus/></domain>", NULL, &err),
                KD_ERR_LIBVIRT, "define x: ");
    assert_null(virDomainLookupByName(kd_conn_virt(c), "x"));

    char uuid[37] = "";
    expect_ok(kd_dom_define(c, NEW_XML, uuid, &err), &err);
    assert_int_equal(strlen(uuid), 36);
    assert_true(raw_exists(c, uuid));
    assert_int_equal(raw_state(c, uuid), VIR_DOMAIN_SHUTOFF);
    expect_ok(kd_dom_undefine(c, uuid, 0, &err), &err);
    assert_int_equal(kd_conn_domain_count(c), before);
}

static void test_validate(void **state)
{
    kd_conn *c = *state;
    kd_err err;
    EXPECT_FAIL(kd_dom_validate_xml(c, "<domain type='test'>\n  <name>x</name>\n  <memory>1", &err),
                KD_ERR_INVALID, "domain XML, line 3: ");
    EXPECT_FAIL(kd_dom_validate_xml(c, "<domain>\n<name>a</nam></domain>", &err), KD_ERR_INVALID,
                "domain XML, line 2: ");
    EXPECT_FAIL(kd_dom_validate_xml(c, "\n<network><name>n</name></network>", &err), KD_ERR_INVALID,
                "domain XML, line 2: ");
    assert_non_null(strstr(err.msg, "<network>"));

    /* Against the schema: the same complaint libvirt makes when asked to validate. */
    const char *bad = "<domain type='test'><name>" PREFIX "-bad</name><memory>65536</memory>"
                      "<os><type>hvm</type></os><bogus/></domain>";
    EXPECT_FAIL(kd_dom_validate_xml(c, bad, &err), KD_ERR_INVALID, NULL);
    virDomainPtr d = virDomainDefineXMLFlags(kd_conn_virt(c), bad, VIR_DOMAIN_DEFINE_VALIDATE);
    assert_null(d);
    virErrorPtr e = virGetLastError();
    assert_non_null(e);
    assert_int_equal(e->code, VIR_ERR_XML_INVALID_SCHEMA);
    const char *line = "Element domain has extra content: bogus";
    assert_non_null(strstr(e->message, line));
    if (!strstr(err.msg, line))
        fail_msg("'%s' lacks libvirt's '%s'", err.msg, line);

    /* Valid XML passes and defines nothing, whether or not its domain exists. */
    size_t before = kd_conn_domain_count(c);
    expect_ok(kd_dom_validate_xml(c, NEW_XML, &err), &err);
    assert_null(virDomainLookupByName(kd_conn_virt(c), PREFIX "-new"));
    char *xml = kd_dom_dumpxml(c, ODD, true, &err);
    assert_non_null(xml);
    expect_ok(kd_dom_validate_xml(c, xml, &err), &err);
    free(xml);
    assert_int_equal(kd_conn_domain_count(c), before);
    assert_int_equal(virConnectNumOfDefinedDomains(kd_conn_virt(c)), 2);
}

/* ---- storage and clones, on the default host -------------------------------------------- */

/* A new volume in the default pool; returns its path. */
static char *make_vol(virConnectPtr vc, const char *name, const char *capacity)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(vc, POOL);
    assert_non_null(pool);
    char xml[512];
    snprintf(xml, sizeof(xml),
             "<volume><name>%s</name><capacity unit='bytes'>%s</capacity>"
             "<target><format type='qcow2'/></target></volume>",
             name, capacity);
    virStorageVolPtr v = virStorageVolCreateXML(pool, xml, 0);
    assert_non_null(v);
    char *path = virStorageVolGetPath(v);
    virStorageVolFree(v);
    virStoragePoolFree(pool);
    return path;
}

static bool vol_exists(virConnectPtr vc, const char *name)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(vc, POOL);
    virStorageVolPtr v = virStorageVolLookupByName(pool, name);
    if (v)
        virStorageVolFree(v);
    virStoragePoolFree(pool);
    return v != NULL;
}

static int count_vols(virConnectPtr vc)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(vc, POOL);
    assert_int_equal(virStoragePoolRefresh(pool, 0), 0);
    int n = virStoragePoolNumOfVolumes(pool);
    virStoragePoolFree(pool);
    return n;
}

/* A domain whose disks are the given paths (NULL ends), plus a shared CD-ROM outside every
 * pool and two network cards. */
static char *define_with_disks(virConnectPtr vc, const char *name, const char *const *paths,
                               const char *cdrom)
{
    char xml[4096];
    int n = snprintf(xml, sizeof(xml),
                     "<domain type='test'><name>%s</name><memory>65536</memory>"
                     "<os><type>hvm</type></os><devices>",
                     name);
    /* "vol:NAME" is a disk of type volume in the pool; anything else a file path. */
    for (int i = 0; paths[i]; i++) {
        bool vol = strncmp(paths[i], "vol:", 4) == 0;
        n += snprintf(xml + n, sizeof(xml) - n,
                      "<disk type='%s' device='disk'><driver name='qemu' type='qcow2'/>"
                      "<source %s%s'/><target dev='vd%c' bus='virtio'/></disk>",
                      vol ? "volume" : "file", vol ? "pool='" POOL "' volume='" : "file='",
                      vol ? paths[i] + 4 : paths[i], 'a' + i);
    }
    snprintf(xml + n, sizeof(xml) - n,
             "<disk type='file' device='cdrom'><source file='%s'/>"
             "<target dev='sda' bus='sata'/><readonly/></disk>"
             "<interface type='network'><mac address='aa:bb:cc:00:00:01'/>"
             "<source network='default'/></interface>"
             "<interface type='network'><mac address='aa:bb:cc:00:00:02'/>"
             "<source network='default'/></interface></devices></domain>",
             cdrom);
    virDomainPtr d = virDomainDefineXML(vc, xml);
    if (!d)
        fail_msg("defining %s: %s", name, virGetLastErrorMessage());
    char *uuid = malloc(VIR_UUID_STRING_BUFLEN);
    virDomainGetUUIDString(d, uuid);
    virDomainFree(d);
    return uuid;
}

static int open_default(void **state)
{
    return open_uri(state, DEFAULT_URI, false);
}

/* The default host is shared in the process: leave nothing of ours behind. */
static int close_default(void **state)
{
    kd_conn *c = *state;
    virConnectPtr vc = kd_conn_virt(c);
    virDomainPtr *list = NULL;
    int n = virConnectListAllDomains(vc, &list, 0);
    for (int i = 0; i < n; i++) {
        if (strncmp(virDomainGetName(list[i]), PREFIX, strlen(PREFIX)) == 0) {
            if (virDomainIsActive(list[i]) == 1)
                virDomainDestroy(list[i]);
            virDomainUndefine(list[i]);
        }
        virDomainFree(list[i]);
    }
    free(list);
    virStoragePoolPtr pool = virStoragePoolLookupByName(vc, POOL);
    virStorageVolPtr *vols = NULL;
    n = pool ? virStoragePoolListAllVolumes(pool, &vols, 0) : 0;
    for (int i = 0; i < n; i++) {
        virStorageVolDelete(vols[i], 0);
        virStorageVolFree(vols[i]);
    }
    free(vols);
    if (pool)
        virStoragePoolFree(pool);
    return close_conn(state);
}

static void test_undefine_storage(void **state)
{
    kd_conn *c = *state;
    virConnectPtr vc = kd_conn_virt(c);
    char *path = make_vol(vc, PREFIX "-disk.qcow2", "1048576");
    assert_string_equal(path, "/" POOL "/" PREFIX "-disk.qcow2");
    char *iso_path = make_vol(vc, "install.iso", "4096");
    const char *paths[] = {path, "/elsewhere/kd-test-loose.img", NULL};
    /* The CD-ROM is in the pool, but shared: it stays. */
    char *uuid = define_with_disks(vc, PREFIX "-gone", paths, iso_path);

    kd_err err;
    kd_err_clear(&err);
    int rc = kd_dom_undefine(c, uuid, KD_UNDEFINE_STORAGE, &err);
    expect_error(rc, &err, KD_ERR_LIBVIRT, "undefine " PREFIX "-gone: ");
    if (!strstr(err.msg, "/elsewhere/kd-test-loose.img (in no storage pool)"))
        fail_msg("the disk outside the pools is not named: %s", err.msg);
    assert_null(strstr(err.msg, path));
    assert_false(raw_exists(c, uuid));
    assert_false(vol_exists(vc, PREFIX "-disk.qcow2"));
    assert_true(vol_exists(vc, "install.iso"));

    /* Every disk in a pool: a clean success. */
    char *path2 = make_vol(vc, PREFIX "-disk2.qcow2", "1048576");
    const char *paths2[] = {path2, NULL};
    free(uuid);
    uuid = define_with_disks(vc, PREFIX "-gone2", paths2, "/isos/install.iso");
    expect_ok(kd_dom_undefine(c, uuid, KD_UNDEFINE_STORAGE, &err), &err);
    assert_false(raw_exists(c, uuid));
    assert_false(vol_exists(vc, PREFIX "-disk2.qcow2"));
    assert_true(vol_exists(vc, "install.iso"));

    free(iso_path);
    free(path);
    free(path2);
    free(uuid);
}

/* Every value of attr (e.g. "<source file='") in document order; tests read XML as text. */
static int attr_values(const char *xml, const char *attr, char out[][128], int max)
{
    int n = 0;
    for (const char *p = strstr(xml, attr); p && n < max; p = strstr(p, attr)) {
        p += strlen(attr);
        size_t len = strcspn(p, "'");
        snprintf(out[n++], 128, "%.*s", (int)len, p);
    }
    return n;
}

static char *inactive_xml(virConnectPtr vc, const char *name)
{
    virDomainPtr d = virDomainLookupByName(vc, name);
    if (!d)
        fail_msg("no domain %s", name);
    char *xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
    virDomainFree(d);
    assert_non_null(xml);
    return xml;
}

static void test_clone(void **state)
{
    kd_conn *c = *state;
    virConnectPtr vc = kd_conn_virt(c);
    char *path = make_vol(vc, PREFIX "-src.qcow2", "1048576");
    free(make_vol(vc, PREFIX "-data.qcow2", "4096"));
    const char *paths[] = {path, "vol:" PREFIX "-data.qcow2", NULL};
    char *src_uuid = define_with_disks(vc, PREFIX "-src", paths, "/isos/install.iso");
    int vols_before = count_vols(vc);

    const char *new_name = PREFIX " it's <odd> & copy";
    kd_err err;
    kd_err_clear(&err);
    expect_ok(kd_dom_clone(c, src_uuid, new_name, &err), &err);

    virDomainPtr d = virDomainLookupByName(vc, new_name);
    assert_non_null(d);
    char uuid[VIR_UUID_STRING_BUFLEN];
    assert_int_equal(virDomainGetUUIDString(d, uuid), 0);
    assert_string_not_equal(uuid, src_uuid);
    assert_int_equal(virDomainIsPersistent(d), 1);
    assert_int_equal(virDomainIsActive(d), 0);
    virDomainFree(d);

    char *src_xml = inactive_xml(vc, PREFIX "-src");
    char *xml = inactive_xml(vc, new_name);
    char macs[4][128], src_macs[4][128], disks[4][128], src_disks[4][128];
    assert_int_equal(attr_values(xml, "<mac address='", macs, 4), 2);
    assert_int_equal(attr_values(src_xml, "<mac address='", src_macs, 4), 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(strncmp(macs[i], "52:54:00:", 9), 0);
        assert_int_equal(strlen(macs[i]), 17);
        assert_string_not_equal(macs[i], src_macs[0]);
        assert_string_not_equal(macs[i], src_macs[1]);
    }
    assert_string_not_equal(macs[0], macs[1]);
    assert_string_equal(src_macs[0], "aa:bb:cc:00:00:01");

    assert_int_equal(attr_values(xml, "<source file='", disks, 4), 2);
    assert_int_equal(attr_values(src_xml, "<source file='", src_disks, 4), 2);
    assert_string_equal(src_disks[0], path);
    assert_string_equal(disks[0], "/" POOL "/" PREFIX "_it_s__odd____copy.qcow2");
    assert_string_equal(disks[1], "/isos/install.iso");
    /* The volume disk stays a volume disk, of its own copy. */
    assert_int_equal(attr_values(xml, "<source pool='" POOL "' volume='", disks, 4), 1);
    assert_string_equal(disks[0], PREFIX "_it_s__odd____copy-1.qcow2");
    assert_int_equal(count_vols(vc), vols_before + 2);
    assert_true(vol_exists(vc, PREFIX "_it_s__odd____copy.qcow2"));

    /* A second clone needs a second volume name. */
    expect_ok(kd_dom_clone(c, src_uuid, PREFIX "_it_s__odd____copy", &err), &err);
    free(xml);
    xml = inactive_xml(vc, PREFIX "_it_s__odd____copy");
    assert_int_equal(attr_values(xml, "<source file='", disks, 4), 2);
    assert_string_equal(disks[0], "/" POOL "/" PREFIX "_it_s__odd____copy-2.qcow2");
    assert_int_equal(count_vols(vc), vols_before + 4);

    free(xml);
    free(src_xml);
    free(src_uuid);
    free(path);
}

/* What a failed clone must leave: the same domains and the same volumes as before. */
typedef struct {
    int domains;
    int vols;
} host_count;

static host_count count_host(virConnectPtr vc)
{
    host_count h = {virConnectNumOfDomains(vc) + virConnectNumOfDefinedDomains(vc), count_vols(vc)};
    return h;
}

static void expect_unchanged(virConnectPtr vc, host_count before, const char *new_name)
{
    host_count now = count_host(vc);
    assert_int_equal(now.domains, before.domains);
    assert_int_equal(now.vols, before.vols);
    if (new_name)
        assert_null(virDomainLookupByName(vc, new_name));
}

static void test_clone_refused(void **state)
{
    kd_conn *c = *state;
    virConnectPtr vc = kd_conn_virt(c);
    char *small = make_vol(vc, PREFIX "-a.qcow2", "1048576");
    /* Most of the pool: a second copy of it cannot fit. */
    char *big = make_vol(vc, PREFIX "-big.qcow2", "64424509440");
    const char *ok_paths[] = {small, NULL};
    char *uuid = define_with_disks(vc, PREFIX "-src", ok_paths, "/isos/install.iso");
    host_count before = count_host(vc);
    kd_err err;

    EXPECT_FAIL(kd_dom_clone(c, uuid, "test", &err), KD_ERR_INVALID, "clone " PREFIX "-src: ");
    assert_non_null(strstr(err.msg, "already exists"));
    expect_unchanged(vc, before, NULL);

    EXPECT_FAIL(kd_dom_clone(c, uuid, "a/b", &err), KD_ERR_INVALID, NULL);
    expect_unchanged(vc, before, "a/b");

    EXPECT_FAIL(kd_dom_clone(c, "6695eb01-f6a4-8304-79aa-97f2502e193f", PREFIX "-c", &err),
                KD_ERR_INVALID, "clone test: the domain must be shut off first (it is ");
    expect_unchanged(vc, before, PREFIX "-c");

    EXPECT_FAIL(kd_dom_clone(c, NO_UUID, PREFIX "-c", &err), KD_ERR_NOTFOUND, NULL);

    /* A disk outside every pool is refused before anything is copied. */
    const char *loose_paths[] = {small, "/elsewhere/loose.img", NULL};
    char *loose = define_with_disks(vc, PREFIX "-loose", loose_paths, "/isos/install.iso");
    before = count_host(vc);
    EXPECT_FAIL(kd_dom_clone(c, loose, PREFIX "-c", &err), KD_ERR_INVALID,
                "clone " PREFIX "-loose: disk vdb (/elsewhere/loose.img) is in no storage pool");
    expect_unchanged(vc, before, PREFIX "-c");

    /* The first disk is copied, the second does not fit: the first copy goes again. */
    const char *big_paths[] = {small, big, NULL};
    char *huge = define_with_disks(vc, PREFIX "-huge", big_paths, "/isos/install.iso");
    before = count_host(vc);
    EXPECT_FAIL(kd_dom_clone(c, huge, PREFIX "-c", &err), KD_ERR_LIBVIRT,
                "clone " PREFIX "-huge: copying disk vdb");
    expect_unchanged(vc, before, PREFIX "-c");
    assert_false(vol_exists(vc, PREFIX "-c.qcow2"));

    free(huge);
    free(loose);
    free(uuid);
    free(small);
    free(big);
}

static void test_clone_saved(void **state)
{
    kd_conn *c = *state;
    kd_err err;
    EXPECT_FAIL(kd_dom_clone(c, RESTORED, "restored2", &err), KD_ERR_INVALID,
                "clone restored: it has a saved state");
    assert_null(virDomainLookupByName(kd_conn_virt(c), "restored2"));
    /* A shut-off domain without disks needs no pool. */
    expect_ok(kd_dom_clone(c, BUILD, "build2", &err), &err);
    virDomainPtr d = virDomainLookupByName(kd_conn_virt(c), "build2");
    assert_non_null(d);
    char uuid[VIR_UUID_STRING_BUFLEN];
    assert_int_equal(virDomainGetUUIDString(d, uuid), 0);
    assert_string_not_equal(uuid, BUILD);
    virDomainFree(d);
}

#define FIXTURE_TEST(fn) cmocka_unit_test_setup_teardown(fn, open_fixture, close_conn)
#define DEFAULT_TEST(fn) cmocka_unit_test_setup_teardown(fn, open_default, close_default)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_op_table),
        FIXTURE_TEST(test_unknown_op),
        FIXTURE_TEST(test_lifecycle),
        FIXTURE_TEST(test_impossible),
        FIXTURE_TEST(test_managedsave_start),
        FIXTURE_TEST(test_autostart),
        cmocka_unit_test_setup_teardown(test_readonly_refuses, open_fixture_ro, close_conn),
        FIXTURE_TEST(test_save_restore),
        FIXTURE_TEST(test_rename),
        FIXTURE_TEST(test_undefine),
        FIXTURE_TEST(test_dumpxml_define),
        FIXTURE_TEST(test_define_errors),
        FIXTURE_TEST(test_validate),
        DEFAULT_TEST(test_undefine_storage),
        DEFAULT_TEST(test_clone),
        DEFAULT_TEST(test_clone_refused),
        FIXTURE_TEST(test_clone_saved),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
