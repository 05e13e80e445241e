"""The report rules on a fake results tree: summary, plots and submission jobs, then `snakemake --report`
opened in headless Chromium with every figure rendered."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.report.fakeresults import write_tree
from tests.report.htmlcheck import check_report, chromium_available
from tests.workflow.smk import REPO_ROOT
from tinyperf.report import layout, summary
from tinyperf.submission import check

pytestmark = pytest.mark.slow

SNAKEFILE = """\
configfile: "config/config.yaml"


include: "workflow/rules/common.smk"


wildcard_constraints:
    task="|".join(profiles.TASKS),
    board="|".join(profiles.BOARDS),
    data="real|synth",
    model=r"train|reference|byom-[0-9a-f]{12}",


include: "workflow/rules/report.smk"


rule all:
    input:
        report_layout.targets(DATA, MODEL, TASKS, BOARDS, bench=True),
    default_target: True
"""
CONFIG = ["--config", "task=[kws,ad]", "board=[host,qemu_m4]", "data=synth", "model=train"]


def smk(wd: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *args, *CONFIG], cwd=wd,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return proc


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wd = tmp_path_factory.mktemp("reportwf")
    for name in ("workflow", "config", "envs"):
        (wd / name).symlink_to(REPO_ROOT / name)
    (wd / "Snakefile").write_text(SNAKEFILE)
    write_tree(wd / "results", tasks=("kws", "ad"), boards=("host", "qemu_m4"))
    smk(wd)
    return wd


def test_rules_write_summary_plots_and_submission(workdir: Path) -> None:
    out = workdir / "results" / "synth" / "train"
    df = summary.read(out / "summary.csv")
    assert len(df) == 4 and summary.missing_required(df) == {}
    names = [n for kind in layout.plot_files(["kws", "ad"], ["host", "qemu_m4"], bench=True).values() for n in kind]
    assert sorted(p.name for p in (out / "plots").iterdir()) == sorted(names)
    issues, results = check.check(out / "submission")
    assert check.errors(issues) == [] and len(results) == 4
    for name in ("summary", "plots", "submission"):
        assert (workdir / "logs" / "report" / "synth" / "train" / f"{name}.log").exists()


def test_report_html_renders_every_figure_in_chromium(workdir: Path, tmp_path: Path) -> None:
    if not chromium_available():
        pytest.skip("chromium is not installed (Debian: apt-get install chromium); cannot render report.html")
    smk(workdir, "--report", "report.html")
    html = (workdir / "report.html").read_text()
    assert "summary.html" in html
    shots = check_report(workdir / "report.html", tmp_path)
    names = [n for kind in layout.plot_files(["kws", "ad"], ["host", "qemu_m4"], bench=True).values() for n in kind]
    assert sorted(shots) == sorted(names)
