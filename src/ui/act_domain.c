#include "backend/action.h"
#include "backend/loop.h"
#include "core/str.h"
#include "ui/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Lifecycle actions: the same code serves a key (the marked or selected domains) and the
 * palette (a domain named as virsh would take it). */

typedef enum { CONFIRM_NEVER, CONFIRM_BULK, CONFIRM_ALWAYS } confirm_rule;

typedef struct {
    kd_op op;
    kd_uuid *uuids;
    size_t n;
} op_request;

static void op_request_free(void *p)
{
    op_request *r = p;
    if (!r)
        return;
    free(r->uuids);
    free(r);
}

size_t kd_app_targets(kd_app *app, int argc, char **argv, kd_uuid **out)
{
    *out = NULL;
    if (!app->conn) {
        kd_app_status(app, true, "not connected");
        return 0;
    }
    if (argc > 0 && argv[0][0] != '-') {
        const kd_domain *d = kd_conn_domain_by_name(app->conn, argv[0]);
        if (!d)
            d = kd_conn_domain_by_uuid(app->conn, argv[0]);
        if (!d) {
            kd_app_status(app, true, "no domain named '%s'", argv[0]);
            return 0;
        }
        *out = kd_malloc(sizeof(kd_uuid));
        memcpy((*out)[0].uuid, d->uuid, sizeof(d->uuid));
        return 1;
    }
    if (app->nmarks > 0) {
        size_t n = 0;
        *out = kd_calloc(app->nmarks, sizeof(kd_uuid));
        for (size_t i = 0; i < app->nmarks; i++)
            if (kd_conn_domain_by_uuid(app->conn, app->marks[i].uuid))
                (*out)[n++] = app->marks[i];
        if (n == 0) {
            free(*out);
            *out = NULL;
            kd_app_status(app, true, "the marked domains are gone");
        }
        return n;
    }
    const kd_domain *d = kd_view_list_selected(app);
    if (!d) {
        kd_app_status(app, true, "no domain selected");
        return 0;
    }
    *out = kd_malloc(sizeof(kd_uuid));
    memcpy((*out)[0].uuid, d->uuid, sizeof(d->uuid));
    return 1;
}

void kd_app_audit(kd_app *app, const char *domain, const char *action, const kd_err *err)
{
    kd_err serr;
    kd_err_clear(&serr);
    const char *uri = app->conn ? kd_conn_host(app->conn)->uri : (app->uri ? app->uri : "");
    const char *result = err && err->code != KD_ERR_NONE ? err->msg : "ok";
    if (app->store && kd_store_add_audit(app->store, uri, domain, action, result, &serr) < 0)
        kd_app_status(app, true, "audit log: %s", serr.msg);
}

static const char *name_of(kd_app *app, const char *uuid)
{
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, uuid);
    return d ? d->name : uuid;
}

/* ---- shutdown that the guest ignores ------------------------------------------------- */

typedef struct {
    char uuid[37];
    int id; /* the run that was asked to shut down: a new start is another run */
    time_t deadline;
} shutdown_watch;

static shutdown_watch *watches;
static size_t nwatches;
static int watch_timer = -1;

static void offer_force_off(kd_app *app, const char *uuid, const char *title, const char *why);

static void on_watch_timer(int timer, void *opaque)
{
    kd_app *app = opaque;
    time_t now = time(NULL);
    for (size_t i = 0; i < nwatches;) {
        const kd_domain *d = app->conn ? kd_conn_domain_by_uuid(app->conn, watches[i].uuid) : NULL;
        /* Down, or down and started again between two ticks (a new ID): that run ended. */
        bool down = !d || d->state == KD_DOM_SHUTOFF || d->id != watches[i].id;
        if (!down && now < watches[i].deadline) {
            i++;
            continue;
        }
        char uuid[37];
        memcpy(uuid, watches[i].uuid, sizeof(uuid));
        watches[i] = watches[--nwatches];
        if (!down) {
            char *title = kd_asprintf("%s is still running", d->name);
            char *why = kd_asprintf("It ignored the ACPI shutdown for %d s. Force it off "
                                    "(destroy)?",
                                    app->shutdown_timeout_s);
            offer_force_off(app, uuid, title, why);
            free(title);
            free(why);
        }
    }
    if (nwatches == 0)
        kd_loop_update_timer(timer, -1);
}

static void watch_shutdown(kd_app *app, const char *uuid)
{
    if (watch_timer < 0)
        watch_timer = kd_loop_add_timer(-1, on_watch_timer, app, NULL);
    watches = kd_realloc(watches, (nwatches + 1) * sizeof(*watches));
    memcpy(watches[nwatches].uuid, uuid, 37);
    const kd_domain *d = kd_conn_domain_by_uuid(app->conn, uuid);
    watches[nwatches].id = d ? d->id : -1;
    watches[nwatches].deadline = time(NULL) + app->shutdown_timeout_s;
    nwatches++;
    kd_loop_update_timer(watch_timer, 1000);
}

/* ---- running an operation ------------------------------------------------------------ */

static void after_op(kd_app *app, int result, const kd_err *err, void *arg)
{
    op_request *r = arg;
    const char *verb = kd_op_verb(r->op);
    const char *name = name_of(app, r->uuids[0].uuid);
    kd_app_audit(app, name, verb, result < 0 ? err : NULL);
    if (result < 0)
        kd_app_status(app, true, "%s", err->msg);
    else
        kd_app_status(app, false, "%s %s: done", verb, name);
}

static int job_op(kd_conn *conn, void *arg, kd_err *err)
{
    op_request *r = arg;
    return kd_dom_run(conn, r->uuids[0].uuid, r->op, err);
}

static void execute(kd_app *app, op_request *r)
{
    const char *verb = kd_op_verb(r->op);
    size_t failed = 0;
    kd_err first;
    kd_err_clear(&first);
    for (size_t i = 0; i < r->n; i++) {
        const char *uuid = r->uuids[i].uuid;
        if (kd_op_is_slow(r->op)) {
            op_request *one = kd_calloc(1, sizeof(*one));
            one->op = r->op;
            one->n = 1;
            one->uuids = kd_malloc(sizeof(kd_uuid));
            one->uuids[0] = r->uuids[i];
            char *label = kd_asprintf("%s %s", verb, name_of(app, uuid));
            kd_ui_job_run(app, label, uuid, job_op, one, op_request_free, after_op);
            free(label);
            continue;
        }
        kd_err err;
        kd_err_clear(&err);
        int rc = kd_dom_run(app->conn, uuid, r->op, &err);
        kd_app_audit(app, name_of(app, uuid), verb, rc < 0 ? &err : NULL);
        if (rc < 0) {
            if (failed++ == 0)
                first = err;
            continue;
        }
        if (r->op == KD_OP_SHUTDOWN)
            watch_shutdown(app, uuid);
        if (r->op == KD_OP_AUTOSTART_ON || r->op == KD_OP_AUTOSTART_OFF)
            kd_conn_refresh_domain(app->conn, uuid, NULL); /* libvirt sends no event */
    }
    if (kd_op_is_slow(r->op))
        return;
    if (failed > 1)
        kd_app_status(app, true, "%s (and %zu more failed)", first.msg, failed - 1);
    else if (failed)
        kd_app_status(app, true, "%s", first.msg);
    else if (r->n == 1)
        kd_app_status(app, false, "%s %s: done", verb, name_of(app, r->uuids[0].uuid));
    else
        kd_app_status(app, false, "%s: done for %zu domains", verb, r->n);
}

static void on_confirm(kd_app *app, bool ok, const char *text, void *opaque)
{
    if (!ok) {
        kd_app_status(app, false, "cancelled");
        return;
    }
    execute(app, opaque);
}

static char *names_list(kd_app *app, const op_request *r)
{
    kd_buf b;
    kd_buf_init(&b);
    for (size_t i = 0; i < r->n && i < 12; i++)
        kd_buf_printf(&b, "%s%s", i ? ", " : "", name_of(app, r->uuids[i].uuid));
    if (r->n > 12)
        kd_buf_printf(&b, " and %zu more", r->n - 12);
    return kd_buf_steal(&b);
}

static const char *consequence(kd_op op)
{
    switch (op) {
    case KD_OP_DESTROY:
        return "This is pulling the power cord: unsaved data in the guest is lost.";
    case KD_OP_RESET:
        return "This is pressing the reset button: unsaved data in the guest is lost.";
    default:
        return "";
    }
}

static bool none_running(kd_app *app, const op_request *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const kd_domain *d = app->conn ? kd_conn_domain_by_uuid(app->conn, r->uuids[i].uuid) : NULL;
        if (!d || d->state != KD_DOM_SHUTOFF)
            return false;
    }
    return true;
}

static void run_op(kd_app *app, int argc, char **argv, kd_op op, confirm_rule rule)
{
    if (app->conn && kd_conn_readonly(app->conn)) {
        kd_app_status(app, true, "%s refused: the connection is read-only (-r)", kd_op_verb(op));
        return;
    }
    op_request *r = kd_calloc(1, sizeof(*r));
    r->op = op;
    r->n = kd_app_targets(app, argc, argv, &r->uuids);
    if (r->n == 0) {
        op_request_free(r);
        return;
    }
    if (op == KD_OP_DESTROY && none_running(app, r)) {
        /* No question whose only answer is an error from libvirt. */
        if (r->n == 1)
            kd_app_status(app, true, "%s is shut off: nothing to force off",
                          name_of(app, r->uuids[0].uuid));
        else
            kd_app_status(app, true, "none of the %zu domains runs: nothing to force off", r->n);
        op_request_free(r);
        return;
    }
    const kd_domain *one =
        r->n == 1 && app->conn ? kd_conn_domain_by_uuid(app->conn, r->uuids[0].uuid) : NULL;
    if (op == KD_OP_SHUTDOWN && one && one->state == KD_DOM_PAUSED) {
        /* A paused guest cannot answer ACPI (libvirt refuses to ask it): say so and offer
         * what can work. */
        char *title = kd_asprintf("%s is paused", one->name);
        offer_force_off(app, one->uuid, title,
                        "A paused guest cannot answer an ACPI shutdown (p resumes it). "
                        "Force it off (destroy) now?");
        free(title);
        op_request_free(r);
        return;
    }
    if (rule == CONFIRM_ALWAYS || (rule == CONFIRM_BULK && r->n > 1)) {
        char *names = names_list(app, r);
        char *title = kd_asprintf("%s %zu domain%s?", kd_op_verb(op), r->n, r->n == 1 ? "" : "s");
        char *msg = kd_asprintf("%s\n%s", names, consequence(op));
        kd_dialog_spec spec = {.title = title,
                               .message = msg,
                               .done = on_confirm,
                               .opaque = r,
                               .opaque_free = op_request_free};
        kd_dialog_confirm(app, &spec);
        free(names);
        free(title);
        free(msg);
        return;
    }
    execute(app, r);
    op_request_free(r);
}

static bool has_flag(int argc, char **argv, const char *flag)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], flag) == 0)
            return true;
    return false;
}

static void offer_done(kd_app *app, bool ok, const char *text, void *opaque)
{
    if (ok)
        execute(app, opaque);
}

static void offer_force_off(kd_app *app, const char *uuid, const char *title, const char *why)
{
    op_request *r = kd_calloc(1, sizeof(*r));
    r->op = KD_OP_DESTROY;
    r->n = 1;
    r->uuids = kd_malloc(sizeof(kd_uuid));
    memcpy(r->uuids[0].uuid, uuid, 37);
    char *msg = kd_asprintf("%s\n%s", why, consequence(KD_OP_DESTROY));
    kd_dialog_spec spec = {.title = title,
                           .message = msg,
                           .done = offer_done,
                           .opaque = r,
                           .opaque_free = op_request_free};
    kd_dialog_confirm(app, &spec);
    free(msg);
}

#define OP_ACTION(fn, op, rule)                                                                    \
    static void fn(kd_app *app, int argc, char **argv)                                             \
    {                                                                                              \
        run_op(app, argc, argv, op, rule);                                                         \
    }

OP_ACTION(act_shutdown, KD_OP_SHUTDOWN, CONFIRM_BULK)
OP_ACTION(act_reboot, KD_OP_REBOOT, CONFIRM_BULK)
OP_ACTION(act_reset, KD_OP_RESET, CONFIRM_ALWAYS)
OP_ACTION(act_destroy, KD_OP_DESTROY, CONFIRM_ALWAYS)
OP_ACTION(act_suspend, KD_OP_SUSPEND, CONFIRM_BULK)
OP_ACTION(act_resume, KD_OP_RESUME, CONFIRM_BULK)
OP_ACTION(act_managedsave, KD_OP_MANAGEDSAVE, CONFIRM_BULK)
OP_ACTION(act_managedsave_remove, KD_OP_MANAGEDSAVE_REMOVE, CONFIRM_ALWAYS)

static void act_start(kd_app *app, int argc, char **argv)
{
    kd_op op = has_flag(argc, argv, "--paused") ? KD_OP_START_PAUSED : KD_OP_START;
    run_op(app, argc, argv, op, CONFIRM_BULK);
}

static void act_start_paused(kd_app *app, int argc, char **argv)
{
    run_op(app, argc, argv, KD_OP_START_PAUSED, CONFIRM_BULK);
}

static void act_pause_toggle(kd_app *app, int argc, char **argv)
{
    const kd_domain *d = kd_view_list_selected(app);
    bool paused = d && (d->state == KD_DOM_PAUSED || d->state == KD_DOM_PMSUSPENDED);
    run_op(app, argc, argv, paused ? KD_OP_RESUME : KD_OP_SUSPEND, CONFIRM_BULK);
}

static void act_autostart(kd_app *app, int argc, char **argv)
{
    kd_op op;
    if (argc > 0)
        op = has_flag(argc, argv, "--disable") ? KD_OP_AUTOSTART_OFF : KD_OP_AUTOSTART_ON;
    else {
        const kd_domain *d = kd_view_list_selected(app);
        op = d && d->autostart ? KD_OP_AUTOSTART_OFF : KD_OP_AUTOSTART_ON;
    }
    run_op(app, argc, argv, op, CONFIRM_BULK);
}

const kd_action kd_actions_domain[] = {
    {"domain.start", "start", "DOMAIN [--paused]", "Start (from its managed save if any)",
     act_start},
    {"domain.start_paused", NULL, NULL, "Start paused", act_start_paused},
    {"domain.shutdown", "shutdown", "DOMAIN", "Shut down (ACPI); offers force-off later",
     act_shutdown},
    {"domain.reboot", "reboot", "DOMAIN", "Reboot (ACPI)", act_reboot},
    {"domain.reset", "reset", "DOMAIN", "Reset, like the reset button", act_reset},
    {"domain.destroy", "destroy", "DOMAIN", "Force off, like pulling the plug", act_destroy},
    {"domain.suspend", "suspend", "DOMAIN", "Pause", act_suspend},
    {"domain.resume", "resume", "DOMAIN", "Resume a paused domain", act_resume},
    {"domain.pause_toggle", NULL, NULL, "Pause or resume", act_pause_toggle},
    {"domain.managedsave", "managedsave", "DOMAIN", "Save state and stop; start restores it",
     act_managedsave},
    {"domain.managedsave_remove", "managedsave-remove", "DOMAIN", "Discard the managed save image",
     act_managedsave_remove},
    {"domain.autostart", "autostart", "DOMAIN [--disable]", "Toggle start at host boot",
     act_autostart},
};
const size_t kd_actions_domain_count = sizeof(kd_actions_domain) / sizeof(kd_actions_domain[0]);
