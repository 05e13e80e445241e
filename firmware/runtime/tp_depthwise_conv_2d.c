/* DEPTHWISE_CONV_2D, any depth multiplier: output channel = input channel * multiplier + m. */
#include "tp_conv_ref.h"

void tp_depthwise_conv_2d_s8(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter,
                             const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output)
{
    tp_depthwise_conv_2d_ref(p, input, filter, bias, mult, shift, output);
}
