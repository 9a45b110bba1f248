#ifndef KD_BACKEND_CREATE_H
#define KD_BACKEND_CREATE_H

/* Creating a new domain from the wizard's answers: the new volume (when asked), the
 * definition, the first start. All or nothing: when a step fails, what the earlier steps
 * made is removed again (the domain undefined, the volume deleted) and err says which step
 * failed and why. */

#include "backend/conn.h"
#include "backend/domxml.h"
#include "core/err.h"

#include <stdbool.h>

typedef enum {
    KD_CREATE_VOLUME, /* create the new volume */
    KD_CREATE_DEFINE, /* define the domain */
    KD_CREATE_START,  /* start it */
    KD_CREATE_LAST
} kd_create_step;

/* xml is the domain to define (kd_domxml_build's, maybe edited since); s says which volume
 * to create first (s->stor KD_STOR_NEW, unless s->src is KD_SRC_IMPORT). start false stops
 * after the definition. uuid_out (37 bytes, may be NULL) gets the new domain's UUID. Slow
 * (the volume): run it as a job. */
int kd_create_domain(kd_conn *conn, const kd_domspec *s, const char *xml, bool start,
                     char *uuid_out, kd_err *err);

/* virsh's create FILE: start a transient domain from XML (gone when it stops).
 * uuid_out (37 bytes, may be NULL) gets its UUID. */
int kd_create_transient(kd_conn *conn, const char *xml, char *uuid_out, kd_err *err);

/* For tests only: make step fail (without running it) in the next kd_create_domain calls;
 * KD_CREATE_LAST turns the injection off. */
void kd_create_fail_at(kd_create_step step);

#endif
