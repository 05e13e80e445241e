"""esp_eye needs ESP-IDF's xtensa-esp32-elf toolchain, which no registry reachable here provides: without it
the build stops with install steps; with it in ESP-IDF's tools folder, the build finds it."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from tinyperf import profiles
from tinyperf.errors import HardwareMissing
from tinyperf.firmware.build import build_firmware
from tinyperf.firmware.toolchain import find_compiler

CC = "xtensa-esp32-elf-gcc"


@pytest.fixture
def no_idf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An environment with ESP-IDF nowhere: PATH without it, IDF_TOOLS_PATH and HOME empty folders."""
    if shutil.which(CC):
        pytest.skip(f"{CC} is installed here")
    monkeypatch.setenv("IDF_TOOLS_PATH", str(tmp_path / "idf-tools"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def test_missing_toolchain_says_how_to_install(no_idf: Path) -> None:
    model = no_idf / "model"  # never reached: the compiler is looked up first
    model.mkdir()
    with pytest.raises(HardwareMissing) as exc:
        build_firmware("esp_eye", model, "kws", no_idf / "fw")
    msg = str(exc.value)
    assert msg.startswith(f"{CC} not found")
    for step in ("git clone -b v5", "https://github.com/espressif/esp-idf", "./install.sh esp32", ". ./export.sh",
                 "IDF_TOOLS_PATH", "toolchain.prefix"):
        assert step in msg, step
    assert not (no_idf / "fw").exists()


@pytest.mark.parametrize("layout", ["xtensa-esp-elf/esp-13.2.0_20240530/xtensa-esp-elf/bin",
                                    "xtensa-esp32-elf/esp-2022r1-11.2.0/xtensa-esp32-elf/bin"])
def test_compiler_found_in_idf_tools_folder(no_idf: Path, layout: str) -> None:
    """ESP-IDF >= 5.1 and older releases lay the compiler out differently; both are searched. (The file is
    only located, never run.)"""
    bindir = no_idf / "idf-tools" / "tools" / layout
    bindir.mkdir(parents=True)
    cc = bindir / CC
    cc.write_text("#!/bin/sh\nexit 1\n")
    cc.chmod(cc.stat().st_mode | stat.S_IXUSR)
    assert find_compiler("esp_eye", profiles.board("esp_eye")) == str(cc)


def test_image_is_made_by_esptool_not_objcopy() -> None:
    """A flat objcopy .bin of IRAM (0x4008_0400) + DRAM (0x3FFB_0000) would be 1 GB: the profile asks esptool."""
    tc = profiles.board("esp_eye")["toolchain"]
    assert "firmware.bin" not in tc["images"]
    (step,) = tc["post_link"]
    assert step[:6] == ["{python}", "-m", "esptool", "--chip", "esp32", "elf2image"]
    assert "{out}/firmware.bin" in step and "{elf}" in step
