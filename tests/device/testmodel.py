"""A hand-written C model implementing the model.h contract, and its numpy mirror, for protocol tests that
must not depend on the code generator. testmodel/model.c is the C side."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class HandModel:
    input_size: int
    output_size: int
    input_scale: float
    input_zero_point: int
    output_scale: float
    output_zero_point: int
    bias: int = 3
    shift: int = 6

    def write(self, out_dir: Path) -> Path:
        """A codegen-like directory: model.h with the constants, model.c."""
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(HERE / "testmodel" / "model.c", out_dir / "model.c")
        (out_dir / "model.h").write_text(
            "#ifndef MODEL_H\n#define MODEL_H\n#include <stdint.h>\n"
            f"#define MODEL_INPUT_SIZE {self.input_size}\n"
            f"#define MODEL_OUTPUT_SIZE {self.output_size}\n"
            "#define MODEL_ARENA_SIZE 0\n"
            f"#define MODEL_INPUT_SCALE {float(np.float32(self.input_scale))!r}f\n"
            f"#define MODEL_INPUT_ZERO_POINT {self.input_zero_point}\n"
            f"#define MODEL_OUTPUT_SCALE {float(np.float32(self.output_scale))!r}f\n"
            f"#define MODEL_OUTPUT_ZERO_POINT {self.output_zero_point}\n"
            f"#define TEST_MODEL_BIAS {self.bias}\n#define TEST_MODEL_SHIFT {self.shift}\n"
            "int model_invoke(const int8_t *in, int8_t *out);\n#endif\n"
        )
        return out_dir

    def invoke(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.int64).ravel()
        i = np.arange(self.input_size)[:, None]
        j = np.arange(self.output_size)[None, :]
        w = (i * 7 + j * 13) % 5 - 2
        acc = self.bias * np.arange(self.output_size) + x @ w
        return np.clip(acc >> self.shift, -128, 127).astype(np.int8)
