"""What the QEMU plugin (plugin/tinyperf_cycles.c) wrote: blocks, phases, edges and memory accesses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tinyperf.errors import BuildError


@dataclass(frozen=True)
class Block:
    id: int
    vaddr: int
    n_insns: int
    bytes: int


@dataclass
class Trace:
    blocks: dict[int, Block]
    #: phase -> the mark address that began it (phase 0 began with the run)
    phase_marks: dict[int, int]
    #: (phase, prev block id or -1, block id) -> executions
    edges: dict[tuple[int, int, int], int]
    #: (phase, block id, instruction index) -> memory accesses
    accesses: dict[tuple[int, int, int], int] = field(default_factory=dict)
    overflow: bool = False

    @property
    def phases(self) -> list[int]:
        return sorted({0, *self.phase_marks, *(p for p, _, _ in self.edges)})

    def executions(self) -> dict[tuple[int, int], int]:
        """(phase, block id) -> how often the block ran in that phase."""
        out: dict[tuple[int, int], int] = defaultdict(int)
        for (phase, _prev, cur), n in self.edges.items():
            out[phase, cur] += n
        return out


def read(path: Path) -> Trace:
    blocks: dict[int, Block] = {}
    marks: dict[int, int] = {}
    edges: dict[tuple[int, int, int], int] = {}
    accesses: dict[tuple[int, int, int], int] = {}
    overflow = False
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise BuildError(f"the QEMU cycle plugin wrote no trace ({path}): {exc}") from exc
    if not lines or not lines[0].startswith("V 1 "):
        raise BuildError(f"{path} is not a tinyperf_cycles trace (version line missing): the run did not end cleanly")
    for n, line in enumerate(lines, 1):
        f = line.split()
        try:
            if f[0] == "V":
                overflow = f[2] != "0"
            elif f[0] == "B":
                blocks[int(f[1])] = Block(int(f[1]), int(f[2], 16), int(f[3]), int(f[4]))
            elif f[0] == "P":
                marks[int(f[1])] = int(f[2], 16)
            elif f[0] == "E":
                edges[int(f[1]), int(f[2]), int(f[3])] = int(f[4])
            elif f[0] == "M":
                key = (int(f[1]), int(f[2]), int(f[3]))
                accesses[key] = accesses.get(key, 0) + int(f[4])
            else:
                raise ValueError(f[0])
        except (IndexError, ValueError) as exc:
            raise BuildError(f"{path}:{n}: unreadable trace line {line!r}") from exc
    return Trace(blocks, marks, edges, accesses, overflow)
