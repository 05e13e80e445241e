"""SWD flashing with pyocd (PyPI), the alternative for the Cortex-M boards when their loader is unusable.

A CMSIS-DAP, ST-Link or J-Link probe on the board's SWD pads writes firmware.hex (addresses included) or
firmware.bin at the board's application origin. pyocd is optional: when it is not installed, or no probe is
attached, the step stops with what to install or attach.
"""

from __future__ import annotations

from typing import Any

from tinyperf import profiles
from tinyperf.errors import DeviceError, HardwareMissing
from tinyperf.flash import guidance
from tinyperf.flash.common import FlashResult, FlashTarget, find_image


def pyocd_target(board: str) -> str | None:
    """The chip's pyocd target name (config/boards/<board>.yaml flash.pyocd_target)."""
    return profiles.board(board)["flash"].get("pyocd_target")


def probes() -> list[Any]:
    """The attached debug probes; HardwareMissing when pyocd itself is not installed."""
    try:
        from pyocd.core.helpers import ConnectHelper
    except ImportError as exc:
        raise HardwareMissing(guidance.tool_message("pyocd")) from exc
    return list(ConnectHelper.get_all_connected_probes(blocking=False, print_wait_message=False))


def flash_image(target: FlashTarget, **_: Any) -> FlashResult:
    board, port, task = target.board, target.port, target.task
    chip = pyocd_target(board)
    if chip is None:
        raise DeviceError(f"pyocd: config/boards/{board}.yaml names no flash.pyocd_target (the chip's pyocd "
                          f"target, e.g. nrf52840)")
    image = find_image(target.firmware, ("firmware.hex", "firmware.bin"))
    found = probes()
    if not found:
        raise HardwareMissing(guidance.tool_message("pyocd_probe", board, task))
    # --port names the probe's unique id when several are attached.
    if port is None and len(found) > 1:
        ids = ", ".join(p.unique_id for p in found)
        raise DeviceError(f"pyocd: several probes attached ({ids}): choose one with --port <unique id>")
    from importlib.metadata import version

    from pyocd.core.helpers import ConnectHelper
    from pyocd.flash.file_programmer import FileProgrammer

    origin = target.profile["memory"].get("flash_origin", 0)
    session = ConnectHelper.session_with_chosen_probe(
        unique_id=port, target_override=chip, options={"frequency": 4_000_000}
    )
    if session is None:
        raise HardwareMissing(guidance.tool_message("pyocd_probe", board, task, reason=f"probe {port} not found"))
    try:
        with session:
            kwargs = {"base_address": origin} if image.suffix == ".bin" else {}
            FileProgrammer(session, chip_erase="sector").program(str(image), **kwargs)
            session.target.reset()
    except Exception as exc:  # pyocd raises many types (transfer, fault, USB); all mean the same to the user
        raise DeviceError(f"pyocd: flashing {image.name} to {chip} failed: {exc}") from exc
    return FlashResult(
        method="pyocd",
        tool="pyocd",
        tool_version=version("pyocd"),
        image=image,
        bytes_written=image.stat().st_size,
        address=origin if image.suffix == ".bin" else None,
        verified=False,  # no separate read-back here; pyocd's programmer checks page CRCs only to skip equal pages
        details={"target": chip, "probe": port or found[0].unique_id},
    )
