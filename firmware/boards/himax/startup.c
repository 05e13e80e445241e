/* ARC EM9D reset for the Himax WE-I Plus application: stack in DCCM, .bss zeroed, vector base set, then the
 * DUT. The bootloader has already placed .text/.rodata/.data at their run addresses (see link.ld). */
#include <stdint.h>

#include "dut.h"
#include "fmt.h"

#define AUX_INT_VECTOR_BASE 0x25
#define AUX_ECR 0x403 /* exception cause */
#define AUX_ERET 0x400 /* faulting PC */

extern uint32_t __stack_top, __bss_start, __bss_end;
extern void (*const arc_vector_table[16])(void);
void _arc_reset(void);
void arc_exception(void);
static void reset_c(void) __attribute__((noreturn, used));

/* Naked: sp is set before any compiler-generated code could touch the stack the bootloader left. */
__attribute__((naked)) void _arc_reset(void)
{
    __asm volatile("mov sp, __stack_top\n"
                   "j reset_c\n");
}

static void reset_c(void)
{
    uint32_t *p;
    for (p = &__bss_start; p < &__bss_end;) *p++ = 0;
    __builtin_arc_sr((unsigned int)(uintptr_t)arc_vector_table, AUX_INT_VECTOR_BASE);
    dut_main();
    for (;;) __builtin_arc_sleep(0);
}

/* Memory errors, illegal instructions and the like: report on the line (e-[...]) and stop. */
void arc_exception(void)
{
    uint32_t ecr = __builtin_arc_lr(AUX_ECR), eret = __builtin_arc_lr(AUX_ERET);
    int s;
    fmt_str("\r\ne-[Exception: ECR=");
    for (s = 24; s >= 0; s -= 8) fmt_hex2((uint8_t)(ecr >> s));
    fmt_str(" PC=");
    for (s = 24; s >= 0; s -= 8) fmt_hex2((uint8_t)(eret >> s));
    fmt_str("]\r\n");
    for (;;) {
    }
}

/* Reset, then the 15 exception vectors (memory error, instruction error, machine check, TLB, privilege
 * violation, SWI, TRAP, extension, divide by zero, DC error, misaligned, ...). No interrupt is enabled, so
 * the table stops there. */
__attribute__((section(".vector"), used)) void (*const arc_vector_table[16])(void) = {
    _arc_reset,
    [1 ... 15] = arc_exception,
};
