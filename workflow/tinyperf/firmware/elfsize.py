"""Flash and RAM use of an ELF image, by section, read from the section headers (no binutils needed).

Allocated sections are classified the way a linker map reads: code and constants live in flash, ``.bss``-like
(NOBITS) sections only in RAM, initialised writable data in both (its image in flash, copied to RAM at reset).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from tinyperf.errors import BuildError

SHT_NOBITS = 8
SHF_WRITE = 0x1
SHF_ALLOC = 0x2


@dataclass
class MemoryUse:
    flash: dict[str, int] = field(default_factory=dict)
    ram: dict[str, int] = field(default_factory=dict)

    @property
    def flash_bytes(self) -> int:
        return sum(self.flash.values())

    @property
    def ram_bytes(self) -> int:
        return sum(self.ram.values())


def memory_use(elf: str | Path) -> MemoryUse:
    data = Path(elf).read_bytes()
    if data[:4] != b"\x7fELF":
        raise BuildError(f"{elf}: not an ELF file")
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x3A)
        fmt = end + "IIQQQQIIQQ"
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x2E)
        fmt = end + "IIIIIIIIII"
    headers = [struct.unpack_from(fmt, data, shoff + i * shentsize) for i in range(shnum)]
    strtab = headers[shstrndx]
    str_off = strtab[4]

    def name_of(off: int) -> str:
        stop = data.index(b"\0", str_off + off)
        return data[str_off + off : stop].decode()

    use = MemoryUse()
    for h in headers:
        name_off, sh_type, flags, size = h[0], h[1], h[2], h[5]
        if not flags & SHF_ALLOC or size == 0:
            continue
        name = name_of(name_off)
        if sh_type == SHT_NOBITS:
            use.ram[name] = use.ram.get(name, 0) + size
        else:
            use.flash[name] = use.flash.get(name, 0) + size
            if flags & SHF_WRITE:
                use.ram[name] = use.ram.get(name, 0) + size
    return use
