"""A small, realistic results tree in the stages' formats, for testing the summary, plots and submission.

Files are written with the producers' own writer (fsutil.write_json) in the formats of training/train.py,
quantize/convert.py, evaluate/host.py, firmware/build.py (memory.json), codegen's model.json and the runner's
performance/accuracy directories (MLCommons runner text formats, mlperf_tiny.md §5.6). Predictions are drawn
so that the metrics are what the files claim.
"""

from __future__ import annotations

import random
import statistics
from pathlib import Path
from typing import Any

from tinyperf import fsutil, profiles
from tinyperf.evaluate.host import metric_value

N_FILES = 40


def _labels_and_predictions(task: str, rng: random.Random, skill: float) -> tuple[dict, dict]:
    n_classes = len(profiles.task(task)["classes"])
    labels, preds = {}, {}
    for i in range(N_FILES):
        name = f"{task}_{i:04d}.bin"
        label = i % n_classes
        labels[name] = label
        if task == "ad":
            # anomalies (label 1) reconstruct worse: higher scores, overlapping by (1 - skill)
            preds[name] = round(rng.gauss(10.0 + 6.0 * skill * label, 2.0), 3)
        else:
            preds[name] = label if rng.random() < skill else (label + 1 + rng.randrange(n_classes - 1)) % n_classes
    return labels, preds


def _accuracy_block(task: str, labels: dict, preds: dict) -> dict[str, Any]:
    metric = profiles.task(task)["evaluation"]["metric"]
    files = list(labels)
    value = metric_value(metric, [labels[f] for f in files], [preds[f] for f in files])
    return {metric: value, "labels": labels, "predictions": preds}


def write_task(root: Path, data: str, task: str, model: str, seed: int = 0, skill: float = 0.9) -> None:
    rng = random.Random(f"{task}{seed}")
    task_dir = root / data / task
    prof = profiles.task(task)
    metric = prof["evaluation"]["metric"]
    # real sources are prepared with the official selection lists
    fsutil.write_json(task_dir / "data" / "meta.json", {"task": task, "source": data, "eval_files": N_FILES,
                                                        "official_eval_set": data in ("real", "official")})
    if model == "train":
        epochs = 6
        hist: dict[str, list[float]] = {"loss": [], "val_loss": []}
        if task != "ad":
            hist.update({"accuracy": [], "val_accuracy": []})
        for e in range(epochs):
            hist["loss"].append(2.0 / (e + 1))
            hist["val_loss"].append(2.2 / (e + 1) + 0.05)
            if task != "ad":
                hist["accuracy"].append(0.3 + 0.1 * e)
                hist["val_accuracy"].append(0.25 + 0.1 * e)
        fsutil.write_json(task_dir / "train" / "history.json", hist)
        fsutil.write_json(task_dir / "train" / "train.json", {
            "task": task, "architecture": prof["model"]["architecture"], "epochs": epochs, "seed": 1234,
            "batch_size": 32, "train_samples": 400, "val_samples": 40, "params": 38_000, "seconds": 12.5,
            "final": {k: v[-1] for k, v in hist.items()},
            "versions": {"tensorflow": "2.21.0", "tf-keras": "2.21.0", "tensorflow-model-optimization": "0.8.1",
                         "numpy": "2.1.3"}})
    model_dir = task_dir / model
    fsutil.write_json(model_dir / "quantize.json", {
        "task": task, "method": "ptq", "calibration_samples": 100, "qat_epochs": 0, "bytes": 52_000,
        "io": {"input": {"scale": 0.5, "zero_point": -128}, "output": {"scale": 0.00390625, "zero_point": -128}},
        "seconds": 3.1, "versions": {"tensorflow": "2.21.0"}})
    labels, float_preds = _labels_and_predictions(task, rng, skill)
    _, int8_preds = _labels_and_predictions(task, random.Random(f"{task}{seed}int8"), skill - 0.02)
    fsutil.write_json(model_dir / "accuracy_host.json", {
        "task": task, "metric": metric, "files": N_FILES, "official_files": prof["evaluation"]["files"],
        "complete": False, "quality_target": prof["evaluation"]["quality_target"],
        "int8": _accuracy_block(task, labels, int8_preds),
        "float": _accuracy_block(task, labels, float_preds),
        "meets_target": False})
    for target in ("portable", "cortex-m4"):
        fsutil.write_json(model_dir / "codegen" / target / "model.json", {
            "name": "model", "target": target, "macs": 2_660_000, "weight_bytes": 38_600, "arena_bytes": 23_040,
            "ops": [{"op": "CONV_2D", "macs": 2_000_000}, {"op": "FULLY_CONNECTED", "macs": 660_000}]})
    _bench(model_dir, task)


def _bench(model_dir: Path, task: str) -> None:
    """`tinyperf bench --json` of the cortex-m4 code, built by bench's own row writer."""
    from tinyperf.bench import report
    from tinyperf.bench.baseline import ARCHITECTURE, BASELINES
    from tinyperf.bench.qemu import BenchRun

    ops = [{"index": 0, "op": "CONV_2D", "name": "conv", "inputs": [{"shape": [1, 49, 10, 1]}],
            "outputs": [{"shape": [1, 25, 5, 64]}], "macs": 2_000_000, "kernel": "conv_2d"},
           {"index": 1, "op": "FULLY_CONNECTED", "name": "fc", "inputs": [{"shape": [1, 64]}],
            "outputs": [{"shape": [1, 12]}], "macs": 660_000, "kernel": "fully_connected"}]
    meta = {"source": "int8.tflite", "macs": 2_660_000, "weight_bytes": 38_600, "arena_bytes": 12_864, "ops": ops}
    run = BenchRun(task, "cortex-m4", meta, 3_818_360, {0: 3_000_000, 1: 818_000}, [], 48_896, 10_296, 38_600, 0)
    row = report.row(run, BASELINES[task], "qemu_m4", True, ARCHITECTURE)
    fsutil.write_json(model_dir / "bench" / "cortex-m4.json", {"board": "qemu_m4", "target": "cortex-m4",
                                                                "models": [row]})


def _runner_text(lines: list[str]) -> str:
    # as `tinyperf run` writes results.txt: each line stamped and prefixed like the MLPerf runners'
    return "".join(f"0000.100000 ulp-mlperf: {line}\n" for line in lines)


def _perf_files(out: Path, task: str, board: str, latency_s: float, instructions: int | None) -> None:
    from tinyperf.runner.performance import performance_lines

    iterations = 20
    windows = []
    for w in range(5):
        runtime = iterations * latency_s * (1 + 0.01 * w)
        win = {"window": w + 1, "file": f"{task}_{w:04d}.bin", "iterations": iterations, "warmup": 2,
               "start_us": 1000, "end_us": 1000 + round(runtime * 1e6), "elapsed_us": round(runtime * 1e6),
               "runtime_s": runtime, "throughput": iterations / runtime, "meets_minimum": True, "results": [0.5]}
        if instructions is not None:
            win["instructions_per_inference"] = instructions
        windows.append(win)
    median = statistics.median(w["throughput"] for w in windows)
    result: dict[str, Any] = {
        "board": board, "task": task, "mode": "performance", "windows": windows,
        "throughput_per_window": [w["throughput"] for w in windows], "median_throughput": median,
        "latency_ms": 1000.0 / median, "min_window_s": 0.05, "compliant": False,
        "noncompliance": ["window(s) [1, 2, 3, 4, 5] ran under 10 s"]}
    if instructions is not None:
        result["instructions_per_inference"] = instructions
    fsutil.write_json(out / "results.json", result)
    fsutil.write_text(out / "results.txt", _runner_text(performance_lines(result)))
    fsutil.write_text(out / "log.txt", "0000.000001 sequencer: m-ready\n0000.000010 dut: m-lap-us-1000\n")


def _accuracy_files(out: Path, task: str, host: dict[str, Any]) -> None:
    from tinyperf.runner.accuracy import accuracy_lines

    block = host["int8"]
    records = []
    for name, label in block["labels"].items():
        rec: dict[str, Any] = {"file": name, "label": label}
        rec["score" if task == "ad" else "prediction"] = block["predictions"][name]
        records.append(rec)
    result: dict[str, Any] = {"board": "x", "task": task, "mode": "accuracy", "files": len(records),
                              "files_total": len(records)}
    if task == "ad":
        result["auc"] = block["auc"]
    else:
        result["accuracy"] = block["top1"]
        result["top1_percent"] = 100.0 * block["top1"]
    result.update({"compliant": True, "noncompliance": [], "predictions": records, "wall_s": 1.0})
    fsutil.write_json(out / "results.json", result)
    fsutil.write_text(out / "results.txt", _runner_text(accuracy_lines(result)))
    fsutil.write_text(out / "log.txt", "0000.000001 sequencer: m-ready\n")


def write_run(root: Path, data: str, task: str, model: str, board: str) -> Path:
    import json

    run_dir = root / data / task / model / "tinyperf" / board
    prof = profiles.board(board)
    host = json.loads((root / data / task / model / "accuracy_host.json").read_text())
    if board in ("host", "qemu_m4"):
        flash_limit, ram_limit = prof["memory"]["flash_bytes"], prof["memory"]["ram_bytes"]
        fsutil.write_json(run_dir / "firmware" / "memory.json", {
            "board": board, "task": task, **_built_from(run_dir, board), "firmware_sha256": "0" * 64,
            "flash": {"used_bytes": 61_000, "limit_bytes": flash_limit, "sections": {".text": 61_000}},
            "ram": {"used_bytes": 30_000, "limit_bytes": ram_limit, "sections": {".bss": 30_000}}})
        latency_s = 0.0004 if board == "host" else 0.0031
        _perf_files(run_dir / "performance", task, board, latency_s, 3_100_000 if board == "qemu_m4" else None)
        _accuracy_files(run_dir / "accuracy", task, host)
    else:
        # a board without hardware attached: firmware built, no measurement; the latency is estimated
        fsutil.write_json(run_dir / "firmware" / "memory.json", {
            "board": board, "task": task, **_built_from(run_dir, board), "firmware_sha256": "1" * 64,
            "flash": {"used_bytes": 63_000, "limit_bytes": prof["memory"]["flash_bytes"], "sections": {}},
            "ram": {"used_bytes": 31_000, "limit_bytes": prof["memory"]["ram_bytes"], "sections": {}}})
    return run_dir


def _built_from(run_dir: Path, board: str) -> dict[str, str]:
    """memory.json's record of the generated model the firmware was built from (firmware/build.py)."""
    from tinyperf.config import codegen_target

    target = codegen_target({"codegen": {"target": "auto"}}, board)
    return {"model_dir": str(run_dir.parent.parent / "codegen" / target), "engine": "tinyperf", "target": target}


def write_tree(root: Path, data: str = "synth", model: str = "train", tasks: tuple[str, ...] = ("kws", "ad"),
               boards: tuple[str, ...] = ("host", "qemu_m4"), skill: float = 0.9) -> list[Path]:
    """Write the tree under *root* (the ``results`` folder); return the run directories."""
    runs = []
    for task in tasks:
        write_task(root, data, task, model, skill=skill)
        for board in boards:
            runs.append(write_run(root, data, task, model, board))
    return runs
