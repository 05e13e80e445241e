/* AVERAGE_POOL_2D: mean over the window clipped to the image, rounded half away from zero. */
#include "tp_fixedpoint.h"
#include "tp_runtime.h"

void tp_average_pool_2d_s8(const tp_pool_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t b, oy, ox, c, y, x;
    for (b = 0; b < p->batches; b++) {
        for (oy = 0; oy < p->out_h; oy++) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            const int32_t y_start = tp_max32(0, -in_y0);
            const int32_t y_end = tp_min32(p->filter_h, p->in_h - in_y0);
            for (ox = 0; ox < p->out_w; ox++) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                const int32_t x_start = tp_max32(0, -in_x0);
                const int32_t x_end = tp_min32(p->filter_w, p->in_w - in_x0);
                for (c = 0; c < p->channels; c++) {
                    int32_t acc = 0;
                    int32_t count = 0;
                    for (y = y_start; y < y_end; y++) {
                        for (x = x_start; x < x_end; x++) {
                            acc += input[((b * p->in_h + in_y0 + y) * p->in_w + in_x0 + x) * p->channels + c];
                            count++;
                        }
                    }
                    if (count > 0) {
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    }
                    output[((b * p->out_h + oy) * p->out_w + ox) * p->channels + c] =
                        (int8_t)tp_clamp32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
