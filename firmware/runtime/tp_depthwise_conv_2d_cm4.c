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

/* ---- 3x3, depth multiplier 1, C % 4 == 0, stride 1 along a line: int16 pair ring, 2 MACs per SMLAD ---------
 * A "line" is an output row (stride_w 1 or 2) or, when stride_h == 1 and the outputs are taller than wide (or
 * stride_w != 1), an output column: the kernel walks the longer side; at least 8 outputs a line (shorter lines
 * keep the row ring below); stride 2 along the line: see pr2_line_sat. Per channel group of 4 (outermost loop)
 * the 3 input lines an output line reads are kept unpacked in a ring of 3 slots: word k of channel j in slot
 * q holds padded line pixels 2k, 2k+1 of that channel (input offset added) at word ((k * 3 + q) * 4 + j).
 * Four outputs t..t+3 along the line read words k..k+2 (t = 2k) of each slot: per filter row, 2 SMLAD with
 * (w0, w1) and (w1, w2) and 4 SMLAxy with (w0, w2), 8 instructions for 12 MACs. Input line i sits in slot
 * i % 3, so output line o's filter rows are rotated by (o * stride) % 3: after the ring, 3 rotations x 4
 * channels of 13-word blocks: [0] bias, [1] H, [2] m, [3] rs, [4 + 3q..] the (w0,w1), (w1,w2), (w0,w2) pairs
 * of the filter row in slot q. A group whose channels all take the one-SMLAL requantization, with activation
 * range [-128, 127] and small bias, runs doubled: weights and bias times 2, then one SMMLAR does the rounding
 * multiply (H = 2 * tp_rq's hi, rs = its rs1 + 1); other groups keep plain values and requantize in C.
 * Scratch bytes: 48 * Kp + 624 with Kp = 2 * ceil(n / 4) + 1 words a line (stride 2 along it: n + 1), n the
 * outputs along a line. */
#define PR_BLK 13

static inline uint32_t pr_pack(int32_t lo, int32_t hi) { return ((uint32_t)hi << 16) | ((uint32_t)lo & 0xFFFFu); }
static inline uint32_t pr_pkhbt(uint32_t a, uint32_t b) { return (a & 0xFFFFu) | (b << 16); }
static inline uint32_t pr_pkhtb(uint32_t a, uint32_t b) { return (a & 0xFFFF0000u) | (b >> 16); }

typedef struct {
    const uint32_t *ring; /* slot 0, word 0, channel 0 of the group */
    const int32_t *blk;   /* the line's rotation, channel 0 */
    int8_t *out;          /* the line's first output, channel 0 of the group */
    int32_t passes, tail; /* 4-output passes, then the tail's outputs (0..3) */
    int32_t ostride;      /* output bytes from one output to the next along the line */
} pr_args_t;

/* n words of a line's interior (both pixels valid) from s, every ps bytes, into o: about 19 cycles a word. */
#if TP_CM4_DSP
__attribute__((naked, noinline)) static void pr_unpack_run(__attribute__((unused)) const int8_t *s,
                                                           __attribute__((unused)) int32_t ps,
                                                           __attribute__((unused)) uint32_t *o,
                                                           __attribute__((unused)) int32_t n,
                                                           __attribute__((unused)) uint32_t off2)
{
    __asm volatile(
        "ldr r12, [sp]\n\t"
        "push {r4-r11, lr}\n\t"
        "add r9, r1, r1, lsl #1\n\t"
        "subs r3, r3, #2\n\t"
        "blt 2f\n\t"
        /* two words a turn: one chain of 4 loads, one loop test */
        "3:\n\t"
        "ldr r4, [r0]\n\t"
        "ldr r6, [r0, r1]\n\t"
        "ldr r10, [r0, r1, lsl #1]\n\t"
        "ldr r11, [r0, r9]\n\t"
        "add r0, r0, r1, lsl #2\n\t"
        "sxtab16 r5, r12, r4\n\t"
        "sxtab16 r8, r12, r4, ror #8\n\t"
        "sxtab16 r7, r12, r6\n\t"
        "sxtab16 lr, r12, r6, ror #8\n\t"
        "pkhbt r4, r5, r7, lsl #16\n\t"
        "pkhtb r6, r7, r5, asr #16\n\t"
        "pkhbt r5, r8, lr, lsl #16\n\t"
        "pkhtb r7, lr, r8, asr #16\n\t"
        "stm r2, {r4-r7}\n\t"
        "sxtab16 r5, r12, r10\n\t"
        "sxtab16 r8, r12, r10, ror #8\n\t"
        "sxtab16 r7, r12, r11\n\t"
        "sxtab16 lr, r12, r11, ror #8\n\t"
        "pkhbt r4, r5, r7, lsl #16\n\t"
        "pkhtb r6, r7, r5, asr #16\n\t"
        "pkhbt r5, r8, lr, lsl #16\n\t"
        "pkhtb r7, lr, r8, asr #16\n\t"
        "adds r2, r2, #48\n\t"
        "stm r2, {r4-r7}\n\t"
        "adds r2, r2, #48\n\t"
        "subs r3, r3, #2\n\t"
        "bge 3b\n\t"
        "2:\n\t"
        "adds r3, r3, #2\n\t"
        "beq 4f\n\t"
        "1:\n\t"
        "ldr r4, [r0]\n\t"
        "ldr r6, [r0, r1]\n\t"
        "add r0, r0, r1, lsl #1\n\t"
        "sxtab16 r5, r12, r4\n\t"
        "sxtab16 r8, r12, r4, ror #8\n\t"
        "sxtab16 r7, r12, r6\n\t"
        "sxtab16 r9, r12, r6, ror #8\n\t"
        "pkhbt r4, r5, r7, lsl #16\n\t"
        "pkhtb r6, r7, r5, asr #16\n\t"
        "pkhbt r5, r8, r9, lsl #16\n\t"
        "pkhtb r7, r9, r8, asr #16\n\t"
        "stm r2, {r4-r7}\n\t"
        "adds r2, r2, #48\n\t"
        "subs r3, r3, #1\n\t"
        "bne 1b\n\t"
        "4:\n\t"
        "pop {r4-r11, pc}\n\t");
}
#else
static void pr_unpack_run(const int8_t *s, int32_t ps, uint32_t *o, int32_t n, uint32_t off2)
{
    for (; n > 0; n--, s += 2 * ps, o += 12) {
        const uint32_t v0 = tp_ld32(s), v1 = tp_ld32(s + ps);
        const uint32_t e0 = tp_sxtab16(off2, v0), o0 = tp_sxtab16_ror8(off2, v0);
        const uint32_t e1 = tp_sxtab16(off2, v1), o1 = tp_sxtab16_ror8(off2, v1);
        o[0] = pr_pkhbt(e0, e1);
        o[1] = pr_pkhbt(o0, o1);
        o[2] = pr_pkhtb(e1, e0);
        o[3] = pr_pkhtb(o1, o0);
    }
}
#endif

/* One input line into ring slot q (d = ring + 4 q): padded pixels [0, 2 Kp), valid [pl, pl + len) read from
 * src (channel c of pixel 0) every ps bytes; src == 0: all padding. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
__attribute__((noinline)) static void pr_unpack(const int8_t *src, int32_t ps, int32_t len, int32_t pl, uint32_t *d,
                                                int32_t Kp, uint32_t off2)
{
    int32_t k, klo = (pl + 1) >> 1, khi = (len + pl) >> 1;
    if (!src) {
        uint32_t *o = d, *const end = d + 12 * Kp;
        for (; o != end; o += 12) o[0] = o[1] = o[2] = o[3] = 0;
        return;
    }
    if (klo > Kp) klo = Kp;
    if (khi < klo) khi = klo;
    if (khi > Kp) khi = Kp;
    for (k = 0; k < Kp; k++) {
        uint32_t *o = d + 12 * k;
        uint32_t e0 = 0, o0 = 0, e1 = 0, o1 = 0;
        int32_t u;
        if (k == klo && k < khi) {
            /* the interior: both pixels valid */
            pr_unpack_run(src + (2 * k - pl) * ps, ps, o, khi - k, off2);
            k = khi - 1;
            continue;
        }
        u = 2 * k - pl;
        if (u >= 0 && u < len) {
            const uint32_t v = tp_ld32(src + u * ps);
            e0 = tp_sxtab16(off2, v), o0 = tp_sxtab16_ror8(off2, v);
        }
        u++;
        if (u >= 0 && u < len) {
            const uint32_t v = tp_ld32(src + u * ps);
            e1 = tp_sxtab16(off2, v), o1 = tp_sxtab16_ror8(off2, v);
        }
        o[0] = pr_pkhbt(e0, e1);
        o[1] = pr_pkhbt(o0, o1);
        o[2] = pr_pkhtb(e1, e0);
        o[3] = pr_pkhtb(o1, o0);
    }
}

static inline int32_t pr_half(const uint32_t *ring, int32_t q, int32_t j, int32_t t)
{
    const uint32_t v = ring[((t >> 1) * 3 + q) * 4 + j];
    return (int32_t)(int16_t)(uint16_t)(t & 1 ? v >> 16 : v & 0xFFFFu);
}

/* acc + the 9 taps of output t, channel j (the block's pairs, plain or doubled), s the stride along the line */
static int32_t pr_acc(const uint32_t *ring, const int32_t *bk, int32_t j, int32_t t, int32_t s)
{
    uint32_t acc = (uint32_t)bk[0];
    int32_t q;
    t *= s;
    for (q = 0; q < 3; q++) {
        const uint32_t w01 = (uint32_t)bk[4 + 3 * q], w12 = (uint32_t)bk[5 + 3 * q];
        acc += (uint32_t)(pr_half(ring, q, j, t) * (int32_t)(int16_t)(uint16_t)(w01 & 0xFFFFu));
        acc += (uint32_t)(pr_half(ring, q, j, t + 1) * (int32_t)(int16_t)(uint16_t)(w01 >> 16));
        acc += (uint32_t)(pr_half(ring, q, j, t + 2) * (int32_t)(int16_t)(uint16_t)(w12 >> 16));
    }
    return (int32_t)acc;
}

#if TP_CM4_DSP
#define PR_ROW(q, i0, i1, i2, i3)                                                                                  \
    "ldr r8, [r0, #" #q "*16]\n\t"                                                                                 \
    "ldr r9, [r0, #" #q "*16+48]\n\t"                                                                              \
    "ldr r10, [r0, #" #q "*16+96]\n\t"                                                                             \
    "ldr r11, [r1, #16+" #q "*12]\n\t"                                                                             \
    "smlad r4, r8, r11, " i0 "\n\t"                                                                                \
    "smlad r6, r9, r11, " i2 "\n\t"                                                                                \
    "ldr r11, [r1, #20+" #q "*12]\n\t"                                                                             \
    "smlad r5, r9, r11, " i1 "\n\t"                                                                                \
    "smlad r7, r10, r11, " i3 "\n\t"                                                                               \
    "ldr r11, [r1, #24+" #q "*12]\n\t"                                                                             \
    "smlabt r4, r9, r11, r4\n\t"                                                                                   \
    "smlatb r5, r8, r11, r5\n\t"                                                                                   \
    "smlabt r6, r10, r11, r6\n\t"                                                                                  \
    "smlatb r7, r9, r11, r7\n\t"
/* rows 1 and 2: the second filter word in lr, one load chain of 5 */
#define PR_ROWN(q)                                                                                                 \
    "ldr r8, [r0, #" #q "*16]\n\t"                                                                                 \
    "ldr r9, [r0, #" #q "*16+48]\n\t"                                                                              \
    "ldr r10, [r0, #" #q "*16+96]\n\t"                                                                             \
    "ldr r11, [r1, #16+" #q "*12]\n\t"                                                                             \
    "ldr lr, [r1, #20+" #q "*12]\n\t"                                                                              \
    "smlad r4, r8, r11, r4\n\t"                                                                                    \
    "smlad r6, r9, r11, r6\n\t"                                                                                    \
    "smlad r5, r9, lr, r5\n\t"                                                                                     \
    "smlad r7, r10, lr, r7\n\t"                                                                                    \
    "ldr r11, [r1, #24+" #q "*12]\n\t"                                                                             \
    "smlabt r4, r9, r11, r4\n\t"                                                                                   \
    "smlatb r5, r8, r11, r5\n\t"                                                                                   \
    "smlabt r6, r10, r11, r6\n\t"                                                                                  \
    "smlatb r7, r9, r11, r7\n\t"
#define PR_MACS                                                                                                    \
    "ldr lr, [r1]\n\t"                                                                                             \
    PR_ROW(0, "lr", "lr", "lr", "lr") PR_ROWN(1) PR_ROWN(2)                                                                \
    "ldr r8, [r1, #4]\n\t"                                                                                         \
    "ldr r9, [r1, #8]\n\t"                                                                                         \
    "ldr r10, [r1, #12]\n\t"
/* the tail's 1 or 2 outputs: per filter row 2 loads of the line, 2 or 3 of the filter */
#define PR_ROW1(q, i0)                                                                                             \
    "ldr r8, [r0, #" #q "*16]\n\t"                                                                                 \
    "ldr r9, [r0, #" #q "*16+48]\n\t"                                                                              \
    "ldr r11, [r1, #16+" #q "*12]\n\t"                                                                             \
    "ldr r10, [r1, #24+" #q "*12]\n\t"                                                                             \
    "smlad r4, r8, r11, " i0 "\n\t"                                                                                \
    "smlabt r4, r9, r10, r4\n\t"
#define PR_ROW2(q, i0, i1)                                                                                         \
    "ldr r8, [r0, #" #q "*16]\n\t"                                                                                 \
    "ldr r9, [r0, #" #q "*16+48]\n\t"                                                                              \
    "ldr r10, [r1, #16+" #q "*12]\n\t"                                                                             \
    "ldr r11, [r1, #20+" #q "*12]\n\t"                                                                             \
    "smlad r4, r8, r10, " i0 "\n\t"                                                                                \
    "smlad r5, r9, r11, " i1 "\n\t"                                                                                \
    "ldr r11, [r1, #24+" #q "*12]\n\t"                                                                             \
    "smlabt r4, r9, r11, r4\n\t"                                                                                   \
    "smlatb r5, r8, r11, r5\n\t"
#define PR_CONSTS                                                                                                  \
    "ldr r8, [r1, #4]\n\t"                                                                                         \
    "ldr r9, [r1, #8]\n\t"                                                                                         \
    "ldr r10, [r1, #12]\n\t"
#define PR_RQ(a)                                                                                                   \
    "add r11, r8, " a ", asr #31\n\t"                                                                              \
    "smmlar r11, " a ", r9, r11\n\t"                                                                               \
    "asr r11, r11, r10\n\t"                                                                                        \
    "ssat r11, #8, r11\n\t"
/* a line pass's start: the arguments on the stack, per channel of the group its line, filter block and output
 * pointers (labels 0: channel, 1: outputs, 2: the tail) */
#define PR_LINE_HEAD                                                                                                  \
    "push {r4-r11, lr}\n\t"                                                                                           \
    "sub sp, sp, #8\n\t"                                                                                              \
    "str r0, [sp]\n\t"                                                                                                \
    "movs r12, #0\n\t"                                                                                                \
    "str r12, [sp, #4]\n\t"                                                                                           \
    "ldr r3, [r0, #20]\n\t"                                                                                           \
    "0:\n\t"                                                                                                          \
    "ldr lr, [sp]\n\t"                                                                                                \
    "ldr r12, [sp, #4]\n\t"                                                                                           \
    "ldr r0, [lr]\n\t"                                                                                                \
    "ldr r1, [lr, #4]\n\t"                                                                                            \
    "ldr r2, [lr, #8]\n\t"                                                                                            \
    "add r0, r0, r12, lsl #2\n\t"                                                                                     \
    "movs r4, #52\n\t"                                                                                                \
    "mla r1, r12, r4, r1\n\t"                                                                                         \
    "add r2, r2, r12\n\t"                                                                                             \
    "ldr r12, [lr, #12]\n\t"                                                                                          \
    "cmp r12, #0\n\t"                                                                                                 \
    "beq 2f\n\t"                                                                                                      \
    "1:\n\t"
/* One output line of the 4 channels of a group (a doubled group). */
__attribute__((naked, noinline)) static void pr_line_sat(__attribute__((unused)) const pr_args_t *a)
{
    __asm volatile(
        PR_LINE_HEAD
        PR_MACS
        PR_RQ("r4") "strb r11, [r2]\n\t"
        PR_RQ("r5") "strb r11, [r2, r3]\n\t"
        "add r2, r2, r3, lsl #1\n\t"
        PR_RQ("r6") "strb r11, [r2]\n\t"
        PR_RQ("r7") "strb r11, [r2, r3]\n\t"
        "add r2, r2, r3, lsl #1\n\t"
        "adds r0, r0, #96\n\t"
        "subs r12, r12, #1\n\t"
        "bne 1b\n\t"
        "2:\n\t"
        "ldr lr, [sp]\n\t"
        "ldr r12, [lr, #16]\n\t"
        "cmp r12, #2\n\t"
        "blt 4f\n\t"
        "beq 5f\n\t"
        PR_MACS
        PR_RQ("r4") "strb r11, [r2]\n\t"
        PR_RQ("r5") "strb r11, [r2, r3]\n\t"
        "add r2, r2, r3, lsl #1\n\t"
        PR_RQ("r6") "strb r11, [r2]\n\t"
        "b 3f\n\t"
        "4:\n\t"
        "cmp r12, #0\n\t"
        "beq 3f\n\t"
        "ldr lr, [r1]\n\t"
        PR_ROW1(0, "lr") PR_ROW1(1, "r4") PR_ROW1(2, "r4") PR_CONSTS
        PR_RQ("r4") "strb r11, [r2]\n\t"
        "b 3f\n\t"
        "5:\n\t"
        "ldr lr, [r1]\n\t"
        PR_ROW2(0, "lr", "lr") PR_ROW2(1, "r4", "r5") PR_ROW2(2, "r4", "r5") PR_CONSTS
        PR_RQ("r4") "strb r11, [r2]\n\t"
        PR_RQ("r5") "strb r11, [r2, r3]\n\t"
        "3:\n\t"
        "ldr r12, [sp, #4]\n\t"
        "adds r12, r12, #1\n\t"
        "str r12, [sp, #4]\n\t"
        "cmp r12, #4\n\t"
        "bne 0b\n\t"
        "add sp, sp, #8\n\t"
        "pop {r4-r11, pc}\n\t");
}
/* Stride 2 along the line: output t reads pixels 2t, 2t+1 (word t, SMLAD with (w0, w1)) and 2t+2 (word t+1's
 * low half, SMLABT with (w1, w2)'s high half), so 4 outputs read words k..k+4 per filter row: 7 loads and 8
 * MACs for 12. Same ring and blocks as stride 1, Kp = n + 1 words a line. */
#define PR2_ROW0                                                                                                   \
    "ldr lr, [r1]\n\t"                                                                                             \
    "ldr r11, [r1, #16]\n\t"                                                                                       \
    "ldr r8, [r0]\n\t"                                                                                             \
    "ldr r9, [r0, #48]\n\t"                                                                                        \
    "ldr r10, [r0, #96]\n\t"                                                                                       \
    "smlad r4, r8, r11, lr\n\t"                                                                                    \
    "smlad r5, r9, r11, lr\n\t"                                                                                    \
    "smlad r6, r10, r11, lr\n\t"                                                                                   \
    "ldr r8, [r0, #144]\n\t"                                                                                       \
    "smlad r7, r8, r11, lr\n\t"                                                                                    \
    "ldr lr, [r1, #20]\n\t"                                                                                        \
    "ldr r11, [r0, #192]\n\t"                                                                                      \
    "smlabt r4, r9, lr, r4\n\t"                                                                                    \
    "smlabt r5, r10, lr, r5\n\t"                                                                                   \
    "smlabt r6, r8, lr, r6\n\t"                                                                                    \
    "smlabt r7, r11, lr, r7\n\t"
#define PR2_ROW(q)                                                                                                 \
    "ldr r11, [r1, #16+" #q "*12]\n\t"                                                                             \
    "ldr lr, [r1, #20+" #q "*12]\n\t"                                                                              \
    "ldr r8, [r0, #" #q "*16]\n\t"                                                                                 \
    "ldr r9, [r0, #" #q "*16+48]\n\t"                                                                              \
    "ldr r10, [r0, #" #q "*16+96]\n\t"                                                                             \
    "smlad r4, r8, r11, r4\n\t"                                                                                    \
    "smlabt r4, r9, lr, r4\n\t"                                                                                    \
    "smlad r5, r9, r11, r5\n\t"                                                                                    \
    "smlabt r5, r10, lr, r5\n\t"                                                                                   \
    "smlad r6, r10, r11, r6\n\t"                                                                                   \
    "ldr r8, [r0, #" #q "*16+144]\n\t"                                                                             \
    "ldr r9, [r0, #" #q "*16+192]\n\t"                                                                             \
    "smlabt r6, r8, lr, r6\n\t"                                                                                    \
    "smlad r7, r8, r11, r7\n\t"                                                                                    \
    "smlabt r7, r9, lr, r7\n\t"
/* one output: per filter row 2 loads of the line, 2 of the filter */
#define PR2_ROW1(q)                                                                                                \
    "ldr r11, [r1, #16+" #q "*12]\n\t"                                                                             \
    "ldr lr, [r1, #20+" #q "*12]\n\t"                                                                              \
    "ldr r8, [r0, #" #q "*16]\n\t"                                                                                 \
    "ldr r9, [r0, #" #q "*16+48]\n\t"                                                                              \
    "smlad r4, r8, r11, r4\n\t"                                                                                    \
    "smlabt r4, r9, lr, r4\n\t"
/* One output line of the 4 channels of a group (a doubled group), stride 2 along the line. */
__attribute__((naked, noinline)) static void pr2_line_sat(__attribute__((unused)) const pr_args_t *a)
{
    __asm volatile(
        PR_LINE_HEAD
        PR2_ROW0 PR2_ROW(1) PR2_ROW(2) PR_CONSTS
        PR_RQ("r4") "strb r11, [r2]\n\t"
        PR_RQ("r5") "strb r11, [r2, r3]\n\t"
        "add r2, r2, r3, lsl #1\n\t"
        PR_RQ("r6") "strb r11, [r2]\n\t"
        PR_RQ("r7") "strb r11, [r2, r3]\n\t"
        "add r2, r2, r3, lsl #1\n\t"
        "adds r0, r0, #192\n\t"
        "subs r12, r12, #1\n\t"
        "bne 1b\n\t"
        "2:\n\t"
        "ldr lr, [sp]\n\t"
        "ldr r12, [lr, #16]\n\t"
        "cmp r12, #0\n\t"
        "beq 3f\n\t"
        "6:\n\t"
        "ldr r4, [r1]\n\t"
        PR2_ROW1(0) PR2_ROW1(1) PR2_ROW1(2) PR_CONSTS
        PR_RQ("r4") "strb r11, [r2]\n\t"
        "add r2, r2, r3\n\t"
        "adds r0, r0, #48\n\t"
        "subs r12, r12, #1\n\t"
        "bne 6b\n\t"
        "3:\n\t"
        "ldr r12, [sp, #4]\n\t"
        "adds r12, r12, #1\n\t"
        "str r12, [sp, #4]\n\t"
        "cmp r12, #4\n\t"
        "bne 0b\n\t"
        "add sp, sp, #8\n\t"
        "pop {r4-r11, pc}\n\t");
}
#endif

static void dw_pair(const tp_conv_params_t *p, int transposed, const int8_t *input, const int8_t *filter,
                    const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t sl = transposed ? p->stride_h : p->stride_w; /* along a line: 1 or 2 */
    const int32_t C = p->in_c;
    /* along a line: outputs n, input pixels len (stride ps bytes), padding pl; across: lines, stride, padding */
    const int32_t n = transposed ? p->out_h : p->out_w, len = transposed ? p->in_h : p->in_w;
    const int32_t pl = transposed ? p->pad_h : p->pad_w, ps = transposed ? p->in_w * C : C;
    const int32_t nl = transposed ? p->out_w : p->out_h, nin = transposed ? p->in_w : p->in_h;
    const int32_t sa = transposed ? p->stride_w : p->stride_h, pa = transposed ? p->pad_w : p->pad_h;
    const int32_t lstride = transposed ? C : p->in_w * C; /* input bytes from one line to the next */
    const int32_t ostr = transposed ? p->out_w * C : C, olstr = transposed ? C : p->out_w * C;
    const int32_t Kp = sl == 2 ? n + 1 : 2 * ((n + 3) >> 2) + 1;
    const uint32_t off2 = tp_dup16(p->input_offset);
    uint32_t *ring = (uint32_t *)(void *)p->scratch;
    int32_t *blocks = (int32_t *)(ring + 12 * Kp);
    int32_t b, c, o, j, q, t;
    for (b = 0; b < p->batches; b++) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * C;
        int8_t *out_b = output + b * p->out_h * p->out_w * C;
        for (c = 0; c < C; c += 4) {
            int32_t next = -pa, doubled = p->act_min == -128 && p->act_max == 127;
            for (j = 0; j < 4; j++) {
                tp_rq_t qq;
                const int32_t bj = bias ? bias[c + j] : 0;
                tp_rq_init(&qq, mult[c + j], shift[c + j], p->output_offset);
                doubled &= qq.fast && bj < (1 << 26) && bj > -(1 << 26) && qq.hi < (1 << 29) && qq.hi > -(1 << 29);
            }
            for (j = 0; j < 4; j++) {
                /* rotation 0 (slot q holds filter row q) */
                int32_t *bk = blocks + j * PR_BLK;
                tp_rq_t qq;
                const int32_t bj = bias ? bias[c + j] : 0, sc = doubled ? 2 : 1;
                const int8_t *f = filter + c + j;
                tp_rq_init(&qq, mult[c + j], shift[c + j], p->output_offset);
                bk[0] = bj * sc;
                bk[1] = doubled ? 2 * qq.hi : qq.hi;
                bk[2] = qq.m;
                bk[3] = doubled ? qq.rs1 + 1 : qq.rs1;
                {
                    /* filter row q across, taps t along: tap (q, t) at [t][q] transposed, [q][t] otherwise; the
                     * pairs of row q go to slot q (rotation 0), q + 1 (rotation 1), q + 2 (rotation 2) */
                    const int32_t ta = transposed ? 3 * C : C, tq = transposed ? C : 3 * C;
                    int32_t *b1 = bk + 4 * PR_BLK, *b2 = bk + 8 * PR_BLK;
                    b1[0] = b2[0] = bk[0], b1[1] = b2[1] = bk[1], b1[2] = b2[2] = bk[2], b1[3] = b2[3] = bk[3];
                    for (q = 0; q < 3; q++, f += tq) {
                        const int32_t w0 = f[0] * sc, w1 = f[ta] * sc, w2 = f[2 * ta] * sc;
                        const int32_t q1 = q == 2 ? 0 : q + 1, q2 = q == 0 ? 2 : q - 1;
                        const int32_t p01 = (int32_t)pr_pack(w0, w1), p12 = (int32_t)pr_pack(w1, w2);
                        const int32_t p02 = (int32_t)pr_pack(w0, w2);
                        bk[4 + 3 * q] = p01, bk[5 + 3 * q] = p12, bk[6 + 3 * q] = p02;
                        b1[4 + 3 * q1] = p01, b1[5 + 3 * q1] = p12, b1[6 + 3 * q1] = p02;
                        b2[4 + 3 * q2] = p01, b2[5 + 3 * q2] = p12, b2[6 + 3 * q2] = p02;
                    }
                }
            }
            for (o = 0; o < nl; o++) {
                const int32_t i0 = o * sa - pa, rot = (o * sa) % 3;
                int8_t *out = out_b + o * olstr + c;
                if (next < i0) next = i0;
                for (; next < i0 + 3; next++) {
                    const int8_t *src = next >= 0 && next < nin ? in_b + next * lstride + c : 0;
                    pr_unpack(src, ps, len, pl, ring + 4 * ((next + pa) % 3), Kp, off2);
                }
#if TP_CM4_DSP
                if (doubled) {
                    pr_args_t a;
                    a.ring = ring, a.blk = blocks + rot * 4 * PR_BLK, a.out = out;
                    a.passes = n >> 2, a.tail = n & 3, a.ostride = ostr;
                    if (sl == 2) {
                        pr2_line_sat(&a);
                    } else {
                        pr_line_sat(&a);
                    }
                    continue;
                }
#endif
                for (j = 0; j < 4; j++) {
                    const int32_t *bk = blocks + (rot * 4 + j) * PR_BLK;
                    for (t = 0; t < n; t++) {
                        const int32_t acc = pr_acc(ring, bk, j, t, sl);
                        if (doubled) {
                            const int64_t v = (int64_t)(bk[1] + (acc >> 31)) * 4294967296LL +
                                              (int64_t)acc * bk[2] + 0x80000000LL;
                            out[t * ostr + j] = (int8_t)tp_ssat8((int32_t)(v >> 32) >> bk[3]);
                        } else {
                            out[t * ostr + j] = tp_requant_out(acc, mult[c + j], shift[c + j], p->output_offset,
                                                               p->act_min, p->act_max);
                        }
                    }
                }
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

/* ---- k x 1 taps (one wide), stride_h 1, depth multiplier 1, C % 4 == 0, k_h <= 16, with scratch: time pairs ----
 * Per channel group of 4 and output column, the column's input is unpacked once into pair rows: padded row r
 * holds, for channel j, the 16-bit pair [x(r), x(r+1)] (input offset added, 0 outside the input) at word 4r + j.
 * Output i of channel j is then bias + sum_t SMLAD(pair row i + 2t, F[t]), F[t] = (w(2t), w(2t+1)), w(k) = 0:
 * ceil(k/2) SMLADs, and outputs i, i+1 read rows 32 * t and 32 * t + 16 bytes from one pointer and share the
 * filter word. Per channel a block of 4 + J words (J = ceil(k/2)): bias, H, m, rs, F[0..J). A group whose channels
 * all take the one-SMLAL requantization with activation range [-128, 127] and small bias runs doubled as the pair
 * ring (weights and bias times 2, one SMMLAR) in assembly, two outputs a pass, the J filter taps entered at the
 * J-th last of 8 unrolled blocks; other groups keep plain values and requantize in C. With out_h odd the last
 * pass's second output goes to a dummy byte after the blocks.
 * Scratch bytes: 16 * (2 * ceil(n / 2) + 2 * J - 2) + 16 * (4 + J) + 4, n = out_h. */
#define TK_MAXK 16
#define TK_MINN 4 /* fewer outputs a column: the per-group setup does not pay, the path without scratch runs */

typedef struct {
    const uint32_t *rows; /* channel j's word of pair row 0 */
    const int32_t *blk;   /* the channel's block */
    int8_t *out;          /* the channel's first output of the column */
    int32_t passes, ostr; /* 2-output passes, output bytes from one output to the next */
    int32_t tail;         /* 1: one more pass, its second output to dummy */
    int8_t *dummy;
    int32_t J;
} tk_args_t;

#if TP_CM4_DSP
#define TK_BLK(t, f, x)                                                                                            \
    "ldr.w r6, [r9, #" #f "]\n\t"                                                                                  \
    "ldr.w r7, [r0, #" #x "]\n\t"                                                                                  \
    "ldr.w r8, [r0, #" #x "+16]\n\t"                                                                               \
    "smlad r4, r7, r6, r4\n\t"                                                                                     \
    "smlad r5, r8, r6, r5\n\t"
__attribute__((naked, noinline)) static void tk_chan_sat(__attribute__((unused)) const tk_args_t *a)
{
    __asm volatile(
        "push {r4-r11, lr}\n\t"
        "sub sp, sp, #8\n\t"
        "ldr r4, [r0, #20]\n\t"
        "ldr r5, [r0, #24]\n\t"
        "strd r4, r5, [sp]\n\t"
        "ldr r9, [r0, #4]\n\t"
        "ldr r2, [r0, #8]\n\t"
        "ldr r3, [r0, #12]\n\t"
        "ldr r1, [r0, #16]\n\t"
        "ldr r4, [r0, #28]\n\t"
        "ldr r0, [r0]\n\t"
        "adr.w lr, 8f\n\t"
        "add r4, r4, r4, lsl #2\n\t"
        "sub lr, lr, r4, lsl #2\n\t"
        "orr lr, lr, #1\n\t"
        "ldrd r10, r11, [r9, #4]\n\t"
        "ldr r12, [r9, #12]\n\t"
        "add r9, r9, #16\n\t"
        "cmp r3, #0\n\t"
        "beq 7f\n\t"
        "1:\n\t"
        "ldr r4, [r9, #-16]\n\t"
        "mov r5, r4\n\t"
        "bx lr\n\t"
        TK_BLK(7, 28, 224) TK_BLK(6, 24, 192) TK_BLK(5, 20, 160) TK_BLK(4, 16, 128)
        TK_BLK(3, 12, 96) TK_BLK(2, 8, 64) TK_BLK(1, 4, 32) TK_BLK(0, 0, 0)
        "8:\n\t"
        "add r6, r10, r4, asr #31\n\t"
        "smmlar r6, r4, r11, r6\n\t"
        "asr r6, r6, r12\n\t"
        "ssat r6, #8, r6\n\t"
        "add r7, r10, r5, asr #31\n\t"
        "smmlar r7, r5, r11, r7\n\t"
        "asr r7, r7, r12\n\t"
        "ssat r7, #8, r7\n\t"
        "strb r6, [r2]\n\t"
        "strb r7, [r2, r1]\n\t"
        "add r0, r0, #32\n\t"
        "add r2, r2, r1, lsl #1\n\t"
        "subs r3, r3, #1\n\t"
        "bne 1b\n\t"
        "7:\n\t"
        "ldr r4, [sp]\n\t"
        "cbz r4, 9f\n\t"
        "movs r4, #0\n\t"
        "str r4, [sp]\n\t"
        "movs r3, #1\n\t"
        "ldr r4, [sp, #4]\n\t"
        "sub r1, r4, r2\n\t"
        "b 1b\n\t"
        "9:\n\t"
        "add sp, sp, #8\n\t"
        "pop {r4-r11, pc}\n\t");
}
#endif

/* Pair rows [r, r + n) with input rows r and r + 1 both valid: src is channel c of input row r, rs the input row
 * bytes; 2 rows a turn, 30 cycles. */
#if TP_CM4_DSP
__attribute__((naked, noinline)) static void tk_unpack_run(__attribute__((unused)) const int8_t *src,
                                                           __attribute__((unused)) int32_t rs,
                                                           __attribute__((unused)) uint32_t *o,
                                                           __attribute__((unused)) int32_t n,
                                                           __attribute__((unused)) uint32_t off2)
{
    __asm volatile(
        "ldr r12, [sp]\n\t"
        "push {r4-r11}\n\t"
        "ldr r6, [r0]\n\t"
        "add r0, r0, r1\n\t"
        "sxtab16 r4, r12, r6\n\t"
        "sxtab16 r5, r12, r6, ror #8\n\t"
        "subs r3, r3, #2\n\t"
        "blt 2f\n\t"
        "1:\n\t"
        "ldr r6, [r0]\n\t"
        "ldr r8, [r0, r1]\n\t"
        "add r0, r0, r1, lsl #1\n\t"
        "sxtab16 r7, r12, r6\n\t"
        "sxtab16 r6, r12, r6, ror #8\n\t"
        "pkhbt r9, r4, r7, lsl #16\n\t"
        "pkhbt r10, r5, r6, lsl #16\n\t"
        "pkhtb r11, r7, r4, asr #16\n\t"
        "pkhtb r5, r6, r5, asr #16\n\t"
        "stm r2!, {r9-r11}\n\t"
        "str r5, [r2], #4\n\t"
        "sxtab16 r4, r12, r8\n\t"
        "sxtab16 r5, r12, r8, ror #8\n\t"
        "pkhbt r8, r7, r4, lsl #16\n\t"
        "pkhbt r9, r6, r5, lsl #16\n\t"
        "pkhtb r10, r4, r7, asr #16\n\t"
        "pkhtb r11, r5, r6, asr #16\n\t"
        "stm r2!, {r8-r11}\n\t"
        "subs r3, r3, #2\n\t"
        "bge 1b\n\t"
        "2:\n\t"
        "adds r3, r3, #2\n\t"
        "beq 3f\n\t"
        "ldr r6, [r0]\n\t"
        "sxtab16 r7, r12, r6\n\t"
        "sxtab16 r6, r12, r6, ror #8\n\t"
        "pkhbt r8, r4, r7, lsl #16\n\t"
        "pkhbt r9, r5, r6, lsl #16\n\t"
        "pkhtb r10, r7, r4, asr #16\n\t"
        "pkhtb r11, r6, r5, asr #16\n\t"
        "stm r2!, {r8-r11}\n\t"
        "3:\n\t"
        "pop {r4-r11}\n\t"
        "bx lr\n\t");
}
#endif

/* R pair rows of one column of a channel group: col is channel c of input row 0, rs the input row bytes,
 * padded row r is input row r - pad. */
__attribute__((noinline)) static void tk_unpack(const int8_t *col, int32_t rs, int32_t in_h, int32_t pad,
                                                uint32_t *P, int32_t R, uint32_t off2)
{
    int32_t r, lo = pad, hi = pad + in_h - 1;
    if (lo > R) lo = R;
    if (hi > R) hi = R;
    if (hi < lo) hi = lo;
    for (r = 0; r < R; r++) {
        uint32_t pe = 0, po = 0, ce = 0, co = 0, *o = P + 4 * r;
        int32_t y = r - pad;
#if TP_CM4_DSP
        if (r == lo && lo < hi) {
            tk_unpack_run(col + y * rs, rs, o, hi - lo, off2);
            r = hi - 1;
            continue;
        }
#endif
        if (y >= 0 && y < in_h) {
            const uint32_t v = tp_ld32(col + y * rs);
            pe = tp_sxtab16(off2, v), po = tp_sxtab16_ror8(off2, v);
        }
        y++;
        if (y >= 0 && y < in_h) {
            const uint32_t v = tp_ld32(col + y * rs);
            ce = tp_sxtab16(off2, v), co = tp_sxtab16_ror8(off2, v);
        }
        o[0] = (pe & 0xFFFFu) | (ce << 16);
        o[1] = (po & 0xFFFFu) | (co << 16);
        o[2] = (ce & 0xFFFF0000u) | (pe >> 16);
        o[3] = (co & 0xFFFF0000u) | (po >> 16);
    }
}

static void dw_taps_k1(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                       const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t C = p->in_c, k = p->k_h, n = p->out_h, J = (k + 1) >> 1, BW = 4 + J;
    const int32_t R = 2 * ((n + 1) >> 1) + 2 * J - 2, rs = p->in_w * C, ostr = p->out_w * C;
    const uint32_t off2 = tp_dup16(p->input_offset);
    uint32_t *P = (uint32_t *)(void *)p->scratch;
    int32_t *blocks = (int32_t *)(P + 4 * R);
    int8_t *dummy = (int8_t *)(blocks + 4 * BW);
    int32_t b, c, j, t, ox, i;
    for (c = 0; c < C; c += 4) {
        int32_t doubled = p->act_min == -128 && p->act_max == 127;
        for (j = 0; j < 4; j++) {
            int32_t *bk = blocks + j * BW;
            tp_rq_t qq;
            const int32_t bj = bias ? bias[c + j] : 0;
            tp_rq_init(&qq, mult[c + j], shift[c + j], p->output_offset);
            doubled &= qq.fast && bj < (1 << 26) && bj > -(1 << 26) && qq.hi < (1 << 29) && qq.hi > -(1 << 29);
            bk[0] = bj, bk[1] = qq.hi, bk[2] = qq.m, bk[3] = qq.rs1;
        }
        if (doubled) {
            for (j = 0; j < 4; j++) {
                int32_t *bk = blocks + j * BW;
                bk[0] *= 2, bk[1] *= 2, bk[3] += 1;
            }
        }
        for (t = 0; t < J; t++) {
            /* taps 2t, 2t + 1 of the 4 channels: even channels from sxtb16, odd ones from its ror 8 form */
            const uint32_t v0 = tp_ld32(filter + 2 * t * C + c);
            const uint32_t v1 = 2 * t + 1 < k ? tp_ld32(filter + (2 * t + 1) * C + c) : 0;
            const uint32_t e0 = tp_sxtb16(v0), e1 = tp_sxtb16(v1), o0 = tp_sxtb16_ror8(v0), o1 = tp_sxtb16_ror8(v1);
            uint32_t f0 = (e0 & 0xFFFFu) | (e1 << 16), f1 = (o0 & 0xFFFFu) | (o1 << 16);
            uint32_t f2 = (e1 & 0xFFFF0000u) | (e0 >> 16), f3 = (o1 & 0xFFFF0000u) | (o0 >> 16);
            if (doubled) f0 = tp_sadd16(f0, f0), f1 = tp_sadd16(f1, f1), f2 = tp_sadd16(f2, f2), f3 = tp_sadd16(f3, f3);
            blocks[4 + t] = (int32_t)f0, blocks[BW + 4 + t] = (int32_t)f1;
            blocks[2 * BW + 4 + t] = (int32_t)f2, blocks[3 * BW + 4 + t] = (int32_t)f3;
        }
        for (b = 0; b < p->batches; b++) {
            const int8_t *in_b = input + b * p->in_h * rs;
            int8_t *out_b = output + b * n * ostr;
            for (ox = 0; ox < p->out_w; ox++) {
                const int32_t x = ox * p->stride_w - p->pad_w;
                int8_t *out = out_b + ox * C + c;
                if (x >= 0 && x < p->in_w) {
                    tk_unpack(in_b + x * C + c, rs, p->in_h, p->pad_h, P, R, off2);
                } else {
                    tk_unpack(in_b, rs, 0, 0, P, R, off2);
                }
#if TP_CM4_DSP
                if (doubled) {
                    tk_args_t a;
                    a.passes = n >> 1, a.ostr = ostr, a.tail = n & 1, a.dummy = dummy, a.J = J;
                    for (j = 0; j < 4; j++) {
                        a.rows = P + j, a.blk = blocks + j * BW, a.out = out + j;
                        tk_chan_sat(&a);
                    }
                    continue;
                }
#endif
                for (j = 0; j < 4; j++) {
                    const int32_t *bk = blocks + j * BW;
                    for (i = 0; i < n; i++) {
                        int32_t acc = bk[0];
                        for (t = 0; t < J; t++) acc = tp_smlad(P[4 * (i + 2 * t) + j], (uint32_t)bk[4 + t], acc);
                        if (doubled) {
                            const int64_t v = (int64_t)(bk[1] + (acc >> 31)) * 4294967296LL +
                                              (int64_t)acc * bk[2] + 0x80000000LL;
                            out[i * ostr + j] = (int8_t)tp_ssat8((int32_t)(v >> 32) >> bk[3]);
                        } else {
                            out[i * ostr + j] = tp_requant_out(acc, mult[c + j], shift[c + j], p->output_offset,
                                                               p->act_min, p->act_max);
                        }
                    }
                }
                (void)dummy;
            }
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
    if (p->scratch && p->k_w == 1 && p->stride_h == 1 && p->k_h <= TK_MAXK && p->out_h >= TK_MINN) {
        dw_taps_k1(p, input, filter, bias, mult, shift, output);
        return;
    }
    if (p->scratch && p->k_h == 3 && p->k_w == 3) {
        /* the pair ring's per-group setup pays from 8 outputs a line on; stride 1 or 2 along the line */
        const int transposed = p->stride_h == 1 && (p->stride_w != 1 || p->out_h > p->out_w);
        if ((transposed || p->stride_w <= 2) && (transposed ? p->out_h : p->out_w) >= 8) {
            dw_pair(p, transposed, input, filter, bias, mult, shift, output);
            return;
        }
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
