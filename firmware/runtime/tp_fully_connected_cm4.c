/* FULLY_CONNECTED for Cortex-M4: same signature and results as tp_fully_connected.c.
 *
 * Packed path (p->packed, set by codegen, see lower.py's pack_fully_connected): the filter arrives interleaved
 * four rows at a time (block, word, row) and each odd byte is stored minus the sign of the even byte below it,
 * so that a raw filter word read as two int16 lanes is exactly 256*w_odd + w_even. Per input word x the
 * kernel builds, once per layer, a = (x_odd - 127) and b = (256*x_even - x_odd + 127) per lane; then
 *     SMLAD(w, a) + SMLAD(SXTB16(w), b) = 256 * (w_odd*(x_odd - 127) + w_even*x_even)
 * i.e. 4 MACs for 3 instructions and no unpacking of the filter's odd bytes. The 256-scaled sum wraps modulo
 * 2^32 but its true value is below 2^23 in magnitude for up to 256 inputs (|w| <= 128, |x_odd-127| <= 255,
 * |x_even| <= 128), so ASR #8 recovers it exactly per chunk. The bias p->packed layers get is the codegen-time
 * row constant bias + input_offset*sum(w) + 127*sum(w_odd). Layers longer than 256 inputs run in chunks of
 * p->chunk inputs with int32 partial sums in scratch after the a/b words. Per-channel layers requantize in the same
 * epilogue when codegen gave p->rq (every channel in the one-SMLAL form): one LDM of a row's three constants.
 *
 * Other layers: two output features at a time share each unpacked input word (SXTAB16 adds the input offset),
 * the filter words are unpacked with SXTB16 and both rows accumulate with SMLAD: 12 instructions per 8 MACs.
 * TFLite int8 filters are symmetric; a filter offset other than zero takes the portable loop. */
#include "tp_cm4.h"
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

/* One chunk of inputs for every 4-row block of a layer. Each block's four 256-scaled sums (mod 2^32) are shifted
 * down and added to rc[] (row constants or partial sums); the results go to part[] when it is not NULL, else they
 * are requantized (tp_rq's one-SMLAL form, fast channels, one multiplier) to out[]. */
typedef struct {
    const int32_t *rc; /* 0: advanced 4 per block */
    int32_t *part;     /* 4: NULL on the last chunk */
    int8_t *out;       /* 8 */
    int32_t m, qhi, rs1, lo, hi; /* 12..28 */
    int32_t blocks;    /* 32: counted down */
    int32_t skip;      /* 36: filter bytes from the end of a block's chunk to the next block's */
    const uint32_t *ab, *ab_end; /* 40, 44: the chunk's a/b words */
    const uint32_t *w; /* 48 */
    int32_t clamp;     /* 52: 2 range -128..127, 1 top 127, 0 other, 3 per-channel constants in rq */
    const int32_t *rq; /* 56: per-channel (m, qhi, rs1) triples, advanced 12 per block; NULL: m, qhi, rs1 above */
} tp_fc_ctx_t;

void tp_fc_cm4(tp_fc_ctx_t *c);

#if TP_CM4_DSP
/* Registers in the inner loop: r0 a/b words, r1 their end, r2 filter, r3-r6 accumulators, r7/r8 a and b,
 * r9-r12 one word of each of the four rows (one LDM), lr the context. Eight input words a turn after the count
 * mod 8: 114 instructions per 128 MACs. */
__asm__(
    "    .syntax unified\n"
    "    .thumb\n"
    "    .text\n"
    "    .align 2\n"
    "    .global tp_fc_cm4\n"
    "    .type tp_fc_cm4, %function\n"
    "    .thumb_func\n"
    "tp_fc_cm4:\n"
    "    push {r4-r11, lr}\n"
    "    mov lr, r0\n"
    "    ldr r2, [lr, #48]\n"
    "1:\n"
    "    ldrd r0, r1, [lr, #40]\n"
    "    movs r3, #0\n"
    "    movs r4, #0\n"
    "    movs r5, #0\n"
    "    movs r6, #0\n"
#define TP_FC4_WORD                       \
    "    ldrd r7, r8, [r0], #8\n"       \
    "    ldm r2!, {r9, r10, r11, r12}\n" \
    "    smlad r3, r9, r7, r3\n"         \
    "    sxtb16 r9, r9\n"                \
    "    smlad r3, r9, r8, r3\n"         \
    "    smlad r4, r10, r7, r4\n"        \
    "    sxtb16 r10, r10\n"              \
    "    smlad r4, r10, r8, r4\n"        \
    "    smlad r5, r11, r7, r5\n"        \
    "    sxtb16 r11, r11\n"              \
    "    smlad r5, r11, r8, r5\n"        \
    "    smlad r6, r12, r7, r6\n"        \
    "    sxtb16 r12, r12\n"              \
    "    smlad r6, r12, r8, r6\n"
    /* word count mod 8 (the a/b byte count's bits 4 and 5 into N and C; the words leave the flags alone) */
    "    subs r7, r1, r0\n"
    "    lsls r7, r7, #27\n"
    "    bpl 9f\n"
    TP_FC4_WORD TP_FC4_WORD
    "9:\n"
    "    bcc 2f\n"
    TP_FC4_WORD TP_FC4_WORD TP_FC4_WORD TP_FC4_WORD
    "2:\n"
    "    cmp r0, r1\n"
    "    beq 3f\n"
    "10:\n"
    TP_FC4_WORD TP_FC4_WORD TP_FC4_WORD TP_FC4_WORD TP_FC4_WORD TP_FC4_WORD TP_FC4_WORD TP_FC4_WORD
#undef TP_FC4_WORD
    "    cmp r0, r1\n"
    "    bne 10b\n"
    "3:\n"
    "    ldr r0, [lr, #0]\n"
    "    ldm r0!, {r7, r8, r9, r10}\n"
    "    str r0, [lr, #0]\n"
    "    add r3, r7, r3, asr #8\n"
    "    add r4, r8, r4, asr #8\n"
    "    add r5, r9, r5, asr #8\n"
    "    add r6, r10, r6, asr #8\n"
    "    ldr r0, [lr, #4]\n"
    "    cbz r0, 4f\n"
    "    stm r0!, {r3, r4, r5, r6}\n"
    "    str r0, [lr, #4]\n"
    "    b 5f\n"
    "4:\n"
    "    ldrd r7, r8, [lr, #12]\n"
    "    ldr r9, [lr, #20]\n"
    "    ldrd r11, r12, [lr, #24]\n"
    "    ldr r10, [lr, #8]\n"
    /* the clamp: mode 2 (range -128..127) one SSAT, mode 1 (top 127) SSAT and the bottom, mode 0 both ends,
     * mode 3 per-channel constants (both ends); one table branch */
    "    ldr r0, [lr, #52]\n"
    "    tbh [pc, r0, lsl #1]\n"
    "12:\n"
    "    .hword (13f - 12b) / 2, (6f - 12b) / 2, (7f - 12b) / 2, (11f - 12b) / 2\n"
    "13:\n"
#define TP_FC_RQ(X)                        \
    "    and r0, " X ", #0x80000000\n"     \
    "    orr r0, r0, #0x40000000\n"        \
    "    add r1, r8, " X ", asr #31\n"     \
    "    smlal r0, r1, " X ", r7\n"        \
    "    asr r1, r1, r9\n"
#define TP_FC_LO                           \
    "    cmp r1, r11\n"                    \
    "    it lt\n"                          \
    "    movlt r1, r11\n"
#define TP_FC_HI                           \
    "    cmp r1, r12\n"                    \
    "    it gt\n"                          \
    "    movgt r1, r12\n"
#define TP_FC_ST "    strb r1, [r10], #1\n"
#define TP_FC_SSAT "    ssat r1, #8, r1\n"
    TP_FC_RQ("r3") TP_FC_LO TP_FC_HI TP_FC_ST
    TP_FC_RQ("r4") TP_FC_LO TP_FC_HI TP_FC_ST
    TP_FC_RQ("r5") TP_FC_LO TP_FC_HI TP_FC_ST
    TP_FC_RQ("r6") TP_FC_LO TP_FC_HI TP_FC_ST
    "    b 8f\n"
    "6:\n"
    TP_FC_RQ("r3") TP_FC_SSAT TP_FC_LO TP_FC_ST
    TP_FC_RQ("r4") TP_FC_SSAT TP_FC_LO TP_FC_ST
    TP_FC_RQ("r5") TP_FC_SSAT TP_FC_LO TP_FC_ST
    TP_FC_RQ("r6") TP_FC_SSAT TP_FC_LO TP_FC_ST
    "    b 8f\n"
    "7:\n"
    TP_FC_RQ("r3") TP_FC_SSAT TP_FC_ST
    TP_FC_RQ("r4") TP_FC_SSAT TP_FC_ST
    TP_FC_RQ("r5") TP_FC_SSAT TP_FC_ST
    TP_FC_RQ("r6") TP_FC_SSAT TP_FC_ST
    "    b 8f\n"
    /* per channel: each row's three constants with one LDM (r2, the filter pointer, parked on the stack) */
    "11:\n"
    "    push {r2}\n"
    "    ldr r2, [lr, #56]\n"
#define TP_FC_ROW "    ldm r2!, {r7, r8, r9}\n"
    TP_FC_ROW TP_FC_RQ("r3") TP_FC_LO TP_FC_HI TP_FC_ST
    TP_FC_ROW TP_FC_RQ("r4") TP_FC_LO TP_FC_HI TP_FC_ST
    TP_FC_ROW TP_FC_RQ("r5") TP_FC_LO TP_FC_HI TP_FC_ST
    TP_FC_ROW TP_FC_RQ("r6") TP_FC_LO TP_FC_HI TP_FC_ST
#undef TP_FC_ROW
    "    str r2, [lr, #56]\n"
    "    pop {r2}\n"
#undef TP_FC_RQ
#undef TP_FC_LO
#undef TP_FC_HI
#undef TP_FC_ST
#undef TP_FC_SSAT
    "8:\n"
    "    str r10, [lr, #8]\n"
    "5:\n"
    "    ldr r0, [lr, #36]\n"
    "    add r2, r2, r0\n"
    "    ldr r0, [lr, #32]\n"
    "    subs r0, r0, #1\n"
    "    str r0, [lr, #32]\n"
    "    bne 1b\n"
    "    pop {r4-r11, pc}\n"
    "    .size tp_fc_cm4, .-tp_fc_cm4\n");
#else
void tp_fc_cm4(tp_fc_ctx_t *c)
{
    const uint32_t *w = c->w;
    for (; c->blocks > 0; c->blocks--) {
        int32_t acc[4] = {0, 0, 0, 0};
        const uint32_t *ab;
        int j;
        for (ab = c->ab; ab != c->ab_end; ab += 2, w += 4) {
            for (j = 0; j < 4; j++) {
                acc[j] = tp_smlad(tp_sxtb16(w[j]), ab[1], tp_smlad(w[j], ab[0], acc[j]));
            }
        }
        for (j = 0; j < 4; j++) {
            const int32_t t = (int32_t)((uint32_t)c->rc[j] + (uint32_t)(acc[j] >> 8));
            if (c->part) {
                *c->part++ = t;
            } else {
                const tp_rq_t q = {c->rq ? c->rq[0] : c->m, c->rq ? c->rq[1] : c->qhi, c->rq ? c->rq[2] : c->rs1, 1};
                int32_t v = tp_rq(t, &q);
                c->rq = c->rq ? c->rq + 3 : 0;
                v = v < c->lo ? c->lo : v;
                v = v > c->hi ? c->hi : v;
                *c->out++ = (int8_t)v;
            }
        }
        c->rc += 4;
        w = (const uint32_t *)(const void *)((const uint8_t *)w + c->skip);
    }
}
#endif

static void fc_packed(const tp_fc_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *rowc,
                      const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t n = p->in_features, o = p->out_features, ch = p->chunk;
    uint32_t *const ab = (uint32_t *)(void *)p->scratch;
    int32_t *const part = (int32_t *)(void *)(ab + ch / 2);
    const uint32_t k127 = tp_dup16(-127);
    tp_rq_t q;
    tp_fc_ctx_t c;
    int32_t b, c0, k, j;
    int fast;
    tp_rq_init(&q, mult[0], shift[0], p->output_offset);
    fast = p->per_channel ? p->rq != 0 : q.fast;
    c.m = q.m;
    c.qhi = q.hi;
    c.rs1 = q.rs1;
    c.lo = p->act_min;
    c.hi = p->act_max;
    c.clamp = p->per_channel ? 3 : c.hi == 127 ? (c.lo == -128 ? 2 : 1) : 0;
    c.skip = 4 * (n - ch);
    c.ab = ab;
    c.ab_end = ab + ch / 2;
    for (b = 0; b < p->batches; b++) {
        const int8_t *x = input + b * n;
        int8_t *out = output + b * o;
        for (c0 = 0; c0 < n; c0 += ch) {
            const int last = c0 + ch >= n;
            for (k = 0; k < ch; k += 4) {
                const uint32_t xv = tp_ld32(x + c0 + k);
                const uint32_t a = tp_sxtab16_ror8(k127, xv);
                const uint32_t h = (xv << 8) & 0xFF00FF00u;
#if TP_CM4_DSP
                uint32_t d;
                __asm("usub16 %0, %1, %2" : "=r"(d) : "r"(h), "r"(a));
#else
                const uint32_t d = ((h - (a & 0xFFFFu)) & 0xFFFFu) | ((h & 0xFFFF0000u) - (a & 0xFFFF0000u));
#endif
                ab[k / 2] = a;
                ab[k / 2 + 1] = d;
            }
            c.rc = c0 == 0 ? rowc : part;
            c.part = last && fast ? 0 : part;
            c.rq = p->per_channel ? p->rq : 0;
            c.out = out;
            c.blocks = o / 4;
            c.w = (const uint32_t *)(const void *)filter + c0;
            tp_fc_cm4(&c);
        }
        if (!fast) {
            for (j = 0; j < o; j++) {
                const int32_t qc = p->per_channel ? j : 0;
                tp_rq_t r;
                tp_rq_init(&r, mult[qc], shift[qc], p->output_offset);
                out[j] = tp_rq_out(part[j], &r, shift[qc], p->output_offset, p->act_min, p->act_max);
            }
        }
    }
}

void tp_fully_connected_s8(const tp_fc_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                           const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t n = p->in_features;
    const uint32_t off2 = tp_dup16(p->input_offset);
    int32_t b, o, i;
    if (p->packed) {
        fc_packed(p, input, filter, bias, mult, shift, output);
        return;
    }
    for (b = 0; b < p->batches; b++) {
        const int8_t *x = input + b * n;
        for (o = 0; o < p->out_features; o += 2) {
            const int two = o + 1 < p->out_features;
            const int32_t o1 = two ? o + 1 : o;
            const int8_t *w0 = filter + o * n, *w1 = filter + o1 * n;
            const int32_t q0 = p->per_channel ? o : 0, q1 = p->per_channel ? o1 : 0;
            int32_t a0 = bias ? bias[o] : 0, a1 = bias ? bias[o1] : 0;
            if (p->filter_offset == 0) {
                for (i = 0; i + 4 <= n; i += 4) {
                    const uint32_t xv = tp_ld32(x + i), wa = tp_ld32(w0 + i), wb = tp_ld32(w1 + i);
                    const uint32_t xe = tp_sxtab16(off2, xv), xo = tp_sxtab16_ror8(off2, xv);
                    a0 = tp_smlad(xe, tp_sxtb16(wa), a0);
                    a0 = tp_smlad(xo, tp_sxtb16_ror8(wa), a0);
                    a1 = tp_smlad(xe, tp_sxtb16(wb), a1);
                    a1 = tp_smlad(xo, tp_sxtb16_ror8(wb), a1);
                }
            } else {
                i = 0;
            }
            for (; i < n; i++) {
                const int32_t v = x[i] + p->input_offset;
                a0 += v * (w0[i] + p->filter_offset);
                a1 += v * (w1[i] + p->filter_offset);
            }
            output[b * p->out_features + o] =
                tp_requant_out(a0, mult[q0], shift[q0], p->output_offset, p->act_min, p->act_max);
            if (two) {
                output[b * p->out_features + o1] =
                    tp_requant_out(a1, mult[q1], shift[q1], p->output_offset, p->act_min, p->act_max);
            }
        }
    }
}
