"""TFLM itself, counted live on qemu_m4: the engine's model directory and libtflm.a in the bench app.

The same app, input recipe and counter as tinyperf's own bench (tinyperf.bench.qemu): one warm-up, then one timed
Invoke() (the input is copied into the interpreter's tensor before the window, the output out after it), five
outputs for the bit-exactness check, then the smallest arena (to 4 bytes) in which a fresh interpreter allocates
the model, found by binary search in the firmware itself. Flash is text + data of the whole ELF (interpreter,
kernels, harness, newlib-nano and the model array), as shared/reference/tflm_baseline.md measures it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinyperf.bench.qemu import C_DIR, INSTR_PER_TICK, LDFLAGS, LINK_LD, QEMU, STARTUP, _run, toolchain
from tinyperf.engines.glue import generate
from tinyperf.errors import BuildError
from tinyperf.firmware.engine_library import EngineLibrary
from tinyperf.firmware.toolchain import OWN_WARNINGS, BuildLog


@dataclass
class TflmRun:
    engine: str
    instructions: int
    outputs: list[bytes]
    min_arena_bytes: int
    arena_used_bytes: int
    flash_bytes: int
    meta: dict[str, Any]


def build_app(gen: Path, lib: EngineLibrary, build: Path, arena_only: bool = False) -> Path:
    """The qemu_m4 bench app of the TFLM model directory *gen*, linked with *lib* (a qemu_m4 library)."""
    lib.check_board("qemu_m4")
    tc, blog = toolchain(), BuildLog()
    try:
        objs = [lib.compile(cc, build / f"{cc.stem}.o", [f"-I{gen}"], blog) for cc in sorted(gen.glob("*.cc"))]
        app = [*OWN_WARNINGS, "-I", str(gen), "-I", str(C_DIR), '-DBENCH_MODEL_H="tflm_bench.h"',
               *(["-DBENCH_ARENA_ONLY"] if arena_only else [])]
        objs += [tc.compile(c, build / f"{c.stem}.o", app, blog) for c in (C_DIR / "bench_main.c", STARTUP)]
        elf = build / "bench.elf"
        blog.run([tc.cc, *tc.arch, *LDFLAGS, "-T", str(LINK_LD), *map(str, objs), *lib.link_libs(tc), "-lgcc",
                  "-o", str(elf)], "linking the TFLM bench app")
    finally:
        build.mkdir(parents=True, exist_ok=True)
        (build / "build.log").write_text(blog.text())
    return elf


def min_arena_32bit(gen: Path, lib: EngineLibrary, timeout: float = 300.0) -> int:
    """The smallest arena TFLM needs for *gen*'s model on a 32-bit Cortex-M, found in the firmware on qemu_m4."""
    with tempfile.TemporaryDirectory(prefix="tp-tflm-arena-") as tmp:
        elf = build_app(gen, lib, Path(tmp), arena_only=True)
        out = _run([*QEMU, "-kernel", str(elf)], f"qemu_m4 arena probe of {gen}", timeout=timeout)
    return _arena(out)[0]


def bench_tflm(model: str | Path, engine: str, library: str | Path, work: Path | None = None,
               timeout: float = 900.0) -> TflmRun:
    """Build *model* for *engine* against its qemu_m4 *library*, run it, and read the counts."""
    tmpctx = tempfile.TemporaryDirectory(prefix="tp-bench-tflm-") if work is None else None
    root = Path(tmpctx.name) if tmpctx else Path(work)  # type: ignore[union-attr]
    try:
        gen = root / f"gen-{engine}"
        meta = generate(model, gen, engine)
        elf = build_app(gen, EngineLibrary.load(Path(library), engine), root / f"build-{engine}")
        sizes = _run(["arm-none-eabi-size", str(elf)], "arm-none-eabi-size").strip().splitlines()[-1].split()
        flash = int(sizes[0]) + int(sizes[1])
        out = _run([*QEMU, "-kernel", str(elf)], f"qemu_m4 run of {Path(model).name} on {engine}", timeout=timeout)
    finally:
        if tmpctx:
            tmpctx.cleanup()
    return _parse(out, engine, meta, flash)


def _arena(out: str) -> tuple[int, int]:
    """(min arena, arena_used_bytes) from the app's A line."""
    for line in out.splitlines():
        f = line.strip().split()
        if len(f) == 3 and f[0] == "A":
            return int(f[1]), int(f[2])
    raise BuildError(f"the TFLM bench app printed no arena line (TFLM failed to allocate the model?):\n"
                     f"{out[-2000:]}")


def _parse(out: str, engine: str, meta: dict[str, Any], flash: int) -> TflmRun:
    if "END" not in out:
        raise BuildError(f"qemu_m4 bench of {engine} did not finish:\n{out[-2000:]}")
    total, outputs, arena = 0, [], _arena(out)
    for line in out.splitlines():
        f = line.strip().split()
        if f and f[0] == "T":
            total = int(f[1])
        elif f and f[0] == "O":
            outputs.append(bytes.fromhex(f[1]) if len(f) > 1 else b"")
    return TflmRun(engine=engine, instructions=total * INSTR_PER_TICK, outputs=outputs, min_arena_bytes=arena[0],
                   arena_used_bytes=arena[1], flash_bytes=flash, meta=meta)
