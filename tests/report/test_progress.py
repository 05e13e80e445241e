from __future__ import annotations

import io

import pytest

from tinyperf import progress


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TINYPERF_PROGRESS", raising=False)
    stream = io.StringIO()
    with progress.Progress(total=10, desc="download", unit="B", stream=stream) as bar:
        bar.update(10)
    assert list(progress.track(range(3), desc="files", stream=stream)) == [0, 1, 2]
    assert stream.getvalue() == ""


def test_draws_on_a_terminal_and_ends_the_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TINYPERF_PROGRESS", raising=False)
    stream = FakeTTY()
    items = list(progress.track(["a", "b", "c", "d"], desc="accuracy kws", unit="file", stream=stream))
    out = stream.getvalue()
    assert items == ["a", "b", "c", "d"]
    assert out.startswith("\r") and out.endswith("\n")
    last = out.rstrip("\n").split("\r")[-1]
    assert "accuracy kws" in last and "100%" in last and "4/4 file" in last


def test_bytes_are_scaled_and_postfix_shown() -> None:
    stream = io.StringIO()
    bar = progress.Progress(total=3 * 1024 * 1024, desc="ToyCar.zip", unit="B", stream=stream, enable=True)
    bar.update(1024 * 1024)
    bar.set_postfix("resumed")
    line = bar.line()
    bar.close()
    assert "33%" in line and "1.0 MB/3.0 MB" in line and "B/s" in line and line.endswith("resumed")


def test_unknown_total_shows_count_only() -> None:
    bar = progress.Progress(desc="epochs", unit="epoch", enable=False)
    bar.update(3)
    assert "3 epoch" in bar.line() and "%" not in bar.line()


def test_environment_forces_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINYPERF_PROGRESS", "1")
    assert progress.enabled(io.StringIO())
    monkeypatch.setenv("TINYPERF_PROGRESS", "0")
    assert not progress.enabled(FakeTTY())
