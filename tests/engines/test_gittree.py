"""The git tree hash computed from files alone equals git's own, for every kind of entry git records."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tinyperf.engines.gittree import tree_hash

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git absent")


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


@needs_git
def test_tree_hash_is_gits(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "src" / "deep" / "er").mkdir(parents=True)
    (repo / "README").write_text("hello\n")
    (repo / "src" / "a.c").write_bytes(b"int a;\n\x00\xff binary too")
    (repo / "src" / "deep" / "er" / "z").write_text("")
    (repo / "src" / "deep" / "a-b").write_text("sorts before deep/er? git sorts trees as 'er/'\n")
    (repo / "src" / "deep.txt").write_text("a file beside a folder of the same stem\n")
    run = repo / "run.sh"
    run.write_text("#!/bin/sh\n")
    run.chmod(0o755)
    (repo / "link").symlink_to("src/a.c")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "x")
    shutil.rmtree(repo / ".git")
    # git does not record an empty folder; neither does the hash
    (repo / "empty").mkdir()
    expected = subprocess.run(["git", "-C", str(tmp_path), "init", "-q", "copy"], check=True)
    assert expected.returncode == 0
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, symlinks=True, dirs_exist_ok=True)
    _git(copy, "add", "-A")
    _git(copy, "commit", "-qm", "x")
    assert tree_hash(repo) == _git(copy, "rev-parse", "HEAD^{tree}")


def test_tree_hash_sees_one_changed_byte_and_mode(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    before = tree_hash(tmp_path)
    (tmp_path / "f").write_text("y")
    changed = tree_hash(tmp_path)
    (tmp_path / "f").chmod(0o755)
    assert len({before, changed, tree_hash(tmp_path)}) == 3
