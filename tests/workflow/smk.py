"""Run snakemake as a user would, in a throw-away working directory that links the repository's sources."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# What a working directory needs from the repository; results/, resources/ and logs/ stay local to it.
SOURCES = ("Snakefile", "workflow", "config", "datasets", "firmware", "profiles", "envs")


def make_workdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        link = path / name
        if not link.exists():
            link.symlink_to(REPO_ROOT / name)
    return path


def demo_workdir(path: Path) -> Path:
    """A working directory as the demo runs in: the sources linked, workflow/ copied (so a run there does not
    touch the checkout's)."""
    import shutil

    path.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        src = REPO_ROOT / name
        if name == "workflow":
            shutil.copytree(src, path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (path / name).symlink_to(src)
    return path


def copy_checkout(dest: Path) -> Path:
    """The repository's files as a second clone would have them (tracked and new, not ignored), in *dest*."""
    import shutil

    import pytest

    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                            capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: cannot list its files")
    for rel in filter(None, listed.stdout.split("\0")):
        src = REPO_ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 3600,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    env = {**(env or os.environ), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
        )
    return proc


def planned_jobs(workdir: Path, *args: str) -> Counter:
    """Rule -> number of jobs a dry run plans (empty when nothing would run)."""
    proc = snakemake(workdir, "-n", "--quiet", "rules", *args)
    counts: Counter = Counter()
    text = proc.stdout + proc.stderr
    if "Nothing to be done" in text:
        return counts
    in_table = False
    for line in text.splitlines():
        if line.startswith("job") and "count" in line:
            in_table = True
            continue
        if in_table:
            m = re.match(r"^(\w+)\s+(\d+)\s*$", line.strip())
            if m and m.group(1) != "total":
                counts[m.group(1)] = int(m.group(2))
    return counts
