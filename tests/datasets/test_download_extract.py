"""Download, verification and safe extraction: every failure is clear and leaves nothing under a final name."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from tinyperf.cli import main as cli_main
from tinyperf.datasets import download, extract
from tinyperf.datasets import manifest as mf
from tinyperf.errors import DatasetError


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _manifest(tmp: Path, archives: list[dict], task: str = "kws") -> Path:
    path = tmp / "manifest.yaml"
    path.write_text(yaml.safe_dump({"task": task, "source": "test", "license": "test", "archives": archives}))
    return path


def _entry(path: Path, **over) -> dict:
    data = path.read_bytes()
    entry = {"name": path.name, "url": path.resolve().as_uri(), "sha256": hashlib.sha256(data).hexdigest(),
             "size": len(data), "extract": True}
    entry.update(over)
    return entry


def _final_names(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir() if not p.name.startswith(".")) if d.exists() else []


@pytest.fixture
def src(tmp_path: Path) -> Path:
    d = tmp_path / "src"
    d.mkdir()
    return d


def test_download_verifies_and_renames(tmp_path: Path, src: Path) -> None:
    arc = _tar(src / "data.tar.gz", {"a/x.txt": b"hello" * 1000})
    m = _manifest(tmp_path, [_entry(arc)])
    out = tmp_path / "dl"
    records = download.fetch_all(m, out, record=out / "verified.json")
    assert (out / "data.tar.gz").read_bytes() == arc.read_bytes()
    assert records[0]["checked"] == ["size", "sha256"]
    assert not any(p.name.endswith(".part") for p in out.iterdir())
    assert (out / "verified.json").is_file()
    # a second run finds the verified file and does not fetch it again
    arc.unlink()
    download.fetch_all(m, out)


def test_checksum_mismatch_leaves_nothing(tmp_path: Path, src: Path) -> None:
    arc = _tar(src / "data.tar.gz", {"x.txt": b"abc"})
    m = _manifest(tmp_path, [_entry(arc, sha256="0" * 64)])
    out = tmp_path / "dl"
    with pytest.raises(DatasetError, match="sha256 mismatch"):
        download.fetch_all(m, out, backoff_s=0)
    assert os.listdir(out) == []


def test_truncated_download_is_kept_as_part_and_resumed(tmp_path: Path, src: Path) -> None:
    full = _tar(src / "data.tar.gz", {"x.bin": os.urandom(300_000)})
    data = full.read_bytes()
    entry = _entry(full)
    full.write_bytes(data[:100_000])  # the source now ends early: a truncated transfer
    m = _manifest(tmp_path, [entry])
    out = tmp_path / "dl"
    with pytest.raises(DatasetError, match=r"stopped at 100000 of \d+ bytes"):
        download.fetch_all(m, out, retries=1, backoff_s=0)
    assert _final_names(out) == []
    part = download.part_path(out, "data.tar.gz")
    assert part.stat().st_size == 100_000
    full.write_bytes(data)  # the source is whole again: the next run resumes from byte 100000
    download.fetch_all(m, out, backoff_s=0)
    assert (out / "data.tar.gz").read_bytes() == data and not part.exists()


def test_file_without_any_checksum_refused_unless_trusted(tmp_path: Path, src: Path) -> None:
    arc = _tar(src / "data.tar.gz", {"x.txt": b"abc"})
    m = _manifest(tmp_path, [_entry(arc, sha256=None)])
    out = tmp_path / "dl"
    with pytest.raises(DatasetError, match=r"data\.tar\.gz.*--trust-unverified"):
        download.fetch_all(m, out)
    assert _final_names(out) == []
    records = download.fetch_all(m, out, trust_unverified=True)
    assert records[0]["checked"] == ["size"] and records[0]["trusted_unverified"]


def test_publishers_md5_verifies_when_no_sha256_is_published(tmp_path: Path, src: Path) -> None:
    arc = _tar(src / "data.tar.gz", {"x.txt": b"abc"})
    md5 = hashlib.md5(arc.read_bytes()).hexdigest()
    out = tmp_path / "dl"
    records = download.fetch_all(_manifest(tmp_path, [_entry(arc, sha256=None, md5=md5)]), out)
    assert records[0]["checked"] == ["size", "md5"] and "trusted_unverified" not in records[0]
    bad = _manifest(tmp_path, [_entry(arc, sha256=None, md5="0" * 32)])
    (out / "data.tar.gz").unlink()
    with pytest.raises(DatasetError, match="md5 mismatch"):
        download.fetch_all(bad, out)
    assert _final_names(out) == []


def test_tracked_manifests_are_real() -> None:
    for task in mf.DATA_TASKS:
        m = mf.load(mf.tracked(task))
        assert m.task == task
        for a in m.archives:
            assert a.url.startswith(("http://", "https://")), a.url
            assert a.size and a.size > 1_000_000
            assert a.sha256 is not None or a.md5 is not None
    assert mf.load(mf.tracked("kws")).archives[0].sha256 == (
        "af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58")


def test_unknown_task_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(DatasetError, match="unknown task 'speech'"):
        mf.tracked("speech")
    rc = cli_main(["dataset", "synth", "speech", "-o", str(tmp_path / "s")])
    assert rc == 2 and "unknown task 'speech'" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
    rc = cli_main(["dataset", "prepare", "speech", "--raw", str(tmp_path), "-o", str(tmp_path / "p")])
    assert rc == 2 and not (tmp_path / "p").exists()


# --- extraction ------------------------------------------------------------------------------------------------


def _extract(tmp_path: Path, arc: Path) -> Path:
    m = _manifest(tmp_path, [_entry(arc)])
    raw = tmp_path / "raw"
    extract.extract_all(m, arc.parent, raw)
    return raw


def test_extracts_tar_and_zip_into_stem_folders(tmp_path: Path, src: Path) -> None:
    t = _tar(src / "a.tar.gz", {"d/one.txt": b"1", "./two.txt": b"2"})
    z = src / "b.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("B/three.txt", b"3")
    m = _manifest(tmp_path, [_entry(t), _entry(z)])
    raw = tmp_path / "raw"
    rec = extract.extract_all(m, src, raw)
    assert (raw / "a" / "d" / "one.txt").read_bytes() == b"1"
    assert (raw / "a" / "two.txt").read_bytes() == b"2"
    assert (raw / "b" / "B" / "three.txt").read_bytes() == b"3"
    assert [a["members"] for a in rec["archives"]] == [2, 1]
    assert (raw / extract.RECORD).is_file()


@pytest.mark.parametrize("name", ["../evil.txt", "a/../../evil.txt", "/etc/evil.txt", "C:/evil.txt"])
def test_tar_member_escaping_is_refused(tmp_path: Path, src: Path, name: str) -> None:
    arc = _tar(src / "bad.tar.gz", {"ok.txt": b"fine", name: b"evil"})
    with pytest.raises(DatasetError, match="refusing"):
        _extract(tmp_path, arc)
    assert not (tmp_path / "raw").exists()
    assert not any(p.name == "evil.txt" for p in tmp_path.rglob("*"))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".raw")] == []


@pytest.mark.parametrize("name", ["../evil.txt", "/abs/evil.txt"])
def test_zip_member_escaping_is_refused(tmp_path: Path, src: Path, name: str) -> None:
    arc = src / "bad.zip"
    with zipfile.ZipFile(arc, "w") as zf:
        zf.writestr("ok.txt", b"fine")
        zf.writestr(zipfile.ZipInfo(name), b"evil")  # ZipInfo keeps the name as given
    with pytest.raises(DatasetError, match="refusing"):
        _extract(tmp_path, arc)
    assert not (tmp_path / "raw").exists()


@pytest.mark.parametrize(("kind", "target"), [(tarfile.SYMTYPE, "../../outside"), (tarfile.SYMTYPE, "/etc/passwd"),
                                              (tarfile.LNKTYPE, "../outside")])
def test_links_out_are_refused(tmp_path: Path, src: Path, kind: bytes, target: str) -> None:
    arc = src / "links.tar.gz"
    with tarfile.open(arc, "w:gz") as tar:
        info = tarfile.TarInfo("d/link")
        info.type = kind
        info.linkname = target
        tar.addfile(info)
    with pytest.raises(DatasetError, match="link"):
        _extract(tmp_path, arc)
    assert not (tmp_path / "raw").exists()


def test_device_member_is_refused(tmp_path: Path, src: Path) -> None:
    arc = src / "dev.tar.gz"
    with tarfile.open(arc, "w:gz") as tar:
        info = tarfile.TarInfo("null")
        info.type = tarfile.CHRTYPE
        tar.addfile(info)
    with pytest.raises(DatasetError, match="device"):
        _extract(tmp_path, arc)
    assert not (tmp_path / "raw").exists()


def test_link_inside_is_allowed(tmp_path: Path, src: Path) -> None:
    arc = src / "ok.tar.gz"
    with tarfile.open(arc, "w:gz") as tar:
        data = b"x"
        f = tarfile.TarInfo("d/file")
        f.size = 1
        tar.addfile(f, io.BytesIO(data))
        link = tarfile.TarInfo("d/sub/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "../file"
        tar.addfile(link)
    raw = _extract(tmp_path, arc)
    assert (raw / "ok" / "d" / "sub" / "link").read_bytes() == b"x"


@pytest.mark.parametrize("suffix", [".tar.gz", ".zip"])
def test_corrupted_archive_is_a_clear_error(tmp_path: Path, src: Path, suffix: str) -> None:
    if suffix == ".zip":
        good = src / "c.zip"
        with zipfile.ZipFile(good, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("x.bin", os.urandom(50_000))
    else:
        good = _tar(src / "c.tar.gz", {"x.bin": os.urandom(50_000)})
    data = bytearray(good.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\0" * 64  # damage the compressed payload
    good.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match=r"corrupted|neither a tar nor a zip"):
        _extract(tmp_path, good)
    assert not (tmp_path / "raw").exists()


def test_extract_rechecks_the_checksum(tmp_path: Path, src: Path) -> None:
    arc = _tar(src / "a.tar.gz", {"x.txt": b"1"})
    m = _manifest(tmp_path, [_entry(arc, sha256="1" * 64)])
    with pytest.raises(DatasetError, match="differs from the manifest"):
        extract.extract_all(m, src, tmp_path / "raw")
    assert not (tmp_path / "raw").exists()


def test_cli_download_extract(tmp_path: Path, src: Path) -> None:
    arc = _tar(src / "a.tar.gz", {"x.txt": b"1"})
    m = _manifest(tmp_path, [_entry(arc)])
    assert cli_main(["dataset", "download", "--manifest", str(m), "-o", str(tmp_path / "dl"),
                     "--record", str(tmp_path / "dl" / "verified.json")]) == 0
    assert cli_main(["dataset", "extract", "--manifest", str(m), "--downloads", str(tmp_path / "dl"),
                     "-o", str(tmp_path / "raw")]) == 0
    assert (tmp_path / "raw" / "a" / "x.txt").read_bytes() == b"1"
