"""The SVL client against the simulated Artemis loader on a pty."""

from __future__ import annotations

import pytest

from tests.flash.svl_sim import SvlSim
from tinyperf.errors import DeviceError, HardwareMissing
from tinyperf.flash import flash
from tinyperf.flash.svl import crc16, encode, frames


def test_crc_is_crc16_umts_and_packets_check_to_zero():
    assert crc16(b"123456789") == 0xFEE8  # the catalogued check value of CRC-16/UMTS (poly 0x8005)
    pkt = encode(4, b"\x01\x02\x03\x04")
    assert pkt[:2] == b"\x00\x07" and crc16(pkt[2:]) == 0


def test_frames_are_padded_to_whole_words():
    assert [len(f) for f in frames(bytes(4097))] == [2048, 2048, 4]
    assert frames(bytes(5))[-1] == bytes(5) + b"\xff" * 3


def test_image_is_assembled_frame_by_frame(firmware, tmp_path):
    fw, data = firmware
    with SvlSim() as sim:
        record = flash("sparkfun_edge", fw, sim.port, tmp_path / "r.json", timeout=0.5)
        assert sim.wait(lambda: sim.done)
    assert sim.errors == []
    assert bytes(sim.image[: len(data)]) == data and set(sim.image[len(data) :]) <= {0xFF}
    assert record["method"] == "svl" and record["address"] == "0x00010000"
    assert record["details"]["frames"] == 7 and record["details"]["loader_version"] == 6
    assert record["bytes_written"] == len(sim.image)


def test_damaged_frames_are_resent(firmware, tmp_path):
    fw, data = firmware
    with SvlSim(damage={0: 1, 3: 2}) as sim:
        record = flash("sparkfun_edge", fw, sim.port, tmp_path / "r.json", timeout=0.5)
    assert sim.errors == [] and sim.retries_sent == 3
    assert record["details"]["resends"] == 3
    assert bytes(sim.image[: len(data)]) == data


def test_a_frame_damaged_every_time_fails_with_its_offset(firmware, tmp_path):
    fw, _ = firmware
    with SvlSim(damage={2: 99}) as sim, pytest.raises(DeviceError) as exc:
        flash("sparkfun_edge", fw, sim.port, tmp_path / "r.json", timeout=0.5, retries=2)
    assert "frame 3 at 0x00011000 (image offset 0x1000) rejected 3 times" in str(exc.value)
    assert not (tmp_path / "r.json").exists()


def test_silent_loader_is_a_handshake_error(firmware, tmp_path):
    fw, _ = firmware
    with SvlSim(silent=True) as sim, pytest.raises(DeviceError) as exc:
        flash("sparkfun_edge", fw, sim.port, tmp_path / "r.json", timeout=0.3, attempts=2)
    msg = str(exc.value)
    assert msg.startswith(f"SVL: no bootloader handshake within 2 s on {sim.port}") and "bootloader mode" in msg


def test_version_packet_with_bad_crc_is_refused(firmware, tmp_path):
    fw, _ = firmware
    with SvlSim(bad_version_crc=True) as sim, pytest.raises(DeviceError, match="failed its CRC"):
        flash("sparkfun_edge", fw, sim.port, tmp_path / "r.json", timeout=0.3, attempts=1)


def test_loader_that_stops_answering_times_out_with_the_offset(firmware, tmp_path):
    fw, _ = firmware
    with SvlSim(stall_after=2) as sim, pytest.raises(DeviceError) as exc:
        flash("sparkfun_edge", fw, sim.port, tmp_path / "r.json", timeout=0.3)
    assert "reply to frame 2 (image offset 0x800)" in str(exc.value) and "within 0.3 s" in str(exc.value)


def test_unsupported_baud_and_missing_port(firmware, tmp_path):
    fw, _ = firmware
    with pytest.raises(DeviceError, match="detects only"):
        flash("sparkfun_edge", fw, "/dev/null", tmp_path / "r.json", baud=9600)
    with pytest.raises(HardwareMissing) as exc:
        flash("sparkfun_edge", fw, None, tmp_path / "r.json", task="ad")
    assert "USB-serial adapter" in str(exc.value)
    assert "snakemake --cores all --config board=sparkfun_edge task=ad port=/dev/ttyUSB0" in str(exc.value)
