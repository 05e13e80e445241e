"""The dispatcher: boards without a loader, method choice, and the guidance helper Snakemake calls."""

from __future__ import annotations

import json

import pytest

from tinyperf.errors import BuildError, ConfigError
from tinyperf.flash import METHODS, flash, methods_for
from tinyperf.flash.guidance import attach_message, continue_command, tool_message
from tinyperf.fsutil import sha256_file


@pytest.mark.parametrize("board", ["host", "qemu_m4"])
def test_boards_without_loader_get_a_record_only(firmware, tmp_path, board):
    fw, _ = firmware
    out = tmp_path / "flash.json"
    record = flash(board, fw, None, out)
    assert record["method"] == "none" and record["port"] is None and record["bytes_written"] == 0
    assert record["image"].endswith("firmware.elf") and record["image_sha256"] == sha256_file(fw / "firmware.elf")
    assert json.loads(out.read_text()) == record
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left behind


def test_host_executable_without_elf(tmp_path):
    exe = tmp_path / "firmware"
    exe.write_bytes(b"\x7fELF host")
    (tmp_path / "firmware").chmod(0o755)
    assert flash("host", exe, None, tmp_path / "r.json")["image_sha256"] == sha256_file(exe)


def test_missing_firmware_is_a_build_error(tmp_path):
    with pytest.raises(BuildError, match="no such file or directory"):
        flash("qemu_m4", tmp_path / "absent", None, tmp_path / "r.json")
    with pytest.raises(BuildError, match=r"holds none of firmware\.bin"):
        flash("nano33ble", tmp_path, "/dev/null", tmp_path / "r.json")


def test_method_must_be_the_boards(firmware, tmp_path):
    fw, _ = firmware
    assert methods_for("nano33ble") == ["samba", "pyocd"] and methods_for("sparkfun_edge") == ["svl", "asb", "pyocd"]
    assert methods_for("qemu_m4") == ["none"] and methods_for("esp_eye") == ["esptool"]
    with pytest.raises(ConfigError, match="cannot be flashed with 'esptool'"):
        flash("nano33ble", fw, None, tmp_path / "r.json", method="esptool")


def test_asb_goes_to_its_client(firmware, tmp_path):
    """--method asb reaches the Ambiq Secure Bootloader client (tests/flash/test_asb.py), which reads the image's
    vector table before it touches the port: random bytes are no application for 0xC000."""
    fw, _ = firmware
    assert METHODS["asb"] == "tinyperf.flash.asb"
    with pytest.raises(ConfigError, match=r"^ASB: .*firmware\.bin is not an application for 0xC000"):
        flash("sparkfun_edge", fw, "/dev/ttyUSB0", tmp_path / "r.json", method="asb")
    assert not (tmp_path / "r.json").exists()


def test_guidance_messages_name_the_attachment_and_the_command():
    msg = attach_message("nano33ble", "kws", "/dev/ttyACM0")
    assert msg.startswith("attach the Arduino Nano 33 BLE Sense over USB and double-tap its reset button")
    # flashed through the bootloader's USB port, measured through the header UART's adapter
    assert msg.endswith("then rerun: snakemake --cores all --config board=nano33ble task=kws port=/dev/ttyUSB0 "
                        "flash_port=/dev/ttyACM0")
    assert continue_command("himax") == "snakemake --cores all --config board=himax task=<task> port=/dev/ttyUSB0"
    assert "toolchain.image_tool" in tool_message("himax_image_tool", "himax", "ad")
