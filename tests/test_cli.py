"""The CLI dispatcher: every stage is listed, and a stage that cannot be imported stops it loudly."""

from __future__ import annotations

import sys

import pytest

from tinyperf import cli


def test_every_stage_is_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for name, _ in cli.STAGES:
        assert name in out


def test_a_broken_stage_import_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tinyperf.bench.cli", None)  # importing it now raises ImportError
    with pytest.raises(SystemExit, match=r"the bench stage \(tinyperf.bench.cli\) cannot be imported.*reinstall"):
        cli.build_parser()
