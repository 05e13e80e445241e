"""The demo run, shared by the end-to-end tests (session scope: it runs once)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.workflow.smk import demo_workdir, snakemake


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wd = demo_workdir(tmp_path_factory.mktemp("demo"))
    started = time.monotonic()
    snakemake(wd, "--configfile", "config/demo.yaml", timeout=3 * 3600)
    (wd / "demo_seconds.txt").write_text(f"{time.monotonic() - started:.0f}\n")
    return wd


