/* Board `sparkfun_edge`: Apollo3 UART0 on pads 48 (TX) / 49 (RX), the serial header of the Edge 2, and the
 * DWT cycle counter at the 48 MHz HFRC clock the Apollo3 boots with.
 *
 * Registers: UART0 is an ARM PL011 with Ambiq's clock control in CR; PWRCTRL DEVPWREN (+0x08) bit 7 powers
 * it, DEVPWRSTATUS (+0x18) bit 2 (HCPA domain) reports it up; GPIO PADREGM (+0x30) holds pads 48..51 a byte
 * each (bit 1 INPEN, bits 5:3 FNCSEL; FNCSEL 0 on pads 48/49 is UART0TX/UART0RX), writable after PADKEY
 * (+0x60) = 0x73. Sources: the Apollo3 SVD-generated register headers and AmbiqSuite's am_hal_uart.c /
 * am_hal_pin.h; HCPA at bit 2 is read off the SVD's status layout (MCUL b0, MCUH b1, reset value 0x3) and
 * is unverified on hardware. The flash cache is left as the loader configured it (SVL enables it). */
#include <stdint.h>

#include "board.h"

#define REG(a) (*(volatile uint32_t *)(a))

#define PWRCTRL_DEVPWREN REG(0x40021008u)
#define PWRCTRL_DEVPWRSTATUS REG(0x40021018u)
#define DEVPWREN_PWRUART0 (1u << 7)
#define DEVPWRSTATUS_HCPA (1u << 2)

#define GPIO_PADREGM REG(0x40010030u)
#define GPIO_PADKEY REG(0x40010060u)
#define PADKEY_UNLOCK 0x73u
#define PAD_INPEN (1u << 1)
#define PAD_FNCSEL(f) ((uint32_t)(f) << 3)

#define UART_BASE 0x4001C000u
#define UART_DR REG(UART_BASE + 0x00u)
#define UART_FR REG(UART_BASE + 0x18u)
#define UART_IBRD REG(UART_BASE + 0x24u)
#define UART_FBRD REG(UART_BASE + 0x28u)
#define UART_LCRH REG(UART_BASE + 0x2Cu)
#define UART_CR REG(UART_BASE + 0x30u)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define LCRH_FEN (1u << 4)
#define LCRH_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_CLKEN (1u << 3)
#define CR_CLKSEL_24MHZ (1u << 4)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)
#define UART_CLK_HZ 24000000u

/* The task's baud (config/tasks/<task>.yaml dut.baud), set by `tinyperf build`. The PL011 divisor is
 * UART_CLK / (16 * baud) in 16.6 fixed point, rounded: 115200 -> 13 + 1/64, 921600 -> 1 + 40/64. */
#ifndef TP_UART_BAUD
#define TP_UART_BAUD 115200
#endif
#define BAUD_DIV64 ((UART_CLK_HZ * 4u + TP_UART_BAUD / 2u) / TP_UART_BAUD)
#if BAUD_DIV64 < 64
#error "sparkfun_edge: TP_UART_BAUD above 1.5 Mbaud is beyond the 24 MHz UART clock"
#endif

#include "cm4_timer.h"

void board_init(void)
{
    PWRCTRL_DEVPWREN |= DEVPWREN_PWRUART0;
    while (!(PWRCTRL_DEVPWRSTATUS & DEVPWRSTATUS_HCPA)) {
    }

    GPIO_PADKEY = PADKEY_UNLOCK;
    GPIO_PADREGM = (GPIO_PADREGM & ~0xFFFFu)
                   | PAD_FNCSEL(0)                       /* pad 48: UART0TX */
                   | ((PAD_FNCSEL(0) | PAD_INPEN) << 8); /* pad 49: UART0RX, input buffer on */
    GPIO_PADKEY = 0u;

    UART_CR = 0u;
    UART_CR = CR_CLKEN | CR_CLKSEL_24MHZ; /* the divisor registers need the clock running */
    UART_IBRD = BAUD_DIV64 >> 6;
    UART_FBRD = BAUD_DIV64 & 63u;
    UART_LCRH = LCRH_WLEN8 | LCRH_FEN; /* 8N1 with the 32-byte FIFOs: hex uploads arrive in bursts */
    UART_CR = CR_CLKEN | CR_CLKSEL_24MHZ | CR_UARTEN | CR_TXE | CR_RXE;

    cm4_timer_init();
}

void board_putc(char c)
{
    while (UART_FR & FR_TXFF) {
    }
    UART_DR = (uint8_t)c;
}

int board_getc(void)
{
    while (UART_FR & FR_RXFE) {
    }
    return (int)(UART_DR & 0xFFu);
}

uint32_t board_timestamp_us(void) { return cm4_timer_us(); }
