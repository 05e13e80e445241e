"""Dataset source manifests: ``datasets/<task>.yaml`` (real sources) or the one ``dataset synth`` writes.

Schema::

    task: kws
    source: speech_commands_v2
    license: ...
    archives:
      - {name: x.tar.gz, url: https://..., sha256: <hex> | null, size: <bytes>, extract: true, md5: <hex>?}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tinyperf.errors import DatasetError

TASKS = ("ad", "kws", "vww", "ic", "ic2")  # appended only: synth seeds use the index
#: tasks with a dataset source of their own (datasets/<task>.yaml); ic2 uses ic's
DATA_TASKS = ("ad", "kws", "vww", "ic")
REPO_ROOT = Path(__file__).resolve().parents[3]
MANIFEST_DIR = REPO_ROOT / "datasets"
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Archive:
    name: str
    url: str
    sha256: str | None
    size: int | None
    extract: bool = True
    md5: str | None = None

    @property
    def stem(self) -> str:
        """The folder an archive extracts into: its name without the archive suffix."""
        for suffix in ARCHIVE_SUFFIXES:
            if self.name.endswith(suffix):
                return self.name[: -len(suffix)]
        return self.name


@dataclass(frozen=True)
class Manifest:
    task: str
    source: str
    license: str
    archives: tuple[Archive, ...]
    path: Path


def check_task(task: str) -> str:
    if task not in TASKS:
        raise DatasetError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    return task


def tracked(task: str) -> Path:
    """The tracked manifest of a task's real source."""
    if check_task(task) not in DATA_TASKS:
        raise DatasetError(f"{task} has no dataset of its own (it uses ic's): no datasets/{task}.yaml")
    return MANIFEST_DIR / f"{task}.yaml"


def load(path: str | Path) -> Manifest:
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such manifest")
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise DatasetError(f"{path}: a manifest is a mapping with task, source, archives")
    for key in ("task", "source", "archives"):
        if key not in doc:
            raise DatasetError(f"{path}: missing key {key!r}")
    check_task(str(doc["task"]))
    if not isinstance(doc["archives"], list) or not doc["archives"]:
        raise DatasetError(f"{path}: archives must be a non-empty list")
    archives = []
    seen: set[str] = set()
    for i, a in enumerate(doc["archives"]):
        archives.append(_archive(path, i, a))
        if archives[-1].name in seen:
            raise DatasetError(f"{path}: archive name {archives[-1].name!r} appears twice")
        seen.add(archives[-1].name)
    return Manifest(str(doc["task"]), str(doc["source"]), str(doc.get("license", "")), tuple(archives), path)


def _archive(path: Path, i: int, a: Any) -> Archive:
    where = f"{path}: archives[{i}]"
    if not isinstance(a, dict):
        raise DatasetError(f"{where}: expected a mapping")
    for key in ("name", "url"):
        if not a.get(key):
            raise DatasetError(f"{where}: missing {key!r}")
    name = str(a["name"])
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
        raise DatasetError(f"{where}: archive name {name!r} must be a plain file name")
    sha = a.get("sha256")
    if sha is not None:
        sha = str(sha).lower()
        if not _HEX64.match(sha):
            raise DatasetError(f"{where}: sha256 {sha!r} is not 64 hex digits")
    md5 = a.get("md5")
    if md5 is not None:
        md5 = str(md5).lower()
        if not _HEX32.match(md5):
            raise DatasetError(f"{where}: md5 {md5!r} is not 32 hex digits")
    size = a.get("size")
    if size is not None and (not isinstance(size, int) or size < 0):
        raise DatasetError(f"{where}: size must be a non-negative integer")
    return Archive(name=name, url=str(a["url"]), sha256=sha, size=size, extract=bool(a.get("extract", True)),
                   md5=md5)


def dump(task: str, source: str, license: str, archives: list[Archive]) -> str:
    """A manifest's YAML text (used by the synthetic generator)."""
    doc = {
        "task": task,
        "source": source,
        "license": license,
        "archives": [
            {k: v for k, v in (("name", a.name), ("url", a.url), ("sha256", a.sha256), ("size", a.size),
                               ("extract", a.extract), ("md5", a.md5)) if v is not None or k == "sha256"}
            for a in archives
        ],
    }
    return yaml.safe_dump(doc, sort_keys=False)
