"""Estimates as a range (1 IPC and modelled cycles) and the wait-state calibration, on a real qemu_m4 firmware."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from tinyperf import profiles
from tinyperf.cli import main as tinyperf
from tinyperf.cycles import calibrate, dut, model
from tinyperf.errors import ConfigError
from tinyperf.runner.performance import window_input

from ..device.helpers import build, make_model, write_evalset

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                                reason="needs qemu-system-arm and gcc-arm-none-eabi")


@pytest.fixture(scope="module")
def kws(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("kws-cycles")
    fw = build("qemu_m4", "kws", make_model("kws").write(root / "m"), root / "fw")
    return fw, write_evalset(root / "eval", "kws", files=5)


def estimate(fw: Path, data: Path, out: Path, *extra: str) -> dict:
    assert tinyperf(["run", "--board", "qemu_m4", "--firmware", str(fw), "--mode", "performance", "--data",
                     str(data), "-o", str(out), "--windows", "1", "--min-window-s", "0.05",
                     "--estimate-for", "nano33ble", *extra]) == 0
    return json.loads((out / "results.json").read_text())


def test_estimate_is_a_labelled_range(kws: tuple[Path, Path], tmp_path: Path) -> None:
    fw, data = kws
    res = estimate(fw, data, tmp_path / "est")
    clock = profiles.board("nano33ble")["clock_hz"]
    lower, modelled = res["latency_range_ms"]
    assert lower == pytest.approx(res["instructions_per_inference"] / clock * 1000)
    assert modelled == res["latency_ms"] == pytest.approx(res["cycles_per_inference"] / clock * 1000)
    assert res["cycles_per_inference"] == res["core_cycles_per_inference"] + res["fetch_cycles_per_inference"]
    assert res["fetch_cycles_per_inference"] > 0  # the profile's assumed wait states
    assert lower < modelled and res["cycles_per_instruction"] > 1
    # the plugin's instructions per inference are -icount's (which also times the loop step and the timestamp)
    assert res["modelled_instructions_per_inference"] == pytest.approx(res["instructions_per_inference"], rel=1e-4)
    assert "TRM" in res["cycle_model"] and "assumed" in res["cycle_model"]
    assert res["latency_kind"] == "estimated" and res["compliant"] is False
    text = (tmp_path / "est" / "results.txt").read_text()
    assert "lower bound at 1 IPC" in text and "modelled from" in text


def test_estimate_without_cycles_is_the_lower_bound(kws: tuple[Path, Path], tmp_path: Path) -> None:
    fw, data = kws
    res = estimate(fw, data, tmp_path / "est", "--no-cycles")
    assert res["latency_ms"] == res["latency_ms_1ipc"] and "cycles_per_inference" not in res


def test_counts_repeat_and_inferences_agree(kws: tuple[Path, Path]) -> None:
    fw, data = kws
    _, inp = window_input("kws", data, 0)
    a, b = dut.count_inference(fw, inp), dut.count_inference(fw, inp)
    assert a == b and len(set(a.per_inference[:2])) == 1  # deterministic, and the model has no warm-up


def measured_run(root: Path, fw: Path, data: Path, cycles: float) -> Path:
    """A run directory as the workflow lays it out, with a latency as a board of that many cycles would show."""
    clock = profiles.board("nano33ble")["clock_hz"]
    (root / "performance").mkdir(parents=True)
    (root / "estimate_firmware").mkdir()
    shutil.copy(fw, root / "estimate_firmware" / "firmware.elf")
    (root / "performance" / "results.json").write_text(json.dumps(
        {"board": "nano33ble", "task": "kws", "data": str(data), "latency_ms": cycles / clock * 1000}))
    return root


def test_calibration_recovers_the_wait_states(kws: tuple[Path, Path], tmp_path: Path) -> None:
    fw, data = kws
    _, inp = window_input("kws", data, 0)
    geometry = model.FetchModel.estimating("nano33ble")
    truth = dut.count_inference(fw, inp, replace(geometry, wait_states=3)).cycles
    run = measured_run(tmp_path / "run", fw, data, truth)
    out = tmp_path / "nano33ble.yaml"
    assert tinyperf(["calibrate", "--board", "nano33ble", str(run), "-o", str(out)]) == 0
    overlay = yaml.safe_load(out.read_text())
    assert overlay["cycle_model"]["flash"]["wait_states"] == 3
    assert "calibrated" in overlay["cycle_model"]["flash"]["source"]
    profiles.validate({**profiles.board("nano33ble"), **overlay}, "board.schema.yaml", "calibrated profile")


def test_fit_least_squares_and_refusals() -> None:
    runs = [calibrate.TimedRun("a", 1000 + 2 * 100 + 3, 1000, 100), calibrate.TimedRun("b", 5000 + 2 * 40, 5000, 40)]
    fit = calibrate.fit(runs)
    assert fit.wait_states == 2 and fit.exact == pytest.approx(2.0, abs=0.03) and fit.worst < 0.01
    with pytest.raises(ConfigError, match="faster than the zero-wait-state model"):
        calibrate.fit([calibrate.TimedRun("fast", 500, 1000, 100)])
    with pytest.raises(ConfigError, match="no stalls"):
        calibrate.fit([calibrate.TimedRun("ram", 1000, 1000, 0)])


def test_calibration_refuses_an_estimate_as_timing(kws: tuple[Path, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    fw, data = kws
    run = measured_run(tmp_path / "run", fw, data, 1e6)
    res = json.loads((run / "performance" / "results.json").read_text())
    (run / "performance" / "results.json").write_text(json.dumps({**res, "latency_kind": "estimated"}))
    assert tinyperf(["calibrate", "--board", "nano33ble", str(run), "--dry-run"]) != 0
    assert "not a measurement on a nano33ble" in capsys.readouterr().err


def test_a_calibration_overlay_replaces_the_assumed_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shutil.copytree(profiles.CONFIG_DIR / "boards", tmp_path / "boards")
    (tmp_path / "calibration").mkdir()
    monkeypatch.setattr(profiles, "CONFIG_DIR", tmp_path)
    profiles.board.cache_clear()
    try:
        (tmp_path / "calibration" / "nano33ble.yaml").write_text(
            "cycle_model: {flash: {wait_states: 4, source: calibrated by hand}}\n")
        assert profiles.board("nano33ble")["cycle_model"]["flash"]["wait_states"] == 4
        profiles.board.cache_clear()
        (tmp_path / "calibration" / "nano33ble.yaml").write_text("clock_hz: 1\n")
        with pytest.raises(ConfigError, match="holds cycle_model only"):
            profiles.board("nano33ble")
        profiles.board.cache_clear()
        (tmp_path / "calibration" / "nano33ble.yaml").write_text("cycle_model: {flash: {wait_states: -1}}\n")
        with pytest.raises(ConfigError, match="wait_states"):
            profiles.board("nano33ble")
    finally:
        profiles.board.cache_clear()
