"""What to attach or install when a flashing step cannot run: one place, so the CLI and Snakemake say the same.

Snakemake's side calls :func:`attach_message` / :func:`tool_message` (or catches the ``HardwareMissing`` the
flashing clients raise, whose text comes from here) and prints the result unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from tinyperf import profiles


@dataclass(frozen=True)
class BoardHelp:
    """How a user connects one board for flashing."""

    name: str  # as printed
    attach: str  # the cable, and how to get the loader listening
    example_port: str
    usb_ids: tuple[tuple[int, int], ...] = ()  # (vid, pid) of the loader's port, for auto-detection
    #: the port measurements use, where it is not the loader's (nano33ble: the header UART's adapter)
    measure_port: str | None = None


def board_help(board: str) -> BoardHelp | None:
    """How to connect *board* for flashing (its profile's connection section); None for a board that is never
    flashed (flash.method none: host, qemu_m4)."""
    conn = profiles.board(board).get("connection")
    if conn is None:
        return None
    return BoardHelp(name=conn["name"], attach=" ".join(conn["attach"].split()), example_port=conn["example_port"],
                     usb_ids=tuple((int(v), int(p)) for v, p in conn.get("usb_ids", [])),
                     measure_port=conn.get("measure_port"))


#: Vendor tools per key: what to install and where tinyperf looks for it.
TOOLS: dict[str, str] = {
    "himax_image_tool": "a bootable Himax image needs the closed image_gen tool of the Himax WE-I Plus SDK "
    "(image_gen_linux / image_gen_gnu from the Himax 'himax_tflm' or 'bsp_tflu' repository, with its sign_tool "
    "and key files beside it). Install the SDK, then set its path in config/boards/himax.yaml "
    "(toolchain.image_tool: /path/to/image_gen_linux) or in the environment variable TINYPERF_HIMAX_IMAGE_TOOL",
    "xmodem": "the XMODEM sender is not installed: pip install xmodem (PyPI, pure Python)",
    "esptool": "esptool is not installed: pip install esptool (PyPI, pure Python)",
    "esp_idf": "an ESP32 application image needs the xtensa-esp32-elf toolchain of ESP-IDF (install.sh esp32; "
    ". export.sh), which no Debian or PyPI package provides; build firmware.bin elsewhere and pass it with "
    "--firmware /path/to/firmware.bin",
    "pyocd": "pyocd is not installed: pip install pyocd (PyPI), then attach a CMSIS-DAP or J-Link probe to the "
    "board's SWD pads",
    "pyocd_probe": "no SWD debug probe found: attach a CMSIS-DAP, ST-Link or J-Link probe to the board's SWD pads "
    "(SWDIO, SWCLK, GND, 3.3 V) and check `pyocd list` shows it",
}


def continue_command(board: str, task: str | None = None, port: str | None = None) -> str:
    """The exact command that resumes the workflow once the hardware is there."""
    words = ["snakemake", "--cores", "all", "--config", f"board={board}"]
    words.append(f"task={task}" if task else "task=<task>")
    help_ = board_help(board)
    if help_ is not None and help_.measure_port:
        # flashed through the bootloader's port, measured through another (config keys flash_port and port)
        words += [f"port={help_.measure_port}", f"flash_port={port or help_.example_port}"]
    elif port is not None or help_ is not None:
        words.append(f"port={port or help_.example_port}")  # type: ignore[union-attr]
    return " ".join(words)


def attach_message(board: str, task: str | None = None, port: str | None = None, reason: str = "") -> str:
    """What to attach for *board*, why (``reason``), and the command to continue."""
    help_ = board_help(board)
    what = help_.attach if help_ else f"attach the {board} board"
    lead = f"{reason}: " if reason else ""
    return f"{lead}{what}, then rerun: {continue_command(board, task, port)}"


def tool_message(tool: str, board: str | None = None, task: str | None = None, reason: str = "") -> str:
    """What to install for vendor *tool* (a key of TOOLS) and, given a board, the command to continue."""
    lead = f"{reason}: " if reason else ""
    text = f"{lead}{TOOLS[tool]}"
    if board:
        text += f"; then rerun: {continue_command(board, task)}"
    return text
