/* qemu_m4 entry point of kernel_check.c on the shared Cortex-M4 startup (cm4_board.h beside this file): UART0
 * output, semihosting exit; seed and count come as -D defines. */
#include <stdint.h>

int check_main(uint32_t seed, int32_t cases);
void check_putc(char c);
void check_exit(int code);
void check_entry(void);
void check_fault(uint32_t cfsr);
void SysTick_Handler(void);

void SysTick_Handler(void) {}

void check_fault(uint32_t cfsr)
{
    (void)cfsr;
    check_exit(3);
}

void check_putc(char c)
{
    volatile uint32_t *uart = (volatile uint32_t *)0x40004000u;
    while (uart[1] & 1u) {
    }
    uart[0] = (uint8_t)c;
}

void check_exit(int code)
{
    register uint32_t r0 __asm("r0") = 0x18u;
    register uint32_t r1 __asm("r1") = code ? 0x20024u : 0x20026u; /* RunTimeErrorUnknown / ApplicationExit */
    __asm volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
}

void check_entry(void)
{
    *(volatile uint32_t *)0x40004008u = 0x3u;
    check_exit(check_main(CHECK_SEED, CHECK_CASES));
}
