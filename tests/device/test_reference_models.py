"""Generated code for the MLPerf Tiny reference models on the DUT equals tflite-micro, on host and qemu_m4;
qemu_m4 instruction counts are deterministic."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import reference_model
from tinyperf import codec
from tinyperf.cli import main as tinyperf
from tinyperf.datasets.evalset import EvalEntry, read_labels, write_labels

from .helpers import build, make_model, write_evalset

needs_qemu = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                                reason="qemu-system-arm / arm-none-eabi-gcc absent")

MODELS = {"kws": "kws", "vww": "vww", "ic": "ic", "ic2": "ic", "ad": "ad"}


def small_evalset(out: Path, task: str) -> Path:
    if task != "ad":
        return write_evalset(out, task, files=2, seed=7)
    # three overlapping windows per file keep the QEMU run short; the DUT path is the same as for 196
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    entries = []
    for i in range(2):
        (out / f"ad_{i}.bin").write_bytes(rng.normal(-20.0, 8.0, 640 + 2 * 128).astype("<f4").tobytes())
        entries.append(EvalEntry(f"ad_{i}.bin", 2, i, 2560, 512))
    write_labels(out, entries)
    return out


def qparams(detail: dict) -> codec.QParams:
    q = detail["quantization_parameters"]
    return codec.QParams(float(q["scales"][0]), int(q["zero_points"][0]))


def tflm_outputs(model_path: Path, task: str, data: Path) -> list[list[float]]:
    """The reported values (as the DUT prints them, %.3f) computed with TFLM's own kernels."""
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_file(str(model_path))
    d_in, d_out = interp.get_input_details(0), interp.get_output_details(0)
    q_in = qparams(d_in)
    q_out = qparams(d_out)
    per_file = []
    for e in read_labels(data):
        vals = []
        for w in e.windows((data / e.file).read_bytes()):
            interp.set_input(codec.file_to_int8(task, w, q_in).reshape(d_in["shape"]), 0)
            interp.invoke()
            y = interp.get_output(0).ravel()
            if task == "ad":
                vals.append(float(f"{codec.ad_score(np.frombuffer(w, '<f4'), y, q_out):.3f}"))
            else:
                vals = [float(f"{v:.3f}") for v in codec.dequantize(y, q_out).astype(np.float64)]
        per_file.append(vals)
    return per_file


@pytest.mark.slow
@pytest.mark.needs_models
@pytest.mark.parametrize("board", ["host", "host+sanitizers", pytest.param("qemu_m4", marks=needs_qemu)])
@pytest.mark.parametrize("name", list(MODELS))
def test_reference_model_bit_exact_with_tflm(tmp_path: Path, name: str, board: str) -> None:
    """host+sanitizers: the host DUT under ASan and UBSan (any finding kills it, failing the run)."""
    from tinyperf.codegen import compile_model
    from tinyperf.firmware.build import build_firmware

    task = MODELS[name]
    model_path = reference_model(name)
    compile_model(model_path, tmp_path / "cg")
    sanitize = board == "host+sanitizers"
    board = "host" if sanitize else board
    fw = build_firmware(board, tmp_path / "cg", task, tmp_path / "fw", sanitize=sanitize).firmware
    data = small_evalset(tmp_path / "eval", task)
    out = tmp_path / "acc"
    assert tinyperf(["run", "--board", board, "--firmware", str(fw), "--mode", "accuracy", "--data", str(data),
                     "-o", str(out), "--timeout", "60"]) == 0
    res = json.loads((out / "results.json").read_text())
    got = [p["window_scores"] if task == "ad" else p["outputs"] for p in res["predictions"]]
    assert got == tflm_outputs(model_path, task, data)


@needs_qemu
def test_qemu_instruction_counts_are_deterministic(tmp_path: Path) -> None:
    fw = build("qemu_m4", "kws", make_model("kws").write(tmp_path / "m"), tmp_path / "fw")
    data = write_evalset(tmp_path / "eval", "kws", files=2)
    counts = []
    for run in range(2):
        out = tmp_path / f"perf{run}"
        assert tinyperf(["run", "--board", "qemu_m4", "--firmware", str(fw), "--mode", "performance",
                         "--data", str(data), "-o", str(out), "--iterations", "300", "--warmup", "1",
                         "--windows", "2"]) == 0
        res = json.loads((out / "results.json").read_text())
        assert res["compliant"] is False
        counts.append(res["instructions_per_inference"])
    assert counts[0] > 1000
    assert abs(counts[0] - counts[1]) <= 0.001 * counts[0]
