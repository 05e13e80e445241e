"""Scenario firmware end to end on the host board (and qemu_m4, slow): the protocol, outputs equal to each
model's single-model firmware, pipeline gating, deadline misses and boards that are too small, as results."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import reference_model
from tests.device.helpers import load_commands, pipe_session, write_evalset
from tinyperf import cli, profiles
from tinyperf.codegen.compiler import compile_model
from tinyperf.firmware.build import build_firmware
from tinyperf.scenario import spec
from tinyperf.scenario.build import build_scenario


def scenario_main(argv: list[str]) -> int:
    """`tinyperf scenario ARGV...`, what the rules run."""
    return cli.main(["scenario", *argv])


def scenario_file(tmp: Path, name: str, **data: Any) -> Path:
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, **data}))
    return path


@pytest.fixture(scope="module")
def evals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("eval")
    return {t: write_evalset(root / t, t, 3, seed=7) for t in ("kws", "ic", "ad")}


@pytest.fixture(scope="module")
def pipeline_fw(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("pipe")
    path = scenario_file(tmp, "pipe", kind="pipelined", deadline_ms=1000, periods=3,
                         models=[{"id": "kws", "task": "kws", "tflite": str(reference_model("kws"))},
                                 {"id": "ic", "task": "ic", "tflite": str(reference_model("ic"))},
                                 {"id": "ad", "task": "ad", "tflite": str(reference_model("ad"))}])
    sc = spec.load(path)
    info = build_scenario(sc, {m.id: Path(m.tflite) for m in sc.models if m.tflite}, "host", tmp / "fw")
    assert info["fits"] and (tmp / "fw" / "firmware.elf").exists()
    return path, tmp / "fw"


def run_cli(path: Path, fw: Path, evals: dict[str, Path], out: Path, board: str = "host") -> dict[str, Any]:
    args = ["run", str(path), "--board", board, "--firmware", str(fw), "-o", str(out)]
    for t, d in evals.items():
        args += ["--data", f"{t}={d}"]
    assert scenario_main(args) == 0
    return dict(json.loads((out / "results.json").read_text()))


def test_outputs_equal_single_model_firmware(pipeline_fw: tuple[Path, Path], evals: dict[str, Path],
                                            tmp_path: Path) -> None:
    path, fw = pipeline_fw
    res = run_cli(path, fw, evals, tmp_path / "run")
    assert res["status"] == "ok" and res["periods"] == 3
    info = json.loads((fw / "scenario.json").read_text())
    assert info["arena"]["shared_bytes"] == max(m["arena_bytes"] for m in info["models"])
    assert info["arena"]["shared_bytes"] < info["arena"]["separate_sum_bytes"]
    for task in ("kws", "ic", "ad"):
        cg = tmp_path / f"cg_{task}"
        compile_model(reference_model(task), cg, name="model")
        single = build_firmware("host", cg, task, tmp_path / f"fw_{task}").firmware
        for rec in res["records"]:
            run = rec["runs"][task]
            data = (evals[task] / run["file"]).read_bytes()[: 2560 if task == "ad" else None]
            out = pipe_session(single, load_commands(data) + "infer 1 0%")
            alone = re.findall(r"m-results-\[(.*?)\]", out)[-1]
            assert [float(x) for x in alone.split(",")] == run["results"], (task, rec["period"])
            assert rec["order"] == ["kws", "ic", "ad"] and run["latency_us"] <= run["end_us"]
    text = (tmp_path / "run" / "results.txt").read_text()
    assert "ulp-mlperf:   Pipeline     : 3/3 periods ran every stage" in text


def test_single_model_commands_unchanged(pipeline_fw: tuple[Path, Path], evals: dict[str, Path]) -> None:
    _, fw = pipeline_fw
    data = (evals["kws"] / "kws_000.bin").read_bytes()
    out = pipe_session(fw / "firmware.elf", "name%profile%" + load_commands(data) + "infer 2 1%scenario load nope%")
    assert "m-name-dut-[tinyperf]" in out and "m-model-[kws01]" in out
    assert re.search(r"m-warmup-start-1\r\nm-warmup-done\r\nm-infer-start-2\r\nm-lap-us-\d+\r\nm-lap-us-\d+\r\n"
                     r"m-infer-done\r\nm-results-\[", out)
    assert "e-[Unknown scenario model: nope]" in out


def test_pipeline_gate_and_deadline_miss(tmp_path: Path, evals: dict[str, Path]) -> None:
    kws, ic = str(reference_model("kws")), str(reference_model("ic"))
    # what kws answers on the first input decides whether ic runs
    pair = [{"id": "kws", "task": "kws", "tflite": kws}, {"id": "ic", "task": "ic", "tflite": ic}]
    probe = scenario_file(tmp_path, "probe", kind="pipelined", periods=1, models=pair)
    sc = spec.load(probe)
    build_scenario(sc, {"kws": Path(kws), "ic": Path(ic)}, "host", tmp_path / "probe_fw")
    first = run_cli(probe, tmp_path / "probe_fw", evals, tmp_path / "probe_run")
    cls = int(first["records"][0]["runs"]["kws"]["prediction"])
    for op, runs in (("argmax_in", True), ("argmax_not_in", False)):
        name = f"gate_{op}"
        path = scenario_file(tmp_path, name, kind="pipelined", periods=1, deadline_ms=0.001,
                             models=[{"id": "kws", "task": "kws", "tflite": kws},
                                     {"id": "ic", "task": "ic", "tflite": ic, "when": {"model": "kws", op: [cls]}}])
        build_scenario(spec.load(path), {"kws": Path(kws), "ic": Path(ic)}, "host", tmp_path / f"{name}_fw")
        res = run_cli(path, tmp_path / f"{name}_fw", evals, tmp_path / f"{name}_run")
        rec = res["records"][0]
        assert ("ic" in rec["runs"]) is runs and ("ic" in rec["skipped"]) is not runs
        # a deadline of 1 us cannot be met: reported with the numbers, not raised
        d = res["deadline"]
        assert res["status"] == "deadline_missed" and d["hit_rate"] == 0.0 and not d["met"]
        assert d["missed_periods"][0]["finish_ms"] > 0.001 and "kws" in d["missed_periods"][0]["late"]
        assert "missed period 0: finished at" in (tmp_path / f"{name}_run" / "results.txt").read_text()


def test_scenario_that_does_not_fit_is_a_result(tmp_path: Path, evals: dict[str, Path]) -> None:
    """Three large models exceed nano33ble's flash: scenario.json and the run say so with the numbers."""
    vww, ic2 = str(reference_model("vww")), str(reference_model("ic2"))
    path = scenario_file(tmp_path, "big", kind="concurrent", deadline_ms=100,
                         models=[{"id": "vww", "task": "vww", "tflite": vww}, {"id": "ic", "task": "ic", "tflite": ic2},
                                 {"id": "vww2", "task": "vww", "tflite": vww}])
    sc = spec.load(path)
    info = build_scenario(sc, {"vww": Path(vww), "ic": Path(ic2), "vww2": Path(vww)}, "nano33ble", tmp_path / "fw")
    assert not info["fits"] and not info["flash"]["fits"]
    limit = profiles.board("nano33ble")["memory"]["flash_bytes"]
    assert info["flash"]["used_bytes"] > info["flash"]["limit_bytes"] == limit
    assert "flash: needs" in info["reasons"][0] and not (tmp_path / "fw" / "firmware.elf").exists()
    res = run_cli(path, tmp_path / "fw", {}, tmp_path / "run", board="nano33ble")
    assert res["status"] == "does_not_fit" and res["build"]["flash"]["used_bytes"] == info["flash"]["used_bytes"]
    assert "Does not fit the board: flash: needs" in (tmp_path / "run" / "results.txt").read_text()


@pytest.mark.slow
def test_qemu_m4_matches_host(tmp_path: Path, evals: dict[str, Path]) -> None:
    """The concurrent pair on qemu_m4 (Cortex-M4 kernels) gives the host's outputs, with instruction counts."""
    kws, ad = str(reference_model("kws")), str(reference_model("ad"))
    path = scenario_file(tmp_path, "conc", kind="concurrent", schedule="round_robin", deadline_ms=1000, periods=2,
                         models=[{"id": "kws", "task": "kws", "tflite": kws}, {"id": "ad", "task": "ad", "tflite": ad}])
    sc = spec.load(path)
    out = {}
    for board in ("host", "qemu_m4"):
        build_scenario(sc, {"kws": Path(kws), "ad": Path(ad)}, board, tmp_path / f"fw_{board}")
        out[board] = run_cli(path, tmp_path / f"fw_{board}", evals, tmp_path / f"run_{board}", board=board)
    assert [r["order"] for r in out["qemu_m4"]["records"]] == [["kws", "ad"], ["ad", "kws"]]
    for a, b in zip(out["host"]["records"], out["qemu_m4"]["records"], strict=True):
        assert {k: v["output"] for k, v in a["runs"].items()} == {k: v["output"] for k, v in b["runs"].items()}
    assert out["qemu_m4"]["latency_kind"] == "estimated" and out["qemu_m4"]["deadline"]["met"]
