"""Every model the compiler cannot translate exactly is refused at codegen, naming op, layer and reason."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import reference_model
from tinyperf.codegen import compile_model
from tinyperf.errors import ModelError


def _spec(kind: str, quant: str = "int8") -> dict:
    return {"kind": kind, "seed": 11, "in_scale": 1.0, "in_bias": 0.0, "h": 4, "w": 4, "c": 3, "act": "linear",
            "pad": [[0, 0], [0, 0]], "quant": quant}


def _refusal(path: Path, tmp_path: Path) -> str:
    with pytest.raises(ModelError) as info:
        compile_model(path, tmp_path / "out")
    assert not (tmp_path / "out").exists(), "a refused model must leave no output directory"
    return str(info.value)


def test_unsupported_op_names_op_layer_and_reason(tmp_path: Path) -> None:
    from tests.codegen.random_models import convert

    msg = _refusal(convert(_spec("tanh")), tmp_path)
    assert "layer 1 (TANH" in msg and "not supported" in msg and "output '" in msg


def test_float_model_is_refused(tmp_path: Path) -> None:
    from tests.codegen.random_models import convert

    msg = _refusal(convert(_spec("logistic", quant="float")), tmp_path)
    assert "float model" in msg and "layer 0 (CONV_2D" in msg and "float32" in msg


def test_int16_activations_are_refused(tmp_path: Path) -> None:
    from tests.codegen.random_models import convert

    msg = _refusal(convert(_spec("logistic", quant="int16")), tmp_path)
    assert "layer 0 (CONV_2D" in msg and "int16" in msg and "only int8 activations" in msg


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    data = reference_model("kws").read_bytes()
    for cut in (len(data) // 2, 4096, 64, 12):
        bad = tmp_path / f"cut{cut}.tflite"
        bad.write_bytes(data[:cut])
        msg = _refusal(bad, tmp_path)
        assert str(bad) in msg and ("truncated" in msg or "not a TFLite file" in msg), msg


def test_garbage_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.tflite"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    assert "not a TFLite file" in _refusal(bad, tmp_path)
    # The right identifier with nonsense behind it must still be a clean refusal, never an IndexError.
    rng = np.random.default_rng(1)
    for k in range(30):
        junk = bytearray(rng.integers(0, 256, 400, dtype=np.uint8).tobytes())
        junk[4:8] = b"TFL3"
        bad.write_bytes(bytes(junk))
        with pytest.raises(ModelError):
            compile_model(bad, tmp_path / f"o{k}")


def test_corrupted_reference_model_never_crashes(tmp_path: Path) -> None:
    """Random byte flips in a real model: either compiles or raises ModelError, nothing else."""
    data = bytearray(reference_model("ad").read_bytes())
    rng = np.random.default_rng(2)
    header = 2048  # flips in the weights are legal models; aim at the structure at the file's start and end
    for k in range(40):
        d = bytearray(data)
        for _ in range(4):
            pos = int(rng.integers(0, header)) if k % 2 else len(d) - 1 - int(rng.integers(0, header))
            d[pos] = int(rng.integers(0, 256))
        p = tmp_path / "flip.tflite"
        p.write_bytes(bytes(d))
        with contextlib.suppress(ModelError):
            compile_model(p, tmp_path / f"f{k}")


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot read"):
        compile_model(tmp_path / "absent.tflite", tmp_path / "out")


def test_cli_reports_refusal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tinyperf.cli import main

    bad = tmp_path / "garbage.tflite"
    bad.write_bytes(b"\0" * 100)
    assert main(["codegen", str(bad), "-o", str(tmp_path / "out")]) == 2
    assert "not a TFLite file" in capsys.readouterr().err
