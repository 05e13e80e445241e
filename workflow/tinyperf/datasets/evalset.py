"""The MLPerf Tiny evaluation files: `*.bin` inputs indexed by `y_labels.csv` (the official layout).

Rows are ``file,classes,label`` for classifiers and ``file,classes,label,window_bytes,stride_bytes`` for ad,
whose files hold 200 frames x 128 float32 log-mel values, read as 196 overlapping 640-value windows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tinyperf.errors import DatasetError

LABELS_FILE = "y_labels.csv"


@dataclass(frozen=True)
class EvalEntry:
    file: str
    classes: int
    label: int
    window_bytes: int | None = None  # ad only
    stride_bytes: int | None = None

    def windows(self, data: bytes) -> Iterator[bytes]:
        """The inputs one file stands for: itself, or for ad its sliding windows."""
        if self.window_bytes is None:
            yield data
            return
        stride = self.stride_bytes or self.window_bytes
        if len(data) < self.window_bytes:
            raise DatasetError(f"{self.file}: {len(data)} bytes, shorter than one {self.window_bytes}-byte window")
        for start in range(0, len(data) - self.window_bytes + 1, stride):
            yield data[start : start + self.window_bytes]


def read_labels(eval_dir: str | Path) -> list[EvalEntry]:
    """Parse y_labels.csv; every listed file must exist."""
    eval_dir = Path(eval_dir)
    path = eval_dir / LABELS_FILE
    if not path.exists():
        raise DatasetError(f"{eval_dir}: no {LABELS_FILE}; is this an MLPerf evaluation directory?")
    entries: list[EvalEntry] = []
    with open(path, newline="") as f:
        for lineno, row in enumerate(csv.reader(f), start=1):
            if not row or not "".join(row).strip():
                continue
            try:
                if len(row) == 3:
                    entry = EvalEntry(row[0].strip(), int(row[1]), int(row[2]))
                elif len(row) == 5:
                    entry = EvalEntry(row[0].strip(), int(row[1]), int(row[2]), int(row[3]), int(row[4]))
                else:
                    raise ValueError(f"{len(row)} fields, expected 3 or 5")
            except ValueError as exc:
                raise DatasetError(f"{path}:{lineno}: malformed row {row!r}: {exc}") from exc
            if not (eval_dir / entry.file).is_file():
                raise DatasetError(f"{path}:{lineno}: listed file {entry.file} is missing")
            entries.append(entry)
    if not entries:
        raise DatasetError(f"{path}: no entries")
    return entries


def write_labels(eval_dir: str | Path, entries: list[EvalEntry]) -> None:
    """Write y_labels.csv in the official format (no header)."""
    from tinyperf.fsutil import write_text

    lines = []
    for e in entries:
        fields = [e.file, str(e.classes), str(e.label)]
        if e.window_bytes is not None:
            fields += [str(e.window_bytes), str(e.stride_bytes)]
        lines.append(",".join(fields))
    write_text(Path(eval_dir) / LABELS_FILE, "\n".join(lines) + "\n")


def iter_inputs(eval_dir: str | Path) -> Iterator[tuple[EvalEntry, list[bytes]]]:
    """Each entry with the inputs it stands for (one, or ad's windows), in y_labels order."""
    eval_dir = Path(eval_dir)
    for entry in read_labels(eval_dir):
        yield entry, list(entry.windows((eval_dir / entry.file).read_bytes()))
