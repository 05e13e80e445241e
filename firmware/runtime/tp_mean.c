/* MEAN (int8): sum of zero-point-corrected inputs over the reduced axes, requantized once; the division by the
 * element count is folded into the multiplier at codegen, as TFLite's integer MEAN does. */
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

void tp_mean_s8(const tp_mean_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t od[4], rd[4], st[4];
    int32_t o0, o1, o2, o3, r0, r1, r2, r3, d;
        int32_t o = 0;
    st[3] = 1;
    for (d = 2; d >= 0; d--) {
        st[d] = st[d + 1] * p->dims[d + 1];
    }
    for (d = 0; d < 4; d++) {
        od[d] = p->reduce[d] ? 1 : p->dims[d];
        rd[d] = p->reduce[d] ? p->dims[d] : 1;
    }
    for (o0 = 0; o0 < od[0]; o0++)
        for (o1 = 0; o1 < od[1]; o1++)
            for (o2 = 0; o2 < od[2]; o2++)
                for (o3 = 0; o3 < od[3]; o3++) {
                    int32_t sum = 0;
                    int32_t r;
                    for (r0 = 0; r0 < rd[0]; r0++)
                        for (r1 = 0; r1 < rd[1]; r1++)
                            for (r2 = 0; r2 < rd[2]; r2++)
                                for (r3 = 0; r3 < rd[3]; r3++) {
                                    sum += (int32_t)input[(o0 + r0) * st[0] + (o1 + r1) * st[1] + (o2 + r2) * st[2] +
                                                 (o3 + r3) * st[3]] - p->input_zero_point;
                                }
                    r = tp_mbqm(sum, p->multiplier, p->shift) + p->output_zero_point;
                    output[o++] = (int8_t)(r > 127 ? 127 : (r < -128 ? -128 : r));
                }
}
