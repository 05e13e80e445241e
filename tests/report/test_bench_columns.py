"""`tinyperf bench` in the summary and the report: the real bench of the ad reference model, read for the
Cortex-M4 boards' rows only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import reference_model
from tests.report.fakeresults import write_tree
from tinyperf.cli import main
from tinyperf.report import layout, plots, summary


@pytest.mark.needs_models
@pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                    reason="needs arm-none-eabi-gcc and qemu-system-arm")
def test_bench_figures_reach_the_cortex_m4_rows_and_the_figure(tmp_path: Path) -> None:
    runs = write_tree(tmp_path / "results", tasks=("ad",), boards=("host", "qemu_m4", "sparkfun_edge"))
    bench_json = tmp_path / "results" / "synth" / "ad" / "train" / "bench" / "cortex-m4.json"
    assert main(["bench", "--board", "qemu_m4", "--task", "ad", "--check", "--json", str(bench_json),
                 str(reference_model("ad"))]) == 0
    (bench,) = json.loads(bench_json.read_text())["models"]
    assert bench["baseline_match"] == "reference file" and bench["bit_exact_tflm"] is True

    df = summary.build(runs, config_hash="x").set_index("board")
    for board in ("qemu_m4", "sparkfun_edge"):
        row = df.loc[board]
        assert row["bench_instructions"] == bench["instructions"]
        assert row["tflm_instructions"] == 582_944 and row["tflm_baseline"] == "ad"
        assert row["bench_instructions_ratio"] == bench["instructions_ratio"] <= 0.5
        assert row["bench_arena_ratio"] == bench["arena_ratio"] <= 0.7
        assert row["bench_flash_ratio"] == bench["flash_ratio"] <= 1.0
        assert bool(row["bench_bit_exact_tflm"]) is True
    assert df.loc["host"][summary.BENCH_COLUMNS].isna().all()  # the host runs other code

    out = tmp_path / "plots"
    assert main(["report", "plots", *map(str, runs), "-o", str(out)]) == 0
    assert not plots.is_blank(out / layout.BENCH)
    csv = tmp_path / "summary.csv"
    html = tmp_path / "summary.html"
    assert main(["report", "summary", *map(str, runs), "-o", str(csv), "--html", str(html)]) == 0
    text = html.read_text()
    assert "instructions vs TFLM + CMSIS-NN</th>" in text and f"{bench['instructions_ratio']:.3f}×" in text
