"""TFLM itself, counted live on qemu_m4: the engine's model directory and libtflm.a in the bench app.

The same app, input recipe and counter as tinyperf's own bench (tinyperf.bench.qemu): one warm-up, then one timed
Invoke() (the input is copied into the interpreter's tensor before the window, the output out after it), five
outputs for the bit-exactness check, then the smallest arena (to 4 bytes) in which a fresh interpreter allocates
the model, found by binary search in the firmware itself (built with engines.arena's generous arena, as the
baseline's figures were measured). Flash is text + data of the whole ELF (interpreter,
kernels, harness, newlib-nano and the model array), as shared/reference/tflm_baseline.md measures it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinyperf.bench.app import INSTR_PER_TICK, WindowCycles, run_counted, run_tool
from tinyperf.engines.arena import arena_line, build_bench_app
from tinyperf.engines.glue import generate
from tinyperf.errors import BuildError
from tinyperf.firmware.engine_library import EngineLibrary


@dataclass
class TflmRun:
    engine: str
    instructions: int
    outputs: list[bytes]
    min_arena_bytes: int
    arena_used_bytes: int
    flash_bytes: int
    meta: dict[str, Any]
    cycles: WindowCycles | None = None


def bench_tflm(model: str | Path, engine: str, library: str | Path, work: Path | None = None,
               timeout: float = 900.0) -> TflmRun:
    """Build *model* for *engine* against its qemu_m4 *library*, run it, and read the counts."""
    tmpctx = tempfile.TemporaryDirectory(prefix="tp-bench-tflm-") if work is None else None
    root = Path(tmpctx.name) if tmpctx else Path(work)  # type: ignore[union-attr]
    try:
        gen = root / f"gen-{engine}"
        meta = generate(model, gen, engine)
        elf = build_bench_app(gen, EngineLibrary.load(Path(library), engine), root / f"build-{engine}")
        sizes = run_tool(["arm-none-eabi-size", str(elf)], "arm-none-eabi-size").strip().splitlines()[-1].split()
        flash = int(sizes[0]) + int(sizes[1])
        out, cycles = run_counted(elf, f"qemu_m4 run of {Path(model).name} on {engine}", timeout=timeout)
    finally:
        if tmpctx:
            tmpctx.cleanup()
    run = _parse(out, engine, meta, flash)
    run.cycles = cycles
    return run


def _parse(out: str, engine: str, meta: dict[str, Any], flash: int) -> TflmRun:
    if "END" not in out:
        raise BuildError(f"qemu_m4 bench of {engine} did not finish:\n{out[-2000:]}")
    total, outputs, arena = 0, [], arena_line(out)
    for line in out.splitlines():
        f = line.strip().split()
        if f and f[0] == "T":
            total = int(f[1])
        elif f and f[0] == "O":
            outputs.append(bytes.fromhex(f[1]) if len(f) > 1 else b"")
    return TflmRun(engine=engine, instructions=total * INSTR_PER_TICK, outputs=outputs, min_arena_bytes=arena[0],
                   arena_used_bytes=arena[1], flash_bytes=flash, meta=meta)
