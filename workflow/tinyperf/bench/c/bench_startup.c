/* Minimal Cortex-M4F reset for the benchmark app: .data/.bss, FPU on, main. Faults print F and stop. */
#include <stdint.h>

extern uint32_t __stack_top, __data_start, __data_end, __data_load, __bss_start, __bss_end;
int main(void);
void Reset_Handler(void);
void Bench_Fault(void);

void Reset_Handler(void)
{
    uint32_t *src = &__data_load, *dst = &__data_start;
    while (dst < &__data_end) *dst++ = *src++;
    for (dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
    *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
    __asm volatile("dsb\n isb");
    main();
    for (;;) {
    }
}

void Bench_Fault(void)
{
    volatile uint32_t *uart = (volatile uint32_t *)0x40004000u;
    const char *s = "FAULT\r\n";
    while (*s) {
        while (uart[1] & 1u) {
        }
        uart[0] = (uint8_t)*s++;
    }
    for (;;) {
    }
}

__attribute__((section(".isr_vector"), used)) void (*const bench_vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&__stack_top, Reset_Handler, Bench_Fault, Bench_Fault, Bench_Fault, Bench_Fault,
    Bench_Fault, 0, 0, 0, 0, Bench_Fault, Bench_Fault, 0, Bench_Fault, Bench_Fault,
};
