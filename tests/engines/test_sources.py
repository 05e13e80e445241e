"""Engine sources are fetched like datasets and accepted only when their files are the pinned commit's tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.datasets.test_download_extract import _tar
from tinyperf.engines import sources
from tinyperf.errors import DatasetError

from .test_gittree import _git, needs_git


def test_pins_are_github_archives_of_full_commits() -> None:
    for name in sources.all_sources():
        pin, arc = sources.source(name), sources.archive(name)
        assert arc.url == f"https://github.com/{pin['repo']}/archive/{pin['commit']}.tar.gz"
        assert arc.name == f"{pin['repo'].split('/')[1]}-{pin['commit']}.tar.gz"
    for engine in sources.engines():
        assert set(sources.engine(engine).get("sources", [])) <= set(sources.all_sources())
    assert sources.engines()[0] == "tinyperf" and not sources.is_tflm("tinyperf")
    assert sources.is_tflm("tflm") and sources.is_tflm("tflm-cmsis-nn")


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A pinned source 'tiny' of a throw-away repository, and a mirror folder with its GitHub-style archive."""
    repo = tmp_path / "tiny"
    (repo / "include").mkdir(parents=True)
    (repo / "include" / "tiny.h").write_text("#define TINY 1\n")
    (repo / "LICENSE").write_text("Apache-2.0\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "tiny")
    commit, tree = _git(repo, "rev-parse", "HEAD"), _git(repo, "rev-parse", "HEAD^{tree}")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    archive = mirror / f"tiny-{commit}.tar.gz"
    subprocess.run(["git", "-C", str(repo), "archive", "--format=tar.gz", f"--prefix=tiny-{commit}/", "-o",
                    str(archive), commit], check=True)
    real = sources._profile()
    fake = {**real, "sources": {"tiny": {"repo": "example/tiny", "commit": commit, "tree": tree,
                                         "license": "Apache-2.0"}}}
    monkeypatch.setattr(sources, "_profile", lambda: fake)
    return {"commit": commit, "tree": tree, "mirror": mirror, "archive": archive, "root": tmp_path / "engines"}


@needs_git
def test_fetch_verifies_the_tree_over_file_urls(tiny: dict[str, Any]) -> None:
    record = sources.fetch("tiny", tiny["root"], mirror=tiny["mirror"])
    assert record["tree"] == tiny["tree"] and record["url"].startswith("file://")
    assert (tiny["root"] / "tiny" / "tree" / "include" / "tiny.h").read_text() == "#define TINY 1\n"
    assert sources.require(["tiny"], tiny["root"]) == {"tiny": (tiny["root"] / "tiny" / "tree").resolve()}
    # present and verified: nothing is fetched again (the mirror may be gone)
    shutil.rmtree(tiny["mirror"])
    assert sources.fetch("tiny", tiny["root"]) == record


@needs_git
def test_a_tampered_archive_is_refused_and_nothing_is_kept(tiny: dict[str, Any]) -> None:
    top = f"tiny-{tiny['commit']}/"
    _tar(tiny["archive"], {top + "include/tiny.h": b"#define TINY 2\n", top + "LICENSE": b"Apache-2.0\n"})
    with pytest.raises(DatasetError, match=r"its files have git tree [0-9a-f]{40}, but example/tiny@.* has tree "
                       + tiny["tree"]):
        sources.fetch("tiny", tiny["root"], mirror=tiny["mirror"])
    assert not (tiny["root"] / "tiny").exists()
    assert not (tiny["root"] / "downloads" / tiny["archive"].name).exists()  # a wrong file is not kept
    assert not list(tiny["root"].glob(".tiny*"))


@needs_git
def test_an_archive_not_laid_out_like_githubs_is_refused(tiny: dict[str, Any]) -> None:
    _tar(tiny["archive"], {"a/x": b"1", "b/y": b"2"})
    with pytest.raises(DatasetError, match="expected one top folder"):
        sources.fetch("tiny", tiny["root"], mirror=tiny["mirror"])
    assert not (tiny["root"] / "tiny").exists()


def test_an_unfetched_source_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"engine source cmsis-nn is not fetched .* `tinyperf engine fetch "
                       r"cmsis-nn` \(offline: --mirror DIR, a folder holding CMSIS-NN-4ab83cc3"):
        sources.require(["cmsis-nn"], tmp_path)


def test_a_missing_archive_in_the_mirror_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"tflite-micro-90b983c2.*not in the mirror folder"):
        sources.fetch("tflite-micro", tmp_path / "root", mirror=tmp_path)


@needs_git
def test_the_fetch_command(tiny: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    from tinyperf.cli import main as tinyperf

    assert tinyperf(["engine", "fetch", "tiny", "--root", str(tiny["root"]), "--mirror", str(tiny["mirror"])]) == 0
    assert f"tiny: example/tiny@{tiny['commit'][:12]} tree {tiny['tree']} verified" in capsys.readouterr().out
