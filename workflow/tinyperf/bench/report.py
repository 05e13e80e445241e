"""Bench results as JSON rows and a text table, each figure beside TFLM + CMSIS-NN's and as a ratio."""

from __future__ import annotations

from typing import Any

from tinyperf.bench.baseline import Baseline
from tinyperf.bench.qemu import BenchRun


def _ratio(a: int, b: int | None) -> float | None:
    return round(a / b, 3) if b else None


def row(run: BenchRun, base: Baseline | None, board: str, exact: bool | None = None,
        matched: str | None = None) -> dict[str, Any]:
    """One model's figures; with a baseline, TFLM + CMSIS-NN's beside them, the ratios and whether each meets the
    issue's target (*matched* says how the baseline was found: the reference file or the same architecture)."""
    macs = int(run.meta["macs"])
    r: dict[str, Any] = {
        "model": run.name,
        "board": board,
        "target": run.target,
        "source": run.meta["source"],
        "instructions": run.instructions,
        "macs": macs,
        "instructions_per_mac": round(run.instructions / macs, 3) if macs else None,
        "arena_bytes": run.arena_bytes,
        "flash_bytes": run.flash_bytes,
        "code_bytes": run.code_bytes,
        "weight_bytes": int(run.meta["weight_bytes"]),
        "const_bytes": run.const_bytes,
        "bit_exact_tflm": exact,
        **_cycles(run.cycles, macs),
    }
    if base:
        r.update(
            tflm_source="table",
            baseline=base.model,
            baseline_match=matched,
            tflm_instructions=base.instructions,
            tflm_instructions_per_mac=round(base.instructions / macs, 3) if macs else None,
            tflm_arena_bytes=base.arena_bytes,
            tflm_flash_bytes=base.flash_bytes,
            instructions_ratio=_ratio(run.instructions, base.instructions),
            arena_ratio=_ratio(run.arena_bytes, base.arena_bytes),
            flash_ratio=_ratio(run.flash_bytes, base.flash_bytes),
            meets_instructions=run.instructions <= base.target_instructions,
            meets_arena=run.arena_bytes <= base.target_arena,
            meets_flash=run.flash_bytes <= base.flash_bytes,
        )
        if base.cycles and run.cycles is not None:
            r.update(tflm_cycles=base.cycles, cycles_ratio=_ratio(run.cycles.cycles, base.cycles),
                     meets_cycles=run.cycles.cycles <= base.target_cycles)
    r["layers"] = layers(run)
    return r


#: how the cycle figures are made, carried into every JSON row that has them
CYCLES_MODEL = ("Cortex-M4 TRM timings applied to the instructions qemu_m4 executed (tinyperf.cycles), zero wait "
                "states: a model, not a measurement")


def _cycles(c: Any, macs: int) -> dict[str, Any]:
    if c is None:
        return {}
    return {"cycles": c.cycles, "cycles_per_mac": round(c.cycles / macs, 3) if macs else None,
            "cycles_per_instruction": round(c.cycles / c.instructions, 3) if c.instructions else None,
            "cycles_by_kind": dict(sorted(c.by_kind.items())), "divides": c.divides, "cycles_model": CYCLES_MODEL}


#: the live engine whose figures the ratios use (the baseline table's kernel configuration), and each engine's
#: instruction count in shared/reference/tflm_baseline.md
RATIO_ENGINE = "tflm-cmsis-nn"
TABLE_INSTRUCTIONS = {"tflm": "instructions_reference", "tflm-cmsis-nn": "instructions"}
#: how close a live count must be to the table's (the same sources, flags and method: only the harness differs)
TABLE_TOLERANCE = 0.02


def add_live(r: dict[str, Any], run: BenchRun, live: dict[str, Any], base: Baseline | None,
             exact: dict[str, bool | None]) -> None:
    """TFLM counted live (tinyperf.bench.tflm) into row *r*: per engine its figures and how they compare with the
    table; the ratios then use the live TFLM + CMSIS-NN figures instead of the table's."""
    out: dict[str, Any] = {}
    for engine, t in live.items():
        e: dict[str, Any] = {"instructions": t.instructions, "arena_used_bytes": t.arena_used_bytes,
                             "min_arena_bytes": t.min_arena_bytes, "flash_bytes": t.flash_bytes,
                             "bit_exact_tflm": exact.get(engine), **_cycles(t.cycles, r["macs"])}
        field = TABLE_INSTRUCTIONS.get(engine)
        if base is not None and field and r.get("baseline_match") == "reference file":
            table = int(getattr(base, field))
            e["table_instructions"] = table
            e["table_deviation"] = round(t.instructions / table - 1.0, 5)
            e["agrees_with_table"] = abs(t.instructions / table - 1.0) <= TABLE_TOLERANCE
        out[engine] = e
    r["tflm_live"] = out
    ref = live.get(RATIO_ENGINE)
    if ref is None:
        return
    r.update(
        tflm_source="live",
        tflm_instructions=ref.instructions,
        tflm_instructions_per_mac=round(ref.instructions / r["macs"], 3) if r["macs"] else None,
        tflm_arena_bytes=ref.arena_used_bytes,
        tflm_flash_bytes=ref.flash_bytes,
        instructions_ratio=_ratio(run.instructions, ref.instructions),
        arena_ratio=_ratio(run.arena_bytes, ref.arena_used_bytes),
        flash_ratio=_ratio(run.flash_bytes, ref.flash_bytes),
        meets_instructions=run.instructions <= ref.instructions // 2,
        meets_arena=run.arena_bytes <= int(ref.arena_used_bytes * 0.7),
        meets_flash=run.flash_bytes <= ref.flash_bytes,
    )
    if ref.cycles is not None and run.cycles is not None:
        r.update(tflm_cycles=ref.cycles.cycles, cycles_ratio=_ratio(run.cycles.cycles, ref.cycles.cycles),
                 meets_cycles=run.cycles.cycles <= ref.cycles.cycles // 2)


def live_table(rows: list[dict[str, Any]]) -> str:
    """TFLM counted live beside the baseline table's figures."""
    lines = [f"{'model':6} {'engine':14} {'instructions':>13} {'table':>13} {'deviation':>9} {'cycles':>13} "
             f"{'CPI':>5} {'arena used':>10} {'min arena':>9} {'flash':>8} {'=TFLM':>5}"]
    for r in rows:
        for engine, e in (r.get("tflm_live") or {}).items():
            dev = e.get("table_deviation")
            shown = f"{100 * dev:+.3f}%" if dev is not None else "-"
            lines.append(f"{r['model']:6} {engine:14} {e['instructions']:13,d} "
                         f"{_fmt(e.get('table_instructions')):>13} {shown:>9} "
                         f"{_fmt(e.get('cycles')):>13} {_fmt(e.get('cycles_per_instruction')):>5} "
                         f"{e['arena_used_bytes']:10,d} {e['min_arena_bytes']:9,d} {e['flash_bytes']:8,d} "
                         f"{_fmt(e.get('bit_exact_tflm')):>5}")
    return "\n".join(lines)


def layers(run: BenchRun) -> list[dict[str, Any]]:
    out = []
    layer_cycles = run.cycles.layer_cycles if run.cycles else {}
    for op in run.meta["ops"]:
        n = run.layer_instructions.get(int(op["index"]))
        c = layer_cycles.get(int(op["index"]))
        out.append({
            "index": op["index"], "op": op["op"], "name": op["name"],
            "in_shape": op["inputs"][0]["shape"] if op["inputs"] else None,
            "out_shape": op["outputs"][0]["shape"], "macs": op["macs"], "instructions": n or 0,
            "instructions_per_mac": round(n / op["macs"], 3) if n and op["macs"] else None,
            "cycles": c, "cycles_per_mac": round(c / op["macs"], 3) if c and op["macs"] else None,
            "kernel": op.get("kernel"),
        })  # fmt: skip
    return out


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return f"{v:.3f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def table(rows: list[dict[str, Any]]) -> str:
    cols = [("model", "model"), ("instructions", "instr"), ("tflm_instructions", "TFLM instr"),
            ("instructions_ratio", "ratio"), ("instructions_per_mac", "instr/MAC"), ("cycles", "cycles"),
            ("tflm_cycles", "TFLM cycles"), ("cycles_ratio", "ratio"), ("macs", "MACs"),
            ("arena_bytes", "arena"), ("tflm_arena_bytes", "TFLM arena"), ("arena_ratio", "ratio"),
            ("flash_bytes", "flash"), ("tflm_flash_bytes", "TFLM flash"), ("flash_ratio", "ratio"),
            ("bit_exact_tflm", "=TFLM")]  # fmt: skip
    cells = [[h for _, h in cols]] + [[_fmt(r.get(k)) for k, _ in cols] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(cols))]
    lines = ["  ".join(c[i].rjust(widths[i]) if i else c[i].ljust(widths[i]) for i in range(len(cols)))
             for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def layer_table(r: dict[str, Any]) -> str:
    total = r["instructions"] or 1
    lines = [f"{r['model']}: per layer ({r['target']})",
             f"{'#':>3} {'op':18} {'output':16} {'MACs':>10} {'instr':>11} {'instr/MAC':>9} {'cycles':>11} "
             f"{'cyc/MAC':>7} {'share':>6}"]
    for lay in r["layers"]:
        if not lay["instructions"]:
            continue
        ipm = f"{lay['instructions_per_mac']:.2f}" if lay["instructions_per_mac"] else "-"
        lines.append(f"{lay['index']:3d} {lay['op'][:18]:18} {str(lay['out_shape'])[:16]:16} {lay['macs']:10,d} "
                     f"{lay['instructions']:11,d} {ipm:>9} {_fmt(lay.get('cycles')):>11} "
                     f"{_fmt(lay.get('cycles_per_mac')):>7} {100 * lay['instructions'] / total:5.1f}%")
    return "\n".join(lines)
