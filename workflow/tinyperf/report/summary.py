"""summary.csv: one row per task x board x engine x model source, everything a reader compares, with provenance.

Values are as the stages reported them: accuracy as a fraction (top-1) or an AUC, latency in ms with
``latency_kind`` saying whether it was measured on the device or estimated, memory in bytes against the
board's limits (empty where the board has none: host, qemu_m4 has generous ones).
"""

from __future__ import annotations

import json
import logging
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from tinyperf import fsutil, profiles
from tinyperf.report import provenance
from tinyperf.report.collect import Run, dig, latency, load_run

log = logging.getLogger(__name__)

#: `tinyperf bench` on qemu_m4, for the runs of Cortex-M4 boards: our figures, TFLM + CMSIS-NN's (the reference
#: model's, when this model is that file or has its architecture) and the ratios.
BENCH_KEYS = {
    "bench_target": "target", "bench_instructions": "instructions",
    "bench_instructions_per_mac": "instructions_per_mac",
    "bench_arena_bytes": "arena_bytes", "bench_flash_bytes": "flash_bytes", "bench_bit_exact_tflm": "bit_exact_tflm",
    "tflm_baseline": "baseline", "tflm_baseline_match": "baseline_match", "tflm_source": "tflm_source",
    "tflm_instructions": "tflm_instructions",
    "bench_instructions_ratio": "instructions_ratio", "tflm_arena_bytes": "tflm_arena_bytes",
    "bench_arena_ratio": "arena_ratio", "tflm_flash_bytes": "tflm_flash_bytes", "bench_flash_ratio": "flash_ratio",
}  # fmt: skip
BENCH_COLUMNS = list(BENCH_KEYS)

COLUMNS = [
    "task", "mlperf_model", "board", "engine", "engine_sources", "model_source", "data", "division", "device_run",
    "latency_ms", "latency_kind", "latency_source", "throughput_inf_s", "instructions_per_inference",
    "latency_ms_1ipc", "cycles_per_inference", "cycle_model",
    "perf_windows", "perf_min_window_s", "perf_compliant",
    *BENCH_COLUMNS,
    "metric", "float_value", "int8_value", "device_value", "quality_target", "meets_target",
    "published_value", "published_source", "reproduced",
    "eval_set", "eval_set_official", "eval_files", "eval_files_official", "eval_complete", "compliant",
    "macs", "weight_bytes", "arena_bytes", "params",
    "flash_used_bytes", "flash_limit_bytes", "flash_used_pct", "ram_used_bytes", "ram_limit_bytes",
    "ram_used_pct", "fits_board",
    "train_epochs", "train_seconds", "quantization_method",
    "tinyperf_version", "tensorflow_version", "compiler_version", "versions", "git_commit", "config_hash",
]

#: Columns every row must fill: a run without them is not a result. The others are empty where they do not
#: apply (no float model for a user's own int8 model, no instruction count off qemu, no limits on host).
REQUIRED = [
    "task", "mlperf_model", "board", "engine", "model_source", "division", "latency_ms", "latency_kind",
    "throughput_inf_s", "metric", "int8_value", "device_value", "quality_target", "meets_target",
    "eval_files", "eval_complete", "perf_compliant", "compliant", "macs", "weight_bytes", "arena_bytes",
    "flash_used_bytes", "ram_used_bytes", "tinyperf_version", "git_commit", "config_hash",
]
#: Required only of a run that reached the device: a board without hardware has an estimated latency only.
DEVICE_COLUMNS = ["device_value", "meets_target", "eval_files", "eval_complete", "compliant"]
#: What only a model tinyperf built knows: a prebuilt image (firmware=PATH) comes without them.
BUILT_COLUMNS = ["macs", "weight_bytes", "arena_bytes"]


#: model sources of the closed division: the official int8 model, or the official fp32 weights + PTQ
CLOSED_SOURCES = ("reference", "reference-ptq")


def division(model_source: str, official_eval_set: bool = True) -> str:
    """MLPerf Tiny's closed division: the official model (int8 as shipped, or the fp32 weights + PTQ with the
    calibration set), measured on the official evaluation set."""
    return "closed" if model_source in CLOSED_SOURCES and official_eval_set else "open"


def published(task: str) -> dict[str, str] | None:
    """The task profile's published reference result ({printed, source}), or None where none is published."""
    return profiles.task(task)["evaluation"].get("published")


def as_printed(value: float | None, metric: str, printed: str) -> str | None:
    """*value* (a fraction for top-1, an AUC) written as the published figure is: top-1 in percent, with as many
    decimals as the printed figure has."""
    if value is None:
        return None
    decimals = len(printed.split(".", 1)[1]) if "." in printed else 0
    shown = float(value) * 100.0 if metric == "top1" else float(value)
    return f"{shown:.{decimals}f}"


def reproduced(value: float | None, metric: str, pub: dict[str, str] | None, official_eval_set: bool) -> bool | None:
    """True when our figure, printed to the published figure's digits, is the published figure; None where the
    comparison means nothing (no published figure, no device value, or not the official evaluation set)."""
    if pub is None or value is None or not official_eval_set:
        return None
    return as_printed(value, metric, pub["printed"]) == pub["printed"]


def window_seconds(perf: dict[str, Any] | None) -> list[float]:
    windows = dig(perf, "windows") or []
    out = []
    for w in windows:
        s = dig(w, "runtime_s", "seconds", "elapsed_s", "runtime") if isinstance(w, dict) else None
        if s is None and isinstance(w, dict) and dig(w, "elapsed_us") is not None:
            s = float(dig(w, "elapsed_us")) / 1e6
        if s is not None:
            out.append(float(s))
    return out


def median_throughput(perf: dict[str, Any] | None, latency_ms: float | None) -> float | None:
    value = dig(perf, "median_throughput", "throughput_median", "throughput.median", "median")
    if isinstance(value, (int, float)):
        return float(value)
    per_window = dig(perf, "throughput")
    if isinstance(per_window, list) and per_window:
        return float(statistics.median(float(x) for x in per_window))
    rates = [dig(w, "throughput") for w in (dig(perf, "windows") or []) if isinstance(w, dict)]
    rates = [float(r) for r in rates if isinstance(r, (int, float))]
    if rates:
        return float(statistics.median(rates))
    return 1000.0 / latency_ms if latency_ms else None


def _pct(used: Any, limit: Any) -> float | None:
    if used is None or not limit:
        return None
    return round(100.0 * float(used) / float(limit), 2)


def row(run: Run, git_commit: str, config_hash: str) -> dict[str, Any]:
    task_prof = profiles.task(run.task)
    lat = latency(run)
    metric = run.metric
    target = float(dig(run.host, "quality_target") or task_prof["evaluation"]["quality_target"])
    device_value = run.device_value()
    official = int(dig(run.host, "official_files") or task_prof["evaluation"]["files"])
    eval_files = dig(run.accuracy, "files")
    if eval_files is None and dig(run.accuracy, "predictions") is not None:
        eval_files = len(run.accuracy["predictions"])  # type: ignore[index]
    # The runner's own "compliant" only says whether every file it was given ran; the official count decides.
    eval_complete = dig(run.accuracy, "complete")
    if eval_complete is None and eval_files is not None:
        eval_complete = int(eval_files) >= official
    perf_compliant = dig(run.performance, "compliant")
    if perf_compliant is None and lat.kind == "estimated" and run.performance is None:
        perf_compliant = False  # no performance run happened on the board
    windows = window_seconds(run.performance)
    flash_used, flash_limit = dig(run.memory, "flash.used_bytes"), dig(run.memory, "flash.limit_bytes")
    ram_used, ram_limit = dig(run.memory, "ram.used_bytes"), dig(run.memory, "ram.limit_bytes")
    fits = None
    if flash_used is not None and ram_used is not None:
        fits = (not flash_limit or flash_used <= flash_limit) and (not ram_limit or ram_used <= ram_limit)
    official_set = bool(dig(run.meta, "official_eval_set"))
    pub = published(run.task)
    versions = provenance.package_versions()
    for source in (dig(run.train, "versions"), dig(run.quantize, "versions")):
        versions.update(source or {})
    compiler = provenance.compiler_version(run.board)
    if compiler:
        versions["compiler"] = compiler
    return {
        "task": run.task,
        "mlperf_model": task_prof["mlperf_model"],
        "board": run.board,
        "engine": run.engine,
        "engine_sources": _engine_sources(run),
        "model_source": run.model,
        "data": run.data,
        "division": division(run.model, official_set),
        "device_run": run.performance is not None or run.accuracy is not None,
        "latency_ms": lat.ms,
        "latency_kind": lat.kind,
        "latency_source": lat.source,
        "throughput_inf_s": median_throughput(run.performance, lat.ms),
        "instructions_per_inference": lat.instructions,
        "latency_ms_1ipc": dig(run.performance, "latency_ms_1ipc"),
        "cycles_per_inference": dig(run.performance, "cycles_per_inference"),
        "cycle_model": dig(run.performance, "cycle_model"),
        "perf_windows": len(windows) if windows else dig(run.performance, "n_windows"),
        "perf_min_window_s": min(windows) if windows else None,
        "perf_compliant": perf_compliant,
        **{col: dig(run.bench, key) for col, key in BENCH_KEYS.items()},
        "metric": metric,
        "float_value": dig(run.host, f"float.{metric}"),
        "int8_value": dig(run.host, f"int8.{metric}"),
        "device_value": device_value,
        "quality_target": target,
        "meets_target": None if device_value is None else bool(float(device_value) >= target),
        # the published figure in our units (top-1 as a fraction), as printed in its source
        "published_value": (None if pub is None else
                            round(float(pub["printed"]) / (100.0 if metric == "top1" else 1.0), 6)),
        "published_source": None if pub is None else pub["source"],
        "reproduced": reproduced(device_value, metric, pub, official_set),
        "eval_set": dig(run.meta, "evaluation_set") or task_prof["evaluation"]["set"],
        "eval_set_official": official_set,
        "eval_files": eval_files,
        "eval_files_official": official,
        "eval_complete": eval_complete,
        "compliant": (None if perf_compliant is None or eval_complete is None
                      else bool(perf_compliant and eval_complete)),
        "macs": dig(run.compiled, "macs"),
        "weight_bytes": dig(run.compiled, "weight_bytes"),
        # what the firmware was built with (a TFLM arena sized for the board), else what codegen planned
        "arena_bytes": dig(run.memory, "arena_bytes") or dig(run.compiled, "arena_bytes"),
        "params": dig(run.train, "params"),
        "flash_used_bytes": flash_used,
        "flash_limit_bytes": flash_limit,
        "flash_used_pct": _pct(flash_used, flash_limit),
        "ram_used_bytes": ram_used,
        "ram_limit_bytes": ram_limit,
        "ram_used_pct": _pct(ram_used, ram_limit),
        "fits_board": fits,
        "train_epochs": dig(run.train, "epochs"),
        "train_seconds": dig(run.train, "seconds"),
        "quantization_method": dig(run.quantize, "method"),
        "tinyperf_version": versions["tinyperf"],
        "tensorflow_version": versions.get("tensorflow"),
        "compiler_version": compiler,
        "versions": json.dumps(versions, sort_keys=True),
        "git_commit": git_commit,
        "config_hash": config_hash,
    }


def _engine_sources(run: Run) -> str | None:
    """What the engine was built from: the pinned commits of a TFLM engine, "prebuilt" for a user's image."""
    if run.prebuilt:
        return "prebuilt: " + str(dig(run.memory, "prebuilt.sha256"))[:16]
    pins = dig(run.memory, "library.sources")
    return " ".join(f"{k}@{str(v)[:12]}" for k, v in pins.items()) if isinstance(pins, dict) else None


def build(run_dirs: Iterable[str | Path], config_hash: str, git_commit: str | None = None,
          scenario_dirs: Iterable[str | Path] = ()) -> pd.DataFrame:
    """One row per run; with *scenario_dirs*, a row per multi-DNN scenario x board after them (tinyperf
    scenario), whose own columns follow the task columns."""
    runs = [load_run(d) for d in run_dirs]
    commit = git_commit or provenance.git_commit()
    rows = [row(r, commit, config_hash) for r in runs]
    columns = COLUMNS
    scenario_dirs = list(scenario_dirs)
    if scenario_dirs:
        from tinyperf.scenario import report as scenario_report

        pkg = provenance.package_versions()
        extra = {"git_commit": commit, "config_hash": config_hash, "versions": json.dumps(pkg, sort_keys=True),
                 "tinyperf_version": pkg.get("tinyperf")}
        rows += [{**scenario_report.row(d), **extra} for d in scenario_dirs]
        columns = COLUMNS + scenario_report.COLUMNS
    df = pd.DataFrame(rows, columns=columns)
    # Nullable dtypes keep integers integral and booleans boolean when some rows have no value.
    return df.convert_dtypes()


def missing_required(df: pd.DataFrame) -> dict[str, list[str]]:
    """``{"<task>/<board>/<engine>/<model>": [empty required columns]}`` for every incomplete row."""
    out: dict[str, list[str]] = {}
    for _, r in df.iterrows():
        if "scenario" in df.columns and not pd.isna(r["scenario"]):
            continue  # a scenario row has its own columns; an unfit or missed one is a result, not a gap
        required = REQUIRED if r.get("device_run") is True else [c for c in REQUIRED if c not in DEVICE_COLUMNS]
        sources = r.get("engine_sources")
        if not pd.isna(sources) and str(sources).startswith("prebuilt"):
            required = [c for c in required if c not in BUILT_COLUMNS]
        empty = [c for c in required if c not in df.columns or pd.isna(r[c])]
        if empty:
            out[f"{r['task']}/{r['board']}/{r['engine']}/{r['model_source']}"] = empty
    return out


def write(df: pd.DataFrame, out: str | Path) -> None:
    with fsutil.atomic_path(out) as tmp:
        df.to_csv(tmp, index=False)
    for key, cols in missing_required(df).items():
        log.warning("%s: no value for %s (the stage that writes it did not run or failed)", key, ", ".join(cols))


def read(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path).convert_dtypes()
