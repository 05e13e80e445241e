"""Cycles of an emulated run: the TRM timings (timing.py) applied to the executed instruction stream (trace.py,
joined with the ELF's disassembly), plus the flash fetch model of a board (FetchModel).

Every block execution is reached by exactly one edge from the block that ran before it, so charging each edge
gives every execution once: the block's own cost (its instructions, with the load/store pipelining inside it),
the pipelining of its first instruction after the previous block's last one, and the refill when the previous
block ended in a taken branch (charged to the phase the branch ran in).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tinyperf.cycles.disasm import Insn
from tinyperf.cycles.timing import Timing, pipelined, refill, timing
from tinyperf.cycles.trace import Block, Trace
from tinyperf.errors import BuildError


@dataclass(frozen=True)
class FetchModel:
    """Instruction fetch from a board's flash, labelled a model: the TRM counts assume zero wait states.

    A fetch of one line (line_bytes) that is not already in the fetch buffer stalls the core wait_states cycles.
    With prefetch the next sequential line is fetched ahead, so only branch targets stall; without it every
    new line does. With a cache of cache_bytes that holds the run's whole code footprint, each line stalls once
    (its first fetch); a footprint larger than the cache is modelled as no cache. Fetches outside
    [region_start, region_end) (code in RAM) never stall.
    """
    wait_states: int = 0
    line_bytes: int = 16
    prefetch: bool = True
    cache_bytes: int = 0
    region_start: int = 0
    region_end: int = 1 << 32
    source: str = "zero wait states"

    @classmethod
    def of_profile(cls, prof: dict[str, Any], layout: dict[str, Any] | None = None) -> FetchModel:
        """*prof*'s cycle_model.flash; the flash region from *layout*, the profile of the board whose memory map
        the counted code was linked for (qemu_m4's when a board is estimated there), by default *prof* itself."""
        cm = prof.get("cycle_model") or {}
        fetch = cm.get("flash") or {}
        mem = (layout or prof).get("memory") or {}
        start = int(mem.get("flash_origin", 0))
        return cls(wait_states=int(fetch.get("wait_states", 0)), line_bytes=int(fetch.get("line_bytes", 16)),
                   prefetch=bool(fetch.get("prefetch", True)), cache_bytes=int(fetch.get("cache_bytes", 0)),
                   region_start=start, region_end=start + int(mem.get("flash_bytes", 1 << 32)),
                   source=str(fetch.get("source", "zero wait states")))

    @classmethod
    def estimating(cls, board: str) -> FetchModel:
        """*board*'s fetch model for code counted on qemu_m4 (linked to qemu_m4's memory map): an estimate."""
        from tinyperf import profiles

        return cls.of_profile(profiles.board(board), layout=profiles.board("qemu_m4"))


@dataclass
class PhaseCycles:
    phase: int
    mark: int | None
    instructions: int = 0
    core_cycles: int = 0     # TRM timings, zero wait states
    fetch_cycles: int = 0    # stalls of the fetch model
    divides: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def cycles(self) -> int:
        return self.core_cycles + self.fetch_cycles


@dataclass
class _Decoded:
    block: Block
    insns: list[Insn]
    timings: list[Timing]
    cost: list[int]          # per instruction, assuming all executed, pipelining inside the block applied
    end: int                 # the address after its last instruction


def decode(block: Block, insns: dict[int, Insn]) -> _Decoded:
    seq: list[Insn] = []
    addr = block.vaddr
    for _ in range(block.n_insns):
        insn = insns.get(addr)
        if insn is None:
            raise BuildError(f"QEMU ran an instruction at {addr:#x} that the ELF's disassembly does not hold "
                             "(code outside the ELF, or a data word executed)")
        seq.append(insn)
        addr += insn.size
    # QEMU's translator may read a halfword past a block's last instruction (to see whether the next one crosses
    # a page) and count it in that instruction's size: its byte count can exceed the disassembly's, never fall short
    if addr > block.vaddr + block.bytes:
        raise BuildError(f"block at {block.vaddr:#x}: QEMU's {block.bytes} bytes are fewer than the disassembly's "
                         f"{addr - block.vaddr} for its {block.n_insns} instructions")
    tims = [timing(i) for i in seq]
    cost = [t.base - (1 if k and pipelined(tims[k - 1], t) else 0) for k, t in enumerate(tims)]
    return _Decoded(block, seq, tims, cost, addr)


def _taken(prev: _Decoded, cur: _Decoded) -> bool:
    last = prev.timings[-1]
    return last.branch is not None and (last.always_taken or cur.block.vaddr != prev.end)


def count(trace: Trace, insns: dict[int, Insn], fetch: FetchModel | None = None) -> list[PhaseCycles]:
    """Cycles per phase of *trace* (see the module docstring)."""
    if trace.overflow:
        raise BuildError("the run had more phases than the cycle plugin records (2^20): mark fewer calls")
    fetch = fetch or FetchModel()
    dec = {bid: decode(b, insns) for bid, b in trace.blocks.items()}
    mark_addrs = set(trace.phase_marks.values())
    out = {p: PhaseCycles(p, trace.phase_marks.get(p)) for p in trace.phases}
    line = fetch.line_bytes

    def in_flash(addr: int) -> bool:
        return fetch.region_start <= addr < fetch.region_end

    lines_run: dict[int, int] = {}  # flash line -> first phase it ran in
    for (phase, _prev, cur), _n in sorted(trace.edges.items()):
        b = dec[cur]
        if in_flash(b.block.vaddr):
            for ln in range(b.block.vaddr // line, (b.end - 1) // line + 1):
                lines_run.setdefault(ln, phase)
    cached = fetch.cache_bytes > 0 and len(lines_run) * line <= fetch.cache_bytes
    if cached:
        for phase in lines_run.values():
            out[phase].fetch_cycles += fetch.wait_states

    for (phase, prev_id, cur_id), n in trace.edges.items():
        cur = dec[cur_id]
        pc = out[phase]
        pc.instructions += n * cur.block.n_insns
        pc.core_cycles += n * sum(cur.cost)
        for k, t in enumerate(cur.timings):
            pc.by_kind[t.kind] += n * cur.cost[k]
            if t.kind == "divide":
                pc.divides += n
        prev = dec.get(prev_id)
        taken = prev is None or _taken(prev, cur)
        if prev is not None:
            if pipelined(prev.timings[-1], cur.timings[0]):
                pc.core_cycles -= n
                pc.by_kind[cur.timings[0].kind] -= n
            if taken and prev.timings[-1].branch is not None:
                prev_phase = phase - 1 if cur.block.vaddr in mark_addrs and phase - 1 in out else phase
                p = refill(prev.timings[-1].branch, cur.insns[0])
                out[prev_phase].core_cycles += n * p
                out[prev_phase].by_kind["refill"] += n * p
        if fetch.wait_states and not cached and in_flash(cur.block.vaddr):
            first, last = cur.block.vaddr // line, (cur.end - 1) // line
            same_line = prev is not None and not taken and (prev.end - 1) // line == first
            branch_fetches = 1 if taken else 0
            seq_fetches = (last - first + 1) - branch_fetches - (1 if same_line else 0)
            stalls = branch_fetches + (0 if fetch.prefetch else seq_fetches)
            pc.fetch_cycles += n * stalls * fetch.wait_states

    runs = trace.executions()
    for (phase, bid, k), acc in trace.accesses.items():
        d = dec[bid]
        t = d.timings[k]
        if d.insns[k].in_it_block and t.accesses:
            ran = runs[phase, bid]
            skipped = ran - min(ran, acc // t.accesses)
            out[phase].core_cycles -= skipped * (d.cost[k] - 1)
            out[phase].by_kind[t.kind] -= skipped * (d.cost[k] - 1)
    # a conditional memory instruction that never made an access in a phase has no access record
    for (phase, _prev, bid), n in trace.edges.items():
        d = dec[bid]
        for k, t in enumerate(d.timings):
            if d.insns[k].in_it_block and t.accesses and (phase, bid, k) not in trace.accesses:
                out[phase].core_cycles -= n * (d.cost[k] - 1)
                out[phase].by_kind[t.kind] -= n * (d.cost[k] - 1)
    return [out[p] for p in sorted(out)]
