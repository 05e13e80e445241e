"""`tinyperf bench` counts TFLM live on qemu_m4: on the six reference models, both TFLM engines give tflite-micro's
outputs, and their instruction counts agree with shared/reference/tflm_baseline.md within 2 %; the arena TFLM
finds for itself is the table's minimum arena."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import reference_model
from tinyperf.bench.baseline import BASELINES
from tinyperf.bench.cli import check_outputs
from tinyperf.bench.qemu import bench_model
from tinyperf.bench.tflm import bench_tflm
from tinyperf.cli import main as tinyperf

needs_qemu = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-g++") is None,
                                reason="qemu-system-arm / arm-none-eabi-g++ absent")

#: the table's smallest arenas (min arena column), per engine
TABLE_MIN_ARENA = {
    "tflm": {"kws": 22_772, "vww": 100_660, "ic": 54_340, "ic2": 132_100, "ad": 2_700, "sww": 15_264},
    "tflm-cmsis-nn": {"kws": 22_824, "vww": 100_712, "ic": 55_000, "ic2": 133_624, "ad": 3_012, "sww": 16_596},
}
TABLE_FIELD = {"tflm": "instructions_reference", "tflm-cmsis-nn": "instructions"}


@needs_qemu
@pytest.mark.slow
@pytest.mark.needs_models
@pytest.mark.parametrize("engine", ["tflm", "tflm-cmsis-nn"])
@pytest.mark.parametrize("name", list(BASELINES))
def test_live_tflm_agrees_with_the_baseline_table(tmp_path: Path, engine_library, name: str,  # type: ignore[no-untyped-def]
                                                  engine: str) -> None:
    path = reference_model(name)
    run = bench_tflm(path, engine, engine_library(engine, "qemu_m4"), work=tmp_path)
    table = getattr(BASELINES[name], TABLE_FIELD[engine])
    assert abs(run.instructions / table - 1.0) <= 0.02, (run.instructions, table)
    assert run.min_arena_bytes == TABLE_MIN_ARENA[engine][name]
    assert len(run.outputs) == 5 and check_outputs(path, run.outputs)
    if engine == "tflm-cmsis-nn":  # and tinyperf's generated code gives the same bits as TFLM on the device
        assert bench_model(path, name, work=tmp_path / "tinyperf").outputs == run.outputs
        # the cycle counts BASELINES records for the cycle target are this run's
        assert run.cycles is not None and run.cycles.cycles == BASELINES[name].cycles
    # counts repeat: a second run of the same ELF-to-be gives the same figure
    assert bench_tflm(path, engine, engine_library(engine, "qemu_m4"), work=tmp_path / "again").instructions == \
        run.instructions


@needs_qemu
@pytest.mark.needs_models
def test_bench_cli_uses_the_live_figures(tmp_path: Path, engine_library) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "bench.json"
    libs = [f"--tflm={e}={engine_library(e, 'qemu_m4')}" for e in ("tflm", "tflm-cmsis-nn")]
    assert tinyperf(["bench", "--board", "qemu_m4", "--task", "ad", "--check", *libs, "--json", str(out),
                     str(reference_model("ad"))]) == 0
    (row,) = json.loads(out.read_text())["models"]
    live = row["tflm_live"]
    assert row["tflm_source"] == "live" and row["tflm_instructions"] == live["tflm-cmsis-nn"]["instructions"]
    assert row["instructions_ratio"] == round(row["instructions"] / live["tflm-cmsis-nn"]["instructions"], 3) <= 0.5
    assert all(e["agrees_with_table"] and e["bit_exact_tflm"] for e in live.values())
    assert live["tflm"]["table_instructions"] == 1_952_292


def test_a_bad_tflm_option_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert tinyperf(["bench", "--tflm", "tflm", str(tmp_path / "x.tflite")]) == 2
    assert "--tflm 'tflm': expected ENGINE=LIBRARY" in capsys.readouterr().err
    assert tinyperf(["bench", "--tflm", f"tinyperf={tmp_path}", str(tmp_path / "x.tflite")]) == 2
    assert "'tinyperf' is not a TFLM engine" in capsys.readouterr().err
