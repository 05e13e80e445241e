"""The demo run, shared by the end-to-end tests (session scope: it runs once)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.workflow.smk import REPO_ROOT, SOURCES, snakemake


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wd = tmp_path_factory.mktemp("demo")
    for name in SOURCES:
        src = REPO_ROOT / name
        if name == "workflow":
            shutil.copytree(src, wd / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (wd / name).symlink_to(src)
    started = time.monotonic()
    snakemake(wd, "--configfile", "config/demo.yaml", timeout=3 * 3600)
    (wd / "demo_seconds.txt").write_text(f"{time.monotonic() - started:.0f}\n")
    return wd


