"""The executed code as the cycle model sees it: every Thumb instruction of an ELF, by address, from objdump.

Each instruction keeps its base mnemonic (no condition, no .n/.w), its condition when it has one (an IT block's
instructions and conditional branches), its size and its operands. An IT instruction's condition is carried onto
the instructions it covers, because that is where objdump writes it and where it can be told from a mnemonic
that merely ends in the same two letters (mls, teq, smlal).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tinyperf.errors import BuildError, HardwareMissing

CONDITIONS = ("eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al")
_LINE = re.compile(r"^\s*([0-9a-f]+):\s+((?:[0-9a-f]{4}\s)+|(?:[0-9a-f]{4} [0-9a-f]{4}\s))\s*(\S+)\s*(.*)$")
_IT = re.compile(r"^it[te]{0,3}$")
_CBRANCH = re.compile(r"^b(" + "|".join(CONDITIONS) + r")$")


@dataclass(frozen=True)
class Insn:
    addr: int
    size: int
    mnemonic: str       # base: "ldr", "smlad", "b", "vldr"
    cond: str | None    # "eq", ..., or None when unconditional
    operands: str       # as objdump prints them, comment removed
    text: str           # the whole disassembly, for reports

    @property
    def in_it_block(self) -> bool:
        return self.cond is not None and self.mnemonic != "b"


def objdump(elf: Path, tool: str = "arm-none-eabi-objdump") -> str:
    try:
        proc = subprocess.run([tool, "-d", str(elf)], capture_output=True,
                              text=True)
    except FileNotFoundError as exc:
        raise HardwareMissing(f"{tool} not found: apt-get install gcc-arm-none-eabi") from exc
    if proc.returncode != 0:
        raise BuildError(f"{tool} -d {elf} failed: {proc.stderr.strip()[-500:]}")
    return proc.stdout


def parse(listing: str) -> dict[int, Insn]:
    """Instructions of an objdump -d listing, by address (data words in code are skipped)."""
    out: dict[int, Insn] = {}
    it_conds: list[str] = []
    for line in listing.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        addr, raw, mnem, ops = int(m.group(1), 16), m.group(2).split(), m.group(3), m.group(4)
        if mnem.startswith("."):  # .word, .short: a literal pool
            continue
        ops = re.split(r"\s[@;]", ops, maxsplit=1)[0].strip()
        size = 2 * len(raw)
        base = mnem.split(".")[0]
        cond: str | None = None
        if it_conds:
            cond = it_conds.pop(0)
            if base.endswith(cond) or (cond in ("cs", "hs") and base[-2:] in ("cs", "hs")) or \
                    (cond in ("cc", "lo") and base[-2:] in ("cc", "lo")):
                base = base[:-2]
        elif _CBRANCH.match(base):
            cond, base = base[1:], "b"
        if _IT.match(base) and not it_conds:
            first = ops.split()[0] if ops else "al"
            it_conds = [first] + [first if c == "t" else _invert(first) for c in base[2:]]
        out[addr] = Insn(addr, size, base, cond, ops, f"{mnem} {ops}".strip())
    return out


def _invert(cond: str) -> str:
    pairs = {"eq": "ne", "cs": "cc", "hs": "lo", "mi": "pl", "vs": "vc", "hi": "ls", "ge": "lt", "gt": "le"}
    rev = {v: k for k, v in pairs.items()}
    return pairs.get(cond) or rev.get(cond) or cond


def disassemble(elf: Path) -> dict[int, Insn]:
    return parse(objdump(elf))
