/* Board `esp_eye`: ESP32 UART0 (GPIO1 TX / GPIO3 RX, the on-board USB-UART bridge) and the CCOUNT cycle
 * counter. UNTESTED on hardware (see startup.c).
 *
 * The CPU keeps the 40 MHz crystal clock the ROM leaves it on: raising it to 240 MHz means programming the
 * BBPLL (ESP-IDF's rtc_clk_cpu_freq_set_config), not done here, so timestamps divide CCOUNT by 40, not by
 * the profile's 240 MHz, and latencies are those of a 40 MHz ESP32. UART0 registers: ESP-IDF soc/esp32
 * uart_reg.h (FIFO +0x00, CLKDIV +0x14, STATUS +0x1C: RXFIFO_CNT 7:0, TXFIFO_CNT 23:16). TX goes through
 * the FIFO's AHB alias 0x60000000: ESP32 errata, consecutive DPORT-bus writes to one address can be lost. */
#include <stdint.h>

#include "board.h"

#define REG(a) (*(volatile uint32_t *)(a))
#define UART0_FIFO REG(0x3FF40000u)
#define UART0_FIFO_AHB REG(0x60000000u)
#define UART0_CLKDIV REG(0x3FF40014u)
#define UART0_STATUS REG(0x3FF4001Cu)
#define RXFIFO_CNT(s) ((s) & 0xFFu)
#define TXFIFO_CNT(s) (((s) >> 16) & 0xFFu)
#define TXFIFO_SIZE 128u

#define CPU_HZ 40000000u /* XTAL: see above */
#define APB_HZ 40000000u
#define CYCLES_PER_US (CPU_HZ / 1000000u)

#ifndef TP_UART_BAUD
#define TP_UART_BAUD 115200
#endif

static uint32_t ccount_high, ccount_last;

static uint32_t ccount(void)
{
    uint32_t c;
    __asm volatile("rsr %0, ccount" : "=a"(c));
    return c;
}

void board_init(void)
{
#if TP_UART_BAUD != 115200 /* the ROM already runs UART0 at 115200 8N1 */
    /* CLKDIV: integer part in bits 19:0, sixteenths in bits 23:20 */
    uint32_t div16 = (APB_HZ * 16u + TP_UART_BAUD / 2u) / TP_UART_BAUD;
    UART0_CLKDIV = ((div16 & 0xFu) << 20) | (div16 >> 4);
#endif
    ccount_last = ccount();
    ccount_high = 0;
}

void board_putc(char c)
{
    while (TXFIFO_CNT(UART0_STATUS) >= TXFIFO_SIZE - 2u) {
    }
    UART0_FIFO_AHB = (uint8_t)c;
}

int board_getc(void)
{
    while (RXFIFO_CNT(UART0_STATUS) == 0u) {
    }
    return (int)(UART0_FIFO & 0xFFu);
}

/* CCOUNT wraps every 107 s at 40 MHz; sampling it at each timestamp (several per inference window) extends
 * it to 64 bits as long as two timestamps are less than that apart, which the runner's windows are. */
uint32_t board_timestamp_us(void)
{
    uint32_t now = ccount();
    if (now < ccount_last) ccount_high++;
    ccount_last = now;
    return (uint32_t)((((uint64_t)ccount_high << 32) | now) / CYCLES_PER_US);
}
