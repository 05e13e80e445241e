"""The SAM-BA client against the simulated Arduino nRF52 bootloader on a pty."""

from __future__ import annotations

import json

import pytest

from tests.flash.samba_sim import APP_BASE, BOOTLOADER, SambaSim
from tinyperf.cli import main
from tinyperf.errors import DeviceError, HardwareMissing
from tinyperf.flash import flash
from tinyperf.flash.samba import SambaClient
from tinyperf.fsutil import sha256_file


def test_image_lands_at_0x10000_and_is_verified(firmware, tmp_path):
    fw, data = firmware
    out = tmp_path / "flash.json"
    with SambaSim() as sim:
        record = flash("nano33ble", fw, sim.port, out, timeout=0.5)
        assert sim.wait(lambda: sim.reset_requested)
    assert sim.errors == []
    assert sim.app(len(data)) == data
    assert sim.flash[: len(BOOTLOADER)] == BOOTLOADER  # the bootloader is never touched
    assert set(sim.flash[APP_BASE + len(data) :]) == {0xFF}
    assert [c[0] for c in sim.commands[:4]] == ["N", "V", "I", "X"]
    assert record["method"] == "samba" and record["address"] == "0x00010000"
    assert record["bytes_written"] == 4 * 4096 and record["verified"] is True
    assert record["details"]["verify"] == "crc16" and record["details"]["chip"] == "nRF52840-QIAA"
    assert record["image_sha256"] == sha256_file(fw / "firmware.bin")
    assert json.loads(out.read_text()) == record


def test_readback_verify_without_checksum_extension(firmware, tmp_path):
    fw, data = firmware
    with SambaSim(version="Arduino Bootloader 1.0 [Arduino:XY]") as sim:
        record = flash("nano33ble", fw, sim.port, tmp_path / "r.json", timeout=0.5)
    assert sim.errors == []
    assert record["details"]["verify"] == "readback"
    assert any(c.startswith("R00010000,") for c in sim.commands)  # R reads absolute addresses
    assert not sim.reset_requested  # no K extension: the user presses reset
    assert sim.app(len(data)) == data


@pytest.mark.parametrize(
    ("version", "where"), [("Arduino Bootloader 2.0 [Arduino:IKXYZ]", "0x00011000"), ("old [Arduino:XY]", "0x00011234")]
)
def test_verification_failure_names_the_address(firmware, tmp_path, version, where):
    fw, _ = firmware
    with SambaSim(version=version, bad_write_at=0x1234) as sim, pytest.raises(DeviceError) as exc:
        flash("nano33ble", fw, sim.port, tmp_path / "r.json", timeout=0.5)
    assert "verification failed" in str(exc.value) and where in str(exc.value)
    assert not (tmp_path / "r.json").exists()


def test_silent_port_says_enter_bootloader(firmware, tmp_path):
    fw, _ = firmware
    with SambaSim(silent=True) as sim, pytest.raises(DeviceError) as exc:
        flash("nano33ble", fw, sim.port, tmp_path / "r.json", timeout=0.3)
    msg = str(exc.value)
    assert "N#" in msg and sim.port in msg and "double-tap reset" in msg


def test_bootloader_without_arduino_extensions_is_refused(firmware, tmp_path):
    fw, _ = firmware
    with SambaSim(version="v1.1 Dec 15 2010") as sim, pytest.raises(DeviceError, match="lacks the Arduino"):
        flash("nano33ble", fw, sim.port, tmp_path / "r.json", timeout=0.3)


def test_wrong_chip_is_refused(firmware, tmp_path):
    fw, _ = firmware
    with SambaSim(chip="ATSAMD21G18A") as sim, pytest.raises(DeviceError, match="not an nRF52840"):
        flash("nano33ble", fw, sim.port, tmp_path / "r.json", timeout=0.3)
    assert not any(c.startswith(("X", "Y")) for c in sim.commands)  # refused before erasing anything


def test_simulator_rejects_malformed_and_misplaced_commands():
    import serial

    from tinyperf.flash.common import read_exact

    with SambaSim() as sim:
        ser = serial.Serial(sim.port, 921600, timeout=0.2)
        client = SambaClient(ser, timeout=0.3, long_timeout=0.3)
        with pytest.raises(DeviceError, match=r"reply to Y00000010,00001000#: no complete reply within 0.3 s"):
            client.program(0x10, 4096)  # not page aligned: the loader refuses and does not answer
        ser.write(b"Y1234#")
        ser.flush()
        with pytest.raises(DeviceError, match="no complete reply"):
            read_exact(ser, 1, 0.3, "reply to Y1234#")
        assert "IKXYZ" in client.connect()  # still in sync after the rejections
        ser.close()
    assert "malformed command rejected: 'Y1234#'" in sim.errors
    assert "Y00000010,00001000: unaligned or out of range" in sim.errors


def test_missing_port_is_hardware_missing(firmware, tmp_path):
    fw, _ = firmware
    with pytest.raises(HardwareMissing) as exc:
        flash("nano33ble", fw, "/dev/ttyTINYPERF_ABSENT", tmp_path / "r.json", task="kws")
    msg = str(exc.value)
    assert "double-tap" in msg and "2341:005a" in msg
    assert ("snakemake --cores all --config board=nano33ble task=kws port=/dev/ttyUSB0 "
            "flash_port=/dev/ttyTINYPERF_ABSENT") in msg


def test_no_port_at_all_is_hardware_missing(firmware, tmp_path):
    fw, _ = firmware
    with pytest.raises(HardwareMissing, match="no serial port given for nano33ble"):
        flash("nano33ble", fw, None, tmp_path / "r.json")


def test_image_larger_than_the_app_region(tmp_path):
    (tmp_path / "firmware.bin").write_bytes(bytes(983040 + 1))
    with pytest.raises(DeviceError, match="more than the 983040-byte"):
        flash("nano33ble", tmp_path, "/dev/null", tmp_path / "r.json")


def test_cli_flashes_and_prints_errors(firmware, tmp_path, capsys):
    fw, data = firmware
    out = tmp_path / "rec.json"
    with SambaSim() as sim:
        rc = main(["flash", "--board", "nano33ble", "--firmware", str(fw), "--port", sim.port, "-o", str(out)])
    assert rc == 0 and sim.app(len(data)) == data
    assert json.loads(out.read_text())["port"] == sim.port
    rc = main(["flash", "--board", "nano33ble", "--firmware", str(fw), "--port", "/dev/ttyNOPE", "-o", str(out)])
    # exit status 3: stopped for absent hardware, not a failure of tinyperf's own
    assert rc == 3 and "attach the Arduino Nano 33 BLE Sense" in capsys.readouterr().err
