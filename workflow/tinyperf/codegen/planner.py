"""Static arena planning over tensor lifetimes: aliasing, in-place reuse, then greedy-by-size offsets."""

from __future__ import annotations

from dataclasses import dataclass, field

ALIGN = 16


@dataclass
class Group:
    """Tensors that share one buffer (aliases and in-place outputs)."""

    tensors: list[int]
    size: int
    start: int
    end: int
    offset: int = -1
    members: set[int] = field(default_factory=set)


def _align(x: int) -> int:
    return (x + ALIGN - 1) // ALIGN * ALIGN


def plan(
    sizes: dict[int, int],
    first: dict[int, int],
    last: dict[int, int],
    merges: list[tuple[int, int, int]],
) -> tuple[dict[int, int], int, list[Group]]:
    """Assign arena offsets.

    sizes: bytes per activation tensor; first/last: op index that defines / last reads it (inclusive).
    merges: (op index, source tensor, dest tensor) in op order: dest may share source's buffer if source's
    group is not read after that op (aliases are always merged: the caller passes them first at their op).
    Returns (offset per tensor, arena bytes, groups).
    """
    group_of: dict[int, Group] = {}
    for t, s in sizes.items():
        group_of[t] = Group([t], s, first[t], last[t], members={t})
    for op_idx, src, dst, *rest in merges:
        alias = bool(rest and rest[0])
        gs, gd = group_of[src], group_of[dst]
        if gs is gd:
            continue
        if not alias and gs.end > op_idx:
            continue  # source still read later: not in place
        gs.tensors += gd.tensors
        gs.members |= gd.members
        gs.size = max(gs.size, gd.size)
        gs.start = min(gs.start, gd.start)
        gs.end = max(gs.end, gd.end)
        for t in gd.tensors:
            group_of[t] = gs
    groups = list({id(g): g for g in group_of.values()}.values())
    placed: list[Group] = []
    for g in sorted(groups, key=lambda g: (-g.size, g.start)):
        live = sorted((p for p in placed if p.start <= g.end and g.start <= p.end), key=lambda p: p.offset)
        offset = 0
        for p in live:
            if offset + g.size <= p.offset:
                break
            offset = max(offset, _align(p.offset + p.size))
        g.offset = offset
        placed.append(g)
    offsets = {t: group_of[t].offset for t in sizes}
    total = max((g.offset + g.size for g in groups), default=0)
    return offsets, _align(total) if total else 0, groups
