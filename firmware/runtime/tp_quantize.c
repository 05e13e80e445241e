/* QUANTIZE: int8 -> int8 requantization, or float32 -> int8 with TFLite's round-half-away-from-zero. */
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

void tp_requantize_s8(const tp_quantize_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; i++) {
        const int32_t v = tp_mbqm((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift) +
                          p->output_zero_point;
        output[i] = (int8_t)tp_clamp32(v, -128, 127);
    }
}

void tp_quantize_f32_s8(const tp_quantize_params_t *p, const float *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; i++) {
        const float q = tp_fdiv(input[i], p->scale);
        int32_t v;
        if (q > 1e9f) {
            v = 127;
        } else if (q < -1e9f) {
            v = -128;
        } else {
            v = tp_roundf_to_i32(q) + p->output_zero_point;
        }
        output[i] = (int8_t)tp_clamp32(v, -128, 127);
    }
}
