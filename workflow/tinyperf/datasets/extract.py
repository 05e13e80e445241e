"""Safe extraction of a manifest's archives: every member must land inside its folder.

Rejected, with the member named: absolute paths, ``..`` components, links whose target leaves the folder,
device files and FIFOs. Each archive ``X.tar.gz`` / ``X.zip`` goes to ``RAW/X/``; the whole RAW directory is
built under a temporary name and renamed at the end, so a failed extraction leaves nothing under RAW.
RAW/extracted.json records each archive's sha256, the provenance ``prepare`` copies into meta.json.
"""

from __future__ import annotations

import logging
import os
import posixpath
import shutil
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

from tinyperf import fsutil
from tinyperf.datasets import manifest as mf
from tinyperf.errors import DatasetError

log = logging.getLogger(__name__)

RECORD = "extracted.json"


def _check_name(archive: str, name: str) -> str:
    """The member's normalised relative path, or DatasetError if it could land outside the folder."""
    if not name or "\x00" in name:
        raise DatasetError(f"{archive}: member with an empty or NUL-containing name")
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        raise DatasetError(f"{archive}: member {name!r} has an absolute path; refusing to extract it")
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise DatasetError(f"{archive}: member {name!r} contains '..'; refusing to extract it")
    return "/".join(parts)


def _check_link(archive: str, member: str, target: str, hard: bool) -> None:
    """A link must point inside the folder: hard links relative to the root, symlinks to their own folder."""
    unified = target.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        raise DatasetError(f"{archive}: link {member!r} points to the absolute path {target!r}; refusing it")
    base = "" if hard else posixpath.dirname(member)
    resolved = posixpath.normpath(posixpath.join(base, unified))
    if resolved == ".." or resolved.startswith("../"):
        raise DatasetError(f"{archive}: link {member!r} -> {target!r} points outside the archive's folder")


def _extract_tar(path: Path, dest: Path) -> int:
    try:
        with tarfile.open(path, "r:*") as tar:
            members = tar.getmembers()
            safe = []
            for m in members:
                rel = _check_name(path.name, m.name)
                if m.ischr() or m.isblk() or m.isfifo() or m.isdev():
                    raise DatasetError(f"{path.name}: member {m.name!r} is a device file or FIFO; refusing it")
                if m.issym() or m.islnk():
                    _check_link(path.name, rel, m.linkname, hard=m.islnk())
                if not rel:
                    continue
                safe.append(m)
            # The 'data' filter re-checks everything above and also drops set-uid bits and odd permissions.
            tar.extractall(dest, members=safe, filter="data")
            # Damage inside a member's data goes unnoticed until the compressed stream's own check (gzip CRC,
            # xz/bz2 checksums) at its end, which extraction may never read: drain it.
            assert tar.fileobj is not None
            while tar.fileobj.read(1 << 20):
                pass
            return len(safe)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise DatasetError(f"{path.name}: corrupted or unreadable tar archive: {exc}") from exc


def _extract_zip(path: Path, dest: Path) -> int:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            for info in infos:
                rel = _check_name(path.name, info.filename)
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    _check_link(path.name, rel, zf.read(info).decode("utf-8", "replace"), hard=False)
                elif stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                    raise DatasetError(f"{path.name}: member {info.filename!r} is not a file or folder")
            bad = zf.testzip()
            if bad is not None:
                raise DatasetError(f"{path.name}: corrupted zip archive: member {bad!r} fails its CRC check")
            count = 0
            for info in infos:
                rel = _check_name(path.name, info.filename)
                if not rel:
                    continue
                target = dest / rel
                mode = info.external_attr >> 16
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                if stat.S_ISLNK(mode):
                    os.symlink(zf.read(info).decode("utf-8"), target)
                else:
                    with zf.open(info) as src, open(target, "wb") as out:
                        shutil.copyfileobj(src, out, 1 << 20)
                count += 1
            return count
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, OSError) as exc:
        raise DatasetError(f"{path.name}: corrupted or unreadable zip archive: {exc}") from exc


def extract_archive(path: str | Path, dest: str | Path) -> int:
    """Extract one archive into *dest* (which must exist); returns the number of members written."""
    path, dest = Path(path), Path(dest)
    if zipfile.is_zipfile(path):
        return _extract_zip(path, dest)
    try:
        is_tar = tarfile.is_tarfile(path)
    except OSError as exc:
        raise DatasetError(f"{path.name}: unreadable: {exc}") from exc
    if is_tar:
        return _extract_tar(path, dest)
    raise DatasetError(f"{path.name}: neither a tar nor a zip archive (corrupted or truncated?)")


def extract_all(manifest_path: str | Path, downloads: str | Path, out_dir: str | Path,
                verify: bool = True) -> dict[str, Any]:
    """Extract every archive of the manifest from *downloads* into *out_dir*/<stem>/, atomically."""
    m = mf.load(manifest_path)
    downloads = Path(downloads)
    record: dict[str, Any] = {"task": m.task, "source": m.source, "archives": []}
    with fsutil.atomic_dir(out_dir) as tmp:
        for a in m.archives:
            path = downloads / a.name
            if not path.is_file():
                raise DatasetError(f"{path}: not downloaded; run `tinyperf dataset download --manifest "
                                   f"{m.path} -o {downloads}` first")
            sha = fsutil.sha256_file(path)
            if verify and a.sha256 is not None and sha != a.sha256:
                raise DatasetError(f"{path}: sha256 {sha} differs from the manifest's {a.sha256}")
            if a.extract:
                dest = tmp / a.stem
                dest.mkdir(parents=True, exist_ok=True)
                n = extract_archive(path, dest)
                log.info("%s: %d members -> %s/", a.name, n, a.stem)
            else:
                shutil.copy2(path, tmp / a.name)
                n = 1
            record["archives"].append({"name": a.name, "sha256": sha, "size": path.stat().st_size, "members": n})
        fsutil.write_json(tmp / RECORD, record)
    return record
