/* Integer arithmetic of TFLite's int8 specification (gemmlowp fixed point), shared by every kernel.
 * Written from the specification; the double-rounding requantization matches TFLM's default build
 * (TFLITE_SINGLE_ROUNDING unset). Freestanding: no library calls, no 64-bit division. */
#ifndef TP_FIXEDPOINT_H
#define TP_FIXEDPOINT_H

#include <stdint.h>

static inline int32_t tp_min32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t tp_max32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t tp_clamp32(int32_t x, int32_t lo, int32_t hi) { return x < lo ? lo : (x > hi ? hi : x); }

/* gemmlowp adds raw values with two's-complement wrap-around; signed overflow is undefined in C. */
static inline int32_t tp_add_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t tp_sub_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }

/* round(a*b / 2^31) with ties away from zero, saturating the single overflow case. */
static inline int32_t tp_srdhm(int32_t a, int32_t b)
{
    int64_t ab;
    int64_t t;
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    t = ab + (ab >= 0 ? (int64_t)(1 << 30) : (int64_t)(1 - (1 << 30)));
    /* Truncating division by 2^31 without a 64-bit divide (libgcc's is not available on every target). */
    if (t < 0) {
        t += ((int64_t)1 << 31) - 1;
    }
    return (int32_t)(t >> 31);
}

/* x / 2^exponent rounded to nearest, ties away from zero. */
static inline int32_t tp_rdbpot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)(((uint32_t)1 << exponent) - 1u);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLite MultiplyByQuantizedMultiplier: shift > 0 is a left shift applied before the multiply. */
static inline int32_t tp_mbqm(int32_t x, int32_t multiplier, int32_t shift)
{
    const int left = shift > 0 ? (int)shift : 0;
    const int right = shift > 0 ? 0 : (int)-shift;
    return tp_rdbpot(tp_srdhm((int32_t)((uint32_t)x << left), multiplier), right);
}

/* Saturating x * 2^exponent for 0 < exponent < 31 (gemmlowp SaturatingRoundingMultiplyByPOT, positive case). */
static inline int32_t tp_sat_shl(int32_t x, int exponent)
{
    const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << exponent);
}

static inline int tp_clz32(uint32_t x)
{
    int n = 0;
    if (x == 0) {
        return 32;
    }
    while ((x & 0x80000000u) == 0) {
        x <<= 1;
        n++;
    }
    return n;
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor expansion around -1/8. */
static inline int32_t tp_exp_on_interval_neg_quarter_0(int32_t a)
{
    const int32_t constant_term = 1895147668;  /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883;
    const int32_t x = tp_add_wrap(a, 1 << 28);
    const int32_t x2 = tp_srdhm(x, x);
    const int32_t x3 = tp_srdhm(x2, x);
    const int32_t x4 = tp_srdhm(x2, x2);
    const int32_t x4_over_4 = tp_rdbpot(x4, 2);
    const int32_t poly = tp_rdbpot(tp_add_wrap(tp_srdhm(tp_add_wrap(x4_over_4, x3), constant_1_over_3), x2), 1);
    return tp_add_wrap(constant_term, tp_srdhm(constant_term, tp_add_wrap(x, poly)));
}

/* exp(a) for a <= 0 given with int_bits integer bits; result in Q0.31 (gemmlowp exp_on_negative_values). */
static inline int32_t tp_exp_on_negative_values(int32_t a, int int_bits)
{
    static const int32_t barrel[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int frac_bits = 31 - int_bits;
    const int32_t one_quarter = (int32_t)1 << (frac_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_q_minus_q = tp_sub_wrap(a & mask, one_quarter);
    int32_t result = tp_exp_on_interval_neg_quarter_0(tp_sat_shl(a_mod_q_minus_q, int_bits));
    const int32_t remainder = tp_sub_wrap(a_mod_q_minus_q, a);
    int e;
    for (e = -2; e <= 4; e++) {
        if (int_bits > e) {
            const int shift = frac_bits + e;
            if (remainder & (int32_t)(1u << shift)) {
                result = tp_srdhm(result, barrel[e + 2]);
            }
        }
    }
    if (int_bits > 5) {
        const int32_t clamp = -((int32_t)1 << (36 - int_bits));
        if (a < clamp) {
            result = 0;
        }
    }
    if (a == 0) {
        result = INT32_MAX;
    }
    return result;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out: Newton-Raphson in Q2.29. */
static inline int32_t tp_one_over_one_plus_x(int32_t a)
{
    const int64_t sum = (int64_t)a + (int64_t)INT32_MAX;
    const int64_t sum_r = sum + (sum >= 0 ? 1 : -1);
    /* (sum_r / 2) truncating toward zero */
    const int32_t half_denominator = (int32_t)((sum_r < 0 ? sum_r + 1 : sum_r) >> 1);
    int32_t x = tp_add_wrap(1515870810, tp_srdhm(half_denominator, -1010580540));
    int i;
    for (i = 0; i < 3; i++) {
        const int32_t hdx = tp_srdhm(half_denominator, x);
        const int32_t one_minus = tp_sub_wrap((int32_t)1 << 29, hdx);
        x = tp_add_wrap(x, tp_sat_shl(tp_srdhm(x, one_minus), 2));
    }
    return tp_sat_shl(x, 1);
}

/* IEEE single division a / b, correctly rounded (nearest even), in integer arithmetic: the ARC EM FPU
 * has no divide and the ARC libgcc is not linkable bare-metal. b must be finite and nonzero; results
 * beyond the float range saturate to +-3.4e38, subnormal results flush to zero (callers round to int8). */
static inline float tp_fdiv(float a, float b)
{
    union {
        float f;
        uint32_t u;
    } ua, ub, ur;
    uint32_t sign, ma, mb, q, rem, mant;
    int32_t ea, eb, e;
    int i;
    ua.f = a;
    ub.f = b;
    sign = (ua.u ^ ub.u) & 0x80000000u;
    if ((ua.u & 0x7fffffffu) == 0) {
        ur.u = sign;
        return ur.f;
    }
    ea = (int32_t)((ua.u >> 23) & 0xffu);
    eb = (int32_t)((ub.u >> 23) & 0xffu);
    ma = ua.u & 0x7fffffu;
    mb = ub.u & 0x7fffffu;
    if (ea == 0) {
        ea = 1;
        while ((ma & 0x800000u) == 0) {
            ma <<= 1;
            ea--;
        }
    } else {
        ma |= 0x800000u;
    }
    if (eb == 0) {
        eb = 1;
        while ((mb & 0x800000u) == 0) {
            mb <<= 1;
            eb--;
        }
    } else {
        mb |= 0x800000u;
    }
    e = ea - eb + 127;
    if (ma < mb) {
        ma <<= 1;
        e--;
    }
    q = 0;
    rem = ma;
    for (i = 0; i < 26; i++) {
        q <<= 1;
        if (rem >= mb) {
            rem -= mb;
            q |= 1u;
        }
        rem <<= 1;
    }
    mant = q >> 2;
    if ((q & 2u) && ((q & 1u) || rem != 0 || (mant & 1u))) {
        mant++;
        if (mant == 0x1000000u) {
            mant >>= 1;
            e++;
        }
    }
    if (e >= 255) {
        ur.u = sign | 0x7f7fffffu;
    } else if (e <= 0) {
        ur.u = sign;
    } else {
        ur.u = sign | ((uint32_t)e << 23) | (mant & 0x7fffffu);
    }
    return ur.f;
}

#endif /* TP_FIXEDPOINT_H */
