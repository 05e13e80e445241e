/* ESP32 entry for a RAM-loaded image: watchdogs off, .bss zeroed, our own stack, then the DUT.
 *
 * Written for the windowed-ABI xtensa-esp32-elf toolchain of ESP-IDF; it cannot be built or run on the
 * machines that build tinyperf's CI (no ESP32 compiler or emulator in any registry they reach), so it is
 * UNTESTED on hardware. The exception vectors (VECBASE) stay those of the ROM, whose window
 * overflow/underflow handlers the windowed ABI relies on. */
#include <stdint.h>

#include "dut.h"

#define REG(a) (*(volatile uint32_t *)(a))
#define WDT_WKEY 0x50D83AA1u
/* RTC watchdog (armed by the ROM for flash boot, and kept by ESP-IDF's bootloader) */
#define RTC_CNTL_WDTCONFIG0 REG(0x3FF4808Cu)
#define RTC_CNTL_WDTWPROTECT REG(0x3FF480A4u)
/* main watchdogs of timer groups 0 and 1 */
#define TIMG_WDTCONFIG0(base) REG((base) + 0x48u)
#define TIMG_WDTWPROTECT(base) REG((base) + 0x64u)
#define TIMG0_BASE 0x3FF5F000u
#define TIMG1_BASE 0x3FF60000u

extern uint32_t _bss_start, _bss_end, _stack_top;
void call_start_cpu0(void) __attribute__((noreturn, section(".entry.text")));
static void run(void) __attribute__((noreturn, noinline));

static void wdt_off(uint32_t base)
{
    TIMG_WDTWPROTECT(base) = WDT_WKEY;
    TIMG_WDTCONFIG0(base) = 0u;
    TIMG_WDTWPROTECT(base) = 0u;
}

void call_start_cpu0(void)
{
    uint32_t *p;
    RTC_CNTL_WDTWPROTECT = WDT_WKEY;
    RTC_CNTL_WDTCONFIG0 = 0u;
    RTC_CNTL_WDTWPROTECT = 0u;
    wdt_off(TIMG0_BASE);
    wdt_off(TIMG1_BASE);
    for (p = &_bss_start; p < &_bss_end;) *p++ = 0;
    /* Frames already on the loader's stack keep spilling there; ENTRY in run() and below derives each new
     * frame from this a1. Nothing of this function's frame is used after the switch. MOVSP is the windowed
     * ABI's way to move a1: it first makes sure the caller's registers are spilled (alloca exception). */
#ifdef __XTENSA_WINDOWED_ABI__
    __asm volatile("movsp a1, %0" ::"r"(&_stack_top) : "memory");
#else
    __asm volatile("mov a1, %0" ::"r"(&_stack_top) : "memory");
#endif
    run();
}

static void run(void)
{
    dut_main();
    for (;;) {
    }
}
