"""Download a manifest's archives: resumable, retried, checksummed, renamed into place only when verified.

Bytes go to ``.<name>.part`` beside the final name. An interrupted transfer is resumed from the part's length
(HTTP Range; a seek for file:// URLs); a server that ignores Range restarts it. Only after the size and the
sha256 (and md5 where the manifest gives one) match is the part renamed to the archive's name, so whatever sits
under that name is verified. urllib only: file://, http://, https://.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, Any

from tinyperf import fsutil
from tinyperf.datasets import manifest as mf
from tinyperf.errors import DatasetError
from tinyperf.progress import Progress

log = logging.getLogger(__name__)

CHUNK = 1 << 20
USER_AGENT = "tinyperf-dataset-download/0.1 (+https://github.com/mlcommons/tiny)"


class _Incomplete(Exception):
    """The transfer ended early; worth a retry that resumes it."""


def part_path(out_dir: Path, name: str) -> Path:
    return out_dir / f".{name}.part"


def _digests(path: Path) -> tuple[str, str]:
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            sha.update(block)
            md5.update(block)
    return sha.hexdigest(), md5.hexdigest()


def verifiable(archive: mf.Archive) -> bool:
    """A file is verifiable by its sha256, or by the md5 its publisher gives where no sha256 is published
    (Zenodo publishes md5 only)."""
    return archive.sha256 is not None or archive.md5 is not None


def verify(path: Path, archive: mf.Archive) -> dict[str, Any]:
    """Check size, sha256 and md5 against the manifest; return what was checked. Raises DatasetError."""
    size = path.stat().st_size
    if archive.size is not None and size != archive.size:
        raise DatasetError(f"{archive.name}: size {size} bytes, the manifest says {archive.size}; "
                           "the download is truncated or the source changed")
    sha, md5 = _digests(path)
    if archive.sha256 is not None and sha != archive.sha256:
        raise DatasetError(f"{archive.name}: sha256 mismatch: got {sha}, the manifest says {archive.sha256}; "
                           f"the file from {archive.url} is corrupt or not the one the manifest pins")
    if archive.md5 is not None and md5 != archive.md5:
        raise DatasetError(f"{archive.name}: md5 mismatch: got {md5}, the manifest says {archive.md5}")
    checked = [c for c, v in (("size", archive.size), ("sha256", archive.sha256), ("md5", archive.md5)) if v]
    return {"name": archive.name, "size": size, "sha256": sha, "md5": md5, "checked": checked}


def _open(url: str, offset: int, timeout: float) -> tuple[IO[bytes], bool, int | None]:
    """Open *url* at *offset*: (stream, resumed, bytes remaining if known)."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        path = Path(urllib.request.url2pathname(parsed.path))
        if not path.is_file():
            raise DatasetError(f"{url}: no such file")
        f = open(path, "rb")  # noqa: SIM115 - returned to the caller, closed there
        f.seek(offset)
        return f, offset > 0, path.stat().st_size - offset
    if parsed.scheme not in ("http", "https"):
        raise DatasetError(f"{url}: unsupported URL scheme {parsed.scheme!r} (file, http, https)")
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if offset:
        req.add_header("Range", f"bytes={offset}-")
    resp = urllib.request.urlopen(req, timeout=timeout)
    resumed = offset > 0 and resp.status == 206
    length = resp.headers.get("Content-Length")
    return resp, resumed, int(length) if length is not None else None


def _transfer(archive: mf.Archive, part: Path, timeout: float) -> None:
    """One attempt: append to *part* from where it stops. Raises _Incomplete when the stream ends early."""
    offset = part.stat().st_size if part.exists() else 0
    if archive.size is not None and offset > archive.size:
        part.unlink()
        offset = 0
    if archive.size is not None and offset == archive.size:
        return
    stream, resumed, remaining = _open(archive.url, offset, timeout)
    with stream:
        if offset and not resumed:
            log.info("%s: the server ignored the range request; restarting", archive.name)
            offset = 0
        mode = "ab" if offset else "wb"
        total = archive.size if archive.size is not None else (offset + remaining if remaining is not None else None)
        with open(part, mode) as out, Progress(total=total, desc=archive.name, unit="B") as bar:
            bar.update(offset)
            got = offset
            while block := stream.read(CHUNK):
                out.write(block)
                got += len(block)
                bar.update(len(block))
            out.flush()
            os.fsync(out.fileno())
    if total is not None and got < total:
        raise _Incomplete(f"{archive.name}: the transfer stopped at {got} of {total} bytes")


def fetch(archive: mf.Archive, out_dir: str | Path, trust_unverified: bool = False, retries: int = 4,
          backoff_s: float = 1.0, timeout_s: float = 60.0, checked_by: str | None = None) -> dict[str, Any]:
    """Make ``out_dir/<name>`` a verified copy of *archive*; return its verification record. *checked_by*: what
    verifies a file that has no published checksum once it is here (the caller does that check)."""
    out_dir = Path(out_dir)
    if checked_by is not None:
        trust_unverified = True
    if not verifiable(archive) and not trust_unverified:
        raise DatasetError(
            f"{archive.name}: the manifest has no checksum for this file (sha256 and md5 null), so it cannot be "
            "verified; pass --trust-unverified (trust_unverified=True) to accept it on its size alone")
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / archive.name
    if final.exists():
        try:
            record = verify(final, archive)
            log.info("%s: already present and verified", archive.name)
            return record
        except DatasetError as exc:
            log.warning("%s: present but %s; downloading it again", archive.name, exc)
            final.unlink()
    part = part_path(out_dir, archive.name)
    last: Exception | None = None
    for attempt in range(retries + 1):
        try:
            _transfer(archive, part, timeout_s)
            break
        except DatasetError:
            raise
        except (_Incomplete, urllib.error.URLError, OSError, ConnectionError, TimeoutError) as exc:
            if isinstance(exc, urllib.error.HTTPError) and 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise DatasetError(f"{archive.name}: {archive.url} answered HTTP {exc.code} {exc.reason}") from exc
            last = exc
            if attempt < retries:
                delay = backoff_s * 2**attempt
                log.warning("%s: %s; retry %d/%d in %.1f s", archive.name, exc, attempt + 1, retries, delay)
                time.sleep(delay)
    else:
        raise DatasetError(f"{archive.name}: download failed after {retries + 1} attempts: {last}; "
                           f"the partial file {part.name} is kept and the next run resumes it")
    try:
        record = verify(part, archive)
    except DatasetError:
        part.unlink(missing_ok=True)  # a complete but wrong file cannot be resumed into a right one
        raise
    os.replace(part, final)
    if checked_by is not None and not verifiable(archive):
        log.info("%s: no published checksum; %s checks it next", archive.name, checked_by)
    elif not verifiable(archive):
        record["trusted_unverified"] = True
        log.warning("%s: accepted without a sha256 (its sha256 is %s)", archive.name, record["sha256"])
    log.info("%s: %d bytes, sha256 %s", archive.name, record["size"], record["sha256"])
    return record


def mirrored(archive: mf.Archive, mirror: str | Path) -> mf.Archive:
    """*archive* fetched over file:// from a local folder holding the same file (by name, at its top or one
    folder down), instead of from its URL. Its pinned size and checksums still decide whether it is accepted."""
    folder = Path(mirror).expanduser()
    if not folder.is_dir():
        raise DatasetError(f"mirror {folder}: no such folder")
    candidates = [folder / archive.name, *sorted(folder.glob(f"*/{archive.name}"))]
    for path in candidates:
        if path.is_file():
            return dataclasses.replace(archive, url=path.resolve().as_uri())
    raise DatasetError(f"{archive.name}: not in the mirror folder {folder} (looked for {folder / archive.name} "
                       f"and {folder}/*/{archive.name}); it is fetched from {archive.url} without a mirror")


def fetch_all(manifest_path: str | Path, out_dir: str | Path, trust_unverified: bool = False,
              record: str | Path | None = None, retries: int = 4, backoff_s: float = 1.0,
              mirror: str | Path | None = None) -> list[dict[str, Any]]:
    """Fetch every archive of a manifest into *out_dir* (from *mirror* when given: see mirrored); optionally
    write a JSON record of what was verified."""
    m = mf.load(manifest_path)
    if mirror is not None:
        m = dataclasses.replace(m, archives=tuple(mirrored(a, mirror) for a in m.archives))
    if not trust_unverified:
        missing = [a.name for a in m.archives if not verifiable(a)]
        if missing:
            raise DatasetError(f"{m.path}: no checksum for {', '.join(missing)}; these cannot be verified. "
                               "Pass --trust-unverified to accept them on their size alone.")
    records = [fetch(a, out_dir, trust_unverified, retries=retries, backoff_s=backoff_s) for a in m.archives]
    if record is not None:
        fsutil.write_json(record, {"task": m.task, "source": m.source, "manifest": str(m.path),
                                   "urls": [a.url for a in m.archives], "archives": records})
    return records
