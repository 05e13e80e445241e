"""The one build layer: a board profile's compiler, flags, link, images and build log, for every C build of a
target (the DUT firmware, the scenario firmware, the qemu_m4 bench app), so the bench counts the code the boards
run, compiled the way they compile it.

Freestanding cross builds see no C library header at all: `-nostdinc` drops every system include folder, and
the compiler's own (stdint.h, stddef.h, ... from `$CC -print-file-name=include`) is put back alone. So whatever
libc headers a machine happens to have (the host's /usr/include, newlib's) can never be picked up, and a build
that passes here passes on a machine that has only the compiler.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tinyperf import profiles
from tinyperf.errors import BuildError, HardwareMissing

#: warnings are errors in our own C; generated model code gets warnings only (it is not ours to fix here)
OWN_WARNINGS = ["-Wall", "-Wextra", "-Werror"]
MODEL_WARNINGS = ["-Wall"]
#: ISO C with no FMA contraction: the per-task float arithmetic must round exactly like codec.py's numpy
COMMON_CFLAGS = ["-std=c99", "-g", "-ffp-contract=off", "-ffunction-sections", "-fdata-sections"]
#: what a bare-metal build leaves next to firmware.elf unless the profile's toolchain.images says otherwise
DEFAULT_IMAGES = {"firmware.bin": ["-O", "binary"], "firmware.hex": ["-O", "ihex"]}
#: memory: keys of the board profile handed to link.ld as symbols (usable in its MEMORY command)
_MEMORY_SYMBOLS = {"flash_origin": "TP_FLASH_ORIGIN", "flash_bytes": "TP_FLASH_LENGTH",
                   "ram_origin": "TP_RAM_ORIGIN", "ram_bytes": "TP_RAM_LENGTH"}


@cache
def compiler_include_dir(cc: str) -> Path:
    """The compiler's own header folder (freestanding stdint.h, stddef.h, ...)."""
    try:
        out = subprocess.run([cc, "-print-file-name=include"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BuildError(f"{cc} -print-file-name=include failed: {exc}") from exc
    path = Path(out.stdout.strip())
    if not (path / "stdint.h").is_file() or not (path / "stddef.h").is_file():
        raise BuildError(f"{cc}: its own include folder {path} has no stdint.h/stddef.h; the compiler's "
                         f"installation is incomplete (reinstall its Debian package)")
    return path


def freestanding_cflags(cc: str) -> list[str]:
    """Flags of a freestanding build: no hosted environment and no include folder but the compiler's own."""
    return ["-ffreestanding", "-nostdinc", "-isystem", str(compiler_include_dir(cc))]


def board_defines(prof: dict[str, Any]) -> list[str]:
    """-D flags from the board profile: the core clock, for cycle-counter timestamps."""
    return [f"-DTP_BOARD_CLOCK_HZ={int(prof['clock_hz'])}u"] if prof.get("clock_hz") else []


def memory_defsyms(prof: dict[str, Any], unbounded: int | None = None) -> list[str]:
    """--defsym for each memory key the profile sets, so the memory map is written once, in the profile.
    *unbounded*: every region's length replaced by it (to measure a build that overflows the board)."""
    mem = prof.get("memory", {})
    out = []
    for key, sym in _MEMORY_SYMBOLS.items():
        if mem.get(key) is not None:
            value = unbounded if unbounded is not None and key.endswith("_bytes") else int(mem[key])
            out.append(f"-Wl,--defsym={sym}={value:#x}")
    return out


def find_compiler(board: str, prof: dict[str, Any], task: str | None = None) -> str:
    """The board's gcc: on PATH, else in the profile's toolchain.search globs (environment variables expanded,
    e.g. an ESP-IDF install under $IDF_TOOLS_PATH). Absent: the profile's install hint, as HardwareMissing."""
    tc = prof["toolchain"]
    cc = tc["prefix"] + "gcc"
    if shutil.which(cc):
        return cc
    for pattern in tc.get("search", []):
        expanded = os.path.expanduser(os.path.expandvars(pattern))
        for directory in sorted(glob.glob(expanded), reverse=True):  # newest version first
            candidate = Path(directory) / cc
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    hint = tc.get("install")
    if hint:
        where = "on PATH or in the folders of toolchain.search" if tc.get("search") else "on PATH"
        from tinyperf.flash.guidance import continue_command

        raise HardwareMissing(f"{cc} not found {where}: the {board} toolchain is not installed.\n{hint.strip()}\n"
                              f"Then rerun: {continue_command(board, task)}")
    raise BuildError(f"{cc} not found on PATH: install the {board} toolchain (see config/boards/{board}.yaml)")


class BuildLog:
    """build.log: every command and its output, so a failed build can be read without rerunning it."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def run(self, cmd: list[str], what: str) -> str:
        self.lines.append("$ " + shlex.join(cmd))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        except FileNotFoundError as exc:
            raise BuildError(f"{cmd[0]} not found: install the board's toolchain ({exc})") from exc
        output = proc.stdout + proc.stderr
        if output:
            self.lines.append(output.rstrip())
        if proc.returncode != 0:
            tail = "\n".join(output.strip().splitlines()[-15:])
            missing = sorted(set(re.findall(r"undefined reference to `([^']+)'", output)))
            if missing:  # the whole set, which the tail of a long link error cuts off
                tail += f"\nundefined symbols ({len(missing)}): {', '.join(missing)}"
            raise BuildError(f"{what} failed (exit {proc.returncode}):\n{tail}")
        return output

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


#: a sanitized host DUT: every ASan or UBSan finding ends the process (the runner then names the exit)
SANITIZE_FLAGS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g"]


@dataclass(frozen=True)
class Toolchain:
    """How one board's C is compiled and linked (config/boards/<board>.yaml, toolchain)."""

    board: str
    prof: dict[str, Any]
    cc: str
    arch: list[str]  # the architecture and optimisation flags (the profile's, or those of cflags_of)
    freestanding: bool  # a bare-metal board (its folder has a link.ld): no C library, no libc header

    @classmethod
    def of(cls, board: str, cflags_of: str | None = None, task: str | None = None,
           sanitize: bool = False) -> Toolchain:
        """The board's toolchain; *cflags_of* names another board of the same architecture whose flags replace
        this board's (the same inference code as that board, on this board's layer: qemu_m4 estimates).
        *sanitize*: the host board only, with AddressSanitizer and UndefinedBehaviorSanitizer, any finding fatal."""
        prof = profiles.board(board)
        arch = prof["toolchain"]["cflags"]
        if sanitize:
            if prof["arch"] != "host":
                raise BuildError(f"sanitizers run in a hosted process: build --sanitize for the host board, not "
                                 f"{board}")
            arch = [*arch, *SANITIZE_FLAGS]
        if cflags_of is not None:
            other = profiles.board(cflags_of)
            if other["arch"] != prof["arch"]:
                raise BuildError(f"cannot build {board} firmware with {cflags_of}'s flags: {cflags_of} is "
                                 f"{other['arch']}, {board} is {prof['arch']}")
            arch = other["toolchain"]["cflags"] + (SANITIZE_FLAGS if sanitize else [])
        freestanding = (profiles.FIRMWARE_DIR / "boards" / board / "link.ld").exists()
        return cls(board, prof, find_compiler(board, prof, task), list(arch), freestanding)

    @property
    def prefix(self) -> str:
        """objcopy & co. come from the same place as the compiler."""
        return self.cc[: -len("gcc")]

    @property
    def linker_script(self) -> Path:
        return profiles.FIRMWARE_DIR / "boards" / self.board / "link.ld"

    def cflags(self) -> list[str]:
        """Every compile's flags: architecture, the common ISO C set, freestanding isolation, the clock."""
        return (self.arch + COMMON_CFLAGS + (freestanding_cflags(self.cc) if self.freestanding else [])
                + board_defines(self.prof))

    def compile(self, src: Path, obj: Path, flags: list[str], blog: BuildLog) -> Path:
        obj.parent.mkdir(parents=True, exist_ok=True)
        blog.run([self.cc, *self.cflags(), *flags, "-c", str(src), "-o", str(obj)], f"compiling {src.name}")
        return obj

    def link(self, objs: list[str], elf: Path, blog: BuildLog, map_file: Path | None = None,
             unbounded: int | None = None, libs: list[str] | None = None) -> Path:
        """A bare-metal board: no C library or startup files, the profile's memory map, the board's link.ld.
        A hosted one (host): a native executable. *libs*: an engine's C++ library and what it needs, linked
        after the objects (with g++ on a hosted board)."""
        if not self.freestanding:
            driver = self.prefix + "g++" if libs is not None else self.cc
            blog.run([driver, *self.arch, "-Wl,--gc-sections", *objs, *(libs or []), "-o", str(elf)], "linking")
            return elf
        tc = self.prof["toolchain"]
        # toolchain.libgcc: false for a toolchain whose libgcc is built for another core (Debian's ARC libgcc is
        # ARC HS code): the firmware then carries what it needs, and anything else fails to link
        gcc = ["-lgcc"] if tc.get("libgcc", True) else []
        mapping = [f"-Wl,-Map={map_file}"] if map_file else []
        blog.run([self.cc, *self.arch, "-nostdlib", "-nostartfiles", *tc.get("ldflags", []),
                  *memory_defsyms(self.prof, unbounded), "-T", str(self.linker_script), "-Wl,--gc-sections",
                  *mapping, *objs, *(libs or []), *gcc, "-o", str(elf)], "linking")
        return elf

    def images(self, elf: Path, out_dir: Path, blog: BuildLog) -> None:
        """The profile's flashable images beside the ELF (.bin/.hex by default), then its post-link steps
        (e.g. esptool elf2image: placeholders {python} {elf} {out})."""
        if not self.freestanding:
            return
        tc = self.prof["toolchain"]
        for name, args in tc.get("images", DEFAULT_IMAGES).items():
            blog.run([self.prefix + "objcopy", *args, str(elf), str(out_dir / name)], f"objcopy ({name})")
        for step in tc.get("post_link", []):
            cmd = [a.format(python=sys.executable, elf=elf, out=out_dir) for a in step]
            blog.run(cmd, f"post-link step {shlex.join(step[:4])}")

    def record(self) -> dict[str, Any]:
        """What memory.json says of the build: compiler, its flags."""
        return {"compiler": self.cc, "cflags": self.arch}
