"""A new board is one profile (config/boards/<board>.yaml) and one firmware folder (firmware/boards/<board>/):
nothing else changes. Shown with a throw-away board `toy_host` (a copy of host's profile and folder) in a copy of
the checkout: the configuration accepts it, the DAG plans it, it gets its own lock, and with the reference kws
model it is built, measured, summarised and put in a submission tree."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SHARED_MODELS, reference_model
from tests.datasets.official_layout import write_set
from tests.workflow.smk import copy_checkout, planned_jobs, snakemake

BOARD = "toy_host"


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wd = copy_checkout(tmp_path_factory.mktemp("newboard"))
    profile = (wd / "config" / "boards" / "host.yaml").read_text()
    profile = re.sub(r"^name: host$", f"name: {BOARD}", profile, flags=re.M)
    profile = re.sub(r"^description: .*$", "description: A throw-away copy of the host board", profile, flags=re.M)
    (wd / "config" / "boards" / f"{BOARD}.yaml").write_text(profile)
    shutil.copytree(wd / "firmware" / "boards" / "host", wd / "firmware" / "boards" / BOARD)
    return wd


def _python(wd: Path, code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], cwd=wd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(wd / "workflow"), "PATH": str(Path(sys.executable).parent)})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_library_knows_the_board_from_its_profile(checkout: Path) -> None:
    out = _python(checkout, "from tinyperf import config, profiles\n"
                            f"print(profiles.BOARDS)\nprint(config.boards(config.validate({{'board': '{BOARD}'}})))")
    assert BOARD in out.splitlines()[0] and out.splitlines()[1] == f"['{BOARD}']"


def test_the_dag_plans_it(checkout: Path) -> None:
    jobs = planned_jobs(checkout, "--configfile", "config/demo.yaml", "--config", f"board={BOARD}", "task=ad",
                        "estimate=[]", "scenario=null")
    assert jobs["firmware"] == 1 and jobs["flash"] == 1 and jobs["measure"] == 2


@pytest.mark.slow
@pytest.mark.needs_models
def test_it_is_built_measured_and_submitted(checkout: Path) -> None:
    reference_model("kws")
    eval_data = checkout / "eembc"
    write_set(eval_data, "kws")
    (checkout / "quick.yaml").write_text("runner: {windows: 5, min_window_s: 0.05}\n")
    proc = snakemake(checkout, "--configfile", "config/config.yaml", "quick.yaml", "--config", f"board={BOARD}",
                     "task=kws", "model=reference", f"eval_data={eval_data}", f"reference_models={SHARED_MODELS}")
    assert f'board_{BOARD}=Resource("board_{BOARD}", 1)' in proc.stdout + proc.stderr  # its own lock
    df = pd.read_csv(checkout / "results" / "official" / "reference" / "summary.csv")
    row = df[df["board"] == BOARD].iloc[0]
    assert row["latency_kind"] == "measured" and row["eval_files"] == 1000 and row["device_value"] == row["int8_value"]
    systems = checkout / "results/official/reference/submission/closed/tinyperf/systems"
    assert (systems / f"{BOARD}_tinyperf.json").is_file()
