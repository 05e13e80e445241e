/* DEPTHWISE_CONV_2D, any depth multiplier: output channel = input channel * multiplier + m. */
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

void tp_depthwise_conv_2d_s8(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter,
                             const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output)
{
    int32_t b, oy, ox, ic, m, ky, kx;
    for (b = 0; b < p->batches; b++) {
        for (oy = 0; oy < p->out_h; oy++) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ox++) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                for (ic = 0; ic < p->in_c; ic++) {
                    for (m = 0; m < p->depth_multiplier; m++) {
                        const int32_t oc = ic * p->depth_multiplier + m;
                        int32_t acc = 0;
                        for (ky = 0; ky < p->k_h; ky++) {
                            const int32_t in_y = in_y0 + p->dil_h * ky;
                            if (in_y < 0 || in_y >= p->in_h) {
                                continue;
                            }
                            for (kx = 0; kx < p->k_w; kx++) {
                                const int32_t in_x = in_x0 + p->dil_w * kx;
                                int32_t x;
                                int32_t w;
                                if (in_x < 0 || in_x >= p->in_w) {
                                    continue;
                                }
                                x = input[((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c + ic];
                                w = filter[(ky * p->k_w + kx) * p->out_c + oc];
                                acc += w * (x + p->input_offset);
                            }
                        }
                        if (bias) {
                            acc += bias[oc];
                        }
                        acc = tp_mbqm(acc, mult[oc], shift[oc]) + p->output_offset;
                        output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                            (int8_t)tp_clamp32(acc, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
