"""What to attach or install when a flashing step cannot run: one place, so the CLI and Snakemake say the same.

Snakemake's side calls :func:`attach_message` / :func:`tool_message` (or catches the ``HardwareMissing`` the
flashing clients raise, whose text comes from here) and prints the result unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BoardHelp:
    """How a user connects one board for flashing."""

    name: str  # as printed
    attach: str  # the cable, and how to get the loader listening
    example_port: str
    usb_ids: tuple[tuple[int, int], ...] = ()  # (vid, pid) of the loader's port, for auto-detection
    #: the port measurements use, where it is not the loader's (nano33ble: the header UART's adapter)
    measure_port: str | None = None


#: Per board, for its loader (flash.method). Boards with flash.method none never need any of this.
BOARDS: dict[str, BoardHelp] = {
    "nano33ble": BoardHelp(
        name="Arduino Nano 33 BLE Sense",
        attach="attach the Arduino Nano 33 BLE Sense over USB and double-tap its reset button to enter the "
        "bootloader (the orange LED pulses; it appears as /dev/ttyACM0, USB id 2341:005a), and a 3.3 V USB-serial "
        "adapter on its TX/RX header pins (P1.03/P1.10) for the measurements (/dev/ttyUSB0)",
        example_port="/dev/ttyACM0",
        usb_ids=((0x2341, 0x005A),),
        measure_port="/dev/ttyUSB0",
    ),
    "sparkfun_edge": BoardHelp(
        name="SparkFun Edge 2",
        attach="attach the SparkFun Edge 2 through a 3.3 V USB-serial adapter on its serial header (SparkFun "
        "Serial Basic: /dev/ttyUSB0); the adapter's DTR resets the board into its loader (the SparkFun Variable "
        "Loader; with flash method asb, the Ambiq Secure Bootloader, whose image at 0xC000 replaces the SVL)",
        example_port="/dev/ttyUSB0",
    ),
    "himax": BoardHelp(
        name="Himax WE-I Plus EVB",
        attach="attach the Himax WE-I Plus EVB over USB (its FTDI UART appears as /dev/ttyUSB0, USB id 0403:6015); "
        "when asked, press its reset button so the boot menu can be entered",
        example_port="/dev/ttyUSB0",
        usb_ids=((0x0403, 0x6015),),
    ),
    "esp_eye": BoardHelp(
        name="Espressif ESP-EYE",
        attach="attach the ESP-EYE over USB (its USB-UART bridge appears as /dev/ttyUSB0); esptool resets it "
        "into the ROM download mode through DTR/RTS",
        example_port="/dev/ttyUSB0",
    ),
}

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
    help_ = BOARDS.get(board)
    if help_ is not None and help_.measure_port:
        # flashed through the bootloader's port, measured through another (config keys flash_port and port)
        words += [f"port={help_.measure_port}", f"flash_port={port or help_.example_port}"]
    elif port is not None or help_ is not None:
        words.append(f"port={port or BOARDS[board].example_port}")
    return " ".join(words)


def attach_message(board: str, task: str | None = None, port: str | None = None, reason: str = "") -> str:
    """What to attach for *board*, why (``reason``), and the command to continue."""
    help_ = BOARDS.get(board)
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
