from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.report.fakeresults import write_tree
from tinyperf.cli import main
from tinyperf.submission import build, check


@pytest.fixture
def tree(results_tree: tuple[Path, list[Path]], tmp_path: Path) -> Path:
    _, runs = results_tree
    out = tmp_path / "submission"
    issues = build.build(runs, out, config_hash="cafe")
    assert check.errors(issues) == []
    return out


def bench(tree: Path, board: str = "host", task: str = "kws", division: str = "open") -> Path:
    return tree / division / "tinyperf" / "results" / f"{board}_tinyperf" / task


def test_layout_of_a_built_tree(tree: Path) -> None:
    sub = tree / "open" / "tinyperf"
    assert sorted(p.name for p in (sub / "systems").iterdir()) == ["host_tinyperf.json", "qemu_m4_tinyperf.json"]
    for board in ("host", "qemu_m4"):
        for task in ("kws", "ad"):
            for mode in ("performance", "accuracy"):
                d = bench(tree, board, task) / mode
                assert sorted(p.name for p in d.iterdir()) == ["log.txt", "results.json", "results.txt"]
                assert not any(p.is_symlink() for p in d.iterdir())
    # nano33ble ran nowhere: no device results, so not in the submission
    assert not (sub / "results" / "nano33ble_tinyperf").exists()
    system = json.loads((sub / "systems" / "qemu_m4_tinyperf.json").read_text())
    for key in check.SYSTEM_KEYS:
        assert str(system[key]).strip(), key
    assert system["Division"] == "open" and system["Status"] == "rdi"
    assert system["Processor(s) Frequencies"] == "25 MHz" and "arm-none-eabi-gcc" in system["General Compiler(s)"]
    assert "system_type" not in system


def test_check_cli_passes_the_built_tree(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["submission", "check", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "4 benchmark(s) pass, 0 error(s)" in out and "looks OK" in out


def _errors(tree: Path) -> list[str]:
    return [str(i) for i in check.errors(check.check(tree)[0])]


def test_rejects_a_missing_file(tree: Path) -> None:
    (bench(tree) / "accuracy" / "log.txt").unlink()
    errors = _errors(tree)
    assert any("accuracy" in e and "required file(s) missing: log.txt" in e for e in errors), errors
    assert main(["submission", "check", str(tree)]) == 1


def test_rejects_a_missing_throughput_line(tree: Path) -> None:
    results = bench(tree, "qemu_m4", "ad") / "performance" / "results.txt"
    results.write_text(re.sub(r".*Median throughput.*\n", "", results.read_text()))
    errors = _errors(tree)
    assert errors == ["error: open/tinyperf/results/qemu_m4_tinyperf/ad/performance/results.txt: no 'Median "
                      "throughput is <x> inf./sec.' line"]


def test_rejects_a_failed_quality_target_in_the_closed_division(tmp_path: Path) -> None:
    root = tmp_path / "results"
    runs = write_tree(root, data="official", model="reference", tasks=("kws",), boards=("host",), skill=0.5)
    out = tmp_path / "submission"
    issues = build.build(runs, out, config_hash="cafe")
    assert (out / "closed" / "tinyperf" / "systems" / "host_tinyperf.json").is_file()
    errors = [str(i) for i in check.errors(issues)]
    assert len(errors) == 1
    assert "closed/tinyperf/results/host_tinyperf/kws/accuracy/results.txt" in errors[0]
    assert "below the quality target 90" in errors[0]
    # the same numbers in the open division are accepted, with a warning
    shutil.move(out / "closed", out / "open")
    issues, results = check.check(out)
    assert check.errors(issues) == [] and len(results) == 1
    assert any("below the quality target" in str(i) for i in issues)


def test_rejects_what_the_mlcommons_checker_rejects(tree: Path) -> None:
    sub = tree / "open" / "tinyperf"
    (sub / "results" / "host_tinyperf" / "kws" / "energy").mkdir()
    (sub / "code" / "link").symlink_to(sub / "code" / "README.md")
    errors = _errors(tree)
    assert any("symbolic link" in e for e in errors)
    (sub / "code" / "link").unlink()
    errors = _errors(tree)
    assert any("empty folder" in e for e in errors), errors
    (sub / "results" / "host_tinyperf" / "kws" / "energy").rmdir()
    system = sub / "systems" / "host_tinyperf.json"
    data = json.loads(system.read_text())
    system.write_text(json.dumps({**data, "Status": "shipping"}))
    assert any("Status 'shipping'" in e for e in _errors(tree))
    system.write_text(json.dumps(data))
    (tree / "closed").mkdir()
    shutil.copytree(sub, tree / "closed" / "tinyperf")
    shutil.move(tree / "closed/tinyperf/results/host_tinyperf/kws", tree / "closed/tinyperf/results/host_tinyperf/ic2")
    errors = _errors(tree)
    assert any("ic2 result needs an ic result" in e for e in errors), errors
