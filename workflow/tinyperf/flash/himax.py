"""Himax WE-I Plus EVB: image_gen of the user's Himax SDK, then the boot menu and XMODEM-1K (PyPI xmodem).

What the board expects (Himax bsp_tflu user guide; Edge Impulse's himax-flash-tool automates the same):

1. ``image_gen -e app.elf -o out.img -s 1024`` (closed, from the Himax SDK; it signs the image) writes
   ``out_0.img`` and, for images above 1 MB, ``out_1.img``...
2. After reset the bootloader prints ``wake up evt:4``; a key within ~0.3 s opens the boot menu: ``1`` lists
   ``1. Xmodem download and burn``, ``1`` again prints ``Send data using the xmodem protocol from your
   terminal`` and the loader starts asking for XMODEM data with ``C``.
3. Each image goes over XMODEM-1K; the loader answers ``burn application done`` and waits for the next one.
   Several images need bootloader v1.4.4 or later. Press reset afterwards to boot the application.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import serial

from tinyperf import __version__
from tinyperf.errors import BuildError, DeviceError, HardwareMissing
from tinyperf.flash import guidance
from tinyperf.flash.common import FlashResult, FlashTarget, find_image, read_until, seconds_since
from tinyperf.fsutil import sha256_file

log = logging.getLogger(__name__)

IMAGE_TOOL_ENV = "TINYPERF_HIMAX_IMAGE_TOOL"
BAUD = 115200
BLOCK = 1024
WAKE = b"wake up evt:4"
MENU = b"Xmodem download and burn"
READY = b"Send data using the xmodem protocol"
BURNED = b"burn application done"


def image_tool(profile: dict[str, Any], override: str | None = None) -> Path | None:
    """The configured image_gen: the option, else $TINYPERF_HIMAX_IMAGE_TOOL, else toolchain.image_tool."""
    path = override or os.environ.get(IMAGE_TOOL_ENV) or profile["toolchain"].get("image_tool")
    return Path(path).expanduser() if path else None


def make_images(tool: Path, elf: Path, workdir: Path, timeout: float = 120.0) -> list[Path]:
    """Run image_gen in its own directory (it finds its signing tool and keys there); return out_N.img in order."""
    cmd = [str(tool), "-e", str(elf.resolve()), "-o", str((workdir / "out.img").resolve()), "-s", str(BLOCK)]
    try:
        proc = subprocess.run(cmd, cwd=tool.parent, capture_output=True, text=True, timeout=timeout, check=False)
    except OSError as exc:
        raise BuildError(f"image_gen {tool} cannot run: {exc}") from exc
    if proc.returncode != 0:
        raise BuildError(f"image_gen failed ({' '.join(cmd)}), exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
    images = sorted(workdir.glob("out_*.img"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    if not images and (workdir / "out.img").is_file():
        images = [workdir / "out.img"]
    if not images:
        raise BuildError(f"image_gen ({' '.join(cmd)}) wrote no out_N.img: {proc.stdout.strip()[-300:]}")
    return images


def given_images(firmware: Path) -> list[Path]:
    """Images the user made already: an .img file, or <name>_N.img files in the firmware directory."""
    if firmware.is_file() and firmware.suffix == ".img":
        return [firmware]
    if firmware.is_dir():
        found = [p for p in firmware.glob("*_*.img") if p.stem.rsplit("_", 1)[1].isdigit()]
        return sorted(found, key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    return []


def enter_menu(ser: serial.Serial, reset_timeout: float, timeout: float) -> None:
    """Wait for the reset banner, then select 'Xmodem download and burn'."""
    print(f"himax: press the reset button of the WE-I Plus now (waiting {reset_timeout:g} s)", file=sys.stderr)
    try:
        read_until(ser, WAKE, reset_timeout, "Himax boot menu: reset banner")
    except DeviceError as exc:
        raise DeviceError(f"{exc}: press reset on the WE-I Plus while tinyperf waits (is this its UART?)") from exc
    for key, token, step in ((b"1", MENU, "boot menu"), (b"1", READY, "XMODEM download selection")):
        last: DeviceError | None = None
        for _ in range(3):
            ser.write(key + b"\r")
            ser.flush()
            try:
                read_until(ser, token, timeout, f"Himax {step}")
                break
            except DeviceError as exc:
                last = exc
        else:
            assert last is not None
            raise DeviceError(f"{last}: the bootloader did not open its {step} (too late after reset?)")
    read_until(ser, b"\n", timeout, "Himax XMODEM prompt")


def send_image(ser: serial.Serial, image: Path, retry: int, timeout: float) -> int:
    """XMODEM-1K of one image; DeviceError with the failing offset when the receiver keeps refusing."""
    from xmodem import XMODEM

    def getc(size: int, timeout: float = 1) -> bytes | None:
        ser.timeout = timeout
        return ser.read(size) or None

    def putc(data: bytes, timeout: float = 1) -> int | None:
        n = ser.write(data)
        ser.flush()
        return n

    progress = {"ok": 0, "errors": 0}

    def callback(total: int, ok: int, errors: int) -> None:
        progress.update(ok=ok, errors=errors)

    data = image.read_bytes()
    modem = XMODEM(getc, putc, mode="xmodem1k")
    if not modem.send(io.BytesIO(data), retry=retry, timeout=timeout, quiet=True, callback=callback):
        offset = progress["ok"] * BLOCK
        if offset >= len(data):
            raise DeviceError(
                f"XMODEM: {image.name}: the receiver never acknowledged the end of transfer on {ser.port}"
            )
        if progress["ok"] == 0 and progress["errors"] == 0:
            what = "the receiver never asked for data ('C' or NAK)"
        else:
            what = f"block {progress['ok'] + 1} was refused {retry} times (NAK: CRC errors on the line?)"
        raise DeviceError(f"XMODEM: {image.name} failed at offset 0x{offset:X}: {what} on {ser.port}")
    return len(data)


def flash_image(
    target: FlashTarget,
    baud: int | None = None,
    timeout: float = 2.0,
    reset_timeout: float = 30.0,
    burn_timeout: float = 20.0,
    retry: int = 16,
    image_tool_path: str | None = None,
    **_: Any,
) -> FlashResult:
    board, task = target.board, target.task
    try:
        import xmodem  # noqa: F401
    except ImportError as exc:
        raise HardwareMissing(guidance.tool_message("xmodem", board, task)) from exc
    with tempfile.TemporaryDirectory(prefix="tinyperf-himax-") as tmp:
        images = given_images(target.firmware)
        source: Path
        if images:
            source = images[0]
            tool_used = "prebuilt images"
        else:
            source = find_image(target.firmware, ("firmware.elf",))
            tool = image_tool(target.profile, image_tool_path)
            if tool is None or not tool.is_file():
                reason = f"image tool {tool} not found" if tool else "no Himax image tool configured"
                raise HardwareMissing(guidance.tool_message("himax_image_tool", board, task, reason=reason))
            images = make_images(tool, source, Path(tmp))
            tool_used = str(tool)
        facts: dict[str, Any] = {
            "image_tool": tool_used,
            "images": [{"name": p.name, "sha256": sha256_file(p), "bytes": p.stat().st_size} for p in images],
        }
        written = 0
        with target.open_port(baud or BAUD, timeout, "Himax boot menu") as ser:
            start = time.monotonic()
            enter_menu(ser, reset_timeout, timeout)
            for image in images:
                written += send_image(ser, image, retry, max(timeout, 1.0))
                read_until(ser, BURNED, burn_timeout, f"Himax: burning {image.name}")
            facts["transfer_s"] = seconds_since(start)
            facts["next"] = "press reset on the WE-I Plus to boot the application"
    return FlashResult(
        method="xmodem",
        tool="xmodem (PyPI) + Himax boot menu",
        tool_version=_xmodem_version(),
        image=source,
        bytes_written=written,
        details=facts,
    )


def _xmodem_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"xmodem {version('xmodem')}, tinyperf {__version__}"
    except PackageNotFoundError:
        return f"tinyperf {__version__}"
