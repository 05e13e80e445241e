"""The engines' pinned sources (config/engines.yaml): fetched like datasets, verified by git tree hash, cached.

A source is GitHub's archive of the pinned commit (https://github.com/<repo>/archive/<commit>.tar.gz), downloaded
with the dataset downloader (resumable, over file:// from a local folder of the same archives when one is given)
and extracted into a temporary folder. GitHub's archives carry no published checksum and their bytes are not
stable, so what is checked is what matters: the git tree hash of the extracted files must be the pinned commit's
tree. Only then is the tree renamed to resources/engines/<source>/tree, beside verified.json.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from tinyperf import fsutil, profiles
from tinyperf.datasets import download
from tinyperf.datasets import manifest as mf
from tinyperf.datasets.extract import extract_archive
from tinyperf.engines.gittree import tree_hash
from tinyperf.errors import ConfigError, DatasetError

ENGINES_FILE = profiles.CONFIG_DIR / "engines.yaml"
#: relative to the working directory, as every download of the workflow is
RESOURCES = Path("resources") / "engines"
DEFAULT_ENGINE = "tinyperf"
RECORD = "verified.json"

log = logging.getLogger(__name__)


@functools.cache
def _profile() -> dict[str, Any]:
    data = profiles.load_yaml(ENGINES_FILE)
    profiles.validate(data, "engines.schema.yaml", "config/engines.yaml")
    for name, eng in data["engines"].items():
        for src in eng.get("sources", []):
            if src not in data["sources"]:
                raise ConfigError(f"config/engines.yaml: engine {name} names source {src!r}, which sources: lacks")
    return dict(data)


def engines() -> tuple[str, ...]:
    """Every engine, tinyperf first."""
    return tuple(_profile()["engines"])


def all_sources() -> tuple[str, ...]:
    return tuple(_profile()["sources"])


def engine(name: str) -> dict[str, Any]:
    if name not in _profile()["engines"]:
        raise ConfigError(f"unknown engine {name!r}; allowed values: {', '.join(engines())}")
    return dict(_profile()["engines"][name])


def is_tflm(name: str) -> bool:
    return name != DEFAULT_ENGINE and bool(engine(name).get("sources"))


def tflm_kernels() -> list[str]:
    return list(_profile()["tflm_kernels"])


def source(name: str) -> dict[str, Any]:
    if name not in _profile()["sources"]:
        raise ConfigError(f"unknown engine source {name!r}; config/engines.yaml has {', '.join(_profile()['sources'])}")
    return dict(_profile()["sources"][name])


def archive(name: str) -> mf.Archive:
    """The download of source *name*: GitHub's archive of the pinned commit (no byte checksum: see the module)."""
    src = source(name)
    base = src["repo"].split("/")[1]
    return mf.Archive(name=f"{base}-{src['commit']}.tar.gz",
                      url=f"https://github.com/{src['repo']}/archive/{src['commit']}.tar.gz",
                      sha256=None, size=None, extract=True)


def tree_dir(name: str, root: Path = RESOURCES) -> Path:
    return root / name / "tree"


def fetch(name: str, root: str | Path = RESOURCES, mirror: str | Path | None = None) -> dict[str, Any]:
    """Make *root*/<name>/tree the verified tree of source *name*; returns (and writes) its record."""
    src, arc = source(name), archive(name)
    root = Path(root)
    out = root / name
    record_path = out / RECORD
    if record_path.is_file() and tree_dir(name, root).is_dir():
        try:
            old = json.loads(record_path.read_text())
            if old.get("tree") == src["tree"]:
                log.info("%s: already verified (tree %s)", name, src["tree"])
                return dict(old)
        except ValueError:
            pass
    if mirror is not None:
        arc = download.mirrored(arc, mirror)
    downloads = root / "downloads"
    got = download.fetch(arc, downloads, checked_by=f"the git tree hash of {src['repo']}@{src['commit'][:12]}")
    scratch = root / f".{name}.extract"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        extract_archive(downloads / arc.name, scratch)
        tops = list(scratch.iterdir())
        if len(tops) != 1 or not tops[0].is_dir():
            raise DatasetError(f"{arc.name}: expected one top folder (as GitHub's archives have), found "
                               f"{', '.join(sorted(p.name for p in tops)) or 'nothing'}")
        found = tree_hash(tops[0] / src.get("subtree", ""))
        if found != src["tree"]:
            (downloads / arc.name).unlink(missing_ok=True)
            where = f" for its folder {src['subtree']}/" if src.get("subtree") else ""
            raise DatasetError(f"{arc.name}: its files have git tree {found}, but {src['repo']}@{src['commit'][:12]} "
                               f"has tree {src['tree']}{where} (config/engines.yaml): not the pinned sources, or "
                               "damaged; the archive was removed, fetch it again")
        record = {"source": name, "repo": src["repo"], "commit": src["commit"], "tree": found,
                  "tree_of": src.get("subtree", "."), "url": arc.url,
                  "archive": {"name": arc.name, "sha256": got["sha256"], "size": got["size"]},
                  "license": src["license"]}
        with fsutil.atomic_dir(out) as tmp:
            tops[0].rename(tmp / "tree")
            fsutil.write_json(tmp / RECORD, record)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log.info("%s: %s@%s verified (tree %s)", name, src["repo"], src["commit"][:12], found)
    return record


def require(names: list[str], root: str | Path = RESOURCES) -> dict[str, Path]:
    """The verified trees of *names*; a missing one stops with the command that fetches it."""
    root = Path(root)
    out: dict[str, Path] = {}
    for name in names:
        path = tree_dir(name, root)
        if not (root / name / RECORD).is_file() or not path.is_dir():
            raise DatasetError(f"engine source {name} is not fetched ({path} missing): run `tinyperf engine fetch "
                               f"{name}` (offline: --mirror DIR, a folder holding {archive(name).name})")
        out[name] = path.resolve()
    return out
