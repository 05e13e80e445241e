/* tinyperf int8 kernels: parameter blocks and entry points. Shared by every generated model; one .c per op.
 * An optimized variant for a target implements the same function with the same signature in its own file. */
#ifndef TP_RUNTIME_H
#define TP_RUNTIME_H

#include <stdint.h>

#include "tp_mem.h"

/* CONV_2D and DEPTHWISE_CONV_2D (NHWC input, OHWI / 1HWO filter). */
typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w, k_c; /* k_c: filter input depth (conv; < in_c for grouped conv) */
    int32_t stride_h, stride_w;
    int32_t dil_h, dil_w;
    int32_t pad_h, pad_w; /* top and left padding */
    int32_t depth_multiplier; /* depthwise only */
    int32_t input_offset; /* minus the input zero point */
    int32_t output_offset; /* the output zero point */
    int32_t act_min, act_max;
    /* Working memory an optimized variant may use (planned in the arena by codegen; size from the variant's
     * documented formula). NULL where none was planned: the portable kernels never use it. */
    int16_t *scratch;
    /* a target variant's codegen-time filter layout (conv only; 0: the model's OHWI, what the portable kernel
     * reads), and that layout's blocking (Winograd: tile triples per pass, channel pairs per filter transform) */
    int32_t packed, group, chunk;
} tp_conv_params_t;

void tp_conv_2d_s8(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                   const int32_t *mult, const int32_t *shift, int8_t *output);
void tp_depthwise_conv_2d_s8(const tp_conv_params_t *p, const int8_t *input, const int8_t *filter,
                             const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *output);

typedef struct {
    int32_t batches, in_features, out_features;
    int32_t input_offset, filter_offset, output_offset;
    int32_t per_channel; /* 1: mult/shift per output feature, 0: one pair */
    int32_t act_min, act_max;
    /* a target variant's codegen-time filter layout (0: the model's), its input chunk and arena scratch */
    int32_t packed, chunk;
    int16_t *scratch;
    /* packed one-pass per-channel layers (cortex-m4): the three requantization constants per output (multiplier,
     * 2^(rs-1) + zero point * 2^rs, right shift rs) made at codegen time; else NULL */
    const int32_t *rq;
} tp_fc_params_t;

void tp_fully_connected_s8(const tp_fc_params_t *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                           const int32_t *mult, const int32_t *shift, int8_t *output);

typedef struct {
    int32_t batches, in_h, in_w, channels, out_h, out_w;
    int32_t filter_h, filter_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;
} tp_pool_params_t;

void tp_average_pool_2d_s8(const tp_pool_params_t *p, const int8_t *input, int8_t *output);
void tp_max_pool_2d_s8(const tp_pool_params_t *p, const int8_t *input, int8_t *output);

/* ADD and MUL: output shape out_dims (4-D, leading ones), per-input strides in elements (0 where broadcast). */
typedef struct {
    int32_t out_dims[4];
    int32_t in1_strides[4];
    int32_t in2_strides[4];
    int32_t input1_offset, input2_offset, output_offset;
    int32_t left_shift; /* ADD only */
    int32_t input1_multiplier, input1_shift; /* ADD only */
    int32_t input2_multiplier, input2_shift; /* ADD only */
    int32_t output_multiplier, output_shift;
    int32_t act_min, act_max;
    int32_t *scratch; /* working memory of an optimized variant (planned by codegen), NULL if none */
} tp_binary_params_t;

void tp_add_s8(const tp_binary_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);
void tp_mul_s8(const tp_binary_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);

typedef struct {
    int32_t rows, depth;
    int32_t input_multiplier, input_left_shift, diff_min;
} tp_softmax_params_t;

void tp_softmax_s8(const tp_softmax_params_t *p, const int8_t *input, int8_t *output);

typedef struct {
    int32_t size;
    int32_t input_zero_point, input_range_radius, input_multiplier, input_left_shift;
} tp_logistic_params_t;

void tp_logistic_s8(const tp_logistic_params_t *p, const int8_t *input, int8_t *output);

/* MEAN over the axes flagged in reduce[] of a 4-D view of the input. */
typedef struct {
    int32_t dims[4];
    int32_t reduce[4];
    int32_t input_zero_point, output_zero_point;
    int32_t multiplier, shift; /* input/output scale ratio divided by the reduced element count */
} tp_mean_params_t;

void tp_mean_s8(const tp_mean_params_t *p, const int8_t *input, int8_t *output);

typedef struct {
    int32_t in_dims[4];
    int32_t out_dims[4];
    int32_t before[4]; /* padding before each dimension */
    int32_t pad_value;
} tp_pad_params_t;

void tp_pad_s8(const tp_pad_params_t *p, const int8_t *input, int8_t *output);

typedef struct {
    int32_t outer; /* product of dimensions before the axis */
    int32_t num_inputs;
} tp_concat_params_t;

/* copy_sizes[i]: input i's elements per outer step (its axis extent times the inner size). */
void tp_concatenation_s8(const tp_concat_params_t *p, const int8_t *const *inputs, const int32_t *copy_sizes,
                         int8_t *output);

typedef struct {
    int32_t size;
    int32_t input_zero_point, output_zero_point;
    int32_t multiplier, shift; /* int8 -> int8 requantization */
    float scale; /* float -> int8 quantization: the output scale */
} tp_quantize_params_t;

void tp_requantize_s8(const tp_quantize_params_t *p, const int8_t *input, int8_t *output);
void tp_quantize_f32_s8(const tp_quantize_params_t *p, const float *input, int8_t *output);

typedef struct {
    int32_t size;
    int32_t zero_point;
    float scale;
} tp_dequantize_params_t;

void tp_dequantize_s8_f32(const tp_dequantize_params_t *p, const int8_t *input, float *output);

/* Round half away from zero (TfLiteRound) for |x| < 2^31, without libm. */
static inline int32_t tp_roundf_to_i32(float x)
{
    int32_t t = (int32_t)x;
    const float frac = x - (float)t;
    if (frac >= 0.5f) {
        t += 1;
    } else if (frac <= -0.5f) {
        t -= 1;
    }
    return t;
}

#endif /* TP_RUNTIME_H */
