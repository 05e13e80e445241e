"""Scenario mode of the runner: per period, load each due model's next input, `scenario run P`, and turn the
DUT's timestamps into per-model latency, end-to-end latency and deadline hits.

All times are the DUT's own (m-lap-us and m-scenario-run lines): host's monotonic clock, qemu_m4's virtual
time under -icount (instructions / 1000, so an estimate as for single-model runs).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinyperf import profiles
from tinyperf.datasets.evalset import EvalEntry, read_labels
from tinyperf.errors import DeviceError
from tinyperf.runner.client import LAP_RE, RESULTS_RE, DutClient, parse_results
from tinyperf.scenario.spec import Scenario

RUN_RE = re.compile(r"^m-scenario-run-\[([a-z0-9_]+)\]-(\d+)-(\d+)$")
SKIP_RE = re.compile(r"^m-scenario-skip-\[([a-z0-9_]+)\]$")
RESULTS_OF_RE = re.compile(r"^m-scenario-results-\[([a-z0-9_]+)\]$")
OUTPUT_RE = re.compile(r"^m-scenario-output-\[([a-z0-9_]+)\]-([0-9a-f]*)$")
WRAP = 1 << 32
#: reply timeout of one period: every model once, on the slowest transport (QEMU's virtual time is slow)
PERIOD_TIMEOUT_S = 120.0


@dataclass
class Stream:
    """A model's input stream: the task's evaluation files in y_labels.csv order, from the model's offset."""

    data_dir: Path
    entries: list[EvalEntry]
    window_bytes: int | None

    def item(self, k: int) -> tuple[str, bytes]:
        e = self.entries[k % len(self.entries)]
        raw = (self.data_dir / e.file).read_bytes()
        return e.file, raw[: self.window_bytes] if self.window_bytes else raw


def streams(sc: Scenario, data_dirs: dict[str, Path]) -> dict[str, Stream]:
    out = {}
    for m in sc.models:
        if m.task not in data_dirs:
            raise DeviceError(f"scenario {sc.name}: no evaluation data for task {m.task} (model {m.id}); pass "
                              f"--data {m.task}=DIR")
        d = Path(data_dirs[m.task])
        out[m.id] = Stream(d, read_labels(d), profiles.task(m.task)["dut"].get("window_bytes"))
    return out


def check_identity(client: DutClient, sc: Scenario) -> dict[str, Any]:
    """`scenario`: the firmware must run this scenario's models (a stale or single-model image is refused)."""
    try:
        lines = client.command("scenario")
    except DeviceError as exc:
        raise DeviceError(f"the DUT does not speak the scenario command ({exc}); build it with "
                          "`tinyperf scenario build`") from exc
    info: dict[str, Any] = {}
    for line in lines:
        m = re.match(r"^m-scenario-(kind-|schedule-|models-)?\[([^]]*)\]$", line)
        if m:
            info[(m.group(1) or "name-").rstrip("-")] = m.group(2)
        m = re.match(r"^m-scenario-arena-(\d+)$", line)
        if m:
            info["arena_bytes"] = int(m.group(1))
    expected = {"name": sc.name, "kind": sc.kind, "schedule": sc.schedule, "models": ",".join(x.id for x in sc.models)}
    wrong = {k: (info.get(k), v) for k, v in expected.items() if info.get(k) != v}
    if wrong:
        raise DeviceError(f"the DUT's scenario differs from {sc.name}: "
                          + ", ".join(f"{k} is {got!r}, expected {want!r}" for k, (got, want) in wrong.items()))
    return info


def parse_period(lines: list[str], period: int) -> dict[str, Any]:
    laps = [int(m.group(1)) for m in (LAP_RE.match(x) for x in lines) if m]
    if len(laps) != 2 or f"m-scenario-period-{period}" not in lines or "m-scenario-done" not in lines:
        raise DeviceError(f"incomplete reply to 'scenario run {period}': {lines!r}")
    t0 = laps[0]
    runs: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    current: str | None = None
    for line in lines:
        if m := RUN_RE.match(line):
            start, end = int(m.group(2)), int(m.group(3))
            runs[m.group(1)] = {"start_us": (start - t0) % WRAP, "end_us": (end - t0) % WRAP,
                                "latency_us": (end - start) % WRAP}
        elif m := SKIP_RE.match(line):
            skipped.append(m.group(1))
        elif m := RESULTS_OF_RE.match(line):
            current = m.group(1)
        elif (m := RESULTS_RE.match(line)) and current in runs:
            runs[current]["results"] = parse_results(m.group(1), f"scenario run {period}")
        elif m := OUTPUT_RE.match(line):
            if m.group(1) not in runs:
                raise DeviceError(f"output of {m.group(1)}, which did not run in period {period}")
            runs[m.group(1)]["output"] = m.group(2)
    order = [m.group(1) for m in (RUN_RE.match(x) or SKIP_RE.match(x) for x in lines) if m]
    for mid, r in runs.items():
        if "results" not in r or "output" not in r:
            raise DeviceError(f"no results or output of {mid} in the reply to 'scenario run {period}'")
    return {"period": period, "order": order, "period_us": (laps[1] - t0) % WRAP, "runs": runs, "skipped": skipped}


def _prediction(task: str, results: list[float]) -> float:
    if task == "ad":
        return float(results[0])
    return float(max(range(len(results)), key=lambda i: results[i]))


def run_scenario(client: DutClient, sc: Scenario, data_dirs: dict[str, Path], periods: int | None = None,
                 check: bool = True) -> list[dict[str, Any]]:
    """Drive *periods* periods; returns one record per period (inputs, runs, skips, DUT times in µs)."""
    if check:
        check_identity(client, sc)
    feeds = streams(sc, data_dirs)
    records = []
    for p in range(periods if periods is not None else sc.periods):
        inputs: dict[str, str] = {}
        for m in sc.models:
            if p % m.every:
                continue
            name, data = feeds[m.id].item(m.offset + p // m.every)
            client.load(data)
            lines = client.command(f"scenario load {m.id}")
            if f"m-scenario-loaded-[{m.id}]" not in lines:
                raise DeviceError(f"unexpected reply to 'scenario load {m.id}': {lines!r}")
            inputs[m.id] = name
        rec = parse_period(client.command(f"scenario run {p}", timeout=PERIOD_TIMEOUT_S), p)
        rec["inputs"] = inputs
        for mid, r in rec["runs"].items():
            r["file"] = inputs.get(mid)
            r["prediction"] = _prediction(sc.model(mid).task, r["results"])
        records.append(rec)
    return records


def _stats_ms(values_us: list[int]) -> dict[str, Any]:
    if not values_us:
        return {"n": 0, "median_ms": None, "mean_ms": None, "min_ms": None, "max_ms": None}
    ms = [v / 1000.0 for v in values_us]
    return {"n": len(ms), "median_ms": statistics.median(ms), "mean_ms": statistics.fmean(ms), "min_ms": min(ms),
            "max_ms": max(ms)}


def summarize(sc: Scenario, records: list[dict[str, Any]], board: str) -> dict[str, Any]:
    """Per-model latency, end-to-end latency (pipelined), deadline hit rate with every miss in numbers."""
    icount = profiles.board(board).get("timing") == "icount"
    per_model = {}
    for m in sc.models:
        lat = [r["runs"][m.id]["latency_us"] for r in records if m.id in r["runs"]]
        per_model[m.id] = {"task": m.task, "runs": len(lat),
                           "skipped": sum(1 for r in records if m.id in r["skipped"]), **_stats_ms(lat)}
        if icount:
            per_model[m.id]["instructions_median"] = None if not lat else statistics.median(lat) * 1000
    finish = [max((x["end_us"] for x in r["runs"].values()), default=0) for r in records]
    for r, f in zip(records, finish, strict=True):
        r["finish_us"] = f
    out: dict[str, Any] = {"periods": len(records), "models": per_model,
                           "latency_kind": "estimated" if icount else "measured",
                           "time_base": "qemu virtual time (1 us = 1000 instructions)" if icount else "DUT clock"}
    if sc.kind == "pipelined":
        complete = [f for r, f in zip(records, finish, strict=True) if not r["skipped"]]
        out["pipeline"] = {"complete_periods": len(complete), "trigger_rate": len(complete) / len(records)
                           if records else None, "end_to_end": _stats_ms(complete),
                           "period_finish": _stats_ms(finish)}
    if sc.deadline_ms is not None:
        limit_us = sc.deadline_ms * 1000.0
        misses = [{"period": r["period"], "finish_ms": f / 1000.0, "deadline_ms": sc.deadline_ms,
                   "over_ms": (f - limit_us) / 1000.0,
                   "late": sorted(k for k, x in r["runs"].items() if x["end_us"] > limit_us)}
                  for r, f in zip(records, finish, strict=True) if f > limit_us]
        hits = len(records) - len(misses)
        out["deadline"] = {"deadline_ms": sc.deadline_ms, "hits": hits, "misses": len(misses),
                           "hit_rate": hits / len(records) if records else None, "met": not misses,
                           "worst_finish_ms": max(finish) / 1000.0 if finish else None, "missed_periods": misses}
    out["status"] = "deadline_missed" if out.get("deadline", {}).get("met") is False else "ok"
    return out


def result_lines(sc: Scenario, summary: dict[str, Any], build: dict[str, Any] | None) -> list[str]:
    """results.txt, in the runner's `ulp-mlperf:` line style (the caller stamps each line)."""
    lines = [f"Scenario {sc.name} ({sc.kind}, schedule {sc.schedule}), models "
             + ", ".join(f"{m.id} ({m.task})" for m in sc.models)]
    if build is not None:
        a, fl = build["arena"], build["flash"]
        lines.append(f"  Arena        : {a['shared_bytes']} B shared vs {a['separate_sum_bytes']} B separate "
                     f"({a['saved_bytes']} B saved)")
        limit = "no limit" if fl["limit_bytes"] is None else f"limit {fl['limit_bytes']} B"
        lines.append(f"  Flash        : {fl['used_bytes']} B ({limit}); RAM {build['ram']['used_bytes']} B")
        if not build["fits"]:
            lines.append("  Does not fit the board: " + "; ".join(build["reasons"]))
            return lines
    kind = summary.get("latency_kind", "")
    for mid, s in summary.get("models", {}).items():
        med = "-" if s["median_ms"] is None else f"{s['median_ms']:.3f} ms"
        lines.append(f"  Model {mid:<7}: {s['runs']} runs, {s['skipped']} skipped, median latency {med} ({kind})")
    if "pipeline" in summary:
        pe = summary["pipeline"]
        e2e = pe["end_to_end"]["median_ms"]
        lines.append(f"  Pipeline     : {pe['complete_periods']}/{summary['periods']} periods ran every stage; "
                     f"median end-to-end {'-' if e2e is None else f'{e2e:.3f} ms'}")
    if "deadline" in summary:
        d = summary["deadline"]
        lines.append(f"  Deadline     : {d['deadline_ms']:g} ms, hit rate {d['hit_rate']:.3f} ({d['hits']} of "
                     f"{d['hits'] + d['misses']} periods), worst finish {d['worst_finish_ms']:.3f} ms")
        for miss in d["missed_periods"]:
            lines.append(f"    missed period {miss['period']}: finished at {miss['finish_ms']:.3f} ms, "
                         f"{miss['over_ms']:.3f} ms late ({', '.join(miss['late'])})")
    lines.append(f"  Status       : {summary['status']}")
    return lines
