/* DEPTHWISE_CONV_2D for Cortex-M4: same signature and results as tp_depthwise_conv_2d.c.
 *
 * With depth multiplier 1, four neighbouring channels are one word in both the NHWC input and the 1HWO
 * filter. Each tap loads one word of each, unpacks even/odd channels into 16-bit pairs (SXTAB16 adds the
 * input offset) and accumulates the four channels with SMLABB/SMLATT: 10 instructions per 4 MACs instead of a
 * load-multiply-add per byte. The valid tap range is computed once per pixel, so padding costs no tests in
 * the tap loop; a 3x3 window with all taps valid runs fully unrolled. Requantization follows in registers. */
#include "tp_cm4.h"
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

static void dw_portable(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                        const int32_t *mult, const int32_t *shift, int8_t *output)
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
                        int32_t acc = bias ? bias[oc] : 0;
                        for (ky = 0; ky < p->k_h; ky++) {
                            const int32_t in_y = in_y0 + p->dil_h * ky;
                            if (in_y < 0 || in_y >= p->in_h) {
                                continue;
                            }
                            for (kx = 0; kx < p->k_w; kx++) {
                                const int32_t in_x = in_x0 + p->dil_w * kx;
                                if (in_x < 0 || in_x >= p->in_w) {
                                    continue;
                                }
                                acc += filter[(ky * p->k_w + kx) * p->out_c + oc] *
                                       (input[((b * p->in_h + in_y) * p->in_w + in_x) * p->in_c + ic] +
                                        p->input_offset);
                            }
                        }
                        output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                            tp_requant_out(acc, mult[oc], shift[oc], p->output_offset, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}

#define TAP(xp, wp)                                                                                                \
    do {                                                                                                           \
        const uint32_t xv = tp_ld32(xp), wv = tp_ld32(wp);                                                         \
        const uint32_t xe = tp_sxtab16(off2, xv), xo = tp_sxtab16_ror8(off2, xv);                                  \
        const uint32_t we = tp_sxtb16(wv), wo = tp_sxtb16_ror8(wv);                                                \
        a0 = tp_smlabb(xe, we, a0);                                                                                \
        a2 = tp_smlatt(xe, we, a2);                                                                                \
        a1 = tp_smlabb(xo, wo, a1);                                                                                \
        a3 = tp_smlatt(xo, wo, a3);                                                                                \
    } while (0)

void tp_depthwise_conv_2d_s8(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter,
                             const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t C = p->in_c, row = p->in_w * C, wrow = p->k_w * C;
    const uint32_t off2 = tp_dup16(p->input_offset);
    const int32_t oo = p->output_offset, lo = p->act_min, hi = p->act_max;
    int32_t b, oy, ox, c;
    if (p->depth_multiplier != 1 || p->dil_h != 1 || p->dil_w != 1 || (C & 3)) {
        dw_portable(p, input, filter, bias, mult, shift, output);
        return;
    }
    for (b = 0; b < p->batches; b++) {
        const int8_t *in_b = input + b * p->in_h * row;
        for (oy = 0; oy < p->out_h; oy++) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            const int32_t ky_lo = y0 < 0 ? -y0 : 0;
            const int32_t ky_hi = p->in_h - y0 < p->k_h ? p->in_h - y0 : p->k_h;
            for (ox = 0; ox < p->out_w; ox++) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int32_t kx_lo = x0 < 0 ? -x0 : 0;
                const int32_t kx_hi = p->in_w - x0 < p->k_w ? p->in_w - x0 : p->k_w;
                const int full3 = p->k_h == 3 && p->k_w == 3 && ky_lo == 0 && kx_lo == 0 && ky_hi == 3 && kx_hi == 3;
                const int8_t *in_px = in_b + y0 * row + x0 * C;
                int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * C;
                for (c = 0; c < C; c += 4) {
                    int32_t a0, a1, a2, a3;
                    if (bias) {
                        a0 = bias[c];
                        a1 = bias[c + 1];
                        a2 = bias[c + 2];
                        a3 = bias[c + 3];
                    } else {
                        a0 = a1 = a2 = a3 = 0;
                    }
                    if (full3) {
                        const int8_t *x = in_px + c, *w = filter + c;
                        TAP(x, w);
                        TAP(x + C, w + C);
                        TAP(x + 2 * C, w + 2 * C);
                        TAP(x + row, w + wrow);
                        TAP(x + row + C, w + wrow + C);
                        TAP(x + row + 2 * C, w + wrow + 2 * C);
                        TAP(x + 2 * row, w + 2 * wrow);
                        TAP(x + 2 * row + C, w + 2 * wrow + C);
                        TAP(x + 2 * row + 2 * C, w + 2 * wrow + 2 * C);
                    } else {
                        int32_t ky, kx;
                        for (ky = ky_lo; ky < ky_hi; ky++) {
                            for (kx = kx_lo; kx < kx_hi; kx++) {
                                TAP(in_px + ky * row + kx * C + c, filter + ky * wrow + kx * C + c);
                            }
                        }
                    }
                    /* even/odd unpacking put channels c, c+2 in a0, a2 and c+1, c+3 in a1, a3 */
                    out[c] = tp_requant_out(a0, mult[c], shift[c], oo, lo, hi);
                    out[c + 1] = tp_requant_out(a1, mult[c + 1], shift[c + 1], oo, lo, hi);
                    out[c + 2] = tp_requant_out(a2, mult[c + 2], shift[c + 2], oo, lo, hi);
                    out[c + 3] = tp_requant_out(a3, mult[c + 3], shift[c + 3], oo, lo, hi);
                }
            }
        }
    }
}
