/* CONV_2D for Cortex-M4: same signature and results as tp_conv_2d.c.
 *
 * Without dilation and groups, a convolution is a matrix product of the filters (OHWI: one contiguous run of
 * K = k_h*k_w*k_c values per output channel) with the receptive fields of the output pixels. Four pixels at a
 * time are unpacked once into 16-bit pairs in the scratch area codegen plans in the arena (32 * ceil(K/4)
 * bytes), with the input offset added and padding as zeros; each filter then streams over them with
 * SXTB16 + SMLAD in a register-only loop (28 instructions per 32 MACs), and the four sums are requantized
 * with one SMLAL each (tp_rq). Grouped and dilated convolutions, or a call without scratch, take the
 * portable loop. */
#include "tp_cm4.h"
#include "tp_fixedpoint.h"
#include "tp_conv_ref.h"
#include "tp_runtime.h"
#include "tp_conv_winograd_cm4.h"

/* ---- im2col + GEMM over blocks of 4 output pixels ------------------------------------------------------------
 * The 4 pixels' receptive fields (K = k_h*k_w*k_c values each, input offset added, padding as zero) are
 * unpacked once into 16-bit pairs in p->scratch, laid out per 4-value chunk j as 8 words:
 *   [pixel 0..3: values (4j, 4j+2)] [pixel 0..3: values (4j+1, 4j+3)]
 * (the order SXTB16 / SXTB16 ROR 8 unpack a filter word into). Every filter of the layer then streams over the
 * same 32-byte chunks: one filter word, two unpacks, two 4-register loads and 8 SMLADs per 16 MACs. */

/* scratch int16 index of value k of pixel px */
static inline int32_t slot(int32_t px, int32_t k)
{
    return (k >> 2) * 16 + (k & 1) * 8 + px * 2 + ((k >> 1) & 1);
}

#if TP_CM4_DSP
/* acc[0..3] += sum over n chunks of filter word . pixel pairs; n >= 1. 14 registers: no spills. The n % 4
 * odd chunks first, then four chunks per turn (two loop instructions per 64 MACs). */
#define TP_ARG __attribute__((unused)) /* a naked function reads its arguments in the asm */
#define TP_CHUNK                                                                                                   \
    "ldr r8, [r1], #4\n\t"                                                                                            \
    "ldm r0!, {r10, r11, r12, lr}\n\t"                                                                                \
    "sxtb16 r9, r8\n\t"                                                                                               \
    "smlad r4, r10, r9, r4\n\t"                                                                                       \
    "smlad r5, r11, r9, r5\n\t"                                                                                       \
    "smlad r6, r12, r9, r6\n\t"                                                                                       \
    "smlad r7, lr, r9, r7\n\t"                                                                                        \
    "ldm r0!, {r10, r11, r12, lr}\n\t"                                                                                \
    "sxtb16 r9, r8, ror #8\n\t"                                                                                       \
    "smlad r4, r10, r9, r4\n\t"                                                                                       \
    "smlad r5, r11, r9, r5\n\t"                                                                                       \
    "smlad r6, r12, r9, r6\n\t"                                                                                       \
    "smlad r7, lr, r9, r7\n\t"
__attribute__((naked, noinline)) static void gemm4(TP_ARG const int16_t *xs, TP_ARG const int8_t *w, TP_ARG int32_t n,
                                                   TP_ARG int32_t *acc)
{
    __asm volatile(
        "push {r4-r11, lr}\n\t"
        "ldm r3, {r4-r7}\n\t"
        "lsrs r2, r2, #1\n\t"
        "bcc 2f\n\t"
        TP_CHUNK
        "2:\n\t"
        "lsrs r2, r2, #1\n\t"
        "bcc 4f\n\t"
        TP_CHUNK
        TP_CHUNK
        "4:\n\t"
        "beq 3f\n\t" /* flags still from the second LSRS: the chunks set none */
        "1:\n\t"
        TP_CHUNK
        TP_CHUNK
        TP_CHUNK
        TP_CHUNK
        "subs r2, r2, #1\n\t"
        "bne 1b\n\t"
        "3:\n\t"
        "stm r3, {r4-r7}\n\t"
        "pop {r4-r11, pc}\n\t");
}

/* Every channel of a 4-pixel block in one call, for layers whose activation range is int8's and whose
 * filters are whole chunks with biases: the block's accumulators start at the bias, the GEMM above runs
 * inline, and the four sums are requantized (tp_rq, the zero point added after the shift, SSAT) and stored
 * without leaving registers. The loop state lives in the block_t the C side fills. */
typedef struct {
    const int16_t *xs;   /* 0: the block */
    int32_t n;           /* 4: chunks per filter */
    const int32_t *bias; /* 8: next channel's bias */
    const int32_t *rq;   /* 12: next channel's (m, hi, rs1) */
    int32_t wback;       /* 16: bytes a filter's last chunk reads into the next filter (K % 4 != 0) */
    int8_t *o;           /* 20: next channel's output (pixel 0) */
    int32_t oc_n;        /* 24: output stride between pixels */
    int8_t *end;         /* 28: o past the last channel */
    int32_t zadd;        /* 32: added after the shift */
} block_t;

#define TP_RQ_STORE(acc, addr, zadd)                                                                                  \
    "and r11, " acc ", #0x80000000\n\t"                                                                               \
    "orr r11, r11, #0x40000000\n\t"                                                                                   \
    "add r12, r9, " acc ", asr #31\n\t"                                                                               \
    "smlal r11, r12, " acc ", r8\n\t"                                                                                 \
    "asr r12, r12, r10\n\t"                                                                                           \
    zadd                                                                                                              \
    "ssat r12, #8, r12\n\t"                                                                                           \
    "strb r12, " addr "\n\t"

#define TP_BLOCK_CHANNELS(name, ZADD)                                                                                 \
__attribute__((naked, noinline)) static void name(TP_ARG block_t *c, TP_ARG const int8_t *w)                          \
{                                                                                                                     \
    __asm volatile(                                                                                                   \
        "push {r4-r11, lr}\n\t"                                                                                       \
        "mov r3, r0\n\t"                                                                                              \
        "5:\n\t"                                                                                                      \
        "ldm r3, {r0, r2, r4}\n\t"                                                                                    \
        "ldr r5, [r4], #4\n\t"                                                                                        \
        "str r4, [r3, #8]\n\t"                                                                                        \
        "mov r4, r5\n\t"                                                                                              \
        "mov r6, r5\n\t"                                                                                              \
        "mov r7, r5\n\t"                                                                                              \
        "lsrs r2, r2, #1\n\t"                                                                                         \
        "bcc 2f\n\t"                                                                                                  \
        TP_CHUNK                                                                                                      \
        "2:\n\t"                                                                                                      \
        "lsrs r2, r2, #1\n\t"                                                                                         \
        "bcc 4f\n\t"                                                                                                  \
        TP_CHUNK                                                                                                      \
        TP_CHUNK                                                                                                      \
        "4:\n\t"                                                                                                      \
        "beq 3f\n\t" /* flags still from the second LSRS */                                                           \
        "1:\n\t"                                                                                                      \
        TP_CHUNK                                                                                                      \
        TP_CHUNK                                                                                                      \
        TP_CHUNK                                                                                                      \
        TP_CHUNK                                                                                                      \
        "subs r2, r2, #1\n\t"                                                                                         \
        "bne 1b\n\t"                                                                                                  \
        "3:\n\t"                                                                                                      \
        "ldrd r0, r11, [r3, #12]\n\t"                                                                                 \
        "sub r1, r1, r11\n\t"                                                                                         \
        "ldm r0!, {r8, r9, r10}\n\t"                                                                                  \
        "str r0, [r3, #12]\n\t"                                                                                       \
        "ldrd r0, r2, [r3, #20]\n\t"                                                                                  \
        "ldr lr, [r3, #32]\n\t"                                                                                       \
        TP_RQ_STORE("r4", "[r0]", ZADD)                                                                               \
        TP_RQ_STORE("r5", "[r0, r2]", ZADD)                                                                           \
        "add r0, r0, r2, lsl #1\n\t"                                                                                  \
        TP_RQ_STORE("r6", "[r0]", ZADD)                                                                               \
        TP_RQ_STORE("r7", "[r0, r2]", ZADD)                                                                           \
        "sub r0, r0, r2, lsl #1\n\t"                                                                                  \
        "adds r0, r0, #1\n\t"                                                                                         \
        "str r0, [r3, #20]\n\t"                                                                                       \
        "ldr r2, [r3, #28]\n\t"                                                                                       \
        "cmp r0, r2\n\t"                                                                                              \
        "bne 5b\n\t"                                                                                                  \
        "pop {r4-r11, pc}\n\t");                                                                                      \
}
/* the zero point after the shift only where a layer needs it (one instruction per output) */
TP_BLOCK_CHANNELS(block_channels_z, "add r12, r12, lr\n\t")
TP_BLOCK_CHANNELS(block_channels, "")
/* ReLU6-like ranges -128..hi (hi in lr): min(x, hi) before SSAT is SSAT's result clamped at hi */
TP_BLOCK_CHANNELS(block_channels_top, "cmp r12, lr\n\tit gt\n\tmovgt r12, lr\n\t")
#else
static void gemm4(const int16_t *xs, const int8_t *w, int32_t n, int32_t *acc)
{
    int32_t j, px;
    for (j = 0; j < n; j++) {
        const uint32_t wv = tp_ld32(w + 4 * j);
        const uint32_t we = tp_sxtb16(wv), wo = tp_sxtb16_ror8(wv);
        for (px = 0; px < 4; px++) {
            uint32_t e, o;
            __builtin_memcpy(&e, xs + j * 16 + px * 2, 4);
            __builtin_memcpy(&o, xs + j * 16 + 8 + px * 2, 4);
            acc[px] = tp_smlad(e, we, acc[px]);
            acc[px] = tp_smlad(o, wo, acc[px]);
        }
    }
}
#endif

/* n values of one pixel starting at value k: words where the run is word-aligned in k, else one by one */
static void put_run(int16_t *xs, int32_t px, int32_t k, const int8_t *src, int32_t n, uint32_t off2)
{
    int32_t i = 0;
    if ((k & 3) == 0) {
        int16_t *d = xs + (k >> 2) * 16 + px * 2;
        for (; i + 8 <= n; i += 8, d += 32) { /* two words per turn: half the loop overhead */
            const uint32_t v = tp_ld32(src + i), u = tp_ld32(src + i + 4);
            const uint32_t e = tp_sxtab16(off2, v), o = tp_sxtab16_ror8(off2, v);
            const uint32_t e2 = tp_sxtab16(off2, u), o2 = tp_sxtab16_ror8(off2, u);
            __builtin_memcpy(d, &e, 4);
            __builtin_memcpy(d + 8, &o, 4);
            __builtin_memcpy(d + 16, &e2, 4);
            __builtin_memcpy(d + 24, &o2, 4);
        }
        for (; i + 4 <= n; i += 4, d += 16) {
            const uint32_t v = tp_ld32(src + i);
            const uint32_t e = tp_sxtab16(off2, v), o = tp_sxtab16_ror8(off2, v);
            __builtin_memcpy(d, &e, 4);
            __builtin_memcpy(d + 8, &o, 4);
        }
    }
    for (; i < n; i++) {
        xs[slot(px, k + i)] = (int16_t)(src[i] + (int16_t)(off2 & 0xFFFFu));
    }
}

static void zero_run(int16_t *xs, int32_t px, int32_t k, int32_t n)
{
    int32_t i = 0;
    if ((k & 3) == 0) {
        int16_t *d = xs + (k >> 2) * 16 + px * 2;
        const uint32_t z = 0;
        for (; i + 4 <= n; i += 4, d += 16) {
            __builtin_memcpy(d, &z, 4);
            __builtin_memcpy(d + 8, &z, 4);
        }
    }
    for (; i < n; i++) {
        xs[slot(px, k + i)] = 0;
    }
}

/* An interior receptive field with word-aligned rows: k_h rows of `words` words, `row` bytes apart, unpacked to
 * consecutive chunks of one pixel (d: its first e-pair; a chunk is 32 bytes, its o-pairs 16 bytes in). */
typedef struct fill_s {
    uint32_t off2; /* 0 */
    int32_t words; /* 4: per row, >= 1 */
    int32_t row;   /* 8: bytes between input rows */
    int32_t k_h;   /* 12 */
    int32_t pxs;   /* 16: bytes between neighbouring pixels' fields (fill3_raw) */
} fill_t;

#if TP_CM4_DSP

#define TP_UNPACK1(w, e, d)                                                                                       \
    "sxtab16 " e ", r3, " w "\n\t"                                                                                    \
    "sxtab16 " w ", r3, " w ", ror #8\n\t"                                                                            \
    "str " e ", [r0, #" d "]\n\t"                                                                                     \
    "str " w ", [r0, #" d " + 16]\n\t"

/* k_h rows of `words` words, `row` bytes apart, unpacked with UNPACK into the block's chunks C1 bytes apart
 * (C2 = 2 * C1, C3 = 3 * C1); the count mod 4 first, then four words a turn */
#define TP_FILL_ROWS(name, type, UNPACK, C1, C2, C3)                                                                  \
__attribute__((naked, noinline)) static void name(TP_ARG type *d, TP_ARG const int8_t *src,                           \
                                                  TP_ARG const fill_t *f)                                             \
{                                                                                                                     \
    __asm volatile(                                                                                                   \
        "push {r4-r11, lr}\n\t"                                                                                       \
        "ldm r2, {r3, r4, r5, r6}\n\t"                                                                                \
        "6:\n\t"                                                                                                      \
        "mov r7, r1\n\t"                                                                                              \
        "lsrs r8, r4, #1\n\t"                                                                                         \
        "bcc 2f\n\t"                                                                                                  \
        "ldr r9, [r7], #4\n\t"                                                                                        \
        UNPACK("r9", "r10", "0")                                                                                      \
        "add r0, r0, #" C1 "\n\t"                                                                                     \
        "2:\n\t"                                                                                                      \
        "lsrs r8, r8, #1\n\t"                                                                                         \
        "bcc 4f\n\t"                                                                                                  \
        "ldr r9, [r7], #4\n\t"                                                                                        \
        "ldr r10, [r7], #4\n\t"                                                                                       \
        UNPACK("r9", "r11", "0")                                                                                      \
        UNPACK("r10", "r12", C1)                                                                                      \
        "add r0, r0, #" C2 "\n\t"                                                                                     \
        "4:\n\t"                                                                                                      \
        "beq 3f\n\t" /* flags still from the second LSRS */                                                           \
        "1:\n\t"                                                                                                      \
        "ldr r9, [r7], #4\n\t"                                                                                        \
        "ldr r10, [r7], #4\n\t"                                                                                       \
        "ldr r11, [r7], #4\n\t"                                                                                       \
        "ldr r12, [r7], #4\n\t"                                                                                       \
        UNPACK("r9", "lr", "0")                                                                                       \
        UNPACK("r10", "lr", C1)                                                                                       \
        UNPACK("r11", "lr", C2)                                                                                       \
        UNPACK("r12", "lr", C3)                                                                                       \
        "add r0, r0, #" C1 " * 4\n\t"                                                                                 \
        "subs r8, r8, #1\n\t"                                                                                         \
        "bne 1b\n\t"                                                                                                  \
        "3:\n\t"                                                                                                      \
        "add r1, r1, r5\n\t"                                                                                          \
        "subs r6, r6, #1\n\t"                                                                                         \
        "bne 6b\n\t"                                                                                                  \
        "pop {r4-r11, pc}\n\t");                                                                                      \
}
TP_FILL_ROWS(fill_rows, int16_t, TP_UNPACK1, "32", "64", "96")
#endif

/* Unpack the receptive field of output pixel (oy, ox) of image in_b as pixel px of the block. */
static void fill_pixel(const tp_conv_params_t *p, const int8_t *in_b, int32_t oy, int32_t ox, int32_t px,
                       uint32_t off2, const struct fill_s *f)
{
    const int32_t kc = p->k_c, run = p->k_w * kc, row = p->in_w * p->in_c;
    const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    const int32_t kx_lo = x0 < 0 ? -x0 : 0;
    const int32_t kx_hi = p->in_w - x0 < p->k_w ? p->in_w - x0 : p->k_w;
    int16_t *xs = p->scratch;
    int32_t ky;
#if TP_CM4_DSP
    if (f && x0 >= 0 && kx_hi == p->k_w && y0 >= 0 && y0 + p->k_h <= p->in_h) {
        fill_rows(xs + px * 2, in_b + y0 * row + x0 * kc, f);
        return;
    }
#else
    (void)f;
#endif
    for (ky = 0; ky < p->k_h; ky++) {
        const int32_t y = y0 + ky, k = ky * run;
        if (y < 0 || y >= p->in_h || kx_hi <= kx_lo) {
            zero_run(xs, px, k, run);
            continue;
        }
        if (kx_lo > 0) {
            zero_run(xs, px, k, kx_lo * kc);
        }
        put_run(xs, px, k + kx_lo * kc, in_b + y * row + (x0 + kx_lo) * kc, (kx_hi - kx_lo) * kc, off2);
        if (kx_hi < p->k_w) {
            zero_run(xs, px, k + kx_hi * kc, (p->k_w - kx_hi) * kc);
        }
    }
}

/* The same for a layer whose runs are not word-aligned in K (k_c % 4 != 0, e.g. 3-channel first layers): the
 * field's K bytes are first gathered into stage (padding and the last chunk's spare values as the input zero
 * point, which unpacks to 0), then unpacked a word at a time instead of value by value. */
static void fill_pixel_staged(const tp_conv_params_t *p, const int8_t *in_b, int32_t oy, int32_t ox, int32_t px,
                              uint32_t off2, int8_t *stage, int32_t nch)
{
    const int32_t kc = p->k_c, run = p->k_w * kc, row = p->in_w * p->in_c;
    const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    const int32_t kx_lo = x0 < 0 ? -x0 : 0;
    const int32_t kx_hi = p->in_w - x0 < p->k_w ? p->in_w - x0 : p->k_w;
    const int8_t zp = (int8_t)-p->input_offset;
    int16_t *d = (int16_t *)p->scratch + px * 2;
    int8_t *s = stage;
    int32_t ky = 0, i, j;
    /* the last chunk's spare values first (one word: the rows below overwrite its head), not a memset call */
    tp_st32(stage + 4 * (nch - 1), 0x01010101u * (uint8_t)zp);
    if (x0 >= 0 && kx_hi == p->k_w && y0 >= 0 && y0 + p->k_h <= p->in_h) { /* interior: whole rows */
        const int8_t *src = in_b + y0 * row + x0 * kc;
        for (ky = 0; ky < p->k_h; ky++, s += run, src += row) {
            for (j = 0; j + 4 <= run; j += 4) tp_st32(s + j, tp_ld32(src + j));
            for (; j < run; j++) s[j] = src[j];
        }
        ky = p->k_h;
    }
    for (; ky < p->k_h; ky++, s += run) {
        const int32_t y = y0 + ky;
        if (y < 0 || y >= p->in_h || kx_hi <= kx_lo) {
            for (i = 0; i < run; i++) s[i] = zp;
            continue;
        }
        for (i = 0; i < kx_lo * kc; i++) s[i] = zp;
        {
            const int8_t *src = in_b + y * row + (x0 + kx_lo) * kc;
            const int32_t n = (kx_hi - kx_lo) * kc;
            int8_t *t = s + kx_lo * kc;
            for (j = 0; j + 4 <= n; j += 4) tp_st32(t + j, tp_ld32(src + j));
            for (; j < n; j++) t[j] = src[j];
        }
        for (i = kx_hi * kc; i < run; i++) s[i] = zp;
    }
    for (j = 0; j < nch; j++, d += 16) {
        const uint32_t v = tp_ld32(stage + 4 * j);
        const uint32_t e = tp_sxtab16(off2, v), o = tp_sxtab16_ror8(off2, v);
        __builtin_memcpy(d, &e, 4);
        __builtin_memcpy(d + 8, &o, 4);
    }
}

/* Every output channel over the block in xs: filters back to back, constants from rq.
 * With K % 4 != 0 the last chunk of a filter's run ends in the next filter's first bytes: they meet the zeros
 * the block has past K, so every filter but the last reads whole chunks; the last adds its tail value by value
 * (no read past the filter array). */
static inline __attribute__((always_inline)) void channels_fast(const int16_t *xs, const int8_t *w, int32_t K,
                                                                 const int32_t *bias, const int32_t *rq, int32_t oc_n,
                                                                 int8_t *o, int32_t np, int32_t lo, int32_t hi,
                                                                 int32_t zadd)
{
    const int32_t nfull = K >> 2, tail = K & 3, nch = nfull + (tail ? 1 : 0);
    const int sat_only = lo == -128 && hi == 127;
    int8_t *const end = o + oc_n;
#if TP_CM4_DSP
    const int top = lo == -128 && hi < 127 && !zadd;
    if ((sat_only || top) && np == 4 && bias && (!tail || oc_n > 1)) {
        /* with a tail, every filter but the last (see above); the last one below */
        block_t c;
        c.xs = xs;
        c.n = nch;
        c.bias = bias;
        c.rq = rq;
        c.o = o;
        c.oc_n = oc_n;
        c.end = tail ? end - 1 : end;
        c.zadd = zadd;
        c.wback = 4 * nch - K;
        if (top) {
            c.zadd = hi;
            block_channels_top(&c, w);
        } else if (zadd) {
            block_channels_z(&c, w);
        } else {
            block_channels(&c, w);
        }
        if (!tail) return;
        w += K * (oc_n - 1);
        rq += 3 * (oc_n - 1);
        bias += oc_n - 1;
        o = end - 1;
    }
#endif
    for (; o < end; o++, w += K, rq += 3) {
        int32_t acc[4], px;
        tp_rq_t q;
        acc[0] = acc[1] = acc[2] = acc[3] = bias ? *bias++ : 0;
        if (!tail || o + 1 < end) { /* (with tail == 0 the compiler keeps one test per channel) */
            gemm4(xs, w, nch, acc);
        } else {
            int32_t i;
            if (nfull) gemm4(xs, w, nfull, acc);
            for (i = 0; i < tail; i++) {
                const int32_t wv = w[4 * nfull + i];
                for (px = 0; px < 4; px++) acc[px] += wv * xs[slot(px, 4 * nfull + i)];
            }
        }
        q.m = rq[0];
        q.hi = rq[1];
        q.rs1 = rq[2];
        if (sat_only && np == 4) {
            o[0] = (int8_t)tp_ssat8(tp_rq(acc[0], &q) + zadd);
            o[oc_n] = (int8_t)tp_ssat8(tp_rq(acc[1], &q) + zadd);
            o[2 * oc_n] = (int8_t)tp_ssat8(tp_rq(acc[2], &q) + zadd);
            o[3 * oc_n] = (int8_t)tp_ssat8(tp_rq(acc[3], &q) + zadd);
            continue;
        }
        for (px = 0; px < np; px++) {
            int32_t v = tp_rq(acc[px], &q) + zadd;
            v = v < lo ? lo : v;
            v = v > hi ? hi : v;
            o[px * oc_n] = (int8_t)v;
        }
    }
}

static void conv_gemm(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                      const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t K = p->k_h * p->k_w * p->k_c, nfull = K >> 2, tail = K & 3;
    const int32_t npix = p->out_h * p->out_w, oc_n = p->out_c;
    const uint32_t off2 = tp_dup16(p->input_offset);
    const int32_t oo = p->output_offset, lo = p->act_min, hi = p->act_max;
    int16_t *xs = p->scratch;
    /* after the pixels: the requantization constants of every channel, when all take the one-SMLAL path */
    const int32_t nch = nfull + (tail ? 1 : 0);
    int32_t *rq = (int32_t *)(void *)(xs + 16 * nch);
    /* after those: the staging bytes of layers with unaligned runs (4 * nch bytes) */
    int8_t *stage = (p->k_c & 3) ? (int8_t *)(rq + 3 * oc_n) : 0;
    int32_t b, pix, oc, px, all_fast, zadd;
    fill_t fl;
    const fill_t *fillp = 0;
    if (!stage && ((p->k_w * p->k_c) & 3) == 0) { /* whole-word rows: interior pixels in assembly */
        fl.off2 = off2;
        fl.words = p->k_w * p->k_c >> 2;
        fl.row = p->in_w * p->in_c;
        fl.k_h = p->k_h;
        fillp = &fl;
    }
    {
        const int mode = tp_rq_mode(mult, shift, oc_n);
        for (oc = 0; oc < oc_n; oc++) {
            tp_rq_t q;
            tp_rq_for(&q, mult[oc], shift[oc], oo, mode);
            rq[3 * oc] = q.m;
            rq[3 * oc + 1] = q.hi;
            rq[3 * oc + 2] = q.rs1;
        }
        all_fast = mode != TP_RQ_GENERAL;
        zadd = mode == TP_RQ_ZADD ? oo : 0;
    }
    for (b = 0; b < p->batches; b++) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * p->in_c;
        int8_t *out_b = output + b * npix * oc_n;
        int32_t oy = 0, ox = 0;
        for (pix = 0; pix < npix; pix += 4) {
            const int32_t np = npix - pix < 4 ? npix - pix : 4;
            int8_t *o = out_b + pix * oc_n;
            for (px = 0; px < 4; px++) {
                if (px < np && stage) {
                    fill_pixel_staged(p, in_b, oy, ox, px, off2, stage, nch);
                    if (++ox == p->out_w) {
                        ox = 0;
                        oy++;
                    }
                } else if (px < np) {
                    fill_pixel(p, in_b, oy, ox, px, off2, fillp);
                    if (++ox == p->out_w) {
                        ox = 0;
                        oy++;
                    }
                } else {
                    zero_run(xs, px, 0, K);
                }
            }
            if (tail && !stage) { /* the last chunk's missing values are zero on the input side */
                for (px = 0; px < 4; px++) {
                    zero_run(xs, px, K, 4 - tail);
                }
            }
            if (all_fast && nch) {
                if (zadd) {
                    channels_fast(xs, filter, K, bias, rq, oc_n, o, np, lo, hi, zadd);
                } else {
                    channels_fast(xs, filter, K, bias, rq, oc_n, o, np, lo, hi, 0);
                }
                continue;
            }
            for (oc = 0; oc < oc_n; oc++) {
                const int8_t *w = filter + oc * K;
                int32_t acc[4];
                tp_rq_t q;
                acc[0] = acc[1] = acc[2] = acc[3] = bias ? bias[oc] : 0;
                if (nfull) {
                    gemm4(xs, w, nfull, acc);
                }
                if (tail) {
                    int32_t i;
                    for (i = 0; i < tail; i++) {
                        const int32_t wv = w[4 * nfull + i];
                        for (px = 0; px < 4; px++) {
                            acc[px] += wv * xs[slot(px, 4 * nfull + i)];
                        }
                    }
                }
                tp_rq_init(&q, mult[oc], shift[oc], oo);
                for (px = 0; px < np; px++) {
                    o[px * oc_n + oc] = tp_rq_out(acc[px], &q, shift[oc], oo, lo, hi);
                }
            }
        }
    }
}

/* ---- packed layers: two filters x three pixels ----------------------------------------------------------------
 * Codegen (cortex_m4.py's pack_conv_2d) interleaves the filters two at a time per 4-value chunk, [filter a's 4
 * bytes][filter b's 4 bytes], pads K to whole chunks with zero weights, stores each odd byte minus the sign of
 * the even byte below it (a raw filter word's int16 lanes are then exactly 256*w_odd + w_even) and replaces the
 * bias with c = bias + input_offset*sum(w) + 127*sum(w_odd). The receptive fields take raw int8 values (padding
 * as the input zero point, whose contribution c cancels) and each 4-value word v of a field becomes two words:
 *     a = (x1 - 127, x3 - 127)                        SXTAB16 of v ROR 8 onto (-127, -127)
 *     b = (256*x0 + 127 - x1, 256*x2 + 127 - x3)      REV16 of v, EOR 0x007F007F
 * so that SMLAD(w, a) + SMLAD(SXTB16(w), b) = 256 * (w0 x0 + w1 x1 + w2 x2 + w3 x3) - 256*127*(w1 + w3) (the
 * same identity as tp_fully_connected_cm4.c's): the odd filter bytes are never unpacked. A block of three pixels
 * is laid out per chunk j as six words [a px0..2][b px0..2]; per chunk and filter pair one LDRD of the filter
 * words, two LDMs of three, two SXTB16 and twelve SMLADs: 25 cycles per 24 MACs. The 256-scaled sums wrap modulo
 * 2^32, but over at most 64 chunks their true value S satisfies |S| <= 256*128*128 + 128*127*128 < 2^23 (weights
 * in [-128, 127], raw inputs in [-128, 127]), so ASR #8 recovers S exactly; longer filters are summed in segments
 * of 64 chunks, unless codegen found |S| < 2^23 for every input from the layer's weights (128*sum|w| +
 * 127*|sum w_odd| below 2^23 for every filter: p->chunk, the chunks one pass may take). Accumulator + c is
 * then requantized in registers (tp_rq's one-SMLAL form).
 * Scratch: the block (24 * ceil(K/4) bytes), one partial block's outputs (3 * out_c bytes, rounded up to words),
 * 8 words per filter pair (c_a, c_b, then m, hi, rs1 per filter) and, with k_c % 4 != 0, the staging bytes of
 * one field (4 * ceil(K/4)). */
#define TP_SEG 64 /* chunks per exact segment */
#define TP_STR_(x) #x
#define TP_STR(x) TP_STR_(x)

/* one chunk's raw word as the (a, b) pair the block holds */
static inline uint32_t raw_a(uint32_t v) { return tp_sxtab16_ror8(0xFF81FF81u, v); }
static inline uint32_t raw_b(uint32_t v) { return tp_rev16(v) ^ 0x007F007Fu; }

#if TP_CM4_DSP
/* r0 block, r1 filter pair, r2 chunks (>= 1), r3-r5 filter a x pixels 0..2, r6-r8 filter b, r9/r10 the filter
 * words, r11/r12/lr three pixels' a (then b) words */
#define TP_PAIR_CHUNK                                                                                                 \
    "ldrd r9, r10, [r1], #8\n\t"                                                                                      \
    "ldm r0!, {r11, r12, lr}\n\t"                                                                                     \
    TP_MAC_2X3                                                                                                        \
    "ldm r0!, {r11, r12, lr}\n\t"                                                                                     \
    "sxtb16 r9, r9\n\t"                                                                                               \
    "sxtb16 r10, r10\n\t"                                                                                             \
    TP_MAC_2X3
/* the first chunk: SMUAD starts the sums */
#define TP_PAIR_FIRST                                                                                                 \
    "ldrd r9, r10, [r1], #8\n\t"                                                                                      \
    "ldm r0!, {r11, r12, lr}\n\t"                                                                                     \
    "smuad r3, r9, r11\n\t"                                                                                           \
    "smuad r4, r9, r12\n\t"                                                                                           \
    "smuad r5, r9, lr\n\t"                                                                                            \
    "smuad r6, r10, r11\n\t"                                                                                          \
    "smuad r7, r10, r12\n\t"                                                                                          \
    "smuad r8, r10, lr\n\t"                                                                                           \
    "ldm r0!, {r11, r12, lr}\n\t"                                                                                     \
    "sxtb16 r9, r9\n\t"                                                                                               \
    "sxtb16 r10, r10\n\t"                                                                                             \
    TP_MAC_2X3
/* r2 chunks: the count mod 4 first, then four a turn (the chunks set no flags) */
#define TP_PAIR_LOOP                                                                                                  \
    "lsrs r2, r2, #1\n\t"                                                                                             \
    "bcc 2f\n\t"                                                                                                      \
    TP_PAIR_CHUNK                                                                                                     \
    "2:\n\t"                                                                                                          \
    "lsrs r2, r2, #1\n\t"                                                                                             \
    "bcc 4f\n\t"                                                                                                      \
    TP_PAIR_CHUNK                                                                                                     \
    TP_PAIR_CHUNK                                                                                                     \
    "4:\n\t"                                                                                                          \
    "beq 3f\n\t"                                                                                                      \
    "1:\n\t"                                                                                                          \
    TP_PAIR_CHUNK                                                                                                     \
    TP_PAIR_CHUNK                                                                                                     \
    TP_PAIR_CHUNK                                                                                                     \
    TP_PAIR_CHUNK                                                                                                     \
    "subs r2, r2, #1\n\t"                                                                                             \
    "bne 1b\n\t"                                                                                                      \
    "3:\n\t"

/* acc[0..5] += the exact sums of one filter pair over the block's n chunks (segments of TP_SEG) */
__attribute__((naked, noinline)) static void gemm_pair(TP_ARG const uint32_t *xs, TP_ARG const int8_t *w,
                                                       TP_ARG int32_t n, TP_ARG int32_t *acc)
{
    __asm volatile(
        "push {r3-r11, lr}\n\t" /* [sp]: acc; 10 registers keep the stack 8-byte aligned */
        "6:\n\t"
        "movs r3, #0\n\t"
        "movs r4, #0\n\t"
        "movs r5, #0\n\t"
        "movs r6, #0\n\t"
        "movs r7, #0\n\t"
        "movs r8, #0\n\t"
        "subs r9, r2, #" TP_STR(TP_SEG) "\n\t"
        "it gt\n\t"
        "movgt r2, #" TP_STR(TP_SEG) "\n\t"
        "push {r9}\n\t" /* chunks left after this segment (<= 0: none) */
        TP_PAIR_LOOP
        "ldr r2, [sp, #4]\n\t"
        "ldm r2, {r9, r10, r11}\n\t"
        "add r9, r9, r3, asr #8\n\t"
        "add r10, r10, r4, asr #8\n\t"
        "add r11, r11, r5, asr #8\n\t"
        "stm r2!, {r9, r10, r11}\n\t"
        "ldm r2, {r9, r10, r11}\n\t"
        "add r9, r9, r6, asr #8\n\t"
        "add r10, r10, r7, asr #8\n\t"
        "add r11, r11, r8, asr #8\n\t"
        "stm r2, {r9, r10, r11}\n\t"
        "pop {r2}\n\t"
        "cmp r2, #0\n\t"
        "bgt 6b\n\t"
        "pop {r3-r11, pc}\n\t");
}

/* The fused forms: every filter pair of a block in one call, sums + c requantized (tp_rq, SSAT) and stored in
 * registers. The C side's pairs_t is copied to the stack (one LDM reads the epilogue's three pointers); the
 * multi-segment form keeps the pair's folded sums (c included) above it. */
typedef struct {
    int32_t s;          /* 0: bytes between the pixels' outputs */
    const int32_t *tab; /* 4: the next pair's (c_a, c_b, m_a, hi_a, rs1_a, m_b, hi_b, rs1_b) */
    int8_t *o;          /* 8: the next pair's first output (pixel 0) */
    int8_t *end;        /* 12: o past the last pair */
    const uint32_t *xs; /* 16: the block */
    int32_t n;          /* 20: chunks per filter */
    int32_t zadd;       /* 24: the zero point added after the shift, or the top clamp */
} pairs_t;

/* requantize accumulator X (c added): the result in r2; r10-r12 the filter's m, hi, rs1; r9 is free */
#define TP_PAIR_RQ(X, ZADD, ADDR)                                                                                     \
    "and r9, " X ", #0x80000000\n\t"                                                                                  \
    "orr r9, r9, #0x40000000\n\t"                                                                                     \
    "add r2, r11, " X ", asr #31\n\t"                                                                                 \
    "smlal r9, r2, " X ", r10\n\t"                                                                                    \
    "asr r2, r2, r12\n\t"                                                                                             \
    ZADD                                                                                                          \
    "ssat r2, #8, r2\n\t"                                                                                             \
    "strb r2, " ADDR "\n\t"
#define TP_PAIR_ZADD "ldr r9, [sp, #24]\n\tadd r2, r2, r9\n\t"
#define TP_PAIR_TOP "ldr r9, [sp, #24]\n\tcmp r2, r9\n\tit gt\n\tmovgt r2, r9\n\t"

/* r3-r8 the pair's sums + c, r0 s, lr o, r9 the pair's m_a: six outputs, then the next pair or the end */
#define TP_PAIR_OUT(ZADD)                                                                                             \
    "ldm r9!, {r10, r11, r12}\n\t"                                                                                    \
    "str r9, [sp, #4]\n\t"                                                                                            \
    TP_PAIR_RQ("r3", ZADD, "[lr]")                                                                                    \
    TP_PAIR_RQ("r4", ZADD, "[lr, r0]")                                                                                \
    TP_PAIR_RQ("r5", ZADD, "[lr, r0, lsl #1]")                                                                        \
    "ldr r9, [sp, #4]\n\t"                                                                                            \
    "ldm r9!, {r10, r11, r12}\n\t"                                                                                    \
    "str r9, [sp, #4]\n\t"                                                                                            \
    "adds lr, lr, #1\n\t"                                                                                             \
    TP_PAIR_RQ("r6", ZADD, "[lr]")                                                                                    \
    TP_PAIR_RQ("r7", ZADD, "[lr, r0]")                                                                                \
    TP_PAIR_RQ("r8", ZADD, "[lr, r0, lsl #1]")                                                                        \
    "adds lr, lr, #1\n\t"                                                                                             \
    "str lr, [sp, #8]\n\t"                                                                                            \
    "ldr r9, [sp, #12]\n\t"                                                                                           \
    "cmp lr, r9\n\t"                                                                                                  \
    "bne 5b\n\t"

/* filters of at most TP_SEG chunks */
#define TP_PAIRS1(name, ZADD)                                                                                         \
__attribute__((naked, noinline)) static void name(TP_ARG const pairs_t *c, TP_ARG const int8_t *w)                    \
{                                                                                                                     \
    __asm volatile(                                                                                                   \
        "push {r4-r11, lr}\n\t"                                                                                       \
        "ldm r0, {r2, r3, r4, r5, r6, r7, r8}\n\t"                                                                    \
        "push {r2, r3, r4, r5, r6, r7, r8}\n\t"                                                                       \
        "5:\n\t"                                                                                                      \
        "ldrd r0, r2, [sp, #16]\n\t"                                                                                  \
        TP_PAIR_FIRST                                                                                                 \
        "subs r2, r2, #1\n\t"                                                                                         \
        TP_PAIR_LOOP                                                                                                  \
        "ldm sp, {r0, r9, lr}\n\t"                                                                                    \
        "ldrd r10, r11, [r9], #8\n\t"                                                                                 \
        "add r3, r10, r3, asr #8\n\t"                                                                                 \
        "add r4, r10, r4, asr #8\n\t"                                                                                 \
        "add r5, r10, r5, asr #8\n\t"                                                                                 \
        "add r6, r11, r6, asr #8\n\t"                                                                                 \
        "add r7, r11, r7, asr #8\n\t"                                                                                 \
        "add r8, r11, r8, asr #8\n\t"                                                                                 \
        TP_PAIR_OUT(ZADD)                                                                                             \
        "add sp, sp, #28\n\t"                                                                                         \
        "pop {r4-r11, pc}\n\t");                                                                                      \
}
/* The SMMLAR form (codegen's p->group 1: the bias holds 256 * c, the sums exact in one pass with c included):
 * the sums start at 256 * c, so x2 = acc ASR 7 is twice the accumulator and SMMLAR(x2, m) its doubling high
 * multiply, rounded; the table's (m, C, rs) per filter has C = 2^(rs-1) + zp * 2^rs - the sign nudge added
 * per output - so ASR rs ends the rounding right shift with the zero point in (tp_fully_connected_cm4.c's
 * form). With tiny scales (rs > 23) C leaves the zero point out and r9 adds it after the shift. */
/* requantize accumulator X of the SMMLAR form into r2 (m r10, C r11, rs r12; ZADD: r9 added) and store it */
#define TP_PAIR_MM(X, ZADD, ADDR)                                                                                 \
    "asr " X ", " X ", #7\n\t"                                                                                    \
    "add r2, r11, " X ", asr #31\n\t"                                                                             \
    "smmlar r2, " X ", r10, r2\n\t"                                                                               \
    "asr r2, r2, r12\n\t"                                                                                         \
    ZADD                                                                                                          \
    "ssat r2, #8, r2\n\t"                                                                                         \
    "strb r2, " ADDR "\n\t"
#define TP_PAIRS1_MM(name, ZLOAD, ZADD)                                                                               \
__attribute__((naked, noinline)) static void name(TP_ARG const pairs_t *c, TP_ARG const int8_t *w)                    \
{                                                                                                                     \
    __asm volatile(                                                                                                   \
        "push {r4-r11, lr}\n\t"                                                                                       \
        "ldm r0, {r2, r3, r4, r5, r6, r7, r8}\n\t"                                                                    \
        "push {r2, r3, r4, r5, r6, r7, r8}\n\t"                                                                       \
        "5:\n\t"                                                                                                      \
        "ldr r9, [sp, #4]\n\t"                                                                                        \
        "ldrd r3, r6, [r9]\n\t"                                                                                       \
        "mov r4, r3\n\t"                                                                                              \
        "mov r5, r3\n\t"                                                                                              \
        "mov r7, r6\n\t"                                                                                              \
        "mov r8, r6\n\t"                                                                                              \
        "ldrd r0, r2, [sp, #16]\n\t"                                                                                  \
        TP_PAIR_LOOP                                                                                                  \
        "ldm sp, {r0, r9, lr}\n\t"                                                                                    \
        "adds r9, r9, #8\n\t"                                                                                         \
        "ldm r9!, {r10, r11, r12}\n\t"                                                                                \
        "str r9, [sp, #4]\n\t"                                                                                        \
        ZLOAD                                                                                                         \
        TP_PAIR_MM("r3", ZADD, "[lr]")                                                                                \
        TP_PAIR_MM("r4", ZADD, "[lr, r0]")                                                                            \
        TP_PAIR_MM("r5", ZADD, "[lr, r0, lsl #1]")                                                                    \
        "ldr r2, [sp, #4]\n\t"                                                                                        \
        "ldm r2!, {r10, r11, r12}\n\t"                                                                                \
        "str r2, [sp, #4]\n\t"                                                                                        \
        "adds lr, lr, #1\n\t"                                                                                         \
        TP_PAIR_MM("r6", ZADD, "[lr]")                                                                                \
        TP_PAIR_MM("r7", ZADD, "[lr, r0]")                                                                            \
        TP_PAIR_MM("r8", ZADD, "[lr, r0, lsl #1]")                                                                    \
        "adds lr, lr, #1\n\t"                                                                                         \
        "str lr, [sp, #8]\n\t"                                                                                        \
        "ldr r2, [sp, #12]\n\t"                                                                                       \
        "cmp lr, r2\n\t"                                                                                              \
        "bne 5b\n\t"                                                                                                  \
        "add sp, sp, #28\n\t"                                                                                         \
        "pop {r4-r11, pc}\n\t");                                                                                      \
}
TP_PAIRS1_MM(pairs1_mm, "", "")
TP_PAIRS1_MM(pairs1_mmz, "ldr r9, [sp, #24]\n\t", "add r2, r2, r9\n\t")

/* longer filters: segments of TP_SEG chunks folded into the sums on the stack */
#define TP_PAIRSN(name, ZADD)                                                                                         \
__attribute__((naked, noinline)) static void name(TP_ARG const pairs_t *c, TP_ARG const int8_t *w)                    \
{                                                                                                                     \
    __asm volatile(                                                                                                   \
        "push {r4-r11, lr}\n\t"                                                                                       \
        "sub sp, sp, #40\n\t"                                                                                         \
        "ldm r0, {r2, r3, r4, r5, r6, r7, r8}\n\t"                                                                    \
        "push {r2, r3, r4, r5, r6, r7, r8}\n\t"                                                                       \
        "5:\n\t"                                                                                                      \
        "ldr r9, [sp, #4]\n\t"                                                                                        \
        "ldrd r10, r11, [r9]\n\t"                                                                                     \
        "mov r12, r10\n\t"                                                                                            \
        "mov lr, r10\n\t"                                                                                             \
        "add r9, sp, #36\n\t"                                                                                         \
        "stm r9!, {r10, r12, lr}\n\t"                                                                                 \
        "mov r12, r11\n\t"                                                                                            \
        "mov lr, r11\n\t"                                                                                             \
        "stm r9, {r11, r12, lr}\n\t"                                                                                  \
        "ldrd r0, r2, [sp, #16]\n\t"                                                                                  \
        "21:\n\t"                                                                                                     \
        "subs r9, r2, #" TP_STR(TP_SEG) "\n\t"                                                                        \
        "it gt\n\t"                                                                                                   \
        "movgt r2, #" TP_STR(TP_SEG) "\n\t"                                                                           \
        "str r9, [sp, #28]\n\t"                                                                                       \
        TP_PAIR_FIRST                                                                                                 \
        "subs r2, r2, #1\n\t"                                                                                         \
        TP_PAIR_LOOP                                                                                                  \
        "ldr r2, [sp, #28]\n\t"                                                                                       \
        "cmp r2, #0\n\t"                                                                                              \
        "ble 25f\n\t"                                                                                                 \
        "add r9, sp, #36\n\t"                                                                                         \
        "ldm r9, {r10, r11, r12}\n\t"                                                                                 \
        "add r10, r10, r3, asr #8\n\t"                                                                                \
        "add r11, r11, r4, asr #8\n\t"                                                                                \
        "add r12, r12, r5, asr #8\n\t"                                                                                \
        "stm r9!, {r10, r11, r12}\n\t"                                                                                \
        "ldm r9, {r10, r11, r12}\n\t"                                                                                 \
        "add r10, r10, r6, asr #8\n\t"                                                                                \
        "add r11, r11, r7, asr #8\n\t"                                                                                \
        "add r12, r12, r8, asr #8\n\t"                                                                                \
        "stm r9, {r10, r11, r12}\n\t"                                                                                 \
        "b 21b\n\t"                                                                                                   \
        "25:\n\t"                                                                                                     \
        "add r2, sp, #36\n\t"                                                                                         \
        "ldm r2, {r0, r9, r10, r11, r12, lr}\n\t"                                                                     \
        "add r3, r0, r3, asr #8\n\t"                                                                                  \
        "add r4, r9, r4, asr #8\n\t"                                                                                  \
        "add r5, r10, r5, asr #8\n\t"                                                                                 \
        "add r6, r11, r6, asr #8\n\t"                                                                                 \
        "add r7, r12, r7, asr #8\n\t"                                                                                 \
        "add r8, lr, r8, asr #8\n\t"                                                                                  \
        "ldm sp, {r0, r9, lr}\n\t"                                                                                    \
        "adds r9, r9, #8\n\t"                                                                                         \
        TP_PAIR_OUT(ZADD)                                                                                             \
        "add sp, sp, #68\n\t"                                                                                         \
        "pop {r4-r11, pc}\n\t");                                                                                      \
}
TP_PAIRS1(pairs1_sat, "")
TP_PAIRS1(pairs1_z, TP_PAIR_ZADD)
TP_PAIRS1(pairs1_top, TP_PAIR_TOP)
TP_PAIRSN(pairsn_sat, "")
TP_PAIRSN(pairsn_z, TP_PAIR_ZADD)
TP_PAIRSN(pairsn_top, TP_PAIR_TOP)
#else
static void gemm_pair(const uint32_t *xs, const int8_t *w, int32_t n, int32_t *acc)
{
    int32_t j0, j, f, px;
    for (j0 = 0; j0 < n; j0 += TP_SEG) {
        const int32_t stop = n - j0 < TP_SEG ? n : j0 + TP_SEG;
        uint32_t s[6] = {0, 0, 0, 0, 0, 0};
        for (j = j0; j < stop; j++) {
            for (f = 0; f < 2; f++) {
                const uint32_t wr = tp_ld32(w + 8 * j + 4 * f), we = tp_sxtb16(wr);
                for (px = 0; px < 3; px++) {
                    s[3 * f + px] = (uint32_t)tp_smlad(wr, xs[6 * j + px], (int32_t)s[3 * f + px]);
                    s[3 * f + px] = (uint32_t)tp_smlad(we, xs[6 * j + 3 + px], (int32_t)s[3 * f + px]);
                }
            }
        }
        for (f = 0; f < 6; f++) acc[f] += tp_asr8(s[f]);
    }
}
#endif

#if TP_CM4_DSP
/* fill_rows for the packed layout: each word of a row becomes its a and b words (chunks 24 bytes apart, b 12
 * bytes after a); r3 holds (-127, -127) */
#define TP_RAW1(w, e, d)                                                                                          \
    "sxtab16 " e ", r3, " w ", ror #8\n\t"                                                                            \
    "rev16 " w ", " w "\n\t"                                                                                          \
    "eor " w ", " w ", #0x007F007F\n\t"                                                                               \
    "str " e ", [r0, #" d "]\n\t"                                                                                     \
    "str " w ", [r0, #" d " + 12]\n\t"

TP_FILL_ROWS(fill_rows_raw, uint32_t, TP_RAW1, "24", "48", "72")

/* Three neighbouring interior fields of one output row at once (src: the first's; f->pxs apart): per row word,
 * three loads, the three pixels' a and b words, and one STM of the block's whole chunk. */
__attribute__((naked, noinline)) static void fill3_raw(TP_ARG uint32_t *d, TP_ARG const int8_t *src,
                                                       TP_ARG const fill_t *f)
{
    __asm volatile(
        "push {r4-r11, lr}\n\t"
        "ldr r3, [r2, #0]\n\t"
        "ldr r7, [r2, #4]\n\t"
        "ldr r5, [r2, #8]\n\t"
        "ldr r6, [r2, #12]\n\t"
        "ldr r2, [r2, #16]\n\t"
        "sub r5, r5, r7, lsl #2\n\t"
        "6:\n\t"
        "mov r4, r7\n\t"
        "1:\n\t"
        "ldr r9, [r1, r2]\n\t"
        "ldr r10, [r1, r2, lsl #1]\n\t"
        "ldr r8, [r1], #4\n\t"
        "rev16 r11, r8\n\t"
        "rev16 r12, r9\n\t"
        "rev16 lr, r10\n\t"
        "eor r11, r11, #0x007F007F\n\t"
        "eor r12, r12, #0x007F007F\n\t"
        "eor lr, lr, #0x007F007F\n\t"
        "sxtab16 r8, r3, r8, ror #8\n\t"
        "sxtab16 r9, r3, r9, ror #8\n\t"
        "sxtab16 r10, r3, r10, ror #8\n\t"
        "stm r0!, {r8, r9, r10, r11, r12, lr}\n\t"
        "subs r4, r4, #1\n\t"
        "bne 1b\n\t"
        "add r1, r1, r5\n\t"
        "subs r6, r6, #1\n\t"
        "bne 6b\n\t"
        "pop {r4-r11, pc}\n\t");
}
#endif

/* n words of raw input (or staged bytes) as the (a, b) words of one pixel of the block */
__attribute__((noinline)) static void put_words(uint32_t *d, const int8_t *src, int32_t n)
{
    for (; n > 0; n--, src += 4, d += 6) {
        const uint32_t v = tp_ld32(src);
        d[0] = raw_a(v);
        d[3] = raw_b(v);
    }
}

/* k_h rows of run bytes, row bytes apart, one after the other (an interior field whose rows are not whole words) */
__attribute__((noinline)) static void stage_rows(int8_t *s, const int8_t *src, int32_t row, int32_t k_h, int32_t run)
{
    int32_t ky, j;
    for (ky = 0; ky < k_h; ky++, src += row, s += run) {
        for (j = 0; j + 4 <= run; j += 4) tp_st32(s + j, tp_ld32(src + j));
        for (; j < run; j++) s[j] = src[j];
    }
}

/* n chunks of padding (the zero point's a and b words) */
static void put_pad(uint32_t *d, int32_t n, uint32_t a, uint32_t b)
{
    for (; n > 0; n--, d += 6) {
        d[0] = a;
        d[3] = b;
    }
}

/* The field of output pixel (oy, ox) of image in_b as pixel px of the block, raw (padding as the zero point):
 * interior fields with whole-word rows straight from the input in assembly; with whole-word channels (k_c % 4
 * == 0) a row's valid columns word by word and its padding as the zero point's words; others through the
 * staging bytes. */
static void fill_raw(const tp_conv_params_t *p, const int8_t *in_b, int32_t oy, int32_t ox, int32_t px,
                     int8_t *stage, int32_t nch, const fill_t *f)
{
    const int32_t kc = p->k_c, run = p->k_w * kc, row = p->in_w * p->in_c;
    const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    const int32_t kx_lo = x0 < 0 ? -x0 : 0;
    const int32_t kx_hi = p->in_w - x0 < p->k_w ? p->in_w - x0 : p->k_w;
    const int8_t zp = (int8_t)-p->input_offset;
    const int interior = x0 >= 0 && kx_hi == p->k_w && y0 >= 0 && y0 + p->k_h <= p->in_h;
    uint32_t *d = (uint32_t *)(void *)p->scratch + px;
    int8_t *s = stage;
    int32_t ky, i, j;
#if TP_CM4_DSP
    if (f && interior) {
        fill_rows_raw(d, in_b + y0 * row + x0 * kc, f);
        return;
    }
#else
    (void)f;
#endif
    if ((kc & 3) == 0) {
        const uint32_t zw = 0x01010101u * (uint8_t)zp, za = raw_a(zw), zb = raw_b(zw);
        const int32_t wpc = kc >> 2, rw = run >> 2;
        for (ky = 0; ky < p->k_h; ky++, d += 6 * rw) {
            const int32_t y = y0 + ky;
            if (y < 0 || y >= p->in_h || kx_hi <= kx_lo) {
                put_pad(d, rw, za, zb);
                continue;
            }
            put_pad(d, kx_lo * wpc, za, zb);
            put_words(d + 6 * kx_lo * wpc, in_b + y * row + (x0 + kx_lo) * kc, (kx_hi - kx_lo) * wpc);
            put_pad(d + 6 * kx_hi * wpc, (p->k_w - kx_hi) * wpc, za, zb);
        }
        return;
    }
    tp_st32(stage + 4 * (nch - 1), 0x01010101u * (uint8_t)zp); /* the last chunk's spare values */
    if (interior) {
        stage_rows(stage, in_b + y0 * row + x0 * kc, row, p->k_h, run);
        put_words(d, stage, nch);
        return;
    }
    for (ky = 0; ky < p->k_h; ky++, s += run) {
        const int32_t y = y0 + ky, lo = kx_lo * kc, hi = kx_hi * kc;
        if (y < 0 || y >= p->in_h || kx_hi <= kx_lo) {
            for (i = 0; i < run; i++) s[i] = zp;
            continue;
        }
        for (i = 0; i < lo; i++) s[i] = zp;
        {
            const int8_t *src = in_b + y * row + (x0 + kx_lo) * kc;
            for (j = lo; j + 4 <= hi; j += 4, src += 4) tp_st32(s + j, tp_ld32(src));
            for (; j < hi; j++) s[j] = *src++;
        }
        for (i = hi; i < run; i++) s[i] = zp;
    }
    put_words(d, stage, nch);
}

static void conv_pairs(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *c,
                       const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t K = p->k_h * p->k_w * p->k_c, nch = (K + 3) >> 2;
    const int32_t npix = p->out_h * p->out_w, oc_n = p->out_c;
    const int32_t oo = p->output_offset, lo = p->act_min, hi = p->act_max;
    uint32_t *xs = (uint32_t *)(void *)p->scratch;
    int8_t *part = (int8_t *)(xs + 6 * nch);
    int32_t *tab = (int32_t *)(void *)(part + ((3 * oc_n + 3) & ~3));
    int8_t *stage = (int8_t *)(tab + 4 * oc_n);
    int32_t b, pix, oc, px, all_fast, zadd;
    /* codegen's SMMLAR form (the bias is 256 * c) runs in pairs1_mm where the range is int8's, else c again */
    const int mm = p->group == 1, use_mm = TP_CM4_DSP && mm && lo == -128 && hi == 127 && nch <= p->chunk;
    fill_t fl;
    const fill_t *fillp = 0;
    if (((p->k_w * p->k_c) & 3) == 0) { /* whole-word rows: interior fields in assembly */
        fl.off2 = 0xFF81FF81u; /* (-127, -127) */
        fl.words = p->k_w * p->k_c >> 2;
        fl.row = p->in_w * p->in_c;
        fl.k_h = p->k_h;
        fl.pxs = p->stride_w * p->k_c;
        fillp = &fl;
    }
    if (use_mm) { /* (m, C, rs) per filter: see pairs1_mm */
        int tiny = 0;
        uint32_t z;
        for (oc = 0; oc < oc_n; oc++) tiny |= shift[oc] < -23;
        z = tiny ? 0u : (uint32_t)oo;
        for (oc = 0; oc < oc_n; oc++) {
            int32_t *t = tab + 8 * (oc >> 1) + 3 * (oc & 1);
            const int dead = mult[oc] == 0; /* (1 + 2 zp - nudge) >> 1 = zp */
            tab[8 * (oc >> 1) + (oc & 1)] = c[oc];
            t[2] = mult[oc];
            t[3] = (int32_t)(dead ? 1u + 2u * z : (1u << (-shift[oc] - 1)) + (z << -shift[oc]));
            t[4] = dead ? 1 : -shift[oc];
        }
        all_fast = 1;
        zadd = tiny ? oo : 0;
    } else {
        const int mode = tp_rq_mode(mult, shift, oc_n);
        for (oc = 0; oc < oc_n; oc++) { /* per pair: c_a, c_b, then (m, hi, rs1) of a and of b */
            int32_t *t = tab + 8 * (oc >> 1) + 3 * (oc & 1);
            tp_rq_t q;
            tp_rq_for(&q, mult[oc], shift[oc], oo, mode);
            tab[8 * (oc >> 1) + (oc & 1)] = mm ? c[oc] >> 8 : c[oc]; /* (SMMLAR form elsewhere: c again) */
            t[2] = q.m;
            t[3] = q.hi;
            t[4] = q.rs1;
        }
        all_fast = mode != TP_RQ_GENERAL;
        zadd = mode == TP_RQ_ZADD ? oo : 0;
    }
    for (b = 0; b < p->batches; b++) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * p->in_c;
        int8_t *out_b = output + b * npix * oc_n;
        int32_t oy = 0, ox = 0;
        for (pix = 0; pix < npix; pix += 3) {
            const int32_t np = npix - pix < 3 ? npix - pix : 3;
            int8_t *o = out_b + pix * oc_n;
#if TP_CM4_DSP
            if (fillp && np == 3 && ox + 2 < p->out_w) {
                const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
                if (y0 >= 0 && y0 + p->k_h <= p->in_h && x0 >= 0 && x0 + 2 * p->stride_w + p->k_w <= p->in_w) {
                    fill3_raw(xs, in_b + y0 * fl.row + x0 * p->k_c, fillp);
                    ox += 3;
                    if (ox == p->out_w) {
                        ox = 0;
                        oy++;
                    }
                    goto filled;
                }
            }
#endif
            for (px = 0; px < 3; px++) {
                if (px < np) {
                    fill_raw(p, in_b, oy, ox, px, stage, nch, fillp);
                    if (++ox == p->out_w) {
                        ox = 0;
                        oy++;
                    }
                } else {
                    int32_t j;
                    for (j = 0; j < nch; j++) xs[6 * j + px] = xs[6 * j + 3 + px] = 0;
                }
            }
#if TP_CM4_DSP
        filled:
#endif
#if TP_CM4_DSP
            if (use_mm || (all_fast && ((lo == -128 && hi == 127) || (lo == -128 && !zadd)))) {
                pairs_t ctx;
                const int single = nch <= TP_SEG || nch <= p->chunk; /* codegen: exact in one */
                ctx.xs = xs;
                ctx.n = nch;
                ctx.tab = tab;
                ctx.o = np == 3 ? o : part;
                ctx.s = oc_n;
                ctx.end = ctx.o + oc_n;
                ctx.zadd = zadd;
                if (use_mm) {
                    (zadd ? pairs1_mmz : pairs1_mm)(&ctx, filter);
                } else if (hi < 127) {
                    ctx.zadd = hi;
                    (single ? pairs1_top : pairsn_top)(&ctx, filter);
                } else if (zadd) {
                    (single ? pairs1_z : pairsn_z)(&ctx, filter);
                } else {
                    (single ? pairs1_sat : pairsn_sat)(&ctx, filter);
                }
                if (np < 3) {
                    for (px = 0; px < np * oc_n; px++) o[px] = part[px];
                }
                continue;
            }
#else
            (void)part;
#endif
            for (oc = 0; oc < oc_n; oc += 2) {
                int32_t acc[6] = {0, 0, 0, 0, 0, 0}, f;
                gemm_pair(xs, filter + oc * 4 * nch, nch, acc);
                for (f = 0; f < 2; f++) {
                    const int32_t *t = tab + 8 * (oc >> 1);
                    tp_rq_t q;
                    q.m = t[2 + 3 * f];
                    q.hi = t[3 + 3 * f];
                    q.rs1 = t[4 + 3 * f];
                    for (px = 0; px < np; px++) {
                        const int32_t x = (int32_t)((uint32_t)acc[3 * f + px] + (uint32_t)t[f]);
                        int32_t v = all_fast ? tp_rq(x, &q) + zadd : tp_requant(x, mult[oc + f], shift[oc + f]) + oo;
                        v = v < lo ? lo : v;
                        v = v > hi ? hi : v;
                        o[px * oc_n + oc + f] = (int8_t)v;
                    }
                }
            }
        }
    }
}

void tp_conv_2d_s8(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                   const int32_t *mult, const int32_t *shift, int8_t *output)
{
    if (p->k_c != p->in_c || p->dil_h != 1 || p->dil_w != 1 || !p->scratch) {
        tp_conv_2d_ref(p, input, filter, bias, mult, shift, output);
        return;
    }
    if (p->packed == 2) {
        conv_winograd(p, input, filter, bias, mult, shift, output);
        return;
    }
    if (p->packed) {
        conv_pairs(p, input, filter, bias, mult, shift, output);
        return;
    }
    conv_gemm(p, input, filter, bias, mult, shift, output);
}
