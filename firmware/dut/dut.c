/* Protocol state machine. Replies, spellings (including the reference's typos) and quirks follow
 * internally_implemented.cpp; where the reference would read or write outside its buffers, this code
 * answers with an e-[...] line instead and stays responsive. */
#include "dut.h"

#include "board.h"
#include "fmt.h"
#include "token.h"
#if defined(TP_SCENARIO)
#include "scenario.h" /* firmware/scenario/: the multi-model `scenario` command */
#endif

#if !defined(TP_MAX_DB_INPUT_SIZE) || !defined(TP_MODEL_VERSION)
#error "build with -DTP_MAX_DB_INPUT_SIZE=N -DTP_MODEL_VERSION=\"...\" (tinyperf build does)"
#endif

static char cmd_buf[TP_CMD_SIZE + 1u];
static uint32_t cmd_pos;

/* Aligned so per-task code may read floats from it. */
static uint8_t db_buf[TP_MAX_DB_INPUT_SIZE] __attribute__((aligned(8)));
static uint32_t db_size; /* bytes announced by `db load` */
static uint32_t db_pos;  /* bytes received since */

/* atoi(): optional spaces and sign, then digits; saturates instead of overflowing. */
static int32_t to_int(const char *s)
{
    int64_t v = 0;
    int neg = 0;
    while (*s == ' ' || (*s >= '\t' && *s <= '\r')) s++;
    if (*s == '+' || *s == '-') neg = (*s++ == '-');
    while (*s >= '0' && *s <= '9') {
        if (v < 0x80000000ll) v = v * 10 + (*s - '0');
        s++;
    }
    if (neg) v = -v;
    if (v > 0x7fffffffll) v = 0x7fffffffll;
    if (v < -0x80000000ll) v = -0x80000000ll;
    return (int32_t)v;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

const uint8_t *dut_buffer(uint32_t max_len, uint32_t *len)
{
    *len = max_len < db_pos ? max_len : db_pos;
    return db_buf;
}

static void timestamp(void)
{
    fmt_str("m-lap-us-");
    fmt_u32(board_timestamp_us());
    fmt_str("\r\n");
}

static void db_load(char *arg)
{
    int32_t n;
    if (!arg) {
        fmt_str("e-[Command 'db load' requires the # of bytes]\r\n");
        return;
    }
    n = to_int(arg);
    if (n == 0) {
        fmt_str("e-[Command 'db load' must be >0 bytes]\r\n");
        return;
    }
    db_pos = 0;
    if (n < 0 || (uint32_t)n > TP_MAX_DB_INPUT_SIZE) {
        /* The reference's reply, bare "\n" and all; unlike it, leave no oversized load armed. */
        db_size = 0;
        fmt_str("Supplied buffer size ");
        fmt_i32(n);
        fmt_str(" exceeds maximum of ");
        fmt_u32(TP_MAX_DB_INPUT_SIZE);
        fmt_str("\n");
        return;
    }
    db_size = (uint32_t)n;
    fmt_str("m-[Expecting ");
    fmt_u32(db_size);
    fmt_str(" bytes]\r\n");
}

static void db_print(void)
{
    uint32_t i;
    for (i = 0; i < db_size; i++) {
        if (i % 8u == 0) fmt_str("m-buffer-");
        fmt_hex2(db_buf[i]);
        if ((i + 1u) % 8u == 0 || i + 1u == db_size) fmt_str("\r\n");
        else board_putc('-');
    }
    /* The reference ends a partial last line twice: an empty line follows it. */
    if (i % 8u != 0) fmt_str("\r\n");
}

static void db_data(const char *hex)
{
    uint32_t len = 0, i;
    while (hex[len] && len < TP_CMD_SIZE) len++;
    if (len & 1u) {
        fmt_str("e-[Insufficent number of hex digits]\r\n");
        return;
    }
    for (i = 0; i < len; i += 2u) {
        int hi = hex_val(hex[i]), lo = hex_val(hex[i + 1u]);
        if (hi < 0 || lo < 0) {
            fmt_str("e-[Invalid hex digit '");
            board_putc(hex[i]);
            board_putc(hex[i + 1u]);
            fmt_str("']\r\n");
            return;
        }
        if (db_pos >= db_size) {
            /* The reference writes past its buffer here. */
            fmt_str("e-[Buffer full: 'db load N' first]\r\n");
            return;
        }
        db_buf[db_pos++] = (uint8_t)(hi * 16 + lo);
        if (db_pos == db_size) {
            fmt_str("m-load-done\r\n");
            return; /* the rest of the digits are disregarded, as in the reference */
        }
    }
}

static void db_command(char **cursor)
{
    char *sub = tok_next(cursor);
    if (!sub) fmt_str("e-[Command 'db' requires a subcommand]\r\n");
    else if (tok_eq(sub, "load")) db_load(tok_next(cursor));
    else if (tok_eq(sub, "print")) db_print();
    else db_data(sub);
}

static void infer_command(char **cursor)
{
    uint32_t n = 1, w = 10; /* the reference's defaults when arguments are absent */
    int failed = 0;
    char *arg = tok_next(cursor);
    if (arg) {
        int32_t i = to_int(arg);
        if (i <= 0) {
            fmt_str("e-[Inference iterations must be >0]\r\n");
            return;
        }
        n = (uint32_t)i;
        arg = tok_next(cursor);
        if (arg) {
            i = to_int(arg);
            if (i < 0) {
                fmt_str("e-[Inference warmup must be >=0]\r\n");
                return;
            }
            w = (uint32_t)i;
        }
    }
    task_load_tensor();
    fmt_str("m-warmup-start-");
    fmt_u32(w);
    fmt_str("\r\n");
    while (w-- > 0) failed |= task_infer();
    fmt_str("m-warmup-done\r\nm-infer-start-");
    fmt_u32(n);
    fmt_str("\r\n");
    timestamp();
    while (n-- > 0) failed |= task_infer();
    timestamp();
    fmt_str("m-infer-done\r\n");
    if (failed) fmt_str("e-[Invoke failed]\r\n");
    task_results();
}

static void help(void)
{
    fmt_str(TP_FW_VERSION "\r\n"
            "\r\n"
            "help         : Print this information\r\n"
            "name         : Print the name of the device\r\n"
            "timestsamp   : Generate a timetsamp\r\n"
            "db SUBCMD    : Manipulate a generic byte buffer\r\n"
            "  load N     : Allocate N bytes and set load counter\r\n"
            "  db HH[HH]* : Load 8-bit hex byte(s) until N bytes\r\n"
            "  print [N=16] [offset=0]\r\n"
            "             : Print N bytes at offset as hex\r\n"
            "infer N [W=0]: Load input, execute N inferences after W warmup loops\r\n"
            "results      : Return the result fp32 vector\r\n"
#if defined(TP_SCENARIO)
            "scenario     : Print the scenario's name, kind and models\r\n"
            "  load ID    : Load model ID's input from the db buffer\r\n"
            "  run P      : Run period P of the scenario, timestamps per model\r\n"
#endif
            );
}

static void dispatch(char *line)
{
    char *cursor = line;
    char *tok = tok_next(&cursor);
    if (!tok) {
        /* The reference dereferences NULL on an empty command; name the empty token instead. */
        fmt_str("e-[Unknown command: ]\r\n");
    } else if (tok_eq(tok, "name")) {
        fmt_str("m-name-dut-[" TP_VENDOR_NAME "]\r\n");
    } else if (tok_eq(tok, "timestamp")) {
        timestamp();
    } else if (tok_eq(tok, "profile")) {
        fmt_str("m-profile-[" TP_FW_VERSION "]\r\nm-model-[" TP_MODEL_VERSION "]\r\n");
    } else if (tok_eq(tok, "help")) {
        help();
    } else if (tok_eq(tok, "db")) {
        db_command(&cursor);
    } else if (tok_eq(tok, "infer")) {
        infer_command(&cursor);
    } else if (tok_eq(tok, "results")) {
        task_results();
#if defined(TP_SCENARIO)
    } else if (tok_eq(tok, "scenario")) {
        scenario_command(cursor);
#endif
    } else {
        fmt_str("e-[Unknown command: ");
        fmt_str(tok);
        fmt_str("]\r\n");
    }
    fmt_str("m-ready\r\n");
}

void dut_feed(char c)
{
    if (c == '%') {
        cmd_buf[cmd_pos] = 0;
        cmd_pos = 0;
        dispatch(cmd_buf);
    } else if (cmd_pos < TP_CMD_SIZE) {
        cmd_buf[cmd_pos++] = c; /* longer commands are truncated to TP_CMD_SIZE characters */
    }
}

void dut_main(void)
{
    int c;
    board_init();
    fmt_str("m-timestamp-mode-performance\r\n");
    timestamp();
    task_initialize();
    fmt_str("m-init-done\r\nm-ready\r\n");
    while ((c = board_getc()) >= 0) dut_feed((char)c);
}
