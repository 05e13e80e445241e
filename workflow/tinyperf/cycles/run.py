"""Run an ELF on qemu_m4 with the cycle plugin: the plugin is compiled here with the host's gcc, once per source
(cached under $XDG_CACHE_HOME/tinyperf), and its trace is joined with the ELF's disassembly."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tinyperf.cycles import disasm, model, trace
from tinyperf.errors import BuildError, HardwareMissing

PLUGIN_DIR = Path(__file__).resolve().parent / "plugin"
PLUGIN_SOURCES = ("tinyperf_cycles.c", "qemu_plugin_abi.h")
CFLAGS = ["-std=gnu99", "-O2", "-fPIC", "-shared", "-Wall", "-Wextra", "-Werror"]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tinyperf" / "qemu-plugins"


def plugin() -> Path:
    """The compiled plugin for the current sources (built on first use)."""
    h = hashlib.sha256(" ".join(CFLAGS).encode())
    for name in PLUGIN_SOURCES:
        h.update((PLUGIN_DIR / name).read_bytes())
    so = cache_dir() / f"tinyperf_cycles-{h.hexdigest()[:16]}.so"
    if so.exists():
        return so
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise HardwareMissing("the QEMU cycle plugin needs a host C compiler: apt-get install gcc")
    so.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=so.parent, suffix=".so.part")
    os.close(fd)
    try:
        proc = subprocess.run([cc, *CFLAGS, "-o", tmp, str(PLUGIN_DIR / "tinyperf_cycles.c")],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise BuildError(f"compiling the QEMU cycle plugin failed:\n{proc.stderr[-2000:]}")
        os.replace(tmp, so)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return so


def plugin_args(out: Path, marks: Sequence[int]) -> list[str]:
    """QEMU's -plugin option for a trace into *out* with phases at *marks*."""
    opts = [str(plugin()), f"out={out}", *(f"mark={a:#x}" for a in marks)]
    return ["-plugin", ",".join(opts)]


def symbols(elf: Path, names: Sequence[str], nm: str = "arm-none-eabi-nm") -> dict[str, int]:
    """Addresses of *names* in *elf* (Thumb bit cleared); a missing one is an error naming it."""
    try:
        out = subprocess.run([nm, str(elf)], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BuildError(f"{nm} {elf} failed: {exc}") from exc
    found: dict[str, int] = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] in names:
            found[f[2]] = int(f[0], 16) & ~1
    missing = [n for n in names if n not in found]
    if missing:
        raise BuildError(f"{elf} has no symbol {', '.join(missing)} to mark a cycle-count phase at")
    return found


def count_trace(elf: Path, trace_file: Path, fetch: model.FetchModel | None = None) -> list[model.PhaseCycles]:
    return model.count(trace.read(trace_file), disasm.disassemble(elf), fetch)


def run_elf(elf: Path, marks: Sequence[str] = (), fetch: model.FetchModel | None = None,
            timeout: float = 600.0, work: Path | None = None) -> tuple[str, list[model.PhaseCycles]]:
    """Run *elf* on qemu_m4 (the bench's QEMU options) with the plugin, phases beginning at the functions
    *marks*; returns QEMU's stdout and the cycles per phase."""
    from tinyperf.bench.app import QEMU, run_tool  # the bench's QEMU command line, shared

    addrs = symbols(elf, list(marks)) if marks else {}
    with tempfile.TemporaryDirectory(prefix="tp-cycles-", dir=work) as tmp:
        out_file = Path(tmp) / "trace.txt"
        out = run_tool([*QEMU, "-kernel", str(elf), *plugin_args(out_file, sorted(set(addrs.values())))],
                       f"qemu_m4 cycle run of {elf.name}", timeout=timeout)
        return out, count_trace(elf, out_file, fetch)
