/* The board layer: the only code that touches hardware or the operating system.
 *
 * A new board is a folder firmware/boards/<board>/ implementing these five functions (plus, for an MCU,
 * its startup code and link.ld) and a profile config/boards/<board>.yaml. The protocol in firmware/dut/
 * is portable C99 and calls nothing else: no libc, no malloc.
 */
#ifndef TINYPERF_BOARD_H
#define TINYPERF_BOARD_H

#include <stdint.h>

/* Clocks, UART and timers; called once before anything is printed. */
void board_init(void);

/* Send one byte to the host. May buffer, but must deliver everything before board_getc() blocks and at
 * every '\n' (the runner waits for whole lines with a timeout). */
void board_putc(char c);

/* Block until the host sends a byte; return it (0..255), or -1 when the input has ended for good
 * (only a hosted board can see that: stdin closed). The firmware then returns from dut_main(). */
int board_getc(void);

/* Microseconds from a free-running clock; wraps at 2^32 like the reference's us_ticker_read(). Printed as
 * the m-lap-us-<n> timestamps the runner times inference windows with. On qemu_m4 this is virtual time
 * under -icount shift=0, i.e. executed instructions / 1000. */
uint32_t board_timestamp_us(void);

#endif
