/* The freestanding libc subset TFLM links on boards without a C library, against this machine's libm, bit for
 * bit. Built by test_libc_subset.py with the subset's functions renamed (tp_floor, ...). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

double tp_floor(double x);
double tp_round(double x);
float tp_roundf(float x);
double tp_frexp(double x, int *exp);
int tp_strcmp(const char *a, const char *b);
int tp_strncmp(const char *a, const char *b, size_t n);

static int same(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

static int samef(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

static int sign(int v) { return (v > 0) - (v < 0); }

int main(void)
{
    static const double edge[] = {0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, 1e-310,
                                  -1e-310, 4.9e-324, 4503599627370495.5, 4503599627370496.0, 9007199254740993.0,
                                  1e308, -1e308, INFINITY, -INFINITY, NAN, 0.1, -0.1, 123456.789, 1.0, -1.0};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    long checked = 0, bad = 0;
    int i;
    for (i = 0; i < 200000 + (int)(sizeof edge / sizeof edge[0]); i++) {
        double d;
        float f;
        int e1, e2;
        if (i < (int)(sizeof edge / sizeof edge[0])) {
            d = edge[i];
        } else {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            memcpy(&d, &x, sizeof d); /* every bit pattern: subnormals, huge, nan */
            if (i % 3 == 0) d = (double)(int64_t)(x >> 20) / 1024.0; /* and plenty of halves */
        }
        f = (float)d;
        bad += !same(tp_floor(d), floor(d)) + !same(tp_round(d), round(d)) + !samef(tp_roundf(f), roundf(f));
        bad += !same(tp_frexp(d, &e1), frexp(d, &e2)) + (isfinite(d) && e1 != e2);
        checked += 5;
    }
    {
        static const char *s[] = {"", "a", "ab", "abc", "abd", "b", "\xff", "ab\xff"};
        size_t a, b, n;
        for (a = 0; a < 8; a++)
            for (b = 0; b < 8; b++) {
                bad += sign(tp_strcmp(s[a], s[b])) != sign(strcmp(s[a], s[b]));
                for (n = 0; n < 5; n++) bad += sign(tp_strncmp(s[a], s[b], n)) != sign(strncmp(s[a], s[b], n));
                checked += 6;
            }
    }
    printf("checked %ld, differ %ld\n", checked, bad);
    return bad != 0;
}
