"""Fit a board's flash wait states from timed runs on the board itself.

Each timed run is a performance result measured on the board over the MLPerf Tiny protocol (`tinyperf run
--board B --port ...`) next to the same code built for qemu_m4 (the run directory's estimate_firmware/). The model
says cycles = core + wait_states x stalls, core and stalls counted on qemu_m4 at the profile's fetch geometry
(line, prefetch, cache), so the least-squares wait states over the runs is sum(s (m - c)) / sum(s^2). Runs with
different code footprints and branch densities (the tasks' models) tell the stalls from the core apart; the fit
reports each run's residual so a poor model shows itself. The result is an overlay on the board profile,
config/calibration/<board>.yaml, which profiles.board merges.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from tinyperf import profiles
from tinyperf.cycles.model import FetchModel
from tinyperf.errors import ConfigError
from tinyperf.fsutil import write_text


@dataclass(frozen=True)
class TimedRun:
    name: str
    measured_cycles: float   # the board's latency x its clock
    core_cycles: int         # the same inference on qemu_m4, zero wait states
    stalls: int              # its stalling flash line fetches at the profile's geometry


@dataclass(frozen=True)
class Fit:
    wait_states: int         # rounded: the model charges whole cycles
    exact: float             # the least-squares value before rounding
    residuals: list[float]   # per run: (modelled - measured) / measured at the rounded value

    @property
    def worst(self) -> float:
        return max((abs(r) for r in self.residuals), default=0.0)


def fit(runs: list[TimedRun]) -> Fit:
    if not runs:
        raise ConfigError("calibration needs at least one timed run")
    ss = sum(r.stalls * r.stalls for r in runs)
    if ss == 0:
        raise ConfigError("none of the timed runs fetches from flash in the model (no stalls): the code runs from "
                          "RAM or the cache holds it all, so the runs cannot tell the wait states")
    exact = sum(r.stalls * (r.measured_cycles - r.core_cycles) for r in runs) / ss
    if exact < -0.5:
        slowest = min(runs, key=lambda r: r.measured_cycles / r.core_cycles)
        raise ConfigError(f"the board ran faster than the zero-wait-state model ({slowest.name}: "
                          f"{slowest.measured_cycles:.0f} measured vs {slowest.core_cycles} modelled cycles): "
                          "check the profile's clock_hz, and that the timed runs are of the same code")
    ws = max(0, round(exact))
    residuals = [(r.core_cycles + ws * r.stalls - r.measured_cycles) / r.measured_cycles for r in runs]
    return Fit(ws, exact, residuals)


def timed_run(run_dir: Path, board: str, fetch: FetchModel, data: Path | None = None) -> TimedRun:
    """A run directory of the workflow layout: performance/results.json measured on *board*, and
    estimate_firmware/firmware.elf (the same code for qemu_m4) to count."""
    from tinyperf.cycles.dut import count_inference
    from tinyperf.runner.performance import window_input

    results = run_dir / "performance" / "results.json"
    elf = run_dir / "estimate_firmware" / "firmware.elf"
    for need, how in ((results, f"measure it: tinyperf run --board {board} --port PORT --mode performance"),
                      (elf, f"build it: tinyperf build --board qemu_m4 --cflags-of {board}")):
        if not need.exists():
            raise ConfigError(f"{need}: missing; {how}")
    res: dict[str, Any] = json.loads(results.read_text())
    if res.get("board") != board or res.get("latency_kind") == "estimated":
        raise ConfigError(f"{results}: not a measurement on a {board} (board {res.get('board')!r}, "
                          f"latency {res.get('latency_kind') or 'measured'}); calibration needs the board's timing")
    clock = profiles.board(board)["clock_hz"]
    eval_dir = data or Path(str(res.get("data")))
    _, inp = window_input(str(res["task"]), eval_dir, 0)
    one = replace(fetch, wait_states=1)
    counted = count_inference(elf, inp, one)
    return TimedRun(str(run_dir), float(res["latency_ms"]) * clock / 1000.0, counted.core_cycles,
                    counted.fetch_cycles)


def calibration_path(board: str) -> Path:
    return profiles.CONFIG_DIR / "calibration" / f"{board}.yaml"


def write_calibration(board: str, fetch: FetchModel, result: Fit, runs: list[TimedRun],
                      path: Path | None = None) -> Path:
    """The fitted wait states as an overlay on *board*'s profile (merged by profiles.board)."""
    path = path or calibration_path(board)
    day = datetime.date.today().isoformat()
    source = (f"calibrated {day} from {len(runs)} timed run(s), worst residual {100 * result.worst:.1f}% "
              f"(least squares {result.exact:.2f})")
    overlay = {"cycle_model": {"flash": {"wait_states": result.wait_states, "line_bytes": fetch.line_bytes,
                                         "prefetch": fetch.prefetch, "cache_bytes": fetch.cache_bytes,
                                         "source": source}}}
    head = (f"# written by `tinyperf calibrate --board {board}`: the flash fetch model fitted to runs on the board\n"
            + "".join(f"#   {r.name}: {r.measured_cycles:.0f} cycles measured, {r.core_cycles} core + "
                      f"{r.stalls} stalls modelled\n" for r in runs))
    write_text(path, head + yaml.safe_dump(overlay, sort_keys=False))
    return path


def describe(runs: list[TimedRun], result: Fit) -> list[str]:
    lines = [f"{'run':60s} {'measured':>12s} {'core':>12s} {'stalls':>10s} {'residual':>9s}"]
    for r, res in zip(runs, result.residuals, strict=True):
        lines.append(f"{r.name[-60:]:60s} {r.measured_cycles:12.0f} {r.core_cycles:12d} {r.stalls:10d} "
                     f"{100 * res:8.2f}%")
    lines.append(f"wait states: {result.wait_states} (least squares {result.exact:.3f}; worst residual "
                 f"{100 * result.worst:.2f}%)")
    return lines
