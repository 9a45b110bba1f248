#include "ui/vnc_keys.h"

#include <curses.h>
#include <string.h>

enum { MOD_CTRL = 1, MOD_ALT = 2, MOD_SHIFT = 4 };

/* Keys curses names; terminals send Shift+F1..F12 as F13..F24 and Ctrl+F1..F12 as
 * F25..F36 (xterm), which the function-key rule below undoes. */
static const struct {
    int code;
    uint32_t sym;
    unsigned mods;
} fn_keys[] = {
    {KEY_UP, KD_XK_UP, 0},
    {KEY_DOWN, KD_XK_DOWN, 0},
    {KEY_LEFT, KD_XK_LEFT, 0},
    {KEY_RIGHT, KD_XK_RIGHT, 0},
    {KEY_HOME, KD_XK_HOME, 0},
    {KEY_END, KD_XK_END, 0},
    {KEY_PPAGE, KD_XK_PRIOR, 0},
    {KEY_NPAGE, KD_XK_NEXT, 0},
    {KEY_IC, KD_XK_INSERT, 0},
    {KEY_DC, KD_XK_DELETE, 0},
    {KEY_BTAB, KD_XK_TAB, MOD_SHIFT},
    {KEY_SR, KD_XK_UP, MOD_SHIFT},
    {KEY_SF, KD_XK_DOWN, MOD_SHIFT},
    {KEY_SLEFT, KD_XK_LEFT, MOD_SHIFT},
    {KEY_SRIGHT, KD_XK_RIGHT, MOD_SHIFT},
    {KEY_SHOME, KD_XK_HOME, MOD_SHIFT},
    {KEY_SEND, KD_XK_END, MOD_SHIFT},
    {KEY_SPREVIOUS, KD_XK_PRIOR, MOD_SHIFT},
    {KEY_SNEXT, KD_XK_NEXT, MOD_SHIFT},
    {KEY_SIC, KD_XK_INSERT, MOD_SHIFT},
    {KEY_SDC, KD_XK_DELETE, MOD_SHIFT},
    {KEY_BACKSPACE, KD_XK_BACKSPACE, 0},
    {KEY_ENTER, KD_XK_RETURN, 0},
    /* The keypad in application mode: its corners and centre. */
    {KEY_A1, KD_XK_HOME, 0},
    {KEY_A3, KD_XK_PRIOR, 0},
    {KEY_B2, KD_XK_KP_BEGIN, 0},
    {KEY_C1, KD_XK_END, 0},
    {KEY_C3, KD_XK_NEXT, 0},
};

/* Characters typed with Shift on a US keyboard: a server that maps keysyms to scan codes
 * (QEMU) needs the Shift key itself, which a terminal never reports. */
static bool needs_shift(unsigned cp)
{
    return (cp >= 'A' && cp <= 'Z') ||
           (cp && cp < 0x80 && strchr("~!@#$%^&*()_+{}|:\"<>?", (int)cp));
}

uint32_t kd_vnc_keysym_of(unsigned cp)
{
    if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff))
        return cp;
    return 0x01000000u | cp;
}

/* xterm's modified keys have no KEY_ names: curses gives them codes of their own, named
 * after terminfo's extended capabilities ("kLFT5" is Ctrl+Left). The digit is xterm's
 * modifier parameter, 1 + (1 Shift, 2 Alt, 4 Ctrl). */
static bool modified_key(int code, uint32_t *sym, unsigned *mods)
{
    static const struct {
        const char *name;
        uint32_t sym;
    } base[] = {
        {"kUP", KD_XK_UP},     {"kDN", KD_XK_DOWN},   {"kLFT", KD_XK_LEFT},  {"kRIT", KD_XK_RIGHT},
        {"kHOM", KD_XK_HOME},  {"kEND", KD_XK_END},   {"kPRV", KD_XK_PRIOR}, {"kNXT", KD_XK_NEXT},
        {"kIC", KD_XK_INSERT}, {"kDC", KD_XK_DELETE},
    };
    const char *name = code > KEY_MAX ? keyname(code) : NULL;
    for (size_t i = 0; name && i < sizeof(base) / sizeof(base[0]); i++) {
        size_t len = strlen(base[i].name);
        if (strncmp(name, base[i].name, len) != 0 || name[len] < '2' || name[len] > '8' ||
            name[len + 1] != '\0')
            continue;
        unsigned m = (unsigned)(name[len] - '1');
        *mods |= (m & 1 ? MOD_SHIFT : 0) | (m & 2 ? MOD_ALT : 0) | (m & 4 ? MOD_CTRL : 0);
        *sym = base[i].sym;
        return true;
    }
    return false;
}

static bool fn_key(int code, uint32_t *sym, unsigned *mods)
{
    for (size_t i = 0; i < sizeof(fn_keys) / sizeof(fn_keys[0]); i++) {
        if (fn_keys[i].code == code) {
            *sym = fn_keys[i].sym;
            *mods |= fn_keys[i].mods;
            return true;
        }
    }
    if (code >= KEY_F(1) && code <= KEY_F(36)) {
        int n = code - KEY_F0 - 1; /* 0-based */
        static const unsigned bank[] = {0, MOD_SHIFT, MOD_CTRL};
        *mods |= bank[n / 12];
        *sym = KD_XK_F1 + (uint32_t)(n % 12);
        return true;
    }
    return modified_key(code, sym, mods);
}

/* Control codes: the terminal's Ctrl+key, or keys that are control codes themselves. */
static bool control_key(unsigned code, uint32_t *sym, unsigned *mods)
{
    static const struct {
        unsigned code;
        uint32_t sym;
    } plain[] = {
        {'\t', KD_XK_TAB},  {'\r', KD_XK_RETURN},   {'\n', KD_XK_RETURN},
        {27, KD_XK_ESCAPE}, {127, KD_XK_BACKSPACE}, {8, KD_XK_BACKSPACE},
    };
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        if (plain[i].code == code) {
            *sym = plain[i].sym;
            return true;
        }
    }
    if (code >= 0x20)
        return false;
    *mods |= MOD_CTRL;
    if (code == 0)
        *sym = ' ';
    else if (code <= 26)
        *sym = 'a' + code - 1;
    else
        *sym = '@' + code; /* \ ] ^ _ */
    if (needs_shift(*sym))
        *mods |= MOD_SHIFT;
    return true;
}

static size_t emit(uint32_t sym, unsigned mods, kd_vnc_keyev *out)
{
    static const struct {
        unsigned mod;
        uint32_t sym;
    } order[] = {{MOD_CTRL, KD_XK_CONTROL_L}, {MOD_ALT, KD_XK_ALT_L}, {MOD_SHIFT, KD_XK_SHIFT_L}};
    size_t n = 0;
    for (size_t i = 0; i < 3; i++)
        if (mods & order[i].mod)
            out[n++] = (kd_vnc_keyev){order[i].sym, true};
    out[n++] = (kd_vnc_keyev){sym, true};
    out[n++] = (kd_vnc_keyev){sym, false};
    for (size_t i = 3; i-- > 0;)
        if (mods & order[i].mod)
            out[n++] = (kd_vnc_keyev){order[i].sym, false};
    return n;
}

size_t kd_vnc_keys_translate(kd_key key, kd_vnc_keyev out[KD_VNC_KEYEV_MAX])
{
    unsigned mods = (key & KD_KEY_META) ? MOD_ALT : 0;
    kd_key base = key & ~KD_KEY_META;
    uint32_t sym = 0;
    if (base & KD_KEY_FN) {
        if (!fn_key(base & ~KD_KEY_FN, &sym, &mods))
            return 0;
    } else if (base < 0 || base > 0x10ffff || (base >= 0xd800 && base <= 0xdfff)) {
        return 0;
    } else if (!control_key((unsigned)base, &sym, &mods)) {
        if (base >= 0x80 && base < 0xa0)
            return 0; /* C1 controls have no key */
        sym = kd_vnc_keysym_of((unsigned)base);
        if (needs_shift((unsigned)base))
            mods |= MOD_SHIFT;
    }
    return emit(sym, mods, out);
}
