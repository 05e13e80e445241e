/* DEPTHWISE_CONV_2D for Cortex-M4: same signature and results as tp_depthwise_conv_2d.c.
 *
 * With depth multiplier 1, four neighbouring channels are one word in both the NHWC input and the 1HWO
 * filter. Each tap loads one word of each, unpacks even/odd channels into 16-bit pairs (SXTAB16 adds the
 * input offset) and accumulates the four channels with SMLABB/SMLATT: 10 instructions per 4 MACs instead of a
 * load-multiply-add per byte. The valid tap range is computed once per pixel, so padding costs no tests in
 * the tap loop; a 3x3 window with all taps valid runs fully unrolled. Requantization follows in registers. */
#include "tp_cm4.h"
#include "tp_fixedpoint.h"
#include "tp_conv_ref.h"
#include "tp_runtime.h"

/* ---- depth multiplier 1, C % 4 == 0, with scratch: int16 row ring --------------------------------------------
 * The k_h input rows a row of outputs reads are kept unpacked in p->scratch, padded with zeros to Wp =
 * (out_w - 1) * stride_w + k_w pixels, the input offset added, grouped by 4 channels: for group g and padded
 * pixel x, the words [c+0, c+2] and [c+1, c+3] at ((g * Wp) + x) * 2 of the row's slot. The filter is unpacked
 * once per call the same way ((g * k_h*k_w + tap) * 2), so within a group every tap of a 3x3 window is at a
 * constant offset from three row pointers and the filter pointer: two LDRDs and four SMLAxy per tap, borders
 * included. Each input row is unpacked once, not once per tap. Rows enter the ring before any output row
 * overwrites them, so with stride 1 and equal shapes the output may be the input's buffer (planned in place).
 * Scratch bytes: 2*C*(k_h*Wp + k_h*k_w) + 16*C (the last part: per-channel bias and tp_rq constants). */
/* Every channel group of an input row's padded pixels [0, Wp), the valid ones [lo, hi) read from src (pixel lo's
 * channel 0): per group, the destination is sequential, so each pixel is one load, two unpacks and one
 * double-word store. The few padding words are stored one by one (no memset call per group). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
__attribute__((noinline)) static void unpack_row(const int8_t *src, int32_t C, uint32_t *d, int32_t Wp, int32_t lo,
                                                 int32_t hi, uint32_t off2)
{
    int32_t c;
    for (c = 0; c < C; c += 4, src += 4, d += 2 * Wp) {
        const int8_t *s = src;
        uint32_t *o = d;
        int32_t n;
        for (n = 0; n < lo; n++, o += 2) o[0] = o[1] = 0;
        n = hi - lo;
#if TP_CM4_DSP
        /* four pixels a turn: 19 instructions (the compiler's loop stores word by word, 7.5 per pixel) */
        for (; n >= 4; n -= 4) {
            uint32_t v0, v1, v2, v3, e0, e1;
            __asm volatile("ldr %[v0], [%[s]]\n\t"
                           "ldr %[v1], [%[s], %[c]]\n\t"
                           "add %[s], %[s], %[c], lsl #1\n\t"
                           "ldr %[v2], [%[s]]\n\t"
                           "ldr %[v3], [%[s], %[c]]\n\t"
                           "add %[s], %[s], %[c], lsl #1\n\t"
                           "sxtab16 %[e0], %[off], %[v0]\n\t"
                           "sxtab16 %[v0], %[off], %[v0], ror #8\n\t"
                           "sxtab16 %[e1], %[off], %[v1]\n\t"
                           "sxtab16 %[v1], %[off], %[v1], ror #8\n\t"
                           "strd %[e0], %[v0], [%[o]]\n\t"
                           "strd %[e1], %[v1], [%[o], #8]\n\t"
                           "sxtab16 %[e0], %[off], %[v2]\n\t"
                           "sxtab16 %[v2], %[off], %[v2], ror #8\n\t"
                           "sxtab16 %[e1], %[off], %[v3]\n\t"
                           "sxtab16 %[v3], %[off], %[v3], ror #8\n\t"
                           "strd %[e0], %[v2], [%[o], #16]\n\t"
                           "strd %[e1], %[v3], [%[o], #24]\n\t"
                           "add %[o], %[o], #32\n\t"
                           : [v0] "=&r"(v0), [v1] "=&r"(v1), [v2] "=&r"(v2), [v3] "=&r"(v3), [e0] "=&r"(e0),
                             [e1] "=&r"(e1), [s] "+r"(s), [o] "+r"(o)
                           : [c] "r"(C), [off] "r"(off2)
                           : "memory");
        }
#endif
        for (; n >= 2; n -= 2, s += 2 * C, o += 4) {
            const uint32_t v0 = tp_ld32(s), v1 = tp_ld32(s + C);
            o[0] = tp_sxtab16(off2, v0);
            o[1] = tp_sxtab16_ror8(off2, v0);
            o[2] = tp_sxtab16(off2, v1);
            o[3] = tp_sxtab16_ror8(off2, v1);
        }
        if (n) {
            const uint32_t v0 = tp_ld32(s);
            o[0] = tp_sxtab16(off2, v0);
            o[1] = tp_sxtab16_ror8(off2, v0);
            o += 2;
        }
        for (n = hi; n < Wp; n++, o += 2) o[0] = o[1] = 0;
    }
}

static void load_row(const tp_conv_params_t *p, const int8_t *in_b, int32_t y, uint32_t *dst, int32_t Wp,
                     uint32_t off2)
{
    const int32_t C = p->in_c, lo = p->pad_w < Wp ? p->pad_w : Wp;
    const int32_t hi = p->pad_w + p->in_w < Wp ? p->pad_w + p->in_w : Wp;
    if (y < 0 || y >= p->in_h || hi <= lo) {
        unpack_row(in_b, C, dst, Wp, Wp, Wp, off2);
        return;
    }
    unpack_row(in_b + y * p->in_w * C + (lo - p->pad_w) * C, C, dst, Wp, lo, hi, off2);
}

#define TAP2(xw, ww)                                                                                               \
    do {                                                                                                           \
        const uint32_t xe = (xw)[0], xo = (xw)[1], we = (ww)[0], wo = (ww)[1];                                     \
        a0 = tp_smlabb(xe, we, a0);                                                                                \
        a2 = tp_smlatt(xe, we, a2);                                                                                \
        a1 = tp_smlabb(xo, wo, a1);                                                                                \
        a3 = tp_smlatt(xo, wo, a3);                                                                                \
    } while (0)

static inline int32_t clampi(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* Per channel group, the ring path keeps one block of BLK words in scratch: the 9 taps' unpacked filter words
 * (tap t: even pair at 2t, odd pair at 2t + 1), the 4 biases, then (m, hi) of tp_rq for channels c..c+3, then
 * their rs1: every constant of the group's output loop at a fixed offset from one pointer. */
#define BLK 34
#define BLK_BIAS 18
#define BLK_MHI 22
#define BLK_RS 30

typedef struct {
    const uint32_t *r0, *r1, *r2; /* group 0's first padded pixel in the window's three ring rows */
    const uint32_t *blk;
    int8_t *out;
    int32_t n, step, C;   /* outputs, row-pointer step in bytes, output pixel stride in bytes */
    int32_t gadj, oadj;   /* after a group's n outputs: to the next group's rows, to its first output */
    int32_t groups;
} dw_args_t;

#if TP_CM4_DSP
/* 3x3, one-SMLAL requantization of every channel, activation range [-128, 127]: the output loop with every
 * operand at a constant offset, 14 registers, no spills: 6 instructions per tap (2 LDRD, 4 SMLAxy), 9 per
 * channel's requantization and store. */
#define DW_TAP(r, xo, wo)                                                                                          \
    "ldrd r8, r9, [" r ", #" #xo "]\n\t"                                                                           \
    "ldrd r10, r11, [r3, #" #wo "]\n\t"                                                                            \
    "smlabb r4, r8, r10, r4\n\t"                                                                                   \
    "smlatt r6, r8, r10, r6\n\t"                                                                                   \
    "smlabb r5, r9, r11, r5\n\t"                                                                                   \
    "smlatt r7, r9, r11, r7\n\t"
#define DW_REQ(a, mhi, rs, o)                                                                                      \
    "ldrd r10, r9, [r3, #" #mhi "]\n\t"                                                                            \
    "and r8, " a ", #0x80000000\n\t"                                                                               \
    "orr r8, r8, #0x40000000\n\t"                                                                                  \
    "add r9, r9, " a ", asr #31\n\t"                                                                               \
    "smlal r8, r9, " a ", r10\n\t"                                                                                 \
    "ldr r11, [r3, #" #rs "]\n\t"                                                                                  \
    "asr r9, r9, r11\n\t"                                                                                          \
    "ssat r9, #8, r9\n\t"                                                                                          \
    "strb r9, [r12, #" #o "]\n\t"
/* Every channel group of one output row in one call: the group loop's state lives in the frame
 * ([sp] step, C; [sp, #8] gadj, oadj; [sp, #16] n, groups left), the pixel loop keeps all 14 registers. */
__attribute__((naked, noinline)) static void dw3x3_row_sat(__attribute__((unused)) const dw_args_t *a)
{
    __asm volatile(
        "push {r4-r11, lr}\n\t"
        "sub sp, sp, #24\n\t"
        "ldrd r8, r9, [r0, #24]\n\t"
        "strd r8, r9, [sp]\n\t"
        "ldrd r8, r9, [r0, #32]\n\t"
        "strd r8, r9, [sp, #8]\n\t"
        "ldr r8, [r0, #20]\n\t"
        "ldr r9, [r0, #40]\n\t"
        "strd r8, r9, [sp, #16]\n\t"
        "ldr r12, [r0, #16]\n\t"
        "ldr r3, [r0, #12]\n\t"
        "ldrd r1, r2, [r0, #4]\n\t"
        "ldr r0, [r0]\n\t"
        "0:\n\t"
        "ldr lr, [sp, #16]\n\t"
        "1:\n\t"
        "ldrd r4, r5, [r3, #72]\n\t"
        "ldrd r6, r7, [r3, #80]\n\t"
        DW_TAP("r0", 0, 0) DW_TAP("r0", 8, 8) DW_TAP("r0", 16, 16)
        DW_TAP("r1", 0, 24) DW_TAP("r1", 8, 32) DW_TAP("r1", 16, 40)
        DW_TAP("r2", 0, 48) DW_TAP("r2", 8, 56) DW_TAP("r2", 16, 64)
        DW_REQ("r4", 88, 120, 0) DW_REQ("r5", 96, 124, 1) DW_REQ("r6", 104, 128, 2) DW_REQ("r7", 112, 132, 3)
        "ldrd r8, r9, [sp]\n\t"
        "add r0, r0, r8\n\t"
        "add r1, r1, r8\n\t"
        "add r2, r2, r8\n\t"
        "add r12, r12, r9\n\t"
        "subs lr, lr, #1\n\t"
        "bne 1b\n\t"
        "ldrd r8, r9, [sp, #8]\n\t"
        "add r0, r0, r8\n\t"
        "add r1, r1, r8\n\t"
        "add r2, r2, r8\n\t"
        "add r12, r12, r9\n\t"
        "add r3, r3, #136\n\t"
        "ldr r10, [sp, #20]\n\t"
        "subs r10, r10, #1\n\t"
        "str r10, [sp, #20]\n\t"
        "bne 0b\n\t"
        "add sp, sp, #24\n\t"
        "pop {r4-r11, pc}\n\t");
}
#endif

/* One output row, channel group g (channels c..c+3): rows[] point at the group's first padded pixel. */
__attribute__((noinline)) static void dw_row_group(const tp_conv_params_t *p, const uint32_t *const *rows,
                                                   const uint32_t *blk, int32_t c, int all_fast, const int32_t *mult,
                                                   const int32_t *shift, int8_t *out)
{
    const int32_t C = p->in_c, kh = p->k_h, kw = p->k_w, step = 2 * p->stride_w, n = p->out_w;
    const int32_t oo = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int32_t *bq = (const int32_t *)blk;
    const int32_t *rq = bq + BLK_MHI, *rs = bq + BLK_RS;
    const uint32_t *w = blk;
    const uint32_t *r0 = rows[0], *r1 = rows[kh > 1 ? 1 : 0], *r2 = rows[kh > 2 ? 2 : 0];
    int32_t ox;
    out += c;
    for (ox = 0; ox < n; ox++, out += C, r0 += step, r1 += step, r2 += step) {
        int32_t a0 = bq[BLK_BIAS], a1 = bq[BLK_BIAS + 1], a2 = bq[BLK_BIAS + 2], a3 = bq[BLK_BIAS + 3];
        if (kh == 3 && kw == 3) {
            TAP2(r0, w);
            TAP2(r0 + 2, w + 2);
            TAP2(r0 + 4, w + 4);
            TAP2(r1, w + 6);
            TAP2(r1 + 2, w + 8);
            TAP2(r1 + 4, w + 10);
            TAP2(r2, w + 12);
            TAP2(r2 + 2, w + 14);
            TAP2(r2 + 4, w + 16);
        } else {
            int32_t ky, kx;
            for (ky = 0; ky < kh; ky++) {
                const uint32_t *r = rows[ky] + ox * step, *wk = w + 2 * ky * kw;
                for (kx = 0; kx < kw; kx++) TAP2(r + 2 * kx, wk + 2 * kx);
            }
        }
        if (all_fast) {
            tp_rq_t q;
            q.m = rq[0], q.hi = rq[1], q.rs1 = rs[0];
            out[0] = (int8_t)clampi(tp_rq(a0, &q), lo, hi);
            q.m = rq[2], q.hi = rq[3], q.rs1 = rs[1];
            out[1] = (int8_t)clampi(tp_rq(a1, &q), lo, hi);
            q.m = rq[4], q.hi = rq[5], q.rs1 = rs[2];
            out[2] = (int8_t)clampi(tp_rq(a2, &q), lo, hi);
            q.m = rq[6], q.hi = rq[7], q.rs1 = rs[3];
            out[3] = (int8_t)clampi(tp_rq(a3, &q), lo, hi);
        } else {
            out[0] = tp_requant_out(a0, mult[c], shift[c], oo, lo, hi);
            out[1] = tp_requant_out(a1, mult[c + 1], shift[c + 1], oo, lo, hi);
            out[2] = tp_requant_out(a2, mult[c + 2], shift[c + 2], oo, lo, hi);
            out[3] = tp_requant_out(a3, mult[c + 3], shift[c + 3], oo, lo, hi);
        }
    }
}

static void dw_ring(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                    const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t C = p->in_c, kh = p->k_h, kw = p->k_w, taps = kh * kw;
    const int32_t Wp = (p->out_w - 1) * p->stride_w + kw, slotwords = Wp * (C >> 1);
    const uint32_t off2 = tp_dup16(p->input_offset);
    uint32_t *ring = (uint32_t *)(void *)p->scratch;
    uint32_t *blocks = ring + kh * slotwords;
    int32_t b, oy, c, t, all_fast = 1;
    for (c = 0; c < C; c += 4) {
        uint32_t *blk = blocks + (c >> 2) * BLK;
        int32_t *bq = (int32_t *)blk;
        for (t = 0; t < taps; t++) {
            const uint32_t v = tp_ld32(filter + t * C + c);
            blk[2 * t] = tp_sxtb16(v);
            blk[2 * t + 1] = tp_sxtb16_ror8(v);
        }
        for (t = 0; t < 4; t++) {
            tp_rq_t q;
            tp_rq_init(&q, mult[c + t], shift[c + t], p->output_offset);
            all_fast &= q.fast;
            bq[BLK_BIAS + t] = bias ? bias[c + t] : 0;
            bq[BLK_MHI + 2 * t] = q.m;
            bq[BLK_MHI + 2 * t + 1] = q.hi;
            bq[BLK_RS + t] = q.rs1;
        }
    }
    for (b = 0; b < p->batches; b++) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * C;
        int8_t *out_b = output + b * p->out_h * p->out_w * C;
        int32_t next = -p->pad_h; /* next input row to unpack */
        for (oy = 0; oy < p->out_h; oy++) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            const uint32_t *rows[16];
            int32_t ky;
            if (next < y0) next = y0;
            for (; next < y0 + kh; next++) {
                load_row(p, in_b, next, ring + ((next + p->pad_h) % kh) * slotwords, Wp, off2);
            }
#if TP_CM4_DSP
            if (all_fast && kh == 3 && kw == 3 && p->act_min == -128 && p->act_max == 127) {
                dw_args_t a;
                a.r0 = ring + ((y0 + p->pad_h) % kh) * slotwords;
                a.r1 = ring + ((y0 + 1 + p->pad_h) % kh) * slotwords;
                a.r2 = ring + ((y0 + 2 + p->pad_h) % kh) * slotwords;
                a.blk = blocks, a.out = out_b + oy * p->out_w * C, a.n = p->out_w, a.step = 8 * p->stride_w;
                a.C = C, a.gadj = 8 * Wp - p->out_w * a.step, a.oadj = 4 - p->out_w * C, a.groups = C >> 2;
                if (a.n > 0 && a.groups > 0) dw3x3_row_sat(&a);
                continue;
            }
#endif
            for (c = 0; c < C; c += 4) {
                for (ky = 0; ky < kh; ky++) rows[ky] = ring + ((y0 + ky + p->pad_h) % kh) * slotwords + (c >> 2) * 2 * Wp;
                dw_row_group(p, rows, blocks + (c >> 2) * BLK, c, all_fast, mult, shift, out_b + oy * p->out_w * C);
            }
        }
    }
}

#define TAP(xp, wp)                                                                                                \
    do {                                                                                                           \
        const uint32_t xv = tp_ld32(xp), wv = tp_ld32(wp);                                                         \
        const uint32_t xe = tp_sxtab16(off2, xv), xo = tp_sxtab16_ror8(off2, xv);                                  \
        const uint32_t we = tp_sxtb16(wv), wo = tp_sxtb16_ror8(wv);                                                \
        a0 = tp_smlabb(xe, we, a0);                                                                                \
        a2 = tp_smlatt(xe, we, a2);                                                                                \
        a1 = tp_smlabb(xo, wo, a1);                                                                                \
        a3 = tp_smlatt(xo, wo, a3);                                                                                \
    } while (0)

/* n taps of one channel group along one line of the window: x steps by stride bytes, the filter words come
 * unpacked (even pair, odd pair per tap). Out of line so the loop keeps everything in registers. */
__attribute__((noinline)) static void dw_taps(const int8_t *x, int32_t stride, const uint32_t *wu, int32_t n,
                                              uint32_t off2, int32_t *acc)
{
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    for (; n > 0; n--, x += stride, wu += 2) {
        const uint32_t xv = tp_ld32(x);
        const uint32_t xe = tp_sxtab16(off2, xv), xo = tp_sxtab16_ror8(off2, xv);
        a0 = tp_smlabb(xe, wu[0], a0);
        a2 = tp_smlatt(xe, wu[0], a2);
        a1 = tp_smlabb(xo, wu[1], a1);
        a3 = tp_smlatt(xo, wu[1], a3);
    }
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}

#define DW_MAX_TAPS 64

#if TP_CM4_DSP
/* Kernels one tap wide without padding (k x 1 along time): per channel group and output column, every output in
 * one call. Constants at fixed offsets from blk: biases 0, (m, hi) of tp_rq 16, rs1 48, unpacked filter 64
 * (even pair, odd pair per tap); 10 instructions a tap, one-SMLAL requantization, activation range
 * [-128, 127]. The loop's cursors live in the argument block (lr points at it). */
typedef struct {
    const int8_t *src; /* the group's channel c in the first output's first input row */
    const uint32_t *blk;
    int8_t *out;
    int32_t n, k, row;  /* outputs, taps, input row bytes */
    int32_t sstep, ostep; /* input and output bytes from one output to the next */
    uint32_t off2;
} dw_col_args_t;

__attribute__((naked, noinline)) static void dw_col_sat(__attribute__((unused)) dw_col_args_t *a)
{
    __asm volatile(
        "push {r4-r11, lr}\n\t"
        "mov lr, r0\n\t"
        "ldr r3, [lr, #20]\n\t"
        "ldr r12, [lr, #32]\n\t"
        "1:\n\t"
        "ldrd r0, r1, [lr]\n\t"
        "ldr r2, [lr, #16]\n\t"
        "ldrd r4, r5, [r1]\n\t"
        "ldrd r6, r7, [r1, #8]\n\t"
        "add r1, r1, #64\n\t"
        "2:\n\t"
        "ldr r8, [r0]\n\t"
        "add r0, r0, r3\n\t"
        "sxtab16 r9, r12, r8\n\t"
        "sxtab16 r8, r12, r8, ror #8\n\t"
        "ldrd r10, r11, [r1], #8\n\t"
        "smlabb r4, r9, r10, r4\n\t"
        "smlatt r6, r9, r10, r6\n\t"
        "smlabb r5, r8, r11, r5\n\t"
        "smlatt r7, r8, r11, r7\n\t"
        "subs r2, r2, #1\n\t"
        "bne 2b\n\t"
        "ldr r0, [lr, #4]\n\t"
        "ldr r1, [lr, #8]\n\t"
        "ldrd r10, r9, [r0, #16]\n\t"
        "and r8, r4, #0x80000000\n\t"
        "orr r8, r8, #0x40000000\n\t"
        "add r9, r9, r4, asr #31\n\t"
        "smlal r8, r9, r4, r10\n\t"
        "ldr r11, [r0, #48]\n\t"
        "asr r9, r9, r11\n\t"
        "ssat r9, #8, r9\n\t"
        "strb r9, [r1, #0]\n\t"
        "ldrd r10, r9, [r0, #24]\n\t"
        "and r8, r5, #0x80000000\n\t"
        "orr r8, r8, #0x40000000\n\t"
        "add r9, r9, r5, asr #31\n\t"
        "smlal r8, r9, r5, r10\n\t"
        "ldr r11, [r0, #52]\n\t"
        "asr r9, r9, r11\n\t"
        "ssat r9, #8, r9\n\t"
        "strb r9, [r1, #1]\n\t"
        "ldrd r10, r9, [r0, #32]\n\t"
        "and r8, r6, #0x80000000\n\t"
        "orr r8, r8, #0x40000000\n\t"
        "add r9, r9, r6, asr #31\n\t"
        "smlal r8, r9, r6, r10\n\t"
        "ldr r11, [r0, #56]\n\t"
        "asr r9, r9, r11\n\t"
        "ssat r9, #8, r9\n\t"
        "strb r9, [r1, #2]\n\t"
        "ldrd r10, r9, [r0, #40]\n\t"
        "and r8, r7, #0x80000000\n\t"
        "orr r8, r8, #0x40000000\n\t"
        "add r9, r9, r7, asr #31\n\t"
        "smlal r8, r9, r7, r10\n\t"
        "ldr r11, [r0, #60]\n\t"
        "asr r9, r9, r11\n\t"
        "ssat r9, #8, r9\n\t"
        "strb r9, [r1, #3]\n\t"
        "ldrd r8, r9, [lr, #24]\n\t"
        "ldr r0, [lr]\n\t"
        "add r0, r0, r8\n\t"
        "add r1, r1, r9\n\t"
        "str r0, [lr]\n\t"
        "str r1, [lr, #8]\n\t"
        "ldr r2, [lr, #12]\n\t"
        "subs r2, r2, #1\n\t"
        "str r2, [lr, #12]\n\t"
        "bne 1b\n\t"
        "pop {r4-r11, pc}\n\t");
}
#endif

/* Kernels one tap wide (1-D, e.g. k x 1 along time): every output of one channel group, the group's constants
 * (unpacked filter, biases, one-SMLAL requantization) set up once by the caller. */
__attribute__((noinline)) static void dw_column_group(const tp_conv_params_t *p, const int8_t *in_b, int8_t *out_b,
                                                      int32_t c, const uint32_t *wu, const int32_t *b4,
                                                      const tp_rq_t *q)
{
    const int32_t C = p->in_c, row = p->in_w * C, lo = p->act_min, hi = p->act_max;
    const uint32_t off2 = tp_dup16(p->input_offset);
    int32_t oy, ox;
    int8_t *out = out_b + c;
    for (oy = 0; oy < p->out_h; oy++) {
        const int32_t y0 = oy * p->stride_h - p->pad_h;
        const int32_t ky_lo = y0 < 0 ? -y0 : 0;
        const int32_t ky_hi = p->in_h - y0 < p->k_h ? p->in_h - y0 : p->k_h;
        for (ox = 0; ox < p->out_w; ox++, out += C) {
            const int32_t x = ox * p->stride_w - p->pad_w;
            int32_t acc[4];
            acc[0] = b4[0], acc[1] = b4[1], acc[2] = b4[2], acc[3] = b4[3];
            if (x >= 0 && x < p->in_w && ky_hi > ky_lo) {
                dw_taps(in_b + (y0 + ky_lo) * row + x * C + c, row, wu + 2 * ky_lo, ky_hi - ky_lo, off2, acc);
            }
            out[0] = (int8_t)clampi(tp_rq(acc[0], &q[0]), lo, hi);
            out[1] = (int8_t)clampi(tp_rq(acc[1], &q[1]), lo, hi);
            out[2] = (int8_t)clampi(tp_rq(acc[2], &q[2]), lo, hi);
            out[3] = (int8_t)clampi(tp_rq(acc[3], &q[3]), lo, hi);
        }
    }
}

void tp_depthwise_conv_2d_s8(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter,
                             const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t C = p->in_c, row = p->in_w * C, wrow = p->k_w * C;
    const uint32_t off2 = tp_dup16(p->input_offset);
    const int32_t oo = p->output_offset, lo = p->act_min, hi = p->act_max;
    int32_t b, oy, ox, c;
    if (p->depth_multiplier != 1 || p->dil_h != 1 || p->dil_w != 1 || (C & 3)) {
        tp_depthwise_conv_2d_ref(p, input, filter, bias, mult, shift, output);
        return;
    }
    if (p->scratch && p->k_h == 3 && p->k_w == 3) {
        dw_ring(p, input, filter, bias, mult, shift, output);
        return;
    }
    /* channel groups outermost: the group's requantization constants are set up once, not once per pixel */
    for (b = 0; b < p->batches; b++) {
        const int8_t *in_b = input + b * p->in_h * row;
        for (c = 0; c < C; c += 4) {
            const int32_t b0 = bias ? bias[c] : 0, b1 = bias ? bias[c + 1] : 0;
            const int32_t b2 = bias ? bias[c + 2] : 0, b3 = bias ? bias[c + 3] : 0;
            tp_rq_t q[4];
            uint32_t wu[2 * DW_MAX_TAPS];
            const int32_t taps = p->k_h * p->k_w;
            int32_t t, fast = 1;
            for (t = 0; t < 4; t++) {
                tp_rq_init(&q[t], mult[c + t], shift[c + t], oo);
                fast &= q[t].fast;
            }
            for (t = 0; t < taps && taps <= DW_MAX_TAPS; t++) {
                const uint32_t v = tp_ld32(filter + t * C + c);
                wu[2 * t] = tp_sxtb16(v);
                wu[2 * t + 1] = tp_sxtb16_ror8(v);
            }
#if TP_CM4_DSP
            if (fast && p->k_w == 1 && taps <= DW_MAX_TAPS && p->pad_h == 0 && p->pad_w == 0 && lo == -128 &&
                hi == 127 && p->out_h > 0) {
                uint32_t blk[16 + 2 * DW_MAX_TAPS];
                dw_col_args_t a;
                blk[0] = (uint32_t)b0, blk[1] = (uint32_t)b1, blk[2] = (uint32_t)b2, blk[3] = (uint32_t)b3;
                for (t = 0; t < 4; t++) {
                    blk[4 + 2 * t] = (uint32_t)q[t].m;
                    blk[5 + 2 * t] = (uint32_t)q[t].hi;
                    blk[12 + t] = (uint32_t)q[t].rs1;
                }
                for (t = 0; t < 2 * taps; t++) blk[16 + t] = wu[t];
                for (ox = 0; ox < p->out_w; ox++) {
                    a.src = in_b + ox * p->stride_w * C + c, a.blk = blk;
                    a.out = output + (b * p->out_h * p->out_w + ox) * C + c;
                    a.n = p->out_h, a.k = taps, a.row = row, a.sstep = p->stride_h * row, a.ostep = p->out_w * C;
                    a.off2 = off2;
                    dw_col_sat(&a);
                }
                continue;
            }
#endif
            if (fast && p->k_w == 1 && taps <= DW_MAX_TAPS) {
                const int32_t b4[4] = {b0, b1, b2, b3};
                dw_column_group(p, in_b, output + b * p->out_h * p->out_w * C, c, wu, b4, q);
                continue;
            }
            for (oy = 0; oy < p->out_h; oy++) {
                const int32_t y0 = oy * p->stride_h - p->pad_h;
                const int32_t ky_lo = y0 < 0 ? -y0 : 0;
                const int32_t ky_hi = p->in_h - y0 < p->k_h ? p->in_h - y0 : p->k_h;
                for (ox = 0; ox < p->out_w; ox++) {
                    const int32_t x0 = ox * p->stride_w - p->pad_w;
                    const int32_t kx_lo = x0 < 0 ? -x0 : 0;
                    const int32_t kx_hi = p->in_w - x0 < p->k_w ? p->in_w - x0 : p->k_w;
                    const int full3 =
                        p->k_h == 3 && p->k_w == 3 && ky_lo == 0 && kx_lo == 0 && ky_hi == 3 && kx_hi == 3;
                    const int8_t *in_px = in_b + y0 * row + x0 * C;
                    int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * C;
                    int32_t a0 = b0, a1 = b1, a2 = b2, a3 = b3;
                    if (full3) {
                        const int8_t *x = in_px + c, *w = filter + c;
                        TAP(x, w);
                        TAP(x + C, w + C);
                        TAP(x + 2 * C, w + 2 * C);
                        TAP(x + row, w + wrow);
                        TAP(x + row + C, w + wrow + C);
                        TAP(x + row + 2 * C, w + wrow + 2 * C);
                        TAP(x + 2 * row, w + 2 * wrow);
                        TAP(x + 2 * row + C, w + 2 * wrow + C);
                        TAP(x + 2 * row + 2 * C, w + 2 * wrow + 2 * C);
                    } else if (taps <= DW_MAX_TAPS) {
                        int32_t acc[4], ky;
                        acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
                        if (p->k_w == 1) { /* one column: every valid tap in one call */
                            if (ky_hi > ky_lo && kx_hi > kx_lo) {
                                dw_taps(in_px + ky_lo * row + c, row, wu + 2 * ky_lo, ky_hi - ky_lo, off2, acc);
                            }
                        } else if (kx_hi > kx_lo) {
                            for (ky = ky_lo; ky < ky_hi; ky++) {
                                dw_taps(in_px + ky * row + kx_lo * C + c, C, wu + 2 * (ky * p->k_w + kx_lo),
                                        kx_hi - kx_lo, off2, acc);
                            }
                        }
                        a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
                    } else {
                        int32_t ky, kx;
                        for (ky = ky_lo; ky < ky_hi; ky++) {
                            for (kx = kx_lo; kx < kx_hi; kx++) {
                                TAP(in_px + ky * row + kx * C + c, filter + ky * wrow + kx * C + c);
                            }
                        }
                    }
                    /* even/odd unpacking put channels c, c+2 in a0, a2 and c+1, c+3 in a1, a3 */
                    if (fast) {
                        out[c] = (int8_t)clampi(tp_rq(a0, &q[0]), lo, hi);
                        out[c + 1] = (int8_t)clampi(tp_rq(a1, &q[1]), lo, hi);
                        out[c + 2] = (int8_t)clampi(tp_rq(a2, &q[2]), lo, hi);
                        out[c + 3] = (int8_t)clampi(tp_rq(a3, &q[3]), lo, hi);
                    } else {
                        out[c] = tp_requant_out(a0, mult[c], shift[c], oo, lo, hi);
                        out[c + 1] = tp_requant_out(a1, mult[c + 1], shift[c + 1], oo, lo, hi);
                        out[c + 2] = tp_requant_out(a2, mult[c + 2], shift[c + 2], oo, lo, hi);
                        out[c + 3] = tp_requant_out(a3, mult[c + 3], shift[c + 3], oo, lo, hi);
                    }
                }
            }
        }
    }
}
