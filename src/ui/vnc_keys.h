#ifndef KD_UI_VNC_KEYS_H
#define KD_UI_VNC_KEYS_H

/* kvmdeck's keys as a VNC server wants them: X keysyms, pressed and released, with the
 * modifiers a terminal folds into one code (Ctrl+letter, Alt as Esc prefix, Shift in
 * capitals and shifted keys) pressed around them. Pure: unit-tested without a server. */

#include "ui/key.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KD_XK_BACKSPACE 0xff08u
#define KD_XK_TAB       0xff09u
#define KD_XK_RETURN    0xff0du
#define KD_XK_ESCAPE    0xff1bu
#define KD_XK_HOME      0xff50u
#define KD_XK_LEFT      0xff51u
#define KD_XK_UP        0xff52u
#define KD_XK_RIGHT     0xff53u
#define KD_XK_DOWN      0xff54u
#define KD_XK_PRIOR     0xff55u
#define KD_XK_NEXT      0xff56u
#define KD_XK_END       0xff57u
#define KD_XK_INSERT    0xff63u
#define KD_XK_KP_BEGIN  0xff9du
#define KD_XK_F1        0xffbeu /* F2..F12 follow */
#define KD_XK_SHIFT_L   0xffe1u
#define KD_XK_CONTROL_L 0xffe3u
#define KD_XK_ALT_L     0xffe9u
#define KD_XK_DELETE    0xffffu

typedef struct {
    uint32_t keysym;
    bool down;
} kd_vnc_keyev;

/* Three modifiers pressed, the key pressed and released, three modifiers released. */
#define KD_VNC_KEYEV_MAX 8

/* The events for key, in order; returns how many (0 for a key with no keysym). */
size_t kd_vnc_keys_translate(kd_key key, kd_vnc_keyev out[KD_VNC_KEYEV_MAX]);
/* The keysym of a Unicode code point (Latin-1 as is, the rest 0x01000000 + code point). */
uint32_t kd_vnc_keysym_of(unsigned cp);

#endif
