/* ADD for Cortex-M4: same signature and results as tp_add.c.
 *
 * Each input's rescaling into the common 2^20-scaled domain depends on its int8 value only, so with scratch
 * (2 x 256 words, planned in the arena by codegen) it is tabulated once per call (512 exact double-rounding
 * requantizations) and every element costs two loads, two table lookups, an add and the output requantization
 * (one SMLAL via tp_rq where the output multiplier allows). Without scratch: the portable arithmetic. */
#include "tp_cm4.h"
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

/* Contiguous rows (the residual ADDs): pointer walks, the output constants in registers; out of line so they
 * stay there. */
__attribute__((noinline)) static void add_run(const int8_t *a, const int8_t *b, int8_t *out, int32_t n,
                                              const int32_t *t1, const int32_t *t2, const tp_rq_t *qp, int32_t lo,
                                              int32_t hi)
{
    const tp_rq_t q = *qp;
    int8_t *const end = out + n;
    if (lo == -128 && hi == 127) {
        while (out < end) *out++ = (int8_t)tp_ssat8(tp_rq(t1[*a++] + t2[*b++], &q));
        return;
    }
    while (out < end) {
        int32_t r = tp_rq(t1[*a++] + t2[*b++], &q);
        r = r < lo ? lo : r;
        *out++ = (int8_t)(r > hi ? hi : r);
    }
}

void tp_add_s8(const tp_binary_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const int32_t lo = p->act_min, hi = p->act_max, oo = p->output_offset;
    int32_t *t1 = p->scratch, *t2 = p->scratch + 256;
    int32_t i0, i1, i2, i3, v;
    int32_t o = 0;
    tp_rq_t q;
    if (!t1) {
        t1 = t2 = 0;
    } else {
        for (v = -128; v < 128; v++) {
            t1[v + 128] = tp_mbqm((v + p->input1_offset) * (1 << p->left_shift), p->input1_multiplier, p->input1_shift);
            t2[v + 128] = tp_mbqm((v + p->input2_offset) * (1 << p->left_shift), p->input2_multiplier, p->input2_shift);
        }
        t1 += 128;
        t2 += 128;
    }
    tp_rq_init(&q, p->output_multiplier, p->output_shift, oo);
    for (i0 = 0; i0 < p->out_dims[0]; i0++) {
        for (i1 = 0; i1 < p->out_dims[1]; i1++) {
            for (i2 = 0; i2 < p->out_dims[2]; i2++) {
                const int8_t *a = input1 + i0 * p->in1_strides[0] + i1 * p->in1_strides[1] + i2 * p->in1_strides[2];
                const int8_t *b = input2 + i0 * p->in2_strides[0] + i1 * p->in2_strides[1] + i2 * p->in2_strides[2];
                const int32_t sa3 = p->in1_strides[3], sb3 = p->in2_strides[3], n = p->out_dims[3];
                int8_t *out = output + o;
                o += n;
                if (t1 && q.fast && sa3 == 1 && sb3 == 1) {
                    add_run(a, b, out, n, t1, t2, &q, lo, hi);
                    continue;
                }
                if (t1 && q.fast) {
                    for (i3 = 0; i3 < n; i3++) {
                        int32_t r = tp_rq(t1[a[i3 * sa3]] + t2[b[i3 * sb3]], &q);
                        r = r < lo ? lo : r;
                        out[i3] = (int8_t)(r > hi ? hi : r);
                    }
                    continue;
                }
                for (i3 = 0; i3 < n; i3++) {
                    const int32_t x = a[i3 * sa3], y = b[i3 * sb3];
                    const int32_t sa = t1 ? t1[x] : tp_mbqm((x + p->input1_offset) * (1 << p->left_shift),
                                                            p->input1_multiplier, p->input1_shift);
                    const int32_t sb = t2 ? t2[y] : tp_mbqm((y + p->input2_offset) * (1 << p->left_shift),
                                                            p->input2_multiplier, p->input2_shift);
                    out[i3] = tp_requant_out(sa + sb, p->output_multiplier, p->output_shift, oo, lo, hi);
                }
            }
        }
    }
}
