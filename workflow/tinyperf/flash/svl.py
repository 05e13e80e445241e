"""SparkFun Variable Loader (Artemis / Apollo3: SparkFun Edge 2) over pyserial.

Protocol (sparkfun/Apollo3_Uploader_SVL, svl.py and bootloader/src/main.c):

- After reset the loader watches RX for 200 ms and times the rising edges of one ``'U'`` (0x55) to pick a
  rate among 57600, 115200, 230400, 460800 and 921600 baud; without it, it starts the application.
- Packets both ways: ``len (2 bytes, big-endian) | cmd (1) | data | crc16 (2, big-endian)``; ``len`` counts
  cmd + data + crc. CRC-16 with polynomial 0x8005, init 0, not reflected; the CRC of cmd + data + crc is 0.
- Commands: 0x01 VER (loader -> host, data = version byte), 0x02 BL (host: enter bootload), 0x03 NEXT and
  0x05 RETRY (loader asks for the next frame / the same frame again), 0x04 FRAME (host: up to 2048 bytes of
  application, a whole number of 32-bit words, written from 0x10000 on), 0x06 DONE (host: finished; the
  loader then resets into the application).
"""

from __future__ import annotations

import time
from typing import Any

import serial

from tinyperf import __version__
from tinyperf.errors import DeviceError
from tinyperf.flash.common import FlashResult, FlashTarget, read_exact, seconds_since

CMD_VER, CMD_BL, CMD_NEXT, CMD_FRAME, CMD_RETRY, CMD_DONE = 1, 2, 3, 4, 5, 6
NAMES = {1: "VER", 2: "BL", 3: "NEXT", 4: "FRAME", 5: "RETRY", 6: "DONE"}
FRAME_SIZE = 2048
APP_BASE = 0x10000
BAUDS = (57600, 115200, 230400, 460800, 921600)
IMAGE_NAMES = ("firmware.bin",)
_HINT = (
    "is the board in bootloader mode? The SVL listens only for 200 ms after reset: check the adapter's DTR is "
    "wired to the Edge 2's reset (or press reset just before flashing) and that the board carries the SVL"
)


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/UMTS (poly 0x8005, init 0, MSB first), the SVL packet checksum."""
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) if crc & 0x8000 else crc << 1
        crc &= 0xFFFF
    return crc


def encode(cmd: int, data: bytes = b"") -> bytes:
    body = bytes([cmd]) + data
    return (len(body) + 2).to_bytes(2, "big") + body + crc16(body).to_bytes(2, "big")


class SvlPacketError(DeviceError):
    """A packet arrived damaged (CRC) or malformed."""


def read_packet(ser: serial.Serial, timeout: float, what: str) -> tuple[int, bytes]:
    """(cmd, data) of the next packet within *timeout*; DeviceError on timeout, SvlPacketError on damage."""
    size = int.from_bytes(read_exact(ser, 2, timeout, what), "big")
    if not 3 <= size <= FRAME_SIZE + 3:
        raise SvlPacketError(f"{what}: impossible packet length {size} on {ser.port}")
    payload = read_exact(ser, size, timeout, what)
    if crc16(payload) != 0:
        raise SvlPacketError(f"{what}: packet {NAMES.get(payload[0], hex(payload[0]))} failed its CRC on {ser.port}")
    return payload[0], payload[1:-2]


def frames(data: bytes) -> list[bytes]:
    """2048-byte frames; the last is padded with 0xFF to a whole word, which the loader requires."""
    out = [data[i : i + FRAME_SIZE] for i in range(0, len(data), FRAME_SIZE)]
    if out and len(out[-1]) % 4:
        out[-1] += b"\xff" * (4 - len(out[-1]) % 4)
    return out


def pulse_reset(ser: serial.Serial) -> None:
    """Toggle DTR (and RTS): the Edge 2 / Serial Basic wiring resets the Apollo3 into the loader."""
    try:
        ser.dtr = False
        ser.rts = False
        time.sleep(0.05)
        ser.dtr = True
        ser.rts = True
    except (OSError, serial.SerialException):
        pass  # a port without modem lines (a pty, some adapters): the user resets by hand


def handshake(ser: serial.Serial, attempts: int, timeout: float) -> int:
    """Reset, send 'U', expect a VER packet, send BL. Returns the loader version."""
    last: Exception | None = None
    for _ in range(attempts):
        pulse_reset(ser)
        time.sleep(0.15)  # the Artemis needs ~0.1 s out of reset before it times the 'U'
        ser.reset_input_buffer()
        ser.write(b"U")
        ser.flush()
        try:
            cmd, data = read_packet(ser, timeout, "SVL: version packet")
        except DeviceError as exc:
            last = exc
            continue
        if cmd != CMD_VER:
            last = DeviceError(f"SVL: expected a VER packet, got {NAMES.get(cmd, hex(cmd))} on {ser.port}")
            continue
        ser.write(encode(CMD_BL))
        ser.flush()
        return int.from_bytes(data, "big")
    raise DeviceError(
        f"SVL: no bootloader handshake within {attempts * timeout:g} s on {ser.port} ({last}): {_HINT}"
    ) from last


def upload(ser: serial.Serial, data: bytes, timeout: float = 0.5, retries: int = 4) -> dict[str, Any]:
    """Send every frame the loader asks for; RETRY resends, up to *retries* times per frame."""
    chunks = frames(data)
    sent = 0  # frames acknowledged by a NEXT
    resends = 0
    total_resends = 0
    current: int | None = None
    while True:
        frame_no = sent + 1
        offset = sent * FRAME_SIZE
        what = (
            "SVL: first frame request"
            if current is None
            else f"SVL: reply to frame {frame_no} (image offset 0x{offset:X})"
        )
        try:
            cmd, _ = read_packet(ser, timeout, what)
        except SvlPacketError:
            cmd = CMD_RETRY  # a damaged request: treat as a resend request, bounded by the same count
        if cmd == CMD_NEXT:
            if current is not None:
                sent += 1
            resends = 0
        elif cmd == CMD_RETRY:
            if current is None:
                raise DeviceError(f"SVL: the loader asked for a retry before any frame on {ser.port}")
            resends += 1
            total_resends += 1
            if resends > retries:
                raise DeviceError(
                    f"SVL: frame {frame_no} at 0x{APP_BASE + offset:08X} (image offset 0x{offset:X}) rejected "
                    f"{resends} times: CRC errors on the line? try a lower --baud"
                )
        else:
            raise DeviceError(f"SVL: unexpected {NAMES.get(cmd, hex(cmd))} packet after frame {sent} on {ser.port}")
        if sent == len(chunks):
            ser.write(encode(CMD_DONE))
            ser.flush()
            return {"frames": len(chunks), "resends": total_resends}
        current = sent
        ser.write(encode(CMD_FRAME, chunks[sent]))
        ser.flush()


def flash_image(target: FlashTarget, baud: int | None = None, timeout: float = 0.5, attempts: int = 3,
                retries: int = 4, **_: Any) -> FlashResult:
    image, data = target.application_image(IMAGE_NAMES, "SVL")
    baud = baud or 921600  # what SparkFun's BSP Makefiles use; svl.py defaults to 115200
    if baud not in BAUDS:
        raise DeviceError(f"SVL: the loader detects only {', '.join(map(str, BAUDS))} baud, not {baud}")
    with target.open_port(baud, timeout, "SVL") as ser:
        start = time.monotonic()
        version = handshake(ser, attempts, max(timeout, 1.0))
        facts = upload(ser, data, timeout=timeout, retries=retries)
        facts.update(loader_version=version, baud=baud, transfer_s=seconds_since(start))
        # The loader checks each frame's CRC before writing it; the protocol has no read-back.
        facts["verify"] = "frame-crc"
    written = sum(len(f) for f in frames(data))
    return FlashResult(
        method="svl",
        tool="tinyperf.flash.svl",
        tool_version=__version__,
        image=image,
        bytes_written=written,
        address=APP_BASE,
        verified=False,
        details=facts,
    )
