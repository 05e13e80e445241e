/* Board `host`: the firmware as a native process. Commands arrive on stdin, replies leave on stdout, so the
 * DUT can sit behind a pty (the runner), a pipe (tests) or a terminal. */
#define _DEFAULT_SOURCE /* cfmakeraw */
#include <errno.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "dut.h"

static char out_buf[4096];
static size_t out_len;
static unsigned char in_buf[4096];
static ssize_t in_len, in_pos;

static void flush_out(void)
{
    size_t done = 0;
    while (done < out_len) {
        ssize_t n = write(STDOUT_FILENO, out_buf + done, out_len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            _exit(3); /* the host side went away: nothing left to serve */
        }
        done += (size_t)n;
    }
    out_len = 0;
}

void board_init(void)
{
    /* A pty or terminal starts in canonical mode with echo: '%'-terminated commands would never be
     * delivered and replies would be mixed with the echo. Raw mode makes it a plain byte line. */
    struct termios t;
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(STDIN_FILENO, TCSANOW, &t);
    }
}

void board_putc(char c)
{
    out_buf[out_len++] = c;
    if (c == '\n' || out_len == sizeof out_buf) flush_out();
}

int board_getc(void)
{
    if (in_pos == in_len) {
        flush_out();
        do {
            in_len = read(STDIN_FILENO, in_buf, sizeof in_buf);
        } while (in_len < 0 && errno == EINTR);
        in_pos = 0;
        if (in_len <= 0) {
            in_len = 0;
            return -1;
        }
    }
    return in_buf[in_pos++];
}

uint32_t board_timestamp_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
}

int main(void)
{
    dut_main();
    flush_out();
    return 0;
}
