/* SOFTMAX int8 -> int8 (output scale 1/256, zero point -128): gemmlowp fixed-point exp and reciprocal. */
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

#define TP_SOFTMAX_DIFF_INT_BITS 5
#define TP_SOFTMAX_ACCUM_INT_BITS 12

static int32_t tp_softmax_exp(const tp_softmax_params_t *p, int32_t diff)
{
    const int32_t rescaled = tp_srdhm((int32_t)((uint32_t)diff << p->input_left_shift), p->input_multiplier);
    return tp_exp_on_negative_values(rescaled, TP_SOFTMAX_DIFF_INT_BITS);
}

void tp_softmax_s8(const tp_softmax_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t r, c;
    for (r = 0; r < p->rows; r++) {
        const int8_t *in = input + r * p->depth;
        int8_t *out = output + r * p->depth;
        int32_t max_in_row = -128;
        int32_t sum_of_exps = 0;
        int headroom_plus_one;
        int num_bits_over_unit;
        int32_t shifted_scale;
        for (c = 0; c < p->depth; c++) {
            max_in_row = tp_max32(max_in_row, in[c]);
        }
        for (c = 0; c < p->depth; c++) {
            const int32_t diff = (int32_t)in[c] - max_in_row;
            if (diff >= p->diff_min) {
                sum_of_exps = tp_add_wrap(sum_of_exps, tp_rdbpot(tp_softmax_exp(p, diff), TP_SOFTMAX_ACCUM_INT_BITS));
            }
        }
        /* Reciprocal of the sum: normalise it into [1, 2), then 1/(1+x) in fixed point. */
        headroom_plus_one = tp_clz32((uint32_t)sum_of_exps);
        num_bits_over_unit = TP_SOFTMAX_ACCUM_INT_BITS - headroom_plus_one;
        shifted_scale = tp_one_over_one_plus_x(
            (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - ((uint32_t)1 << 31)));
        for (c = 0; c < p->depth; c++) {
            const int32_t diff = (int32_t)in[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t e = tp_softmax_exp(p, diff);
                const int32_t unsat = tp_rdbpot(tp_srdhm(shifted_scale, e), num_bits_over_unit + 31 - 8);
                out[c] = (int8_t)tp_clamp32(unsat - 128, -128, 127);
            } else {
                out[c] = -128;
            }
        }
    }
}
