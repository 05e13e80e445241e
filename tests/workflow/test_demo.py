"""The README's main job, end to end, and what a rerun does after each kind of change.

One demo run (config/demo.yaml: four tasks on synthetic data, host and qemu_m4) in a throw-away working
directory with its own copy of the workflow code, so that tests may edit that code. The change-detection
tests then ask Snakemake what it would rerun (dry runs), which is exactly what a user sees.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflow.smk import planned_jobs, snakemake

pytestmark = pytest.mark.slow

TASKS = ("ad", "kws", "vww", "ic")
BOARDS = ("host", "qemu_m4")
ESTIMATED = ("nano33ble", "sparkfun_edge")
SCENARIOS = ("kws_then_ic", "vww_ad")
# The int8 model must clearly beat chance on the synthetic evaluation set (chance: 1/12, 1/2, 1/10, AUC 0.5).
THRESHOLDS = {"kws": 0.6, "vww": 0.75, "ic": 0.6, "ad": 0.8}


def run_dir(wd: Path, task: str, board: str) -> Path:
    return wd / "results" / "synth" / task / "train" / "tinyperf" / board


def host_report(wd: Path, task: str) -> dict:
    return json.loads((wd / "results" / "synth" / task / "train" / "accuracy_host.json").read_text())


@pytest.mark.parametrize("task", TASKS)
def test_int8_model_beats_chance(demo: Path, task: str) -> None:
    report = host_report(demo, task)
    metric = report["metric"]
    assert report["int8"][metric] >= THRESHOLDS[task], report["int8"][metric]
    assert report["float"][metric] >= THRESHOLDS[task], report["float"][metric]


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("task", TASKS)
def test_device_predictions_equal_host_int8(demo: Path, task: str, board: str) -> None:
    host = host_report(demo, task)["int8"]
    device = json.loads((run_dir(demo, task, board) / "accuracy" / "results.json").read_text())
    value = "score" if task == "ad" else "prediction"
    assert {p["file"]: p[value] for p in device["predictions"]} == host["predictions"]
    if task == "ad":
        assert device["auc"] == host["auc"]
    else:
        assert device["accuracy"] == host["top1"]


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("task", TASKS)
def test_performance_results(demo: Path, task: str, board: str) -> None:
    out = run_dir(demo, task, board) / "performance"
    result = json.loads((out / "results.json").read_text())
    assert result["latency_ms"] > 0
    assert result["compliant"] is False  # the demo's windows are shorter than MLPerf's 10 s
    assert "Median throughput is" in (out / "results.txt").read_text()
    assert (out / "log.txt").stat().st_size > 0
    if board == "qemu_m4":
        assert result["instructions_per_inference"] > 0


def test_report_renders_and_submission_checks(demo: Path, tmp_path: Path) -> None:
    from tests.report.htmlcheck import check_report

    report = tmp_path / "report.html"
    (tmp_path / "shots").mkdir()
    snakemake(demo, "--configfile", "config/demo.yaml", "--report", str(report))
    check_report(report, tmp_path / "shots")
    proc = subprocess.run([sys.executable, "-m", "tinyperf", "submission", "check",
                           str(demo / "results" / "synth" / "train" / "submission")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    import pandas as pd

    summary = pd.read_csv(demo / "results" / "synth" / "train" / "summary.csv")
    runs = summary[summary["scenario"].isna()]
    # a row per task x board: the two measured boards and the two Cortex-M4 boards estimated on qemu_m4
    assert len(runs) == len(TASKS) * (len(BOARDS) + len(ESTIMATED))
    assert set(runs[runs["board"].isin(ESTIMATED)]["latency_kind"]) == {"estimated"}
    assert runs["latency_ms"].notna().all()
    # `tinyperf bench` of the Cortex-M4 code, beside TFLM's figures for the task's reference architecture
    m4 = runs[runs["board"].isin(["qemu_m4", *ESTIMATED])]
    assert (m4["bench_instructions"] > 0).all() and m4["bench_bit_exact_tflm"].astype(bool).all()
    assert set(m4["tflm_baseline_match"]) == {"same architecture"}
    assert (m4["bench_instructions_ratio"] <= 0.55).all() and (m4["bench_arena_ratio"] <= 0.7).all()
    assert runs[runs["board"] == "host"]["bench_instructions"].isna().all()
    scenarios = summary[summary["scenario"].notna()]
    assert len(scenarios) == len(SCENARIOS) * len(BOARDS)


def test_rerun_with_nothing_changed_runs_nothing(demo: Path) -> None:
    assert planned_jobs(demo, "--configfile", "config/demo.yaml") == {}


def test_quantization_change_reruns_quantization_not_training(demo: Path) -> None:
    override = demo / "calibration7.yaml"
    override.write_text("quantization: {method: ptq, calibration_size: 7, qat_epochs: 1}\n")
    jobs = planned_jobs(demo, "--configfile", "config/demo.yaml", str(override))
    assert jobs["quantize"] == len(TASKS)
    assert jobs["evaluate_host"] == len(TASKS)
    assert jobs["codegen"] >= len(TASKS) and jobs["measure"] == 2 * len(TASKS) * len(BOARDS)
    assert "train" not in jobs and "prepare" not in jobs and "download" not in jobs


def test_switching_board_reuses_the_model(demo: Path) -> None:
    # himax is new to the demo's working directory: its own C (arc-em target) and firmware, the same model
    jobs = planned_jobs(demo, "--configfile", "config/demo.yaml", "--config", "board=himax", "task=kws",
                        "estimate=[]", "scenario=null")
    assert "train" not in jobs and "quantize" not in jobs and "evaluate_host" not in jobs
    assert jobs["codegen"] == 1 and jobs["firmware"] == 1


def test_switching_task_or_board_reuses_only_its_own_artifacts(demo: Path) -> None:
    # every (task, board) pair of the demo is complete on its own: selecting one alone reruns nothing but
    # the tables and figures that summarise the selection
    for task in TASKS:
        for board in BOARDS:
            jobs = planned_jobs(demo, "--configfile", "config/demo.yaml", "--config", f"task={task}", f"board={board}")
            assert set(jobs) <= {"summary", "plots", "submission", "all"}, jobs
    # and each board has its own firmware, built from the same model
    for task in TASKS:
        fw = {b: (run_dir(demo, task, b) / "firmware" / "firmware.elf").read_bytes() for b in BOARDS}
        assert fw["host"] != fw["qemu_m4"]
        assert fw["qemu_m4"][:4] == b"\x7fELF"


def test_training_code_change_retrains(demo: Path) -> None:
    code = demo / "workflow" / "tinyperf" / "training" / "train.py"
    original = code.read_text()
    try:
        code.write_text(original + "\n# a change to the training code\n")
        jobs = planned_jobs(demo, "--configfile", "config/demo.yaml")
        assert jobs["train"] == len(TASKS)
        assert jobs["quantize"] == len(TASKS)
        assert "prepare" not in jobs and "download" not in jobs
    finally:
        code.write_text(original)
    # the same content again: Snakemake's checksums see no change
    assert planned_jobs(demo, "--configfile", "config/demo.yaml") == {}


def test_dispatcher_change_reruns_nothing(demo: Path) -> None:
    # tinyperf/cli.py only dispatches to the stages: no job's result depends on it, so no training either
    code = demo / "workflow" / "tinyperf" / "cli.py"
    original = code.read_text()
    try:
        code.write_text(original + "\n# a change to the dispatcher\n")
        assert planned_jobs(demo, "--configfile", "config/demo.yaml") == {}
    finally:
        code.write_text(original)
