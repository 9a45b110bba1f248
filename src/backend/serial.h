#ifndef KD_BACKEND_SERIAL_H
#define KD_BACKEND_SERIAL_H

/* A domain's serial console as a non-blocking libvirt stream served by the one event loop
 * (virDomainOpenConsole). Everything here is called on the loop thread.
 *
 * The contract at the edges:
 * - Bytes from the guest reach on_data as they arrive, in order, in chunks of any size;
 *   they are untrusted guest output. A wake-up hands over at most KD_SERIAL_RECV_BURST
 *   bytes, so a chatty guest cannot starve the terminal's input: the rest follows on the
 *   next loop iteration.
 * - on_event runs at most once per console: KD_SERIAL_EV_CLOSED when the session ended
 *   in the ordinary way (the guest stopped, or another session took the console over
 *   with force), KD_SERIAL_EV_ERROR otherwise (a dead connection, say). The console is
 *   released on the host before on_event runs, so a new kd_serial_open may be made from
 *   it. After it, kd_serial_send fails; the object stays until kd_serial_close.
 * - Both callbacks may call kd_serial_close on their own console: nothing is delivered
 *   after that, and the memory is freed once the callback returns.
 * - A console holds its own references on the domain and the libvirt connection: it
 *   goes on working when the kd_conn is freed. libvirt tells a stream nothing when its
 *   connection dies, so a console checks once a second (locally, without a round trip)
 *   and ends with KD_SERIAL_EV_ERROR (code KD_ERR_CONNECT) when it has; a reconnected
 *   kd_conn does not revive it: open a new one. */

#include "backend/conn.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

/* The most bytes waiting for the guest; a send beyond it is refused, not buffered. */
#define KD_SERIAL_QUEUE_MAX (1024 * 1024)
/* The most bytes handed to on_data per wake-up of the loop. */
#define KD_SERIAL_RECV_BURST (256 * 1024)

typedef struct kd_serial kd_serial;

typedef enum {
    KD_SERIAL_EV_CLOSED, /* end of stream: the guest stopped, or the console was taken over */
    KD_SERIAL_EV_ERROR,  /* the stream failed; why says how */
    KD_SERIAL_EV_LAST
} kd_serial_event;

/* buf is only valid during the call. */
typedef void (*kd_serial_data_fn)(kd_serial *s, const char *buf, size_t n, void *opaque);
/* why (borrowed) says what happened, for the status line: for KD_SERIAL_EV_CLOSED its
 * code is KD_ERR_NONE and the message reads "web1 stopped" or "another session took over
 * the console of web1"; for KD_SERIAL_EV_ERROR it is libvirt's error, or KD_ERR_CONNECT
 * when the connection died. */
typedef void (*kd_serial_event_fn)(kd_serial *s, kd_serial_event ev, const kd_err *why,
                                   void *opaque);

/* Open the console of the domain with this UUID. dev names a console or serial device by
 * its alias ("serial0", "console1"); NULL picks the first one. Without force, a console
 * already held by another session (another kvmdeck, virsh console, ...) fails with an
 * error that kd_serial_err_is_busy recognises, so that the caller can ask whether to take
 * it over; with force, the other session is ended (virsh console --force). */
kd_serial *kd_serial_open(kd_conn *conn, const char *uuid, const char *dev, bool force,
                          kd_serial_data_fn on_data, kd_serial_event_fn on_event, void *opaque,
                          kd_err *err);
/* True when err, as kd_serial_open filled it, says that the console is held by another
 * session. The message starts "console in use: "; a kd_err_prefix'ed copy is not
 * recognised. */
bool kd_serial_err_is_busy(const kd_err *err);

/* Queue n bytes for the guest; they are written as the stream accepts them, never
 * blocking the loop. All or nothing: when the queue would exceed KD_SERIAL_QUEUE_MAX, or
 * the console has ended, -1 with err and nothing is queued. */
int kd_serial_send(kd_serial *s, const char *buf, size_t n, kd_err *err);
/* Bytes queued and not yet handed to libvirt. */
size_t kd_serial_pending(const kd_serial *s);
/* The domain's name, read when the console was opened. */
const char *kd_serial_domain_name(const kd_serial *s);
/* Release the console (pending bytes are dropped) and free s; NULL is a no-op. */
void kd_serial_close(kd_serial *s);

#endif
