"""ESP-EYE through esptool: the command line we build, and esptool's own failure against a port with no ESP32."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flash.peer import PtyPeer
from tinyperf.errors import DeviceError, HardwareMissing
from tinyperf.flash import flash
from tinyperf.flash.esptool_flash import write_args

pytest.importorskip("esptool")


class Silent(PtyPeer):
    """A port where nothing answers: what esptool sees when the ESP32 is not in download mode."""

    def serve(self) -> None:
        while True:
            self.read(4096)


def test_write_args_put_the_app_at_0x10000():
    argv = write_args("/dev/ttyUSB0", Path("app.bin"))
    assert argv[:2] == ["--chip", "esp32"] and argv[-3:] == ["write-flash", "0x10000", "app.bin"]
    assert argv[argv.index("--port") + 1] == "/dev/ttyUSB0" and argv[argv.index("--baud") + 1] == "921600"


def test_esptool_against_a_silent_port_is_a_clear_device_error(firmware, tmp_path):
    fw, _ = firmware
    with Silent() as peer, pytest.raises(DeviceError) as exc:
        flash("esp_eye", fw, peer.port, tmp_path / "r.json", connect_attempts=1, baud=115200)
    msg = str(exc.value)
    assert "esptool write-flash failed: Failed to connect to ESP32" in msg and "hold BOOT" in msg
    assert not (tmp_path / "r.json").exists()


def test_no_port_and_absent_port(firmware, tmp_path):
    fw, _ = firmware
    with pytest.raises(HardwareMissing, match="attach the ESP-EYE over USB"):
        flash("esp_eye", fw, None, tmp_path / "r.json")
    with pytest.raises(HardwareMissing, match="/dev/ttyTINYPERF_ABSENT does not exist"):
        flash("esp_eye", fw, "/dev/ttyTINYPERF_ABSENT", tmp_path / "r.json")
