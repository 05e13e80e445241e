/* FULLY_CONNECTED: filter [out_features, in_features], per-tensor or per-channel requantization. */
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

void tp_fully_connected_s8(const tp_fc_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                           const int32_t *mult, const int32_t *shift, int8_t *output)
{
    int32_t b, o, i;
    for (b = 0; b < p->batches; b++) {
        const int8_t *in_row = input + b * p->in_features;
        for (o = 0; o < p->out_features; o++) {
            const int8_t *w_row = filter + o * p->in_features;
            const int32_t q = p->per_channel ? o : 0;
            int32_t acc = 0;
            for (i = 0; i < p->in_features; i++) {
                acc += ((int32_t)w_row[i] + p->filter_offset) * ((int32_t)in_row[i] + p->input_offset);
            }
            if (bias) {
                acc += bias[o];
            }
            acc = tp_mbqm(acc, mult[q], shift[q]) + p->output_offset;
            output[b * p->out_features + o] = (int8_t)tp_clamp32(acc, p->act_min, p->act_max);
        }
    }
}
