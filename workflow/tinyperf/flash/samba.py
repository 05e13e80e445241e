"""Arduino nRF52 bootloader (Nano 33 BLE): the SAM-BA monitor subset that Arduino's bossac uses, over pyserial.

Debian's bossac has no nRF52840 device entry, so we speak the protocol ourselves. What the Arduino
bootloader understands (arduino/BOSSA Samba.cpp; Arduino runs ``bossac -U -i -e -w app.bin -R``):

- ``N#`` binary mode, answered by two bytes (``\\n\\r``);
- ``V#`` version; Arduino's extensions are listed as ``[Arduino:IKXYZ]`` (I identify, K reset, X chip erase,
  Y write buffer to flash, Z CRC of flash);
- ``I#`` chip name (``nRF52840-QIAA``); ``X<addr>#`` erase from addr (``X\\n\\r``);
- ``S<addr>,<size>#`` + raw data into the RAM buffer (USB CDC: no XMODEM framing);
- ``Y<src>,0#`` choose the buffer source, ``Y<dst>,<size>#`` program it into flash (each answered ``Y\\n\\r``);
- ``Z<addr>,<size>#`` CRC-16/XMODEM of flash, answered ``Z<8 hex>#\\n\\r``; ``R<addr>,<size>#`` raw read;
  ``K#`` reset into the application.

Addresses of X, Y and Z are offsets from the end of the bootloader: this bootloader relocates them into its
application region at 0x10000 (Zephyr PR 34947, ArduinoCore-zephyr PR 509), so the application's first byte is
offset 0. R reads memory directly, at absolute addresses.
"""

from __future__ import annotations

import binascii
import re
import time
from typing import Any

import serial

from tinyperf import __version__
from tinyperf.errors import DeviceError
from tinyperf.flash.common import FlashResult, FlashTarget, read_exact, read_until, seconds_since

APP_BASE = 0x10000  # where the bootloader puts offset 0
PAGE = 4096  # nRF52840 flash page = bossac's write-buffer size for this device
BUFFER_ADDR = 0x0  # the bootloader's RAM buffer, as bossac's nRF52 entry addresses it
ERASED = 0xFF
IMAGE_NAMES = ("firmware.bin",)

_HINT = "is the board in bootloader mode? double-tap reset: the orange LED pulses and 2341:005a appears"


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/XMODEM (poly 0x1021, init 0): the checksum of bossac's Z command."""
    return binascii.crc_hqx(data, crc)


class SambaClient:
    """The command subset above over an open serial port; every reply has a deadline."""

    def __init__(self, ser: serial.Serial, timeout: float = 1.0, long_timeout: float = 5.0) -> None:
        self.ser = ser
        self.timeout = timeout
        self.long_timeout = long_timeout
        self.extensions: set[str] = set()

    def _send(self, cmd: str) -> None:
        self.ser.write(cmd.encode("ascii"))
        self.ser.flush()

    def _expect(self, cmd: str, reply: bytes, timeout: float) -> None:
        got = read_exact(self.ser, len(reply), timeout, f"SAM-BA: reply to {cmd}")
        if got != reply:
            raise DeviceError(f"SAM-BA: {cmd} answered {got!r}, expected {reply!r} on {self.ser.port}")

    def connect(self) -> str:
        """Binary mode, then the version string; records the Arduino extensions it lists."""
        self.ser.reset_input_buffer()
        self._send("N#")
        try:
            read_exact(self.ser, 2, self.timeout, "SAM-BA: reply to N#")
        except DeviceError as exc:
            raise DeviceError(f"{exc}: {_HINT}") from exc
        version = self.version()
        match = re.search(r"\[Arduino:([A-Z]*)\]", version)
        self.extensions = set(match.group(1)) if match else set()
        return version

    def version(self) -> str:
        self._send("V#")
        return read_until(self.ser, b"\n\r", self.timeout, "SAM-BA: reply to V#").decode("ascii", "replace").strip()

    def identify(self) -> str:
        self._send("I#")
        return read_until(self.ser, b"\n\r", self.timeout, "SAM-BA: reply to I#").decode("ascii", "replace").strip()

    def erase(self, offset: int) -> None:
        cmd = f"X{offset:08X}#"
        self._send(cmd)
        self._expect(cmd, b"X\n\r", self.long_timeout)

    def write_buffer(self, data: bytes) -> None:
        self._send(f"S{BUFFER_ADDR:08X},{len(data):08X}#")
        self.ser.write(data)
        self.ser.flush()

    def program(self, offset: int, size: int) -> None:
        """Copy the RAM buffer into flash at *offset* (relative to the application region)."""
        first = f"Y{BUFFER_ADDR:08X},0#"
        self._send(first)
        self._expect(first, b"Y\n\r", self.timeout)
        second = f"Y{offset:08X},{size:08X}#"
        self._send(second)
        self._expect(second, b"Y\n\r", self.long_timeout)

    def checksum(self, offset: int, size: int) -> int:
        cmd = f"Z{offset:08X},{size:08X}#"
        self._send(cmd)
        reply = read_exact(self.ser, 12, self.long_timeout, f"SAM-BA: reply to {cmd}")
        match = re.fullmatch(rb"Z([0-9A-Fa-f]{8})#\n\r", reply)
        if not match:
            raise DeviceError(f"SAM-BA: malformed reply to {cmd}: {reply!r} on {self.ser.port}")
        return int(match.group(1), 16)

    def read(self, address: int, size: int) -> bytes:
        cmd = f"R{address:08X},{size:08X}#"
        self._send(cmd)
        return read_exact(self.ser, size, self.long_timeout, f"SAM-BA: reply to {cmd}")

    def reset(self) -> None:
        self._send("K#")


def pages(data: bytes) -> list[tuple[int, bytes]]:
    """(offset, page) pairs; the last page is padded with the erased value so flash beyond the image is unchanged."""
    out = []
    for off in range(0, len(data), PAGE):
        page = data[off : off + PAGE]
        out.append((off, page + bytes([ERASED]) * (PAGE - len(page))))
    return out


def write_image(client: SambaClient, data: bytes, verify: bool = True, reset: bool = True) -> dict[str, Any]:
    """Erase, program page by page, verify each page (Z CRC, else read back), reset. Returns facts for the record."""
    version = client.connect()
    missing = {"X", "Y"} - client.extensions
    if missing:
        raise DeviceError(
            f"SAM-BA: the bootloader ({version!r}) lacks the Arduino extensions {''.join(sorted(missing))} "
            "(chip erase / write buffer): not an Arduino nRF52 bootloader"
        )
    chip = client.identify() if "I" in client.extensions else ""
    if chip and "nRF52840" not in chip:
        raise DeviceError(f"SAM-BA: the bootloader reports chip {chip!r}, not an nRF52840: wrong board?")
    client.erase(0)
    for off, page in pages(data):
        client.write_buffer(page)
        client.program(off, PAGE)
    verified = "none"
    if verify:
        for off, page in pages(data):
            if "Z" in client.extensions:
                got, want = client.checksum(off, PAGE), crc16(page)
                if got != want:
                    raise DeviceError(
                        f"SAM-BA: verification failed at 0x{APP_BASE + off:08X} (image offset 0x{off:X}): "
                        f"flash CRC 0x{got:04X}, image CRC 0x{want:04X}"
                    )
            else:
                back = client.read(APP_BASE + off, PAGE)
                if back != page:
                    bad = next(i for i in range(PAGE) if back[i] != page[i])
                    raise DeviceError(
                        f"SAM-BA: verification failed at 0x{APP_BASE + off + bad:08X} (image offset 0x{off + bad:X}): "
                        f"read 0x{back[bad]:02X}, wrote 0x{page[bad]:02X}"
                    )
        verified = "crc16" if "Z" in client.extensions else "readback"
    did_reset = False
    if reset and "K" in client.extensions:
        client.reset()
        did_reset = True
    return {"bootloader": version, "chip": chip, "pages": len(pages(data)), "verify": verified, "reset": did_reset}


def flash_image(target: FlashTarget, baud: int | None = None, timeout: float = 1.0, verify: bool = True,
                reset: bool = True, **_: Any) -> FlashResult:
    image, data = target.application_image(IMAGE_NAMES, "SAM-BA")
    # USB CDC ignores the rate; 921600 is what bossac opens a USB port with.
    with target.open_port(baud or 921600, timeout, "SAM-BA") as ser:
        start = time.monotonic()
        facts = write_image(SambaClient(ser, timeout=timeout), data, verify=verify, reset=reset)
        facts["transfer_s"] = seconds_since(start)
    return FlashResult(
        method="samba",
        tool="tinyperf.flash.samba",
        tool_version=__version__,
        image=image,
        bytes_written=len(pages(data)) * PAGE,
        address=APP_BASE,
        verified=facts["verify"] != "none",
        details=facts,
    )
