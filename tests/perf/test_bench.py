"""`tinyperf bench` on qemu_m4: counts, per-layer breakdown, bit-exactness with tflite-micro, CLI output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import reference_model
from tinyperf.bench import report
from tinyperf.bench.baseline import BASELINES, for_model
from tinyperf.bench.cli import check_outputs
from tinyperf.bench.qemu import bench_model, instrument

needs_arm = pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                               reason="needs arm-none-eabi-gcc and qemu-system-arm")


def test_instrument_marks_every_layer_call() -> None:
    src = ('#include "tp_runtime.h"\nint m_invoke(void)\n{\n    l000_conv();\n'
           "    /* layer 1: RESHAPE 'x' aliases its input (no code) */\n    l002_fc();\n    return 0;\n}\n")
    out = instrument(src)
    assert "    l000_conv(); tp_bench_mark(1);" in out
    assert "    l002_fc(); tp_bench_mark(3);" in out
    assert "void tp_bench_mark(int layer);" in out
    assert out.count("tp_bench_mark(") == 3


def test_baselines_match_the_issue_targets() -> None:
    assert BASELINES["kws"].target_instructions == 3_849_946
    assert BASELINES["ic2"].target_instructions == 72_757_849
    assert BASELINES["vww"].target_arena == 70_490
    assert for_model("ad01_int8.tflite") is BASELINES["ad"]
    assert for_model("mine.tflite") is None


@needs_arm
@pytest.mark.needs_models
@pytest.mark.parametrize("name", ["kws", "ad"])
def test_bench_counts_and_bit_exact(name: str, tmp_path: Path) -> None:
    path = reference_model(name)
    fast = bench_model(path, name, target="cortex-m4", work=tmp_path / "m4")
    slow = bench_model(path, name, target="portable", work=tmp_path / "portable")
    assert check_outputs(path, fast.outputs)
    assert fast.outputs == slow.outputs and len(fast.outputs) == 5
    assert 0 < fast.instructions < slow.instructions
    # layer marks cover the whole inference up to the final copy (a few hundred instructions at most)
    assert 0 <= fast.instructions - sum(fast.layer_instructions.values()) < 5000
    assert fast.flash_bytes > fast.meta["weight_bytes"] and fast.arena_bytes >= fast.meta["arena_bytes"]
    row = report.row(fast, for_model(path.name), "qemu_m4", True)
    assert row["instructions_ratio"] == round(fast.instructions / BASELINES[name].instructions, 3)
    assert sum(lay["instructions"] for lay in row["layers"]) == sum(fast.layer_instructions.values())


@needs_arm
@pytest.mark.needs_models
def test_bench_cli_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tinyperf.cli import main

    path = reference_model("ad")
    out_json = tmp_path / "bench.json"
    assert main(["bench", "--board", "qemu_m4", str(path), "--layers", "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    assert "TFLM instr" in text and "ad: per layer" in text and "FULLY_CONNECTED" in text
    data = json.loads(out_json.read_text())
    (m,) = data["models"]
    assert m["model"] == "ad" and m["board"] == "qemu_m4" and m["target"] == "cortex-m4"
    assert m["tflm_instructions"] == 582_944 and m["macs"] == 264_192
    assert isinstance(m["meets_instructions"], bool) and len(m["layers"]) == 10


def test_bench_refuses_other_boards(capsys: pytest.CaptureFixture[str]) -> None:
    from tinyperf.cli import main

    assert main(["bench", "--board", "nano33ble", "x.tflite"]) != 0
    assert "qemu_m4" in capsys.readouterr().err


@pytest.mark.needs_models
def test_cm4_plan_scratch_and_in_place(tmp_path: Path) -> None:
    """cortex-m4 plans kernel scratch in the arena and runs 1x1 / 3x3 depthwise layers in place (kws: under 0.7x)."""
    from tinyperf.codegen import compile_model

    path = reference_model("kws")
    fast = compile_model(path, tmp_path / "m4", name="kws", target="cortex-m4")
    slow = compile_model(path, tmp_path / "p", name="kws", target="portable")
    assert fast["arena_bytes"] <= BASELINES["kws"].target_arena < slow["arena_bytes"]
    text = (tmp_path / "m4" / "kws.c").read_text()
    assert ".scratch = (int16_t *)(arena + " in text and "scratch of layer 1" in text
    assert ".scratch" not in (tmp_path / "p" / "kws.c").read_text()


@pytest.mark.needs_models
@pytest.mark.parametrize("name", ["kws", "vww", "ic", "ic2", "ad", "sww"])
def test_cm4_arena_meets_the_target(name: str, tmp_path: Path) -> None:
    """At most 0.7x TFLM's arena on every reference model (ResNets: each residual block's second convolution
    writes its output over its dying input, a few rows ahead)."""
    from tinyperf.codegen import compile_model

    meta = compile_model(reference_model(name), tmp_path, name=name, target="cortex-m4")
    assert meta["arena_bytes"] <= BASELINES[name].target_arena
    if name.startswith("ic"):  # three block-sized tensors would be live at once without the overlap
        biggest = max(int(np.prod(o["shape"])) for op in meta["ops"] for o in op["outputs"])
        assert meta["arena_bytes"] < 2.2 * biggest


@needs_arm
@pytest.mark.needs_models
@pytest.mark.parametrize("name", ["kws", "vww", "ic", "ic2", "ad", "sww"])
def test_cm4_meets_every_target_and_stays_bit_exact(name: str, tmp_path: Path) -> None:
    """Issue targets on qemu_m4: at most half TFLM + CMSIS-NN's instructions, 0.7x its arena, no more flash, and
    at most half its cycles by the cycle model (the TRM timings; BASELINES' recorded TFLM counts)."""
    path = reference_model(name)
    run = bench_model(path, name, target="cortex-m4", work=tmp_path)
    assert check_outputs(path, run.outputs)
    row = report.row(run, BASELINES[name], "qemu_m4", True)
    assert row["meets_instructions"] and row["meets_arena"] and row["meets_flash"], row
    assert row["meets_cycles"], {k: row[k] for k in ("cycles", "tflm_cycles", "cycles_ratio")}
