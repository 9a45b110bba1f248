#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/err.h"
#include "core/ini.h"
#include "core/paths.h"
#include "core/str.h"
#include "core/uri.h"
#include "core/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Writing past kd_err.msg would land in the canary; ASan cannot see overflows inside one
 * object, so the test checks the canary itself. */
typedef struct {
    kd_err err;
    unsigned char canary[64];
} guarded_err;

static void guard_init(guarded_err *g)
{
    memset(g, 0x5a, sizeof(*g));
    kd_err_clear(&g->err);
}

static void assert_guard_intact(const guarded_err *g)
{
    for (size_t i = 0; i < sizeof(g->canary); i++)
        assert_int_equal(g->canary[i], 0x5a);
    assert_non_null(memchr(g->err.msg, '\0', sizeof(g->err.msg)));
}

static char *repeat(char c, size_t n)
{
    char *s = kd_malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* A sanitizer report aborts the process; running a crash-prone call in a child keeps the
 * other tests alive and turns the abort into an ordinary failure. */
static void assert_child_survives(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- errors ---------------------------------------------------------------------------- */

static void test_err_set(void **state)
{
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(err.code, KD_ERR_NONE);
    assert_string_equal(err.msg, "");

    kd_err_set(&err, KD_ERR_INVALID, "bad value %d in '%s'", 42, "x");
    assert_int_equal(err.code, KD_ERR_INVALID);
    assert_string_equal(err.msg, "bad value 42 in 'x'");

    kd_err_clear(&err);
    assert_int_equal(err.code, KD_ERR_NONE);
    assert_string_equal(err.msg, "");

    /* Callers that do not care pass NULL. */
    kd_err_set(NULL, KD_ERR_IO, "ignored");
    kd_err_prefix(NULL, "ignored");
}

static void test_err_code_name(void **state)
{
    assert_string_equal(kd_err_code_name(KD_ERR_NONE), "none");
    assert_string_equal(kd_err_code_name(KD_ERR_NOTFOUND), "not found");
    assert_string_equal(kd_err_code_name(KD_ERR_CONNECT), "connect");
    assert_string_equal(kd_err_code_name(KD_ERR_LAST), "unknown");
    assert_string_equal(kd_err_code_name((kd_err_code)-1), "unknown");
    for (int c = 0; c < KD_ERR_LAST; c++)
        assert_non_null(kd_err_code_name((kd_err_code)c));
}

static void test_err_set_truncates(void **state)
{
    guarded_err g;
    char *big = repeat('m', 4000);
    guard_init(&g);
    kd_err_set(&g.err, KD_ERR_IO, "start:%s", big);
    assert_guard_intact(&g);
    assert_int_equal(strlen(g.err.msg), sizeof(g.err.msg) - 1);
    assert_memory_equal(g.err.msg, "start:mmm", 9);
    free(big);
}

static void test_err_prefix(void **state)
{
    kd_err err;
    kd_err_set(&err, KD_ERR_NOTFOUND, "no such file");
    kd_err_prefix(&err, "loading theme %s", "dark");
    assert_string_equal(err.msg, "loading theme dark: no such file");
    /* The code belongs to the original failure. */
    assert_int_equal(err.code, KD_ERR_NOTFOUND);

    kd_err_prefix(&err, "startup");
    assert_string_equal(err.msg, "startup: loading theme dark: no such file");
}

static void test_err_prefix_long_old_message(void **state)
{
    guarded_err g;
    char *big = repeat('o', 600);
    guard_init(&g);
    kd_err_set(&g.err, KD_ERR_IO, "%s", big);
    kd_err_prefix(&g.err, "ctx");
    assert_guard_intact(&g);
    assert_int_equal(strlen(g.err.msg), sizeof(g.err.msg) - 1);
    assert_memory_equal(g.err.msg, "ctx: ooo", 8);
    free(big);
}

static void test_err_prefix_long_prefix(void **state)
{
    guarded_err g;
    char *big = repeat('p', 2000);
    guard_init(&g);
    kd_err_set(&g.err, KD_ERR_IO, "old");
    kd_err_prefix(&g.err, "%s", big);
    assert_guard_intact(&g);
    assert_true(strlen(g.err.msg) < sizeof(g.err.msg));
    assert_memory_equal(g.err.msg, "pppp", 4);
    assert_int_equal(g.err.code, KD_ERR_IO);
    free(big);
}

static void test_err_prefix_fills_exactly(void **state)
{
    /* Every split of prefix and message around the buffer size, to catch off-by-ones. */
    for (size_t plen = 0; plen < 520; plen += 7) {
        for (size_t olen = 0; olen < 520; olen += 13) {
            guarded_err g;
            char *p = repeat('p', plen);
            char *o = repeat('o', olen);
            guard_init(&g);
            kd_err_set(&g.err, KD_ERR_IO, "%s", o);
            kd_err_prefix(&g.err, "%s", p);
            assert_guard_intact(&g);
            /* Expect "ppp: ooo", either part possibly cut, the whole never over 511. */
            const char *m = g.err.msg;
            size_t k = strspn(m, "p");
            assert_true(k <= plen);
            if (plen <= 200)
                assert_int_equal(k, plen);
            assert_memory_equal(m + k, ": ", 2);
            size_t room = sizeof(g.err.msg) - 1 - k - 2;
            assert_int_equal(strspn(m + k + 2, "o"), olen < room ? olen : room);
            assert_int_equal(strlen(m), k + 2 + (olen < room ? olen : room));
            free(p);
            free(o);
        }
    }
}

/* ---- strings ---------------------------------------------------------------------------- */

static void test_str_trim(void **state)
{
    char a[] = "  \t hello world \r\n ";
    char b[] = "";
    char c[] = " \t\n";
    char d[] = "x";
    assert_string_equal(kd_str_trim(a), "hello world");
    assert_string_equal(kd_str_trim(b), "");
    assert_string_equal(kd_str_trim(c), "");
    assert_string_equal(kd_str_trim(d), "x");
}

static void test_str_empty_eq(void **state)
{
    assert_true(kd_str_empty(NULL));
    assert_true(kd_str_empty(""));
    assert_false(kd_str_empty(" "));
    assert_true(kd_str_eq(NULL, NULL));
    assert_false(kd_str_eq("a", NULL));
    assert_false(kd_str_eq(NULL, "a"));
    assert_true(kd_str_eq("abc", "abc"));
    assert_false(kd_str_eq("abc", "abd"));
}

static void test_asprintf_strndup(void **state)
{
    char *s = kd_asprintf("%s-%03d", "vm", 7);
    assert_string_equal(s, "vm-007");
    free(s);
    s = kd_strndup("abcdef", 3);
    assert_string_equal(s, "abc");
    free(s);
}

/* Split and compare with the expected words (NULL-terminated). */
static void assert_split(const char *line, const char *const *want)
{
    char **argv = NULL;
    const char *bad = "untouched";
    int n = kd_str_split_words(line, &argv, &bad);
    int want_n = 0;
    while (want[want_n])
        want_n++;
    assert_null(bad);
    assert_int_equal(n, want_n);
    assert_non_null(argv);
    for (int i = 0; i < n; i++)
        assert_string_equal(argv[i], want[i]);
    assert_null(argv[n]);
    kd_strv_free(argv);
}

static void test_split_plain(void **state)
{
    assert_split("bind list j cursor.down",
                 (const char *[]){"bind", "list", "j", "cursor.down", NULL});
    assert_split("  a\t\tb  c \n", (const char *[]){"a", "b", "c", NULL});
    assert_split("", (const char *[]){NULL});
    assert_split("   \t ", (const char *[]){NULL});
}

static void test_split_quotes(void **state)
{
    assert_split("start 'web one' \"db two\"",
                 (const char *[]){"start", "web one", "db two", NULL});
    /* Quotes join with adjacent text into one word, as in a shell. */
    assert_split("pre'fix 'mid\"dle\"post", (const char *[]){"prefix middlepost", NULL});
    assert_split("'a \"b\" c'", (const char *[]){"a \"b\" c", NULL});
    assert_split("\"it's\"", (const char *[]){"it's", NULL});
}

static void test_split_backslash(void **state)
{
    assert_split("a\\ b c", (const char *[]){"a b", "c", NULL});
    assert_split("\\\"x\\'", (const char *[]){"\"x'", NULL});
    assert_split("\"a\\\"b\"", (const char *[]){"a\"b", NULL});
    assert_split("\"a\\\\b\"", (const char *[]){"a\\b", NULL});
    /* Single quotes are literal: the backslash stays. */
    assert_split("'a\\b'", (const char *[]){"a\\b", NULL});
    /* A trailing backslash has nothing to escape and is kept. */
    assert_split("end\\", (const char *[]){"end\\", NULL});
}

static void test_split_empty_quoted(void **state)
{
    assert_split("a \"\" b", (const char *[]){"a", "", "b", NULL});
    assert_split("''", (const char *[]){"", NULL});
    assert_split("\"\" ''", (const char *[]){"", "", NULL});
}

static void test_split_odd_name(void **state)
{
    const char *name = "it's <odd> & \"quoted\"";
    assert_split("start \"it's <odd> & \\\"quoted\\\"\"", (const char *[]){"start", name, NULL});
    /* The shell's way of putting a single quote inside single quotes. */
    assert_split("start 'it'\\''s <odd> & \"quoted\"'", (const char *[]){"start", name, NULL});
}

static void test_split_unterminated(void **state)
{
    char **argv = (char **)1;
    const char *bad = NULL;
    assert_int_equal(kd_str_split_words("start \"web one", &argv, &bad), -1);
    assert_null(argv);
    assert_non_null(bad);
    assert_non_null(strstr(bad, "double"));

    argv = (char **)1;
    bad = NULL;
    assert_int_equal(kd_str_split_words("a b 'c", &argv, &bad), -1);
    assert_null(argv);
    assert_non_null(bad);
    assert_non_null(strstr(bad, "single"));

    /* An escaped quote opens nothing. */
    assert_split("a \\\"b", (const char *[]){"a", "\"b", NULL});
}

static void test_buf_growth(void **state)
{
    kd_buf b;
    kd_buf_init(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    for (int i = 0; i < 10000; i++)
        kd_buf_add(&b, "0123456789" + i % 10, 1);
    assert_int_equal(b.len, 10000);
    assert_true(b.cap >= b.len + 1);
    assert_int_equal(strlen(b.data), 10000);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(b.data[i], '0' + i % 10);

    /* Embedded NUL bytes are data, not the end. */
    kd_buf_add(&b, "a\0b", 3);
    assert_int_equal(b.len, 10003);
    assert_memory_equal(b.data + 10000, "a\0b", 4);
    kd_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

static void test_buf_printf_steal(void **state)
{
    kd_buf b;
    kd_buf_init(&b);
    kd_buf_adds(&b, "vms:");
    kd_buf_printf(&b, " %s=%d", "web", 3);
    kd_buf_printf(&b, " %s", "");
    char *big = repeat('z', 3000);
    kd_buf_printf(&b, "%s|", big);
    assert_int_equal(b.len, strlen("vms: web=3 ") + 3001);
    assert_memory_equal(b.data, "vms: web=3 zzz", 14);
    assert_int_equal(b.data[b.len - 1], '|');

    char *s = kd_buf_steal(&b);
    assert_int_equal(strlen(s), strlen("vms: web=3 ") + 3001);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(s);
    free(big);

    /* Stealing an empty buffer still gives a string. */
    s = kd_buf_steal(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    kd_buf_free(&b);
}

/* ---- files ------------------------------------------------------------------------------ */

static char *make_tmpdir(void)
{
    char *dir = kd_strdup("/tmp/kd-test-core-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void remove_tree(const char *dir)
{
    char *cmd = kd_asprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static char *write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char *path = kd_asprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void test_file_read(void **state)
{
    char *dir = make_tmpdir();
    char *big = repeat('q', 10000);
    char *path = write_file(dir, "f", big, 10000);
    size_t len = 0;

    char *s = kd_file_read(path, 10000, &len);
    assert_non_null(s);
    assert_int_equal(len, 10000);
    assert_int_equal(s[10000], '\0');
    assert_memory_equal(s, big, 10000);
    free(s);

    errno = 0;
    assert_null(kd_file_read(path, 9999, &len));
    assert_int_equal(errno, EFBIG);

    char *empty = write_file(dir, "empty", "", 0);
    s = kd_file_read(empty, 10, NULL);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);

    char *missing = kd_asprintf("%s/missing", dir);
    errno = 0;
    assert_null(kd_file_read(missing, 100, &len));
    assert_int_equal(errno, ENOENT);

    remove_tree(dir);
    free(missing);
    free(empty);
    free(path);
    free(big);
    free(dir);
}

/* ---- INI -------------------------------------------------------------------------------- */

typedef struct {
    char log[2048];
    int calls;
    int stop_at; /* fail on this call (1-based); 0 never */
} ini_rec;

static int ini_collect(const char *section, const char *key, const char *value, int line,
                       void *opaque, kd_err *err)
{
    ini_rec *r = opaque;
    r->calls++;
    if (r->stop_at && r->calls == r->stop_at) {
        kd_err_set(err, KD_ERR_INVALID, "line %d: refused '%s'", line, key);
        return -1;
    }
    size_t used = strlen(r->log);
    snprintf(r->log + used, sizeof(r->log) - used, "%d:[%s]%s=<%s>\n", line, section, key, value);
    return 0;
}

static void test_ini_basic(void **state)
{
    const char *text = "top = 1\n"
                       "# a comment\n"
                       "; another comment\n"
                       "\n"
                       "[colors]\n"
                       "  normal   =   default  \n"
                       "header=white on blue\n"
                       "   [ spaced ]   \n"
                       "quoted = \"  keep  spaces  \"\n"
                       "inner = a \"b\" c\n"
                       "eq = a=b=c\n"
                       "empty =\n"
                       "lone = \"\n"
                       "\t; indented comment\n"
                       "last = x";
    ini_rec r = {0};
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_ini_parse(text, ini_collect, &r, &err), 0);
    assert_int_equal(err.code, KD_ERR_NONE);
    assert_string_equal(r.log, "1:[]top=<1>\n"
                               "6:[colors]normal=<default>\n"
                               "7:[colors]header=<white on blue>\n"
                               "9:[spaced]quoted=<  keep  spaces  >\n"
                               "10:[spaced]inner=<a \"b\" c>\n"
                               "11:[spaced]eq=<a=b=c>\n"
                               "12:[spaced]empty=<>\n"
                               "13:[spaced]lone=<\">\n"
                               "15:[spaced]last=<x>\n");
}

static void test_ini_crlf(void **state)
{
    ini_rec r = {0};
    kd_err err;
    assert_int_equal(kd_ini_parse("[s]\r\nk = \"v\"\r\n", ini_collect, &r, &err), 0);
    assert_string_equal(r.log, "2:[s]k=<v>\n");
}

static void test_ini_empty(void **state)
{
    ini_rec r = {0};
    kd_err err;
    assert_int_equal(kd_ini_parse("", ini_collect, &r, &err), 0);
    assert_int_equal(kd_ini_parse("\n\n# only\n", ini_collect, &r, &err), 0);
    assert_int_equal(r.calls, 0);
}

static void assert_ini_error(const char *text, const char *want)
{
    ini_rec r = {0};
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_ini_parse(text, ini_collect, &r, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    if (!strstr(err.msg, want))
        fail_msg("'%s' does not contain '%s'", err.msg, want);
}

static void test_ini_errors(void **state)
{
    assert_ini_error("[ok]\na = 1\nno equals here\n", "line 3");
    assert_ini_error("[ok]\na = 1\nno equals here\n", "key = value");
    assert_ini_error("# c\n[unclosed\na = 1\n", "line 2");
    assert_ini_error("# c\n[unclosed\na = 1\n", "']'");
    assert_ini_error("[a] trailing\n", "line 1");
    assert_ini_error("\n\n\n\n = value\n", "line 5");
    assert_ini_error("\n\n\n\n = value\n", "key");
}

static void test_ini_error_stops(void **state)
{
    ini_rec r = {0};
    kd_err err;
    /* Nothing after a bad line is delivered. */
    assert_int_equal(kd_ini_parse("a = 1\nbad\nb = 2\n", ini_collect, &r, &err), -1);
    assert_int_equal(r.calls, 1);

    memset(&r, 0, sizeof(r));
    r.stop_at = 2;
    assert_int_equal(kd_ini_parse("a = 1\nb = 2\nc = 3\nd = 4\n", ini_collect, &r, &err), -1);
    assert_int_equal(r.calls, 2);
    assert_string_equal(r.log, "1:[]a=<1>\n");
    assert_string_equal(err.msg, "line 2: refused 'b'");
}

static void test_ini_file(void **state)
{
    char *dir = make_tmpdir();
    const char *text = "[s]\nk = v\n";
    char *path = write_file(dir, "ok.ini", text, strlen(text));
    ini_rec r = {0};
    kd_err err;
    kd_err_clear(&err);
    assert_int_equal(kd_ini_parse_file(path, ini_collect, &r, &err), 0);
    assert_string_equal(r.log, "2:[s]k=<v>\n");

    const char *badtext = "[s]\nk = v\n[broken\n";
    char *bad = write_file(dir, "bad.ini", badtext, strlen(badtext));
    assert_int_equal(kd_ini_parse_file(bad, ini_collect, &r, &err), -1);
    assert_int_equal(err.code, KD_ERR_INVALID);
    /* The message leads with the file so the user knows where to look. */
    char *want = kd_asprintf("%s: line 3:", bad);
    assert_memory_equal(err.msg, want, strlen(want));
    free(want);

    char *missing = kd_asprintf("%s/nope.ini", dir);
    kd_err_clear(&err);
    assert_int_equal(kd_ini_parse_file(missing, ini_collect, &r, &err), -1);
    assert_int_equal(err.code, KD_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, missing));

    remove_tree(dir);
    free(missing);
    free(bad);
    free(path);
    free(dir);
}

/* ---- paths ------------------------------------------------------------------------------ */

typedef struct {
    char *home;
    char *config;
    char *data;
} saved_env;

static char *dup_env(const char *name)
{
    const char *v = getenv(name);
    return v ? kd_strdup(v) : NULL;
}

static void restore_env(const char *name, char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
    free(value);
}

static int paths_setup(void **state)
{
    saved_env *s = kd_calloc(1, sizeof(*s));
    s->home = dup_env("HOME");
    s->config = dup_env("XDG_CONFIG_HOME");
    s->data = dup_env("XDG_DATA_HOME");
    *state = s;
    return 0;
}

static int paths_teardown(void **state)
{
    saved_env *s = *state;
    restore_env("HOME", s->home);
    restore_env("XDG_CONFIG_HOME", s->config);
    restore_env("XDG_DATA_HOME", s->data);
    free(s);
    return 0;
}

static void assert_dir(char *got, const char *want)
{
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_paths_xdg_set(void **state)
{
    setenv("HOME", "/home/tester", 1);
    setenv("XDG_CONFIG_HOME", "/srv/cfg", 1);
    setenv("XDG_DATA_HOME", "/srv/data", 1);
    assert_dir(kd_paths_config_dir(), "/srv/cfg/kvmdeck");
    assert_dir(kd_paths_data_dir(), "/srv/data/kvmdeck");
}

static void test_paths_xdg_unset(void **state)
{
    setenv("HOME", "/home/tester", 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_DATA_HOME");
    assert_dir(kd_paths_config_dir(), "/home/tester/.config/kvmdeck");
    assert_dir(kd_paths_data_dir(), "/home/tester/.local/share/kvmdeck");

    setenv("XDG_CONFIG_HOME", "", 1);
    setenv("XDG_DATA_HOME", "", 1);
    assert_dir(kd_paths_config_dir(), "/home/tester/.config/kvmdeck");
    assert_dir(kd_paths_data_dir(), "/home/tester/.local/share/kvmdeck");
}

static void test_paths_xdg_relative(void **state)
{
    setenv("HOME", "/home/tester", 1);
    setenv("XDG_CONFIG_HOME", "relative/cfg", 1);
    setenv("XDG_DATA_HOME", "./data", 1);
    assert_dir(kd_paths_config_dir(), "/home/tester/.config/kvmdeck");
    assert_dir(kd_paths_data_dir(), "/home/tester/.local/share/kvmdeck");
}

static void test_paths_no_home(void **state)
{
    /* Without $HOME the password database still gives an absolute directory. */
    unsetenv("HOME");
    unsetenv("XDG_CONFIG_HOME");
    char *dir = kd_paths_config_dir();
    assert_non_null(dir);
    assert_int_equal(dir[0], '/');
    size_t n = strlen(dir);
    const char *tail = "/.config/kvmdeck";
    assert_true(n >= strlen(tail));
    assert_string_equal(dir + n - strlen(tail), tail);
    free(dir);
}

static void assert_is_dir(const char *path, mode_t mode)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, mode);
}

static void test_paths_mkdir_p(void **state)
{
    char *dir = make_tmpdir();
    char *deep = kd_asprintf("%s/a/b/c", dir);
    mode_t old = umask(022);

    assert_int_equal(kd_paths_mkdir_p(deep), 0);
    assert_is_dir(deep, 0700);
    char *mid = kd_asprintf("%s/a/b", dir);
    assert_is_dir(mid, 0700);
    /* Existing directories are fine, with or without a trailing slash. */
    assert_int_equal(kd_paths_mkdir_p(deep), 0);
    char *slash = kd_asprintf("%s/a/b/c/d/", dir);
    assert_int_equal(kd_paths_mkdir_p(slash), 0);
    char *d = kd_asprintf("%s/a/b/c/d", dir);
    assert_is_dir(d, 0700);

    /* A regular file in the way makes it fail. */
    char *file = write_file(dir, "plain", "x", 1);
    char *under = kd_asprintf("%s/sub", file);
    errno = 0;
    assert_int_equal(kd_paths_mkdir_p(under), -1);
    assert_int_equal(errno, ENOTDIR);

    umask(old);
    remove_tree(dir);
    free(under);
    free(file);
    free(d);
    free(slash);
    free(mid);
    free(deep);
    free(dir);
}

static void test_paths_mkdir_p_over_file(void **state)
{
    /* Creating a directory where a regular file stands cannot succeed: the caller would
     * next fail to create files inside it, with a far less clear message. */
    char *dir = make_tmpdir();
    char *file = write_file(dir, "plain", "x", 1);
    errno = 0;
    int r = kd_paths_mkdir_p(file);
    remove_tree(dir);
    free(file);
    free(dir);
    assert_int_equal(r, -1);
}

static void mkdir_empty(void)
{
    char *dir = kd_strdup("");
    int r = kd_paths_mkdir_p(dir);
    free(dir);
    if (r != -1)
        _exit(2);
}

static void test_paths_mkdir_p_empty(void **state)
{
    /* An empty path names no directory; it must fail, not read past the string. */
    assert_child_survives(mkdir_empty);
}

/* ---- URI -------------------------------------------------------------------------------- */

static void test_uri_choose(void **state)
{
    assert_string_equal(kd_uri_choose("qemu:///system", "test:///default"), "qemu:///system");
    assert_string_equal(kd_uri_choose("qemu:///system", NULL), "qemu:///system");
    assert_string_equal(kd_uri_choose(NULL, "test:///default"), "test:///default");
    assert_string_equal(kd_uri_choose("", "test:///default"), "test:///default");
    assert_string_equal(kd_uri_choose("qemu:///system", ""), "qemu:///system");
    assert_null(kd_uri_choose(NULL, NULL));
    assert_null(kd_uri_choose("", ""));
    assert_null(kd_uri_choose("", NULL));
    assert_null(kd_uri_choose(NULL, ""));
}

/* ---- UTF-8 ------------------------------------------------------------------------------ */

static void test_utf8_width(void **state)
{
    assert_int_equal(kd_utf8_width(""), 0);
    assert_int_equal(kd_utf8_width("web01"), 5);
    assert_int_equal(kd_utf8_width("h\xc3\xa9llo"), 5);             /* héllo */
    assert_int_equal(kd_utf8_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* 日本 */
    assert_int_equal(kd_utf8_width("a\xe6\x97\xa5z"), 4);
    assert_int_equal(kd_utf8_width("\xf0\x9d\x84\x9e"), 1); /* G clef, 4 bytes */
    assert_int_equal(kd_utf8_width("e\xcc\x81"), 1);        /* e + combining acute */
    /* Each invalid byte takes one column, so nothing disappears from a row. */
    assert_int_equal(kd_utf8_width("\xff\xfe"), 2);
    assert_int_equal(kd_utf8_width("a\xffz"), 3);
    assert_int_equal(kd_utf8_width("ab\xe6\x97"), 4); /* cut-off sequence */
    assert_int_equal(kd_utf8_width("\xc3"), 1);
}

static void assert_fit(const char *s, int cols, size_t want_bytes, int want_used)
{
    int used = -1;
    assert_int_equal(kd_utf8_fit(s, cols, &used), want_bytes);
    assert_int_equal(used, want_used);
    assert_int_equal(kd_utf8_fit(s, cols, NULL), want_bytes);
}

static void test_utf8_fit(void **state)
{
    assert_fit("", 5, 0, 0);
    assert_fit("abcdef", 3, 3, 3);
    assert_fit("abc", 10, 3, 3);
    assert_fit("abc", 0, 0, 0);
    assert_fit("h\xc3\xa9llo", 2, 3, 2);
    /* A wide character that does not fit whole is left out, never split. */
    assert_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5, 6, 4);
    assert_fit("\xe6\x97\xa5\xe6\x9c\xac", 1, 0, 0);
    assert_fit("a\xe6\x97\xa5", 2, 1, 1);
    assert_fit("a\xe6\x97\xa5", 3, 4, 3);
    assert_fit("\377\376ab", 3, 3, 3); /* two invalid bytes, then ASCII */
    assert_fit("ab\xe6\x97", 3, 3, 3);
    /* Zero-width combining marks stay with their base character. */
    assert_fit("e\xcc\x81x", 1, 3, 1);
}

static int utf8_setup(void **state)
{
    if (!setlocale(LC_ALL, "C.UTF-8"))
        return -1;
    return 0;
}

/* Quoting is the inverse of splitting: every word comes back as it was. */
static void test_str_quote_round_trip(void **state)
{
    (void)state;
    const char *words[] = {"web1",        "",          "two words",  "it's <odd> & \"quoted\"",
                           "back\\slash", "tab\there", "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        char *q = kd_str_quote(words[i]);
        char **v;
        const char *bad;
        assert_int_equal(kd_str_split_words(q, &v, &bad), 1);
        assert_string_equal(v[0], words[i]);
        kd_strv_free(v);
        free(q);
    }
    char *plain = kd_str_quote("web1");
    assert_string_equal(plain, "web1"); /* plain words stay plain */
    free(plain);
}

static void test_str_next_line(void **state)
{
    (void)state;
    char text[] = "one\n\nthree\nlast";
    char *p = text;
    assert_string_equal(kd_str_next_line(&p), "one");
    assert_string_equal(kd_str_next_line(&p), "");
    assert_string_equal(kd_str_next_line(&p), "three");
    assert_string_equal(kd_str_next_line(&p), "last");
    assert_null(kd_str_next_line(&p));
    assert_null(kd_str_next_line(&p));
    char trailing[] = "a\n";
    p = trailing;
    assert_string_equal(kd_str_next_line(&p), "a");
    assert_string_equal(kd_str_next_line(&p), "");
    assert_null(kd_str_next_line(&p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_set),
        cmocka_unit_test(test_err_code_name),
        cmocka_unit_test(test_err_set_truncates),
        cmocka_unit_test(test_err_prefix),
        cmocka_unit_test(test_err_prefix_long_old_message),
        cmocka_unit_test(test_err_prefix_long_prefix),
        cmocka_unit_test(test_err_prefix_fills_exactly),
        cmocka_unit_test(test_str_trim),
        cmocka_unit_test(test_str_empty_eq),
        cmocka_unit_test(test_asprintf_strndup),
        cmocka_unit_test(test_split_plain),
        cmocka_unit_test(test_split_quotes),
        cmocka_unit_test(test_split_backslash),
        cmocka_unit_test(test_split_empty_quoted),
        cmocka_unit_test(test_split_odd_name),
        cmocka_unit_test(test_split_unterminated),
        cmocka_unit_test(test_buf_growth),
        cmocka_unit_test(test_buf_printf_steal),
        cmocka_unit_test(test_file_read),
        cmocka_unit_test(test_ini_basic),
        cmocka_unit_test(test_ini_crlf),
        cmocka_unit_test(test_ini_empty),
        cmocka_unit_test(test_ini_errors),
        cmocka_unit_test(test_ini_error_stops),
        cmocka_unit_test(test_ini_file),
        cmocka_unit_test_setup_teardown(test_paths_xdg_set, paths_setup, paths_teardown),
        cmocka_unit_test_setup_teardown(test_paths_xdg_unset, paths_setup, paths_teardown),
        cmocka_unit_test(test_str_quote_round_trip),
        cmocka_unit_test(test_str_next_line),
        cmocka_unit_test_setup_teardown(test_paths_xdg_relative, paths_setup, paths_teardown),
        cmocka_unit_test_setup_teardown(test_paths_no_home, paths_setup, paths_teardown),
        cmocka_unit_test(test_paths_mkdir_p),
        cmocka_unit_test(test_paths_mkdir_p_over_file),
        cmocka_unit_test(test_paths_mkdir_p_empty),
        cmocka_unit_test(test_uri_choose),
        cmocka_unit_test(test_utf8_width),
        cmocka_unit_test(test_utf8_fit),
    };
    return cmocka_run_group_tests(tests, utf8_setup, NULL);
}
