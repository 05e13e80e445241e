"""Folders in the EEMBC runner layout (<set>/y_labels.csv + *.bin) with the official names, labels and sizes.

The bytes are random (seeded): such a folder exercises the closed-division path (checks, copy, runs, report,
submission) exactly as the real one does, without being the real data. Where ../shared/eembc/<set>/ holds the real
official files they are linked in instead (kws01).
"""

from __future__ import annotations

import random
from pathlib import Path

from tinyperf import profiles
from tinyperf.datasets import official

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "eembc"


def eval_set(task: str) -> str:
    return str(profiles.task(task)["evaluation"]["set"])


def write_set(root: Path, task: str, seed: int = 7) -> Path:
    """root/<set>/ for *task*: the official y_labels.csv and one random file of the task's size per row."""
    name = eval_set(task)
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    rows = official.selection(name)
    size = int(profiles.task(task)["evaluation"]["file_bytes"])
    rng = random.Random(f"{name}{seed}")
    for row in rows:
        if task == "ad":  # float32 log-mel-like values, so the model's input quantization is exercised
            import numpy as np

            values = np.random.default_rng(rng.randrange(1 << 30)).normal(-20, 8, size // 4).astype("<f4")
            (folder / row[0]).write_bytes(values.tobytes())
        else:
            (folder / row[0]).write_bytes(rng.randbytes(size))
    (folder / "y_labels.csv").write_text("".join(",".join(r) + "\n" for r in rows))
    return folder


def write_layout(root: Path, tasks: tuple[str, ...], real_kws: bool = True) -> Path:
    """root holding the sets of *tasks*; kws01 is the real official set where ../shared/eembc has it."""
    root.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        name = eval_set(task)
        if (root / name).exists():
            continue
        if real_kws and task == "kws" and (REAL / name / "y_labels.csv").is_file():
            (root / name).symlink_to(REAL / name)
        else:
            write_set(root, task)
    return root
