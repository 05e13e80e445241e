/* Board `qemu_m4`: CMSDK APB UART0 and SysTick of qemu-system-arm's mps2-an386.
 *
 * Under -icount shift=0 every executed instruction advances virtual time by 1 ns, and SysTick counts the
 * 25 MHz virtual CPU clock: one tick is 40 instructions, so m-lap-us differences are instruction counts
 * / 1000, identical from run to run. */
#include <stdint.h>

#include "board.h"

#define REG(a) (*(volatile uint32_t *)(a))
#define UART_DATA REG(0x40004000u)
#define UART_STATE REG(0x40004004u) /* b0 TX full, b1 RX full */
#define UART_CTRL REG(0x40004008u)  /* b0 TX enable, b1 RX enable: QEMU drops TX and refuses RX otherwise */
#define UART_INTCLEAR REG(0x4000400Cu) /* b1: RX interrupt */
#define UART_CTRL_RX_IRQ 0x8u
#define NVIC_ISER0 REG(0xE000E100u)
#define UART0_RX_IRQ 0u /* mps2-an386: UART0 RX is IRQ 0 */
#define UART_BAUDDIV REG(0x40004010u)
#define SYST_CSR REG(0xE000E010u) /* b0 enable, b1 interrupt on wrap, b2 CPU clock */
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)

#define CPU_HZ 25000000u
#define TICKS_PER_US (CPU_HZ / 1000000u)

static volatile uint32_t systick_wraps;

void SysTick_Handler(void);
void SysTick_Handler(void) { systick_wraps++; }

/* The RX interrupt only wakes the core from WFI in board_getc; the byte itself is read there. */
void UART0RX_Handler(void);
void UART0RX_Handler(void) { UART_INTCLEAR = 2u; }

void board_init(void)
{
    UART_BAUDDIV = CPU_HZ / 115200u; /* QEMU ignores the rate but wants a divider >= 16 */
    UART_CTRL = 0x3u | UART_CTRL_RX_IRQ;
    NVIC_ISER0 = 1u << UART0_RX_IRQ;
    SYST_RVR = 0x00FFFFFFu; /* 24 bits: wraps every 0.67 s of virtual time, counted by the interrupt */
    SYST_CVR = 0u;
    SYST_CSR = 0x7u;
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

uint32_t board_timestamp_us(void)
{
    uint32_t w1, w2, v;
    do {
        w1 = systick_wraps;
        v = SYST_CVR;
        w2 = systick_wraps;
    } while (w1 != w2);
    return (uint32_t)((((uint64_t)w1 << 24) + (0x00FFFFFFu - v)) / TICKS_PER_US);
}
