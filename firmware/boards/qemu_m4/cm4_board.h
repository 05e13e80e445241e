/* What the shared Cortex-M4 startup (firmware/boards/cortex_m/startup_cm4.c) needs of the MPS2 AN386 in QEMU:
 * 32 peripheral interrupts, of which UART0 RX (IRQ 0) is handled by board.c. The image starts at 0x0 (link.ld). */
#ifndef CM4_BOARD_H
#define CM4_BOARD_H

void UART0RX_Handler(void);

#define CM4_NUM_IRQS 32
#define CM4_IRQ_VECTORS [16 + 0] = UART0RX_Handler,

#endif
