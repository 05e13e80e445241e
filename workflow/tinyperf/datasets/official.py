"""The official evaluation files a submitter holds, in the EEMBC runner layout, checked and taken in.

MLCommons hands submitters DIR/<set>/y_labels.csv + *.bin (set: kws01, vww01, ic01, ad01; ic2 uses ic01). A folder
is accepted only if it is exactly the official selection (datasets/selections/<set>_y_labels.csv): the same rows
(file names, classes, labels, ad's window and stride) in the same order, every listed file present and of the
task's size, and no other .bin file. Anything else is a DatasetError naming the first offending row or file, and
nothing is written. An accepted set is copied to OUT/eval/ (atomically) with OUT/meta.json, which is what
`tinyperf dataset prepare` leaves for prepared data, so every later stage reads it the same way.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import shutil
from pathlib import Path
from typing import Any

from tinyperf import fsutil, profiles
from tinyperf.datasets import evalset
from tinyperf.datasets.manifest import MANIFEST_DIR
from tinyperf.errors import DatasetError

log = logging.getLogger(__name__)

SELECTIONS = MANIFEST_DIR / "selections"


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as f:
        return [[field.strip() for field in row] for row in csv.reader(f) if row and "".join(row).strip()]


def selection(eval_set: str) -> list[list[str]]:
    """The official rows of *eval_set* (tinyperf's copy of mlcommons/tiny's y_labels.csv)."""
    path = SELECTIONS / f"{eval_set}_y_labels.csv"
    if not path.is_file():
        raise DatasetError(f"{path}: the official {eval_set} selection list is missing from the repository")
    return _rows(path)


def set_dir(task: str, eval_data: str | Path) -> Path:
    """DIR/<set>/ for *task* (ic2: ic01)."""
    eval_set = profiles.task(task)["evaluation"]["set"]
    folder = Path(eval_data).expanduser() / eval_set
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such folder; eval_data must hold the EEMBC runner's dataset folders "
                           f"(<kws01|vww01|ic01|ad01>/y_labels.csv + *.bin), and {task} reads {eval_set}/")
    return folder


def check(task: str, eval_data: str | Path) -> tuple[Path, list[evalset.EvalEntry]]:
    """The checked folder and its entries; DatasetError naming the first mismatch (see the module docstring)."""
    folder = set_dir(task, eval_data)
    ev = profiles.task(task)["evaluation"]
    eval_set, size = ev["set"], int(ev["file_bytes"])
    labels = folder / evalset.LABELS_FILE
    if not labels.is_file():
        raise DatasetError(f"{labels}: missing; an EEMBC dataset folder indexes its files in {evalset.LABELS_FILE}")
    try:
        rows = _rows(labels)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{labels}: unreadable as CSV: {exc}") from exc
    official = selection(eval_set)
    for i, (ours, theirs) in enumerate(zip(rows, official, strict=False), start=1):
        if ours != theirs:
            raise DatasetError(f"{labels}:{i}: {','.join(ours)!r}, but row {i} of the official {eval_set} list is "
                               f"{','.join(theirs)!r}: not the official evaluation set")
    if len(rows) != len(official):
        more = rows[len(official)] if len(rows) > len(official) else official[len(rows)]
        raise DatasetError(f"{labels}: {len(rows)} rows, the official {eval_set} list has {len(official)} "
                           f"(first {'extra' if len(rows) > len(official) else 'missing'} row: {','.join(more)!r})")
    listed = {r[0] for r in rows}
    for row in rows:
        path = folder / row[0]
        if not path.is_file():
            near = sorted(p.name for p in folder.glob("*.bin") if p.name not in listed)
            hint = f"; unlisted .bin files here: {', '.join(near[:3])}" if near else ""
            raise DatasetError(f"{path}: listed in {evalset.LABELS_FILE} but missing (misnamed?){hint}")
        got = path.stat().st_size
        if got != size:
            raise DatasetError(f"{path}: {got} bytes, but every {eval_set} file has {size}: truncated or not an "
                               f"official {eval_set} input")
    extra = sorted(p.name for p in folder.glob("*.bin") if p.name not in listed)
    if extra:
        raise DatasetError(f"{folder / extra[0]}: not in the official {eval_set} list ({len(extra)} unlisted .bin "
                           "file(s)); an official folder holds exactly the listed files")
    return folder, evalset.read_labels(folder)


def take(task: str, eval_data: str | Path, out_dir: str | Path) -> dict[str, Any]:
    """Check the official set of *task* in *eval_data* and copy it to OUT/eval/ with OUT/meta.json."""
    folder, entries = check(task, eval_data)
    eval_set = profiles.task(task)["evaluation"]["set"]
    digest = hashlib.sha256()
    with fsutil.atomic_dir(out_dir) as tmp:
        (tmp / "eval").mkdir()
        for e in entries:
            data = (folder / e.file).read_bytes()
            digest.update(e.file.encode() + b"\0" + data)
            (tmp / "eval" / e.file).write_bytes(data)
        shutil.copyfile(folder / evalset.LABELS_FILE, tmp / "eval" / evalset.LABELS_FILE)
        meta = {
            "task": task, "source": f"official evaluation set {eval_set} (eval_data)", "eval_data": str(folder),
            "real_source": True, "official_eval_set": True, "evaluation_set": eval_set, "eval_limit": None,
            "counts": {"eval": len(entries)}, "files_sha256": digest.hexdigest(),
            "selection": f"checked equal to datasets/selections/{eval_set}_y_labels.csv (names, labels, order, "
                         f"file sizes); no training, validation or calibration data",
        }
        fsutil.write_json(tmp / "meta.json", meta)
        tmp.chmod(0o755)
    log.info("%s: official %s set taken from %s (%d files, sha256 %s)", task, eval_set, folder, len(entries),
             meta["files_sha256"][:16])
    return meta
