/* What the shared Cortex-M4 startup (firmware/boards/cortex_m/startup_cm4.c) needs of the nRF52840.
 * The application sits behind the Arduino bootloader at the profile's flash_origin (link.ld). */
#ifndef CM4_BOARD_H
#define CM4_BOARD_H

#define CM4_NUM_IRQS 48 /* nRF52840 peripheral interrupts */

#endif
