#ifndef KD_UI_KEY_H
#define KD_UI_KEY_H

#include <stdbool.h>
#include <stddef.h>

/* A key as kvmdeck sees it: a Unicode code point, or an ncurses KEY_* code with the
 * KD_KEY_FN bit, optionally with KD_KEY_META (Alt). Ctrl+letter is its control code. */
typedef int kd_key;

#define KD_KEY_FN     (1 << 24)
#define KD_KEY_META   (1 << 25)
#define KD_KEY_ESC    27
#define KD_KEY_ENTER  '\r'
#define KD_KEY_BSPACE 127

/* Parse a tmux-style key name: "j", "?", "Space", "Enter", "Esc", "Up", "PPage", "F5",
 * "C-a", "M-x", "M-Up". Returns 0, or -1 for an unknown name. */
int kd_key_parse(const char *name, kd_key *out);
/* The canonical name of a key, as kd_key_parse reads it. */
void kd_key_name(kd_key key, char *buf, size_t n);
/* Turn what wget_wch returned into a kd_key (Enter, Backspace and friends normalised). */
kd_key kd_key_from_curses(int is_fn, unsigned code);

#endif
