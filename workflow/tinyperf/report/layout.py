"""File names of the report's outputs, shared by the plotting code and the Snakemake rules (no matplotlib)."""

from __future__ import annotations

from collections.abc import Iterable

SUMMARY = "summary.csv"
SUMMARY_HTML = "summary.html"
OVERVIEW = ("latency.png", "accuracy.png", "memory.png")


def training(task: str) -> str:
    return f"training_{task}.png"


def confusion(task: str, board: str) -> str:
    return f"confusion_{task}_{board}.png"


def roc(board: str) -> str:
    return f"roc_ad_{board}.png"


def plot_files(tasks: Iterable[str], boards: Iterable[str], trained: bool = True) -> dict[str, list[str]]:
    """Plot file names by kind for a selection; training curves exist only for models trained here."""
    tasks, boards = list(tasks), list(boards)
    return {
        "overview": list(OVERVIEW),
        "training": [training(t) for t in tasks] if trained else [],
        "confusion": [confusion(t, b) for t in tasks if t != "ad" for b in boards],
        "roc": [roc(b) for b in boards] if "ad" in tasks else [],
    }
