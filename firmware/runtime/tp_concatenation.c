/* CONCATENATION of inputs that share the output's quantization (checked at codegen). */
#include "tp_runtime.h"

void tp_concatenation_s8(const tp_concat_params_t *p, const int8_t *const *inputs, const int32_t *copy_sizes,
                         int8_t *output)
{
    int32_t k, i;
    for (k = 0; k < p->outer; k++) {
        for (i = 0; i < p->num_inputs; i++) {
            memcpy(output, inputs[i] + k * copy_sizes[i], (size_t)copy_sizes[i]);
            output += copy_sizes[i];
        }
    }
}
