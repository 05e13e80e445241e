/* Cortex-M4 DSP helpers for the *_cm4.c kernel variants: dual 16-bit MACs on sign-extended byte pairs, and an
 * exact requantization that costs a handful of instructions.
 *
 * On a core with the DSP extension (__ARM_FEATURE_DSP) these are the SXTB16/SXTAB16/SMLAD/SMLAxy
 * instructions; elsewhere the same arithmetic in C, so the variants also build and are tested on the host
 * (the randomized tests compare both builds with the portable kernels). */
#ifndef TP_CM4_H
#define TP_CM4_H

#include <stdint.h>

#include "tp_mem.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TP_CM4_DSP 1
#else
#define TP_CM4_DSP 0
#endif

/* Unaligned word load: the M4 does unaligned LDR, and memcpy of 4 bytes compiles to exactly that. */
static inline uint32_t tp_ld32(const int8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4); /* a builtin even under -ffreestanding */
    return v;
}

static inline void tp_st32(int8_t *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }

#if TP_CM4_DSP
/* The assembly kernels' 2 x 3 register tile: sums r3-r5 += r9 . (r11, r12, lr), r6-r8 += r10 . (r11, r12, lr)
 * (two filters' words against three pixels' or tiles' words, dual 16-bit products). */
#define TP_MAC_2X3                                                                                                    \
    "smlad r3, r9, r11, r3\n\t"                                                                                       \
    "smlad r4, r9, r12, r4\n\t"                                                                                       \
    "smlad r5, r9, lr, r5\n\t"                                                                                        \
    "smlad r6, r10, r11, r6\n\t"                                                                                      \
    "smlad r7, r10, r12, r7\n\t"                                                                                      \
    "smlad r8, r10, lr, r8\n\t"
/* Bytes 0 and 2 sign-extended to the halves of a word. */
static inline uint32_t tp_sxtb16(uint32_t x)
{
    uint32_t r;
    __asm("sxtb16 %0, %1" : "=r"(r) : "r"(x));
    return r;
}
/* Bytes 1 and 3. */
static inline uint32_t tp_sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
/* a + bytes 0 and 2 of x, per halfword (the input offset is added while unpacking). */
static inline uint32_t tp_sxtab16(uint32_t a, uint32_t x)
{
    uint32_t r;
    __asm("sxtab16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
static inline uint32_t tp_sxtab16_ror8(uint32_t a, uint32_t x)
{
    uint32_t r;
    __asm("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
/* acc + lo(a)*lo(b) + hi(a)*hi(b) */
static inline int32_t tp_smlad(uint32_t a, uint32_t b, int32_t acc)
{
    int32_t r;
    __asm("smlad %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
static inline int32_t tp_smlabb(uint32_t a, uint32_t b, int32_t acc)
{
    int32_t r;
    __asm("smlabb %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
static inline int32_t tp_smlatt(uint32_t a, uint32_t b, int32_t acc)
{
    int32_t r;
    __asm("smlatt %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
/* per 16-bit lane, modulo 2^16 */
static inline uint32_t tp_sadd16(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm("sadd16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline uint32_t tp_ssub16(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm("ssub16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
/* the bytes of each halfword swapped */
static inline uint32_t tp_rev16(uint32_t x)
{
    uint32_t r;
    __asm("rev16 %0, %1" : "=r"(r) : "r"(x));
    return r;
}
static inline int32_t tp_ssat8(int32_t x)
{
    int32_t r;
    __asm("ssat %0, #8, %1" : "=r"(r) : "r"(x));
    return r;
}
#else
static inline uint32_t tp_pack16(int32_t lo, int32_t hi) { return ((uint32_t)hi << 16) | ((uint32_t)lo & 0xFFFFu); }
static inline int32_t tp_lo16(uint32_t x) { return (int32_t)(int16_t)(x & 0xFFFFu); }
static inline int32_t tp_hi16(uint32_t x) { return (int32_t)(int16_t)(x >> 16); }
static inline uint32_t tp_sxtb16(uint32_t x) { return tp_pack16((int8_t)(x & 0xFFu), (int8_t)((x >> 16) & 0xFFu)); }
static inline uint32_t tp_sxtb16_ror8(uint32_t x) { return tp_sxtb16((x >> 8) | (x << 24)); }
static inline uint32_t tp_sxtab16(uint32_t a, uint32_t x)
{
    const uint32_t s = tp_sxtb16(x);
    return tp_pack16(tp_lo16(a) + tp_lo16(s), tp_hi16(a) + tp_hi16(s));
}
static inline uint32_t tp_sxtab16_ror8(uint32_t a, uint32_t x) { return tp_sxtab16(a, (x >> 8) | (x << 24)); }
/* The hardware accumulates modulo 2^32; so does this. */
static inline int32_t tp_smlad(uint32_t a, uint32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(tp_lo16(a) * tp_lo16(b)) + (uint32_t)(tp_hi16(a) * tp_hi16(b)));
}
static inline int32_t tp_smlabb(uint32_t a, uint32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(tp_lo16(a) * tp_lo16(b)));
}
static inline int32_t tp_smlatt(uint32_t a, uint32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(tp_hi16(a) * tp_hi16(b)));
}
static inline uint32_t tp_rev16(uint32_t x) { return ((x & 0x00FF00FFu) << 8) | ((x >> 8) & 0x00FF00FFu); }
static inline uint32_t tp_sadd16(uint32_t a, uint32_t b)
{
    return ((a + b) & 0xFFFFu) | ((a & 0xFFFF0000u) + (b & 0xFFFF0000u));
}
static inline uint32_t tp_ssub16(uint32_t a, uint32_t b)
{
    return ((a - b) & 0xFFFFu) | ((a & 0xFFFF0000u) - (b & 0xFFFF0000u));
}
static inline int32_t tp_ssat8(int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }
#endif

/* a 256-scaled sum (mod 2^32) shifted back down: arithmetic right shift by 8 */
static inline int32_t tp_asr8(uint32_t x) { return (int32_t)x >> 8; }

/* Both halves of a word set to the 16-bit value v (the input offset for SXTAB16). */
static inline uint32_t tp_dup16(int32_t v) { return ((uint32_t)v << 16) | ((uint32_t)v & 0xFFFFu); }

/* MultiplyByQuantizedMultiplier, bit-exact with tp_mbqm (TFLM's double rounding), cheaper:
 * SaturatingRoundingDoublingHighMul's "nudge, then truncate toward zero" is floor((a*b + 2^30) / 2^31) for
 * both signs (for a*b < 0 the nudge 1 - 2^30 plus the 2^31 - 1 truncation bias is 2^30), i.e. one SMLAL and
 * a funnel shift. The saturating case a == b == INT32_MIN cannot occur: multipliers are in [2^30, 2^31). */
static inline int32_t tp_requant(int32_t x, int32_t multiplier, int32_t shift)
{
    const int left = shift > 0 ? (int)shift : 0;
    const int right = shift > 0 ? 0 : (int)-shift;
    const int64_t ab = (int64_t)(int32_t)((uint32_t)x << left) * multiplier + ((int64_t)1 << 30);
    const int32_t hi = (int32_t)(ab >> 31);
    const int32_t mask = (int32_t)(((uint32_t)1 << right) - 1u);
    const int32_t threshold = (mask >> 1) + (hi < 0 ? 1 : 0);
    return (hi >> right) + ((hi & mask) > threshold ? 1 : 0);
}

/* requantize, add the output zero point, clamp to the activation range */
static inline int8_t tp_requant_out(int32_t acc, int32_t multiplier, int32_t shift, int32_t out_offset, int32_t lo,
                                    int32_t hi)
{
    int32_t v = tp_requant(acc, multiplier, shift) + out_offset;
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return (int8_t)v;
}


/* The same requantization folded into one SMLAL and one shift, for a channel whose multiplier m > 2^30 and
 * right shift rs in [2, 24] (every conv/FC channel of the reference models):
 *   t = floor((x*m + 2^30) / 2^31)                      (the doubling high multiply, see tp_requant)
 *   r = floor((t + 2^(rs-1) - [t < 0]) / 2^rs)          (rounding right shift, ties away from zero)
 * nest into r = floor((x*m + 2^30 + 2^(30+rs) - [t<0]*2^31) / 2^(31+rs)); with m > 2^30, t < 0 iff x < 0.
 * The addend's high word 2^(rs-2) - [x<0] also carries the output zero point (zp * 2^(rs-1) shifts out to zp)
 * and its low word is 2^30 | (x & 2^31): r + zp is then the high word of the SMLAL shifted right by rs - 1. */
typedef struct {
    int32_t m, hi, rs1, fast;
} tp_rq_t;

static inline void tp_rq_init(tp_rq_t *q, int32_t m, int32_t shift, int32_t zp)
{
    q->m = m;
    q->fast = m > (1 << 30) && shift <= -2 && shift >= -24;
    q->rs1 = q->fast ? -shift - 1 : 0;
    q->hi = q->fast ? (int32_t)((1u << (-shift - 2)) + (uint32_t)zp * (1u << (-shift - 1))) : 0;
}

/* How a layer's channels requantize in the kernels' register epilogues: TP_RQ_GENERAL (some channel has no
 * one-SMLAL form: tp_requant), TP_RQ_FAST (every channel tp_rq_init's fast form, the zero point in the high
 * word), or TP_RQ_ZADD: channels with tiny scales (right shift 25..31) cannot carry the zero point in the high
 * word (it would overflow there), so when a layer has any, all its channels take the constants without it
 * (tp_rq with zp = 0 is exact for every right shift in 2..31) and the zero point is added after the shift.
 * (Codegen gives scales below 2^-32 multiplier 0 and shift 0: those outputs are the zero point.) */
enum { TP_RQ_GENERAL, TP_RQ_FAST, TP_RQ_ZADD };

static inline int tp_rq_mode(const int32_t *mult, const int32_t *shift, int32_t n)
{
    int fast = 1, wide = 1;
    int32_t i;
    for (i = 0; i < n; i++) {
        fast &= mult[i] > (1 << 30) && shift[i] <= -2 && shift[i] >= -24;
        wide &= (mult[i] > (1 << 30) && shift[i] <= -2 && shift[i] >= -31) || (mult[i] == 0 && shift[i] == 0);
    }
    return fast ? TP_RQ_FAST : wide ? TP_RQ_ZADD : TP_RQ_GENERAL;
}

/* one channel's constants for the layer's mode (TP_RQ_ZADD: the zero point left out, added after the shift) */
static inline void tp_rq_for(tp_rq_t *q, int32_t m, int32_t shift, int32_t zp, int mode)
{
    tp_rq_init(q, m, shift, zp);
    if (mode == TP_RQ_ZADD) {
        const int dead = m == 0; /* high word 1 + (x >> 31), shifted right once: 0 */
        q->hi = dead ? 1 : (int32_t)(1u << (-shift - 2));
        q->rs1 = dead ? 1 : -shift - 1;
        q->fast = 1;
    }
}

/* requantized value plus the output zero point (fast channels only) */
static inline int32_t tp_rq(int32_t x, const tp_rq_t *q)
{
    uint32_t lo = ((uint32_t)x & 0x80000000u) | 0x40000000u;
    int32_t hi = q->hi + (x >> 31);
#if TP_CM4_DSP
    __asm("smlal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"(x), "r"(q->m));
#else
    {
        const uint64_t v = (((uint64_t)(uint32_t)hi << 32) | lo) + (uint64_t)((int64_t)x * q->m);
        hi = (int32_t)(uint32_t)(v >> 32);
    }
#endif
    return hi >> q->rs1;
}

static inline int8_t tp_rq_out(int32_t x, const tp_rq_t *q, int32_t shift, int32_t out_offset, int32_t lo, int32_t hi)
{
    int32_t v = q->fast ? tp_rq(x, q) : tp_requant(x, q->m, shift) + out_offset;
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return (int8_t)v;
}

#endif /* TP_CM4_H */
