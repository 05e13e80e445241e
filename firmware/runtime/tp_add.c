/* ADD: both inputs rescaled to a common 2^20-scaled domain, summed, then requantized (TFLite int8 recipe). */
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

void tp_add_s8(const tp_binary_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    int32_t i0, i1, i2, i3;
    int32_t o = 0;
    for (i0 = 0; i0 < p->out_dims[0]; i0++) {
        for (i1 = 0; i1 < p->out_dims[1]; i1++) {
            for (i2 = 0; i2 < p->out_dims[2]; i2++) {
                for (i3 = 0; i3 < p->out_dims[3]; i3++) {
                    const int32_t a = p->input1_offset +
                                      input1[i0 * p->in1_strides[0] + i1 * p->in1_strides[1] +
                                             i2 * p->in1_strides[2] + i3 * p->in1_strides[3]];
                    const int32_t b = p->input2_offset +
                                      input2[i0 * p->in2_strides[0] + i1 * p->in2_strides[1] +
                                             i2 * p->in2_strides[2] + i3 * p->in2_strides[3]];
                    const int32_t sa = tp_mbqm(a * (1 << p->left_shift), p->input1_multiplier, p->input1_shift);
                    const int32_t sb = tp_mbqm(b * (1 << p->left_shift), p->input2_multiplier, p->input2_shift);
                    const int32_t r = tp_mbqm(sa + sb, p->output_multiplier, p->output_shift) + p->output_offset;
                    output[o++] = (int8_t)tp_clamp32(r, p->act_min, p->act_max);
                }
            }
        }
    }
}
