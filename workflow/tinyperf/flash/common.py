"""Serial plumbing and firmware-image lookup shared by the flashing clients.

Every read has a deadline; every failure names the step, the port and, for data, the offset.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import serial

from tinyperf.errors import BuildError, DeviceError, HardwareMissing
from tinyperf.flash import guidance


@dataclass
class FlashResult:
    """What a client did; the dispatcher adds board, hashes and timing to make the record."""

    method: str
    tool: str
    tool_version: str
    image: Path
    bytes_written: int
    address: int | None = None
    verified: bool = False
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FlashTarget:
    """What every client is asked to flash: *firmware* onto *board* (its profile) through *port* (None:
    detect it by USB id). *task* only appears in the command a stop message tells the user to rerun."""

    board: str
    profile: dict[str, Any]
    firmware: Path
    port: str | None = None
    task: str | None = None

    def require_port(self) -> str:
        return require_port(self.board, self.port, self.task)

    def existing_port(self, step: str) -> str:
        """The port, present now: for a client that hands it to a tool which would fail less clearly."""
        port = self.require_port()
        if not os.path.exists(port):
            raise missing_port(self.board, port, step, self.task)
        return port

    def application_image(self, names: tuple[str, ...], step: str) -> tuple[Path, bytes]:
        """The image (see find_image) and its bytes, refused when larger than the profile's application region."""
        image = find_image(self.firmware, names)
        data = image.read_bytes()
        limit = self.profile["memory"]["flash_bytes"]
        if limit and len(data) > limit:
            raise DeviceError(f"{step}: {image} is {len(data)} bytes, more than the {limit}-byte application region")
        return image, data

    @contextlib.contextmanager
    def open_port(self, baud: int, timeout: float, step: str) -> Iterator[serial.Serial]:
        """The loader's port (given or detected), open for the block (see open_serial) and closed after it."""
        ser = open_serial(self.board, self.require_port(), baud, timeout, step, self.task)
        try:
            yield ser
        finally:
            ser.close()


def seconds_since(start: float) -> float:
    """Seconds since the time.monotonic() reading *start*, to the millisecond, as the records give them."""
    return round(time.monotonic() - start, 3)


def find_image(firmware: Path, names: tuple[str, ...]) -> Path:
    """*firmware* itself when it is a file, else the first of *names* inside the firmware directory."""
    firmware = Path(firmware)
    if firmware.is_file():
        return firmware
    if not firmware.is_dir():
        raise BuildError(f"firmware {firmware}: no such file or directory (build it first: tinyperf build ...)")
    for name in names:
        if (firmware / name).is_file():
            return firmware / name
    raise BuildError(f"firmware directory {firmware} holds none of {', '.join(names)} (the build stage writes them)")


def detect_port(board: str) -> str | None:
    """The single attached port whose USB id matches *board*'s loader, if the board has a known one."""
    from serial.tools import list_ports

    help_ = guidance.board_help(board)
    ids = set(help_.usb_ids) if help_ else set()
    if not ids:
        return None
    found = [p.device for p in list_ports.comports() if (p.vid, p.pid) in ids]
    if len(found) > 1:
        raise DeviceError(f"several {board} loaders attached ({', '.join(found)}): choose one with --port")
    return found[0] if found else None


def require_port(board: str, port: str | None, task: str | None = None) -> str:
    """*port*, or the auto-detected one; HardwareMissing (with what to attach) when there is none."""
    port = port or detect_port(board)
    if not port:
        raise HardwareMissing(guidance.attach_message(board, task, reason=f"no serial port given for {board}"))
    return port


def missing_port(board: str, port: str, step: str, task: str | None = None) -> HardwareMissing:
    """HardwareMissing for a port that does not exist, with what to attach."""
    return HardwareMissing(
        guidance.attach_message(board, task, port, reason=f"{step}: serial port {port} does not exist")
    )


def open_serial(board: str, port: str, baud: int, timeout: float, step: str, task: str | None = None) -> serial.Serial:
    """Open *port*; an absent device is HardwareMissing, a busy or forbidden one a DeviceError."""
    try:
        return serial.Serial(port, baud, timeout=timeout, write_timeout=max(timeout, 5.0))
    except serial.SerialException as exc:
        err = getattr(exc, "errno", None)
        if err == errno.ENOENT or not os.path.exists(port):
            raise missing_port(board, port, step, task) from exc
        if err in (errno.EACCES, errno.EPERM):
            raise DeviceError(
                f"{step}: permission denied on {port}: add yourself to the 'dialout' group "
                "(sudo usermod -aG dialout $USER, then log in again)"
            ) from exc
        raise DeviceError(f"{step}: cannot open {port}: {exc} (is another program using it?)") from exc


def read_exact(ser: serial.Serial, n: int, timeout: float, what: str) -> bytes:
    """Exactly *n* bytes within *timeout* seconds, else DeviceError naming *what* was awaited."""
    deadline = time.monotonic() + timeout
    buf = bytearray()
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ser.timeout = min(left, 0.5)
        buf += ser.read(n - len(buf))
    if len(buf) < n:
        got = f"got {len(buf)} of {n} bytes: {bytes(buf[:32])!r}" if buf else "got nothing"
        raise DeviceError(f"{what}: no complete reply within {timeout:g} s on {ser.port} ({got})")
    return bytes(buf)


def read_until(ser: serial.Serial, token: bytes, timeout: float, what: str) -> bytes:
    """Bytes up to and including *token*, read one at a time so nothing after it is consumed."""
    deadline = time.monotonic() + timeout
    buf = bytearray()
    while not buf.endswith(token):
        left = deadline - time.monotonic()
        if left <= 0:
            tail = bytes(buf[-80:])
            raise DeviceError(
                f"{what}: {token.decode(errors='replace')!r} not seen within {timeout:g} s on {ser.port}"
                + (f" (last output: {tail!r})" if buf else " (no output at all)")
            )
        ser.timeout = min(left, 0.2)
        buf += ser.read(1)
    return bytes(buf)
