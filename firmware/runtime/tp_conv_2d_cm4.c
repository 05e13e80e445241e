/* CONV_2D for Cortex-M4: same signature and results as tp_conv_2d.c.
 *
 * Without dilation and groups, the filter taps of one filter row (kx = 0..k_w-1, all k_c channels) are one
 * contiguous run of k_w*k_c bytes in both the NHWC input and the OHWI filter, so each row of the window is a
 * dot product over a run (a 1x1 convolution is a matrix product with runs of k_c). Runs are read 4 bytes at a
 * time and unpacked into 16-bit pairs (SXTAB16 adds the input offset on the way), and a 2-pixel x 2-channel
 * block shares every unpacked word between two SMLADs: 20 instructions per 16 MACs. Padding never enters a
 * run: at the borders the run is cut to the valid kx range (padding contributes exactly zero). The
 * requantization follows in registers, once per output. Anything else (groups, dilation) is the portable loop. */
#include "tp_cm4.h"
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

/* acc[pixel][channel] += run(x_pixel) . run(w_channel) over n bytes. */
__attribute__((noinline)) static void dot_2x2(const int8_t *x0, const int8_t *x1, const int8_t *w0, const int8_t *w1, int32_t n,
                           uint32_t off2, int32_t *acc)
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    int32_t i;
    for (i = 0; i + 4 <= n; i += 4) {
        const uint32_t xa = tp_ld32(x0 + i), xb = tp_ld32(x1 + i);
        const uint32_t wa = tp_ld32(w0 + i), wb = tp_ld32(w1 + i);
        const uint32_t x0e = tp_sxtab16(off2, xa), x0o = tp_sxtab16_ror8(off2, xa);
        const uint32_t x1e = tp_sxtab16(off2, xb), x1o = tp_sxtab16_ror8(off2, xb);
        const uint32_t w0e = tp_sxtb16(wa), w0o = tp_sxtb16_ror8(wa);
        const uint32_t w1e = tp_sxtb16(wb), w1o = tp_sxtb16_ror8(wb);
        a00 = tp_smlad(x0e, w0e, a00);
        a00 = tp_smlad(x0o, w0o, a00);
        a01 = tp_smlad(x0e, w1e, a01);
        a01 = tp_smlad(x0o, w1o, a01);
        a10 = tp_smlad(x1e, w0e, a10);
        a10 = tp_smlad(x1o, w0o, a10);
        a11 = tp_smlad(x1e, w1e, a11);
        a11 = tp_smlad(x1o, w1o, a11);
    }
    {
        const int32_t off = (int16_t)(off2 & 0xFFFFu);
        for (; i < n; i++) {
            const int32_t v0 = x0[i] + off, v1 = x1[i] + off;
            a00 += v0 * w0[i];
            a01 += v0 * w1[i];
            a10 += v1 * w0[i];
            a11 += v1 * w1[i];
        }
    }
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
}

/* acc[channel] += run(x) . run(w_channel) over n bytes. */
__attribute__((noinline)) static void dot_1x2(const int8_t *x0, const int8_t *w0, const int8_t *w1, int32_t n, uint32_t off2,
                           int32_t *acc)
{
    int32_t a0 = acc[0], a1 = acc[1];
    int32_t i;
    for (i = 0; i + 4 <= n; i += 4) {
        const uint32_t xa = tp_ld32(x0 + i);
        const uint32_t wa = tp_ld32(w0 + i), wb = tp_ld32(w1 + i);
        const uint32_t xe = tp_sxtab16(off2, xa), xo = tp_sxtab16_ror8(off2, xa);
        a0 = tp_smlad(xe, tp_sxtb16(wa), a0);
        a0 = tp_smlad(xo, tp_sxtb16_ror8(wa), a0);
        a1 = tp_smlad(xe, tp_sxtb16(wb), a1);
        a1 = tp_smlad(xo, tp_sxtb16_ror8(wb), a1);
    }
    {
        const int32_t off = (int16_t)(off2 & 0xFFFFu);
        for (; i < n; i++) {
            const int32_t v = x0[i] + off;
            a0 += v * w0[i];
            a1 += v * w1[i];
        }
    }
    acc[0] = a0;
    acc[1] = a1;
}

/* 1x1, stride 1, no padding, k_c % 4 == 0: the convolution is a matrix product over contiguous pixels. The
 * input offset is folded into the bias (sum_k w*(x + off) = sum_k w*x + off * sum_k w), so inputs unpack with
 * SXTB16 and no offset register; pixel p+1 and channel c+1 are both k_c bytes on, so one stride register
 * serves both and the 2x2 block fits the M4's registers: 20 instructions per 16 MACs. */
__attribute__((noinline)) static void gemm_2x2(const int8_t *x, const int8_t *w, int32_t k, int32_t *acc)
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    const int8_t *const end = x + k;
    while (x < end) {
        const uint32_t wa = tp_ld32(w), wb = tp_ld32(w + k);
        const uint32_t xa = tp_ld32(x), xb = tp_ld32(x + k);
        const uint32_t x0e = tp_sxtb16(xa), x0o = tp_sxtb16_ror8(xa);
        const uint32_t wae = tp_sxtb16(wa), wao = tp_sxtb16_ror8(wa);
        const uint32_t x1e = tp_sxtb16(xb), x1o = tp_sxtb16_ror8(xb);
        const uint32_t wbe = tp_sxtb16(wb), wbo = tp_sxtb16_ror8(wb);
        a00 = tp_smlad(x0e, wae, a00);
        a00 = tp_smlad(x0o, wao, a00);
        a10 = tp_smlad(x1e, wae, a10);
        a10 = tp_smlad(x1o, wao, a10);
        a01 = tp_smlad(x0e, wbe, a01);
        a01 = tp_smlad(x0o, wbo, a01);
        a11 = tp_smlad(x1e, wbe, a11);
        a11 = tp_smlad(x1o, wbo, a11);
        x += 4;
        w += 4;
    }
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
}

static void conv_1x1(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                     const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t k = p->k_c, oc_n = p->out_c, npix = p->batches * p->out_h * p->out_w;
    const uint32_t off2 = tp_dup16(p->input_offset);
    const int32_t oo = p->output_offset, lo = p->act_min, hi = p->act_max;
    int32_t oc, pix, i;
    for (oc = 0; oc < oc_n; oc += 2) {
        const int32_t oc1 = oc + 1 < oc_n ? oc + 1 : oc;
        const int8_t *f0 = filter + oc * k, *f1 = filter + oc1 * k;
        int32_t s0 = 0, s1 = 0, b0, b1;
        for (i = 0; i < k; i += 4) {
            const uint32_t wa = tp_ld32(f0 + i), wb = tp_ld32(f1 + i);
            s0 = tp_smlad(tp_sxtb16(wa), 0x00010001u, s0);
            s0 = tp_smlad(tp_sxtb16_ror8(wa), 0x00010001u, s0);
            s1 = tp_smlad(tp_sxtb16(wb), 0x00010001u, s1);
            s1 = tp_smlad(tp_sxtb16_ror8(wb), 0x00010001u, s1);
        }
        b0 = (int32_t)((uint32_t)(bias ? bias[oc] : 0) + (uint32_t)s0 * (uint32_t)p->input_offset);
        b1 = (int32_t)((uint32_t)(bias ? bias[oc1] : 0) + (uint32_t)s1 * (uint32_t)p->input_offset);
        for (pix = 0; pix + 2 <= npix; pix += 2) {
            int32_t acc[4];
            int8_t *o = output + pix * oc_n;
            acc[0] = b0;
            acc[1] = b1;
            acc[2] = b0;
            acc[3] = b1;
            if (oc1 == oc + 1) {
                gemm_2x2(input + pix * k, f0, k, acc);
            } else {
                int32_t tmp[2];
                tmp[0] = bias ? bias[oc] : 0;
                tmp[1] = tmp[0];
                dot_1x2(input + pix * k, f0, f0, k, off2, tmp);
                acc[0] = tmp[0];
                tmp[0] = tmp[1] = bias ? bias[oc] : 0;
                dot_1x2(input + (pix + 1) * k, f0, f0, k, off2, tmp);
                acc[2] = tmp[0];
            }
            o[oc] = tp_requant_out(acc[0], mult[oc], shift[oc], oo, lo, hi);
            o[oc_n + oc] = tp_requant_out(acc[2], mult[oc], shift[oc], oo, lo, hi);
            if (oc1 != oc) {
                o[oc1] = tp_requant_out(acc[1], mult[oc1], shift[oc1], oo, lo, hi);
                o[oc_n + oc1] = tp_requant_out(acc[3], mult[oc1], shift[oc1], oo, lo, hi);
            }
        }
        if (pix < npix) {
            int32_t acc[2];
            acc[0] = bias ? bias[oc] : 0;
            acc[1] = bias ? bias[oc1] : 0;
            dot_1x2(input + pix * k, f0, f1, k, off2, acc);
            output[pix * oc_n + oc] = tp_requant_out(acc[0], mult[oc], shift[oc], oo, lo, hi);
            if (oc1 != oc) {
                output[pix * oc_n + oc1] = tp_requant_out(acc[1], mult[oc1], shift[oc1], oo, lo, hi);
            }
        }
    }
}

static void conv_portable(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
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
                    int32_t acc = bias ? bias[oc] : 0;
                    for (ky = 0; ky < p->k_h; ky++) {
                        const int32_t in_y = in_y0 + p->dil_h * ky;
                        if (in_y < 0 || in_y >= p->in_h) {
                            continue;
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
                    output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                        tp_requant_out(acc, mult[oc], shift[oc], p->output_offset, p->act_min, p->act_max);
                }
            }
        }
    }
}

/* Where output pixel `pix` (row-major within one image) reads: its top-left input position. */
typedef struct {
    int32_t y0, x0;
    int32_t ky_lo, ky_hi, kx_lo, kx_hi; /* valid tap range [lo, hi) */
} window_t;

static inline void window(const tp_conv_params_t *p, int32_t pix, window_t *w)
{
    const int32_t oy = pix / p->out_w, ox = pix - oy * p->out_w;
    w->y0 = oy * p->stride_h - p->pad_h;
    w->x0 = ox * p->stride_w - p->pad_w;
    w->ky_lo = w->y0 < 0 ? -w->y0 : 0;
    w->ky_hi = p->in_h - w->y0 < p->k_h ? p->in_h - w->y0 : p->k_h;
    w->kx_lo = w->x0 < 0 ? -w->x0 : 0;
    w->kx_hi = p->in_w - w->x0 < p->k_w ? p->in_w - w->x0 : p->k_w;
}

void tp_conv_2d_s8(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                   const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t kc = p->k_c, run = p->k_w * kc, fsize = p->k_h * run;
    const int32_t npix = p->out_h * p->out_w;
    const int32_t row = p->in_w * p->in_c;
    const uint32_t off2 = tp_dup16(p->input_offset);
    int32_t b, pix, oc;
    if (kc != p->in_c || p->dil_h != 1 || p->dil_w != 1) {
        conv_portable(p, input, filter, bias, mult, shift, output);
        return;
    }
    if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_h == 0 && p->pad_w == 0 &&
        p->in_h == p->out_h && p->in_w == p->out_w && (kc & 3) == 0) {
        conv_1x1(p, input, filter, bias, mult, shift, output);
        return;
    }
    for (b = 0; b < p->batches; b++) {
        const int8_t *in_b = input + b * p->in_h * row;
        int8_t *out_b = output + b * npix * p->out_c;
        for (pix = 0; pix < npix; pix += 2) {
            window_t w0, w1;
            const int pair = pix + 1 < npix;
            int8_t *o0 = out_b + pix * p->out_c, *o1 = o0 + p->out_c;
            window(p, pix, &w0);
            window(p, pair ? pix + 1 : pix, &w1);
            for (oc = 0; oc < p->out_c; oc += 2) {
                const int two = oc + 1 < p->out_c;
                const int32_t oc1 = two ? oc + 1 : oc;
                const int8_t *f0 = filter + oc * fsize, *f1 = filter + oc1 * fsize;
                int32_t acc[4], ky;
                acc[0] = acc[2] = bias ? bias[oc] : 0;
                acc[1] = acc[3] = bias ? bias[oc1] : 0;
                for (ky = 0; ky < p->k_h; ky++) {
                    const int v0 = ky >= w0.ky_lo && ky < w0.ky_hi;
                    const int v1 = pair && ky >= w1.ky_lo && ky < w1.ky_hi;
                    if (v0 && v1 && w0.kx_lo == w1.kx_lo && w0.kx_hi == w1.kx_hi) {
                        const int32_t k0 = w0.kx_lo * kc;
                        dot_2x2(in_b + (w0.y0 + ky) * row + w0.x0 * kc + k0,
                                in_b + (w1.y0 + ky) * row + w1.x0 * kc + k0, f0 + ky * run + k0, f1 + ky * run + k0,
                                (w0.kx_hi - w0.kx_lo) * kc, off2, acc);
                        continue;
                    }
                    if (v0) {
                        const int32_t k0 = w0.kx_lo * kc;
                        dot_1x2(in_b + (w0.y0 + ky) * row + w0.x0 * kc + k0, f0 + ky * run + k0, f1 + ky * run + k0,
                                (w0.kx_hi - w0.kx_lo) * kc, off2, acc);
                    }
                    if (v1) {
                        const int32_t k0 = w1.kx_lo * kc;
                        dot_1x2(in_b + (w1.y0 + ky) * row + w1.x0 * kc + k0, f0 + ky * run + k0, f1 + ky * run + k0,
                                (w1.kx_hi - w1.kx_lo) * kc, off2, acc + 2);
                    }
                }
                o0[oc] = tp_requant_out(acc[0], mult[oc], shift[oc], p->output_offset, p->act_min, p->act_max);
                if (two) {
                    o0[oc1] = tp_requant_out(acc[1], mult[oc1], shift[oc1], p->output_offset, p->act_min, p->act_max);
                }
                if (pair) {
                    o1[oc] = tp_requant_out(acc[2], mult[oc], shift[oc], p->output_offset, p->act_min, p->act_max);
                    if (two) {
                        o1[oc1] =
                            tp_requant_out(acc[3], mult[oc1], shift[oc1], p->output_offset, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
