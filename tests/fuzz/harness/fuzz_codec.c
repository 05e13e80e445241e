/* libFuzzer harness: arbitrary bytes as the db buffer, through a task's input and output codec
 * (firmware/dut/task_io.c: quantization of the file's values, the model, the m-results formatting). */
#include <stddef.h>
#include <stdint.h>

#include "dut.h"

static const uint8_t *input;
static uint32_t input_len;

const uint8_t *dut_buffer(uint32_t max_len, uint32_t *len)
{
    *len = max_len < input_len ? max_len : input_len;
    return input;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    task_initialize();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input = data;
    input_len = size > 0xffffffffu ? 0xffffffffu : (uint32_t)size;
    task_load_tensor();
    (void)task_infer();
    task_results();
    return 0;
}
