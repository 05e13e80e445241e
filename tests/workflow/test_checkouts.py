"""Two checkouts, one virtual environment: a workflow run uses its own checkout's library, config and firmware,
never those of the checkout the environment was installed from; where it cannot, it stops naming both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflow.smk import REPO_ROOT, copy_checkout, snakemake
from tinyperf import sources

MARKER = "tinyperf of the second checkout ran"


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wd = copy_checkout(tmp_path_factory.mktemp("second-checkout"))
    synth = wd / "workflow" / "tinyperf" / "datasets" / "synth.py"
    synth.write_text(synth.read_text() + f"\nraise SystemExit({MARKER!r})\n")
    return wd


def test_a_job_runs_the_library_of_its_own_checkout(second: Path) -> None:
    # this interpreter's tinyperf is the first checkout's (editable install); the job must not use it
    assert Path(sys.modules["tinyperf"].__file__).is_relative_to(REPO_ROOT)  # type: ignore[arg-type]
    proc = snakemake(second, "resources/synth/ad/manifest.yaml", "--configfile", "config/demo.yaml", check=False)
    assert proc.returncode != 0
    log = (second / "logs" / "synth_dataset" / "ad.log").read_text()
    assert MARKER in log


def test_a_library_already_loaded_from_another_checkout_stops_the_run(second: Path) -> None:
    # snakemake's API called from a process that imported the first checkout's tinyperf
    script = ("import sys, tinyperf; from snakemake.cli import main; "
              "sys.argv = ['snakemake', '-n', '--cores', '1', '--configfile', 'config/demo.yaml']; main()")
    proc = subprocess.run([sys.executable, "-c", script], cwd=second, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"this workflow is the checkout {second.resolve()}" in out, out[-2000:]
    assert f"the one of {REPO_ROOT}" in out


def test_code_inputs_are_the_stage_imports_without_the_dispatcher() -> None:
    train = {p.relative_to(sources.PACKAGE_DIR).as_posix() for p in sources.closure("tinyperf.training.cli")}
    assert {"training/cli.py", "training/train.py", "tfenv.py", "__init__.py", "training/__init__.py"} <= train
    assert "cli.py" not in train and "codegen/compiler.py" not in train and "report/summary.py" not in train
    codegen = {p.relative_to(sources.PACKAGE_DIR).as_posix() for p in sources.closure("tinyperf.codegen.cli")}
    assert "codegen/lower.py" in codegen and "training/train.py" not in codegen and "cli.py" not in codegen
