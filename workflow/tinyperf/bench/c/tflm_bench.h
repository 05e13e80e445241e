/* bench_main.c's view of a TFLM model directory (tinyperf bench --engine): the tensors are filled and read
 * outside the timed window, which holds Invoke() only, as TFLM's own benchmarks and the baseline time it. */
#ifndef TFLM_BENCH_H
#define TFLM_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

int8_t *model_input(void);
const int8_t *model_output(void);
int model_invoke_only(void);
int model_arena_fits(size_t bytes);

static inline void tflm_bench_load(const int8_t *in)
{
    int8_t *dst = model_input();
    size_t i;
    for (i = 0; i < MODEL_INPUT_SIZE; i++) dst[i] = in[i];
}

static inline void tflm_bench_store(int8_t *out)
{
    const int8_t *src = model_output();
    size_t i;
    for (i = 0; i < MODEL_OUTPUT_SIZE; i++) out[i] = src[i];
}

#define BENCH_INPUT_SIZE MODEL_INPUT_SIZE
#define BENCH_OUTPUT_SIZE MODEL_OUTPUT_SIZE
#define BENCH_INVOKE model_invoke
#define BENCH_LOAD(in) tflm_bench_load(in)
#define BENCH_TIMED(in, out) ((void)model_invoke_only())
#define BENCH_STORE(out) tflm_bench_store(out)
#define BENCH_ARENA_SIZE MODEL_ARENA_SIZE
#define BENCH_ARENA_FITS(bytes) model_arena_fits(bytes)
#define BENCH_ARENA_USED() model_arena_used_bytes()

#endif
