"""`tinyperf build`: outputs, memory.json, and a clear error when the model does not fit the board."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tinyperf.cli import main as tinyperf
from tinyperf.errors import BuildError
from tinyperf.firmware.build import build_firmware

from .helpers import make_model

needs_arm = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc absent")


@needs_arm
def test_qemu_build_outputs_and_memory_report(tmp_path: Path) -> None:
    model = make_model("ic").write(tmp_path / "m")
    assert tinyperf(["build", "--board", "qemu_m4", "--model", str(model), "--task", "ic", "-o",
                     str(tmp_path / "fw")]) == 0
    names = {p.name for p in (tmp_path / "fw").iterdir()}
    assert {"firmware.elf", "firmware.bin", "firmware.hex", "memory.json", "build.log"} <= names
    mem = json.loads((tmp_path / "fw" / "memory.json").read_text())
    assert mem["ram"]["limit_bytes"] == 4 * 1024 * 1024
    assert mem["ram"]["sections"][".stack"] >= 65536
    assert mem["ram"]["sections"][".bss"] >= 3072  # the db buffer
    assert mem["flash"]["used_bytes"] == sum(mem["flash"]["sections"].values())


@needs_arm
def test_model_too_big_for_the_board_is_a_build_error(tmp_path: Path) -> None:
    model = make_model("kws").write(tmp_path / "m")
    (model / "big.c").write_text("#include <stdint.h>\nvolatile int8_t big_arena[5000000];\n")
    source = (model / "model.c").read_text().replace("    return 0;", "    (void)big_arena[1];\n    return 0;")
    (model / "model.c").write_text("#include <stdint.h>\nextern volatile int8_t big_arena[];\n" + source)
    with pytest.raises(BuildError, match=r"kws needs \d+ KB RAM, qemu_m4 has 4096 KB"):
        build_firmware("qemu_m4", model, "kws", tmp_path / "fw")
    assert not (tmp_path / "fw").exists()


def test_missing_model_dir_is_a_build_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(BuildError, match=r"no \.c files"):
        build_firmware("host", tmp_path / "empty", "kws", tmp_path / "fw")
