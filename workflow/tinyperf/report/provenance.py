"""Where a result came from: the git commit, a hash of the effective configuration, tool versions."""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import shutil
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from tinyperf import REPO_ROOT, __version__, profiles

PACKAGES = ("tensorflow", "tf-keras", "tensorflow-model-optimization", "numpy", "snakemake", "pandas",
            "matplotlib", "scikit-learn")


def config_hash(cfg: dict[str, Any]) -> str:
    """sha256 (first 16 hex digits) of the effective configuration (defaults filled), key order ignored."""
    text = json.dumps(cfg, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def config_hash_of_file(path: str | Path, overrides: dict[str, Any] | None = None) -> str:
    from tinyperf import config as tpconfig

    cfg = dict(profiles.load_yaml(path) or {})
    cfg.update(overrides or {})
    return config_hash(tpconfig.validate(cfg))


@functools.cache
def git_commit(repo: Path = REPO_ROOT) -> str:
    """HEAD of the checkout tinyperf runs from, ``+dirty`` when tracked files differ; ``unknown`` outside git."""
    if not shutil.which("git"):
        return "unknown"
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=20, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=20, check=True).stdout.strip()
    except (subprocess.SubprocessError, OSError):
        return "unknown"
    return head + ("+dirty" if status else "")


def package_versions() -> dict[str, str]:
    out = {"tinyperf": __version__, "python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    return out


@functools.cache
def compiler_version(board: str) -> str | None:
    """``<prefix>gcc <version>`` of the board's toolchain as installed here, or None when absent."""
    prefix = profiles.board(board)["toolchain"]["prefix"]
    cc = f"{prefix}gcc"
    if not shutil.which(cc):
        return None
    try:
        out = subprocess.run([cc, "-dumpfullversion"], capture_output=True, text=True, timeout=20)
    except (subprocess.SubprocessError, OSError):
        return None
    return f"{cc} {out.stdout.strip()}" if out.returncode == 0 and out.stdout.strip() else None
