"""Run int8 TFLite models on the host with TFLM's own kernels (the tflite-micro package).

TFLM, not the TFLite runtime, is the reference: its integer kernels are the ones the device code must match
bit for bit, so host int8 predictions equal device predictions exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tinyperf.codec import QParams
from tinyperf.errors import ModelError


def _tensor_info(details: dict[str, Any]) -> dict[str, Any]:
    q = details["quantization_parameters"]
    scales, zps = q["scales"], q["zero_points"]
    return {
        "shape": [int(d) for d in details["shape"]],
        "dtype": np.dtype(details["dtype"]).name,
        "scale": float(scales[0]) if len(scales) else None,
        "zero_point": int(zps[0]) if len(zps) else None,
    }


class Int8Model:
    """A full-int8 model (int8 input and output) run by the tflite-micro interpreter."""

    def __init__(self, flat: bytes, name: str = "model") -> None:
        try:
            from tflite_micro.python.tflite_micro import runtime
        except ImportError as exc:  # pragma: no cover - a dependency of tinyperf
            raise ModelError("the tflite-micro package is required: pip install tflite-micro") from exc
        try:
            self._interp = runtime.Interpreter.from_bytes(flat)
        except Exception as exc:  # the binding raises bare RuntimeError/ValueError with TFLM's text
            raise ModelError(f"{name}: tflite-micro cannot load the model: {exc}") from exc
        self.input = _tensor_info(self._interp.get_input_details(0))
        self.output = _tensor_info(self._interp.get_output_details(0))
        for role, info in (("input", self.input), ("output", self.output)):
            if info["dtype"] != "int8" or info["scale"] is None:
                raise ModelError(
                    f"{name}: the model's {role} is {info['dtype']}, not quantized int8; tinyperf needs a "
                    "full-int8 model (int8 input and output): convert with inference_input_type=tf.int8 and "
                    "inference_output_type=tf.int8"
                )
        self.q_in = QParams(self.input["scale"], self.input["zero_point"])
        self.q_out = QParams(self.output["scale"], self.output["zero_point"])

    @classmethod
    def from_file(cls, path: str | Path) -> Int8Model:
        path = Path(path)
        try:
            flat = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"{path}: cannot read the model: {exc}") from exc
        if flat[4:8] != b"TFL3":
            raise ModelError(f"{path}: not a TFLite flatbuffer (no TFL3 identifier)")
        return cls(flat, name=str(path))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        self._interp.set_input(np.asarray(x, dtype=np.int8).reshape(self.input["shape"]), 0)
        self._interp.invoke()
        return np.asarray(self._interp.get_output(0)).reshape(-1).copy()


def describe_io(flat: bytes) -> dict[str, Any]:
    model = Int8Model(flat)
    return {"input": model.input, "output": model.output}
