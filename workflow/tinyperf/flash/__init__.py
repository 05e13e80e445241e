"""Flashing: put a built firmware image on a board with its loader, and write a record of what was written.

``flash(board, firmware, port, out)`` picks the client by the board profile's ``flash.method`` (or
``method=`` for the profile's ``flash.alternative``); boards whose method is ``none`` (host, qemu_m4) only get
the record. One module per method: samba (Nano 33 BLE), svl and asb (SparkFun Edge 2), himax (WE-I Plus boot
menu + XMODEM), esptool_flash (ESP-EYE), pyocd_flash (SWD, any Cortex-M board).
"""

from __future__ import annotations

import datetime as _dt
import importlib
import time
from pathlib import Path
from typing import Any

from tinyperf import profiles
from tinyperf.errors import ConfigError
from tinyperf.flash.common import FlashResult, FlashTarget, find_image, seconds_since
from tinyperf.fsutil import sha256_file, write_json

#: flash.method -> module with ``flash_image(target: FlashTarget, **opts) -> FlashResult``
METHODS: dict[str, str] = {
    "samba": "tinyperf.flash.samba",
    "svl": "tinyperf.flash.svl",
    "asb": "tinyperf.flash.asb",
    "xmodem": "tinyperf.flash.himax",
    "esptool": "tinyperf.flash.esptool_flash",
    "pyocd": "tinyperf.flash.pyocd_flash",
}

#: What "flashing" means for boards without a loader: the file the runner will start.
NONE_IMAGES = ("firmware.elf", "firmware")


def methods_for(board: str) -> list[str]:
    """flash.method, flash.alternative and, for a Cortex-M board with a loader, SWD through pyocd."""
    prof = profiles.board(board)
    spec = prof["flash"]
    out = [m for m in (spec["method"], spec.get("alternative")) if m]
    if prof["arch"] == "cortex-m4" and spec["method"] != "none" and "pyocd" not in out:
        out.append("pyocd")
    return out


def flash(board: str, firmware: Path, port: str | None, out: Path, **opts: Any) -> dict[str, Any]:
    """Flash *firmware* (a build directory or an image file) onto *board*; write and return the record."""
    profile = profiles.board(board)
    method = opts.pop("method", None) or profile["flash"]["method"]
    if method not in methods_for(board):
        raise ConfigError(f"board {board} cannot be flashed with {method!r}; allowed: {', '.join(methods_for(board))}")
    opts = {k: v for k, v in opts.items() if v is not None}
    stamp = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    start = time.monotonic()
    if method == "none":
        image = find_image(Path(firmware), NONE_IMAGES)
        result = FlashResult(method="none", tool="none", tool_version="", image=image, bytes_written=0)
    else:
        module = importlib.import_module(METHODS[method])
        task = opts.pop("task", None)
        result = module.flash_image(FlashTarget(board, profile, Path(firmware), port, task), **opts)
    record: dict[str, Any] = {
        "board": board,
        "method": result.method,
        "tool": result.tool,
        "tool_version": result.tool_version,
        "port": port if method != "none" else None,
        "firmware": str(firmware),
        "image": str(result.image),
        "image_sha256": sha256_file(result.image),
        "image_bytes": result.image.stat().st_size,
        "bytes_written": result.bytes_written,
        "address": None if result.address is None else f"0x{result.address:08X}",
        "verified": result.verified,
        "duration_s": seconds_since(start),
        "timestamp": stamp,
        "details": result.details,
    }
    if "port" in result.details:  # the client auto-detected it
        record["port"] = result.details["port"]
    write_json(out, record)
    return record


__all__ = ["METHODS", "FlashResult", "flash", "methods_for"]
