/* Cortex-M4F reset, the one startup of every Cortex-M4 build: the boards (nano33ble behind Arduino's bootloader,
 * sparkfun_edge behind SVL or ASB), qemu_m4, and the qemu_m4 bench app of tinyperf bench.
 *
 * A loader jumps to the reset vector at the application origin but does not promise to leave VTOR, MSP or the
 * FPU as a fresh reset would, so all three are set here before any C that could use them (on a cold reset, as
 * in QEMU, this costs a few instructions and changes nothing). Each build's folder has a cm4_board.h saying:
 *   CM4_NUM_IRQS         the chip's peripheral interrupt count (required)
 *   CM4_IRQ_VECTORS      designated initializers of the interrupts it handles, e.g. [16 + 0] = UART0RX_Handler
 *   CM4_ENTRY            the function reset runs (default dut_main, the MLPerf DUT)
 *   CM4_FAULT_REPORT     how a fault is reported, given CFSR (default: an e-[...] line through the DUT's fmt)
 * and its link.ld puts .isr_vector at its application origin. */
#include <stdint.h>

#include "cm4_board.h"

#ifndef CM4_NUM_IRQS
#error "cm4_board.h must define CM4_NUM_IRQS (the chip's peripheral interrupt count)"
#endif
#ifndef CM4_ENTRY
#define CM4_ENTRY dut_main
#endif
#ifndef CM4_FAULT_REPORT
#include "fmt.h"
static void cm4_fault_line(uint32_t cfsr)
{
    int s;
    fmt_str("\r\ne-[Fault: CFSR=");
    for (s = 24; s >= 0; s -= 8) fmt_hex2((uint8_t)(cfsr >> s));
    fmt_str("]\r\n");
}
#define CM4_FAULT_REPORT cm4_fault_line
#endif

#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define NVIC_ICER(i) (*(volatile uint32_t *)(0xE000E180u + 4u * (i)))
#define NVIC_ICPR(i) (*(volatile uint32_t *)(0xE000E280u + 4u * (i)))
#define NUM_IRQS CM4_NUM_IRQS

extern uint32_t __stack_top, __data_start, __data_end, __data_load, __bss_start, __bss_end;
extern void (*const vector_table[16 + NUM_IRQS])(void);
void CM4_ENTRY(void);
void Reset_Handler(void);
void SysTick_Handler(void);
void Fault_Handler(void);
static void reset_c(void) __attribute__((noreturn, used));

/* Naked: the stack pointer is reloaded before the compiler may have pushed anything onto the old one. */
__attribute__((naked)) void Reset_Handler(void)
{
    __asm volatile("ldr r0, =__stack_top\n"
                   "msr msp, r0\n"
                   "b reset_c\n");
}

static void reset_c(void)
{
    uint32_t *src = &__data_load, *dst = &__data_start;
    unsigned i;
    /* Whatever the loader left enabled (USB, its UART) would now vector into our Default_Handler. */
    for (i = 0; i < 8u; i++) {
        NVIC_ICER(i) = 0xFFFFFFFFu;
        NVIC_ICPR(i) = 0xFFFFFFFFu;
    }
    SCB_VTOR = (uint32_t)(uintptr_t)vector_table; /* the application origin, not the loader's table */
    while (dst < &__data_end) *dst++ = *src++;
    for (dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
    /* CP10/CP11 full access: hard-float code faults without it. */
    SCB_CPACR |= (0xFu << 20);
    __asm volatile("dsb\n isb");
    CM4_ENTRY();
    for (;;) __asm volatile("wfi");
}

/* A fault cannot be recovered from; say so on the line (the runner reports e-[...] replies) and stop. */
void Fault_Handler(void)
{
    CM4_FAULT_REPORT(SCB_CFSR);
    for (;;) {
    }
}

static void Default_Handler(void)
{
    for (;;) {
    }
}

/* A board's CM4_IRQ_VECTORS entries override the range's default on purpose. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
__attribute__((section(".isr_vector"), used)) void (*const vector_table[16 + NUM_IRQS])(void) = {
    (void (*)(void))(uintptr_t)&__stack_top,
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    0, 0, 0, 0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMon */
    0,
    Default_Handler, /* PendSV */
    SysTick_Handler,
    /* peripheral interrupts: a spurious one parks the core visibly in Default_Handler */
    [16 ... 16 + NUM_IRQS - 1] = Default_Handler,
#ifdef CM4_IRQ_VECTORS
    CM4_IRQ_VECTORS
#endif
};
#pragma GCC diagnostic pop
