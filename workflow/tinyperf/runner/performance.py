"""Performance mode: throughput over timed windows, per MLPerf Tiny rules.

Five windows on five different inputs (the first five of y_labels.csv; ad uses each file's first window),
each ``infer N W`` at least 10 s between the DUT's two m-lap-us timestamps, N chosen automatically by a probe
so a window lasts at least the minimum and under the MLCommons runner's 30 s; throughput N/Δt per window,
median, latency = 1000 / median. Shorter or fewer windows make a result flagged non-compliant, never silently.
"""

from __future__ import annotations

import logging
import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinyperf import profiles
from tinyperf.datasets.evalset import EvalEntry, read_labels
from tinyperf.errors import ConfigError, DeviceError
from tinyperf.runner.client import DutClient

if TYPE_CHECKING:
    from tinyperf.cycles.dut import InferenceCycles

log = logging.getLogger(__name__)

MLPERF_MIN_WINDOW_S = 10.0
MLPERF_WINDOWS = 5
MAX_WINDOW_S = 30.0  # the MLCommons runner's per-line timeout during infer
PROBE_MIN_S = 0.05   # a probe shorter than this is too coarse to extrapolate from


@dataclass
class PerformanceOptions:
    min_window_s: float = MLPERF_MIN_WINDOW_S
    windows: int = MLPERF_WINDOWS
    iterations: int | None = None
    warmup: int | None = None


def choose_iterations(client: DutClient, min_window_s: float) -> tuple[int, float, float]:
    """Probe with growing N until the window is measurable; return N for a window of about 1.2x the minimum
    (never reaching 30 s when avoidable), the DUT seconds per inference, and the wall seconds per DUT second
    (QEMU's virtual clock runs at its own pace)."""
    n = 1
    while True:
        r = client.infer(n, 0, timeout=60.0)
        elapsed = r.elapsed_us / 1e6
        if elapsed >= PROBE_MIN_S or elapsed * 10 >= min_window_s or n >= 1 << 24:
            break
        n *= 10 if elapsed * 100 < PROBE_MIN_S else 2
    per_inf = max(elapsed, 1e-6) / n
    wall_ratio = r.wall_s / max(elapsed, 1e-6)
    target = min(min_window_s * 1.2, max(min_window_s, MAX_WINDOW_S * 0.9))
    chosen = max(1, math.ceil(target / per_inf))
    if chosen * per_inf >= MAX_WINDOW_S:
        chosen = max(1, math.floor((MAX_WINDOW_S * 0.95) / per_inf))
    log.info("probe: %d inferences in %.4f s -> N=%d", n, elapsed, chosen)
    return chosen, per_inf, wall_ratio


def window_input(task: str, data_dir: Path, i: int, entries: list[EvalEntry] | None = None) -> tuple[str, bytes]:
    """The input of window *i* (0-based): the evaluation files in y_labels.csv order (*entries*, read when not
    given), ad's first window of each."""
    entries = entries if entries is not None else read_labels(data_dir)
    window_bytes = profiles.task(task)["dut"].get("window_bytes")
    e = entries[i % len(entries)]
    raw = (data_dir / e.file).read_bytes()
    return e.file, raw[:window_bytes] if window_bytes else raw


def run_performance(client: DutClient, task: str, data_dir: Path, board: str,
                    opts: PerformanceOptions) -> dict[str, Any]:
    entries = read_labels(data_dir)
    dut_cfg = profiles.task(task)["dut"]
    warmup = opts.warmup if opts.warmup is not None else int(dut_cfg["performance"]["warmup"])
    instructions = profiles.board(board)["timing"] == "icount"
    reasons: list[str] = []
    if opts.windows < MLPERF_WINDOWS:
        reasons.append(f"{opts.windows} windows (MLPerf: {MLPERF_WINDOWS})")
    if opts.min_window_s < MLPERF_MIN_WINDOW_S:
        reasons.append(f"minimum window {opts.min_window_s:g} s (MLPerf: {MLPERF_MIN_WINDOW_S:g} s)")
    if len(entries) < opts.windows:
        reasons.append(f"only {len(entries)} distinct inputs for {opts.windows} windows")

    iterations = opts.iterations
    per_inf: float | None = None
    wall_ratio = 1.0
    if iterations is None:
        _, first = window_input(task, data_dir, 0, entries)
        client.load(first)
        iterations, per_inf, wall_ratio = choose_iterations(client, opts.min_window_s)
    if per_inf is not None:
        expected_wall = (iterations + warmup) * per_inf * wall_ratio
    else:  # N given by the user: the window length is unknown, be generous
        expected_wall = 4 * max(opts.min_window_s, MAX_WINDOW_S)
    timeout = max(MAX_WINDOW_S, 3 * expected_wall + 10)
    windows: list[dict[str, Any]] = []
    for i in range(opts.windows):
        name, data = window_input(task, data_dir, i, entries)
        client.load(data)
        r = client.infer(iterations, warmup, timeout=timeout)
        elapsed_s = r.elapsed_us / 1e6
        if r.elapsed_us == 0:
            raise DeviceError(f"window {i + 1}: the DUT's two m-lap-us timestamps are equal; its timer is not running")
        w: dict[str, Any] = {
            "window": i + 1, "file": name, "iterations": iterations, "warmup": warmup,
            "start_us": r.start_us, "end_us": r.end_us, "elapsed_us": r.elapsed_us,
            "runtime_s": elapsed_s, "throughput": iterations / elapsed_s,
            "meets_minimum": elapsed_s >= opts.min_window_s, "results": r.results,
        }
        if instructions:
            w["instructions_per_inference"] = r.elapsed_us * 1000 / iterations
        windows.append(w)
    short = [w["window"] for w in windows if w["runtime_s"] < MLPERF_MIN_WINDOW_S]
    if short and opts.min_window_s >= MLPERF_MIN_WINDOW_S:
        reasons.append(f"window(s) {short} ran under {MLPERF_MIN_WINDOW_S:g} s")
    below = [w["window"] for w in windows if not w["meets_minimum"]]
    if below and opts.min_window_s < MLPERF_MIN_WINDOW_S:
        reasons.append(f"window(s) {below} ran under the configured {opts.min_window_s:g} s")
    median = statistics.median(w["throughput"] for w in windows)
    result: dict[str, Any] = {
        "mode": "performance",
        "windows": windows,
        "throughput_per_window": [w["throughput"] for w in windows],
        "median_throughput": median,
        "latency_ms": 1000.0 / median,
        "min_window_s": opts.min_window_s,
        "compliant": not reasons,
        "noncompliance": reasons,
    }
    if instructions:
        result["instructions_per_inference"] = statistics.median(w["instructions_per_inference"] for w in windows)
        result["latency_note"] = ("qemu_m4 virtual time under -icount shift=0: 1 us = 1000 instructions; "
                                  "throughput is per virtual second, not a Cortex-M4 measurement")
    return result


def as_estimate(result: dict[str, Any], board: str, counted: InferenceCycles | None = None) -> dict[str, Any]:
    """A qemu_m4 performance result restated for a Cortex-M4 *board* that was not attached: a range at the
    board's clock, both ends labelled.

    The lower bound is the exact instruction count (-icount) at one instruction per cycle. The modelled figure
    (*counted*, from tinyperf.cycles.dut) applies the Cortex-M4 TRM timings to the executed instruction stream,
    plus the board profile's flash fetch model (cycle_model.flash). Neither is a measurement: an estimate
    everywhere, and never a compliant MLPerf result.
    """
    prof = profiles.board(board)
    if prof.get("estimate_from") != "qemu_m4" or not prof.get("clock_hz"):
        raise ConfigError(f"board {board} has no qemu_m4 estimate (estimate_from: qemu_m4 and clock_hz in its profile)")
    ipi = result.get("instructions_per_inference")
    if not ipi:
        raise DeviceError("the qemu_m4 run reported no instruction count; cannot estimate")
    clock = int(prof["clock_hz"])
    lower_ms = ipi / clock * 1000.0
    reason = f"estimated from qemu_m4 instruction counts at {clock / 1e6:g} MHz, not measured on a {board}"
    out: dict[str, Any] = {
        **result,
        "latency_kind": "estimated",
        "estimated_from": "qemu_m4",
        "clock_hz": clock,
        "qemu_latency_ms": result["latency_ms"],
        "latency_ms_1ipc": lower_ms,
        "latency_ms": lower_ms,
        "compliant": False,
        "noncompliance": [*result.get("noncompliance", []), reason],
        "latency_note": "one instruction per cycle at the board's clock: a lower bound on the real latency",
    }
    if counted is not None:
        modelled_ms = counted.cycles / clock * 1000.0
        out.update({
            "latency_ms": modelled_ms,
            "latency_ms_modelled": modelled_ms,
            "latency_range_ms": [lower_ms, modelled_ms],
            "cycles_per_inference": counted.cycles,
            "core_cycles_per_inference": counted.core_cycles,
            "fetch_cycles_per_inference": counted.fetch_cycles,
            "cycles_per_instruction": counted.cycles_per_instruction,
            "modelled_instructions_per_inference": counted.instructions,
            "cycles_by_kind": counted.by_kind,
            "cycle_model": cycle_model_label(counted),
            "latency_note": ("modelled Cortex-M4 cycles (TRM timings and the profile's flash fetch model) at the "
                             "board's clock; the 1-IPC figure is the lower bound"),
        })
    out["median_throughput"] = 1000.0 / out["latency_ms"]
    return out


def cycle_model_label(counted: InferenceCycles) -> str:
    f = counted.fetch
    if not f.wait_states:
        flash = "zero flash wait states"
    else:
        flash = (f"{f.wait_states} flash wait state(s) per {f.line_bytes}-byte line, "
                 f"prefetch {'on' if f.prefetch else 'off'}, cache {f.cache_bytes} bytes")
    return f"Cortex-M4 TRM timings, {flash} ({f.source})"


def performance_lines(result: dict[str, Any]) -> list[str]:
    """results.txt lines as the runners print them."""
    out = []
    for w in result["windows"]:
        out += [
            f"Performance results for window {w['window']}:",
            f"  # Inferences : {w['iterations']:12d}",
            f"  Runtime      : {w['runtime_s']:12.3f} sec.",
            f"  Throughput   : {w['throughput']:12.3f} inf./sec.",
            "Runtime requirements have been met." if w["meets_minimum"] and w["runtime_s"] >= MLPERF_MIN_WINDOW_S
            else "Runtime requirements have NOT been met.",
        ]
    if result.get("latency_kind") == "estimated":
        # The windows above are qemu_m4's virtual time; the board's figure is derived, not measured.
        out.append(f"ESTIMATE for {result['clock_hz'] / 1e6:g} MHz, lower bound at 1 IPC from "
                   f"{result['instructions_per_inference']:.0f} instructions per inference: "
                   f"{result['latency_ms_1ipc']:.3f} ms")
        if "cycles_per_inference" in result:
            out.append(f"ESTIMATE for {result['clock_hz'] / 1e6:g} MHz, modelled from {result['cycles_per_inference']} "
                       f"cycles per inference: {result['latency_ms_modelled']:.3f} ms ({result['cycle_model']})")
    out.append(f"Median throughput is {result['median_throughput']:10.3f} inf./sec.")
    if "instructions_per_inference" in result:
        out.append(f"Instructions per inference is {result['instructions_per_inference']:.0f}")
    if not result["compliant"]:
        out.append("NOT COMPLIANT: " + "; ".join(result["noncompliance"]))
    return out
