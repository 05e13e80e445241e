"""`tinyperf engine library`: TFLM (optionally with CMSIS-NN) compiled into libtflm.a for one board.

The sources and flags follow TFLM's own Makefile (tensorflow/lite/micro/tools/make/Makefile, sources.inc,
ext_libs/cmsis_nn.inc) at the pinned commit: the core runtime (interpreter, allocator, planner, flatbuffer code) at
-Os, the kernels and CMSIS-NN at -O2, release defines (NDEBUG, TF_LITE_STRIP_ERROR_STRINGS), C++17 without RTTI or
exceptions. A kernel directory (cmsis_nn) replaces a reference kernel file of the same name, as the Makefile's
specialize_files.py does. The compiler and architecture flags are the board's (its profile's toolchain). Only the
kernels of config/engines.yaml's tflm_kernels are compiled; the linker keeps what the model's op resolver uses.

Two deviations from the Makefile, both outside the code paths an inference runs: flatbuffers is used unpatched
(TFLM's flatbuffers.patch only edits the builder, which the interpreter never instantiates; its one other change,
FLATBUFFERS_LOCALE_INDEPENDENT=0, is given as a define), and TFLM's debug_log.cc is replaced by the glue's silent
DebugLog (the DUT's serial line carries the MLPerf protocol only).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinyperf import fsutil, profiles
from tinyperf.engines import sources as engine_sources
from tinyperf.errors import BuildError
from tinyperf.firmware.toolchain import BuildLog, Toolchain

log = logging.getLogger(__name__)

LIBRARY = "libtflm.a"
RECORD = "library.json"
CORE_OPT, KERNEL_OPT = "-Os", "-O2"
COMMON = ["-fno-unwind-tables", "-fno-asynchronous-unwind-tables", "-ffunction-sections", "-fdata-sections",
          "-fmessage-length=0", "-fomit-frame-pointer", "-DTF_LITE_STATIC_MEMORY", "-DTF_LITE_DISABLE_X86_NEON",
          "-DKERNELS_OPTIMIZED_FOR_SPEED", "-DNDEBUG", "-DTF_LITE_STRIP_ERROR_STRINGS", "-DTF_LITE_MCU_DEBUG_LOG",
          "-DFLATBUFFERS_LOCALE_INDEPENDENT=0"]
CXX_ONLY = ["-std=c++17", "-fno-rtti", "-fno-exceptions", "-fno-threadsafe-statics"]
C_ONLY = ["-std=c17"]
#: cortex_m_generic's platform flags (TFLM's targets/cortex_m_generic_makefile.inc)
ARM_FLAGS = ["-funsigned-char", "-mlittle-endian"]
CMSIS_NN_DEFINES = ["-DCMSIS_NN", "-DARM_NN_ENABLE_F16=0", "-DARM_NN_ENABLE_F32=0"]
#: files of tensorflow/lite/micro/ that are not the library: tests, test helpers, and what the glue replaces
_NOT_LIBRARY = ("debug_log.cc",)


@dataclass(frozen=True)
class Unit:
    src: Path
    kind: str  # core | kernel | third_party
    cxx: bool


def toolchain_key(board: str) -> str:
    """What a library's objects depend on of a board: its architecture, compiler and flags, as <arch>-<hash>.
    Boards that compile alike (qemu_m4, nano33ble, sparkfun_edge) share one library."""
    prof = profiles.board(board)
    tc = prof["toolchain"]
    what = [tc["prefix"], tc["cflags"], *([tc["engine_cflags"]] if tc.get("engine_cflags") else [])]
    digest = hashlib.sha256(json.dumps(what).encode()).hexdigest()[:8]
    return f"{prof['arch']}-{digest}"


def board_of_key(key: str) -> str:
    """A board whose toolchain has *key* (the first, in profiles.BOARDS order)."""
    for board in profiles.BOARDS:
        if toolchain_key(board) == key:
            return board
    raise BuildError(f"no board profile compiles as {key!r} (config/boards/ changed since it was named)")


def _optimised(prof_flags: list[str]) -> list[str]:
    return [f for f in prof_flags if not f.startswith("-O")]


def units(engine: str, trees: dict[str, Path]) -> list[Unit]:
    """What TFLM's Makefile compiles for *engine*, restricted to the configured kernels."""
    tf = trees["tflite-micro"]
    micro = tf / "tensorflow" / "lite" / "micro"
    core = [p for d in ("", "arena_allocator", "memory_planner", "tflite_bridge")
            for p in sorted((micro / d).glob("*.cc"))
            if not p.name.endswith("_test.cc") and "benchmark" not in p.name and p.name not in _NOT_LIBRARY]
    tfl = sorted(p for p in (tf / "tensorflow").rglob("*.cc")
                 if micro not in p.parents and (tf / "tensorflow/lite/experimental") not in p.parents
                 and not p.name.endswith("_test.cc") and p.name != "array.cc")
    kernel_files = ["kernel_util.cc", "micro_tensor_utils.cc"]
    for name in engine_sources.tflm_kernels():
        for stem in (name, f"{name}_common"):
            if (micro / "kernels" / f"{stem}.cc").is_file():
                kernel_files.append(f"{stem}.cc")
    special = engine_sources.engine(engine).get("kernel_dir")
    kernels = []
    for name in kernel_files:
        override = micro / "kernels" / special / name if special else None
        kernels.append(override if override is not None and override.is_file() else micro / "kernels" / name)
    missing = [k for k in kernels if not k.is_file()]
    if missing:
        raise BuildError(f"config/engines.yaml tflm_kernels: no TFLM kernel file {missing[0]}")
    out = [Unit(p, "core", True) for p in core + tfl] + [Unit(p, "kernel", True) for p in kernels]
    if "cmsis-nn" in trees:
        nn = sorted(p for p in (trees["cmsis-nn"] / "Source").rglob("*.c")
                    if not p.name.endswith(("_f16.c", "_f32.c")) and p.name != "arm_nntables_flt.c")
        out += [Unit(p, "third_party", False) for p in nn]
    return out


def includes(trees: dict[str, Path]) -> list[str]:
    dirs = [trees["tflite-micro"], trees["gemmlowp"], trees["flatbuffers"] / "include", trees["ruy"]]
    if "cmsis-nn" in trees:
        dirs += [trees["cmsis"], trees["cmsis-nn"], trees["cmsis"] / "CMSIS" / "Core" / "Include",
                 trees["cmsis-nn"] / "Include"]
    return [f"-I{d}" for d in dirs]


def flags(engine: str, tc: Toolchain, trees: dict[str, Path]) -> dict[str, list[str]]:
    """The C++ and C flags (without the optimisation level) every TFLM object, and the glue, is compiled with."""
    arch = (_optimised(tc.arch) + (ARM_FLAGS if tc.prof["arch"].startswith("cortex-m") else [])
            + list(tc.prof["toolchain"].get("engine_cflags", [])))
    extra = CMSIS_NN_DEFINES if engine_sources.engine(engine).get("kernel_dir") == "cmsis_nn" else []
    common = [*arch, *COMMON, *extra, *includes(trees)]
    return {"cxx": [*common, *CXX_ONLY], "c": [*common, *C_ONLY]}


def cxx_of(tc: Toolchain) -> str:
    """The board's g++, beside its gcc."""
    cxx = tc.prefix + "g++"
    if os.sep in cxx and not Path(cxx).exists():
        raise BuildError(f"{cxx} not found: the {tc.board} toolchain has no C++ compiler, which TFLM needs")
    return cxx


def build_library(engine: str, board: str, out_dir: str | Path, root: str | Path = engine_sources.RESOURCES,
                  jobs: int = 0) -> dict[str, Any]:
    """Compile *engine*'s TFLM for *board* into OUT/libtflm.a, with library.json (flags, sources) and build.log."""
    if not engine_sources.is_tflm(engine):
        raise BuildError(f"engine {engine!r} is not a TFLM engine; it has no library to build")
    names = engine_sources.engine(engine)["sources"]
    trees = engine_sources.require(names, Path(root))
    tc = Toolchain.of(board)
    cxx = cxx_of(tc)
    fl = flags(engine, tc, trees)
    todo = units(engine, trees)
    started = time.monotonic()
    with fsutil.atomic_dir(out_dir) as tmp:
        def one(i: int, u: Unit) -> tuple[str, BuildLog]:
            blog = BuildLog()
            opt = CORE_OPT if u.kind == "core" else KERNEL_OPT
            obj = tmp / "obj" / f"{i:03d}_{u.src.stem}.o"
            blog.run([cxx if u.cxx else tc.cc, *(fl["cxx"] if u.cxx else fl["c"]), opt, "-c", str(u.src),
                      "-o", str(obj)], f"compiling {u.src.name}")
            return str(obj), blog
        (tmp / "obj").mkdir()
        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
            results = list(pool.map(lambda iu: one(*iu), enumerate(todo)))
        blog = BuildLog()
        for _, part in results:
            blog.lines += part.lines
        objs = [o for o, _ in results]
        blog.run([tc.prefix + "ar", "rcs", str(tmp / LIBRARY), *objs], "archiving libtflm.a")
        for o in objs:
            Path(o).unlink()
        (tmp / "obj").rmdir()
        (tmp / "build.log").write_text(blog.text())
        record = {
            "engine": engine, "board": board, "toolchain": toolchain_key(board), "compiler": cxx, "cflags": tc.arch,
            "cxxflags": fl["cxx"], "cflags_c": fl["c"], "optimisation": {"core": CORE_OPT, "kernels": KERNEL_OPT},
            "sources": {n: _pin(n, Path(root)) for n in names},
            "objects": {k: sum(1 for u in todo if u.kind == k) for k in ("core", "kernel", "third_party")},
            "kernels": engine_sources.tflm_kernels(),
            "build_seconds": round(time.monotonic() - started, 1),
        }
        fsutil.write_json(tmp / RECORD, record)
    log.info("built %s for %s (%s): %d objects in %.0f s", LIBRARY, board, engine, len(todo),
             record["build_seconds"])
    return record


def _pin(name: str, root: Path) -> dict[str, str]:
    src = engine_sources.source(name)
    return {"repo": src["repo"], "commit": src["commit"], "tree": src["tree"],
            "path": str(engine_sources.tree_dir(name, root))}
