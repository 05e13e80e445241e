/* LOGISTIC int8 -> int8 (output scale 1/256, zero point -128): input in Q4.27, gemmlowp logistic. */
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

void tp_logistic_s8(const tp_logistic_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; i++) {
        const int32_t x = (int32_t)input[i] - p->input_zero_point;
        if (x <= -p->input_range_radius) {
            output[i] = -128;
        } else if (x >= p->input_range_radius) {
            output[i] = 127;
        } else {
            const int32_t q4 = tp_mbqm(x, p->input_multiplier, p->input_left_shift);
            const int32_t abs_q4 = q4 > 0 ? q4 : -q4;
            const int32_t pos = tp_one_over_one_plus_x(tp_exp_on_negative_values(-abs_q4, 4));
            int32_t q0;
            if (q4 == 0) {
                q0 = 1 << 30;
            } else if (q4 > 0) {
                q0 = pos;
            } else {
                q0 = tp_sub_wrap(INT32_MAX, pos);
            }
            output[i] = (int8_t)tp_clamp32(tp_rdbpot(q0, 31 - 8) - 128, -128, 127);
        }
    }
}
