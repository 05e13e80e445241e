/* The board layer of a fuzz harness: output goes nowhere (counted, so it is not optimised away), the clock
 * ticks once per read. */
#include "board.h"

static volatile uint32_t sink;
static uint32_t now;

void board_init(void) {}

void board_putc(char c) { sink += (uint8_t)c; }

int board_getc(void) { return -1; }

uint32_t board_timestamp_us(void) { return now += 7u; }
