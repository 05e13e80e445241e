/* Boards whose toolchain has no usable libm (Himax: Debian's ARC libraries are ARC HS code): the float functions
 * TFLM's kernels reference in their float and int16 paths. An int8 model never calls them; if one does, the
 * result would be wrong, so instead it is flagged and the inference fails with an error (tflm_model.cc). */
#include <stdint.h>

volatile int tp_engine_libm_missing;

float expf(float x);
float logf(float x);
float tanhf(float x);

static float missing(float x)
{
    union {
        uint32_t u;
        float f;
    } nan = {0x7FC00000u};
    (void)x;
    tp_engine_libm_missing = 1;
    return nan.f;
}

float expf(float x) { return missing(x); }
float logf(float x) { return missing(x); }
float tanhf(float x) { return missing(x); }
