#ifndef KD_TESTS_STORAGE_FIXTURE_H
#define KD_TESTS_STORAGE_FIXTURE_H

/* Shared by the storage tests: a kvmdeck connection and a raw libvirt one to
 * test:///default, the second to set up and check state as another client would. Both
 * close in the teardown, so the test driver's host is fresh for the next test. */

#include "backend/conn.h"
#include "backend/loop.h"

#include <libvirt/libvirt.h>
#include <stdlib.h>

#define DEFAULT_URI "test:///default"

typedef struct {
    kd_conn *conn;
    virConnectPtr raw;
} st_fixture;

static inline int st_open(void **state)
{
    st_fixture *f = calloc(1, sizeof(*f));
    kd_err err;
    kd_err_clear(&err);
    if (!f)
        return -1;
    f->raw = virConnectOpen(DEFAULT_URI);
    f->conn = kd_conn_open(DEFAULT_URI, false, &err);
    if (!f->raw || !f->conn)
        return -1;
    *state = f;
    return 0;
}

static inline int st_close(void **state)
{
    st_fixture *f = *state;
    kd_conn_free(f->conn);
    virConnectClose(f->raw);
    free(f);
    return 0;
}

static inline int st_loop_init(void)
{
    kd_err err;
    kd_err_clear(&err);
    return kd_loop_init(&err);
}

#endif
