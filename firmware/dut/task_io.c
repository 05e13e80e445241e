/* Per-task input and output, the arithmetic of workflow/tinyperf/codec.py in C, so device and host
 * predictions agree bit for bit. Every float operation is single precision in the order codec.py does
 * it (numpy float32); the ad score accumulates in double in index order. */
#include "board.h"
#include "dut.h"
#include "fmt.h"
#include "model.h"

#if defined(TP_TASK_KWS) + defined(TP_TASK_VWW) + defined(TP_TASK_IC) + defined(TP_TASK_AD) != 1
#error "define exactly one of TP_TASK_KWS, TP_TASK_VWW, TP_TASK_IC, TP_TASK_AD"
#endif

static int8_t model_in[MODEL_INPUT_SIZE] __attribute__((aligned(8)));
static int8_t model_out[MODEL_OUTPUT_SIZE] __attribute__((aligned(8)));

/* codec.round_half_away: sign(x) * floor(|x| + 0.5f), the +0.5f rounded in float32 (so 0.49999997f
 * gives 1, unlike a true roundf: codec.py is the contract). */
static float round_half_away(float x)
{
    float a = x < 0.0f ? -x : x;
    float t = a + 0.5f;
    float f = t < 8388608.0f ? (float)(int32_t)t : t; /* from 2^23 up every float is an integer */
    return x < 0.0f ? -f : f;
}

/* codec.quantize: zp + roundf(x / scale), saturated to int8. */
static int8_t quantize(float x, float scale, int32_t zero_point)
{
    float r = round_half_away(x / scale) + (float)zero_point;
    if (r != r) return 0; /* NaN input: no int8 stands for it */
    if (r < -128.0f) return -128;
    if (r > 127.0f) return 127;
    return (int8_t)(int32_t)r;
}

static float dequantize(int8_t v, float scale, int32_t zero_point)
{
    return (float)((int32_t)v - zero_point) * scale;
}

static void report_size(uint32_t got, uint32_t expected)
{
    /* The reference's message, bare "\n" included; the previous input stays in place. */
    fmt_str("Input db has ");
    fmt_u32(got);
    fmt_str(" elemented, expected ");
    fmt_u32(expected);
    fmt_str("\n");
}

#define IN_SCALE ((float)(MODEL_INPUT_SCALE))
#define IN_ZP ((int32_t)(MODEL_INPUT_ZERO_POINT))
#define OUT_SCALE ((float)(MODEL_OUTPUT_SCALE))
#define OUT_ZP ((int32_t)(MODEL_OUTPUT_ZERO_POINT))

#if defined(TP_TASK_AD)

#if !defined(TP_AD_WINDOW_BYTES)
#define TP_AD_WINDOW_BYTES 2560
#endif
#define AD_VALUES (TP_AD_WINDOW_BYTES / 4)
typedef char ad_model_matches_window[(MODEL_INPUT_SIZE == AD_VALUES && MODEL_OUTPUT_SIZE == AD_VALUES) ? 1 : -1];

static float window[AD_VALUES];

void task_load_tensor(void)
{
    uint32_t len, i;
    const uint8_t *buf = dut_buffer(TP_AD_WINDOW_BYTES, &len);
    if (len / 4u != AD_VALUES) {
        report_size(len / 4u, AD_VALUES);
        return;
    }
    for (i = 0; i < AD_VALUES; i++) {
        /* little-endian float32, as the evaluation files store them; byte-wise so alignment is moot */
        union { uint32_t u; float f; } v;
        v.u = (uint32_t)buf[4 * i] | (uint32_t)buf[4 * i + 1] << 8 | (uint32_t)buf[4 * i + 2] << 16 |
              (uint32_t)buf[4 * i + 3] << 24;
        window[i] = v.f;
        model_in[i] = quantize(v.f, IN_SCALE, IN_ZP);
    }
}

/* codec.ad_score: mean squared error of the dequantized reconstruction against the float window. */
void task_results(void)
{
    double sum = 0.0;
    uint32_t i;
    for (i = 0; i < AD_VALUES; i++) {
        double d = (double)dequantize(model_out[i], OUT_SCALE, OUT_ZP) - (double)window[i];
        sum += d * d;
    }
    fmt_str("m-results-[");
    fmt_fixed3(sum / (double)AD_VALUES);
    fmt_str("]\r\n");
}

#else /* classifiers */

#if defined(TP_TASK_KWS)
/* The kws evaluation files hold int8 MFCCs quantized with the reference model's input parameters. */
#define FILE_SCALE 0.5847029f
#define FILE_ZP 83
#define IDENTITY (IN_ZP == FILE_ZP && IN_SCALE == FILE_SCALE)
static float file_value(uint8_t b) { return dequantize((int8_t)b, FILE_SCALE, FILE_ZP); }
static int8_t identity_value(uint8_t b) { return (int8_t)b; }
#else
/* vww/ic files hold raw RGB bytes; the float model input is byte * rescale. */
#if defined(TP_TASK_VWW)
#define RESCALE ((float)(1.0 / 255.0))
#else
#define RESCALE 1.0f
#endif
#define IDENTITY (IN_ZP == -128 && IN_SCALE == RESCALE)
static float file_value(uint8_t b) { return (float)b * RESCALE; }
static int8_t identity_value(uint8_t b) { return (int8_t)((int32_t)b - 128); }
#endif

void task_load_tensor(void)
{
    uint32_t len, i;
    const uint8_t *buf = dut_buffer(MODEL_INPUT_SIZE, &len);
    if (len != MODEL_INPUT_SIZE) {
        report_size(len, MODEL_INPUT_SIZE);
        return;
    }
    if (IDENTITY) {
        for (i = 0; i < MODEL_INPUT_SIZE; i++) model_in[i] = identity_value(buf[i]);
    } else {
        for (i = 0; i < MODEL_INPUT_SIZE; i++) model_in[i] = quantize(file_value(buf[i]), IN_SCALE, IN_ZP);
    }
}

void task_results(void)
{
    uint32_t i;
    fmt_str("m-results-[");
    for (i = 0; i < MODEL_OUTPUT_SIZE; i++) {
        if (i) board_putc(',');
        fmt_fixed3((double)dequantize(model_out[i], OUT_SCALE, OUT_ZP));
    }
    fmt_str("]\r\n");
}

#endif

int task_infer(void)
{
    return model_invoke(model_in, model_out) != 0;
}

void task_initialize(void)
{
#if defined(TP_TASK_AD)
    fmt_str("Initialized\r\n"); /* the ad reference prints this once its interpreter is set up */
#endif
}
