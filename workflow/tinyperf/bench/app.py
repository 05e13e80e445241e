"""The qemu_m4 benchmark app's build and run: where its C lives, how it links, how QEMU runs it. Shared by the
counts of tinyperf's code (bench.qemu), of TFLM's (bench.tflm) and TFLM's arena probe (engines.arena)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
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


@dataclass
class WindowCycles:
    """Cortex-M4 cycles (TRM model, zero wait states) of the bench's timed window, and of each layer in it."""
    cycles: int
    instructions: int
    layer_cycles: dict[int, int]
    by_kind: dict[str, int]
    divides: int


def run_counted(elf: Path, what: str, timeout: float | None = None) -> tuple[str, WindowCycles]:
    """Run a bench ELF on qemu_m4 with the cycle plugin; QEMU's output and the timed window's cycles."""
    from tinyperf.cycles import run

    addrs = run.symbols(elf, ["tp_bench_window"])
    marks = ["tp_bench_window", *(["tp_bench_mark"] if _has_symbol(elf, "tp_bench_mark") else [])]
    out, phases = run.run_elf(elf, marks, timeout=timeout or 600.0)
    opened = [p.phase for p in phases if p.mark == addrs["tp_bench_window"]]
    if len(opened) < 2:
        raise BuildError(f"{what}: the timed window never closed (tp_bench_window ran {len(opened)} times)")
    inside = [p for p in phases if opened[0] <= p.phase < opened[1]]
    kinds: dict[str, int] = {}
    for p in inside:
        for k, v in p.by_kind.items():
            kinds[k] = kinds.get(k, 0) + v
    # phase opened[0] + j is layer j: tp_bench_mark(j + 1) follows layer j (see bench.qemu.instrument)
    layers = {j: p.cycles for j, p in enumerate(inside)}
    return out, WindowCycles(cycles=sum(p.cycles for p in inside), instructions=sum(p.instructions for p in inside),
                             layer_cycles=layers, by_kind=kinds, divides=sum(p.divides for p in inside))


def _has_symbol(elf: Path, name: str) -> bool:
    out = run_tool(["arm-none-eabi-nm", str(elf)], "arm-none-eabi-nm")
    return any(line.split()[-1:] == [name] for line in out.splitlines())


def toolchain() -> Toolchain:
    try:
        return Toolchain.of(BOARD)
    except BuildError as exc:
        raise HardwareMissing(f"{exc}: apt-get install gcc-arm-none-eabi qemu-system-arm") from exc
