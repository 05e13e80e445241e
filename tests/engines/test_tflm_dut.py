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


@pytest.mark.slow
@pytest.mark.needs_models
@pytest.mark.parametrize(("board", "engine"), [("nano33ble", "tflm-cmsis-nn"), ("sparkfun_edge", "tflm"),
                                               ("himax", "tflm")])
def test_tflm_builds_for_the_boards_we_cannot_run(tmp_path: Path, engine_library, board: str,  # type: ignore[no-untyped-def]
                                                  engine: str) -> None:
    """Each board's firmware links with its own toolchain (the Cortex-M boards share qemu_m4's library; the
    Himax one has no libgcc or libm: tinyperf's own soft-float and libc subset stand in, nothing else links)."""
    from tinyperf.engines.library import toolchain_key
    from tinyperf.firmware.prebuilt import ELF_MACHINES, _elf_machine

    cc = "arc-linux-gnu-g++" if board == "himax" else "arm-none-eabi-g++"
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} absent")
    generate(reference_model("kws"), tmp_path / "gen", engine)
    lib = engine_library(engine, board)
    assert json.loads((lib / "library.json").read_text())["toolchain"] == toolchain_key(board)
    result = build_firmware(board, tmp_path / "gen", "kws", tmp_path / "fw", library=lib)
    mem = result.memory
    assert mem["flash"]["used_bytes"] <= mem["flash"]["limit_bytes"] and mem["ram"]["used_bytes"] <= \
        mem["ram"]["limit_bytes"]
    arch = "arc-em" if board == "himax" else "cortex-m4"
    assert _elf_machine(result.firmware.read_bytes()) in ELF_MACHINES[arch]
    if board == "himax":
        assert "64-bit host" in mem["arena_sized_by"]  # no 32-bit probe for ARC: the safe upper bound
    else:
        assert mem["arena_bytes"] == 22_824 if engine == "tflm-cmsis-nn" else 22_772
        assert "qemu_m4" in mem["arena_sized_by"]
