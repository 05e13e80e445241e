"""Scenario results as rows of summary.csv: one row per scenario x board, next to the task x board rows.

A scenario directory is ``results/<data>/<model>/scenario/<name>/<board>`` holding ``firmware/scenario.json``
(arena plan, flash and RAM against the board) and ``run/results.json`` (latencies, deadline).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tinyperf.errors import TinyperfError

#: summary.csv columns only scenario rows fill (appended after the task columns)
COLUMNS = [
    "scenario", "scenario_kind", "scenario_schedule", "scenario_models", "scenario_status", "periods",
    "model_latency_ms", "end_to_end_ms", "deadline_ms", "deadline_hit_rate", "deadline_met",
    "worst_finish_ms", "shared_arena_bytes", "separate_arena_bytes",
]


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as exc:
        raise TinyperfError(f"{path}: not valid JSON ({exc}); rerun the step that writes it") from exc


def split_dir(d: Path) -> tuple[str, str, str, str]:
    """(data, model, scenario, board) from ``.../<data>/<model>/scenario/<name>/<board>``."""
    parts = d.parts
    if len(parts) < 5 or parts[-3] != "scenario":
        raise TinyperfError(f"{d}: not a scenario directory (expected results/<data>/<model>/scenario/<name>/<board>)")
    return parts[-5], parts[-4], parts[-2], parts[-1]


def row(d: str | Path) -> dict[str, Any]:
    d = Path(d)
    data, model, name, board = split_dir(d)
    build = _read(d / "firmware" / "scenario.json") or {}
    res = _read(d / "run" / "results.json") or {}
    models = res.get("models") or {}
    lat = {k: v.get("median_ms") for k, v in models.items()}
    e2e = (res.get("pipeline") or {}).get("end_to_end", {}).get("median_ms")
    dl = res.get("deadline") or {}
    flash, ram = build.get("flash") or {}, build.get("ram") or {}

    def pct(used: Any, limit: Any) -> float | None:
        return None if used is None or not limit else round(100.0 * used / limit, 2)

    return {
        "task": f"scenario:{name}",
        "board": board,
        "model_source": model,
        "data": data,
        "division": "open",
        "device_run": bool(res.get("records")),
        "latency_ms": e2e if e2e is not None else dl.get("worst_finish_ms"),
        "latency_kind": res.get("latency_kind"),
        "latency_source": "scenario runner (DUT timestamps per model)",
        "macs": sum(m.get("macs", 0) for m in build.get("models", [])) or None,
        "weight_bytes": build.get("weight_bytes"),
        "arena_bytes": (build.get("arena") or {}).get("shared_bytes"),
        "flash_used_bytes": flash.get("used_bytes"),
        "flash_limit_bytes": flash.get("limit_bytes"),
        "flash_used_pct": pct(flash.get("used_bytes"), flash.get("limit_bytes")),
        "ram_used_bytes": ram.get("used_bytes"),
        "ram_limit_bytes": ram.get("limit_bytes"),
        "ram_used_pct": pct(ram.get("used_bytes"), ram.get("limit_bytes")),
        "fits_board": build.get("fits"),
        "scenario": name,
        "scenario_kind": build.get("kind") or res.get("kind"),
        "scenario_schedule": build.get("schedule") or res.get("schedule"),
        "scenario_models": ",".join(f"{m['id']}:{m['task']}" for m in build.get("models", [])),
        "scenario_status": res.get("status") or ("does_not_fit" if build.get("fits") is False else None),
        "periods": res.get("periods"),
        "model_latency_ms": json.dumps(lat, sort_keys=True) if lat else None,
        "end_to_end_ms": e2e,
        "deadline_ms": dl.get("deadline_ms", res.get("deadline_ms")),
        "deadline_hit_rate": dl.get("hit_rate"),
        "deadline_met": dl.get("met"),
        "worst_finish_ms": dl.get("worst_finish_ms"),
        "shared_arena_bytes": (build.get("arena") or {}).get("shared_bytes"),
        "separate_arena_bytes": (build.get("arena") or {}).get("separate_sum_bytes"),
    }


def run_dirs(data: str, model: str, scenarios: list[str], boards: list[str]) -> list[str]:
    return [f"results/{data}/{model}/scenario/{s}/{b}" for s in scenarios for b in boards]
