/* Board `nano33ble`: nRF52840 legacy UART0 on the header pins and the DWT cycle counter at 64 MHz.
 *
 * The application has no USB stack, so the host link is the header UART (D1/TX = P1.03, D0/RX = P1.10)
 * through a 3.3 V USB-serial adapter. Register offsets and BAUDRATE values: nRF52840 Product Specification,
 * as in Nordic's nrf52840.h / nrf52840_bitfields.h (nrfx mdk). */
#include <stdint.h>

#include "board.h"

#define REG(a) (*(volatile uint32_t *)(a))

/* CLOCK: start the 32 MHz crystal; the UART baud generator otherwise runs from the RC oscillator */
#define CLOCK_TASKS_HFCLKSTART REG(0x40000000u)
#define CLOCK_EVENTS_HFCLKSTARTED REG(0x40000100u)
#define CLOCK_TRACECONFIG REG(0x4000055Cu) /* must stay 0 on this board: the SWO pin carries an I2C pull-up */

/* UART0 (legacy, non-DMA; shares 0x40002000 with UARTE0) */
#define UART_BASE 0x40002000u
#define UART_TASKS_STARTRX REG(UART_BASE + 0x000u)
#define UART_TASKS_STARTTX REG(UART_BASE + 0x008u)
#define UART_EVENTS_RXDRDY REG(UART_BASE + 0x108u)
#define UART_EVENTS_TXDRDY REG(UART_BASE + 0x11Cu)
#define UART_ENABLE REG(UART_BASE + 0x500u)
#define UART_PSEL_TXD REG(UART_BASE + 0x50Cu)
#define UART_PSEL_RXD REG(UART_BASE + 0x514u)
#define UART_RXD REG(UART_BASE + 0x518u)
#define UART_TXD REG(UART_BASE + 0x51Cu)
#define UART_BAUDRATE REG(UART_BASE + 0x524u)
#define UART_CONFIG REG(UART_BASE + 0x56Cu)
#define UART_ENABLE_UART 4u
#define PSEL(port, pin) (((uint32_t)(port) << 5) | (uint32_t)(pin)) /* bit 31 clear: connected */

/* The task's baud (config/tasks/<task>.yaml dut.baud), set by `tinyperf build`. BAUDRATE register values
 * of the legacy UART (UART_BAUDRATE_BAUDRATE_BaudNNN); note 921600 is really 941176 (+2.1 %), within what
 * common adapters (FTDI, CP210x, CH340) tolerate at 8N1. */
#ifndef TP_UART_BAUD
#define TP_UART_BAUD 115200
#endif
#if TP_UART_BAUD == 115200
#define BAUD_REG 0x01D7E000u
#elif TP_UART_BAUD == 230400
#define BAUD_REG 0x03AFB000u
#elif TP_UART_BAUD == 460800
#define BAUD_REG 0x075F7000u
#elif TP_UART_BAUD == 921600
#define BAUD_REG 0x0EBED000u
#elif TP_UART_BAUD == 1000000
#define BAUD_REG 0x10000000u
#else
#error "nano33ble: unsupported TP_UART_BAUD (115200, 230400, 460800, 921600, 1000000)"
#endif

#include "cm4_timer.h"

void board_init(void)
{
    CLOCK_TRACECONFIG = 0u;
    CLOCK_EVENTS_HFCLKSTARTED = 0u;
    CLOCK_TASKS_HFCLKSTART = 1u;
    while (CLOCK_EVENTS_HFCLKSTARTED == 0u) {
    }

    UART_ENABLE = 0u;
    UART_PSEL_TXD = PSEL(1, 3);  /* P1.03 = 35, header TX */
    UART_PSEL_RXD = PSEL(1, 10); /* P1.10 = 42, header RX */
    UART_BAUDRATE = BAUD_REG;
    UART_CONFIG = 0u; /* 8N1, no flow control */
    UART_ENABLE = UART_ENABLE_UART;
    UART_EVENTS_TXDRDY = 0u;
    UART_EVENTS_RXDRDY = 0u;
    UART_TASKS_STARTTX = 1u;
    UART_TASKS_STARTRX = 1u;

    cm4_timer_init();
}

void board_putc(char c)
{
    UART_TXD = (uint8_t)c;
    while (UART_EVENTS_TXDRDY == 0u) {
    }
    UART_EVENTS_TXDRDY = 0u;
}

int board_getc(void)
{
    while (UART_EVENTS_RXDRDY == 0u) {
    }
    /* Clear the event before reading RXD: reading pops the 6-byte FIFO and may raise the next event. */
    UART_EVENTS_RXDRDY = 0u;
    return (int)(UART_RXD & 0xFFu);
}

uint32_t board_timestamp_us(void) { return cm4_timer_us(); }
