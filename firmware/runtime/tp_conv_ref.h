/* The reference loops of CONV_2D and DEPTHWISE_CONV_2D: TFLite's integer arithmetic as plainly as it reads.
 * tp_conv_2d.c and tp_depthwise_conv_2d.c are these loops; the optimized variants (tp_*_cm4.c) fall back to them
 * for the shapes they do not specialise, so every target runs one oracle, not a copy of it. */
#ifndef TP_CONV_REF_H
#define TP_CONV_REF_H

#include "tp_fixedpoint.h"
#include "tp_runtime.h"

/* CONV_2D, int8 activations, int8 per-channel (or broadcast per-tensor) weights, int32 bias. */
static inline void tp_conv_2d_ref(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                   const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t groups = p->in_c / p->k_c;
    const int32_t filters_per_group = p->out_c / groups;
    int32_t b, oy, ox, oc, ky, kx, ic;
    for (b = 0; b < p->batches; b++) {
        for (oy = 0; oy < p->out_h; oy++) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ox++) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                for (oc = 0; oc < p->out_c; oc++) {
                    const int32_t group = oc / filters_per_group;
                    const int8_t *w_oc = filter + oc * p->k_h * p->k_w * p->k_c;
                    int32_t acc = 0;
                    for (ky = 0; ky < p->k_h; ky++) {
                        const int32_t in_y = in_y0 + p->dil_h * ky;
                        if (in_y < 0 || in_y >= p->in_h) {
                            continue; /* padding contributes (zero_point + input_offset) = 0 */
                        }
                        for (kx = 0; kx < p->k_w; kx++) {
                            const int32_t in_x = in_x0 + p->dil_w * kx;
                            const int8_t *in_px;
                            const int8_t *w_px;
                            if (in_x < 0 || in_x >= p->in_w) {
                                continue;
                            }
                            in_px = input + ((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c + group * p->k_c;
                            w_px = w_oc + (ky * p->k_w + kx) * p->k_c;
                            for (ic = 0; ic < p->k_c; ic++) {
                                acc += (int32_t)w_px[ic] * ((int32_t)in_px[ic] + p->input_offset);
                            }
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

/* DEPTHWISE_CONV_2D, any depth multiplier: output channel = input channel * multiplier + m. */
static inline void tp_depthwise_conv_2d_ref(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter,
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

#endif
