"""`tinyperf scenario build`: every model of a scenario compiled with an external arena, one shared arena
planned across them, the DUT protocol with the `scenario` command, linked for one board.

OUT gets firmware.elf (+ images), codegen/<id>/, glue/, build.log, memory.json and scenario.json (the arena
plan, flash and RAM against the board's limits). A scenario that does not fit the board is not an error:
scenario.json says so with the numbers (fits: false) and no firmware.elf is left, so the run reports it.
"""

from __future__ import annotations

import logging
import math
import shutil
from pathlib import Path
from typing import Any

from tinyperf import profiles
from tinyperf.codegen.compiler import compile_model
from tinyperf.config import codegen_target
from tinyperf.errors import BuildError
from tinyperf.firmware.build import DUT_DIR, FIRMWARE_DIR, board_layer, board_sources, task_defines
from tinyperf.firmware.elfsize import memory_use
from tinyperf.firmware.toolchain import MODEL_WARNINGS, OWN_WARNINGS, BuildLog, Toolchain
from tinyperf.fsutil import atomic_dir, sha256_file, write_json
from tinyperf.scenario import arena as arena_mod
from tinyperf.scenario import glue
from tinyperf.scenario.spec import Scenario

log = logging.getLogger(__name__)

SCENARIO_FW_DIR = FIRMWARE_DIR / "scenario"
#: a memory region large enough to link any scenario, to measure one that overflows the board
_UNBOUNDED = 1 << 30


def target_for(board: str, target: str = "auto") -> str:
    return codegen_target({"codegen": {"target": target}}, board)


def _shared_defines(sc: Scenario) -> list[str]:
    """The first model's task defines (its m-model-[...] answers `profile`), the db buffer sized for all."""
    max_db = max(int(profiles.task(m.task)["dut"]["max_input_bytes"]) for m in sc.models)
    defs = [d for d in task_defines(sc.models[0].task) if not d.startswith("-DTP_MAX_DB_INPUT_SIZE=")]
    return [*defs, f"-DTP_MAX_DB_INPUT_SIZE={max_db}", "-DTP_SCENARIO=1"]


def generate(sc: Scenario, tflites: dict[str, Path], out: Path, target: str) -> tuple[dict[str, Any], Any]:
    """codegen/<id>/ for every model, the arena plan, glue/ (scenario_glue.c, io/<id>/model.h)."""
    metas: dict[str, dict[str, Any]] = {}
    for m in sc.models:
        metas[m.id] = compile_model(tflites[m.id], out / "codegen" / m.id, name=m.id, target=target, arena="extern")
    plan = arena_mod.plan({m.id: int(metas[m.id]["arena_bytes"]) for m in sc.models})
    (out / "glue").mkdir(parents=True, exist_ok=True)
    (out / "glue" / "scenario_glue.c").write_text(glue.glue_c(sc, plan, metas))
    for m in sc.models:
        shim = out / "glue" / "io" / m.id
        shim.mkdir(parents=True, exist_ok=True)
        (shim / "model.h").write_text(glue.model_shim(m.id))
    return metas, plan


def _compile_units(sc: Scenario, out: Path, board: str, freestanding: bool) -> list[tuple[Path, list[str]]]:
    """(source, flags) for every translation unit: the kernels once, each model's I/O under its own names."""
    layer = board_layer(board)
    model_incs = [f"-I{out / 'codegen' / m.id}" for m in sc.models]
    base_inc = [f"-I{DUT_DIR}", *(f"-I{d}" for d in layer), f"-I{SCENARIO_FW_DIR}"]
    shared = [*_shared_defines(sc), *OWN_WARNINGS, *base_inc, f"-I{out / 'glue'}", *model_incs]
    units: list[tuple[Path, list[str]]] = []
    own = [p for p in sorted(DUT_DIR.glob("*.c")) if p.name != "task_io.c"]
    own += board_sources(layer) + sorted(SCENARIO_FW_DIR.glob("*.c"))
    if freestanding:
        own += sorted((DUT_DIR / "freestanding").glob("*.c"))
    units += [(p, shared) for p in own]
    units.append((out / "glue" / "scenario_glue.c", shared))
    kernels: dict[str, Path] = {}
    for m in sc.models:
        cg = out / "codegen" / m.id
        io_flags = [*task_defines(m.task), "-DTP_SCENARIO=1", *glue.rename_defines(m.id), *OWN_WARNINGS,
                    f"-I{out / 'glue' / 'io' / m.id}", *base_inc, f"-I{cg}"]
        units.append((DUT_DIR / "task_io.c", io_flags))
        units.append((cg / f"{m.id}.c", [*MODEL_WARNINGS, f"-I{cg}"]))
        for k in sorted(cg.glob("*.c")):
            if k.name != f"{m.id}.c":
                kernels.setdefault(k.name, k)  # identical in every model's folder: compiled once
    units += [(k, [*MODEL_WARNINGS, f"-I{k.parent}"]) for k in kernels.values()]
    return units


def _overflow_numbers(message: str) -> dict[str, int]:
    import re

    return {m.group(1): int(m.group(2)) for m in re.finditer(r"region `(\w+)' overflowed by (\d+) bytes", message)}


def build_scenario(sc: Scenario, tflites: dict[str, Path], board: str, out_dir: str | Path,
                   target: str = "auto") -> dict[str, Any]:
    """Build the scenario firmware into OUT (replaced atomically); returns scenario.json's content."""
    prof = profiles.board(board)
    board_dir = FIRMWARE_DIR / "boards" / board
    if not board_dir.is_dir():
        raise BuildError(f"board {board!r} has no firmware/boards/{board}/ folder")
    missing = [f"{m}: {p}" for m, p in tflites.items() if not Path(p).is_file()]
    if missing:
        raise BuildError(f"scenario {sc.name}: model file(s) missing: {'; '.join(missing)}")
    tgt = target_for(board, target)
    tc = Toolchain.of(board)
    blog = BuildLog()
    out = Path(out_dir)
    with atomic_dir(out) as tmp:
        metas, plan = generate(sc, {k: Path(v) for k, v in tflites.items()}, tmp, tgt)
        objs = [str(tc.compile(src, tmp / "obj" / f"{i:03d}_{src.stem}.o", flags, blog))
                for i, (src, flags) in enumerate(_compile_units(sc, tmp, board, tc.freestanding))]
        overflow: dict[str, int] = {}
        elf: Path | None = tmp / "firmware.elf"
        try:
            tc.link(objs, elf, blog, map_file=tmp / "firmware.map")
        except BuildError as exc:
            overflow = _overflow_numbers(str(exc))
            if not overflow:
                raise
            # Measure what it would need: the same link in unbounded regions (profile-driven link scripts).
            try:
                tc.link(objs, elf, blog, map_file=tmp / "firmware.map", unbounded=_UNBOUNDED)
            except BuildError:
                elf = None
        mem = prof["memory"]
        flash_limit, ram_limit = mem.get("flash_bytes"), mem.get("ram_bytes")
        if elf is not None:
            use = memory_use(elf)
            flash_used, ram_used = use.flash_bytes, use.ram_bytes
            flash_sections, ram_sections = use.flash, use.ram
        else:  # the board's link script has fixed regions: the linker's own overflow figures
            flash_used = (flash_limit or 0) + sum(v for k, v in overflow.items() if "FLASH" in k.upper())
            ram_used = (ram_limit or 0) + sum(v for k, v in overflow.items() if "FLASH" not in k.upper())
            flash_sections, ram_sections = {}, {}
        flash_fits = flash_limit is None or flash_used <= flash_limit
        ram_fits = ram_limit is None or ram_used <= ram_limit
        fits = flash_fits and ram_fits and not overflow
        reasons = []
        if not flash_fits:
            reasons.append(f"flash: needs {flash_used} B ({math.ceil(flash_used / 1024)} KB), {board} has "
                           f"{flash_limit} B ({flash_limit // 1024} KB)")
        if not ram_fits:
            reasons.append(f"RAM: needs {ram_used} B ({math.ceil(ram_used / 1024)} KB), {board} has "
                           f"{ram_limit} B ({ram_limit // 1024} KB)")
        if overflow and not reasons:
            reasons.append("linker: " + ", ".join(f"region {k} overflowed by {v} bytes" for k, v in overflow.items()))
        if fits and elf is not None:
            tc.images(elf, tmp, blog)
        elif elf is not None:
            elf.replace(tmp / "firmware.unfit.elf")  # kept for inspection, never flashed
        shutil.rmtree(tmp / "obj")
        weights = sum(int(metas[m.id]["weight_bytes"]) for m in sc.models)
        info: dict[str, Any] = {
            "scenario": sc.name,
            "kind": sc.kind,
            "schedule": sc.schedule,
            "board": board,
            "target": tgt,
            "models": [
                {"id": m.id, "task": m.task, "tflite": str(tflites[m.id]),
                 "tflite_sha256": sha256_file(tflites[m.id]), "arena_bytes": int(metas[m.id]["arena_bytes"]),
                 "arena_offset": plan.offsets[m.id], "weight_bytes": int(metas[m.id]["weight_bytes"]),
                 "macs": int(metas[m.id]["macs"]), "input_bytes": _io_bytes(metas[m.id], "input"),
                 "output_bytes": _io_bytes(metas[m.id], "output")}
                for m in sc.models
            ],
            "arena": {"shared_bytes": plan.shared_bytes, "separate_sum_bytes": plan.separate_bytes,
                      "saved_bytes": plan.saved_bytes},
            "weight_bytes": weights,
            "flash": {"used_bytes": flash_used, "limit_bytes": flash_limit, "fits": flash_fits,
                      "sections": flash_sections},
            "ram": {"used_bytes": ram_used, "limit_bytes": ram_limit, "fits": ram_fits, "sections": ram_sections},
            "fits": fits,
            "reasons": reasons,
            "firmware_sha256": sha256_file(tmp / "firmware.elf") if fits else None,
        }
        write_json(tmp / "scenario.json", info)
        write_json(tmp / "memory.json", {
            "board": board, "task": sc.models[0].task, "scenario": sc.name, "model_dir": str(out / "codegen"),
            "firmware_sha256": info["firmware_sha256"],
            "flash": {"used_bytes": flash_used, "limit_bytes": flash_limit, "sections": flash_sections},
            "ram": {"used_bytes": ram_used, "limit_bytes": ram_limit, "sections": ram_sections},
        })
        (tmp / "build.log").write_text(blog.text())
    if fits:
        log.info("scenario %s for %s: flash %d B, RAM %d B, arena %d B shared (%d B separate)", sc.name, board,
                 flash_used, ram_used, plan.shared_bytes, plan.separate_bytes)
    else:
        log.warning("scenario %s does not fit %s: %s", sc.name, board, "; ".join(reasons))
    return info


def _io_bytes(meta: dict[str, Any], key: str) -> int:
    n = 1
    for d in meta[key]["shape"]:
        n *= int(d)
    return n
