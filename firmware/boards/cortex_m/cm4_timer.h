/* Microseconds from the Cortex-M4 DWT cycle counter (CYCCNT), extended past its 32-bit wrap.
 *
 * CYCCNT wraps every 2^32 cycles (67 s at 64 MHz), but board_timestamp_us() must wrap at 2^32 us like the
 * reference's us_ticker_read(). SysTick interrupts every 2^24 cycles and samples CYCCNT, so no wrap goes
 * unseen between two timestamps however far apart; the count itself stays the DWT's.
 * Included by board.c once, after TP_BOARD_CLOCK_HZ (the profile's clock_hz, set by `tinyperf build`). */
#ifndef CM4_TIMER_H
#define CM4_TIMER_H

#include <stdint.h>

#ifndef TP_BOARD_CLOCK_HZ
#error "TP_BOARD_CLOCK_HZ (the profile's clock_hz) is not defined"
#endif
#define CYCLES_PER_US (TP_BOARD_CLOCK_HZ / 1000000u)

#define DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u) /* b0 enable, b1 interrupt, b2 CPU clock */
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static volatile uint32_t cyc_high; /* upper 32 bits of the 64-bit cycle count */
static volatile uint32_t cyc_last; /* CYCCNT at the last sample */

/* Callers hold interrupts off (or are the SysTick handler), so the pair updates atomically. */
static uint64_t cycles_sample(void)
{
    uint32_t now = DWT_CYCCNT;
    if (now < cyc_last) cyc_high++;
    cyc_last = now;
    return ((uint64_t)cyc_high << 32) | now;
}

void SysTick_Handler(void);
void SysTick_Handler(void) { (void)cycles_sample(); }

static void cm4_timer_init(void)
{
    DEMCR |= DEMCR_TRCENA;
    DWT_CYCCNT = 0u;
    cyc_last = 0u;
    cyc_high = 0u;
    DWT_CTRL |= 1u;
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0u;
    SYST_CSR = 0x7u;
    __asm volatile("cpsie i" ::: "memory");
}

static uint32_t cm4_timer_us(void)
{
    uint64_t cyc;
    uint32_t primask;
    __asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    cyc = cycles_sample();
    __asm volatile("msr primask, %0" ::"r"(primask) : "memory");
    return (uint32_t)(cyc / CYCLES_PER_US);
}

#endif
