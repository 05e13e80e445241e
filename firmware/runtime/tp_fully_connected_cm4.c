/* FULLY_CONNECTED for Cortex-M4: same signature and results as tp_fully_connected.c.
 *
 * Two output features at a time share each unpacked input word (SXTAB16 adds the input offset), the filter
 * words are unpacked with SXTB16 and both rows accumulate with SMLAD: 12 instructions per 8 MACs. TFLite int8
 * filters are symmetric; a filter offset other than zero takes the portable loop. */
#include "tp_cm4.h"
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

void tp_fully_connected_s8(const tp_fc_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                           const int32_t *mult, const int32_t *shift, int8_t *output)
{
    const int32_t n = p->in_features;
    const uint32_t off2 = tp_dup16(p->input_offset);
    int32_t b, o, i;
    for (b = 0; b < p->batches; b++) {
        const int8_t *x = input + b * n;
        for (o = 0; o < p->out_features; o += 2) {
            const int two = o + 1 < p->out_features;
            const int32_t o1 = two ? o + 1 : o;
            const int8_t *w0 = filter + o * n, *w1 = filter + o1 * n;
            const int32_t q0 = p->per_channel ? o : 0, q1 = p->per_channel ? o1 : 0;
            int32_t a0 = bias ? bias[o] : 0, a1 = bias ? bias[o1] : 0;
            if (p->filter_offset == 0) {
                for (i = 0; i + 4 <= n; i += 4) {
                    const uint32_t xv = tp_ld32(x + i), wa = tp_ld32(w0 + i), wb = tp_ld32(w1 + i);
                    const uint32_t xe = tp_sxtab16(off2, xv), xo = tp_sxtab16_ror8(off2, xv);
                    a0 = tp_smlad(xe, tp_sxtb16(wa), a0);
                    a0 = tp_smlad(xo, tp_sxtb16_ror8(wa), a0);
                    a1 = tp_smlad(xe, tp_sxtb16(wb), a1);
                    a1 = tp_smlad(xo, tp_sxtb16_ror8(wb), a1);
                }
            } else {
                i = 0;
            }
            for (; i < n; i++) {
                const int32_t v = x[i] + p->input_offset;
                a0 += v * (w0[i] + p->filter_offset);
                a1 += v * (w1[i] + p->filter_offset);
            }
            output[b * p->out_features + o] =
                tp_requant_out(a0, mult[q0], shift[q0], p->output_offset, p->act_min, p->act_max);
            if (two) {
                output[b * p->out_features + o1] =
                    tp_requant_out(a1, mult[q1], shift[q1], p->output_offset, p->act_min, p->act_max);
            }
        }
    }
}
