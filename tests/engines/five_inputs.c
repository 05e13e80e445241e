/* A native TFLM harness for test_host_outputs.py: the TFLM baseline's five inputs (the bench app's LCG), each
 * model output printed in hex, one line per input. */
#include <stdint.h>
#include <stdio.h>

#include "model.h"

int main(void)
{
    static int8_t input[MODEL_INPUT_SIZE], output[MODEL_OUTPUT_SIZE];
    int shift;
    for (shift = 24; shift <= 28; shift++) {
        uint32_t x = 12345u;
        size_t i;
        for (i = 0; i < MODEL_INPUT_SIZE; i++) {
            x = x * 1664525u + 1013904223u;
            input[i] = (int8_t)((int32_t)x >> shift);
        }
        if (model_invoke(input, output) != 0) return 1;
        for (i = 0; i < MODEL_OUTPUT_SIZE; i++) printf("%02x", (unsigned)(uint8_t)output[i]);
        printf("\n");
    }
    return 0;
}
