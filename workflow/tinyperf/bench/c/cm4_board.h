/* The bench app on the shared Cortex-M4 startup (firmware/boards/cortex_m/startup_cm4.c), on qemu_m4's MPS2
 * AN386: no interrupt handled, reset runs bench_main, a fault prints FAULT on UART0 (bench_main.c). */
#ifndef CM4_BOARD_H
#define CM4_BOARD_H

#include <stdint.h>

void bench_main(void);
void bench_fault(uint32_t cfsr);

#define CM4_NUM_IRQS 32
#define CM4_ENTRY bench_main
#define CM4_FAULT_REPORT bench_fault

#endif
