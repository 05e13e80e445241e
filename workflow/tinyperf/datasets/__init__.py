"""Datasets: manifests, download, safe extraction, synthetic sources, feature preparation, evaluation files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinyperf.errors import DatasetError

#: float value of one stored unit of x, per task (model input = x * rescale); see config/tasks/*.yaml
_RESCALE = {"vww": np.float32(1.0 / 255.0), "ic": np.float32(1.0), "ic2": np.float32(1.0), "kws": np.float32(1.0),
            "ad": np.float32(1.0)}


def load_split(prepared_dir: str | Path, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(x, y) of a prepared split (train, val, calibration); y is None for ad, whose data has no labels."""
    path = Path(prepared_dir) / f"{name}.npz"
    if not path.is_file():
        raise DatasetError(f"{path}: no such prepared split; run `tinyperf dataset prepare` first")
    with np.load(path) as data:
        return data["x"], (data["y"] if "y" in data.files else None)


def model_input(task: str, x: np.ndarray) -> np.ndarray:
    """The float32 model input for stored features: vww bytes / 255, ic bytes as they are, kws and ad as they are."""
    if task not in _RESCALE:
        raise DatasetError(f"unknown task {task!r}; expected one of ad, kws, vww, ic, ic2")
    return np.asarray(x, dtype=np.float32) * _RESCALE[task]
