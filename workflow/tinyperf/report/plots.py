"""The report's figures (matplotlib, Agg): latency, accuracy chain, memory, Cortex-M4 bench, training, confusion,
ROC.

Every latency shown says whether it was measured on the device or estimated (hatched bars, and the word on
the bar). Each function writes its file even when the data is absent, with a note saying what is missing,
so the workflow's declared outputs always exist and the report says why a panel is empty.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from tinyperf import fsutil, profiles
from tinyperf.report import layout
from tinyperf.report.collect import ESTIMATED, Run, load_run

DPI = 110
METRIC_LABEL = {"top1": "top-1 accuracy", "auc": "ROC AUC"}


def _save(fig: Figure, out: Path) -> Path:
    with fsutil.atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=DPI, bbox_inches="tight", format="png")
    plt.close(fig)
    return out


def _note(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10, color="0.35",
            wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def _board_colors(boards: Sequence[str]) -> dict[str, tuple[float, ...]]:
    cmap = plt.get_cmap("tab10")
    return {b: cmap(i % 10) for i, b in enumerate(boards)}


def _fmt_ms(ms: float) -> str:
    return f"{ms:.3g} ms" if ms < 1000 else f"{ms / 1000:.3g} s"


def latency(df: pd.DataFrame, out: Path) -> Path:
    """Grouped bars: latency per task (groups) and board (bars), log scale; estimated bars hatched."""
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * df["task"].nunique() * max(1, df["board"].nunique())), 4.6))
    rows = df.dropna(subset=["latency_ms"]) if len(df) else df
    if not len(rows):
        _note(ax, "no latency: no performance run and no estimate")
        ax.set_title("Latency per inference")
        return _save(fig, out)
    tasks = list(dict.fromkeys(rows["task"]))
    boards = list(dict.fromkeys(rows["board"]))
    colors = _board_colors(boards)
    width = 0.8 / len(boards)
    for i, task in enumerate(tasks):
        for j, board in enumerate(boards):
            sel = rows[(rows["task"] == task) & (rows["board"] == board)]
            if not len(sel):
                continue
            r = sel.iloc[0]
            x = i - 0.4 + width * (j + 0.5)
            estimated = r["latency_kind"] == ESTIMATED
            ax.bar(x, r["latency_ms"], width * 0.9, color=colors[board], alpha=0.55 if estimated else 0.95,
                   hatch="//" if estimated else None, edgecolor="black", linewidth=0.6)
            ax.text(x, r["latency_ms"] * 1.08, f"{_fmt_ms(float(r['latency_ms']))}\n{r['latency_kind']}",
                    ha="center", va="bottom", fontsize=7)
    ax.set_yscale("log")
    ax.set_xticks(range(len(tasks)), tasks)
    ax.set_ylabel("latency per inference (ms, log scale)")
    ax.set_title("Latency per inference: solid = measured on the device, hatched = estimated")
    lo, hi = float(rows["latency_ms"].min()), float(rows["latency_ms"].max())
    ax.set_ylim(lo / 3, hi * 8)
    handles = [Patch(facecolor=colors[b], edgecolor="black", label=b) for b in boards]
    handles += [Patch(facecolor="white", edgecolor="black", label="measured"),
                Patch(facecolor="white", edgecolor="black", hatch="//", label="estimated")]
    ax.legend(handles=handles, fontsize=8, loc="upper left", ncols=2)
    ax.grid(axis="y", which="both", alpha=0.3)
    return _save(fig, out)


def accuracy_chain(df: pd.DataFrame, out: Path) -> Path:
    """Per task: float -> int8 (host) -> device per board, against the MLPerf quality target."""
    tasks = list(dict.fromkeys(df["task"])) if len(df) else []
    boards = list(dict.fromkeys(df["board"])) if len(df) else []
    panel_w = max(3.6, 0.8 * (2 + len(boards)) + 1.2)
    fig, axes = plt.subplots(1, max(1, len(tasks)), figsize=(panel_w * max(1, len(tasks)), 4.4), squeeze=False)
    if not tasks:
        _note(axes[0][0], "no runs")
        return _save(fig, out)
    colors = _board_colors(boards)
    for ax, task in zip(axes[0], tasks, strict=True):
        rows = df[df["task"] == task]
        first = rows.iloc[0]
        names, values, fills = ["float", "int8\n(host)"], [first["float_value"], first["int8_value"]], \
            ["0.75", "0.45"]
        for _, r in rows.iterrows():
            names.append(f"device\n{r['board']}")
            values.append(r["device_value"])
            fills.append(colors[r["board"]])
        xs = np.arange(len(names))
        for x, v, c in zip(xs, values, fills, strict=True):
            if pd.isna(v):
                ax.text(x, 0.02, "not run", ha="center", va="bottom", fontsize=7, color="0.4", rotation=90)
                continue
            ax.bar(x, float(v), 0.7, color=c, edgecolor="black", linewidth=0.6)
            ax.text(x, float(v) + 0.01, f"{float(v):.3f}", ha="center", va="bottom", fontsize=7)
        target = float(first["quality_target"])
        ax.axhline(target, color="crimson", linestyle="--", linewidth=1.2)
        ax.text(xs[-1] + 0.55, target + 0.012, f"MLPerf target {target:g}", color="crimson", fontsize=7,
                ha="right", va="bottom")
        ax.set_xticks(xs, names, fontsize=7, rotation=35, ha="right")
        ax.set_ylim(0, 1.1)
        ax.set_xlim(-0.6, xs[-1] + 0.6)
        ax.set_ylabel(METRIC_LABEL.get(str(first["metric"]), str(first["metric"])))
        ax.set_title(f"{task} ({first['eval_files'] if not pd.isna(first['eval_files']) else '?'} files)")
    fig.suptitle("Accuracy chain: float -> int8 on the host -> int8 on the device")
    return _save(fig, out)


def memory(df: pd.DataFrame, out: Path) -> Path:
    """Per board: flash and RAM used per task (KB, log scale) against the board's limits."""
    boards = list(dict.fromkeys(df["board"])) if len(df) else []
    fig, axes = plt.subplots(1, max(1, len(boards)), figsize=(4.2 * max(1, len(boards)), 3.6), squeeze=False)
    if not boards:
        _note(axes[0][0], "no runs")
        return _save(fig, out)
    for ax, board in zip(axes[0], boards, strict=True):
        rows = df[df["board"] == board].dropna(subset=["flash_used_bytes", "ram_used_bytes"])
        if not len(rows):
            _note(ax, f"{board}: no firmware memory report")
            continue
        tasks = list(rows["task"])
        ys = np.arange(len(tasks))
        flash = rows["flash_used_bytes"].astype(float).to_numpy() / 1024
        ram = rows["ram_used_bytes"].astype(float).to_numpy() / 1024
        ax.barh(ys + 0.2, flash, 0.38, color="tab:blue", label="flash used")
        ax.barh(ys - 0.2, ram, 0.38, color="tab:orange", label="RAM used")
        for y, f, r in zip(ys, flash, ram, strict=True):
            ax.text(f, y + 0.2, f" {f:.0f} KB", va="center", fontsize=7)
            ax.text(r, y - 0.2, f" {r:.0f} KB", va="center", fontsize=7)
        limits = []
        for kind, color in (("flash", "tab:blue"), ("ram", "tab:orange")):
            limit = rows[f"{kind}_limit_bytes"].iloc[0]
            if not pd.isna(limit):
                ax.axvline(float(limit) / 1024, color=color, linestyle="--", linewidth=1.2,
                           label=f"{'RAM' if kind == 'ram' else 'flash'} limit {float(limit) / 1024:.0f} KB")
                limits.append(float(limit) / 1024)
        ax.set_xscale("log")
        top = max([*limits, float(flash.max()), float(ram.max())])
        ax.set_xlim(max(1.0, min(float(ram.min()), float(flash.min())) / 4), top * 4)
        ax.set_yticks(ys, tasks)
        ax.set_xlabel("KB (log scale)")
        ax.set_title(board if limits else f"{board} (no memory limits)")
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle("Firmware memory use against the board's limits")
    return _save(fig, out)


def bench(runs: Sequence[Run], out: Path) -> Path:
    """`tinyperf bench` per task: instructions beside TFLM + CMSIS-NN's, arena and flash ratios, and the share of
    instructions by operator."""
    rows: dict[str, dict] = {}
    for run in runs:
        if run.bench is not None:
            rows.setdefault(run.task, run.bench)  # every Cortex-M4 board runs the same code: one per task
    fig, axes = plt.subplots(1, 3, figsize=(max(12.0, 2.2 * len(rows) * 3), 4.2))
    if not rows:
        for ax in axes:
            _note(ax, "no bench results (no Cortex-M4 board run)")
        return _save(fig, out)
    tasks = list(rows)
    xs = np.arange(len(tasks))
    ax = axes[0]
    ours = [float(rows[t]["instructions"]) for t in tasks]
    tflm = [float(rows[t].get("tflm_instructions") or np.nan) for t in tasks]
    ax.bar(xs - 0.2, ours, 0.38, color="tab:blue", label="tinyperf")
    ax.bar(xs + 0.2, tflm, 0.38, color="0.6", label="TFLM + CMSIS-NN")
    for x, t in zip(xs, tasks, strict=True):
        ratio = rows[t].get("instructions_ratio")
        ax.text(x, ours[x], f"{ratio:.2f}x" if ratio else "no baseline", ha="center", va="bottom", fontsize=7)
    ax.set_yscale("log")
    ax.set_xticks(xs, tasks)
    ax.set_ylabel("instructions per inference (log scale)")
    ax.set_title("qemu_m4 instructions")
    ax.legend(fontsize=7)
    ax = axes[1]
    for k, (key, color, target) in enumerate((("arena_ratio", "tab:orange", 0.7), ("flash_ratio", "tab:green", 1.0))):
        vals = [float(rows[t].get(key) or np.nan) for t in tasks]
        ax.bar(xs + (k - 0.5) * 0.38, vals, 0.38, color=color, label=f"{key.split('_')[0]} / TFLM's")
        ax.axhline(target, color=color, linestyle="--", linewidth=1)
    ax.set_xticks(xs, tasks)
    ax.set_ylabel("ratio to TFLM + CMSIS-NN (dashed: target)")
    ax.set_title("memory vs TFLM")
    ax.legend(fontsize=7)
    ax = axes[2]
    kinds = ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "other"]
    left = np.zeros(len(tasks))
    for k, kind in enumerate(kinds):
        share = []
        for t in tasks:
            layers = rows[t].get("layers") or []
            total = sum(int(lay["instructions"]) for lay in layers) or 1
            mine = sum(int(lay["instructions"]) for lay in layers
                       if lay["op"] == kind or (kind == "other" and lay["op"] not in kinds))
            share.append(100.0 * mine / total)
        ax.barh(xs, share, left=left, color=plt.get_cmap("tab10")(k), label=kind.lower())
        left += np.array(share)
    ax.set_yticks(xs, tasks)
    ax.set_xlabel("% of the inference's instructions")
    ax.set_title("where the instructions go")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    fig.suptitle("Cortex-M4 code on qemu_m4 (tinyperf bench)")
    return _save(fig, out)


def training(history: dict[str, list[float]] | None, task: str, out: Path) -> Path:
    """Loss (and accuracy for classifiers) per epoch, training and validation."""
    has_acc = bool(history) and any(k.endswith("accuracy") for k in history)  # type: ignore[union-attr]
    fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(9 if has_acc else 5, 3.6), squeeze=False)
    if not history:
        _note(axes[0][0], f"{task}: no training history (the model was not trained here)")
        return _save(fig, out)
    groups = [("loss", "loss")] + ([("accuracy", "accuracy")] if has_acc else [])
    for ax, (key, label) in zip(axes[0], groups, strict=True):
        for name, style in ((key, "-"), (f"val_{key}", "--")):
            if name in history:
                values = history[name]
                ax.plot(range(1, len(values) + 1), values, style, marker="o", markersize=3,
                        label="validation" if name.startswith("val_") else "training")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Training curves: {task}")
    return _save(fig, out)


def confusion(run: Run, out: Path) -> Path:
    """Confusion matrix of the device's top-1 predictions (host int8 where the board did not run)."""
    classes = [str(c) for c in profiles.task(run.task)["classes"]]
    labels = run.labels()
    preds = run.predictions("device")
    where = f"on {run.board}"
    if not preds:
        preds, where = run.predictions("int8"), "int8 on the host (no device run)"
    n = len(classes)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.5 * n + 2.5), max(3.5, 0.5 * n + 2.0)))
    files = [f for f in labels if f in preds]
    if not files:
        _note(ax, f"{run.task} on {run.board}: no predictions")
        return _save(fig, out)
    matrix = np.zeros((n, n), dtype=int)
    for f in files:
        matrix[labels[f], int(preds[f])] += 1
    ax.imshow(matrix, cmap="Blues")
    for i in range(n):
        for j in range(n):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_xticks(range(n), classes, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(n), classes, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    acc = np.trace(matrix) / matrix.sum()
    ax.set_title(f"{run.task}: {where}, top-1 {acc:.3f} over {len(files)} files", fontsize=9)
    return _save(fig, out)


def roc(run: Run, out: Path) -> Path:
    """ROC curves of the ad anomaly scores: float and int8 on the host, and on the device."""
    from sklearn.metrics import roc_auc_score, roc_curve

    labels = run.labels()
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    drawn = False
    for stage, style in (("float", ":"), ("int8", "--"), ("device", "-")):
        scores = run.predictions(stage)
        files = [f for f in labels if f in scores]
        y = [labels[f] for f in files]
        if not files or len(set(y)) < 2:
            continue
        s = [scores[f] for f in files]
        fpr, tpr, _ = roc_curve(y, s)
        name = f"device ({run.board})" if stage == "device" else f"{stage} (host)"
        ax.plot(fpr, tpr, style, linewidth=1.6, label=f"{name}: AUC {roc_auc_score(y, s):.3f}")
        drawn = True
    if not drawn:
        _note(ax, "ad: no anomaly scores with both classes")
        return _save(fig, out)
    ax.plot([0, 1], [0, 1], color="0.6", linewidth=0.8)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(f"ad ROC on {run.board} ({len(labels)} files)", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    return _save(fig, out)


def by_series(df: pd.DataFrame) -> pd.DataFrame:
    """With several engines, the overview figures' series are board · engine (one bar each), not boards."""
    if "engine" not in df.columns or df["engine"].nunique() <= 1:
        return df
    out = df.copy()
    out["board"] = out["board"].astype(str) + " · " + out["engine"].astype(str)
    return out


ENGINE_PANELS = (("latency_ms", "latency per inference (ms, log)", True),
                 ("arena_bytes", "arena (bytes, log)", True),
                 ("flash_used_bytes", "firmware flash (bytes, log)", True),
                 ("device_value", "accuracy on the device", False))


def engines(df: pd.DataFrame, out: Path) -> Path:
    """The engines side by side: per board and task, each engine's latency, arena, flash and device accuracy,
    with its ratio to the first engine's above the bar."""
    groups = list(dict.fromkeys(zip(df["board"], df["task"], strict=True))) if len(df) else []
    names = list(dict.fromkeys(df["engine"])) if len(df) else []
    fig, grid = plt.subplots(2, 2, figsize=(max(10.0, 0.55 * len(groups) * len(names)), 8.4), squeeze=False)
    axes = [ax for row in grid for ax in row]
    if not groups or len(names) < 2:
        for ax in axes:
            _note(ax, "one engine only: nothing to compare")
        return _save(fig, out)
    colors = _board_colors(names)
    width = 0.8 / len(names)
    xs = np.arange(len(groups))
    for ax, (col, label, log_scale) in zip(axes, ENGINE_PANELS, strict=True):
        for j, engine in enumerate(names):
            for i, (board, task) in enumerate(groups):
                sel = df[(df["board"] == board) & (df["task"] == task) & (df["engine"] == engine)]
                first = df[(df["board"] == board) & (df["task"] == task) & (df["engine"] == names[0])]
                if not len(sel) or pd.isna(sel.iloc[0][col]):
                    continue
                v = float(sel.iloc[0][col])
                x = i - 0.4 + width * (j + 0.5)
                ax.bar(x, v, width * 0.9, color=colors[engine], edgecolor="black", linewidth=0.6,
                       label=engine if i == 0 else None)
                base = float(first.iloc[0][col]) if len(first) and not pd.isna(first.iloc[0][col]) else None
                text = f"{v:.3f}" if not log_scale else (f"{v / base:.2f}x" if base else "")
                ax.text(x, v, text, ha="center", va="bottom", fontsize=6, rotation=90 if log_scale else 0)
        if log_scale:
            ax.set_yscale("log")
        ax.set_xticks(xs, [f"{t}\n{b}" for b, t in groups], fontsize=6)
        ax.set_title(label, fontsize=9)
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Engines side by side (ratios to {names[0]}); qemu_m4 and estimated latencies are instruction "
                 "counts at the board's clock", fontsize=9)
    return _save(fig, out)


def make_all(run_dirs: Iterable[str | Path], out_dir: str | Path, df: pd.DataFrame | None = None) -> list[Path]:
    """Every figure of layout.plot_files for these runs, written into *out_dir*; returns their paths."""
    from tinyperf.report import summary

    runs = [load_run(d) for d in run_dirs]
    out_dir = Path(out_dir)
    if df is None:
        df = summary.build([r.run_dir for r in runs], config_hash="-")
    series = by_series(df)
    written = [latency(series, out_dir / "latency.png"), accuracy_chain(series, out_dir / "accuracy.png"),
               memory(series, out_dir / "memory.png")]
    if any(profiles.board(r.board)["arch"] == "cortex-m4" for r in runs):
        written.append(bench(runs, out_dir / layout.BENCH))
    names = list(dict.fromkeys(r.engine for r in runs))
    if len(names) > 1:
        written.append(engines(df, out_dir / layout.ENGINES))
    by_task: dict[str, Run] = {}
    for run in runs:
        if run.engine != names[0]:
            continue  # confusion and ROC: the first engine's (layout.plot_files)
        by_task.setdefault(run.task, run)
        if run.task == "ad":
            written.append(roc(run, out_dir / layout.roc(run.board)))
        else:
            written.append(confusion(run, out_dir / layout.confusion(run.task, run.board)))
    for task, run in by_task.items():
        if run.model == "train":
            written.append(training(run.history, task, out_dir / layout.training(task)))
    return written


def is_blank(png: str | Path) -> bool:
    """True when an image is a single colour (nothing drawn), by the spread of its pixel values."""
    img = plt.imread(str(png))
    return bool(math.isclose(float(np.ptp(img[..., :3])), 0.0))
