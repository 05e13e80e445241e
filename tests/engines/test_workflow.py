"""The demo configuration with all three engines on host and qemu_m4 (and the Cortex-M4 estimates): a row per
engine, the engine figure, one MLPerf system per board and engine; switching engines rebuilds nothing of another.

The engine libraries are the session's (tests/engines/conftest.py), placed where the workflow keeps them, so the
run compiles no TFLM: the rules that build them are the same `tinyperf engine` commands the fixtures call.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SHARED_MODELS, engine_archives, reference_model
from tests.workflow.smk import make_workdir, planned_jobs, snakemake
from tinyperf import layout
from tinyperf.engines import sources
from tinyperf.engines.library import toolchain_key
from tinyperf.report.plots import is_blank

pytestmark = pytest.mark.slow
ENGINES = ("tinyperf", "tflm", "tflm-cmsis-nn")


def _seed(wd: Path, engine_root: Path, engine_library) -> None:  # type: ignore[no-untyped-def]
    for name in sources.all_sources():
        dest = wd / "resources" / "engines" / name
        dest.mkdir(parents=True)
        (dest / "tree").symlink_to(engine_root / name / "tree")
        shutil.copyfile(engine_root / name / "verified.json", dest / "verified.json")
    for engine in ENGINES[1:]:
        for board in ("host", "qemu_m4"):
            lib = wd / layout.fill(layout.ENGINE_LIBRARY, engine=engine, toolchain=toolchain_key(board))
            shutil.copytree(engine_library(engine, board), lib)  # copied after the sources: newer


@pytest.fixture(scope="module")
def engines_run(tmp_path_factory: pytest.TempPathFactory, engine_root: Path, engine_library) -> Path:  # type: ignore[no-untyped-def]
    reference_model("ad")
    wd = make_workdir(tmp_path_factory.mktemp("engines"))
    _seed(wd, engine_root, engine_library)
    config = ["--configfile", "config/demo.yaml", "--config", "task=ad", "scenario=null", "model=reference",
              f"reference_models={SHARED_MODELS}", f"engine_sources={engine_archives()}",
              f"engine=[{','.join(ENGINES)}]"]
    (wd / "config.args").write_text("\n".join(config))
    snakemake(wd, *config)
    return wd


def _config(wd: Path) -> list[str]:
    return (wd / "config.args").read_text().splitlines()


def test_a_row_per_engine_and_the_engine_figure(engines_run: Path) -> None:
    base = engines_run / "results" / "synth" / "reference"
    df = pd.read_csv(base / "summary.csv")
    assert sorted(zip(df["board"], df["engine"], strict=True)) == sorted(
        (b, e) for b in ("host", "qemu_m4", "nano33ble", "sparkfun_edge") for e in ENGINES)
    assert pd.isna(df.set_index("engine").loc["tinyperf", "engine_sources"]).all()
    for engine in ENGINES[1:]:
        rows = df[df["engine"] == engine]
        assert rows["engine_sources"].str.contains("tflite-micro@90b983c2b3f1").all()
        assert rows["engine_sources"].str.contains("cmsis-nn@").all() == (engine == "tflm-cmsis-nn")
    measured = df[df["board"].isin(["host", "qemu_m4"])]
    # bit-exact engines: the same scores, so the same AUC on the device
    assert measured["device_value"].nunique() == 1 and not measured["device_value"].isna().any()
    qemu = df[df["board"] == "qemu_m4"].set_index("engine")
    counts = qemu["instructions_per_inference"]
    assert counts["tinyperf"] < counts["tflm-cmsis-nn"] < counts["tflm"]
    # a Cortex-M4 board's TFLM arena is TFLM's own 32-bit minimum (the baseline table's 2,700 and 3,012 B)
    assert qemu.loc["tflm", "arena_bytes"] == 2_700 and qemu.loc["tflm-cmsis-nn", "arena_bytes"] == 3_012
    figure = base / "plots" / "engines.png"
    assert figure.is_file() and not is_blank(figure)
    html = (base / "summary.html").read_text()
    assert "tflm-cmsis-nn" in html and html.count("data:image/png;base64") >= 4  # the engine figure inline too
    bench = json.loads((engines_run / "results/synth/ad/reference/bench/cortex-m4.json").read_text())["models"][0]
    assert bench["tflm_source"] == "live" and set(bench["tflm_live"]) == {"tflm", "tflm-cmsis-nn"}


def test_one_mlperf_system_per_board_and_engine(engines_run: Path) -> None:
    systems = engines_run / "results" / "synth" / "reference" / "submission" / "open" / "tinyperf" / "systems"
    assert sorted(p.stem for p in systems.iterdir()) == sorted(f"{b}_{e}" for b in ("host", "qemu_m4")
                                                               for e in ENGINES)
    desc = json.loads((systems / "qemu_m4_tflm-cmsis-nn.json").read_text())
    assert "TensorFlow Lite Micro (CMSIS-NN kernels)" in desc["Inference Framework"]
    assert "cmsis-nn 4ab83cc3cc98" in desc["Software Libraries"]


def test_switching_engines_rebuilds_nothing_of_another(engines_run: Path) -> None:
    assert planned_jobs(engines_run, *_config(engines_run)) == {}
    only = [a if not a.startswith("engine=") else "engine=tinyperf" for a in _config(engines_run)]
    planned = planned_jobs(engines_run, *only)
    assert set(planned) <= {"summary", "plots", "submission", "bench", "all"}, planned
