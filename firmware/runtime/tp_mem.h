/* memcpy, memmove and memset, declared here instead of by <string.h>: cross builds compile with -nostdinc, so
 * no C library's headers (the host's, or newlib's) can stand in for the compiler's own. Every build links an
 * implementation: the C library on the host, firmware/dut/freestanding/mem.c on a bare-metal board. */
#ifndef TP_MEM_H
#define TP_MEM_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#endif /* TP_MEM_H */
