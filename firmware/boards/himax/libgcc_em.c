/* The libgcc routines the firmware calls on ARC EM, written here because Debian's libgcc for
 * arc-linux-gnu is ARC HS code (LL64 std/ldd, vadd2) that faults on the EM9D.
 *
 * The core has a single-precision FPU only, so double arithmetic (the ad task's MSE, which must round
 * exactly like the host's numpy double arithmetic; fmt_fixed3's argument) is done in software, IEEE 754
 * binary64 with round-to-nearest-even, subnormals included; the 64-bit divisions are fmt.c's. Tested
 * bit-for-bit against the host's hardware doubles (tests/boards/test_libgcc_em.py builds this file natively
 * with TP_SOFTFP_PREFIX so the names do not clash with the host's libgcc). */
#include <stdint.h>

#ifdef TP_SOFTFP_PREFIX
#define SF(name) tp_##name
#else
#define SF(name) name
#endif

typedef union {
    double d;
    uint64_t u;
} dbits;

typedef union {
    float f;
    uint32_t u;
} fbits;

#define SIGN_BIT (1ull << 63)
#define MANT_MASK ((1ull << 52) - 1u)
#define IMPLICIT (1ull << 52)
#define INF_BITS (0x7FFull << 52)
#define QNAN_BITS (0x7FF8ull << 48)

/* 64-bit division without a call to itself: 32-bit hardware division when both fit, else shift-subtract. */
uint64_t SF(__udivmoddi4)(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t SF(__udivmoddi4)(uint64_t n, uint64_t d, uint64_t *rem)
{
    uint64_t q = 0, r = 0;
    int i;
    if ((n >> 32) == 0 && (d >> 32) == 0 && d != 0) {
        uint32_t n32 = (uint32_t)n, d32 = (uint32_t)d;
        if (rem) *rem = n32 % d32;
        return n32 / d32;
    }
    if (d == 0) { /* undefined in C; be deterministic rather than loop */
        if (rem) *rem = n;
        return ~0ull;
    }
    for (i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1u);
        if (r >= d) {
            r -= d;
            q |= 1ull << i;
        }
    }
    if (rem) *rem = r;
    return q;
}

uint64_t SF(__udivdi3)(uint64_t n, uint64_t d);
uint64_t SF(__udivdi3)(uint64_t n, uint64_t d) { return SF(__udivmoddi4)(n, d, 0); }

uint64_t SF(__umoddi3)(uint64_t n, uint64_t d);
uint64_t SF(__umoddi3)(uint64_t n, uint64_t d)
{
    uint64_t r;
    (void)SF(__udivmoddi4)(n, d, &r);
    return r;
}

/* x >> s with every bit shifted out ORed into bit 0 (the sticky bit of round-to-nearest). */
static uint64_t shr_sticky(uint64_t x, int s)
{
    if (s <= 0) return x;
    if (s >= 64) return x != 0;
    return (x >> s) | ((x & ((1ull << s) - 1u)) != 0);
}

/* sig (with 3 rounding bits below its last one) shifted into the subnormal range when its exponent *e is 0 or
 * below (*e becomes 0), then rounded to nearest even with the 3 bits dropped. */
static uint64_t denormal_round(uint64_t sig, int *e)
{
    uint32_t rb;
    if (*e <= 0) {
        sig = shr_sticky(sig, 1 - *e);
        *e = 0;
    }
    rb = (uint32_t)(sig & 7u);
    sig >>= 3;
    if (rb > 4u || (rb == 4u && (sig & 1u))) sig++;
    return sig;
}

/* sig * 2^(e - 1023 - 55), sig < 2^57 with its leading bit at 55 or 56 (or below for tiny results), rounded
 * to nearest even and packed; handles overflow to infinity and gradual underflow. */
static uint64_t round_pack(uint64_t sign, int e, uint64_t sig)
{
    if (sig >> 56) {
        sig = shr_sticky(sig, 1);
        e++;
    }
    if (e >= 2047) return sign | INF_BITS;
    sig = denormal_round(sig, &e);
    if (e == 0) return sign | sig; /* subnormal; a carry into bit 52 is exactly the smallest normal */
    if (sig >> 53) {
        sig >>= 1;
        if (++e >= 2047) return sign | INF_BITS;
    }
    return sign | ((uint64_t)e << 52) | (sig & MANT_MASK);
}

/* Exponent and significand with the implicit bit; subnormals normalised so bit 52 is set. */
static void unpack(uint64_t u, int *e, uint64_t *m)
{
    int ex = (int)((u >> 52) & 0x7FFu);
    uint64_t mant = u & MANT_MASK;
    if (ex == 0) {
        ex = 1;
        while (!(mant & IMPLICIT)) {
            mant <<= 1;
            ex--;
        }
    } else {
        mant |= IMPLICIT;
    }
    *e = ex;
    *m = mant;
}

static int is_nan(uint64_t u) { return (u & ~SIGN_BIT) > INF_BITS; }
static int is_inf(uint64_t u) { return (u & ~SIGN_BIT) == INF_BITS; }
static int is_zero(uint64_t u) { return (u & ~SIGN_BIT) == 0; }

static uint64_t add_bits(uint64_t a, uint64_t b)
{
    uint64_t sa = a & SIGN_BIT, sb = b & SIGN_BIT, ma, mb, m;
    int ea, eb;
    if (is_nan(a) || is_nan(b)) return QNAN_BITS;
    if (is_inf(a)) return (is_inf(b) && sa != sb) ? QNAN_BITS : a;
    if (is_inf(b)) return b;
    if (is_zero(a)) return is_zero(b) ? (sa & sb) : b;
    if (is_zero(b)) return a;
    unpack(a, &ea, &ma);
    unpack(b, &eb, &mb);
    if (eb > ea || (eb == ea && mb > ma)) { /* |a| >= |b| from here on */
        uint64_t t = ma;
        int te = ea;
        ma = mb;
        mb = t;
        ea = eb;
        eb = te;
        t = sa;
        sa = sb;
        sb = t;
    }
    ma <<= 3;
    mb = shr_sticky(mb << 3, ea - eb);
    if (sa == sb) {
        m = ma + mb;
    } else {
        m = ma - mb;
        if (m == 0) return 0; /* x - x is +0 when rounding to nearest */
        while (!(m >> 55)) {
            m <<= 1;
            ea--;
        }
    }
    return round_pack(sa, ea, m);
}

double SF(__adddf3)(double a, double b);
double SF(__adddf3)(double a, double b)
{
    dbits x, y, r;
    x.d = a;
    y.d = b;
    r.u = add_bits(x.u, y.u);
    return r.d;
}

double SF(__subdf3)(double a, double b);
double SF(__subdf3)(double a, double b)
{
    dbits x, y, r;
    x.d = a;
    y.d = b;
    r.u = add_bits(x.u, y.u ^ SIGN_BIT);
    return r.d;
}

double SF(__muldf3)(double a, double b);
double SF(__muldf3)(double a, double b)
{
    dbits x, y, r;
    uint64_t sign, ma, mb, lo, hi, mid1, mid2, sig;
    int ea, eb;
    x.d = a;
    y.d = b;
    sign = (x.u ^ y.u) & SIGN_BIT;
    if (is_nan(x.u) || is_nan(y.u)) {
        r.u = QNAN_BITS;
    } else if (is_inf(x.u) || is_inf(y.u)) {
        r.u = (is_zero(x.u) || is_zero(y.u)) ? QNAN_BITS : (sign | INF_BITS);
    } else if (is_zero(x.u) || is_zero(y.u)) {
        r.u = sign;
    } else {
        unpack(x.u, &ea, &ma);
        unpack(y.u, &eb, &mb);
        /* 53 x 53 -> 106-bit product from 32-bit halves (32 x 32 -> 64 is a single mpy/mpymu pair) */
        lo = (ma & 0xFFFFFFFFu) * (mb & 0xFFFFFFFFu);
        mid1 = (ma >> 32) * (mb & 0xFFFFFFFFu);
        mid2 = (ma & 0xFFFFFFFFu) * (mb >> 32);
        hi = (ma >> 32) * (mb >> 32);
        {
            uint64_t mid = (lo >> 32) + (mid1 & 0xFFFFFFFFu) + (mid2 & 0xFFFFFFFFu);
            hi += (mid1 >> 32) + (mid2 >> 32) + (mid >> 32);
            lo = (lo & 0xFFFFFFFFu) | (mid << 32);
        }
        /* product in [2^104, 2^106): keep bits 105..49 as the significand, the rest as sticky */
        sig = (hi << 15) | (lo >> 49) | ((lo & ((1ull << 49) - 1u)) != 0);
        r.u = round_pack(sign, ea + eb - 1023, sig);
    }
    return r.d;
}

double SF(__divdf3)(double a, double b);
double SF(__divdf3)(double a, double b)
{
    dbits x, y, r;
    uint64_t sign, ma, mb, q = 0, rem;
    int ea, eb, e, i;
    x.d = a;
    y.d = b;
    sign = (x.u ^ y.u) & SIGN_BIT;
    if (is_nan(x.u) || is_nan(y.u)) {
        r.u = QNAN_BITS;
    } else if (is_inf(x.u)) {
        r.u = is_inf(y.u) ? QNAN_BITS : (sign | INF_BITS);
    } else if (is_inf(y.u)) {
        r.u = sign;
    } else if (is_zero(y.u)) {
        r.u = is_zero(x.u) ? QNAN_BITS : (sign | INF_BITS);
    } else if (is_zero(x.u)) {
        r.u = sign;
    } else {
        unpack(x.u, &ea, &ma);
        unpack(y.u, &eb, &mb);
        e = ea - eb + 1023;
        rem = ma;
        if (rem < mb) { /* make the quotient's leading bit land on bit 55 */
            rem <<= 1;
            e--;
        }
        for (i = 0; i < 56; i++) {
            q <<= 1;
            if (rem >= mb) {
                rem -= mb;
                q |= 1u;
            }
            rem <<= 1;
        }
        r.u = round_pack(sign, e, q | (rem != 0));
    }
    return r.d;
}

double SF(__extendsfdf2)(float f);
double SF(__extendsfdf2)(float f)
{
    fbits x;
    dbits r;
    uint64_t sign, mant;
    int e;
    x.f = f;
    sign = (uint64_t)(x.u >> 31) << 63;
    e = (int)((x.u >> 23) & 0xFFu);
    mant = x.u & 0x7FFFFFu;
    if (e == 0xFF) {
        r.u = sign | INF_BITS | (mant << 29) | (mant ? (1ull << 51) : 0u);
    } else if (e == 0) {
        if (mant == 0) {
            r.u = sign;
        } else { /* every float subnormal is a normal double */
            e = 1;
            while (!(mant & 0x800000u)) {
                mant <<= 1;
                e--;
            }
            r.u = sign | ((uint64_t)(e + 896) << 52) | ((mant & 0x7FFFFFu) << 29);
        }
    } else {
        r.u = sign | ((uint64_t)(e + 896) << 52) | (mant << 29);
    }
    return r.d;
}

/* What a TFLM engine's library calls besides (its Prepare steps derive fixed-point multipliers in double
 * precision): comparisons, conversions and the 64-bit integer helpers. The 64-bit shifts are built from 32-bit
 * halves so that none of these can call itself. */
static uint64_t shl64(uint64_t a, int b)
{
    uint32_t lo = (uint32_t)a, hi = (uint32_t)(a >> 32);
    if (b == 0) return a;
    if (b >= 32) {
        hi = lo << (b - 32);
        lo = 0;
    } else {
        hi = (hi << b) | (lo >> (32 - b));
        lo <<= b;
    }
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t shr64(uint64_t a, int b, int arith)
{
    uint32_t lo = (uint32_t)a, hi = (uint32_t)(a >> 32);
    uint32_t fill = (arith && (hi >> 31)) ? 0xFFFFFFFFu : 0u;
    if (b == 0) return a;
    if (b >= 32) {
        lo = b == 32 ? hi : (arith ? (uint32_t)((int32_t)hi >> (b - 32)) : hi >> (b - 32));
        hi = fill;
    } else {
        lo = (lo >> b) | (hi << (32 - b));
        hi = arith ? (uint32_t)((int32_t)hi >> b) : hi >> b;
    }
    return ((uint64_t)hi << 32) | lo;
}

int64_t SF(__ashldi3)(int64_t a, int b);
int64_t SF(__ashldi3)(int64_t a, int b) { return (int64_t)shl64((uint64_t)a, b); }

int64_t SF(__ashrdi3)(int64_t a, int b);
int64_t SF(__ashrdi3)(int64_t a, int b) { return (int64_t)shr64((uint64_t)a, b, 1); }

uint64_t SF(__lshrdi3)(uint64_t a, int b);
uint64_t SF(__lshrdi3)(uint64_t a, int b) { return shr64(a, b, 0); }

uint64_t SF(__muldi3)(uint64_t a, uint64_t b);
uint64_t SF(__muldi3)(uint64_t a, uint64_t b)
{
    uint32_t al = (uint32_t)a, ah = (uint32_t)(a >> 32), bl = (uint32_t)b, bh = (uint32_t)(b >> 32);
    return (uint64_t)al * bl + ((uint64_t)(al * bh + ah * bl) << 32);
}

int64_t SF(__divdi3)(int64_t a, int64_t b);
int64_t SF(__divdi3)(int64_t a, int64_t b)
{
    uint64_t ua = a < 0 ? 0u - (uint64_t)a : (uint64_t)a, ub = b < 0 ? 0u - (uint64_t)b : (uint64_t)b;
    uint64_t q = SF(__udivmoddi4)(ua, ub, 0);
    return (int64_t)(((a < 0) != (b < 0)) ? 0u - q : q);
}

int64_t SF(__moddi3)(int64_t a, int64_t b);
int64_t SF(__moddi3)(int64_t a, int64_t b)
{
    uint64_t ua = a < 0 ? 0u - (uint64_t)a : (uint64_t)a, ub = b < 0 ? 0u - (uint64_t)b : (uint64_t)b, r;
    (void)SF(__udivmoddi4)(ua, ub, &r);
    return (int64_t)(a < 0 ? 0u - r : r);
}

/* -1, 0, 1, or 2 when either is a NaN; +0 and -0 are equal */
static int cmp_bits(uint64_t a, uint64_t b)
{
    if (is_nan(a) || is_nan(b)) return 2;
    if (is_zero(a) && is_zero(b)) return 0;
    if ((a ^ b) & SIGN_BIT) return (a & SIGN_BIT) ? -1 : 1;
    if (a == b) return 0;
    return ((a < b) != ((a & SIGN_BIT) != 0)) ? -1 : 1;
}

static int cmp_d(double a, double b)
{
    dbits x, y;
    x.d = a;
    y.d = b;
    return cmp_bits(x.u, y.u);
}

/* libgcc's contract: eq/ne are 0 when equal; lt/le < 0 / <= 0 when a < b / a <= b, gt/ge > 0 / >= 0 when
 * a > b / a >= b; an unordered pair makes every one of them false */
int SF(__eqdf2)(double a, double b);
int SF(__eqdf2)(double a, double b) { return cmp_d(a, b) != 0; }
int SF(__nedf2)(double a, double b);
int SF(__nedf2)(double a, double b) { return cmp_d(a, b) != 0; }
int SF(__ltdf2)(double a, double b);
int SF(__ltdf2)(double a, double b) { int c = cmp_d(a, b); return c == 2 ? 1 : c; }
int SF(__ledf2)(double a, double b);
int SF(__ledf2)(double a, double b) { int c = cmp_d(a, b); return c == 2 ? 1 : c; }
int SF(__gtdf2)(double a, double b);
int SF(__gtdf2)(double a, double b) { int c = cmp_d(a, b); return c == 2 ? -1 : c; }
int SF(__gedf2)(double a, double b);
int SF(__gedf2)(double a, double b) { int c = cmp_d(a, b); return c == 2 ? -1 : c; }
int SF(__unorddf2)(double a, double b);
int SF(__unorddf2)(double a, double b) { return cmp_d(a, b) == 2; }

/* toward zero; out of range saturates (and a NaN gives 0), as the Cortex-M and x86 conversions do not agree on
 * anything there either: only in-range values are specified */
static int64_t fix_bits(uint64_t u, int bits)
{
    int e = (int)((u >> 52) & 0x7FFu) - 1023;
    uint64_t m = (u & MANT_MASK) | IMPLICIT, mag;
    int neg = (u & SIGN_BIT) != 0;
    uint64_t limit = (uint64_t)1 << (bits - 1);
    if (is_nan(u)) return 0;
    if (e < 0) return 0;
    if (e >= bits - 1) {
        if (neg && e == bits - 1 && (u & MANT_MASK) == 0) return (int64_t)(0u - limit);
        return neg ? (int64_t)(0u - limit) : (int64_t)(limit - 1u);
    }
    mag = e <= 52 ? shr64(m, 52 - e, 0) : shl64(m, e - 52);
    return neg ? (int64_t)(0u - mag) : (int64_t)mag;
}

int32_t SF(__fixdfsi)(double a);
int32_t SF(__fixdfsi)(double a)
{
    dbits x;
    x.d = a;
    return (int32_t)fix_bits(x.u, 32);
}

int64_t SF(__fixdfdi)(double a);
int64_t SF(__fixdfdi)(double a)
{
    dbits x;
    x.d = a;
    return fix_bits(x.u, 64);
}

int64_t SF(__fixsfdi)(float a);
int64_t SF(__fixsfdi)(float a) { return SF(__fixdfdi)(SF(__extendsfdf2)(a)); }

static double float_of(uint64_t mag, int neg)
{
    dbits r;
    int p = 63;
    if (mag == 0) {
        r.u = 0;
        return r.d;
    }
    while (!(shr64(mag, p, 0) & 1u)) p--;
    r.u = round_pack(neg ? SIGN_BIT : 0u, p + 1023,
                     p > 55 ? shr_sticky(mag, p - 55) : shl64(mag, 55 - p));
    return r.d;
}

double SF(__floatdidf)(int64_t a);
double SF(__floatdidf)(int64_t a) { return float_of(a < 0 ? 0u - (uint64_t)a : (uint64_t)a, a < 0); }

double SF(__floatsidf)(int32_t a);
double SF(__floatsidf)(int32_t a) { return SF(__floatdidf)(a); }

double SF(__floatunsidf)(uint32_t a);
double SF(__floatunsidf)(uint32_t a) { return float_of(a, 0); }

float SF(__truncdfsf2)(double a);
float SF(__truncdfsf2)(double a)
{
    dbits x;
    fbits r;
    uint32_t sign;
    uint64_t m, sig;
    int e, fe;
    x.d = a;
    sign = (uint32_t)(x.u >> 63) << 31;
    if (is_nan(x.u)) {
        r.u = sign | 0x7FC00000u;
    } else if (is_inf(x.u)) {
        r.u = sign | 0x7F800000u;
    } else if (is_zero(x.u)) {
        r.u = sign;
    } else {
        unpack(x.u, &e, &m);
        fe = e - 1023 + 127;
        if (fe >= 255) {
            r.u = sign | 0x7F800000u;
            return r.f;
        }
        sig = shr_sticky(m, 26); /* 24 significant bits and 3 rounding bits */
        sig = denormal_round(sig, &fe);
        if (fe != 0 && (sig >> 24)) {
            sig >>= 1;
            fe++;
        }
        if (fe >= 255) {
            r.u = sign | 0x7F800000u;
        } else if (fe == 0) {
            r.u = sign | (uint32_t)sig; /* subnormal; a carry into bit 23 is the smallest normal */
        } else {
            r.u = sign | ((uint32_t)fe << 23) | ((uint32_t)sig & 0x7FFFFFu);
        }
    }
    return r.f;
}
