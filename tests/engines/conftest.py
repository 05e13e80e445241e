"""The engines' verified sources and compiled libraries, made once and kept between test sessions.

A library takes a minute or two to compile on two cores, so each is cached under ~/.cache/tinyperf-tests (or
$TINYPERF_TEST_CACHE), keyed by what its objects depend on: the pinned sources, the library's own code and the
board's toolchain. The tests use them exactly as the workflow does.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, engine_archives

CACHE = Path(os.environ.get("TINYPERF_TEST_CACHE", Path.home() / ".cache" / "tinyperf-tests"))


def _code_key() -> str:
    parts = [REPO_ROOT / "config" / "engines.yaml", REPO_ROOT / "workflow" / "tinyperf" / "engines" / "library.py",
             REPO_ROOT / "workflow" / "tinyperf" / "firmware" / "toolchain.py"]
    return hashlib.sha256(b"".join(p.read_bytes() for p in parts)).hexdigest()[:12]


@pytest.fixture(scope="session")
def engine_root() -> Path:
    """resources/engines of a test session: every pinned source, fetched over file:// and verified."""
    from tinyperf.engines import sources

    archives = engine_archives()
    root = CACHE / "engine-sources"
    for name in sources.all_sources():
        sources.fetch(name, root, mirror=archives)
    return root


@pytest.fixture(scope="session")
def engine_library(engine_root: Path):  # type: ignore[no-untyped-def]
    """engine_library(engine, board) -> the library folder, built on first use."""
    from tinyperf.engines.library import build_library, toolchain_key

    def get(engine: str, board: str) -> Path:
        out = CACHE / "engine-libraries" / f"{engine}-{toolchain_key(board)}-{_code_key()}"
        if not (out / "library.json").is_file():
            build_library(engine, board, out, engine_root)
        return out

    return get
