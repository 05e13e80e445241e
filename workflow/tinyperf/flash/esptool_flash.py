"""ESP-EYE (ESP32): esptool's Python API, ``esptool.main([...])``.

esptool resets the ESP32 into its ROM serial loader through DTR/RTS, uploads its RAM stub and writes the
image with SLIP-framed FLASH_BEGIN/DATA/END commands, verifying each block's MD5. The application image goes
to 0x10000 (config/boards/esp_eye.yaml memory.flash_origin), after the ESP-IDF second-stage bootloader (0x1000)
and partition table (0x8000), which this call leaves in place. esptool 5 spells the command ``write-flash``
(older releases: ``write_flash``).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

from tinyperf.errors import BuildError, DeviceError, HardwareMissing
from tinyperf.flash import guidance
from tinyperf.flash.common import FlashResult, FlashTarget, find_image

CHIP = "esp32"
DEFAULT_BAUD = 921600
APP_OFFSET = 0x10000


def _esptool() -> Any:
    try:
        import esptool
    except ImportError as exc:
        raise HardwareMissing(guidance.tool_message("esptool")) from exc
    return esptool


def write_args(
    port: str,
    image: Path,
    offset: int = APP_OFFSET,
    baud: int = DEFAULT_BAUD,
    before: str = "default-reset",
    after: str = "hard-reset",
    connect_attempts: int = 7,
) -> list[str]:
    """The esptool command line for writing *image* at *offset*."""
    return [
        "--chip", CHIP,
        "--port", port,
        "--baud", str(baud),
        "--before", before,
        "--after", after,
        "--connect-attempts", str(connect_attempts),
        "write-flash", f"0x{offset:x}", str(image),
    ]  # fmt: skip


def run_esptool(argv: list[str], step: str) -> str:
    """esptool.main(argv) with its output captured; its failures become DeviceError carrying its last words."""
    esptool = _esptool()
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            esptool.main(argv)
    except (esptool.FatalError, OSError) as exc:
        raise DeviceError(
            f"esptool {step} failed: {str(exc).splitlines()[0]} (hold BOOT and press RESET on the ESP-EYE if it does "
            "not enter the download mode by itself)"
        ) from exc
    except SystemExit as exc:  # argument errors exit through argparse/click
        if exc.code:
            raise DeviceError(f"esptool {step} refused {argv}: {out.getvalue().strip()[-300:]}") from exc
    return out.getvalue()


def app_image(firmware: Path, workdir: Path) -> Path:
    """firmware.bin, or an image made from firmware.elf with ``esptool elf2image``."""
    try:
        return find_image(firmware, ("firmware.bin",))
    except BuildError:
        elf = find_image(firmware, ("firmware.elf",))
        out = workdir / "firmware.bin"
        run_esptool(["--chip", CHIP, "elf2image", "--output", str(out), str(elf)], "elf2image")
        return out


def flash_image(target: FlashTarget, baud: int | None = None, connect_attempts: int = 7, **_: Any) -> FlashResult:
    esptool = _esptool()
    port = target.existing_port("esptool")
    offset = target.profile["memory"].get("flash_origin", APP_OFFSET)
    firmware = target.firmware
    with tempfile.TemporaryDirectory(prefix="tinyperf-esp-") as tmp:
        image = app_image(firmware, Path(tmp))
        argv = write_args(port, image, offset, baud or DEFAULT_BAUD, connect_attempts=connect_attempts)
        log = run_esptool(argv, "write-flash")
        size = image.stat().st_size
        kept = image if image.parent != Path(tmp) else Path(firmware)
    return FlashResult(
        method="esptool",
        tool="esptool",
        tool_version=esptool.__version__,
        image=kept,
        bytes_written=size,
        address=offset,
        verified="Hash of data verified" in log,
        details={"argv": argv, "log_tail": log.strip().splitlines()[-5:]},
    )
