#ifndef KD_UI_STORAGE_UI_H
#define KD_UI_STORAGE_UI_H

/* Shared by the storage files of src/ui: the pools and volumes screens, their forms, the
 * palette's arguments and the transfers running on worker threads. */

#include "backend/storage.h"
#include "ui/app.h"

#include <stdbool.h>
#include <stddef.h>

/* The palette's arguments: positionals and virsh's options. */
#define KD_STORAGE_MAX_POS  4
#define KD_STORAGE_MAX_DEVS 8
typedef struct {
    const char *pos[KD_STORAGE_MAX_POS];
    int npos;
    const char *pool, *format, *backing, *type, *target, *host, *source_path, *source_name,
        *source_format;
    const char *devs[KD_STORAGE_MAX_DEVS];
    size_t ndevs;
    bool force, shrink, build, start, autostart, disable, no_build;
} kd_storage_args;
/* -1 with a status message naming the bad word. */
int kd_storage_args_parse(kd_app *app, const char *verb, int argc, char **argv,
                          kd_storage_args *out);

/* A refusal before anything is tried (read-only, no connection): true with a message. */
bool kd_storage_refuse(kd_app *app, const char *verb, bool write);

/* The pools screen (view_pools.c). */
void kd_pools_open(kd_app *app);
/* Read the pools again if the screen is in the stack. */
void kd_pools_reload(kd_app *app);
/* Move the selection to this pool at the next reload (a pool just made). */
void kd_pools_select(kd_app *app, const char *name);
/* The pool an action is about: argv's, else the one selected on the shown pools screen,
 * else the volumes screen's; NULL with a status message. */
const char *kd_pools_target(kd_app *app, const char *given, const char *verb);
void kd_pool_form_open(kd_app *app, bool transient);

/* The volumes screen (view_volumes.c). */
void kd_vols_open(kd_app *app, const char *pool);
void kd_vols_reload(kd_app *app);
void kd_vols_select(kd_app *app, const char *name);
/* The pool whose volumes are shown (anywhere in the stack), or NULL. */
const char *kd_vols_pool(const kd_app *app);
/* The selected volume when the volumes screen is on top, or NULL. */
const kd_vol *kd_vols_selected(const kd_app *app);
/* Draw the running transfers' progress on rows y.. of w; returns the rows used. */
int kd_storage_xfer_draw(kd_app *app, WINDOW *w, int y, int rows, int cols);

/* The volume actions (act_volume.c), in act_storage.c's table. */
void kd_act_vol_create(kd_app *app, int argc, char **argv);
void kd_act_vol_resize(kd_app *app, int argc, char **argv);
void kd_act_vol_clone(kd_app *app, int argc, char **argv);
void kd_act_vol_delete(kd_app *app, int argc, char **argv);
void kd_act_vol_upload(kd_app *app, int argc, char **argv);
void kd_act_vol_download(kd_app *app, int argc, char **argv);
void kd_act_vol_dumpxml(kd_app *app, int argc, char **argv);
void kd_act_vol_refresh(kd_app *app, int argc, char **argv);
void kd_act_vol_cancel(kd_app *app, int argc, char **argv);

/* The volume form (vol_form.c). */
void kd_vol_form_open(kd_app *app, const char *pool);

/* Jobs (storage_jobs.c). */
void kd_storage_xfer_start(kd_app *app, const char *pool, const char *vol, const char *path,
                           bool upload);
size_t kd_storage_xfer_count(void);
void kd_storage_xfer_cancel_all(kd_app *app);
void kd_storage_clone_start(kd_app *app, const char *pool, const char *vol, const char *new_name);
/* Progress of transfer i (0 .. count-1) for drawing. */
void kd_storage_xfer_get(size_t i, const char **label, unsigned long long *done,
                         unsigned long long *total);

/* Drawing (view_pools.c): a bar of width cells filled to done/total with KD_SLOT_GRAPH. */
void kd_storage_draw_bar(WINDOW *w, int y, int x, int width, unsigned long long done,
                         unsigned long long total);
/* "1.5 GiB" */
void kd_storage_fmt_bytes(char *buf, size_t n, unsigned long long bytes);

#endif
