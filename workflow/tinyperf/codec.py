"""How MLPerf evaluation-file bytes become int8 model input, and int8 output becomes a reported value.

The firmware (firmware/dut/) and the host evaluation implement exactly this arithmetic, so that device and
host predictions are equal bit for bit. The evaluation files keep the official MLPerf encodings:

* kws: 490 int8 MFCC values quantized with the reference model's input parameters (scale 0.5847029, zp 83);
* vww, ic: raw RGB bytes, HWC; the float model input is byte * rescale (1/255 for vww, 1.0 for ic);
* ad: 640 float32 values per window (5 frames x 128 log-mel bins).

For the reference models the model's input parameters equal the file encoding, and the conversion reduces to
the reference firmware's (kws: bytes as they are; vww/ic: byte - 128). For a model trained here the
parameters differ, so the bytes are dequantized to the float domain and requantized with the model's own
scale and zero point, in float32 with round-half-away-from-zero, as TFLite's reference quantizer does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The encoding of the kws evaluation files (mlcommons/tiny make_bin_files.py).
KWS_FILE_SCALE = np.float32(0.5847029)
KWS_FILE_ZERO_POINT = 83

#: float value of one byte of a vww / ic evaluation file
IMAGE_RESCALE = {"vww": np.float32(1.0 / 255.0), "ic": np.float32(1.0), "ic2": np.float32(1.0)}


@dataclass(frozen=True)
class QParams:
    scale: float
    zero_point: int


def round_half_away(x: np.ndarray) -> np.ndarray:
    """C's roundf(): halves go away from zero (numpy's round goes to even)."""
    x = np.asarray(x, dtype=np.float32)
    return np.sign(x) * np.floor(np.abs(x) + np.float32(0.5))


def quantize(x: np.ndarray, q: QParams) -> np.ndarray:
    """zp + roundf(x / scale), saturated to int8, computed in float32 like the firmware."""
    scaled = np.asarray(x, dtype=np.float32) / np.float32(q.scale)
    return np.clip(round_half_away(scaled) + q.zero_point, -128, 127).astype(np.int8)


def dequantize(v: np.ndarray, q: QParams) -> np.ndarray:
    """(v - zp) * scale in float32."""
    return (np.asarray(v, dtype=np.int32) - q.zero_point).astype(np.float32) * np.float32(q.scale)


def is_identity(task: str, q: QParams) -> bool:
    """True when the file bytes already are the model's int8 input (the reference models)."""
    if task == "kws":
        return q.zero_point == KWS_FILE_ZERO_POINT and np.float32(q.scale) == KWS_FILE_SCALE
    if task in IMAGE_RESCALE:
        return q.zero_point == -128 and np.float32(q.scale) == IMAGE_RESCALE[task]
    return False


def file_to_float(task: str, raw: bytes) -> np.ndarray:
    """The float model input that an evaluation file's bytes stand for (flat)."""
    if task == "kws":
        return dequantize(np.frombuffer(raw, dtype=np.int8), QParams(float(KWS_FILE_SCALE), KWS_FILE_ZERO_POINT))
    if task in IMAGE_RESCALE:
        return np.frombuffer(raw, dtype=np.uint8).astype(np.float32) * IMAGE_RESCALE[task]
    if task == "ad":
        return np.frombuffer(raw, dtype="<f4").astype(np.float32)
    raise ValueError(f"unknown task {task!r}")


def file_to_int8(task: str, raw: bytes, q: QParams) -> np.ndarray:
    """The int8 model input for one evaluation input (an ad *window*), exactly as the firmware makes it."""
    if task == "kws" and is_identity(task, q):
        return np.frombuffer(raw, dtype=np.int8).copy()
    if task in IMAGE_RESCALE and is_identity(task, q):
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.int16) - 128).astype(np.int8)
    return quantize(file_to_float(task, raw), q)


def ad_score(window: np.ndarray, out: np.ndarray, q_out: QParams) -> float:
    """Mean squared error between the dequantized reconstruction and the float input window.

    Accumulated in double in index order, as the firmware does, so host and device agree.
    """
    deq = dequantize(out, q_out).astype(np.float64)
    diff = (deq - np.asarray(window, dtype=np.float32).astype(np.float64)).ravel()
    total = np.cumsum(diff * diff)[-1]  # cumsum adds strictly in index order, like the C loop
    return float(total / diff.size)
