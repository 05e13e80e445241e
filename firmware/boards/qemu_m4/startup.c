/* Cortex-M4F reset: copy .data, zero .bss, enable the FPU before any float instruction, run the DUT. */
#include <stdint.h>

#include "dut.h"
#include "fmt.h"

extern uint32_t __stack_top, __data_start, __data_end, __data_load, __bss_start, __bss_end;
void Reset_Handler(void);
void SysTick_Handler(void);
void UART0RX_Handler(void);
void Fault_Handler(void);

void Reset_Handler(void)
{
    uint32_t *src = &__data_load, *dst = &__data_start;
    while (dst < &__data_end) *dst++ = *src++;
    for (dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
    /* CPACR: full access to CP10/CP11, i.e. the FPU; hard-float code faults without it. */
    *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
    __asm volatile("dsb\n isb");
    dut_main();
    for (;;) __asm volatile("wfi");
}

/* A fault cannot be recovered from; say so on the line (the runner reports e-[...] replies) and stop. */
void Fault_Handler(void)
{
    fmt_str("\r\ne-[Fault: CFSR=");
    {
        uint32_t cfsr = *(volatile uint32_t *)0xE000ED28u;
        int s;
        for (s = 24; s >= 0; s -= 8) fmt_hex2((uint8_t)(cfsr >> s));
    }
    fmt_str("]\r\n");
    for (;;) {
    }
}

static void Default_Handler(void)
{
    for (;;) {
    }
}

__attribute__((section(".isr_vector"), used)) void (*const vector_table[16 + 32])(void) = {
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
    UART0RX_Handler, /* IRQ 0: UART0 RX */
};
