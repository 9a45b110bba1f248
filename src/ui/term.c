#include "ui/term.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <stdlib.h>
#include <unistd.h>

static SCREEN *screen;
static int sig_pipe[2] = {-1, -1};
static struct termios saved_tio;
static int have_tio;
/* What a crash handler writes to give the terminal back: it cannot call curses. */
static char restore_seq[256];
static size_t restore_len;

static void add_raw(const char *s)
{
    size_t n = strlen(s);
    if (restore_len + n >= sizeof(restore_seq))
        return;
    memcpy(restore_seq + restore_len, s, n);
    restore_len += n;
}

static void add_cap(const char *cap)
{
    char *s = tigetstr(cap);
    if (s && s != (char *)-1)
        add_raw(s);
}

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    ssize_t r = write(sig_pipe[1], &b, 1);
    (void)r;
    errno = saved;
}

static void on_crash(int sig)
{
    if (restore_len) {
        ssize_t r = write(STDOUT_FILENO, restore_seq, restore_len);
        (void)r;
    }
    if (have_tio)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int make_pipe(kd_err *err)
{
    if (pipe(sig_pipe) < 0) {
        kd_err_set(err, KD_ERR_IO, "pipe: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    const int loop_sigs[] = {SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGCHLD};
    for (size_t i = 0; i < sizeof(loop_sigs) / sizeof(loop_sigs[0]); i++)
        sigaction(loop_sigs[i], &sa, NULL);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_RESETHAND;
    const int crash_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof(crash_sigs) / sizeof(crash_sigs[0]); i++)
        sigaction(crash_sigs[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int kd_term_open(kd_err *err)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        kd_err_set(err, KD_ERR_IO, "standard input and output must be a terminal");
        return -1;
    }
    have_tio = tcgetattr(STDIN_FILENO, &saved_tio) == 0;
    if (make_pipe(err) < 0)
        return -1;
    screen = newterm(NULL, stdout, stdin);
    if (!screen) {
        const char *t = getenv("TERM");
        kd_err_set(err, KD_ERR_IO, "cannot use terminal type '%s'", t ? t : "(unset)");
        return -1;
    }
    set_term(screen);
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    restore_len = 0;
    add_cap("sgr0");
    add_cap("cnorm");
    add_cap("rmkx");
    add_cap("rmcup");
    /* The graphical console turns mouse reporting on; a crash must not leave it on. */
    add_raw("\033[?1003l\033[?1006l\033[?1000l");
    install_handlers();
    /* Read keys from stdscr without it ever painting over the views. */
    refresh();
    return 0;
}

void kd_term_close(void)
{
    if (!screen)
        return;
    curs_set(1);
    endwin();
    delscreen(screen);
    screen = NULL;
    if (have_tio)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
    const int sigs[] = {SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGCHLD,
                        SIGSEGV,  SIGBUS,  SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        signal(sigs[i], SIG_DFL);
    for (int i = 0; i < 2; i++) {
        if (sig_pipe[i] >= 0)
            close(sig_pipe[i]);
        sig_pipe[i] = -1;
    }
}

int kd_term_signal_fd(void)
{
    return sig_pipe[0];
}

int kd_term_next_signal(void)
{
    unsigned char b;
    if (read(sig_pipe[0], &b, 1) == 1)
        return b;
    return 0;
}

void kd_term_resize(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resize_term(ws.ws_row, ws.ws_col);
}
