#include "backend/loop.h"
#include "backend/virt.h"

#include <libvirt/libvirt.h>
#include <stddef.h>

/* kd_loop_* event bits are defined equal to libvirt's, so no translation table. */
_Static_assert((int)KD_LOOP_READ == (int)VIR_EVENT_HANDLE_READABLE, "event bits");
_Static_assert((int)KD_LOOP_WRITE == (int)VIR_EVENT_HANDLE_WRITABLE, "event bits");
_Static_assert((int)KD_LOOP_ERROR == (int)VIR_EVENT_HANDLE_ERROR, "event bits");
_Static_assert((int)KD_LOOP_HANGUP == (int)VIR_EVENT_HANDLE_HANGUP, "event bits");

int kd_loop_init(kd_err *err)
{
    kd_virt_init();
    if (virEventRegisterDefaultImpl() < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "starting the event loop");
        return -1;
    }
    return 0;
}

int kd_loop_add_handle(int fd, int events, kd_loop_handle_cb cb, void *opaque, kd_err *err)
{
    int w = virEventAddHandle(fd, events, cb, opaque, NULL);
    if (w < 0)
        kd_virt_err(err, KD_ERR_LIBVIRT, "watching file descriptor %d", fd);
    return w;
}

void kd_loop_update_handle(int watch, int events)
{
    virEventUpdateHandle(watch, events);
}

void kd_loop_remove_handle(int watch)
{
    if (watch >= 0)
        virEventRemoveHandle(watch);
}

int kd_loop_add_timer(int period_ms, kd_loop_timer_cb cb, void *opaque, kd_err *err)
{
    int t = virEventAddTimeout(period_ms, cb, opaque, NULL);
    if (t < 0)
        kd_virt_err(err, KD_ERR_LIBVIRT, "adding a timer");
    return t;
}

void kd_loop_update_timer(int timer, int period_ms)
{
    virEventUpdateTimeout(timer, period_ms);
}

void kd_loop_remove_timer(int timer)
{
    if (timer >= 0)
        virEventRemoveTimeout(timer);
}

int kd_loop_run_once(kd_err *err)
{
    if (virEventRunDefaultImpl() < 0) {
        kd_virt_err(err, KD_ERR_LIBVIRT, "event loop");
        return -1;
    }
    return 0;
}
