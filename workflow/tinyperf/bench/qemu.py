"""Build a generated model into the qemu_m4 benchmark app, run it under -icount shift=0, read the counts.

The model is compiled with `tinyperf codegen` for the requested target; a copy of its NAME.c gets a
tp_bench_mark(i + 1) call after layer i so the app records the CMSDK timer between layers (one tick = 40
instructions under shift=0). Flash is text + data of the model's and kernels' objects (code, weights and
requantization tables); arena is the planned arena plus any static RAM (.bss/.data) the kernels use.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinyperf.bench.app import (
    C_DIR,
    INSTR_PER_TICK,
    LDFLAGS,
    LINK_LD,
    STARTUP,
    WindowCycles,
    run_counted,
    run_tool,
    toolchain,
)
from tinyperf.codegen import compile_model
from tinyperf.errors import BuildError
from tinyperf.firmware.toolchain import OWN_WARNINGS, BuildLog

_CALL = re.compile(r"^    (l(\d{3,})_\w+)\(\);$", re.M)


@dataclass
class BenchRun:
    name: str
    target: str
    meta: dict[str, Any]
    instructions: int
    layer_instructions: dict[int, int]
    outputs: list[bytes]
    flash_bytes: int
    code_bytes: int
    const_bytes: int
    static_ram_bytes: int
    cycles: WindowCycles | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def arena_bytes(self) -> int:
        return int(self.meta["arena_bytes"]) + self.static_ram_bytes


def instrument(c_text: str) -> str:
    """Add tp_bench_mark(i + 1) after each layer call of NAME_invoke."""
    text = _CALL.sub(lambda m: f"{m.group(0)} tp_bench_mark({int(m.group(2)) + 1});", c_text)
    return text.replace('#include "tp_runtime.h"\n', '#include "tp_runtime.h"\nvoid tp_bench_mark(int layer);\n', 1)


def size_objects(objs: list[Path]) -> tuple[int, int, int]:
    out = run_tool(["arm-none-eabi-size", "-t", *map(str, objs)], "arm-none-eabi-size")
    text, data, bss = (int(v) for v in out.strip().splitlines()[-1].split()[:3])
    return text, data, bss


def bench_model(model: str | Path, name: str, target: str = "cortex-m4", work: Path | None = None,
                timeout: float = 600.0, codegen_options: dict[str, Any] | None = None) -> BenchRun:
    """Compile, build and run *model* on qemu_m4; returns the counts (see module docstring)."""
    tmpctx = tempfile.TemporaryDirectory(prefix="tp-bench-") if work is None else None
    root = Path(tmpctx.name) if tmpctx else Path(work)  # type: ignore[union-attr]
    try:
        gen = root / "gen"
        if gen.exists():
            shutil.rmtree(gen)
        meta = compile_model(model, gen, name=name, target=target, **(codegen_options or {}))
        src = gen / f"{name}.c"
        c_text = src.read_text()
        order = [int(m.group(2)) for m in _CALL.finditer(c_text)]  # the layers in the order invoke calls them
        src.write_text(instrument(c_text))
        build = root / "build"
        build.mkdir(exist_ok=True)
        (build / "bench_config.h").write_text(
            f'#include "{name}.h"\n#define BENCH_INPUT_SIZE {name.upper()}_INPUT_SIZE\n'
            f"#define BENCH_OUTPUT_SIZE {name.upper()}_OUTPUT_SIZE\n#define BENCH_INVOKE {name}_invoke\n"
        )
        tc, blog = toolchain(), BuildLog()
        try:
            model_objs = [tc.compile(c, build / (c.stem + ".o"), [*OWN_WARNINGS, "-I", str(gen)], blog)
                          for c in sorted(gen.glob("*.c"))]
            app = [*OWN_WARNINGS, "-I", str(gen), "-I", str(build), "-I", str(C_DIR),
                   '-DBENCH_MODEL_H="bench_config.h"']
            app_objs = [tc.compile(c, build / (c.stem + ".o"), app, blog) for c in (C_DIR / "bench_main.c", STARTUP)]
            elf = build / "bench.elf"
            blog.run([tc.cc, *tc.arch, *LDFLAGS, "-T", str(LINK_LD), *map(str, model_objs + app_objs), "-lgcc",
                      "-o", str(elf)], "linking bench.elf")
        finally:
            (build / "build.log").write_text(blog.text())
        text, data, bss = size_objects(model_objs)
        arena_sym = _arena_bytes(elf)
        out, cycles = run_counted(elf, f"qemu_m4 run of {name}", timeout=timeout)
    finally:
        if tmpctx:
            tmpctx.cleanup()
    run = _parse(out, name, target, meta, text, data, bss - arena_sym)
    cycles.layer_cycles = {order[j]: c for j, c in cycles.layer_cycles.items() if j < len(order)}
    run.cycles = cycles
    return run


def _arena_bytes(elf: Path) -> int:
    """Size of the generated model's static arena symbol (so kernel statics can be told apart from it)."""
    out = run_tool(["arm-none-eabi-nm", "-S", str(elf)], "arm-none-eabi-nm")
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == "arena":
            return int(parts[1], 16)
    return 0


def _parse(out: str, name: str, target: str, meta: dict[str, Any], text: int, data: int, static_ram: int) -> BenchRun:
    if "END" not in out:
        raise BuildError(f"qemu_m4 bench of {name} did not finish:\n{out[-2000:]}")
    total = start = 0
    marks: dict[int, int] = {}
    outputs: list[bytes] = []
    for line in out.splitlines():
        f = line.strip().split()
        if not f:
            continue
        if f[0] == "T":
            total = int(f[1])
        elif f[0] == "S":
            start = int(f[1])
        elif f[0] == "M":
            marks[int(f[1])] = int(f[2])
        elif f[0] == "O":
            outputs.append(bytes.fromhex(f[1]) if len(f) > 1 else b"")
    layers: dict[int, int] = {}
    prev = start
    for k in sorted(marks):
        if k == 0:
            continue
        layers[k - 1] = (prev - marks[k]) * INSTR_PER_TICK
        prev = marks[k]
    consts = sum(int(op["const_bytes"]) for op in meta["ops"])
    return BenchRun(name=name, target=target, meta=meta, instructions=total * INSTR_PER_TICK,
                    layer_instructions=layers, outputs=outputs, flash_bytes=text + data,
                    code_bytes=text + data - consts, const_bytes=consts, static_ram_bytes=max(static_ram, 0))
