/* FULLY_CONNECTED for Cortex-M4: same signature and results as tp_fully_connected.c.
 *
 * Packed path (p->packed, set by codegen, see cortex_m4.py's pack_fully_connected): the filter arrives in blocks
 * of rows, first 4*(o/20) blocks of five rows, then blocks of four (o a multiple of 4), each block interleaved
 * (word, row) and each odd byte stored minus the sign of the even byte below it, so that a raw filter word read
 * as two int16 lanes is exactly 256*w_odd + w_even. Per input word x the kernel builds, once per pass,
 * a = (x_odd - 127) and b = (256*x_even - x_odd + 127) per lane; then
 *     SMLAD(w, a) + SMLAD(SXTB16(w), b) = 256 * (w_odd*(x_odd - 127) + w_even*x_even)
 * i.e. 4 MACs for 3 instructions and no unpacking of the filter's odd bytes. The row constant
 * rc = bias + input_offset*sum(w) + 127*sum(w_odd) makes the sum the layer's int32 accumulator t.
 *
 * packed 1 (one pass): codegen checked |rc| + max|sum| < 2^23 for every row over all inputs, so the accumulators
 * start at the 256-scaled row constants (p->bias holds 256*rc) and end at 256*t exactly. Requantization in the
 * epilogue, with x = 2t (ASR #7): floor((x*m + 2^31) / 2^32) is SMMLAR, whose addend C + [x<0 ? -1 : 0] with
 * C = 2^(rs-1) + zp*2^rs carries the rounding of tp_rq's one-SMLAL form, the sign nudge and the zero point; an
 * ASR by rs (2..23) then gives the output (one SMMLAR instead of AND/ORR/SMLAL). Per-channel layers (p->rq) take
 * the three constants (m, C, rs) of each row with one LDM.
 * packed 2 (the fallback: sums that might not fit, or a multiplier <= 2^30 or a shift outside -23..-2): chunks of
 * p->chunk inputs (256-scaled sums exact up to 256 inputs), int32 partial sums in scratch after the a/b words,
 * unscaled row constants, requantized in C at the end.
 *
 * Inner loops: five rows per input word are 7 single loads (a, b, five filter words: consecutive LDRs pipeline,
 * 8 cycles) and 15 DSP instructions, 23 cycles per 20 MACs, 32 words a turn; four rows 19 cycles per 16 MACs,
 * eight words a turn. A block's word count modulo the turn enters the unrolled loop part way (a computed BX).
 *
 * Other layers: two output features at a time share each unpacked input word (SXTAB16 adds the input offset),
 * the filter words are unpacked with SXTB16 and both rows accumulate with SMLAD: 12 instructions per 8 MACs.
 * TFLite int8 filters are symmetric; a filter offset other than zero takes the portable loop. */
#include "tp_cm4.h"
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

/* One pass (one chunk of inputs) over every block of a layer: the five-row blocks from w to w5_end, then the
 * four-row blocks from w4 to w_end. Mode 0: requantize, clamp -128..127 (one SSAT); 1: per-channel constants from
 * rq, clamp lo..hi; 2: per-tensor, clamp lo..hi; 3: partial sums rc[] + sum to part[] (accumulators from zero).
 * The assembly copies this to its stack frame (the offsets below) and works on the copy. */
typedef struct {
    int32_t mode;                /* 0 */
    int32_t m, c, rs;            /* 4, 8, 12: per-tensor requantization (SMMLAR form) */
    int8_t *out;                 /* 16 */
    uint32_t *ab;                /* 20: the chunk's a/b words (scratch) */
    const uint32_t *ab_end;      /* 24 */
    const int32_t *rc;           /* 28: accumulator starts (modes 0-2) or row constants / partial sums (3) */
    int32_t *part;               /* 32 */
    uintptr_t w, w5_end, w4, w_end; /* 36..48: filter addresses of the chunk in each region (see above) */
    int32_t skip5, skip4;        /* 52, 56: filter bytes from the end of a block's chunk to the next block's */
    int32_t lo, hi;              /* 60, 64 */
    const int32_t *rq;           /* 68: per-channel (m, C, rs) triples */
    int32_t words;               /* 72: input words per chunk (even) */
    const int8_t *x;             /* 76: the chunk's inputs, turned into the a/b words first */
} tp_fc_ctx_t;

void tp_fc_cm4(const tp_fc_ctx_t *c);

#if TP_CM4_DSP
typedef char tp_fc_ctx_size[sizeof(tp_fc_ctx_t) == 80 ? 1 : -1];

/* Five rows: r0 a/b words, r1 filter, r2-r6 accumulators, r7/r8 a and b, r9-r12 and lr one word of each row.
 * Four rows: r2-r5 accumulators, r6/r7 a and b, r8-r11 the rows, r12 the a/b end. Every instruction of the
 * loops is 32 bits wide: one word is 68 (five rows) or 72 bytes (four) of code, which the entry offset uses. */
#define TP_FC_MAC(A, W, X, Y)                   \
    "    smlad " A ", " W ", " X ", " A "\n"    \
    "    sxtb16 " W ", " W "\n"                 \
    "    smlad " A ", " W ", " Y ", " A "\n"
#define TP_FC5_WORD                               \
    "    ldrd r7, r8, [r0], #8\n"                 \
    "    ldm r1!, {r9, r10, r11, r12, lr}\n"      \
    TP_FC_MAC("r2", "r9", "r7", "r8")             \
    TP_FC_MAC("r3", "r10", "r7", "r8")            \
    TP_FC_MAC("r4", "r11", "r7", "r8")            \
    TP_FC_MAC("r5", "r12", "r7", "r8")            \
    TP_FC_MAC("r6", "lr", "r7", "r8")
#define TP_FC4_WORD                               \
    "    ldr r6, [r0], #4\n"                      \
    "    ldr r7, [r0], #4\n"                      \
    "    ldr r8, [r1], #4\n"                      \
    "    ldr r9, [r1], #4\n"                      \
    "    ldr r10, [r1], #4\n"                     \
    "    ldr r11, [r1], #4\n"                     \
    TP_FC_MAC("r2", "r8", "r6", "r7")             \
    TP_FC_MAC("r3", "r9", "r6", "r7")             \
    TP_FC_MAC("r4", "r10", "r6", "r7")            \
    TP_FC_MAC("r5", "r11", "r6", "r7")
/* one input word x (in B) to its a (into A) and b (into B): k127 r8, mask r9 */
#define TP_FC_AB(A, B)                                \
    "    sxtab16 " A ", r8, " B ", ror #8\n"          \
    "    and " B ", r9, " B ", lsl #8\n"              \
    "    usub16 " B ", " B ", " A "\n"
#define TP_FC5_4 TP_FC5_WORD TP_FC5_WORD TP_FC5_WORD TP_FC5_WORD
#define TP_FC4_4 TP_FC4_WORD TP_FC4_WORD TP_FC4_WORD TP_FC4_WORD
/* requantize the 256-scaled sum A into T: m r8, C r9, rs r10 */
#define TP_FC_RQ(A, T)                              \
    "    asr " A ", " A ", #7\n"                    \
    "    add " T ", r9, " A ", asr #31\n"           \
    "    smmlar " T ", " A ", r8, " T "\n"          \
    "    asr " T ", " T ", r10\n"
#define TP_FC_SAT(T) "    ssat " T ", #8, " T "\n"
#define TP_FC_CLAMP(T, LO, HI)                                                  \
    "    cmp " T ", " LO "\n    it lt\n    movlt " T ", " LO "\n"                \
    "    cmp " T ", " HI "\n    it gt\n    movgt " T ", " HI "\n"
#define TP_FC_ST(T) "    strb " T ", [r11], #1\n"
#define TP_FC_ROWQ "    ldm r7!, {r8, r9, r10}\n"
#define TP_FC_M0(A, T) TP_FC_RQ(A, T) TP_FC_SAT(T) TP_FC_ST(T)
#define TP_FC_M1(A, T, LO, HI) TP_FC_ROWQ TP_FC_RQ(A, T) TP_FC_CLAMP(T, LO, HI) TP_FC_ST(T)
#define TP_FC_M2(A, T, LO, HI) TP_FC_RQ(A, T) TP_FC_CLAMP(T, LO, HI) TP_FC_ST(T)
/* next block after a requantizing epilogue (out in r11): the region end E, the entry at offset N */
#define TP_FC_NEXT(E, N, DONE, REGS)           \
    "    ldr r0, [sp, #20]\n"                  \
    "    ldr r7, [sp, #28]\n"                  \
    "    ldr r8, [sp, #" E "]\n"               \
    "    ldr r9, [sp, #" N "]\n"               \
    "    str r11, [sp, #16]\n"                 \
    "    cmp r1, r8\n"                         \
    "    beq " DONE "\n"                       \
    "    ldm r7!, {" REGS "}\n"                \
    "    str r7, [sp, #28]\n"                  \
    "    bx r9\n"
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
    "    sub sp, sp, #92\n"
    "    ldm r0!, {r1-r12, lr}\n"
    "    stm sp, {r1-r12, lr}\n"
    "    ldm r0, {r1-r7}\n"
    "    add r8, sp, #52\n"
    "    stm r8, {r1-r7}\n"
    /* the a/b words: a = sxtab16(-127, x ror 8), b = usub16((x << 8) & 0xFF00FF00, a); two words, then four a
     * turn (r0-r7 a0 b0 .. a3 b3, each x loaded where its b goes) */
    "    ldr r11, [sp, #20]\n"
    "    mov r10, r7\n"
    "    mvn r8, #0x7E007E\n"
    "    mvn r9, #0xFF00FF\n"
    "    mov r12, r6\n"
    "    lsls r0, r6, #30\n"
    "    bpl 41f\n"
    "    ldr r1, [r10], #4\n"
    "    ldr r3, [r10], #4\n"
    TP_FC_AB("r0", "r1") TP_FC_AB("r2", "r3")
    "    stm r11!, {r0-r3}\n"
    "    subs r12, r12, #2\n"
    "    beq 42f\n"
    "41:\n"
    "    ldr r1, [r10], #4\n"
    "    ldr r3, [r10], #4\n"
    "    ldr r5, [r10], #4\n"
    "    ldr r7, [r10], #4\n"
    TP_FC_AB("r0", "r1") TP_FC_AB("r2", "r3") TP_FC_AB("r4", "r5") TP_FC_AB("r6", "r7")
    "    stm r11!, {r0-r7}\n"
    "    subs r12, r12, #4\n"
    "    bne 41b\n"
    "42:\n"
    "    ldr r6, [sp, #72]\n"
    /* entries: (-words mod 32) words into the five-row loop, (-words mod 8) into the four-row one */
    "    rsb r6, r6, #0\n"
    "    and r7, r6, #31\n"
    "    movs r8, #68\n"
    "    mul r7, r7, r8\n"
    "    adr r9, 50f\n"
    "    add r7, r7, r9\n"
    "    orr r7, r7, #1\n"
    "    and r6, r6, #7\n"
    "    movs r8, #72\n"
    "    mul r6, r6, r8\n"
    "    adr r9, 60f\n"
    "    add r6, r6, r9\n"
    "    orr r6, r6, #1\n"
    "    strd r7, r6, [sp, #80]\n"
    /* five-row blocks */
    "    ldr r1, [sp, #36]\n"
    "    ldr r11, [sp, #16]\n"
    "    ldr r7, [sp, #0]\n"
    "    cmp r7, #3\n"
    "    beq 57f\n"
    "    b 56f\n"
    "    .p2align 2\n"
    "50:\n"
    TP_FC5_4 TP_FC5_4 TP_FC5_4 TP_FC5_4 TP_FC5_4 TP_FC5_4 TP_FC5_4 TP_FC5_4
    "59:\n"
    "    .if (59b - 50b) != 32 * 68\n"
    "    .error \"tp_fc_cm4: five-row word size\"\n"
    "    .endif\n"
    "    ldr r7, [sp, #24]\n"
    "    cmp r0, r7\n"
    "    bne 50b\n"
    "    ldm sp, {r7-r11}\n"
    "    cmp r7, #0\n"
    "    bne 52f\n"
    TP_FC_M0("r2", "r12") TP_FC_M0("r3", "r12") TP_FC_M0("r4", "r12") TP_FC_M0("r5", "r12")
    TP_FC_M0("r6", "r12")
    TP_FC_NEXT("40", "80", "70f", "r2-r6")
    "52:\n"
    "    cmp r7, #2\n"
    "    bhi 55f\n"
    "    ldrd r0, lr, [sp, #60]\n"
    "    beq 54f\n"
    "    ldr r7, [sp, #68]\n"
    TP_FC_M1("r2", "r12", "r0", "lr") TP_FC_M1("r3", "r12", "r0", "lr") TP_FC_M1("r4", "r12", "r0", "lr")
    TP_FC_M1("r5", "r12", "r0", "lr") TP_FC_M1("r6", "r12", "r0", "lr")
    "    str r7, [sp, #68]\n"
    "    b 56f\n"
    "54:\n"
    TP_FC_M2("r2", "r12", "r0", "lr") TP_FC_M2("r3", "r12", "r0", "lr") TP_FC_M2("r4", "r12", "r0", "lr")
    TP_FC_M2("r5", "r12", "r0", "lr") TP_FC_M2("r6", "r12", "r0", "lr")
    "56:\n"
    TP_FC_NEXT("40", "80", "70f", "r2-r6")
    "55:\n"
    "    ldr r7, [sp, #28]\n"
    "    ldr r8, [sp, #32]\n"
    "    ldm r7!, {r9, r10, r11, r12, lr}\n"
    "    add r2, r9, r2, asr #8\n"
    "    add r3, r10, r3, asr #8\n"
    "    add r4, r11, r4, asr #8\n"
    "    add r5, r12, r5, asr #8\n"
    "    add r6, lr, r6, asr #8\n"
    "    stm r8!, {r2-r6}\n"
    "    str r7, [sp, #28]\n"
    "    str r8, [sp, #32]\n"
    "    ldr r7, [sp, #52]\n"
    "    add r1, r1, r7\n"
    "57:\n"
    "    ldr r0, [sp, #20]\n"
    "    ldr r8, [sp, #40]\n"
    "    ldr r9, [sp, #80]\n"
    "    cmp r1, r8\n"
    "    beq 70f\n"
    "    movs r2, #0\n"
    "    movs r3, #0\n"
    "    movs r4, #0\n"
    "    movs r5, #0\n"
    "    movs r6, #0\n"
    "    bx r9\n"
    /* four-row blocks */
    "70:\n"
    "    ldr r1, [sp, #44]\n"
    "    ldr r12, [sp, #24]\n"
    "    ldr r11, [sp, #16]\n"
    "    ldr r7, [sp, #0]\n"
    "    cmp r7, #3\n"
    "    beq 67f\n"
    "    b 66f\n"
    "    .p2align 2\n"
    "60:\n"
    TP_FC4_4 TP_FC4_4
    "69:\n"
    "    .if (69b - 60b) != 8 * 72\n"
    "    .error \"tp_fc_cm4: four-row word size\"\n"
    "    .endif\n"
    "    cmp r0, r12\n"
    "    bne 60b\n"
    "    ldm sp, {r7-r11}\n"
    "    cmp r7, #0\n"
    "    bne 62f\n"
    TP_FC_M0("r2", "lr") TP_FC_M0("r3", "lr") TP_FC_M0("r4", "lr") TP_FC_M0("r5", "lr")
    TP_FC_NEXT("48", "84", "80f", "r2-r5")
    "62:\n"
    "    cmp r7, #2\n"
    "    bhi 65f\n"
    "    ldrd r0, r6, [sp, #60]\n"
    "    beq 64f\n"
    "    ldr r7, [sp, #68]\n"
    TP_FC_M1("r2", "lr", "r0", "r6") TP_FC_M1("r3", "lr", "r0", "r6") TP_FC_M1("r4", "lr", "r0", "r6")
    TP_FC_M1("r5", "lr", "r0", "r6")
    "    str r7, [sp, #68]\n"
    "    b 66f\n"
    "64:\n"
    TP_FC_M2("r2", "lr", "r0", "r6") TP_FC_M2("r3", "lr", "r0", "r6") TP_FC_M2("r4", "lr", "r0", "r6")
    TP_FC_M2("r5", "lr", "r0", "r6")
    "66:\n"
    TP_FC_NEXT("48", "84", "80f", "r2-r5")
    "65:\n"
    "    ldr r0, [sp, #28]\n"
    "    ldr r7, [sp, #32]\n"
    "    ldm r0!, {r8-r11}\n"
    "    add r2, r8, r2, asr #8\n"
    "    add r3, r9, r3, asr #8\n"
    "    add r4, r10, r4, asr #8\n"
    "    add r5, r11, r5, asr #8\n"
    "    stm r7!, {r2-r5}\n"
    "    str r0, [sp, #28]\n"
    "    str r7, [sp, #32]\n"
    "    ldr r7, [sp, #56]\n"
    "    add r1, r1, r7\n"
    "67:\n"
    "    ldr r0, [sp, #20]\n"
    "    ldr r8, [sp, #48]\n"
    "    ldr r9, [sp, #84]\n"
    "    cmp r1, r8\n"
    "    beq 80f\n"
    "    movs r2, #0\n"
    "    movs r3, #0\n"
    "    movs r4, #0\n"
    "    movs r5, #0\n"
    "    bx r9\n"
    "80:\n"
    "    add sp, sp, #92\n"
    "    pop {r4-r11, pc}\n"
    "    .size tp_fc_cm4, .-tp_fc_cm4\n");
#undef TP_FC_MAC
#undef TP_FC_AB
#undef TP_FC5_WORD
#undef TP_FC4_WORD
#undef TP_FC5_4
#undef TP_FC4_4
#undef TP_FC_RQ
#undef TP_FC_SAT
#undef TP_FC_CLAMP
#undef TP_FC_ST
#undef TP_FC_ROWQ
#undef TP_FC_M0
#undef TP_FC_M1
#undef TP_FC_M2
#undef TP_FC_NEXT
#else
/* the epilogue's requantization of a 256-scaled sum (see the header) */
static int32_t fc_requant(int32_t acc, int32_t m, int32_t c, int32_t rs)
{
    const int32_t x = acc >> 7;
    const int32_t h = (int32_t)(((int64_t)x * m + ((int64_t)1 << 31)) >> 32);
    return (int32_t)((uint32_t)h + (uint32_t)c + (uint32_t)(x >> 31)) >> rs;
}

void tp_fc_cm4(const tp_fc_ctx_t *c)
{
    const int32_t *rc = c->rc, *rq = c->rq;
    const uint32_t k127 = tp_dup16(-127);
    int32_t *part = c->part;
    int8_t *out = c->out;
    int32_t k;
    int region;
    for (k = 0; k < c->words; k++) {
        const uint32_t xv = tp_ld32(c->x + 4 * k);
        const uint32_t a = tp_sxtab16_ror8(k127, xv);
        const uint32_t h = (xv << 8) & 0xFF00FF00u;
        c->ab[2 * k] = a;
        c->ab[2 * k + 1] = ((h - (a & 0xFFFFu)) & 0xFFFFu) | ((h & 0xFFFF0000u) - (a & 0xFFFF0000u));
    }
    for (region = 0; region < 2; region++) {
        const int rows = region ? 4 : 5;
        const int8_t *w = (const int8_t *)(region ? c->w4 : c->w);
        const uintptr_t end = region ? c->w_end : c->w5_end;
        const int32_t skip = region ? c->skip4 : c->skip5;
        while ((uintptr_t)w != end) {
            int32_t acc[5];
            const uint32_t *ab;
            int j;
            for (j = 0; j < rows; j++) {
                acc[j] = c->mode == 3 ? 0 : rc[j];
            }
            for (ab = c->ab; ab != c->ab_end; ab += 2, w += 4 * rows) {
                for (j = 0; j < rows; j++) {
                    const uint32_t wv = tp_ld32(w + 4 * j);
                    acc[j] = tp_smlad(tp_sxtb16(wv), ab[1], tp_smlad(wv, ab[0], acc[j]));
                }
            }
            for (j = 0; j < rows; j++) {
                if (c->mode == 3) {
                    *part++ = (int32_t)((uint32_t)rc[j] + (uint32_t)(acc[j] >> 8));
                } else {
                    int32_t v;
                    if (c->mode == 1) {
                        v = fc_requant(acc[j], rq[0], rq[1], rq[2]);
                        rq += 3;
                    } else {
                        v = fc_requant(acc[j], c->m, c->c, c->rs);
                    }
                    if (c->mode == 0) {
                        v = tp_ssat8(v);
                    } else {
                        v = v < c->lo ? c->lo : v;
                        v = v > c->hi ? c->hi : v;
                    }
                    *out++ = (int8_t)v;
                }
            }
            rc += rows;
            w += skip;
        }
    }
}
#endif

static void fc_packed(const tp_fc_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *rowc,
                      const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t n = p->in_features, o = p->out_features, ch = p->chunk;
    const int32_t rows5 = 20 * (o / 20);
    uint32_t *const ab = (uint32_t *)(void *)p->scratch;
    int32_t *const part = (int32_t *)(void *)(ab + ch / 2);
    const uintptr_t f = (uintptr_t)filter, f4 = f + (uintptr_t)(rows5 * n), fe = f + (uintptr_t)(o * n);
    tp_rq_t q;
    tp_fc_ctx_t c;
    int32_t b, c0, j;
    tp_rq_init(&q, mult[0], shift[0], p->output_offset);
    c.mode = p->packed == 2 ? 3 : p->per_channel ? 1 : p->act_min == -128 && p->act_max == 127 ? 0 : 2;
    c.m = q.m;
    c.c = (int32_t)(2u * (uint32_t)q.hi);
    c.rs = q.rs1 + 1;
    c.lo = p->act_min;
    c.hi = p->act_max;
    c.skip5 = 5 * (n - ch);
    c.skip4 = 4 * (n - ch);
    c.words = ch / 4;
    c.ab = ab;
    c.ab_end = ab + ch / 2;
    c.part = part;
    for (b = 0; b < p->batches; b++) {
        const int8_t *x = input + b * n;
        int8_t *out = output + b * o;
        for (c0 = 0; c0 < n; c0 += ch) {
            c.x = x + c0;
            c.out = out;
            c.rc = c0 == 0 ? rowc : part;
            c.rq = p->rq;
            c.w = f + (uintptr_t)(5 * c0);
            c.w5_end = f4 + (uintptr_t)(5 * c0);
            c.w4 = f4 + (uintptr_t)(4 * c0);
            c.w_end = fe + (uintptr_t)(4 * c0);
            tp_fc_cm4(&c);
        }
        if (p->packed == 2 && !p->per_channel) { /* one multiplier: its constants once */
            for (j = 0; j < o; j++) out[j] = tp_rq_out(part[j], &q, shift[0], p->output_offset, p->act_min, p->act_max);
        } else if (p->packed == 2) {
            for (j = 0; j < o; j++) {
                tp_rq_t r;
                tp_rq_init(&r, mult[j], shift[j], p->output_offset);
                out[j] = tp_rq_out(part[j], &r, shift[j], p->output_offset, p->act_min, p->act_max);
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
