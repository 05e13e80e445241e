"""The Ambiq Secure Bootloader client against the simulated SBL on a pty, and its link-address check."""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.flash.asb_sim import AsbSim
from tinyperf.errors import ConfigError, DeviceError, HardwareMissing
from tinyperf.flash import asb, flash, guidance


def asb_firmware(root: Path, size: int, origin: int = asb.APP_BASE, handler_at: int = 0x100, seed: int = 3) -> bytes:
    """A build directory whose firmware.bin starts with a Cortex-M vector table for *origin*."""
    data = bytearray(random.Random(seed).randbytes(size))
    handlers = [origin + handler_at + 1 if i not in (7, 8, 9, 10, 13) else 0 for i in range(1, 16)]
    struct.pack_into("<16I", data, 0, 0x10060000, *handlers)
    root.mkdir(parents=True, exist_ok=True)
    (root / "firmware.bin").write_bytes(data)
    return bytes(data)


@pytest.fixture
def fw(tmp_path: Path) -> tuple[Path, bytes]:
    """Three DATA packets' worth (the last partial), not a whole number of words."""
    return tmp_path / "fw", asb_firmware(tmp_path / "fw", 2 * asb.DATA_CHUNK + 1001)


def test_blob_headers_follow_ambiqs_layout():
    app = bytes(range(256)) * 4 + b"\x01\x02\x03"
    blob = asb.ota_blob(app)
    w0, crc, w2 = struct.unpack_from("<3I", blob)
    assert w0 == 0xCB000000 | len(blob) and len(blob) == 128 + len(app) + 1 and blob.endswith(b"\x03\x01")
    assert crc == zlib.crc32(blob[8:]) and w2 == 0x10008080
    assert struct.unpack_from("<4I", blob, 112) == (0xC000, 0, 0xFFFFFFFF, 0xFFFFFFFF)
    assert blob[16:112] == bytes(96)
    big = bytes(asb.SPLIT + 100)
    first, second = asb.wired_blocks(big)
    assert len(first) == 96 + asb.SPLIT and len(second) == 96 + 100
    assert (first[80], first[81], second[80], second[81]) == (6, 1, 6, 0)
    assert struct.unpack_from("<3I", first, 84) == (0x12344321, 0x20000, asb.SPLIT)
    assert struct.unpack_from("<3I", second, 84) == (0x12344321, 0x20000 + asb.SPLIT, 100)
    assert asb.message(asb.MSG_HELLO) == struct.pack("<I", zlib.crc32(b"\x00\x00\x08\x00")) + b"\x00\x00\x08\x00"


def test_image_is_installed_at_0xC000(fw, tmp_path):
    fw_dir, data = fw
    with AsbSim() as sim:
        record = flash("sparkfun_edge", fw_dir, sim.port, tmp_path / "r.json", method="asb", timeout=0.5)
        assert sim.wait(lambda: sim.reset)
    assert sim.errors == []
    assert sim.installed is not None and sim.installed[: len(data)] == data and len(sim.installed) == len(data) + 3
    assert sim.flash[0xC000] == sim.installed and sim.ota_descriptor == 0xFE000
    assert record["method"] == "asb" and record["address"] == "0x0000C000"
    details = record["details"]
    assert details["blocks"] == 1 and details["data_packets"] == 3 == sim.data_packets
    assert details["resends"] == 0 and details["reply_crc_errors"] == 0
    assert details["loader"] == {"version": 3, "max_storage": 0x48000, "status": 0, "state": 0}
    assert details["origin_checked_by"] == "vector table" and record["bytes_written"] == len(data) + 3


def test_large_image_goes_in_blocks_last_first(tmp_path):
    data = asb_firmware(tmp_path / "fw", asb.SPLIT + 5000)
    with AsbSim() as sim:
        record = flash("sparkfun_edge", tmp_path / "fw", sim.port, tmp_path / "r.json", method="asb", timeout=0.5)
        assert sim.wait(lambda: sim.reset)
    assert sim.errors == [] and sim.installed == data
    assert sorted(a for a in sim.flash if a != 0xC000) == [0x20000, 0x20000 + asb.SPLIT]
    assert record["details"]["blocks"] == 2


def test_corrupted_packets_are_resent(fw, tmp_path):
    fw_dir, data = fw
    with AsbSim(damage={0: 1, 2: 2}) as sim:
        record = flash("sparkfun_edge", fw_dir, sim.port, tmp_path / "r.json", method="asb", timeout=0.5)
        assert sim.wait(lambda: sim.reset)
    assert sim.errors == [] and sim.naks == 3
    assert record["details"]["resends"] == 3
    assert sim.installed is not None and sim.installed[: len(data)] == data


def test_a_packet_nakd_every_time_fails_with_its_offset(fw, tmp_path):
    fw_dir, _ = fw
    with AsbSim(nak_always=1) as sim, pytest.raises(DeviceError) as exc:
        flash("sparkfun_edge", fw_dir, sim.port, tmp_path / "r.json", method="asb", timeout=0.5, retries=2)
    msg = str(exc.value)
    seq = asb.DATA_CHUNK
    fw_offset = seq - 96 - 128
    assert msg.startswith(f"ASB: DATA packet at offset 0x{seq:X} of block 1/1 ")
    assert f"firmware offset 0x{fw_offset:X}, flash 0x{0xC000 + fw_offset:08X}" in msg
    assert "refused 3 times" in msg and "1 (failure)" in msg
    assert sim.installed is None and not (tmp_path / "r.json").exists()


def test_no_hello_response_says_the_board_is_not_in_bootloader_mode(fw, tmp_path):
    fw_dir, _ = fw
    with AsbSim(silent=True) as sim, pytest.raises(DeviceError) as exc:
        flash("sparkfun_edge", fw_dir, sim.port, tmp_path / "r.json", method="asb", timeout=0.2, attempts=2)
    msg = str(exc.value)
    assert msg.startswith(f"ASB: no reply to HELLO within 0.2 s on {sim.port} after 2 resets")
    assert "the board is not in bootloader mode" in msg and "--method svl" in msg and "DTR" in msg


def test_missing_port_is_hardware_missing_with_the_guidance(fw, tmp_path):
    fw_dir, _ = fw
    with pytest.raises(HardwareMissing) as exc:
        flash("sparkfun_edge", fw_dir, None, tmp_path / "r.json", method="asb", task="ad")
    assert str(exc.value) == guidance.attach_message("sparkfun_edge", "ad", reason="no serial port given for "
                                                     "sparkfun_edge")
    absent = str(tmp_path / "ttyUSB9")
    with pytest.raises(HardwareMissing) as exc:
        flash("sparkfun_edge", fw_dir, absent, tmp_path / "r.json", method="asb", task="ad")
    assert str(exc.value) == guidance.attach_message("sparkfun_edge", "ad", absent,
                                                     reason=f"ASB: serial port {absent} does not exist")


def test_image_linked_for_the_svl_is_refused(tmp_path):
    asb_firmware(tmp_path / "fw", 12000, origin=asb.SVL_BASE)
    with AsbSim() as sim, pytest.raises(ConfigError) as exc:
        flash("sparkfun_edge", tmp_path / "fw", sim.port, tmp_path / "r.json", method="asb")
    msg = str(exc.value)
    assert "linked for the SparkFun Variable Loader at 0x10000 (reset vector 0x00010101, from the vector table)" in msg
    assert "--method svl" in msg and "memory.flash_origin: 0x0000C000" in msg
    assert sim.errors == [] and sim.data_packets == 0


def test_elf_or_foreign_images_are_refused(tmp_path):
    elf = tmp_path / "firmware.elf"
    elf.write_bytes(b"\x7fELF" + bytes(100))
    with pytest.raises(ConfigError, match="is an ELF file"):
        asb.check_origin(elf, elf, elf.read_bytes())
    data = asb_firmware(tmp_path / "x", 4096, origin=0x8000)
    with pytest.raises(ConfigError, match="points outside the image"):
        asb.check_origin(tmp_path / "x", tmp_path / "x" / "firmware.bin", data)


# --- real ELF files: when the vector table fits both origins, the link address in the ELF decides ---------

CC = shutil.which("arm-none-eabi-gcc")
SOURCE = """
void Reset_Handler(void) { for (;;) { } }
__attribute__((section(".vectors"), used)) void (*const vectors[16])(void) = {
    (void (*)(void))0x10060000, Reset_Handler, Reset_Handler, Reset_Handler };
__attribute__((used)) const char padding[20000] = {1};
"""


def build(tmp_path: Path, origin: int) -> Path:
    """firmware.elf/.bin whose handler sits past 16 KB of padding: its vectors fit both origins."""
    out = tmp_path / f"build_{origin:x}"
    out.mkdir()
    (out / "a.c").write_text(SOURCE)
    (out / "a.ld").write_text(
        f"SECTIONS {{ . = 0x{origin:X}; .isr_vector : {{ KEEP(*(.vectors)) }} .rodata : {{ *(.rodata*) }} "
        ".text : { *(.text*) } }\n"
    )
    subprocess.run([CC, "-mcpu=cortex-m4", "-mthumb", "-O2", "-nostdlib", "-T", str(out / "a.ld"),
                    "-o", str(out / "firmware.elf"), str(out / "a.c")], check=True)
    subprocess.run([CC.replace("gcc", "objcopy"), "-O", "binary", str(out / "firmware.elf"),
                    str(out / "firmware.bin")], check=True)
    return out


@pytest.mark.skipif(CC is None, reason="arm-none-eabi-gcc not installed")
def test_the_elf_decides_when_the_vector_table_fits_both(tmp_path):
    good = build(tmp_path, asb.APP_BASE)
    image = good / "firmware.bin"
    data = image.read_bytes()
    reset = struct.unpack_from("<I", data, 4)[0]
    assert 0x10000 <= reset < asb.APP_BASE + len(data)  # fits at 0xC000 and at 0x10000
    assert asb.check_origin(good, image, data) == f"load address in {good / 'firmware.elf'}"
    alone = tmp_path / "alone.bin"
    shutil.copy(image, alone)
    with pytest.raises(ConfigError, match=r"cannot tell from .*alone\.bin alone .* pass the build directory"):
        asb.check_origin(alone, alone, data)
    svl = build(tmp_path, asb.SVL_BASE)
    with pytest.raises(ConfigError, match="linked for the SparkFun Variable Loader at 0x10000"):
        asb.check_origin(svl, svl / "firmware.bin", (svl / "firmware.bin").read_bytes())
