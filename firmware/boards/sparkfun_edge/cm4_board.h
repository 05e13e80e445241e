/* What the shared Cortex-M4 startup (firmware/boards/cortex_m/startup_cm4.c) needs of the Apollo3.
 * The application sits behind SVL (or the Ambiq Secure Bootloader) at the profile's flash_origin (link.ld). */
#ifndef CM4_BOARD_H
#define CM4_BOARD_H

#define CM4_NUM_IRQS 32 /* Apollo3 peripheral interrupts */

#endif
