"""The runner against the host DUT (real firmware) and against misbehaving peers (tests/device/peers)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tinyperf import codec
from tinyperf.cli import main as tinyperf
from tinyperf.datasets.evalset import read_labels

from .helpers import build, make_model, write_evalset

PEER = Path(__file__).parent / "peers" / "bad_dut.py"


def host_predictions(task: str, model, data: Path) -> list[float | int]:
    """What the host int8 evaluation computes, through codec.py."""
    q_in = codec.QParams(model.input_scale, model.input_zero_point)
    q_out = codec.QParams(model.output_scale, model.output_zero_point)
    preds: list[float | int] = []
    for e in read_labels(data):
        raw = (data / e.file).read_bytes()
        if task == "ad":
            scores = []
            for w in e.windows(raw):
                y = model.invoke(codec.file_to_int8(task, w, q_in))
                scores.append(float(f"{codec.ad_score(np.frombuffer(w, '<f4'), y, q_out):.3f}"))
            preds.append(float(np.mean(scores)))
        else:
            preds.append(int(np.argmax(model.invoke(codec.file_to_int8(task, raw, q_in)))))
    return preds


@pytest.mark.parametrize("task", ["kws", "ic", "ad"])
def test_accuracy_predictions_equal_host(tmp_path: Path, task: str) -> None:
    model = make_model(task, identity=True)
    fw = build("host", task, model.write(tmp_path / "m"), tmp_path / "fw")
    data = write_evalset(tmp_path / "eval", task, files=6 if task != "ad" else 2)
    out = tmp_path / "acc"
    assert tinyperf(["run", "--board", "host", "--firmware", str(fw), "--mode", "accuracy", "--data", str(data),
                     "-o", str(out)]) == 0
    res = json.loads((out / "results.json").read_text())
    key = "score" if task == "ad" else "prediction"
    assert [p[key] for p in res["predictions"]] == pytest.approx(host_predictions(task, model, data), abs=0)
    assert res["compliant"] is True and res["task"] == task and res["board"] == "host"
    text = (out / "results.txt").read_text()
    assert (" ulp-mlperf: AUC = " if task == "ad" else " ulp-mlperf: Top-1: ") in text
    assert (out / "log.txt").read_text().count("m-results-[") == sum(
        len(list(e.windows((data / e.file).read_bytes()))) for e in read_labels(data))


def test_performance_quick_run_is_flagged(tmp_path: Path) -> None:
    fw = build("host", "kws", make_model("kws").write(tmp_path / "m"), tmp_path / "fw")
    data = write_evalset(tmp_path / "eval", "kws", files=5)
    out = tmp_path / "perf"
    assert tinyperf(["run", "--board", "host", "--firmware", str(fw), "--mode", "performance", "--data", str(data),
                     "-o", str(out), "--min-window-s", "0.2", "--windows", "3"]) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["compliant"] is False
    assert res["noncompliance"][:2] == ["3 windows (MLPerf: 5)", "minimum window 0.2 s (MLPerf: 10 s)"]
    assert len(res["windows"]) == 3 and len({w["file"] for w in res["windows"]}) == 3
    # N is chosen for 1.2x the minimum; a busy machine may still make a window short, which is then flagged
    assert all(w["runtime_s"] >= 0.2 or not w["meets_minimum"] for w in res["windows"])
    assert res["latency_ms"] == pytest.approx(1000 / res["median_throughput"])
    text = (out / "results.txt").read_text()
    assert "Median throughput is" in text and "NOT COMPLIANT" in text


def peer(tmp_path: Path, mode: str) -> Path:
    exe = tmp_path / f"dut_{mode}"
    # the directory as a second argument marks this test's processes in /proc
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} {PEER} {mode} {tmp_path}\n")
    exe.chmod(0o755)
    return exe


@pytest.mark.parametrize(
    ("mode", "args", "message"),
    [
        ("silent", ["--timeout", "1"], "no reply from the DUT to 'infer 1 0' within"),
        ("die", [], "the DUT process exited with code 7 while waiting for the reply to 'infer 1 0'"),
        ("garbled", [], "garbled line in the reply to 'infer 1 0': 'm-lap-us-12#4'"),
        ("error", [], "the DUT rejected 'infer 1 0': e-[Inference failed]"),
        ("garbage", [], "garbage from the DUT in the reply to 'infer 1 0'"),
        ("cut", [], "incomplete reply to 'infer 1 0': missing ['m-infer-done']"),
        ("count", [], "m-results-[...] holds 11 values in the reply to 'infer 1 0'; the model has 12 outputs"),
        ("nan", [], "holds 'nan': the model's outputs are finite"),
        ("huge", ["--timeout", "5"], "a line of over 65536 bytes with no end from the DUT"),
        ("noready", ["--timeout", "1"], "no reply from the DUT to 'infer 1 0' within 1.0 s"),
        ("backwards", [], "the DUT's timestamps went backwards in the reply to 'infer 1 0'"),
    ],
)
def test_misbehaving_dut_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str,
                                       args: list[str], message: str) -> None:
    data = write_evalset(tmp_path / "eval", "kws", files=4)
    out = tmp_path / "acc"
    started = time.monotonic()
    rc = tinyperf(["run", "--board", "host", "--firmware", str(peer(tmp_path, mode)), "--mode", "accuracy",
                   "--data", str(data), "-o", str(out), *args])
    err = capsys.readouterr().err
    assert rc == 2
    assert message in err
    assert time.monotonic() - started < 30  # within the reply timeout (plus boot), never hanging
    assert not out.exists()  # nothing under the final names
    assert (tmp_path / "acc.failed-log.txt").exists()
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".acc") and p.name != ".acc.lock"]
    assert leftovers == []  # the lock file stays, empty: flock needs a stable inode


def test_spawned_dut_is_killed_after_failure(tmp_path: Path) -> None:
    data = write_evalset(tmp_path / "eval", "kws", files=4)
    exe = peer(tmp_path, "silent")
    tinyperf(["run", "--board", "host", "--firmware", str(exe), "--mode", "accuracy", "--data", str(data),
              "-o", str(tmp_path / "x"), "--timeout", "1"])
    marker = str(tmp_path).encode()
    alive = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            if marker in Path(f"/proc/{pid}/cmdline").read_bytes():
                alive.append(pid)
        except OSError:
            continue
    assert alive == []


def test_too_short_window_flags_with_fixed_iterations(tmp_path: Path) -> None:
    data = write_evalset(tmp_path / "eval", "kws", files=5)
    out = tmp_path / "perf"
    assert tinyperf(["run", "--board", "host", "--firmware", str(peer(tmp_path, "ok")), "--mode", "performance",
                     "--data", str(data), "-o", str(out), "--iterations", "10", "--min-window-s", "10"]) == 0
    res = json.loads((out / "results.json").read_text())
    assert res["compliant"] is False
    assert any("under 10 s" in r for r in res["noncompliance"])
    assert "Runtime requirements have NOT been met." in (out / "results.txt").read_text()


@pytest.mark.parametrize(("mode", "message"), [
    ("backwards", "the DUT's timestamps went backwards"),
    ("count", "holds 11 values"),
    ("die", "the DUT process exited with code 7"),
])
def test_misbehaving_dut_fails_a_performance_run(tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str,
                                                 message: str) -> None:
    data = write_evalset(tmp_path / "eval", "kws", files=5)
    out = tmp_path / "perf"
    rc = tinyperf(["run", "--board", "host", "--firmware", str(peer(tmp_path, mode)), "--mode", "performance",
                   "--data", str(data), "-o", str(out), "--iterations", "10", "--min-window-s", "0.01"])
    assert rc == 2 and message in capsys.readouterr().err
    assert not out.exists()


def slow_run(tmp_path: Path, out: Path) -> subprocess.Popen[bytes]:
    """A real host DUT measuring accuracy on enough files to be caught mid-run."""
    fw = build("host", "kws", make_model("kws").write(tmp_path / "m"), tmp_path / "fw")
    data = write_evalset(tmp_path / "eval", "kws", files=400)
    return subprocess.Popen([sys.executable, "-m", "tinyperf", "run", "--board", "host", "--firmware", str(fw),
                             "--mode", "accuracy", "--data", str(data), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for_traffic(out: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        logs = list(out.parent.glob(f".{out.name}.run.*/log.txt"))
        if logs and logs[0].stat().st_size > 20000:
            return
        time.sleep(0.05)
    raise AssertionError("the run never got going")


def test_sigkill_mid_run_leaves_nothing_final_and_the_rerun_completes(tmp_path: Path) -> None:
    out = tmp_path / "acc"
    proc = slow_run(tmp_path, out)
    wait_for_traffic(out, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists() and not (tmp_path / "acc.failed-log.txt").exists()
    assert list(tmp_path.glob(".acc.run.*"))  # the killed run's work, under a hidden name only
    data = tmp_path / "eval"
    fw = tmp_path / "fw" / "firmware.elf"
    assert tinyperf(["run", "--board", "host", "--firmware", str(fw), "--mode", "accuracy", "--data", str(data),
                     "-o", str(out), "--max-files", "5"]) == 0
    assert json.loads((out / "results.json").read_text())["files"] == 5
    assert not list(tmp_path.glob(".acc.run.*"))  # the rerun cleared the killed run's leftovers


def test_a_second_run_into_the_same_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "acc"
    proc = slow_run(tmp_path, out)
    try:
        wait_for_traffic(out, proc)
        rc = tinyperf(["run", "--board", "host", "--firmware", str(tmp_path / "fw" / "firmware.elf"), "--mode",
                       "accuracy", "--data", str(tmp_path / "eval"), "-o", str(out), "--max-files", "1"])
        err = capsys.readouterr().err
        assert rc != 0 and f"another tinyperf run (pid {proc.pid}) is measuring into {out}" in err
    finally:
        proc.kill()
        proc.wait()
    assert list(tmp_path.glob(".acc.run.*"))  # the first run's work is left alone by the refused second
