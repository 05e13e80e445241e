"""The arena a TFLM model needs on a board, found by TFLM itself wherever the board's code runs here.

The model directory's figure (tinyperf.engines.glue) is the Python interpreter's: a 64-bit build with reference
kernels. That is an upper bound for reference kernels on a 32-bit board, but not for CMSIS-NN, whose kernels ask
for scratch buffers of their own. So where the board's own code can run, the firmware build measures the model
with the very library it links: natively for host, on qemu_m4 for a Cortex-M4 board compiled like qemu_m4. The
probe is built with a generous arena (PROBE_ARENA) and binary-searches the smallest one in which a fresh
interpreter allocates the model (the TFLM baseline's method).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from tinyperf import profiles
from tinyperf.bench.app import C_DIR, LDFLAGS, LINK_LD, QEMU, STARTUP, run_tool, toolchain
from tinyperf.errors import BuildError
from tinyperf.firmware.engine_library import EngineLibrary
from tinyperf.firmware.toolchain import OWN_WARNINGS, BuildLog, Toolchain

PROBE_MAIN = profiles.FIRMWARE_DIR / "engines" / "tflm" / "arena_probe.c"
#: the probe's own arena: ample for every model a microcontroller can hold
PROBE_ARENA = 1 << 21


def probe_flag(gen: Path) -> str:
    upper = int(json.loads((gen / "model.json").read_text())["arena_bytes"])
    return f"-DMODEL_ARENA_SIZE={max(PROBE_ARENA, 4 * upper)}"


def build_bench_app(gen: Path, lib: EngineLibrary, build: Path, arena_only: bool = False) -> Path:
    """The qemu_m4 bench app of the TFLM model directory *gen* with *lib* (a library compiled like qemu_m4)."""
    lib.check_board("qemu_m4")
    tc, blog = toolchain(), BuildLog()
    try:
        objs = [lib.compile(cc, build / f"{cc.stem}.o", [probe_flag(gen), f"-I{gen}"], blog)
                for cc in sorted(gen.glob("*.cc"))]
        app = [*OWN_WARNINGS, "-I", str(gen), "-I", str(C_DIR), '-DBENCH_MODEL_H="tflm_bench.h"', probe_flag(gen),
               *(["-DBENCH_ARENA_ONLY"] if arena_only else [])]
        objs += [tc.compile(c, build / f"{c.stem}.o", app, blog) for c in (C_DIR / "bench_main.c", STARTUP)]
        elf = build / "bench.elf"
        blog.run([tc.cc, *tc.arch, *LDFLAGS, "-T", str(LINK_LD), *map(str, objs), *lib.link_libs(tc), "-lgcc",
                  "-o", str(elf)], "linking the TFLM bench app")
    finally:
        build.mkdir(parents=True, exist_ok=True)
        (build / "build.log").write_text(blog.text())
    return elf


def arena_line(out: str) -> tuple[int, int]:
    """(smallest arena, arena_used_bytes) from a probe's A line."""
    for line in out.splitlines():
        f = line.strip().split()
        if len(f) == 3 and f[0] == "A" and f[1] != "0":
            return int(f[1]), int(f[2])
    raise BuildError(f"the TFLM arena probe found no arena in which TFLM allocates the model (an op TFLM lacks, "
                     f"or a model too large):\n{out[-2000:]}")


def _host_probe(gen: Path, lib: EngineLibrary, tc: Toolchain, work: Path, timeout: float) -> int:
    blog = BuildLog()
    objs = [lib.compile(cc, work / f"{cc.stem}.o", [probe_flag(gen), f"-I{gen}"], blog)
            for cc in sorted(gen.glob("*.cc"))]
    objs.append(tc.compile(PROBE_MAIN, work / "arena_probe.o", [*OWN_WARNINGS, f"-I{gen}", probe_flag(gen)], blog))
    exe = tc.link([str(o) for o in objs], work / "arena_probe", blog, libs=lib.link_libs(tc))
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=timeout)
    return arena_line(proc.stdout)[0]


def min_arena(gen: Path, lib: EngineLibrary, tc: Toolchain, timeout: float = 300.0) -> tuple[int, str] | None:
    """(bytes, how it was found) for the board of *tc*, or None where its code cannot run here."""
    with tempfile.TemporaryDirectory(prefix="tp-tflm-arena-") as tmp:
        if not tc.freestanding:
            return _host_probe(gen, lib, tc, Path(tmp), timeout), "TFLM natively, with this library: smallest, to 4 B"
        if tc.prof["arch"] != "cortex-m4" or not shutil.which("qemu-system-arm"):
            return None
        try:
            lib.check_board("qemu_m4")
        except BuildError:
            return None  # compiled unlike qemu_m4: the probe would not be this board's code
        elf = build_bench_app(gen, lib, Path(tmp), arena_only=True)
        out = run_tool([*QEMU, "-kernel", str(elf)], f"qemu_m4 arena probe of {gen}", timeout=timeout)
        return arena_line(out)[0], "TFLM on qemu_m4 (32-bit Cortex-M4), with this library: smallest, to 4 B"
