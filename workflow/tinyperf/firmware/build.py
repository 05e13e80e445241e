"""`tinyperf build`: the DUT firmware for one board, task and generated model.

Everything board-specific comes from config/boards/<board>.yaml (toolchain prefix and cflags, memory limits)
and firmware/boards/<board>/ (its .c/.S sources, and link.ld for a bare-metal board), so a new board is a
folder and a profile. Code several boards share (cortex_m: the Cortex-M4 startup and DWT timer) is a folder
of firmware/boards/ too, which a profile pulls in by naming it under firmware.shared. A board folder with a
link.ld is built freestanding (no C library; the DUT's own memcpy & co. from firmware/dut/freestanding/), one
without is built as a hosted native program.
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinyperf import REPO_ROOT, profiles
from tinyperf.errors import BuildError
from tinyperf.firmware.elfsize import memory_use
from tinyperf.firmware.engine_library import EngineLibrary
from tinyperf.firmware.toolchain import MODEL_WARNINGS, OWN_WARNINGS, BuildLog, Toolchain
from tinyperf.fsutil import atomic_dir, sha256_file, write_json

log = logging.getLogger(__name__)

FIRMWARE_DIR = profiles.FIRMWARE_DIR
DUT_DIR = FIRMWARE_DIR / "dut"
ENGINE_LIBC = FIRMWARE_DIR / "engines" / "tflm" / "freestanding"
ENGINE_NO_LIBM = FIRMWARE_DIR / "engines" / "tflm" / "no_libm"


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    firmware: Path
    memory: dict[str, Any]


def task_defines(task: str) -> list[str]:
    """-D flags from the task profile: which I/O handling, the model version string, the buffer size."""
    prof = profiles.task(task)
    dut = prof["dut"]
    defines = [
        f"-DTP_TASK_{profiles.data_task(task).upper()}=1",
        f'-DTP_MODEL_VERSION="{prof["mlperf_model"]}"',
        f"-DTP_MAX_DB_INPUT_SIZE={int(dut['max_input_bytes'])}",
    ]
    if "window_bytes" in dut:
        defines.append(f"-DTP_AD_WINDOW_BYTES={int(dut['window_bytes'])}")
    if dut.get("baud"):
        defines.append(f"-DTP_UART_BAUD={int(dut['baud'])}")
    return defines


def board_layer(board: str, prof: dict[str, Any] | None = None) -> list[Path]:
    """The folders of the board layer: firmware/boards/<board>/, then each folder its profile's
    firmware.shared names, in that order (also the include order, so a board's own header wins)."""
    prof = profiles.board(board) if prof is None else prof
    boards = FIRMWARE_DIR / "boards"
    dirs = [boards / board]
    for name in prof.get("firmware", {}).get("shared", []):
        if not (boards / name).is_dir():
            raise BuildError(f"config/boards/{board}.yaml: firmware.shared names {name!r}, but there is no "
                             f"firmware/boards/{name}/ folder")
        dirs.append(boards / name)
    return dirs


def board_layer_files(board: str) -> list[str]:
    """Every file of the board layer, as paths relative to the repository (Snakemake inputs)."""
    return [str(p.relative_to(REPO_ROOT)) for d in board_layer(board) for p in sorted(d.iterdir()) if p.is_file()]


def board_sources(layer: list[Path]) -> list[Path]:
    """The .c and .S files of the board layer's folders."""
    return [p for d in layer for p in sorted(d.glob("*.c")) + sorted(d.glob("*.S"))]


def _sources(layer: list[Path], model_dir: Path, freestanding: bool, engine: bool = False,
             libm: bool = True) -> list[tuple[Path, list[str]]]:
    own = sorted(DUT_DIR.glob("*.c")) + board_sources(layer)
    if freestanding:
        own += sorted((DUT_DIR / "freestanding").glob("*.c"))
        if engine:  # the few C library functions TFLM calls, on a board without a C library
            own += sorted(ENGINE_LIBC.glob("*.c"))
            if not libm:  # and no libm at all: its float functions flag the inference as failed
                own += sorted(ENGINE_NO_LIBM.glob("*.c"))
    model = sorted(model_dir.glob("*.c")) + sorted(model_dir.glob("*.cc"))
    if not model:
        raise BuildError(f"{model_dir}: no .c files; expected the output of `tinyperf codegen MODEL -o DIR`")
    if not (model_dir / "model.h").exists():
        raise BuildError(f"{model_dir}: no model.h; expected the output of `tinyperf codegen MODEL -o DIR`")
    return [(p, OWN_WARNINGS) for p in own] + [(p, MODEL_WARNINGS) for p in model]


def _map_regions(map_file: Path) -> dict[str, tuple[int, str]]:
    """Memory regions (length, attributes) from the "Memory Configuration" table of a GNU ld map."""
    regions: dict[str, tuple[int, str]] = {}
    try:
        text = map_file.read_text(errors="replace")
    except OSError:
        return regions
    table = text.split("Memory Configuration", 1)[-1].split("Linker script and memory map", 1)[0]
    for m in re.finditer(r"^(\w+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s*(\S*)", table, re.M):
        regions[m.group(1)] = (int(m.group(3), 16), m.group(4))
    return regions


def _overflow_error(output: str, task: str, board: str, prof: dict[str, Any],
                    map_file: Path | None = None) -> BuildError | None:
    """The linker's "region `RAM' overflowed by N bytes" as the numbers a user can act on. A board with
    several RAMs (himax: ICCM, SRAM, DCCM) is measured against the overflowing region's own length."""
    m = re.search(r"region `(\w+)' overflowed by (\d+) bytes", output)
    if not m:
        return None
    region, over = m.group(1), int(m.group(2))
    regions = _map_regions(map_file) if map_file else {}
    if region in regions:
        length = regions[region][0]
        kind = "flash" if "FLASH" in region.upper() else "RAM"
        if region.upper() not in ("RAM", "FLASH"):
            kind = f"{kind} ({region})"
        return BuildError(
            f"{task} needs {math.ceil((length + over) / 1024)} KB {kind}, {board} has {length // 1024} KB "
            f"(region {region} overflowed by {over} bytes)"
        )
    key = "ram_bytes" if "RAM" in region.upper() else "flash_bytes"
    limit = prof["memory"].get(key)
    kind = "RAM" if key == "ram_bytes" else "flash"
    if limit:
        return BuildError(
            f"{task} needs {math.ceil((limit + over) / 1024)} KB {kind}, {board} has {limit // 1024} KB "
            f"(region {region} overflowed by {over} bytes)"
        )
    return BuildError(f"{task} does not fit {board}: region {region} overflowed by {over} bytes")


def _engine_library(model_dir: Path, library: str | Path | None) -> EngineLibrary | None:
    """The engine library a generated model needs (a TFLM model directory: its .cc files), or None."""
    engine = _generated(model_dir)["engine"]
    if engine in (None, "tinyperf"):
        if library is not None:
            raise BuildError(f"{model_dir}: tinyperf's generated C needs no engine library (--library given)")
        return None
    if library is None:
        raise BuildError(f"{model_dir} is a {engine} model: give its library (`tinyperf engine library --engine "
                         f"{engine} --board BOARD -o DIR`) as --library DIR")
    return EngineLibrary.load(Path(library), engine)


def _tflm_arena(model_dir: Path, lib: EngineLibrary, tc: Toolchain) -> dict[str, Any]:
    """The arena a TFLM model gets on this board: TFLM's own smallest, measured with this library where the
    board's code runs here (engines.arena), else the model directory's 64-bit reference-kernel figure."""
    from tinyperf.engines.arena import min_arena

    found = min_arena(model_dir, lib, tc)
    if found is None:
        meta = json.loads((model_dir / "model.json").read_text())
        return {"arena_bytes": int(meta["arena_bytes"]), "arena_sized_by": meta.get("arena_sized_by")}
    return {"arena_bytes": found[0], "arena_sized_by": found[1]}


def build_firmware(board: str, model_dir: str | Path, task: str, out_dir: str | Path,
                   cflags_of: str | None = None, library: str | Path | None = None,
                   sanitize: bool = False) -> BuildResult:
    """Compile and link; OUT gets firmware.elf (+ .bin/.hex for bare-metal boards), memory.json, build.log.

    *cflags_of* names another board whose architecture flags replace this board's: the same inference code
    with the same compiler flags as that board, on this board's layer (estimates on qemu_m4 of a Cortex-M4
    board that is not attached). *library*: the engine library (libtflm.a and its library.json) of a TFLM
    model directory, built for this board (or for *cflags_of*).
    """
    model_dir = Path(model_dir).resolve()
    out_dir = Path(out_dir)
    if not (FIRMWARE_DIR / "boards" / board).is_dir():
        raise BuildError(f"board {board!r} has no firmware/boards/{board}/ folder (board layer not written yet)")
    if not model_dir.is_dir():
        raise BuildError(f"{model_dir}: no such model directory")
    tc = Toolchain.of(board, cflags_of, task, sanitize)
    prof = tc.prof
    layer = board_layer(board, prof)
    lib = _engine_library(model_dir, library)
    arena: dict[str, Any] = {}
    if lib is not None:
        lib.check_board(cflags_of or board)
        arena = _tflm_arena(model_dir, lib, tc)
    includes = [f"-I{DUT_DIR}", *(f"-I{d}" for d in layer), f"-I{model_dir}", f"-I{FIRMWARE_DIR / 'runtime'}"]
    defines = task_defines(task)
    blog = BuildLog()

    with atomic_dir(out_dir) as tmp:
        objs = []
        for i, (src, warnings) in enumerate(_sources(layer, model_dir, tc.freestanding, lib is not None,
                                                                "cxx_libs" in prof["toolchain"])):
            obj = tmp / "obj" / f"{i:03d}_{src.stem}.o"
            if src.suffix == ".cc":
                sized = [f"-DMODEL_ARENA_SIZE={arena['arena_bytes']}"] if "arena_bytes" in arena else []
                objs.append(str(lib.compile(src, obj, [*sized, f"-I{model_dir}"], blog)))  # type: ignore[union-attr]
            else:
                objs.append(str(tc.compile(src, obj, [*defines, *warnings, *includes], blog)))
        elf = tmp / "firmware.elf"
        try:
            tc.link(objs, elf, blog, map_file=tmp / "firmware.map", libs=lib.link_libs(tc) if lib else None)
        except BuildError as exc:
            err = _overflow_error(str(exc), task, board, prof, tmp / "firmware.map")
            if err:
                raise err from exc
            raise
        tc.images(elf, tmp, blog)
        shutil.rmtree(tmp / "obj")

        memory = _memory_report(elf, board, task, prof, model_dir)
        memory["cflags"] = tc.arch
        if cflags_of:
            memory["cflags_of"] = cflags_of
        if lib is not None:
            memory["library"] = lib.record_summary()
            memory.update(arena)
        write_json(tmp / "memory.json", memory)
        (tmp / "build.log").write_text(blog.text())
        for kind in ("flash", "ram"):
            limit, used = memory[kind]["limit_bytes"], memory[kind]["used_bytes"]
            if limit is not None and used > limit:
                label = "RAM" if kind == "ram" else "flash"
                raise BuildError(
                    f"{task} needs {math.ceil(used / 1024)} KB {label}, {board} has {limit // 1024} KB"
                )
    log.info("built %s for %s/%s: flash %d B, RAM %d B", out_dir / "firmware.elf", board, task,
             memory["flash"]["used_bytes"], memory["ram"]["used_bytes"])
    return BuildResult(out_dir, out_dir / "firmware.elf", memory)


def _generated(model_dir: Path) -> dict[str, Any]:
    """The engine and kernel target of the generated model (its model.json), as the firmware records them."""
    try:
        meta = json.loads((model_dir / "model.json").read_text())
    except (OSError, ValueError):
        return {"engine": None, "target": None}
    return {"engine": meta.get("engine", "tinyperf"), "target": meta.get("target")}


def _memory_report(elf: Path, board: str, task: str, prof: dict[str, Any], model_dir: Path) -> dict[str, Any]:
    use = memory_use(elf)
    mem = prof["memory"]
    return {
        "board": board,
        "task": task,
        "model_dir": str(model_dir),
        **_generated(model_dir),
        "firmware_sha256": sha256_file(elf),
        "flash": {"used_bytes": use.flash_bytes, "limit_bytes": mem.get("flash_bytes"), "sections": use.flash},
        "ram": {"used_bytes": use.ram_bytes, "limit_bytes": mem.get("ram_bytes"), "sections": use.ram},
    }
