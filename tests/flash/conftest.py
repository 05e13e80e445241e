"""Firmware directories as the build stage writes them, with deterministic contents."""

from __future__ import annotations

import random
from pathlib import Path

import pytest


def make_firmware(root: Path, size: int, seed: int = 1) -> bytes:
    data = random.Random(seed).randbytes(size)
    root.mkdir(parents=True, exist_ok=True)
    (root / "firmware.bin").write_bytes(data)
    (root / "firmware.elf").write_bytes(b"\x7fELF" + data)
    return data


@pytest.fixture
def firmware(tmp_path: Path) -> tuple[Path, bytes]:
    """A build directory with a 3.5-page image (the last page partial)."""
    fw = tmp_path / "firmware"
    return fw, make_firmware(fw, 3 * 4096 + 1234)
