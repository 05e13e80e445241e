"""Codegen-time quantization arithmetic, following TFLite's quantization_util (facts, re-derived).

Scales arrive as Python floats holding float32 values exactly; TFLM widens them to double before dividing,
except where noted (FULLY_CONNECTED per-tensor multiplies the two scales in float first).
"""

from __future__ import annotations

import math

import numpy as np


def tflite_round(x: float) -> int:
    """TfLiteRound / std::round: halves away from zero."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """(Q0.31 multiplier, shift) with real ~= multiplier * 2^(shift - 31); shift > 0 is a left shift."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = tflite_round(q * (1 << 31))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    return int(q_fixed), int(shift)


def f32(x: float) -> float:
    return float(np.float32(x))


def f32_mul(a: float, b: float) -> float:
    return float(np.float32(a) * np.float32(b))


def f32_div(a: float, b: float) -> float:
    return float(np.float32(a) / np.float32(b))


def activation_range(act: int, scale: float, zero_point: int) -> tuple[int, int]:
    """CalculateActivationRangeQuantized for int8: quantize 0, 6, -1, 1 with float division and TfLiteRound."""

    def q(v: float) -> int:
        return zero_point + tflite_round(f32_div(v, scale))

    lo, hi = -128, 127
    if act == 1:  # RELU
        return max(lo, q(0.0)), hi
    if act == 3:  # RELU6
        return max(lo, q(0.0)), min(hi, q(6.0))
    if act == 2:  # RELU_N1_TO_1
        return max(lo, q(-1.0)), min(hi, q(1.0))
    return lo, hi


def calculate_input_radius(input_integer_bits: int, input_left_shift: int, total_signed_bits: int = 31) -> int:
    top = (1 << input_integer_bits) - 1
    max_input_rescaled = 1.0 * top * (1 << (total_signed_bits - input_integer_bits)) / (1 << input_left_shift)
    return math.floor(max_input_rescaled)


def softmax_params(beta: float, input_scale: float) -> tuple[int, int, int]:
    """(input_multiplier, input_left_shift, diff_min) for int8 softmax with 5 integer bits in the diff."""
    int_bits = 5
    real = min(beta * input_scale * (1 << (31 - int_bits)), float((1 << 31) - 1))
    mult, shift = quantize_multiplier(real)
    if shift < 0:
        raise ValueError("softmax input scale too small")
    diff_min = -calculate_input_radius(int_bits, shift)
    return mult, shift, int(diff_min)


def logistic_params(input_scale: float) -> tuple[int, int, int]:
    """(input_multiplier, input_left_shift, input_range_radius) for int8 logistic with Q4 input."""
    int_bits = 4
    real = input_scale * (1 << (31 - int_bits))
    q, shift = math.frexp(real)
    mult = tflite_round(q * (1 << 31))
    radius = calculate_input_radius(int_bits, shift, 31)
    return int(mult), int(shift), int(radius)


def mean_multiplier(input_scale: float, output_scale: float, count: int) -> tuple[int, int]:
    """TFLite's int8 MEAN: the scale ratio's multiplier divided by the element count in fixed point."""
    mult, shift = quantize_multiplier(input_scale / output_scale)
    s = min(count.bit_length() - 1, 32, 31 + shift)
    return (mult << s) // count, shift - s
