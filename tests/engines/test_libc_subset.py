"""firmware/engines/tflm/freestanding/libc_subset.c gives the same bits as the C library it stands in for."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SUBSET = REPO_ROOT / "firmware" / "engines" / "tflm" / "freestanding" / "libc_subset.c"
RENAMES = ["floor", "round", "roundf", "frexp", "strcmp", "strncmp"]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc absent")
def test_the_subset_equals_libm_bit_for_bit(tmp_path: Path) -> None:
    renames = [f"-D{n}=tp_{n}" for n in RENAMES]
    exe = tmp_path / "check"
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-fno-builtin", *renames,
                    f"-I{REPO_ROOT / 'firmware' / 'runtime'}", "-c", str(SUBSET), "-o", str(tmp_path / "s.o")],
                   check=True)
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-fno-builtin",
                    str(Path(__file__).with_suffix(".c")), str(tmp_path / "s.o"), "-lm", "-o", str(exe)],
                   check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout
    assert out.stdout.startswith("checked 1000") and out.stdout.strip().endswith("differ 0")
