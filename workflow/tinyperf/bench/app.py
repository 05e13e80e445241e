"""The qemu_m4 benchmark app's build and run: where its C lives, how it links, how QEMU runs it. Shared by the
counts of tinyperf's code (bench.qemu), of TFLM's (bench.tflm) and TFLM's arena probe (engines.arena)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tinyperf import REPO_ROOT
from tinyperf.errors import BuildError, HardwareMissing
from tinyperf.firmware.toolchain import Toolchain

C_DIR = Path(__file__).resolve().parent / "c"
LINK_LD = REPO_ROOT / "firmware" / "boards" / "qemu_m4" / "link.ld"
#: the one Cortex-M4 startup, with the bench's cm4_board.h (C_DIR)
STARTUP = REPO_ROOT / "firmware" / "boards" / "cortex_m" / "startup_cm4.c"
#: the bench links newlib-nano's memcpy/memset (and semihosting stubs) where a board links the DUT's own
#: firmware/dut/freestanding/mem.c; everything is compiled as the qemu_m4 board compiles it (Toolchain)
BOARD = "qemu_m4"
LDFLAGS = ["-Wl,--gc-sections", "--specs=nano.specs", "--specs=nosys.specs", "-nostartfiles"]
QEMU = ["qemu-system-arm", "-M", "mps2-an386", "-display", "none", "-monitor", "none", "-serial", "stdio",
        "-icount", "shift=0,align=off,sleep=off", "-semihosting-config", "enable=on,target=native"]
INSTR_PER_TICK = 40


def run_tool(cmd: list[str], what: str, timeout: float | None = None) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as exc:
        raise HardwareMissing(f"{cmd[0]} not found: apt-get install gcc-arm-none-eabi qemu-system-arm") from exc
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"{what} did not finish within {timeout:.0f} s") from exc
    if proc.returncode != 0:
        raise BuildError(f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return proc.stdout


def toolchain() -> Toolchain:
    try:
        return Toolchain.of(BOARD)
    except BuildError as exc:
        raise HardwareMissing(f"{exc}: apt-get install gcc-arm-none-eabi qemu-system-arm") from exc
