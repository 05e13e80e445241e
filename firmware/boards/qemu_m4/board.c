/* Board `qemu_m4`: qemu-system-arm's mps2-an386 (Cortex-M4F), SysTick for timestamps, and one of two links to
 * the host for the protocol's bytes. The runner reads which one from the ELF (tp_qemu_link below) and starts
 * QEMU to match (workflow/tinyperf/runner/transport.py, QemuDut).
 *
 * Link (default): ARM semihosting. The firmware opens ":tt" twice, which QEMU maps to its own stdin and stdout,
 * and moves bytes with SYS_READ / SYS_WRITE (`bkpt 0xab`). QEMU services a call with one read()/write() on the
 * host descriptor, of as many bytes as are there, so one SYS_READ takes a whole burst of pipelined `db`
 * commands: ~2-3 MB/s of payload host->DUT (benchmarks/qemu_link.py) against the UART's ~10-15 KB/s. The bytes
 * are the protocol's, unchanged. QEMU runs with -semihosting-config enable=on,target=native and without
 * -nographic, which would put its monitor and UART0 on the same stdio.
 *
 * Link with -DTP_QEMU_LINK_UART (add it to toolchain.cflags in config/boards/qemu_m4.yaml): CMSDK APB UART0 on
 * QEMU's -serial. QEMU's UART model accepts one byte per main-loop round (~50 us) whatever the chardev:
 * ~20 K characters/s, 45 s per ad file in accuracy mode. Kept for running the firmware on a plain serial line.
 *
 * Not used: SYS_READC with -semihosting-config chardev=ID. Output reaches that chardev, but QEMU 7.2 never
 * watches it for input (strace: its descriptor never enters the main loop's poll set), so the guest waits
 * forever in SYS_READC. SYS_READ on ":tt" reads the host descriptor directly instead.
 *
 * Timestamps: under -icount shift=0 every executed instruction advances virtual time by 1 ns, and SysTick counts
 * the 25 MHz virtual CPU clock: one tick is 40 instructions, so m-lap-us differences are instruction counts
 * / 1000, identical from run to run. A semihosting call is one instruction however long the host takes, and
 * virtual time stands still while QEMU waits in read(), so the link adds nothing inside a timed window. */
#include <stdint.h>

#include "board.h"

#define REG(a) (*(volatile uint32_t *)(a))
#define SYST_CSR REG(0xE000E010u) /* b0 enable, b1 interrupt on wrap, b2 CPU clock */
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)

#define UART_DATA REG(0x40004000u)
#define UART_STATE REG(0x40004004u) /* b0 TX full, b1 RX full */
#define UART_CTRL REG(0x40004008u)  /* b0 TX enable, b1 RX enable: QEMU drops TX and refuses RX otherwise */
#define UART_INTCLEAR REG(0x4000400Cu) /* b1: RX interrupt */
#define UART_CTRL_RX_IRQ 0x8u
#define NVIC_ISER0 REG(0xE000E100u)
#define UART0_RX_IRQ 0u /* mps2-an386: UART0 RX is IRQ 0 */
#define UART_BAUDDIV REG(0x40004010u)

/* (UART link) The RX interrupt only wakes the core from WFI in board_getc; the byte itself is read there. */
void UART0RX_Handler(void);
void UART0RX_Handler(void) { UART_INTCLEAR = 2u; }

#define CPU_HZ 25000000u
#define TICKS_PER_US (CPU_HZ / 1000000u)
/* SysTick period: a whole number of microseconds (671088 us, the most that fits 24 bits), so every wrap falls
 * at the same phase of the microsecond; see board_getc for why that matters. */
#define SYSTICK_PERIOD_US 671088u
#define SYSTICK_PERIOD (SYSTICK_PERIOD_US * TICKS_PER_US)

static volatile uint32_t systick_wraps;

void SysTick_Handler(void);
void SysTick_Handler(void) { systick_wraps++; }

/* The host side reads this to know how to talk to the firmware (transport.py, qemu_link_of): kept by link.ld. */
#if defined(TP_QEMU_LINK_UART)
#define LINK_NAME "uart"
#else
#define LINK_NAME "semihosting"
#endif
__attribute__((section(".tp_link"), used)) const char tp_qemu_link[] = "tinyperf-qemu-link=" LINK_NAME ";";

static void systick_init(void)
{
    SYST_RVR = SYSTICK_PERIOD - 1u; /* wraps every 0.67 s of virtual time, counted by the interrupt */
    SYST_CVR = 0u;
    SYST_CSR = 0x7u;
}

uint32_t board_timestamp_us(void)
{
    uint32_t w1, w2, v;
    do {
        w1 = systick_wraps;
        v = SYST_CVR;
        w2 = systick_wraps;
    } while (w1 != w2);
    return w1 * SYSTICK_PERIOD_US + (SYSTICK_PERIOD - 1u - v) / TICKS_PER_US; /* wraps at 2^32 like the reference */
}

#if !defined(TP_QEMU_LINK_UART)

#define SYS_OPEN 0x01u
#define SYS_WRITE 0x05u
#define SYS_READ 0x06u
#define SYS_EXIT 0x18u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u /* QEMU exits with status 0 */
#define OPEN_R 0u /* ":tt" opened for reading is QEMU's stdin */
#define OPEN_W 4u /* ... for writing, its stdout */

static int32_t semihost(uint32_t op, const void *args)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = args;
    __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

static int32_t fd_in = -1, fd_out = -1;
static uint8_t in_buf[1024];
static uint32_t in_pos, in_len;
static char out_buf[256];
static uint32_t out_len;

static int32_t open_tt(uint32_t mode)
{
    const uint32_t args[3] = {(uint32_t)(uintptr_t)":tt", mode, 3u};
    return semihost(SYS_OPEN, args);
}

static void flush_out(void)
{
    uint32_t args[3];
    if (!out_len) return;
    args[0] = (uint32_t)fd_out;
    args[1] = (uint32_t)(uintptr_t)out_buf;
    args[2] = out_len;
    semihost(SYS_WRITE, args); /* blocks until the host has taken it all */
    out_len = 0;
}

void board_init(void)
{
    fd_in = open_tt(OPEN_R);
    fd_out = open_tt(OPEN_W);
    systick_init();
}

void board_putc(char c)
{
    out_buf[out_len++] = c;
    if (c == '\n' || out_len == sizeof out_buf) flush_out();
}

/* One SYS_READ takes whatever the host has written, up to the buffer: a burst of pipelined commands at once. */
int board_getc(void)
{
    if (in_pos == in_len) {
        uint32_t args[3];
        int32_t not_read;
        flush_out();
        args[0] = (uint32_t)fd_in;
        args[1] = (uint32_t)(uintptr_t)in_buf;
        args[2] = sizeof in_buf;
        not_read = semihost(SYS_READ, args);
        if (not_read < 0 || (uint32_t)not_read >= sizeof in_buf) {
            /* End of input: the runner closed the line. Leave QEMU rather than wait on a closed pipe. */
            semihost(SYS_EXIT, (const void *)ADP_STOPPED_APPLICATION_EXIT); /* AArch32: the reason itself */
            return -1;
        }
        in_pos = 0;
        in_len = sizeof in_buf - (uint32_t)not_read;
        /* How the host's bytes fall into reads varies from run to run, and with it the instructions executed so
         * far, i.e. where virtual time stands within the microsecond: an m-lap-us difference could then vary by
         * 1 us. Sleeping to the next SysTick wrap puts it back at the same phase after every read: under
         * -icount sleep=off QEMU jumps an idle CPU's virtual time straight to that deadline (no real waiting),
         * and a wrap is a whole number of microseconds from boot. What follows a read is then the same
         * instructions at the same phase in every run. (A wrap due before the WFI is taken first, as interrupts
         * are enabled, so the WFI always sleeps.) */
        __asm volatile("wfi" ::: "memory");
    }
    return in_buf[in_pos++];
}

#else /* TP_QEMU_LINK_UART */


void board_init(void)
{
    UART_BAUDDIV = CPU_HZ / 115200u; /* QEMU ignores the rate but wants a divider >= 16 */
    UART_CTRL = 0x3u | UART_CTRL_RX_IRQ;
    NVIC_ISER0 = 1u << UART0_RX_IRQ;
    systick_init();
}

void board_putc(char c)
{
    while (UART_STATE & 1u) {
    }
    UART_DATA = (uint8_t)c;
}

/* Wait for a byte asleep rather than spinning on the status register: a spinning guest keeps QEMU's single
 * TCG thread busy, and QEMU then hands over each received byte only at its next timer deadline (about 10 KB/s).
 * Asleep, the core leaves the thread free and each byte arrives at once. Interrupts are masked between the test
 * and the WFI so a byte arriving in between still wakes it (WFI wakes on a pending interrupt even when masked). */
int board_getc(void)
{
    for (;;) {
        __asm volatile("cpsid i" ::: "memory");
        if (UART_STATE & 2u) {
            __asm volatile("cpsie i" ::: "memory");
            break;
        }
        __asm volatile("wfi");
        __asm volatile("cpsie i" ::: "memory");
    }
    return (int)(UART_DATA & 0xFFu);
}

#endif
