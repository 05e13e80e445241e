/* A hand-written stand-in for generated model code: the model.h contract (model_invoke on int8 tensors)
 * with arithmetic simple enough to mirror in numpy (tests/device/testmodel.py). Sizes and quantization
 * parameters come from -D flags so one file serves every task. */
#include "model.h"

int model_invoke(const int8_t *in, int8_t *out)
{
    int32_t j, i;
    for (j = 0; j < MODEL_OUTPUT_SIZE; j++) {
        int32_t acc = TEST_MODEL_BIAS * j;
        for (i = 0; i < MODEL_INPUT_SIZE; i++) acc += (int32_t)in[i] * ((i * 7 + j * 13) % 5 - 2);
        acc >>= TEST_MODEL_SHIFT;
        out[j] = (int8_t)(acc < -128 ? -128 : acc > 127 ? 127 : acc);
    }
    return 0;
}
