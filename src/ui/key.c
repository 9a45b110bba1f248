#include "ui/key.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static const struct {
    const char *name;
    kd_key key;
} named[] = {
    {"Space", ' '},
    {"Enter", KD_KEY_ENTER},
    {"Tab", '\t'},
    {"Esc", KD_KEY_ESC},
    {"BSpace", KD_KEY_BSPACE},
    {"BTab", KD_KEY_FN | KEY_BTAB},
    {"Up", KD_KEY_FN | KEY_UP},
    {"Down", KD_KEY_FN | KEY_DOWN},
    {"Left", KD_KEY_FN | KEY_LEFT},
    {"Right", KD_KEY_FN | KEY_RIGHT},
    {"Home", KD_KEY_FN | KEY_HOME},
    {"End", KD_KEY_FN | KEY_END},
    {"PPage", KD_KEY_FN | KEY_PPAGE},
    {"NPage", KD_KEY_FN | KEY_NPAGE},
    {"IC", KD_KEY_FN | KEY_IC},
    {"DC", KD_KEY_FN | KEY_DC},
    {"S-PPage", KD_KEY_FN | KEY_SPREVIOUS},
    {"S-NPage", KD_KEY_FN | KEY_SNEXT},
    {"S-Up", KD_KEY_FN | KEY_SR},
    {"S-Down", KD_KEY_FN | KEY_SF},
    {"S-Left", KD_KEY_FN | KEY_SLEFT},
    {"S-Right", KD_KEY_FN | KEY_SRIGHT},
    {"S-Home", KD_KEY_FN | KEY_SHOME},
    {"S-End", KD_KEY_FN | KEY_SEND},
    /* Aliases accepted on input; the names above are the ones printed. */
    {"PgUp", KD_KEY_FN | KEY_PPAGE},
    {"PgDn", KD_KEY_FN | KEY_NPAGE},
    {"Insert", KD_KEY_FN | KEY_IC},
    {"Delete", KD_KEY_FN | KEY_DC},
    {"Escape", KD_KEY_ESC},
    {"Return", KD_KEY_ENTER},
};

static int parse_base(const char *s, kd_key *out)
{
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        if (strcmp(s, named[i].name) == 0) {
            *out = named[i].key;
            return 0;
        }
    }
    if (s[0] == 'F' && s[1] >= '1' && s[1] <= '9') {
        char *end;
        long n = strtol(s + 1, &end, 10);
        if (*end == '\0' && n >= 1 && n <= 24) {
            *out = KD_KEY_FN | KEY_F((int)n);
            return 0;
        }
    }
    wchar_t wc;
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    size_t len = mbrtowc(&wc, s, strlen(s), &st);
    if (len == 0 || len == (size_t)-1 || len == (size_t)-2 || s[len] != '\0')
        return -1;
    if (wc < 0x20 || wc == 0x7f)
        return -1;
    *out = (kd_key)wc;
    return 0;
}

int kd_key_parse(const char *name, kd_key *out)
{
    kd_key mods = 0;
    bool ctrl = false;
    /* Shifted keys are keys of their own in curses: "S-PPage" is one name. */
    while (name[0] && name[1] == '-' && name[2] && name[0] != 'S') {
        if (name[0] == 'M')
            mods |= KD_KEY_META;
        else if (name[0] == 'C')
            ctrl = true;
        else
            return -1;
        name += 2;
    }
    kd_key base;
    if (parse_base(name, &base) < 0)
        return -1;
    if (ctrl) {
        if (base == ' ' || base == '@')
            base = 0;
        else if (base >= 'a' && base <= 'z')
            base = base - 'a' + 1;
        else if (base >= '[' && base <= '_')
            base = base - '@';
        else
            return -1;
    }
    *out = base | mods;
    return 0;
}

void kd_key_name(kd_key key, char *buf, size_t n)
{
    const char *meta = (key & KD_KEY_META) ? "M-" : "";
    kd_key base = key & ~KD_KEY_META;
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        if (named[i].key == base) {
            snprintf(buf, n, "%s%s", meta, named[i].name);
            return;
        }
    }
    if (base & KD_KEY_FN) {
        int code = base & ~KD_KEY_FN;
        if (code >= KEY_F(1) && code <= KEY_F(24))
            snprintf(buf, n, "%sF%d", meta, code - KEY_F0);
        else
            snprintf(buf, n, "%sKey%d", meta, code);
        return;
    }
    if (base == 0) {
        snprintf(buf, n, "%sC-Space", meta);
    } else if (base < 0x20) {
        char c = (char)(base <= 26 ? base + 'a' - 1 : base + '@');
        snprintf(buf, n, "%sC-%c", meta, c);
    } else {
        char mb[16];
        mbstate_t st;
        memset(&st, 0, sizeof(st));
        size_t len = wcrtomb(mb, (wchar_t)base, &st);
        if (len == (size_t)-1)
            len = (size_t)snprintf(mb, sizeof(mb), "U+%04X", (unsigned)base);
        mb[len] = '\0';
        snprintf(buf, n, "%s%s", meta, mb);
    }
}

kd_key kd_key_from_curses(int is_fn, unsigned code)
{
    if (is_fn) {
        switch (code) {
        case KEY_ENTER:
            return KD_KEY_ENTER;
        case KEY_BACKSPACE:
            return KD_KEY_BSPACE;
        default:
            return KD_KEY_FN | (kd_key)code;
        }
    }
    if (code == '\n')
        return KD_KEY_ENTER;
    if (code == 8)
        return KD_KEY_BSPACE;
    return (kd_key)code;
}
