#ifndef KD_TESTS_CONN_FIXTURE_H
#define KD_TESTS_CONN_FIXTURE_H

/* Shared by the integration tests on the test driver: a kvmdeck connection and a raw
 * libvirt one to the same URI, the second to set up and check state as another client
 * would. Both close in the teardown, so the test driver's host is fresh for the next
 * test. */

#include "backend/conn.h"
#include "backend/loop.h"

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_URI "test:///default"

typedef struct {
    kd_conn *conn;
    virConnectPtr raw;
} conn_fixture;

static inline int conn_fixture_open_uri(void **state, const char *uri)
{
    conn_fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    kd_err err;
    kd_err_clear(&err);
    f->conn = kd_conn_open(uri, false, &err);
    if (!f->conn)
        fprintf(stderr, "open %s: %s\n", uri, err.msg);
    f->raw = virConnectOpen(uri);
    *state = f;
    return f->conn && f->raw ? 0 : -1;
}

static inline int conn_fixture_open(void **state)
{
    return conn_fixture_open_uri(state, DEFAULT_URI);
}

static inline int conn_fixture_close(void **state)
{
    conn_fixture *f = *state;
    if (f) {
        kd_conn_free(f->conn);
        if (f->raw)
            virConnectClose(f->raw);
        free(f);
    }
    return 0;
}

static inline int conn_fixture_loop_init(void)
{
    kd_err err;
    kd_err_clear(&err);
    return kd_loop_init(&err);
}

#endif
