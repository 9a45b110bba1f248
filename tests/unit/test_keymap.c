#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/err.h"
#include "ui/key.h"
#include "ui/keymap.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static kd_key parse_ok(const char *name)
{
    kd_key k = -12345;
    if (kd_key_parse(name, &k) != 0)
        fail_msg("kd_key_parse(\"%s\") failed", name);
    return k;
}

static void assert_name(kd_key key, const char *want)
{
    char buf[64];
    kd_key_name(key, buf, sizeof(buf));
    assert_string_equal(buf, want);
}

/* ---- key names -------------------------------------------------------------------------- */

static void test_key_parse_values(void **state)
{
    assert_int_equal(parse_ok("j"), 'j');
    assert_int_equal(parse_ok("G"), 'G');
    assert_int_equal(parse_ok("?"), '?');
    assert_int_equal(parse_ok("-"), '-');
    assert_int_equal(parse_ok("Space"), ' ');
    assert_int_equal(parse_ok("Enter"), KD_KEY_ENTER);
    assert_int_equal(parse_ok("Esc"), KD_KEY_ESC);
    assert_int_equal(parse_ok("BSpace"), KD_KEY_BSPACE);
    assert_int_equal(parse_ok("Tab"), '\t');
    assert_int_equal(parse_ok("Up"), KD_KEY_FN | KEY_UP);
    assert_int_equal(parse_ok("PPage"), KD_KEY_FN | KEY_PPAGE);
    assert_int_equal(parse_ok("NPage"), KD_KEY_FN | KEY_NPAGE);
    assert_int_equal(parse_ok("F1"), KD_KEY_FN | KEY_F(1));
    assert_int_equal(parse_ok("F12"), KD_KEY_FN | KEY_F(12));
    assert_int_equal(parse_ok("C-a"), 1);
    assert_int_equal(parse_ok("C-l"), 12);
    assert_int_equal(parse_ok("C-Space"), 0);
    assert_int_equal(parse_ok("M-x"), KD_KEY_META | 'x');
    assert_int_equal(parse_ok("M-Up"), KD_KEY_META | KD_KEY_FN | KEY_UP);
    assert_int_equal(parse_ok("M--"), KD_KEY_META | '-');
    assert_int_equal(parse_ok("M-C-a"), KD_KEY_META | 1);
    assert_int_equal(parse_ok("C-M-a"), KD_KEY_META | 1);
}

static void test_key_aliases(void **state)
{
    assert_int_equal(parse_ok("PgUp"), parse_ok("PPage"));
    assert_int_equal(parse_ok("PgDn"), parse_ok("NPage"));
    assert_int_equal(parse_ok("Escape"), parse_ok("Esc"));
    assert_int_equal(parse_ok("Return"), parse_ok("Enter"));
    assert_int_equal(parse_ok("Delete"), parse_ok("DC"));
    assert_int_equal(parse_ok("Insert"), parse_ok("IC"));
    /* Aliases are read, never printed. */
    assert_name(parse_ok("PgUp"), "PPage");
    assert_name(parse_ok("Escape"), "Esc");
    assert_name(parse_ok("Return"), "Enter");
    /* Ctrl+M is the byte Enter sends. */
    assert_int_equal(parse_ok("C-m"), KD_KEY_ENTER);
}

static void test_key_round_trip(void **state)
{
    /* The last three are é, Alt+é and a wide character. */
    static const char *const names[] = {
        "a",        "z",          "A",           "?",       "/",     "-",       "Space", "Enter",
        "Esc",      "Tab",        "BSpace",      "BTab",    "Up",    "Down",    "Left",  "Right",
        "Home",     "End",        "PPage",       "NPage",   "IC",    "DC",      "F1",    "F5",
        "F12",      "F24",        "C-a",         "C-l",     "C-z",   "C-Space", "C-\\",  "C-]",
        "M-x",      "M-Up",       "M-F3",        "M-Enter", "M-C-b", "M-?",     "M--",   ":",
        "\xc3\xa9", "M-\xc3\xa9", "\xe6\x97\xa5"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        kd_key k = parse_ok(names[i]);
        char buf[64];
        kd_key_name(k, buf, sizeof(buf));
        if (strcmp(buf, names[i]) != 0)
            fail_msg("\"%s\" printed back as \"%s\"", names[i], buf);
    }
}

static void test_key_parse_invalid(void **state)
{
    static const char *const bad[] = {
        "",     "C-",   "M-",   "Foo", "F99",    "F0", "F25",  "Fx",   "jj",   "X-a",      "C-1",
        "C-Up", "C-F1", "M-C-", "-a",  "Spacey", "up", "\x01", "\x7f", "\xff", "\xe6\x97",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kd_key k = 4242;
        if (kd_key_parse(bad[i], &k) != -1)
            fail_msg("\"%s\" was accepted as %d", bad[i], k);
    }
}

static void test_key_name_small_buffer(void **state)
{
    char buf[4];
    memset(buf, 'x', sizeof(buf));
    kd_key_name(parse_ok("M-PPage"), buf, sizeof(buf));
    assert_string_equal(buf, "M-P");
}

static void name_far_code_point(void)
{
    /* In the C locale wcrtomb refuses everything above ASCII, so the name falls back to
     * "U+XXXXXX"; six hex digits must still fit. */
    char buf[64];
    setlocale(LC_ALL, "C");
    kd_key_name(0x10fffd, buf, sizeof(buf));
    if (strcmp(buf, "U+10FFFD") != 0)
        _exit(3);
}

static void test_key_name_far_code_point(void **state)
{
    /* A sanitizer abort in a child is a failure here instead of the end of every test. */
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        name_far_code_point();
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_key_from_curses(void **state)
{
    assert_int_equal(kd_key_from_curses(1, KEY_ENTER), KD_KEY_ENTER);
    assert_int_equal(kd_key_from_curses(0, '\n'), KD_KEY_ENTER);
    assert_int_equal(kd_key_from_curses(0, '\r'), KD_KEY_ENTER);
    assert_int_equal(kd_key_from_curses(1, KEY_BACKSPACE), KD_KEY_BSPACE);
    assert_int_equal(kd_key_from_curses(0, 8), KD_KEY_BSPACE);
    assert_int_equal(kd_key_from_curses(0, 127), KD_KEY_BSPACE);
    assert_int_equal(kd_key_from_curses(1, KEY_UP), parse_ok("Up"));
    assert_int_equal(kd_key_from_curses(1, KEY_F(5)), parse_ok("F5"));
    assert_int_equal(kd_key_from_curses(1, KEY_NPAGE), parse_ok("PgDn"));
    assert_int_equal(kd_key_from_curses(0, 'q'), 'q');
    assert_int_equal(kd_key_from_curses(0, 27), KD_KEY_ESC);
    assert_int_equal(kd_key_from_curses(0, 12), parse_ok("C-l"));
    assert_int_equal(kd_key_from_curses(0, 0xe9), parse_ok("\xc3\xa9"));
    /* Names and curses agree, so a binding for "Enter" fires whichever way it arrives. */
    assert_name(kd_key_from_curses(1, KEY_ENTER), "Enter");
    assert_name(kd_key_from_curses(0, 8), "BSpace");
}

/* ---- contexts --------------------------------------------------------------------------- */

static void test_ctx_names(void **state)
{
    for (int c = 0; c < KD_CTX_LAST; c++) {
        kd_ctx got = KD_CTX_LAST;
        assert_int_equal(kd_ctx_parse(kd_ctx_name((kd_ctx)c), &got), 0);
        assert_int_equal(got, c);
    }
    kd_ctx got;
    assert_string_equal(kd_ctx_name(KD_CTX_LIST), "list");
    assert_string_equal(kd_ctx_name(KD_CTX_GLOBAL), "global");
    assert_string_equal(kd_ctx_name(KD_CTX_LAST), "?");
    assert_int_equal(kd_ctx_parse("nowhere", &got), -1);
    assert_int_equal(kd_ctx_parse("", &got), -1);
    assert_int_equal(kd_ctx_parse("List", &got), -1);
}

/* ---- the keymap parser ------------------------------------------------------------------ */

static int accept_all(const char *name)
{
    return name[0] != '\0';
}

static int known_only(const char *name)
{
    static const char *const known[] = {"help.toggle", "app.quit", "cursor.down", "cursor.up",
                                        "domain.start"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(name, known[i]) == 0)
            return 1;
    return 0;
}

static kd_keymap *parsed(kd_action_check check, const char *text)
{
    kd_keymap *km = kd_keymap_new(check);
    kd_err err;
    kd_err_clear(&err);
    if (kd_keymap_parse(km, text, "test", &err) != 0)
        fail_msg("unexpected parse error: %s", err.msg);
    assert_int_equal(err.code, KD_ERR_NONE);
    return km;
}

static void assert_lookup(const kd_keymap *km, kd_ctx ctx, const char *key, const char *want)
{
    const char *got = kd_keymap_lookup(km, ctx, parse_ok(key));
    if (!want) {
        if (got)
            fail_msg("%s %s is bound to %s", kd_ctx_name(ctx), key, got);
        return;
    }
    if (!got)
        fail_msg("%s %s is unbound, expected %s", kd_ctx_name(ctx), key, want);
    assert_string_equal(got, want);
}

static void test_defaults_parse(void **state)
{
    kd_keymap *km = parsed(accept_all, kd_keymap_default_text);
    assert_true(kd_keymap_count(km) > 10);
    assert_lookup(km, KD_CTX_LIST, "j", "cursor.down");
    assert_lookup(km, KD_CTX_LIST, "Down", "cursor.down");
    assert_lookup(km, KD_CTX_GLOBAL, "?", "help.toggle");
    assert_lookup(km, KD_CTX_GLOBAL, "q", "app.quit");
    /* The help screen's own q wins over the global one. */
    assert_lookup(km, KD_CTX_HELP, "q", "help.toggle");
    assert_lookup(km, KD_CTX_LIST, "q", "app.quit");
    for (size_t i = 0; i < kd_keymap_count(km); i++) {
        const kd_binding *b = kd_keymap_at(km, i);
        assert_non_null(b);
        assert_true(b->ctx >= 0 && b->ctx < KD_CTX_LAST);
        assert_non_null(b->action);
        assert_string_equal(kd_keymap_lookup(km, b->ctx, b->key), b->action);
    }
    assert_null(kd_keymap_at(km, kd_keymap_count(km)));
    kd_keymap_free(km);
}

static void test_defaults_no_duplicates(void **state)
{
    /* A default line that silently replaces an earlier one is a mistake in the defaults. */
    kd_keymap *km = parsed(NULL, kd_keymap_default_text);
    size_t lines = 0;
    for (const char *p = kd_keymap_default_text; (p = strstr(p, "bind ")); p++)
        if (p == kd_keymap_default_text || p[-1] == '\n')
            lines++;
    assert_int_equal(kd_keymap_count(km), lines);
    kd_keymap_free(km);
}

static void test_bind_unbind(void **state)
{
    kd_keymap *km = parsed(accept_all, "bind list x domain.start\n"
                                       "bind global x app.quit\n");
    assert_int_equal(kd_keymap_count(km), 2);
    assert_lookup(km, KD_CTX_LIST, "x", "domain.start");

    kd_err err;
    assert_int_equal(kd_keymap_parse(km, "unbind list x\n", "user", &err), 0);
    assert_int_equal(kd_keymap_count(km), 1);
    /* With the list binding gone the global one shows through. */
    assert_lookup(km, KD_CTX_LIST, "x", "app.quit");

    assert_int_equal(kd_keymap_parse(km, "unbind global x\n", "user", &err), 0);
    assert_int_equal(kd_keymap_count(km), 0);
    assert_lookup(km, KD_CTX_LIST, "x", NULL);

    /* Unbinding what is not bound is harmless. */
    assert_int_equal(kd_keymap_parse(km, "unbind help F9\n", "user", &err), 0);
    assert_int_equal(kd_keymap_count(km), 0);
    kd_keymap_free(km);
}

static void test_unbind_keeps_others(void **state)
{
    kd_keymap *km = parsed(accept_all, "bind list a one\n"
                                       "bind list b two\n"
                                       "bind list c three\n"
                                       "unbind list b\n");
    assert_int_equal(kd_keymap_count(km), 2);
    assert_lookup(km, KD_CTX_LIST, "a", "one");
    assert_lookup(km, KD_CTX_LIST, "b", NULL);
    assert_lookup(km, KD_CTX_LIST, "c", "three");
    kd_keymap_free(km);
}

static void test_later_bind_replaces(void **state)
{
    kd_keymap *km = parsed(accept_all, kd_keymap_default_text);
    size_t n = kd_keymap_count(km);
    kd_err err;
    assert_int_equal(kd_keymap_parse(km, "bind list j domain.start\n", "user", &err), 0);
    assert_int_equal(kd_keymap_count(km), n);
    assert_lookup(km, KD_CTX_LIST, "j", "domain.start");
    /* Other contexts keep their own binding of the same key. */
    assert_lookup(km, KD_CTX_HELP, "j", "cursor.down");

    kd_keymap_free(km);
    km = parsed(accept_all, "bind list C-a first\nbind list C-a second\n");
    assert_int_equal(kd_keymap_count(km), 1);
    assert_lookup(km, KD_CTX_LIST, "C-a", "second");
    kd_keymap_free(km);
}

static void test_lookup_fallback(void **state)
{
    kd_keymap *km = parsed(accept_all, "bind global F1 help.toggle\n"
                                       "bind list F2 list.only\n");
    assert_lookup(km, KD_CTX_LIST, "F1", "help.toggle");
    assert_lookup(km, KD_CTX_HELP, "F1", "help.toggle");
    assert_lookup(km, KD_CTX_LIST, "F2", "list.only");
    /* Fallback runs one way only: other contexts never lend bindings. */
    assert_lookup(km, KD_CTX_GLOBAL, "F2", NULL);
    assert_lookup(km, KD_CTX_HELP, "F2", NULL);
    assert_lookup(km, KD_CTX_LIST, "F3", NULL);
    kd_keymap_free(km);
}

static void assert_parse_error(kd_action_check check, const char *text, const char *origin,
                               const char *want)
{
    kd_keymap *km = kd_keymap_new(check);
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_keymap_parse(km, text, origin, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    if (!strstr(err.msg, want))
        fail_msg("'%s' does not contain '%s'", err.msg, want);
    kd_keymap_free(km);
}

static void test_parse_errors(void **state)
{
    assert_parse_error(known_only, "bind nowhere j cursor.down\n", "keys", "keys:1: ");
    assert_parse_error(known_only, "bind nowhere j cursor.down\n", "keys", "'nowhere'");
    assert_parse_error(known_only, "\n# c\nbind list Foo cursor.down\n", "keys", "keys:3: ");
    assert_parse_error(known_only, "\n# c\nbind list Foo cursor.down\n", "keys", "'Foo'");
    assert_parse_error(known_only, "bind list j no.such\n", "/home/u/keys", "/home/u/keys:1: ");
    assert_parse_error(known_only, "bind list j no.such\n", "/home/u/keys", "'no.such'");
    assert_parse_error(known_only, "bnid list j cursor.down\n", "keys", "'bnid'");
    assert_parse_error(known_only, "bind list j\n", "keys", "bind CONTEXT KEY ACTION");
    assert_parse_error(known_only, "bind list j cursor.down extra\n", "keys", "usage");
    assert_parse_error(known_only, "unbind list\n", "keys", "unbind CONTEXT KEY");
    assert_parse_error(known_only, "unbind list j k\n", "keys", "keys:1: ");
    assert_parse_error(known_only, "bind list F99 cursor.down\n", "keys", "'F99'");
    assert_parse_error(known_only, "bind list C- cursor.down\n", "keys", "'C-'");
    assert_parse_error(known_only, "bind list \"j cursor.down\n", "defaults", "defaults:1: ");
    assert_parse_error(known_only, "bind list \"j cursor.down\n", "defaults", "quote");
    assert_parse_error(known_only, "\"\"\n", "keys", "keys:1: ");
    /* Blank and comment lines still count. */
    assert_parse_error(known_only,
                       "bind list j cursor.down\n\n   # indented comment\n\nbind list k bogus\n",
                       "keys", "keys:5: unknown action 'bogus'");
}

static void test_error_stops_parsing(void **state)
{
    kd_keymap *km = kd_keymap_new(known_only);
    kd_err err;
    assert_int_equal(kd_keymap_parse(km,
                                     "bind list j cursor.down\n"
                                     "bind list k nonsense\n"
                                     "bind list q app.quit\n",
                                     "keys", &err),
                     -1);
    assert_lookup(km, KD_CTX_LIST, "q", NULL);
    kd_keymap_free(km);
}

static void test_quoted_words(void **state)
{
    kd_keymap *km = parsed(accept_all, "bind list \"?\" help.toggle\n"
                                       "bind 'list' '#' domain.start\n"
                                       "bind list \"C-a\" \"cursor.up\"\n"
                                       "bind list \\; app.quit\n"
                                       "bind list '\"' cursor.down\n");
    assert_int_equal(kd_keymap_count(km), 5);
    assert_lookup(km, KD_CTX_LIST, "?", "help.toggle");
    assert_lookup(km, KD_CTX_LIST, "#", "domain.start");
    assert_lookup(km, KD_CTX_LIST, "C-a", "cursor.up");
    assert_lookup(km, KD_CTX_LIST, ";", "app.quit");
    assert_lookup(km, KD_CTX_LIST, "\"", "cursor.down");
    kd_keymap_free(km);
}

static void test_comments_and_blank_lines(void **state)
{
    kd_keymap *km = parsed(known_only, "# leading comment\n"
                                       "\n"
                                       "   \t\n"
                                       "    # indented comment with bind list j bogus\n"
                                       "bind list j cursor.down\r\n"
                                       "  bind   list   k   cursor.up  \n"
                                       "#bind list q app.quit");
    assert_int_equal(kd_keymap_count(km), 2);
    assert_lookup(km, KD_CTX_LIST, "j", "cursor.down");
    assert_lookup(km, KD_CTX_LIST, "k", "cursor.up");
    assert_lookup(km, KD_CTX_LIST, "q", NULL);
    kd_keymap_free(km);

    km = parsed(known_only, "");
    assert_int_equal(kd_keymap_count(km), 0);
    kd_keymap_free(km);
    kd_keymap_free(NULL);
}

static void test_checker_sees_actions(void **state)
{
    /* Without a checker every action is taken; with one, unknown actions are refused. */
    kd_keymap *km = parsed(NULL, "bind list z anything.goes\n");
    assert_lookup(km, KD_CTX_LIST, "z", "anything.goes");
    kd_keymap_free(km);
    assert_parse_error(known_only, "bind list z anything.goes\n", "keys", "anything.goes");
}

static int utf8_setup(void **state)
{
    return setlocale(LC_ALL, "C.UTF-8") ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_parse_values),
        cmocka_unit_test(test_key_aliases),
        cmocka_unit_test(test_key_round_trip),
        cmocka_unit_test(test_key_parse_invalid),
        cmocka_unit_test(test_key_name_small_buffer),
        cmocka_unit_test(test_key_name_far_code_point),
        cmocka_unit_test(test_key_from_curses),
        cmocka_unit_test(test_ctx_names),
        cmocka_unit_test(test_defaults_parse),
        cmocka_unit_test(test_defaults_no_duplicates),
        cmocka_unit_test(test_bind_unbind),
        cmocka_unit_test(test_unbind_keeps_others),
        cmocka_unit_test(test_later_bind_replaces),
        cmocka_unit_test(test_lookup_fallback),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_error_stops_parsing),
        cmocka_unit_test(test_quoted_words),
        cmocka_unit_test(test_comments_and_blank_lines),
        cmocka_unit_test(test_checker_sees_actions),
    };
    return cmocka_run_group_tests(tests, utf8_setup, NULL);
}
