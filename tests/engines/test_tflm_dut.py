"""The TFLM engines on the DUT: the reference models give tflite-micro's outputs (its Python interpreter) on host
and qemu_m4, through the same DUT protocol, runner and board layer as tinyperf's code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import reference_model
from tests.device.test_reference_models import MODELS, small_evalset, tflm_outputs
from tinyperf.cli import main as tinyperf
from tinyperf.engines.glue import generate
from tinyperf.firmware.build import build_firmware

needs_qemu = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-g++") is None,
                                reason="qemu-system-arm / arm-none-eabi-g++ absent")


@pytest.mark.slow
@pytest.mark.needs_models
@pytest.mark.parametrize("board", ["host", pytest.param("qemu_m4", marks=needs_qemu)])
@pytest.mark.parametrize("engine", ["tflm", "tflm-cmsis-nn"])
@pytest.mark.parametrize("name", list(MODELS))
def test_tflm_engine_equals_tflite_micro(tmp_path: Path, engine_library, name: str, engine: str,  # type: ignore[no-untyped-def]
                                         board: str) -> None:
    task = MODELS[name]
    model_path = reference_model(name)
    meta = generate(model_path, tmp_path / "gen", engine)
    result = build_firmware(board, tmp_path / "gen", task, tmp_path / "fw", library=engine_library(engine, board))
    assert result.memory["engine"] == engine and result.memory["library"]["engine"] == engine
    # the arena is in RAM: the static arena TFLM was sized to, nothing allocated at run time
    assert result.memory["ram"]["used_bytes"] >= meta["arena_bytes"]
    data = small_evalset(tmp_path / "eval", task)
    out = tmp_path / "acc"
    assert tinyperf(["run", "--board", board, "--firmware", str(result.firmware), "--mode", "accuracy", "--data",
                     str(data), "-o", str(out), "--timeout", "120"]) == 0
    res = json.loads((out / "results.json").read_text())
    got = [p["window_scores"] if task == "ad" else p["outputs"] for p in res["predictions"]]
    assert got == tflm_outputs(model_path, task, data)
