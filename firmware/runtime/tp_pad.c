/* PAD / PADV2 over a 4-D view: fill with the pad value, then copy the input rows into place. */
#include "tp_runtime.h"

void tp_pad_s8(const tp_pad_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t *id = p->in_dims;
    const int32_t *od = p->out_dims;
    int32_t i0, i1, i2;
    memset(output, (int8_t)p->pad_value, (size_t)(od[0] * od[1] * od[2] * od[3]));
    for (i0 = 0; i0 < id[0]; i0++) {
        for (i1 = 0; i1 < id[1]; i1++) {
            for (i2 = 0; i2 < id[2]; i2++) {
                const int32_t src = ((i0 * id[1] + i1) * id[2] + i2) * id[3];
                const int32_t dst =
                    (((i0 + p->before[0]) * od[1] + i1 + p->before[1]) * od[2] + i2 + p->before[2]) * od[3] +
                    p->before[3];
                memcpy(output + dst, input + src, (size_t)id[3]);
            }
        }
    }
}
