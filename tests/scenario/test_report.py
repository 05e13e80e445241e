"""Scenario rows in summary.csv: per-model latency, end-to-end, deadline, shared vs separate arena, fit."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tests.conftest import reference_model
from tests.device.helpers import write_evalset
from tinyperf import cli
from tinyperf.report import summary
from tinyperf.scenario import spec
from tinyperf.scenario.build import build_scenario


def scenario_main(argv: list[str]) -> int:
    """`tinyperf scenario ARGV...`, what the rules run."""
    return cli.main(["scenario", *argv])


def test_scenario_rows_in_summary(tmp_path: Path) -> None:
    kws, ic = reference_model("kws"), reference_model("ic")
    d = tmp_path / "results" / "synth" / "train" / "scenario" / "kws_then_ic" / "host"
    sc = spec.load("kws_then_ic")
    build_scenario(sc, {"kws": kws, "ic": ic}, "host", d / "firmware")
    evals = {t: write_evalset(tmp_path / "eval" / t, t, 3) for t in ("kws", "ic")}
    data = [a for t, p in evals.items() for a in ("--data", f"{t}={p}")]
    assert scenario_main(["run", "kws_then_ic", "--board", "host", "--firmware", str(d / "firmware"), "--periods",
                          "2", "-o", str(d / "run"), *data]) == 0
    df = summary.build([], config_hash="abc", git_commit="deadbeef", scenario_dirs=[d])
    assert len(df) == 1 and not summary.missing_required(df)
    r = df.iloc[0]
    assert r["task"] == "scenario:kws_then_ic" and r["board"] == "host" and r["scenario_kind"] == "pipelined"
    assert r["shared_arena_bytes"] < r["separate_arena_bytes"] and r["fits_board"]
    assert set(json.loads(r["model_latency_ms"])) == {"kws", "ic"} and r["periods"] == 2
    assert r["deadline_ms"] == 1000 and r["scenario_status"] in ("ok", "deadline_missed")
    assert (r["end_to_end_ms"] is pd.NA) or r["end_to_end_ms"] > 0
    out = tmp_path / "summary.csv"
    summary.write(df, out)
    back = summary.read(out)
    assert list(back.columns) == summary.COLUMNS + [c for c in back.columns if c not in summary.COLUMNS]
    assert "scenario" in back.columns
