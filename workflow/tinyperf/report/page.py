"""summary.html: the summary for a person. One table per task with the boards as rows, units in the headers,
measured and estimated latencies told apart, the published reference figure beside ours, and the figures inline.

summary.csv keeps every column at full precision; this page shows what a reader compares, rounded as a
benchmark report prints it. The page is self-contained (figures embedded), so it reads the same opened from
disk or inside `snakemake --report`.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from tinyperf import fsutil, profiles
from tinyperf.report.summary import published

DASH = "–"

#: figure file stem -> caption, in page order (others follow, by name)
FIGURES = {
    "latency": "Latency per task and board (log scale); hatched bars are estimates",
    "accuracy": "Accuracy along the chain: float, int8 on the host, int8 on the device",
    "memory": "Flash and RAM used against each board's limit",
    "bench": "Cortex-M4 bench: instructions, arena and flash beside TFLM + CMSIS-NN",
}


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _num(value: Any, fmt: str = "{:,.0f}") -> str:
    return DASH if _missing(value) else fmt.format(float(value))


def _ms(value: Any) -> str:
    if _missing(value):
        return DASH
    v = float(value)
    digits = max(0, 2 - math.floor(math.log10(abs(v)))) if v else 0
    return f"{v:,.{min(digits, 4)}f}"


def _kb(used: Any, limit: Any) -> str:
    if _missing(used):
        return DASH
    text = f"{float(used) / 1024:,.1f}"
    if not _missing(limit) and float(limit):
        text += f" / {float(limit) / 1024:,.0f} ({100.0 * float(used) / float(limit):.0f} %)"
    return text


def _yes(value: Any) -> str:
    return DASH if _missing(value) else ("yes" if bool(value) else "<b>no</b>")


def _metric_value(value: Any, metric: str) -> str:
    if _missing(value):
        return DASH
    return f"{100.0 * float(value):.1f}" if metric == "top1" else f"{float(value):.3f}"


def _published(row: pd.Series, metric: str) -> str:
    """The published figure exactly as its source prints it, the source in the tooltip."""
    pub = published(str(row["task"]))
    if pub is None:
        return DASH
    return f'<span title="{html.escape(pub["source"])}">{html.escape(pub["printed"])}</span>'


def _latency(row: pd.Series) -> str:
    """The latency with how it was obtained: measured on the device, or estimated."""
    value, kind = row.get("latency_ms"), row.get("latency_kind")
    if _missing(value):
        return DASH
    mark = ('<span class="est">estimated</span>' if kind == "estimated" else
            '<span class="meas">measured</span>' if kind == "measured" else "")
    lower = row.get("latency_ms_1ipc")
    if kind == "estimated" and not _missing(lower) and not _missing(row.get("cycles_per_inference")):
        # a range: the modelled cycles, and the 1-IPC lower bound beside them
        return f"{_ms(value)} {mark} (modelled cycles; &ge; {_ms(lower)} at 1 IPC)"
    return f"{_ms(value)} {mark}"


Column = tuple[str, Callable[[pd.Series, str], str]]


#: columns shown even where every row is empty (the others are left out of that task's table)
ALWAYS = {"board", "engine", "latency (ms)"}


def _columns(metric: str, target: str) -> list[Column]:
    unit = "top-1 %" if metric == "top1" else "AUC"
    return [
        ("board", lambda r, m: html.escape(str(r["board"]))),
        ("engine", lambda r, m: html.escape(str(r.get("engine") or "tinyperf"))),
        ("latency (ms)", lambda r, m: _latency(r)),
        ("instructions / inference", lambda r, m: _num(r.get("instructions_per_inference"))),
        (f"float ({unit})", lambda r, m: _metric_value(r.get("float_value"), m)),
        (f"int8 host ({unit})", lambda r, m: _metric_value(r.get("int8_value"), m)),
        (f"int8 device ({unit})", lambda r, m: _metric_value(r.get("device_value"), m)),
        (f"published ({unit})", _published),
        ("reproduced", lambda r, m: _yes(r.get("reproduced"))),
        (f"target {target} met", lambda r, m: _yes(r.get("meets_target"))),
        ("eval files", lambda r, m: _eval_files(r)),
        ("flash (KB used / limit)", lambda r, m: _kb(r.get("flash_used_bytes"), r.get("flash_limit_bytes"))),
        ("RAM (KB used / limit)", lambda r, m: _kb(r.get("ram_used_bytes"), r.get("ram_limit_bytes"))),
        ("arena (B)", lambda r, m: _num(r.get("arena_bytes"))),
        ("instructions vs TFLM + CMSIS-NN", lambda r, m: _num(r.get("bench_instructions_ratio"), "{:.3f}×")),
        ("MLPerf compliant", lambda r, m: _yes(r.get("compliant"))),
    ]


def _eval_files(row: pd.Series) -> str:
    n = row.get("eval_files")
    if _missing(n):
        return DASH
    text = f"{int(n):,}"
    if not _missing(row.get("eval_files_official")) and int(n) != int(row["eval_files_official"]):
        text += f" of {int(row['eval_files_official']):,}"
    if row.get("eval_set_official") is True:
        text += f", official {html.escape(str(row.get('eval_set') or ''))}"
    return text


def task_table(rows: pd.DataFrame, task: str) -> str:
    metric = str(rows["metric"].dropna().iloc[0]) if rows["metric"].notna().any() else \
        profiles.task(task)["evaluation"]["metric"]
    prof = profiles.task(task)
    target = _metric_value(prof["evaluation"]["quality_target"], metric)
    cells = {name: [cell(r, metric) for _, r in rows.iterrows()] for name, cell in _columns(metric, f"≥ {target}")}
    shown = [name for name, values in cells.items() if name in ALWAYS or any(v != DASH for v in values)]
    head = "".join(f"<th>{html.escape(name)}</th>" for name in shown)
    body = "".join("<tr>" + "".join(f"<td>{cells[name][i]}</td>" for name in shown) + "</tr>"
                   for i in range(len(rows)))
    first = rows.iloc[0]
    facts = [f"MLPerf model {html.escape(str(first.get('mlperf_model') or prof['mlperf_model']))}",
             f"model source <b>{html.escape(str(first.get('model_source')))}</b>",
             f"{html.escape(str(first.get('division')))} division",
             f"data: {html.escape(str(first.get('data')))}"]
    if not _missing(first.get("macs")):
        facts.append(f"{float(first['macs']) / 1e6:,.2f} M MACs")
    if not _missing(first.get("weight_bytes")):
        facts.append(f"{float(first['weight_bytes']) / 1024:,.1f} KB weights")
    return (f'<h2 id="{task}">{html.escape(task)}: {html.escape(prof["description"])}</h2>\n'
            f'<p class="facts">{" · ".join(facts)}</p>\n'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n")


SCENARIO_COLUMNS = [
    ("scenario", "scenario"), ("board", "board"), ("status", "scenario_status"), ("models", "scenario_models"),
    ("per-model latency (ms)", "model_latency_ms"), ("end to end (ms)", "end_to_end_ms"),
    ("deadline (ms)", "deadline_ms"), ("deadline hit rate", "deadline_hit_rate"),
    ("shared arena (B)", "shared_arena_bytes"), ("separate arenas (B)", "separate_arena_bytes"),
]


def scenario_table(rows: pd.DataFrame) -> str:
    head = "".join(f"<th>{name}</th>" for name, _ in SCENARIO_COLUMNS)
    body = ""
    for _, r in rows.iterrows():
        cells = []
        for _, key in SCENARIO_COLUMNS:
            v = r.get(key)
            if _missing(v):
                cells.append(DASH)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(_ms(v) if key.endswith("_ms") or key == "deadline_hit_rate" else f"{float(v):,.0f}")
            else:
                cells.append(html.escape(str(v)))
        body += "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
    return f'<h2 id="scenarios">Multi-DNN scenarios</h2>\n<table><thead><tr>{head}</tr></thead><tbody>{body}' \
           f"</tbody></table>\n"


def figures(plot_files: Iterable[str | Path]) -> str:
    files = [Path(p) for p in plot_files if Path(p).suffix == ".png" and Path(p).is_file()]
    order = {stem: i for i, stem in enumerate(FIGURES)}
    files.sort(key=lambda p: (order.get(p.stem, len(order)), p.name))
    out = []
    for p in files:
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        caption = FIGURES.get(p.stem, p.stem.replace("_", " "))
        out.append(f'<figure><img alt="{html.escape(p.stem)}" src="data:image/png;base64,{data}">'
                   f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    return ('<h2 id="figures">Figures</h2>\n' + "\n".join(out) + "\n") if out else ""


STYLE = """
body { font-family: system-ui, sans-serif; font-size: 14px; margin: 1.5em; max-width: 110em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 0.4em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; white-space: nowrap; }
th { background: #eef1f8; font-weight: 600; }
td:first-child, th:first-child { text-align: left; }
.facts { color: #555; margin: 0.2em 0; }
.est { color: #a35b00; font-style: italic; } .meas { color: #1a6e1a; }
figure { display: inline-block; margin: 0.5em 1em 0.5em 0; vertical-align: top; }
figure img { max-width: 46em; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 0.9em; max-width: 46em; }
"""


def render(df: pd.DataFrame, plot_files: Iterable[str | Path] = ()) -> str:
    is_scenario = df["scenario"].notna() if "scenario" in df.columns else pd.Series(False, index=df.index)
    runs, scenarios = df[~is_scenario], df[is_scenario]
    order = {t: i for i, t in enumerate(profiles.TASKS)}
    tasks = sorted(runs["task"].dropna().unique(), key=lambda t: order.get(t, len(order)))
    commit = str(df["git_commit"].iloc[0]) if len(df) else DASH
    config = str(df["config_hash"].iloc[0]) if len(df) else DASH
    parts = [
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tinyperf results</title>"
        f"<style>{STYLE}</style></head><body>\n<h1>tinyperf results</h1>\n",
        "<p>Latency is <span class=\"meas\">measured</span> on the device, or <span class=\"est\">estimated</span> "
        "(qemu_m4 virtual time, or a board's instruction count on qemu_m4 at its clock). "
        "<i>Published</i> is the reference result MLPerf Tiny publishes on the official evaluation set (hover for "
        "its source); <i>reproduced</i> says whether ours, printed to the same digits, is that figure. "
        f"Every value comes from a log beside it under results/; summary.csv has them all. Git commit {commit}, "
        f"configuration {config}.</p>\n",
        "<p>" + " · ".join(f'<a href="#{t}">{t}</a>' for t in tasks)
        + (' · <a href="#scenarios">scenarios</a>' if len(scenarios) else "") + "</p>\n",
    ]
    parts += [task_table(runs[runs["task"] == t], t) for t in tasks]
    if len(scenarios):
        parts.append(scenario_table(scenarios))
    parts.append(figures(plot_files))
    parts.append("</body></html>\n")
    return "".join(parts)


def write(df: pd.DataFrame, out: str | Path, plot_files: Iterable[str | Path] = ()) -> None:
    fsutil.write_text(out, render(df, plot_files))
