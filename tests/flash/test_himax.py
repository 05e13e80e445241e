"""Himax WE-I Plus: image tool handling, boot menu and XMODEM-1K against the xmodem package's receiver."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

pytest.importorskip("xmodem")

from tests.flash.himax_sim import HimaxSim
from tinyperf.errors import BuildError, DeviceError, HardwareMissing
from tinyperf.flash import flash
from tinyperf.flash.himax import IMAGE_TOOL_ENV

SUB = 0x1A  # XMODEM pads the last block with it


def stand_in_image_gen(root: Path, fail: bool = False) -> Path:
    """An executable with image_gen's command line that splits the ELF into out_0.img / out_1.img.

    The real tool is closed and signs images; this stands in only for its interface (arguments, output names).
    """
    tool = root / "image_gen_linux"
    tool.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "args = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n"
        f"if {fail!r}: sys.exit('sign_tool: key file missing')\n"
        "data = open(args['-e'], 'rb').read()\n"
        "out = args['-o'][: -len('.img')]\n"
        "half = (len(data) // 2 + 1023) // 1024 * 1024\n"
        "for i, part in enumerate((data[:half], data[half:])):\n"
        "    open(f'{out}_{i}.img', 'wb').write(b'BLp' + part)\n"
    )
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return tool


def padded_to(received: bytes, image: bytes) -> bool:
    return received[: len(image)] == image and set(received[len(image) :]) <= {SUB} and len(received) % 1024 == 0


def test_boot_menu_then_xmodem_of_every_image(firmware, tmp_path):
    fw, _ = firmware
    tool = stand_in_image_gen(tmp_path)
    elf = (fw / "firmware.elf").read_bytes()
    with HimaxSim() as sim:
        record = flash("himax", fw, sim.port, tmp_path / "r.json", image_tool_path=str(tool), reset_timeout=5)
        assert sim.wait(lambda: len(sim.received) == 2)
    assert sim.errors == [] and not sim.booted_app
    half = (len(elf) // 2 + 1023) // 1024 * 1024
    assert padded_to(sim.received[0], b"BLp" + elf[:half]) and padded_to(sim.received[1], b"BLp" + elf[half:])
    assert record["method"] == "xmodem" and [i["name"] for i in record["details"]["images"]] == [
        "out_0.img",
        "out_1.img",
    ]
    assert record["bytes_written"] == len(elf) + 6 and record["image"].endswith("firmware.elf")


def test_prebuilt_image_needs_no_tool_and_survives_a_damaged_block(tmp_path):
    img = tmp_path / "app_0.img"
    img.write_bytes(bytes(range(256)) * 20)
    with HimaxSim(noise=2) as sim:
        flash("himax", tmp_path, sim.port, tmp_path / "r.json", reset_timeout=5)
        assert sim.wait(lambda: len(sim.received) == 1)
    assert sim.damaged == 2 and padded_to(sim.received[0], img.read_bytes())


def test_receiver_that_naks_every_block_fails_with_the_offset(tmp_path):
    (tmp_path / "app_0.img").write_bytes(bytes(5000))
    with HimaxSim(noise=10**6) as sim, pytest.raises(DeviceError) as exc:
        flash("himax", tmp_path, sim.port, tmp_path / "r.json", reset_timeout=5, retry=3)
    assert "XMODEM: app_0.img failed at offset 0x0: block 1 was refused 3 times" in str(exc.value)


def test_no_reset_banner_says_press_reset(tmp_path):
    (tmp_path / "app_0.img").write_bytes(bytes(100))
    with HimaxSim(boot_delay=60) as sim, pytest.raises(DeviceError) as exc:
        flash("himax", tmp_path, sim.port, tmp_path / "r.json", reset_timeout=0.5)
    assert "wake up evt:4" in str(exc.value) and "press reset" in str(exc.value)


def test_bootloader_without_xmodem_entry(tmp_path):
    (tmp_path / "app_0.img").write_bytes(bytes(100))
    with HimaxSim(menu=False) as sim, pytest.raises(DeviceError, match="did not open its boot menu"):
        flash("himax", tmp_path, sim.port, tmp_path / "r.json", reset_timeout=5, timeout=0.3)


def test_missing_image_tool_says_what_to_install(firmware, tmp_path, monkeypatch):
    fw, _ = firmware
    monkeypatch.delenv(IMAGE_TOOL_ENV, raising=False)
    with pytest.raises(HardwareMissing) as exc:
        flash("himax", fw, "/dev/ttyUSB0", tmp_path / "r.json", task="vww")
    msg = str(exc.value)
    assert "no Himax image tool configured" in msg and "config/boards/himax.yaml" in msg
    assert "toolchain.image_tool" in msg and IMAGE_TOOL_ENV in msg
    assert "snakemake --cores all --config board=himax task=vww port=/dev/ttyUSB0" in msg
    monkeypatch.setenv(IMAGE_TOOL_ENV, str(tmp_path / "nowhere" / "image_gen_linux"))
    with pytest.raises(HardwareMissing, match=r"image tool .*nowhere/image_gen_linux not found"):
        flash("himax", fw, "/dev/ttyUSB0", tmp_path / "r.json")


def test_failing_image_tool_is_a_build_error(firmware, tmp_path):
    fw, _ = firmware
    tool = stand_in_image_gen(tmp_path, fail=True)
    with pytest.raises(BuildError, match="key file missing"):
        flash("himax", fw, "/dev/ttyUSB0", tmp_path / "r.json", image_tool_path=str(tool))


def test_missing_port(tmp_path):
    (tmp_path / "app_0.img").write_bytes(bytes(100))
    with pytest.raises(HardwareMissing, match="attach the Himax WE-I Plus EVB"):
        flash("himax", tmp_path, "/dev/ttyTINYPERF_ABSENT", tmp_path / "r.json")
