"""Compiler facts shared by every build of C for a target: the firmware, the scenario firmware and the bench.

Freestanding cross builds see no C library header at all: `-nostdinc` drops every system include folder, and
the compiler's own (stdint.h, stddef.h, ... from `$CC -print-file-name=include`) is put back alone. So whatever
libc headers a machine happens to have (the host's /usr/include, newlib's) can never be picked up, and a build
that passes here passes on a machine that has only the compiler.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

from tinyperf.errors import BuildError


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
