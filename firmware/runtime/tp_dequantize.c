/* DEQUANTIZE int8 -> float32. TFLM multiplies in double; scale * (q - zp) is exact in double, so the
 * single float product rounds to the same value without double arithmetic on the target. */
#include "tp_runtime.h"

void tp_dequantize_s8_f32(const tp_dequantize_params_t *p, const int8_t *input, float *output)
{
    int32_t i;
    for (i = 0; i < p->size; i++) {
        output[i] = p->scale * (float)((int32_t)input[i] - p->zero_point);
    }
}
