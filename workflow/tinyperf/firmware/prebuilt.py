"""`tinyperf build --prebuilt IMAGE --engine NAME`: a firmware image built elsewhere (a vendor's X-CUBE-AI or
Plumerai build, your own TFLM port) that speaks the MLPerf Tiny DUT protocol, put where tinyperf's own build
would be, so flashing, measuring, the report and the submission tree treat it like ours.

The image is checked before anything is flashed: an ELF must be for the board's architecture (and, for host, an
executable this machine runs); a .hex must be Intel HEX; a .bin is taken as it is. Flash and RAM use come from
the ELF's sections (a .bin or .hex tells flash only). The engine is recorded exactly as given: tinyperf cannot
know what runs inside.
"""

from __future__ import annotations

import logging
import os
import shutil
import struct
from pathlib import Path
from typing import Any

from tinyperf import profiles
from tinyperf.errors import BuildError
from tinyperf.firmware.elfsize import memory_use
from tinyperf.fsutil import atomic_dir, sha256_file, write_json

log = logging.getLogger(__name__)

#: e_machine of each board architecture (System V ABI): ARM, ARCv2 (ARC EM), Xtensa; host: this machine's
ELF_MACHINES = {"cortex-m4": {40}, "arc-em": {195, 93}, "xtensa": {94}}
_HOST_MACHINES = {"x86_64": {62}, "aarch64": {183}, "arm64": {183}, "riscv64": {243}}
_NAMES = {40: "ARM", 62: "x86-64", 93: "ARC", 94: "Xtensa", 183: "AArch64", 195: "ARCv2", 243: "RISC-V"}


def _elf_machine(data: bytes) -> int:
    little = data[5:6] == b"\x01"
    return int(struct.unpack("<H" if little else ">H", data[18:20])[0])


def _expected_machines(board: str, prof: dict[str, Any]) -> set[int]:
    if prof["arch"] == "host":
        return _HOST_MACHINES.get(os.uname().machine, set())
    return ELF_MACHINES.get(prof["arch"], set())


def install_prebuilt(board: str, task: str, image: str | Path, engine: str, out_dir: str | Path) -> dict[str, Any]:
    """Check *image* and place it in OUT as the build would (firmware.elf/.bin/.hex, memory.json, build.log)."""
    prof = profiles.board(board)
    profiles.task(task)
    src = Path(image)
    if not src.is_file():
        raise BuildError(f"prebuilt firmware {src}: no such file")
    data = src.read_bytes()
    notes = [f"prebuilt image {src} ({len(data)} bytes, sha256 {sha256_file(src)}), engine {engine!r} as given"]
    if data[:4] == b"\x7fELF":
        kind, name = "elf", "firmware.elf"
        machine, expected = _elf_machine(data), _expected_machines(board, prof)
        if expected and machine not in expected:
            raise BuildError(f"prebuilt firmware {src} is an ELF for {_NAMES.get(machine, f'machine {machine}')}; "
                             f"{board} runs {prof['arch']} code: not this board's firmware")
        if prof["arch"] == "host" and not os.access(src, os.X_OK):
            raise BuildError(f"prebuilt firmware {src} is not executable: the host board runs it as a process "
                             f"(chmod +x {src})")
    elif prof["arch"] == "host":
        raise BuildError(f"prebuilt firmware {src} is not an ELF executable: the host board runs its firmware as a "
                         "native process")
    elif src.suffix.lower() == ".hex":
        if not data.lstrip().startswith(b":"):
            raise BuildError(f"prebuilt firmware {src}: named .hex but not Intel HEX (no ':' record)")
        kind, name = "hex", "firmware.hex"
    elif src.suffix.lower() == ".bin":
        kind, name = "bin", "firmware.bin"
    else:
        raise BuildError(f"prebuilt firmware {src}: not an ELF, and neither .bin nor .hex; give the image the "
                         "board's flashing tool takes")
    mem = prof["memory"]
    with atomic_dir(out_dir) as tmp:
        shutil.copyfile(src, tmp / name)
        if kind == "elf":
            os.chmod(tmp / name, 0o755)
            use = memory_use(tmp / name)
            flash = {"used_bytes": use.flash_bytes, "limit_bytes": mem.get("flash_bytes"), "sections": use.flash}
            ram = {"used_bytes": use.ram_bytes, "limit_bytes": mem.get("ram_bytes"), "sections": use.ram}
        else:
            size = len(data) if kind == "bin" else None
            flash = {"used_bytes": size, "limit_bytes": mem.get("flash_bytes"), "sections": {}}
            ram = {"used_bytes": None, "limit_bytes": mem.get("ram_bytes"), "sections": {}}
            notes.append(f"a .{kind} image: RAM use is unknown{'' if size else ', and flash use'}")
        memory = {"board": board, "task": task, "model_dir": None, "engine": engine, "target": None,
                  "prebuilt": {"source": str(src.resolve()), "sha256": sha256_file(src), "format": kind},
                  "firmware_sha256": sha256_file(tmp / name), "flash": flash, "ram": ram}
        write_json(tmp / "memory.json", memory)
        (tmp / "build.log").write_text("\n".join(notes) + "\n")
    log.info("prebuilt %s firmware for %s/%s: %s", engine, board, task, src)
    return memory
