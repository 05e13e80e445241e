/* Board `himax`: the WE-I Plus console UART (on-board FTDI, /dev/ttyUSB0) and the ARC RTC at the 400 MHz core
 * clock.
 *
 * The console is a Synopsys DFSS UART reached through ARC auxiliary registers (lr/sr), not memory: UART0 at aux
 * 0x80014000 with a 400 MHz reference clock (constants found in Himax's hx_drv_uart.o). Its register layout
 * is taken to be the DesignWare 16550 one at consecutive aux addresses (DATA/DLL +0, IER/DLH +1, FCR +2,
 * LCR +3, LSR +5) with a clock enable at +0xC0, as in Synopsys' embARC DFSS UART driver: UNVERIFIED on
 * hardware, as is UART0 (not UART1) being the FTDI console. To limit what rests on that, the bootloader's
 * 115200 8N1 setup (it prints its menu there) is kept as is, and only another task baud reprograms the
 * divisor. */
#include <stdint.h>

#include "board.h"

#define UART_AUX 0x80014000u
#define UART_DATA (UART_AUX + 0x00u)
#define UART_DLH (UART_AUX + 0x01u)
#define UART_FCR (UART_AUX + 0x02u)
#define UART_LCR (UART_AUX + 0x03u)
#define UART_LSR (UART_AUX + 0x05u)
#define UART_CLKEN (UART_AUX + 0xC0u)
#define LSR_DR 0x01u
#define LSR_THRE 0x20u
#define LCR_DLAB 0x80u
#define LCR_8N1 0x03u
#define UART_REF_HZ 400000000u

/* ARCv2 RTC: 64-bit count of core cycles. CTRL bit 0 enables, bit 1 clears; bit 31 (A) reads 1 when the
 * LOW/HIGH pair just read was sampled atomically. */
#define AUX_RTC_CTRL 0x103u
#define AUX_RTC_LOW 0x104u
#define AUX_RTC_HIGH 0x105u

#ifndef TP_UART_BAUD
#define TP_UART_BAUD 115200
#endif
#ifndef TP_BOARD_CLOCK_HZ
#error "TP_BOARD_CLOCK_HZ (the profile's clock_hz) is not defined"
#endif
#define CYCLES_PER_US (TP_BOARD_CLOCK_HZ / 1000000u)

#define lr(a) __builtin_arc_lr(a)
#define sr(v, a) __builtin_arc_sr((v), (a))

void board_init(void)
{
#if TP_UART_BAUD != 115200
    uint32_t div = (UART_REF_HZ + 8u * TP_UART_BAUD) / (16u * TP_UART_BAUD);
    sr(1u, UART_CLKEN);
    sr(LCR_DLAB | LCR_8N1, UART_LCR);
    sr(div & 0xFFu, UART_DATA);
    sr((div >> 8) & 0xFFu, UART_DLH);
    sr(LCR_8N1, UART_LCR);
    sr(0x07u, UART_FCR); /* FIFOs on and cleared */
#endif
    sr(2u, AUX_RTC_CTRL); /* clear */
    sr(1u, AUX_RTC_CTRL); /* run */
}

void board_putc(char c)
{
    while (!(lr(UART_LSR) & LSR_THRE)) {
    }
    sr((uint8_t)c, UART_DATA);
}

int board_getc(void)
{
    while (!(lr(UART_LSR) & LSR_DR)) {
    }
    return (int)(lr(UART_DATA) & 0xFFu);
}

/* cycles / CYCLES_PER_US without a 64-bit division (Debian's libgcc __udivdi3 is ARC HS code): the high word
 * is reduced first, so each step divides a value below 2^32 * CYCLES_PER_US by a 32-bit constant. */
uint32_t board_timestamp_us(void)
{
    uint32_t lo, hi, q_hi, r;
    do {
        lo = lr(AUX_RTC_LOW);
        hi = lr(AUX_RTC_HIGH);
    } while (!(lr(AUX_RTC_CTRL) & 0x80000000u));
    q_hi = hi / CYCLES_PER_US; /* only its low bits matter: the result wraps at 2^32 us anyway */
    r = hi % CYCLES_PER_US;
    (void)q_hi;
    /* (r * 2^32 + lo) / CYCLES_PER_US, long division in 16-bit halves to stay within 32 bits */
    {
        uint32_t x = (r << 16) | (lo >> 16);
        uint32_t q1 = x / CYCLES_PER_US;
        uint32_t r1 = x % CYCLES_PER_US;
        uint32_t y = (r1 << 16) | (lo & 0xFFFFu);
        uint32_t q0 = y / CYCLES_PER_US;
        return (q1 << 16) + q0;
    }
}
