#include "fmt.h"

#include "board.h"

void fmt_str(const char *s)
{
    while (*s) board_putc(*s++);
}

static void fmt_u64(uint64_t v)
{
    char b[21];
    int i = 20;
    b[i] = 0;
    do {
        b[--i] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v);
    fmt_str(&b[i]);
}

void fmt_u32(uint32_t v) { fmt_u64(v); }

void fmt_i32(int32_t v)
{
    if (v < 0) {
        board_putc('-');
        fmt_u64((uint64_t)(-(int64_t)v));
    } else {
        fmt_u64((uint64_t)v);
    }
}

void fmt_hex2(uint8_t v)
{
    static const char digits[] = "0123456789abcdef";
    board_putc(digits[v >> 4]);
    board_putc(digits[v & 15u]);
}

/* Decompose the double into m * 2^e and round m * 1000 * 2^e to an integer in integer arithmetic, so the
 * digits are those of the exact binary value, as glibc's printf and Python's format() produce them. A
 * float multiply by 1000 would be off by one in the last digit near ties. */
void fmt_fixed3(double v)
{
    union { double d; uint64_t u; } bits;
    uint64_t m, q;
    int e, biased;

    bits.d = v;
    biased = (int)((bits.u >> 52) & 0x7ffu);
    m = bits.u & ((1ull << 52) - 1u);
    if (bits.u >> 63) board_putc('-');
    if (biased == 0x7ff) {
        fmt_str(m ? "nan" : "inf");
        return;
    }
    if (biased == 0) {
        e = -1074;
    } else {
        m |= 1ull << 52;
        e = biased - 1075;
    }
    if (e >= 0) {
        /* An integer already. Beyond 2^63 the value is meaningless as a benchmark output: saturate. */
        q = (e <= 10) ? (m << e) : UINT64_MAX / 1000u;
        fmt_u64(q);
        fmt_str(".000");
        return;
    }
    {
        uint64_t p = m * 1000u; /* m < 2^53, so p < 2^63 */
        int s = -e;
        if (s >= 64) {
            q = 0; /* the value is below 2^-11 * 1000 / 1000: it rounds to 0.000 */
        } else {
            uint64_t r = p & ((1ull << s) - 1u);
            uint64_t half = 1ull << (s - 1);
            q = p >> s;
            if (r > half || (r == half && (q & 1u))) q++;
        }
    }
    fmt_u64(q / 1000u);
    board_putc('.');
    board_putc((char)('0' + (int)(q / 100u % 10u)));
    board_putc((char)('0' + (int)(q / 10u % 10u)));
    board_putc((char)('0' + (int)(q % 10u)));
}
