/* kernel_check on the shared Cortex-M4 startup (firmware/boards/cortex_m/startup_cm4.c), on qemu_m4's AN386. */
#ifndef CM4_BOARD_H
#define CM4_BOARD_H

#include <stdint.h>

void check_entry(void);
void check_fault(uint32_t cfsr);

#define CM4_NUM_IRQS 32
#define CM4_ENTRY check_entry
#define CM4_FAULT_REPORT check_fault

#endif
