#ifndef KD_UI_KEYMAP_H
#define KD_UI_KEYMAP_H

#include "core/err.h"
#include "ui/key.h"

/* Key bindings are data: lines of "bind CONTEXT KEY ACTION" or "unbind CONTEXT KEY",
 * '#' comments. The defaults are such text, read by the same parser as the user's file. */

typedef enum {
    KD_CTX_GLOBAL, /* consulted after the current context */
    KD_CTX_LIST,
    KD_CTX_HELP,
    KD_CTX_OFFLINE,
    KD_CTX_TEXT,       /* a scrolling text: XML, the audit log */
    KD_CTX_CONNS,      /* saved connections */
    KD_CTX_STATS,      /* live statistics, like virt-top */
    KD_CTX_CONSOLE,    /* a serial console: every other key goes to the guest */
    KD_CTX_SCROLLBACK, /* a console's scrollback */
    KD_CTX_POOLS,      /* storage pools */
    KD_CTX_VOLUMES,    /* the volumes of a pool */
    KD_CTX_NETWORKS,   /* virtual networks */
    KD_CTX_SNAPSHOTS,  /* a domain's snapshots */
    KD_CTX_HOST,       /* the host's capabilities */
    KD_CTX_HARDWARE,   /* a domain's hardware */
    KD_CTX_WIZARD,     /* the new-domain wizard's pages */
    KD_CTX_VNC,        /* a graphical console: every other key goes to the guest */
    KD_CTX_LAST
} kd_ctx;

typedef struct {
    kd_ctx ctx;
    kd_key key;
    char *action;
} kd_binding;

typedef struct kd_keymap kd_keymap;

/* Tells the parser whether an action name exists. */
typedef int (*kd_action_check)(const char *name);

extern const char kd_keymap_default_text[];
/* Every default text in the order read: kd_keymap_default_text, then each screen's. */
extern const char *const kd_keymap_defaults[];

kd_keymap *kd_keymap_new(kd_action_check check);
void kd_keymap_free(kd_keymap *km);
/* origin names the text in messages ("defaults", a file name). Later bindings replace
 * earlier ones for the same context and key. */
int kd_keymap_parse(kd_keymap *km, const char *text, const char *origin, kd_err *err);
/* A binding in ctx, else in the global context; NULL when the key is unbound. */
const char *kd_keymap_lookup(const kd_keymap *km, kd_ctx ctx, kd_key key);
/* A binding in ctx alone, without the global fallback. */
const char *kd_keymap_lookup_only(const kd_keymap *km, kd_ctx ctx, kd_key key);
size_t kd_keymap_count(const kd_keymap *km);
const kd_binding *kd_keymap_at(const kd_keymap *km, size_t i);

const char *kd_ctx_name(kd_ctx ctx);
int kd_ctx_parse(const char *name, kd_ctx *out);

#endif
