"""The closed division from official artifacts through the DAG: model=reference (the official int8 files, here
fetched over file:// from ../shared/models with their pinned checksums) and eval_data (the official evaluation
files in the EEMBC runner layout). kws01 is the real official set where ../shared/eembc has it; vww, ic, ic2
and ad use folders with the official names, labels and sizes (random contents)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SHARED_MODELS, reference_model
from tests.datasets.official_layout import REAL, write_layout, write_set
from tests.workflow.smk import make_workdir, planned_jobs, snakemake

QUICK = "runner: {windows: 5, min_window_s: 0.05}\n"
ALL = ("kws", "vww", "ic", "ic2", "ad")


def _config(wd: Path, eval_data: Path, *extra: str) -> list[str]:
    (wd / "quick.yaml").write_text(QUICK)
    return ["--configfile", "config/config.yaml", "quick.yaml", "--config", "model=reference",
            f"eval_data={eval_data}", f"reference_models={SHARED_MODELS}", *extra]


def _summary(wd: Path) -> pd.DataFrame:
    return pd.read_csv(wd / "results" / "official" / "reference" / "summary.csv").set_index(["task", "board"])


@pytest.fixture(scope="module")
def official_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for task in ALL:
        reference_model(task)  # skips when the reference models are absent
    wd = make_workdir(tmp_path_factory.mktemp("official"))
    eval_data = write_layout(wd / "eembc", ALL)
    snakemake(wd, *_config(wd, eval_data, "task=all", "board=host"))
    return wd


@pytest.mark.slow
@pytest.mark.needs_models
def test_every_task_runs_closed_on_the_official_layout(official_run: Path) -> None:
    df = _summary(official_run)
    assert sorted(t for t, _ in df.index) == sorted(ALL)
    assert (df["division"] == "closed").all() and df["eval_set_official"].astype(bool).all()
    assert (df["model_source"] == "reference").all() and (df["data"] == "official").all()
    assert df.loc[("ic2", "host"), "eval_set"] == "ic01" and df.loc[("ic2", "host"), "eval_files"] == 200
    assert df.loc[("ad", "host"), "eval_files"] == 248 and df.loc[("vww", "host"), "eval_files"] == 1000
    # the official int8 model, byte for byte
    quantized = json.loads((official_run / "results/official/ic2/reference/quantize.json").read_text())
    assert quantized["method"] == "official"
    assert quantized["sha256"] == "dc27dcd823f5665533352f7da516b0c9bc6f089914b8283782e55961b3423fcf"
    # no training data was ever asked for
    assert not (official_run / "resources" / "downloads").exists() and not (official_run / "resources" / "raw").exists()
    html = (official_run / "results/official/reference/summary.html").read_text()
    assert '<h2 id="ic2">' in html and "data:image/png;base64," in html and "published (top-1 %)" in html


@pytest.mark.slow
@pytest.mark.needs_models
def test_the_closed_submission_tree_passes_the_check(official_run: Path) -> None:
    tree = official_run / "results" / "official" / "reference" / "submission"
    results = tree / "closed" / "tinyperf" / "results" / "host_tinyperf"
    assert sorted(p.name for p in results.iterdir()) == sorted(ALL)
    proc = subprocess.run([sys.executable, "-m", "tinyperf", "submission", "check", str(tree)], capture_output=True,
                          text=True)
    # the random vww/ic/ic2/ad contents miss the quality targets: only those errors are allowed
    lines = proc.stdout.splitlines() + proc.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 4 and all("below the quality target" in e for e in errors), errors
    assert any("1 benchmark(s) pass" in line for line in lines), lines  # kws: the real set, the target met


@pytest.mark.slow
@pytest.mark.needs_models
@pytest.mark.skipif(not (REAL / "kws01" / "y_labels.csv").is_file(), reason="official set ../shared/eembc absent")
def test_the_published_kws_accuracy_is_reproduced_on_host_and_qemu_m4(official_run: Path) -> None:
    snakemake(official_run, *_config(official_run, official_run / "eembc", "task=kws", "board=[host,qemu_m4]"))
    df = _summary(official_run)
    for board in ("host", "qemu_m4"):
        row = df.loc[("kws", board)]
        assert row["device_value"] == 0.901 and row["int8_value"] == 0.901, row
        assert bool(row["reproduced"]) is True and row["published_value"] == 0.901
        text = (official_run / f"results/official/kws/reference/tinyperf/{board}/accuracy/results.txt").read_text()
        assert "Top-1: 90.1%" in text
    tree = official_run / "results" / "official" / "reference" / "submission"
    proc = subprocess.run([sys.executable, "-m", "tinyperf", "submission", "check", str(tree)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_closed_plan_downloads_no_data_and_trains_nothing(tmp_path: Path) -> None:
    wd = make_workdir(tmp_path / "wd")
    eval_data = tmp_path / "eembc"
    for task in ("kws", "vww", "ic", "ad"):
        write_set(eval_data, task)
    jobs = planned_jobs(wd, "--config", "task=all", "model=reference", f"eval_data={eval_data}")
    assert jobs["official_eval"] == 4 and jobs["reference_int8"] == 5 and jobs["import_model"] == 5
    assert not {"synth_dataset", "download", "extract", "prepare", "train", "reference_model", "quantize"} & set(jobs)


def test_a_broken_official_folder_stops_the_run_naming_the_file(tmp_path: Path) -> None:
    wd = make_workdir(tmp_path / "wd")
    eval_data = tmp_path / "eembc"
    folder = write_set(eval_data, "ic")
    (folder / "emu_s_002009.bin").unlink()
    proc = snakemake(wd, "results/official/ic/data", "--config", "task=ic", "model=reference",
                     f"eval_data={eval_data}", check=False)
    assert proc.returncode != 0
    assert "emu_s_002009.bin: listed in y_labels.csv but missing" in proc.stdout + proc.stderr
    assert not (wd / "results" / "official" / "ic" / "data").exists()


def test_eval_data_needs_a_model_that_needs_no_training_data(tmp_path: Path) -> None:
    wd = make_workdir(tmp_path / "wd")
    (tmp_path / "eembc").mkdir()
    proc = snakemake(wd, "-n", "--config", "model=train", f"eval_data={tmp_path / 'eembc'}", check=False)
    assert proc.returncode != 0 and "key 'eval_data' holds evaluation files only" in proc.stdout + proc.stderr
