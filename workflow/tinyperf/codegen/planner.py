"""Static arena planning over tensor lifetimes: aliasing, in-place and overlapping reuse, then first-fit offsets."""

from __future__ import annotations

from dataclasses import dataclass, field

ALIGN = 16


@dataclass
class Group:
    """Tensors that share one buffer (aliases, in-place and overlapping outputs), each at a fixed place in it."""

    tensors: list[int]
    size: int
    start: int
    end: int
    offset: int = -1
    rel: dict[int, int] = field(default_factory=dict)  # tensor -> bytes from the group's start


def _align(x: int) -> int:
    return (x + ALIGN - 1) // ALIGN * ALIGN


def plan(
    sizes: dict[int, int],
    first: dict[int, int],
    last: dict[int, int],
    merges: list[tuple[int, int, int, bool, int]],
) -> tuple[dict[int, int], int, list[Group]]:
    """Assign arena offsets.

    sizes: bytes per activation tensor; first/last: op index that defines / last reads it (inclusive).
    merges: (op index, source, dest, alias, lead) in op order. An alias always shares its source's buffer; otherwise
    dest may reuse source's buffer if source's group is not read after that op, starting *lead* bytes before
    source (0: exactly in place; a kernel that writes its output in order while it still reads ahead needs a lead).
    First fit is a heuristic: a few orders, with and without the overlapping (lead > 0) merges, are tried and the
    smallest arena is kept (ties: the first tried).
    Returns (offset per tensor, arena bytes, groups).
    """
    best: tuple[int, dict[int, int], list[Group]] | None = None
    for leads in (True, False):
        for order in _ORDERS:
            groups, group_of = _group(sizes, first, last, [m for m in merges if leads or m[4] == 0])
            total = _place(groups, sizes, first, last, order)
            if best is None or total < best[0]:
                best = (total, {t: group_of[t].offset + group_of[t].rel[t] for t in sizes}, groups)
    assert best is not None
    total, offsets, groups = best
    return offsets, _align(total) if total else 0, groups


def _group(
    sizes: dict[int, int], first: dict[int, int], last: dict[int, int], merges: list[tuple[int, int, int, bool, int]]
) -> tuple[list[Group], dict[int, Group]]:
    group_of: dict[int, Group] = {}
    for t, s in sizes.items():
        group_of[t] = Group([t], s, first[t], last[t], rel={t: 0})
    for op_idx, src, dst, alias, lead in merges:
        gs, gd = group_of[src], group_of[dst]
        if gs is gd:
            continue
        if not alias and gs.end > op_idx:
            continue  # source still read later: not in place
        shift = gs.rel[src] - _align(lead) - gd.rel[dst]
        rel = dict(gs.rel)
        rel.update({t: r + shift for t, r in gd.rel.items()})
        low = min(rel.values())
        gs.rel = {t: r - low for t, r in rel.items()}
        gs.tensors += gd.tensors
        gs.size = max(r + sizes[t] for t, r in gs.rel.items())
        gs.start = min(gs.start, gd.start)
        gs.end = max(gs.end, gd.end)
        for t in gd.tensors:
            group_of[t] = gs
    return list({id(g): g for g in group_of.values()}.values()), group_of


#: Placement orders: biggest first, then earliest first (the latter packs chains of overlapping groups).
_ORDERS = ((lambda g: (-g.size, g.start)), (lambda g: (g.start, -g.size)))


def _place(groups: list[Group], sizes: dict[int, int], first: dict[int, int], last: dict[int, int], order) -> int:
    """First fit in *order*; a group conflicts only where a member's bytes meet a placed tensor's bytes while both
    are live, so an output that overlaps its dying input keeps no more than its own bytes afterwards."""
    placed: list[tuple[int, int, int, int]] = []  # (offset, end, first op, last op) per placed tensor
    for g in sorted(groups, key=order):
        mine = [(g.rel[t], g.rel[t] + sizes[t], first[t], last[t]) for t in g.tensors]
        cands = sorted({0} | {_align(e - r) for _, e, _, _ in placed for r, _, _, _ in mine if e - r > 0})
        for off in cands:
            if all(
                e <= off + r or off + re <= o or lu < f or le < fu
                for r, re, f, le in mine
                for o, e, fu, lu in placed
            ):
                break
        g.offset = off
        placed += [(off + r, off + re, f, le) for r, re, f, le in mine]
    return max((g.offset + g.size for g in groups), default=0)


def live_bytes(offsets: dict[int, int], sizes: dict[int, int], first: dict[int, int], last: dict[int, int],
               op: int) -> int:
    """Arena bytes in use while layer *op* runs: the union of its live tensors' byte ranges."""
    spans = sorted((offsets[t], offsets[t] + sizes[t]) for t in sizes if first[t] <= op <= last[t])
    total, reach = 0, 0
    for lo, hi in spans:
        if hi > reach:
            total += hi - max(lo, reach)
            reach = hi
    return total
