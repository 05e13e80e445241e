"""Read what the stages wrote for one run (task x board x engine x model source) into one record.

A run directory is ``results/<data>/<task>/<model>/<engine>/<board>``; its parents hold the model's artifacts
(``quantize.json``, ``accuracy_host.json``, ``codegen/<target>/model.json``) and the task's
(``data/meta.json``, ``train/{history,train}.json``). A missing file is None, so a report can be made of a
partial run; a malformed one is an error naming the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinyperf import profiles
from tinyperf.errors import TinyperfError

#: Latency kinds. A measured latency comes only from a timer of the device itself (a real board, or the host
#: process); qemu_m4's virtual time and a Cortex-M4 board's latency derived from qemu_m4 instruction counts
#: at its clock are estimates.
MEASURED, ESTIMATED = "measured", "estimated"


def read_json(path: Path) -> Any:
    """The parsed file, or None when it does not exist."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TinyperfError(f"{path}: not valid JSON ({exc}); rerun the step that writes it") from exc


def dig(obj: Any, *paths: str) -> Any:
    """The first present value among dotted *paths* (``"throughput.median"``) in nested dicts, else None."""
    for dotted in paths:
        cur = obj
        for key in dotted.split("."):
            if not isinstance(cur, dict) or key not in cur:
                cur = None
                break
            cur = cur[key]
        if cur is not None:
            return cur
    return None


@dataclass
class Run:
    """Everything one run's stages wrote; any part may be None."""

    run_dir: Path
    data: str
    task: str
    model: str
    board: str
    engine: str = "tinyperf"
    meta: dict[str, Any] | None = None
    history: dict[str, list[float]] | None = None
    train: dict[str, Any] | None = None
    quantize: dict[str, Any] | None = None
    host: dict[str, Any] | None = None
    compiled: dict[str, Any] | None = None
    memory: dict[str, Any] | None = None
    performance: dict[str, Any] | None = None
    estimate: dict[str, Any] | None = None  # the qemu_m4 estimate of a board that was not attached
    accuracy: dict[str, Any] | None = None
    estimate_source: dict[str, Any] | None = None  # qemu_m4's performance results, for an estimated latency
    bench: dict[str, Any] | None = None  # `tinyperf bench` of a Cortex-M4 board's code: one model's row
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def model_dir(self) -> Path:
        return self.run_dir.parent.parent

    @property
    def task_dir(self) -> Path:
        return self.model_dir.parent

    @property
    def prebuilt(self) -> bool:
        """Firmware built elsewhere (firmware=PATH): no model directory of ours behind it."""
        return dig(self.memory, "prebuilt") is not None

    @property
    def metric(self) -> str:
        return str(dig(self.host, "metric") or dig(self.accuracy, "metric")
                   or profiles.task(self.task)["evaluation"]["metric"])

    def device_value(self) -> float | None:
        """The device's top-1 (fraction) or AUC, from the runner's accuracy results.json."""
        if self.metric == "auc":
            value = dig(self.accuracy, "auc")
        else:
            value = dig(self.accuracy, "top1", "accuracy")
            if value is None and dig(self.accuracy, "top1_percent") is not None:
                value = float(self.accuracy["top1_percent"]) / 100.0  # type: ignore[index]
        return None if value is None else float(value)

    def labels(self) -> dict[str, int]:
        """Ground truth per evaluation file: the device run's if it kept them, else the host evaluation's."""
        records = dig(self.accuracy, "predictions")
        if isinstance(records, list) and records and "label" in records[0]:
            return {str(r["file"]): int(r["label"]) for r in records}
        found = dig(self.accuracy, "labels") or dig(self.host, "int8.labels") or dig(self.host, "float.labels")
        return {str(k): int(v) for k, v in (found or {}).items()}

    def predictions(self, stage: str) -> dict[str, float]:
        """Per-file class index (classifiers) or anomaly score (ad) of ``float``, ``int8`` or ``device``.

        The host evaluation writes ``{file: value}``; the runner a list of ``{file, label, prediction|score}``.
        """
        found = dig(self.accuracy, "predictions") if stage == "device" else dig(self.host, f"{stage}.predictions")
        if isinstance(found, list):
            key = "score" if self.task == "ad" else "prediction"
            return {str(r["file"]): float(r[key]) for r in found if r.get(key) is not None}
        return {str(k): float(v) for k, v in (found or {}).items()}


RUN_LAYOUT = "results/<data>/<task>/<model>/<engine>/<board>"


def split_run_dir(run_dir: Path) -> tuple[str, str, str, str, str]:
    """(data, task, model, engine, board) from ``.../<data>/<task>/<model>/<engine>/<board>``."""
    parts = run_dir.resolve().parts if len(run_dir.parts) < 5 else run_dir.parts
    if len(parts) < 5:
        raise TinyperfError(f"{run_dir}: not a run directory (expected {RUN_LAYOUT})")
    data, task, model, engine, board = parts[-5:]
    if task not in profiles.TASKS or board not in profiles.BOARDS:
        raise TinyperfError(
            f"{run_dir}: not a run directory: expected {RUN_LAYOUT} with task one of "
            f"{', '.join(profiles.TASKS)} and board one of {', '.join(profiles.BOARDS)}")
    return data, task, model, engine, board


def load_run(run_dir: str | Path) -> Run:
    run_dir = Path(run_dir)
    data, task, model, engine, board = split_run_dir(run_dir)
    run = Run(run_dir=run_dir, data=data, task=task, model=model, board=board, engine=engine)
    paths = {
        # ic2 reads ic's data (its profile's data_task)
        "meta": run.task_dir.parent / profiles.data_task(task) / "data" / "meta.json",
        "history": run.task_dir / "train" / "history.json",
        "train": run.task_dir / "train" / "train.json",
        "quantize": run.model_dir / "quantize.json",
        "host": run.model_dir / "accuracy_host.json",
        "memory": run_dir / "firmware" / "memory.json",
        "performance": run_dir / "performance" / "results.json",
        "estimate": run_dir / "estimate" / "results.json",
        "accuracy": run_dir / "accuracy" / "results.json",
    }
    if model != "train":
        # Only a model trained here has a training history; the reference and a user's model do not.
        del paths["history"], paths["train"]
    for name, path in paths.items():
        setattr(run, name, read_json(path))
        if getattr(run, name) is not None:
            run.files[name] = path
    # The generated model this board's firmware was built from, as its memory.json records it (the target
    # follows the board's architecture unless codegen.target overrode it: never guessed here).
    # Read beside the run (a results tree may have been moved or copied); no target recorded, nothing read.
    target = dig(run.memory, "target")
    if target:
        path = run.model_dir / "codegen" / str(target) / "model.json"
        run.compiled = read_json(path)
        if run.compiled is not None:
            run.files["compiled"] = path
    if profiles.board(board)["arch"] == "cortex-m4" and engine == "tinyperf":
        bench_path = run.model_dir / "bench" / f"{target}.json"
        bench_path = bench_path if target and bench_path.exists() else None
        models = dig(read_json(bench_path), "models") if bench_path else None
        if bench_path and isinstance(models, list) and models:
            run.bench = models[0]
            run.files["bench"] = bench_path
    if run.performance is None and run.estimate is not None:
        # No board attached: the estimate run (same code and flags on qemu_m4) stands for the performance run.
        run.performance = run.estimate
    source = profiles.board(board).get("estimate_from")
    if source and not dig(run.performance, "latency_ms"):
        path = run.run_dir.parent / source / "performance" / "results.json"
        run.estimate_source = read_json(path)
        if run.estimate_source is not None:
            run.files["estimate_source"] = path
    return run


@dataclass(frozen=True)
class Latency:
    ms: float | None
    kind: str | None  # MEASURED | ESTIMATED
    source: str
    instructions: float | None


def latency(run: Run) -> Latency:
    """The run's latency and whether it was measured or estimated, with where it came from."""
    prof = profiles.board(run.board)
    perf = run.performance
    instructions = dig(perf, "instructions_per_inference")
    ms = dig(perf, "latency_ms")
    if ms is not None:
        kind = dig(perf, "latency_kind")
        if kind is None:
            kind = ESTIMATED if prof.get("timing") == "icount" else MEASURED
        source = "runner" if kind == MEASURED else "runner (virtual time)"
        if kind == ESTIMATED and dig(perf, "estimated_from"):
            source = f"estimated from {dig(perf, 'estimated_from')}"
            if dig(perf, "cycles_per_inference"):
                source += " (modelled Cortex-M4 cycles)"
        return Latency(float(ms), str(kind), source, None if instructions is None else float(instructions))
    instructions = dig(run.estimate_source, "instructions_per_inference")
    clock = prof.get("clock_hz")
    if instructions is not None and clock:
        # One instruction per cycle: the Cortex-M4 retires most integer instructions in one cycle; loads,
        # branches and multiply-accumulates with stalls make the real figure somewhat slower.
        ms = float(instructions) / float(clock) * 1000.0
        source = f"{prof['estimate_from']} instructions at {clock / 1e6:g} MHz"
        return Latency(ms, ESTIMATED, source, float(instructions))
    return Latency(None, None, "absent", None)
