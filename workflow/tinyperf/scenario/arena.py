"""One activation arena for all models of a scenario, planned over the models' lifetimes.

A model's arena is live only while its invoke runs (the generated code copies the output out before it
returns and reads nothing left from a previous call), and the scenario firmware never interrupts a run: a
pipeline runs its stages one after the other and a concurrent set is scheduled round-robin at model
granularity on the one core. Two arenas need disjoint memory only when their models can be live at the same
time (a preemptive or layer-interleaved schedule); such pairs are passed as *overlapping*.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tinyperf.codegen.planner import ALIGN


def _align(x: int) -> int:
    return (x + ALIGN - 1) // ALIGN * ALIGN


@dataclass(frozen=True)
class ArenaPlan:
    offsets: dict[str, int]  # model id -> byte offset in the shared arena (16-byte aligned)
    sizes: dict[str, int]  # model id -> its own arena bytes
    shared_bytes: int  # the shared arena
    separate_bytes: int  # sum of the models' own arenas (what separate firmwares would each allocate)

    @property
    def saved_bytes(self) -> int:
        return self.separate_bytes - self.shared_bytes


def plan(sizes: dict[str, int], overlapping: Iterable[tuple[str, str]] = ()) -> ArenaPlan:
    """Offsets such that arenas of models in an *overlapping* pair are disjoint; all others may share bytes.

    Greedy by size, as the per-model planner: each arena goes at the lowest offset clear of the already placed
    arenas it conflicts with.
    """
    conflicts: dict[str, set[str]] = {m: set() for m in sizes}
    for a, b in overlapping:
        if a not in sizes or b not in sizes:
            raise ValueError(f"overlapping pair ({a}, {b}) names a model without an arena size")
        conflicts[a].add(b)
        conflicts[b].add(a)
    offsets: dict[str, int] = {}
    for m in sorted(sizes, key=lambda m: (-sizes[m], m)):
        busy = sorted((offsets[o], sizes[o]) for o in conflicts[m] if o in offsets)
        off = 0
        for o_off, o_size in busy:
            if off + sizes[m] <= o_off:
                break
            off = max(off, _align(o_off + o_size))
        offsets[m] = off
    shared = _align(max((offsets[m] + sizes[m] for m in sizes), default=0))
    separate = sum(_align(s) for s in sizes.values())
    return ArenaPlan(offsets, dict(sizes), shared, separate)
