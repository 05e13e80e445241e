/* What TFLM's library calls of the C library, for boards built without one: the rounding and exponent functions
 * its Prepare steps use to derive fixed-point multipliers, and strcmp/strncmp. Each is exactly specified (no rounding
 * error anywhere), so these give the same bits as any conforming libm. */
#include <stddef.h>
#include <stdint.h>

#include "tp_mem.h"

double floor(double x);
double round(double x);
float roundf(float x);
double frexp(double x, int *exp);
int strncmp(const char *a, const char *b, size_t n);
int strcmp(const char *a, const char *b);

static uint64_t bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double double_of(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* x with its fraction bits below the binary point cleared (toward zero); |x| >= 2^52, inf and nan unchanged */
static double trunc_bits(double x)
{
    uint64_t u = bits_of(x);
    int e = (int)((u >> 52) & 0x7ff) - 1023;
    if (e >= 52) return x;
    if (e < 0) return double_of(u & 0x8000000000000000ull);
    return double_of(u & ~((0x000fffffffffffffull) >> e));
}

double floor(double x)
{
    double t = trunc_bits(x);
    return (t != x && x < 0.0) ? t - 1.0 : t;
}

double round(double x)
{
    double t = trunc_bits(x);
    double frac = x - t; /* exact: t and x share sign and exponent range */
    if (frac >= 0.5) return t + 1.0;
    if (frac <= -0.5) return t - 1.0;
    return t;
}

float roundf(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    {
        int e = (int)((u >> 23) & 0xff) - 127;
        float t, frac;
        if (e >= 23) return x;
        if (e < 0) {
            u &= 0x80000000u;
        } else {
            u &= ~(0x007fffffu >> e);
        }
        memcpy(&t, &u, sizeof t);
        frac = x - t;
        if (frac >= 0.5f) return t + 1.0f;
        if (frac <= -0.5f) return t - 1.0f;
        return t;
    }
}

double frexp(double x, int *exp)
{
    uint64_t u = bits_of(x);
    int e = (int)((u >> 52) & 0x7ff);
    *exp = 0;
    if (x == 0.0 || e == 0x7ff) return x; /* zero, inf, nan */
    if (e == 0) {                         /* subnormal: scale into the normal range first */
        x *= 18014398509481984.0;         /* 2^54 */
        u = bits_of(x);
        e = (int)((u >> 52) & 0x7ff) - 54;
    }
    *exp = e - 1022;
    return double_of((u & 0x800fffffffffffffull) | 0x3fe0000000000000ull);
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n > 0; n--, a++, b++) {
        if (*a != *b) return (unsigned char)*a - (unsigned char)*b;
        if (*a == '\0') return 0;
    }
    return 0;
}

int strcmp(const char *a, const char *b)
{
    for (; *a == *b; a++, b++)
        if (*a == '\0') return 0;
    return (unsigned char)*a - (unsigned char)*b;
}
