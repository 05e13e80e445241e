/* Output formatting without printf: the few conversions the protocol needs, exact where the reference
 * relies on printf ("%d", "%lu", "%02x", "%0.3f"). */
#ifndef TINYPERF_FMT_H
#define TINYPERF_FMT_H

#include <stdint.h>

void fmt_str(const char *s);
void fmt_u32(uint32_t v);
void fmt_i32(int32_t v);
void fmt_hex2(uint8_t v);
/* printf("%0.3f", v) bit for bit: the binary value rounded exactly, ties to even (as glibc and Python). */
void fmt_fixed3(double v);

#endif
