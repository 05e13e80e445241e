/* CONV_2D 3x3, stride 1, by Winograd F(2x2, 3x3), exact in integers: tp_conv_2d_cm4.c's packed == 2 layers.
 * Static functions of that file, kept apart so each algorithm reads on its own.
 *
 * Each 2x2 block of outputs (a tile) of one output channel is A^T [ sum over input channels of U . V ] A, where
 * V = B^T d B is the tile's 4x4 input patch d (input offset added, padding 0) transformed and U = G2 g G2^T the
 * channel's 3x3 filter g transformed by G with its halves doubled (their 1/2 moves into the output transform,
 * A2 = 2 A D^-1, D = diag(1, 2, 2, 1)): 16 products per tile and channel instead of 36. Every transform is
 * additions (and doublings) only, so the result is exactly 4x the direct convolution's sum; |V| <= 4*255 and
 * |U| <= 9*128 fit int16 lanes, the lane products and their sums over the channels wrap modulo 2^32 at worst,
 * and the direct sum itself is below 9*in_c*128*255 < 2^29 (codegen checks), so an arithmetic shift by 2 of the
 * wrapped 4x sum recovers it exactly: the outputs equal the portable kernel's bit for bit.
 *
 * Input channels are taken in pairs, (4q, 4q+2) and (4q+1, 4q+3) of each quad (what SXTAB16 and its ROR 8
 * form make of one word), so V and U words hold two channels' int16 lanes and one SMLAD does two products: per
 * filter pair, tile triple and transform position, a GEMM over the channel pairs of two loads of U words, one
 * LDM of three tiles' V words and six SMLADs (13 cycles per 12 products). V is computed for
 * p->group tile triples at a time, U for one filter pair at a time and reused over those triples.
 *
 * Codegen's layout (cortex_m4.py's pack_conv_winograd): per filter pair, per input channel pair j (channels c,
 * c'), per tap t (row-major 3x3) one word [w_a(t, c), w_b(t, c), w_a(t, c'), w_b(t, c')], so SXTB16 gives filter
 * a's two channels and SXTB16 ROR 8 filter b's; or (p->chunk == 0) U itself, made at codegen time, per filter
 * pair 32 words per channel pair in wino_filter's order (3.6x the filter's flash, no transform at run time).
 * The bias is the model's.
 * Scratch (words): V 48*nj per triple of the group ([xi][j][tile]), U 32*p->chunk ([j][filter][xi]: the filter
 * transform runs p->chunk channel pairs at a time, the GEMM adding to its sums), the GEMM's 96 sums per triple,
 * 7 constants per channel, then in_c bytes of the input zero point (nj: input channel pairs). */
#ifndef TP_CONV_WINOGRAD_CM4_H
#define TP_CONV_WINOGRAD_CM4_H

#include "tp_cm4.h"
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

/* B^T x B of a 4x4 block of words, in place (lanes independent) */
static inline void wino_bt(uint32_t *d)
{
    int32_t i;
    for (i = 0; i < 4; i++) { /* columns: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3 */
        const uint32_t a = d[i], b = d[4 + i], c = d[8 + i], e = d[12 + i];
        d[i] = tp_ssub16(a, c);
        d[4 + i] = tp_sadd16(b, c);
        d[8 + i] = tp_ssub16(c, b);
        d[12 + i] = tp_ssub16(b, e);
    }
    for (i = 0; i < 16; i += 4) { /* rows: the same across */
        const uint32_t a = d[i], b = d[i + 1], c = d[i + 2], e = d[i + 3];
        d[i] = tp_ssub16(a, c);
        d[i + 1] = tp_sadd16(b, c);
        d[i + 2] = tp_ssub16(c, b);
        d[i + 3] = tp_ssub16(b, e);
    }
}

/* A tile's patch: its 16 positions' input pointers (row-major; padding points at zero-point bytes), then 4 * the
 * input offset per lane (one word each on the Cortex-M4, what the assembly reads) */
typedef union {
    const int8_t *p;
    uint32_t w;
} wino_tab_t;

#if TP_CM4_DSP
/* One half (the even channel pair: SXTB16, or the odd one: SXTB16 ROR 8) of a tile's channel quad: tab holds the
 * 16 patch positions' pointers (row-major; padding points at zero-point bytes) and then 4 * the input offset per
 * lane; q the quad's byte offset, v the first V word, s the bytes between positions. B^T d B of the raw values,
 * the offset added afterwards (B^T 1 B is 4 at position 5, 0 elsewhere). Rows first: output columns 0-1 from
 * input columns 0-2, then 2-3 from 1-3, eight row values in registers each time. */
#define TP_WINO_HALF(name, EXT)                                                                                       \
__attribute__((naked, noinline)) static void name(__attribute__((unused)) const wino_tab_t *tab,                      \
                                                  __attribute__((unused)) int32_t q,                                  \
                                                  __attribute__((unused)) uint32_t *v,                                \
                                                  __attribute__((unused)) int32_t s)                                  \
{                                                                                                                     \
    __asm volatile(                                                                                                   \
        "push {r4-r11, lr}\n\t"                                                                                       \
        "ldr r4, [r0, #0]\n\t"                                                                                        \
        "ldr r5, [r0, #4]\n\t"                                                                                        \
        "ldr r12, [r0, #8]\n\t"                                                                                       \
        "ldr r4, [r4, r1]\n\t"                                                                                        \
        "ldr r5, [r5, r1]\n\t"                                                                                        \
        "ldr r12, [r12, r1]\n\t"                                                                                      \
        "sxtb16 r4, r4" EXT "\n\t"                                                                                    \
        "sxtb16 r5, r5" EXT "\n\t"                                                                                    \
        "sxtb16 r12, r12" EXT "\n\t"                                                                                  \
        "ssub16 r4, r4, r12\n\t"                                                                                      \
        "sadd16 r5, r5, r12\n\t"                                                                                      \
        "ldr r6, [r0, #16]\n\t"                                                                                       \
        "ldr r7, [r0, #20]\n\t"                                                                                       \
        "ldr r12, [r0, #24]\n\t"                                                                                      \
        "ldr r6, [r6, r1]\n\t"                                                                                        \
        "ldr r7, [r7, r1]\n\t"                                                                                        \
        "ldr r12, [r12, r1]\n\t"                                                                                      \
        "sxtb16 r6, r6" EXT "\n\t"                                                                                    \
        "sxtb16 r7, r7" EXT "\n\t"                                                                                    \
        "sxtb16 r12, r12" EXT "\n\t"                                                                                  \
        "ssub16 r6, r6, r12\n\t"                                                                                      \
        "sadd16 r7, r7, r12\n\t"                                                                                      \
        "ldr r8, [r0, #32]\n\t"                                                                                       \
        "ldr r9, [r0, #36]\n\t"                                                                                       \
        "ldr r12, [r0, #40]\n\t"                                                                                      \
        "ldr r8, [r8, r1]\n\t"                                                                                        \
        "ldr r9, [r9, r1]\n\t"                                                                                        \
        "ldr r12, [r12, r1]\n\t"                                                                                      \
        "sxtb16 r8, r8" EXT "\n\t"                                                                                    \
        "sxtb16 r9, r9" EXT "\n\t"                                                                                    \
        "sxtb16 r12, r12" EXT "\n\t"                                                                                  \
        "ssub16 r8, r8, r12\n\t"                                                                                      \
        "sadd16 r9, r9, r12\n\t"                                                                                      \
        "ldr r10, [r0, #48]\n\t"                                                                                      \
        "ldr r11, [r0, #52]\n\t"                                                                                      \
        "ldr r12, [r0, #56]\n\t"                                                                                      \
        "ldr r10, [r10, r1]\n\t"                                                                                      \
        "ldr r11, [r11, r1]\n\t"                                                                                      \
        "ldr r12, [r12, r1]\n\t"                                                                                      \
        "sxtb16 r10, r10" EXT "\n\t"                                                                                  \
        "sxtb16 r11, r11" EXT "\n\t"                                                                                  \
        "sxtb16 r12, r12" EXT "\n\t"                                                                                  \
        "ssub16 r10, r10, r12\n\t"                                                                                    \
        "sadd16 r11, r11, r12\n\t"                                                                                    \
        "ssub16 r12, r4, r8\n\t"                                                                                      \
        "str r12, [r2]\n\t"                                                                                           \
        "sadd16 r12, r6, r8\n\t"                                                                                      \
        "str r12, [r2, r3, lsl #2]\n\t"                                                                               \
        "ssub16 r12, r8, r6\n\t"                                                                                      \
        "str r12, [r2, r3, lsl #3]\n\t"                                                                               \
        "ssub16 r12, r6, r10\n\t"                                                                                     \
        "add lr, r2, r3, lsl #3\n\t"                                                                                  \
        "str r12, [lr, r3, lsl #2]\n\t"                                                                               \
        "add lr, r2, r3\n\t"                                                                                          \
        "ssub16 r12, r5, r9\n\t"                                                                                      \
        "str r12, [lr]\n\t"                                                                                           \
        "sadd16 r12, r7, r9\n\t"                                                                                      \
        "str r11, [sp, #-4]!\n\t"                                                                                     \
        "ldr r11, [r0, #64]\n\t"                                                                                      \
        "sadd16 r12, r12, r11\n\t"                                                                                    \
        "ldr r11, [sp], #4\n\t"                                                                                       \
        "str r12, [lr, r3, lsl #2]\n\t"                                                                               \
        "ssub16 r12, r9, r7\n\t"                                                                                      \
        "str r12, [lr, r3, lsl #3]\n\t"                                                                               \
        "ssub16 r12, r7, r11\n\t"                                                                                     \
        "add lr, lr, r3, lsl #3\n\t"                                                                                  \
        "str r12, [lr, r3, lsl #2]\n\t"                                                                               \
        "ldr r4, [r0, #4]\n\t"                                                                                        \
        "ldr r5, [r0, #12]\n\t"                                                                                       \
        "ldr r12, [r0, #8]\n\t"                                                                                       \
        "ldr r4, [r4, r1]\n\t"                                                                                        \
        "ldr r5, [r5, r1]\n\t"                                                                                        \
        "ldr r12, [r12, r1]\n\t"                                                                                      \
        "sxtb16 r4, r4" EXT "\n\t"                                                                                    \
        "sxtb16 r5, r5" EXT "\n\t"                                                                                    \
        "sxtb16 r12, r12" EXT "\n\t"                                                                                  \
        "ssub16 r5, r4, r5\n\t"                                                                                       \
        "ssub16 r4, r12, r4\n\t"                                                                                      \
        "ldr r6, [r0, #20]\n\t"                                                                                       \
        "ldr r7, [r0, #28]\n\t"                                                                                       \
        "ldr r12, [r0, #24]\n\t"                                                                                      \
        "ldr r6, [r6, r1]\n\t"                                                                                        \
        "ldr r7, [r7, r1]\n\t"                                                                                        \
        "ldr r12, [r12, r1]\n\t"                                                                                      \
        "sxtb16 r6, r6" EXT "\n\t"                                                                                    \
        "sxtb16 r7, r7" EXT "\n\t"                                                                                    \
        "sxtb16 r12, r12" EXT "\n\t"                                                                                  \
        "ssub16 r7, r6, r7\n\t"                                                                                       \
        "ssub16 r6, r12, r6\n\t"                                                                                      \
        "ldr r8, [r0, #36]\n\t"                                                                                       \
        "ldr r9, [r0, #44]\n\t"                                                                                       \
        "ldr r12, [r0, #40]\n\t"                                                                                      \
        "ldr r8, [r8, r1]\n\t"                                                                                        \
        "ldr r9, [r9, r1]\n\t"                                                                                        \
        "ldr r12, [r12, r1]\n\t"                                                                                      \
        "sxtb16 r8, r8" EXT "\n\t"                                                                                    \
        "sxtb16 r9, r9" EXT "\n\t"                                                                                    \
        "sxtb16 r12, r12" EXT "\n\t"                                                                                  \
        "ssub16 r9, r8, r9\n\t"                                                                                       \
        "ssub16 r8, r12, r8\n\t"                                                                                      \
        "ldr r10, [r0, #52]\n\t"                                                                                      \
        "ldr r11, [r0, #60]\n\t"                                                                                      \
        "ldr r12, [r0, #56]\n\t"                                                                                      \
        "ldr r10, [r10, r1]\n\t"                                                                                      \
        "ldr r11, [r11, r1]\n\t"                                                                                      \
        "ldr r12, [r12, r1]\n\t"                                                                                      \
        "sxtb16 r10, r10" EXT "\n\t"                                                                                  \
        "sxtb16 r11, r11" EXT "\n\t"                                                                                  \
        "sxtb16 r12, r12" EXT "\n\t"                                                                                  \
        "ssub16 r11, r10, r11\n\t"                                                                                    \
        "ssub16 r10, r12, r10\n\t"                                                                                    \
        "add lr, r2, r3, lsl #1\n\t"                                                                                  \
        "ssub16 r12, r4, r8\n\t"                                                                                      \
        "str r12, [lr]\n\t"                                                                                           \
        "sadd16 r12, r6, r8\n\t"                                                                                      \
        "str r12, [lr, r3, lsl #2]\n\t"                                                                               \
        "ssub16 r12, r8, r6\n\t"                                                                                      \
        "str r12, [lr, r3, lsl #3]\n\t"                                                                               \
        "ssub16 r12, r6, r10\n\t"                                                                                     \
        "add lr, lr, r3, lsl #3\n\t"                                                                                  \
        "str r12, [lr, r3, lsl #2]\n\t"                                                                               \
        "add lr, r2, r3, lsl #1\n\t"                                                                                  \
        "add lr, lr, r3\n\t"                                                                                          \
        "ssub16 r12, r5, r9\n\t"                                                                                      \
        "str r12, [lr]\n\t"                                                                                           \
        "sadd16 r12, r7, r9\n\t"                                                                                      \
        "str r12, [lr, r3, lsl #2]\n\t"                                                                               \
        "ssub16 r12, r9, r7\n\t"                                                                                      \
        "str r12, [lr, r3, lsl #3]\n\t"                                                                               \
        "ssub16 r12, r7, r11\n\t"                                                                                     \
        "add lr, lr, r3, lsl #3\n\t"                                                                                  \
        "str r12, [lr, r3, lsl #2]\n\t"                                                                               \
        "pop {r4-r11, pc}\n\t");                                                                                      \
}
TP_WINO_HALF(wino_half_e, "")
TP_WINO_HALF(wino_half_o, ", ror #8")
#else
/* the same arithmetic in C: B^T d B of the raw values, the offset added at position 5 */
static void wino_half(const wino_tab_t *tab, int32_t q, uint32_t *v, int32_t s, int odd)
{
    uint32_t d[16];
    int32_t i;
    for (i = 0; i < 16; i++) {
        const uint32_t w = tp_ld32(tab[i].p + q);
        d[i] = odd ? tp_sxtb16_ror8(w) : tp_sxtb16(w);
    }
    wino_bt(d);
    d[5] = tp_sadd16(d[5], tab[16].w);
    for (i = 0; i < 16; i++) v[i * (s / 4)] = d[i];
}
static void wino_half_e(const wino_tab_t *tab, int32_t q, uint32_t *v, int32_t s) { wino_half(tab, q, v, s, 0); }
static void wino_half_o(const wino_tab_t *tab, int32_t q, uint32_t *v, int32_t s) { wino_half(tab, q, v, s, 1); }
#endif

/* V of tile (ty, tx) for every channel quad q (channel pairs j = 2q: (4q, 4q+2) and 2q+1: (4q+1, 4q+3), the
 * pairing one word load and SXTB16 / SXTB16 ROR 8 give), to v[(xi * nj + j) * 3] (v: the tile's slot); zpad:
 * in_c bytes of the input zero point, what padded positions read */
static void wino_input(const tp_conv_params_t *p, const int8_t *in_b, int32_t ty, int32_t tx, uint32_t *v,
                       int32_t nj, uint32_t off2, const int8_t *zpad)
{
    const int32_t y0 = 2 * ty - p->pad_h, x0 = 2 * tx - p->pad_w, C = p->in_c;
    wino_tab_t tab[17];
    int32_t q, r, s;
    for (r = 0; r < 4; r++) {
        for (s = 0; s < 4; s++) {
            const int32_t y = y0 + r, x = x0 + s;
            const int inside = y >= 0 && y < p->in_h && x >= 0 && x < p->in_w;
            tab[4 * r + s].p = inside ? in_b + (y * p->in_w + x) * C : zpad;
        }
    }
    tab[16].w = tp_sadd16(tp_sadd16(off2, off2), tp_sadd16(off2, off2));
    for (q = 0; q < nj; q += 2, v += 6) {
        wino_half_e(tab, 2 * q, v, 12 * nj);
        wino_half_o(tab, 2 * q, v + 3, 12 * nj);
    }
}

/* G2 g G2^T of a 3x3 block of words (G2: G with its halves doubled, rows (1 0 0) (1 1 1) (1 -1 1) (0 0 1)):
 * per column s = g0 + g2, then rows g0, s + g1, s - g1, g2; the same across each row */
#if TP_CM4_DSP
/* U of one filter pair for its nj channel pairs (w: nj * 36 bytes) to u: per channel pair 32 words, filter a's 16
 * positions then filter b's. Nine taps in registers per filter (one LDM, unpacked in place), two STRDs per row. */
/* one filter of the pair: nine taps (one LDM, unpacked in place with SXTB16 EXT), U's 16 positions from byte B
 * of the channel pair's 128 (two STRDs a row) */
#define TP_WINO_G(EXT, B)                                                                                             \
    "ldm r1, {r2, r3, r4, r5, r6, r7, r8, r9, r10}\n\t"                                                               \
    "sxtb16 r2, r2" EXT "\n\t"                                                                                        \
    "sxtb16 r3, r3" EXT "\n\t"                                                                                        \
    "sxtb16 r4, r4" EXT "\n\t"                                                                                        \
    "sxtb16 r5, r5" EXT "\n\t"                                                                                        \
    "sxtb16 r6, r6" EXT "\n\t"                                                                                        \
    "sxtb16 r7, r7" EXT "\n\t"                                                                                        \
    "sxtb16 r8, r8" EXT "\n\t"                                                                                        \
    "sxtb16 r9, r9" EXT "\n\t"                                                                                        \
    "sxtb16 r10, r10" EXT "\n\t"                                                                                      \
    "sadd16 r11, r2, r4\n\t"                                                                                          \
    "sadd16 r12, r11, r3\n\t"                                                                                         \
    "ssub16 r11, r11, r3\n\t"                                                                                         \
    "strd r2, r12, [r0, #" B " + 0]\n\t"                                                                              \
    "strd r11, r4, [r0, #" B " + 8]\n\t"                                                                              \
    "sadd16 r11, r8, r10\n\t"                                                                                         \
    "sadd16 r12, r11, r9\n\t"                                                                                         \
    "ssub16 r11, r11, r9\n\t"                                                                                         \
    "strd r8, r12, [r0, #" B " + 48]\n\t"                                                                             \
    "strd r11, r10, [r0, #" B " + 56]\n\t"                                                                            \
    "sadd16 r2, r2, r8\n\t"                                                                                           \
    "sadd16 r8, r2, r5\n\t"                                                                                           \
    "ssub16 r2, r2, r5\n\t"                                                                                           \
    "sadd16 r3, r3, r9\n\t"                                                                                           \
    "sadd16 r9, r3, r6\n\t"                                                                                           \
    "ssub16 r3, r3, r6\n\t"                                                                                           \
    "sadd16 r4, r4, r10\n\t"                                                                                          \
    "sadd16 r10, r4, r7\n\t"                                                                                          \
    "ssub16 r4, r4, r7\n\t"                                                                                           \
    "sadd16 r11, r8, r10\n\t"                                                                                         \
    "sadd16 r12, r11, r9\n\t"                                                                                         \
    "ssub16 r11, r11, r9\n\t"                                                                                         \
    "strd r8, r12, [r0, #" B " + 16]\n\t"                                                                             \
    "strd r11, r10, [r0, #" B " + 24]\n\t"                                                                            \
    "sadd16 r11, r2, r4\n\t"                                                                                          \
    "sadd16 r12, r11, r3\n\t"                                                                                         \
    "ssub16 r11, r11, r3\n\t"                                                                                         \
    "strd r2, r12, [r0, #" B " + 32]\n\t"                                                                             \
    "strd r11, r4, [r0, #" B " + 40]\n\t"
__attribute__((naked, noinline)) static void wino_filter(__attribute__((unused)) uint32_t *u,
                                                         __attribute__((unused)) const int8_t *w,
                                                         __attribute__((unused)) int32_t nj)
{
    __asm volatile(
        "push {r4-r11, lr}\n\t"
        "push {r2, r3}\n\t"
        "6:\n\t"
        TP_WINO_G("", "0")
        TP_WINO_G(", ror #8", "64")
        "adds r1, r1, #36\n\t"
        "adds r0, r0, #128\n\t"
        "ldr r2, [sp]\n\t"
        "subs r2, r2, #1\n\t"
        "str r2, [sp]\n\t"
        "bne 6b\n\t"
        "add sp, sp, #8\n\t"
        "pop {r4-r11, pc}\n\t");
}
#else
static void wino_g(const uint32_t *g, uint32_t *u)
{
    uint32_t t[12];
    int32_t i;
    for (i = 0; i < 3; i++) {
        const uint32_t a = g[i], b = g[3 + i], c = g[6 + i], s = tp_sadd16(a, c);
        t[i] = a;
        t[3 + i] = tp_sadd16(s, b);
        t[6 + i] = tp_ssub16(s, b);
        t[9 + i] = c;
    }
    for (i = 0; i < 4; i++) {
        const uint32_t a = t[3 * i], b = t[3 * i + 1], c = t[3 * i + 2], s = tp_sadd16(a, c);
        u[4 * i] = a;
        u[4 * i + 1] = tp_sadd16(s, b);
        u[4 * i + 2] = tp_ssub16(s, b);
        u[4 * i + 3] = c;
    }
}

static void wino_filter(uint32_t *u, const int8_t *w, int32_t nj)
{
    int32_t j, t;
    for (j = 0; j < nj; j++, w += 36, u += 32) {
        uint32_t ga[9], gb[9];
        for (t = 0; t < 9; t++) {
            const uint32_t x = tp_ld32(w + 4 * t);
            ga[t] = tp_sxtb16(x);
            gb[t] = tp_sxtb16_ror8(x);
        }
        wino_g(ga, u);
        wino_g(gb, u + 16);
    }
}
#endif

#if TP_CM4_DSP
/* one channel pair: U words of both filters (the next pair's 128 bytes on), V words of the three tiles */
#define TP_WINO_LOAD                                                                                              \
    "ldr r10, [r1, #64]\n\t"                                                                                      \
    "ldr r9, [r1], #128\n\t"                                                                                      \
    "ldm r0!, {r11, r12, lr}\n\t"
#define TP_WINO_CHUNK                                                                                                 \
    TP_WINO_LOAD                                                                                                      \
    TP_MAC_2X3
#define TP_WARG __attribute__((unused)) /* a naked function reads its arguments in the asm */
/* m[xi * 6 + filter * 3 + tile] (+)= sum over the n channel pairs of U(j, filter, xi) . V(xi, j, tile) for the 16
 * positions xi. nv = n | (bytes from a position's last V word of the chunk to the next's first) << 16. U's
 * positions are 4 bytes apart within a channel pair's 128. START: the first chunk begins the sums (SMUAD) or
 * adds to m's. */
#define TP_WINO_GEMM(name, START)                                                                                 \
__attribute__((naked, noinline)) static void name(TP_WARG const uint32_t *v, TP_WARG const uint32_t *u,            \
                                                  TP_WARG int32_t nv, TP_WARG int32_t *m)                         \
{                                                                                                                 \
    __asm volatile(                                                                                               \
        "push {r4-r11, lr}\n\t"                                                                                   \
        "lsrs r5, r2, #16\n\t"                                                                                    \
        "uxth r2, r2\n\t"                                                                                         \
        "lsls r4, r2, #7\n\t"                                                                                     \
        "subs r4, r4, #4\n\t"                                                                                     \
        "add r6, r3, #384\n\t"                                                                                    \
        "push {r2, r3, r4, r5, r6}\n\t" /* [0] n, [4] m, [8] U back to the next position, [12] V skip, [16] end */\
        "7:\n\t"                                                                                                  \
        "ldr r2, [sp]\n\t"                                                                                        \
        START                                                                                                     \
        "subs r2, r2, #1\n\t"                                                                                     \
        "lsrs r2, r2, #1\n\t"                                                                                     \
        "bcc 2f\n\t"                                                                                              \
        TP_WINO_CHUNK                                                                                             \
        "2:\n\t"                                                                                                  \
        "lsrs r2, r2, #1\n\t"                                                                                     \
        "bcc 4f\n\t"                                                                                              \
        TP_WINO_CHUNK                                                                                             \
        TP_WINO_CHUNK                                                                                             \
        "4:\n\t"                                                                                                  \
        "beq 3f\n\t"                                                                                              \
        "1:\n\t"                                                                                                  \
        TP_WINO_CHUNK                                                                                             \
        TP_WINO_CHUNK                                                                                             \
        TP_WINO_CHUNK                                                                                             \
        TP_WINO_CHUNK                                                                                             \
        "subs r2, r2, #1\n\t"                                                                                     \
        "bne 1b\n\t"                                                                                              \
        "3:\n\t"                                                                                                  \
        "ldrd r9, r10, [sp, #8]\n\t"                                                                              \
        "subs r1, r1, r9\n\t"                                                                                     \
        "adds r0, r0, r10\n\t"                                                                                    \
        "ldr r2, [sp, #4]\n\t"                                                                                    \
        "stm r2!, {r3, r4, r5, r6, r7, r8}\n\t"                                                                   \
        "str r2, [sp, #4]\n\t"                                                                                    \
        "ldr r9, [sp, #16]\n\t"                                                                                   \
        "cmp r2, r9\n\t"                                                                                          \
        "bne 7b\n\t"                                                                                              \
        "add sp, sp, #20\n\t"                                                                                     \
        "pop {r4-r11, pc}\n\t");                                                                                  \
}
TP_WINO_GEMM(wino_gemm, TP_WINO_LOAD "smuad r3, r9, r11\n\tsmuad r4, r9, r12\n\tsmuad r5, r9, lr\n\t"
                        "smuad r6, r10, r11\n\tsmuad r7, r10, r12\n\tsmuad r8, r10, lr\n\t")
TP_WINO_GEMM(wino_gemm_acc, "ldr r9, [sp, #4]\n\tldm r9, {r3, r4, r5, r6, r7, r8}\n\t" TP_WINO_CHUNK)
#else
static void wino_gemm_n(const uint32_t *v, const uint32_t *u, int32_t nv, int32_t *m, int acc)
{
    const int32_t n = nv & 0xFFFF, skip = (nv >> 16) / 4;
    int32_t xi, j, k;
    for (xi = 0; xi < 16; xi++, m += 6, v += skip) {
        uint32_t s[6];
        for (k = 0; k < 6; k++) s[k] = acc ? (uint32_t)m[k] : 0u;
        for (j = 0; j < n; j++, v += 3) {
            const uint32_t *uj = u + j * 32 + xi;
            for (k = 0; k < 3; k++) {
                s[k] = (uint32_t)tp_smlad(uj[0], v[k], (int32_t)s[k]);
                s[3 + k] = (uint32_t)tp_smlad(uj[16], v[k], (int32_t)s[3 + k]);
            }
        }
        for (k = 0; k < 6; k++) m[k] = (int32_t)s[k];
    }
}
static void wino_gemm(const uint32_t *v, const uint32_t *u, int32_t nv, int32_t *m) { wino_gemm_n(v, u, nv, m, 0); }
static void wino_gemm_acc(const uint32_t *v, const uint32_t *u, int32_t nv, int32_t *m)
{
    wino_gemm_n(v, u, nv, m, 1);
}
#endif

typedef struct {
    const int32_t *mult, *shift, *kt; /* kt: per channel (zero point after the shift, m, hi, rs1, bias, ...) */
    int32_t all_fast;
} wino_rq_t;

#if TP_CM4_DSP
/* wino_output for a whole tile of a channel whose range is int8's (the one-SMLAL form, SSAT): m as wino_output's,
 * o the tile's first output, k the channel's (zero point added after the shift, m, hi, rs1, bias, bytes between
 * the tile's columns, between its rows) */
__attribute__((naked, noinline)) static void wino_output_sat(__attribute__((unused)) const int32_t *m,
                                                             __attribute__((unused)) int8_t *o,
                                                             __attribute__((unused)) const int32_t *k)
{
    __asm volatile(
        "push {r4-r11, lr}\n\t"
        "ldr r11, [r0, #0]\n\t"
        "ldr r12, [r0, #96]\n\t"
        "ldr lr, [r0, #192]\n\t"
        "add r3, r12, r11, lsl #1\n\t"
        "add r3, r3, lr\n\t"
        "sub r7, r12, lr\n\t"
        "ldr r11, [r0, #288]\n\t"
        "sub r7, r7, r11, lsl #1\n\t"
        "ldr r11, [r0, #24]\n\t"
        "ldr r12, [r0, #120]\n\t"
        "ldr lr, [r0, #216]\n\t"
        "add r4, r12, r11, lsl #1\n\t"
        "add r4, r4, lr\n\t"
        "sub r8, r12, lr\n\t"
        "ldr r11, [r0, #312]\n\t"
        "sub r8, r8, r11, lsl #1\n\t"
        "ldr r11, [r0, #48]\n\t"
        "ldr r12, [r0, #144]\n\t"
        "ldr lr, [r0, #240]\n\t"
        "add r5, r12, r11, lsl #1\n\t"
        "add r5, r5, lr\n\t"
        "sub r9, r12, lr\n\t"
        "ldr r11, [r0, #336]\n\t"
        "sub r9, r9, r11, lsl #1\n\t"
        "ldr r11, [r0, #72]\n\t"
        "ldr r12, [r0, #168]\n\t"
        "ldr lr, [r0, #264]\n\t"
        "add r6, r12, r11, lsl #1\n\t"
        "add r6, r6, lr\n\t"
        "sub r10, r12, lr\n\t"
        "ldr r11, [r0, #360]\n\t"
        "sub r10, r10, r11, lsl #1\n\t"
        "add r3, r4, r3, lsl #1\n\t"
        "add r3, r3, r5\n\t"
        "sub r4, r4, r5\n\t"
        "sub r4, r4, r6, lsl #1\n\t"
        "add r7, r8, r7, lsl #1\n\t"
        "add r7, r7, r9\n\t"
        "sub r8, r8, r9\n\t"
        "sub r8, r8, r10, lsl #1\n\t"
        "ldm r2, {r0, r5, r6, r9, r10, r11, r12}\n\t"
        "add r3, r10, r3, asr #2\n\t"
        "and lr, r3, #0x80000000\n\t"
        "orr lr, lr, #0x40000000\n\t"
        "add r2, r6, r3, asr #31\n\t"
        "smlal lr, r2, r3, r5\n\t"
        "asr r2, r2, r9\n\t"
        "add r2, r2, r0\n\t"
        "ssat r2, #8, r2\n\t"
        "strb r2, [r1]\n\t"
        "add r4, r10, r4, asr #2\n\t"
        "and lr, r4, #0x80000000\n\t"
        "orr lr, lr, #0x40000000\n\t"
        "add r2, r6, r4, asr #31\n\t"
        "smlal lr, r2, r4, r5\n\t"
        "asr r2, r2, r9\n\t"
        "add r2, r2, r0\n\t"
        "ssat r2, #8, r2\n\t"
        "strb r2, [r1, r11]\n\t"
        "add r1, r1, r12\n\t"
        "add r7, r10, r7, asr #2\n\t"
        "and lr, r7, #0x80000000\n\t"
        "orr lr, lr, #0x40000000\n\t"
        "add r2, r6, r7, asr #31\n\t"
        "smlal lr, r2, r7, r5\n\t"
        "asr r2, r2, r9\n\t"
        "add r2, r2, r0\n\t"
        "ssat r2, #8, r2\n\t"
        "strb r2, [r1]\n\t"
        "add r8, r10, r8, asr #2\n\t"
        "and lr, r8, #0x80000000\n\t"
        "orr lr, lr, #0x40000000\n\t"
        "add r2, r6, r8, asr #31\n\t"
        "smlal lr, r2, r8, r5\n\t"
        "asr r2, r2, r9\n\t"
        "add r2, r2, r0\n\t"
        "ssat r2, #8, r2\n\t"
        "strb r2, [r1, r11]\n\t"
        "pop {r4-r11, pc}\n\t"
        );
}
#endif

/* A2^T M A2 (A2: A with G2's halves moved into it, doubled) of one filter and tile (sums m[xi * 6]): the 4x
 * sums shifted back, bias added, requantized, stored (the outputs inside the layer's) */
static void wino_output(const tp_conv_params_t *p, const int32_t *m, int8_t *out_b, int32_t ty, int32_t tx,
                        int32_t oc, const wino_rq_t *r)
{
    uint32_t s0[4], s1[4], y[4];
    int32_t i;
    tp_rq_t q;
    const int32_t *kt = r->kt + 7 * oc;
    const uint32_t b = (uint32_t)kt[4];
    for (i = 0; i < 4; i++) { /* columns: rows 2 m0 + m1 + m2, m1 - m2 - 2 m3 */
        const uint32_t a = (uint32_t)m[6 * i], c = (uint32_t)m[6 * (4 + i)], d = (uint32_t)m[6 * (8 + i)];
        const uint32_t e = (uint32_t)m[6 * (12 + i)];
        s0[i] = 2u * a + c + d;
        s1[i] = c - d - 2u * e;
    }
    y[0] = 2u * s0[0] + s0[1] + s0[2];
    y[1] = s0[1] - s0[2] - 2u * s0[3];
    y[2] = 2u * s1[0] + s1[1] + s1[2];
    y[3] = s1[1] - s1[2] - 2u * s1[3];
    q.m = kt[1];
    q.hi = kt[2];
    q.rs1 = kt[3];
    for (i = 0; i < 4; i++) {
        const int32_t oy = 2 * ty + (i >> 1), ox = 2 * tx + (i & 1);
        const int32_t x = (int32_t)((uint32_t)((int32_t)y[i] >> 2) + b);
        int32_t v;
        if (oy >= p->out_h || ox >= p->out_w) continue;
        v = r->all_fast ? tp_rq(x, &q) + kt[0] : tp_requant(x, r->mult[oc], r->shift[oc]) + p->output_offset;
        v = v < p->act_min ? p->act_min : v;
        v = v > p->act_max ? p->act_max : v;
        out_b[(oy * p->out_w + ox) * p->out_c + oc] = (int8_t)v;
    }
}

static void conv_winograd(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                          const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t nj = p->in_c >> 1, tw = (p->out_w + 1) >> 1, tiles = ((p->out_h + 1) >> 1) * tw;
    const int32_t ntri = (tiles + 2) / 3, group = p->group, nc = p->chunk;
    const uint32_t off2 = tp_dup16(p->input_offset);
    uint32_t *vs = (uint32_t *)(void *)p->scratch, *us = vs + 48 * nj * group;
    int32_t *ms = (int32_t *)(us + 32 * nc), *kt = ms + 96 * group;
    int8_t *zpad = (int8_t *)(kt + 7 * p->out_c);
    const uint32_t *uf = (const uint32_t *)(const void *)filter; /* chunk 0: U made at codegen time */
    int32_t b, g0, tri, k, pair, oc, j0, sat;
    wino_rq_t r;
    r.mult = mult;
    r.shift = shift;
    r.kt = kt;
    {
        const int mode = tp_rq_mode(mult, shift, p->out_c);
        for (oc = 0; oc < p->out_c; oc++) { /* the one-SMLAL constants (tp_rq_mode) */
            int32_t *t = kt + 7 * oc;
            tp_rq_t q;
            tp_rq_for(&q, mult[oc], shift[oc], p->output_offset, mode);
            t[0] = mode == TP_RQ_ZADD ? p->output_offset : 0;
            t[1] = q.m;
            t[2] = q.hi;
            t[3] = q.rs1;
            t[4] = bias ? bias[oc] : 0;
            t[5] = p->out_c;
            t[6] = p->out_w * p->out_c;
        }
        r.all_fast = mode != TP_RQ_GENERAL;
    }
    sat = r.all_fast && p->act_min == -128 && p->act_max == 127;
    (void)sat;
    for (k = 0; k < p->in_c; k++) zpad[k] = (int8_t)-p->input_offset;
    for (b = 0; b < p->batches; b++) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * p->in_c;
        int8_t *out_b = output + b * p->out_h * p->out_w * p->out_c;
        for (g0 = 0; g0 < ntri; g0 += group) {
            const int32_t gn = ntri - g0 < group ? ntri - g0 : group;
            for (tri = 0; tri < gn; tri++) {
                for (k = 0; k < 3; k++) {
                    const int32_t t = 3 * (g0 + tri) + k;
                    uint32_t *v = vs + 48 * nj * tri + k;
                    if (t < tiles) {
                        wino_input(p, in_b, t / tw, t % tw, v, nj, off2, zpad);
                    } else {
                        int32_t i;
                        for (i = 0; i < 16 * nj; i++) v[3 * i] = 0;
                    }
                }
            }
            for (pair = 0; pair < p->out_c >> 1; pair++) {
                if (!nc) {
                    for (tri = 0; tri < gn; tri++) {
                        wino_gemm(vs + 48 * nj * tri, uf + 32 * nj * pair, nj, ms + 96 * tri);
                    }
                }
                for (j0 = 0; nc && j0 < nj; j0 += nc) { /* U nc channel pairs at a time, the sums carried in ms */
                    const int32_t n = nj - j0 < nc ? nj - j0 : nc, nv = n | ((nj - n) * 12) << 16;
                    wino_filter(us, filter + 36 * (nj * pair + j0), n);
                    for (tri = 0; tri < gn; tri++) {
                        (j0 ? wino_gemm_acc : wino_gemm)(vs + 48 * nj * tri + 3 * j0, us, nv, ms + 96 * tri);
                    }
                }
                for (tri = 0; tri < gn; tri++) {
                    const int32_t *m = ms + 96 * tri;
                    for (k = 0; k < 3; k++) {
                        const int32_t t = 3 * (g0 + tri) + k, ty = t / tw, tx = t % tw;
                        if (t >= tiles) continue;
#if TP_CM4_DSP
                        if (sat && 2 * ty + 2 <= p->out_h && 2 * tx + 2 <= p->out_w) {
                            int8_t *o = out_b + (2 * ty * p->out_w + 2 * tx) * p->out_c + 2 * pair;
                            wino_output_sat(m + k, o, kt + 14 * pair);
                            wino_output_sat(m + 3 + k, o + 1, kt + 14 * pair + 7);
                            continue;
                        }
#endif
                        wino_output(p, m + k, out_b, ty, tx, 2 * pair, &r);
                        wino_output(p, m + 3 + k, out_b, ty, tx, 2 * pair + 1, &r);
                    }
                }
            }
        }
    }
}

#endif /* TP_CONV_WINOGRAD_CM4_H */
