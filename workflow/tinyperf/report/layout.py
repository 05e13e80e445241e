"""File names of the report's outputs, shared by the plotting code and the Snakemake rules (no matplotlib)."""

from __future__ import annotations

from collections.abc import Iterable

from tinyperf import layout as paths

SUMMARY = "summary.csv"
SUMMARY_HTML = "summary.html"
OVERVIEW = ("latency.png", "accuracy.png", "memory.png")
BENCH = "bench.png"  # `tinyperf bench` of the code Cortex-M4 boards run, beside TFLM + CMSIS-NN
ENGINES = "engines.png"  # the engines side by side per board: latency, arena, flash, accuracy


def training(task: str) -> str:
    return f"training_{task}.png"


def confusion(task: str, board: str) -> str:
    return f"confusion_{task}_{board}.png"


def roc(board: str) -> str:
    return f"roc_ad_{board}.png"


def plot_files(tasks: Iterable[str], boards: Iterable[str], trained: bool = True,
               bench: bool = False, engines: Iterable[str] = ("tinyperf",)) -> dict[str, list[str]]:
    """Plot file names by kind for a selection; training curves exist only for models trained here, the bench
    figure only where a Cortex-M4 board runs (measured or estimated), the engine comparison only for several
    engines. Confusion matrices and ROC curves are the first engine's (the others' accuracy is in the table and
    the engine figure)."""
    tasks, boards = list(tasks), list(boards)
    return {
        "overview": list(OVERVIEW),
        "bench": [BENCH] if bench else [],
        "engines": [ENGINES] if len(list(engines)) > 1 else [],
        "training": [training(t) for t in tasks] if trained else [],
        "confusion": [confusion(t, b) for t in tasks if t != "ad" for b in boards],
        "roc": [roc(b) for b in boards] if "ad" in tasks else [],
    }


def run_dirs(data: str, model: str, tasks: Iterable[str], boards: Iterable[str],
             estimates: Iterable[str] = (), engines: Iterable[str] = ("tinyperf",)) -> list[str]:
    """Run folders: the measured boards', then those of boards with a qemu_m4 estimate only; each board's engines
    side by side."""
    boards = list(boards) + [b for b in estimates if b not in boards]
    engines = list(engines)
    return [paths.run_dir(data, t, model, b, e) for t in tasks for b in boards for e in engines]


def measured(data: str, model: str, tasks: Iterable[str], boards: Iterable[str],
             estimates: Iterable[str] = (), engines: Iterable[str] = ("tinyperf",)) -> list[str]:
    """The runner's output folders the report reads (the workflow's inputs of the report rules)."""
    tasks, engines = list(tasks), list(engines)
    out = [f"{run}/{mode}" for run in run_dirs(data, model, tasks, boards, engines=engines)
           for mode in ("performance", "accuracy")]
    boards = list(boards)
    return out + [f"{run}/estimate"
                  for run in run_dirs(data, model, tasks, [b for b in estimates if b not in boards], engines=engines)]


def host_accuracy(data: str, model: str, tasks: Iterable[str]) -> list[str]:
    return [paths.fill(paths.HOST_ACCURACY, data=data, task=t, model=model) for t in tasks]


def targets(data: str, model: str, tasks: Iterable[str], boards: Iterable[str], bench: bool = False,
            engines: Iterable[str] = ("tinyperf",)) -> list[str]:
    """Every report output for a selection: what `rule all` asks for."""
    tasks, boards = list(tasks), list(boards)
    base = paths.fill(paths.REPORT, data=data, model=model)
    plots = [f"{base}/plots/{n}" for names in plot_files(tasks, boards, model == "train", bench, engines).values()
             for n in names]
    return [f"{base}/{SUMMARY}", f"{base}/{SUMMARY_HTML}", f"{base}/submission", *plots]
