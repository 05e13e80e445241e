"""Both TFLM engines, built natively (the host board's toolchain), give tflite-micro's outputs on all six reference
models (sww included, which has no DUT task) for the baseline's five inputs; qemu_m4 is test_bench_live.py's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import reference_model
from tinyperf.bench.baseline import BASELINES
from tinyperf.bench.cli import check_outputs
from tinyperf.engines.arena import probe_flag
from tinyperf.engines.glue import generate
from tinyperf.firmware.engine_library import EngineLibrary
from tinyperf.firmware.toolchain import OWN_WARNINGS, BuildLog, Toolchain

HARNESS = Path(__file__).with_name("five_inputs.c")


@pytest.mark.slow
@pytest.mark.needs_models
@pytest.mark.parametrize("engine", ["tflm", "tflm-cmsis-nn"])
@pytest.mark.parametrize("name", list(BASELINES))
def test_native_tflm_equals_tflite_micro(tmp_path: Path, engine_library, name: str, engine: str) -> None:  # type: ignore[no-untyped-def]
    path = reference_model(name)
    generate(path, tmp_path / "gen", engine)
    lib = EngineLibrary.load(engine_library(engine, "host"), engine)
    tc, blog = Toolchain.of("host"), BuildLog()
    # the probe's generous arena: CMSIS-NN's scratch is more than the model directory's reference-kernel figure
    objs = [lib.compile(cc, tmp_path / f"{cc.stem}.o", [probe_flag(tmp_path / "gen"), f"-I{tmp_path / 'gen'}"], blog)
            for cc in sorted((tmp_path / "gen").glob("*.cc"))]
    objs.append(tc.compile(HARNESS, tmp_path / "five.o", [*OWN_WARNINGS, f"-I{tmp_path / 'gen'}"], blog))
    exe = tc.link([str(o) for o in objs], tmp_path / "five", blog, libs=lib.link_libs(tc))
    lines = subprocess.run([str(exe)], capture_output=True, text=True, check=True, timeout=300).stdout.split()
    assert len(lines) == 5 and check_outputs(path, [bytes.fromhex(line) for line in lines])
