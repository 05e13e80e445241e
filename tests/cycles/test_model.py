"""The cycle model on a hand-made trace: edges, refills and the flash fetch model counted by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinyperf.cycles import disasm, model, trace
from tinyperf.errors import BuildError

# a counted loop that straddles two 16-byte lines (0x100-0x10f, 0x110-0x11f), then a return
LISTING = """
     10c:\t3001      \tadds\tr0, #1
     10e:\t4288      \tcmp\tr0, r1
     110:\td1fc      \tbne.n\t10c <loop>
     112:\t4770      \tbx\tlr
"""
LOOP, RET = 0, 1
RUNS = 10  # the loop block runs 10 times: entered once, taken back 9 times, then falls through


def loop_trace() -> trace.Trace:
    blocks = {LOOP: trace.Block(LOOP, 0x10C, 3, 6), RET: trace.Block(RET, 0x112, 1, 2)}
    edges = {(0, -1, LOOP): 1, (0, LOOP, LOOP): RUNS - 1, (0, LOOP, RET): 1}
    return trace.Trace(blocks, {}, edges)


def count(fetch: model.FetchModel | None = None) -> model.PhaseCycles:
    (phase,) = model.count(loop_trace(), disasm.parse(LISTING), fetch)
    return phase


def test_core_cycles_by_hand() -> None:
    p = count()
    # 3 one-cycle instructions per run, the 9 taken bne refill 1 (16-bit target, word aligned), the bx 1
    assert p.instructions == 3 * RUNS + 1
    assert p.core_cycles == 3 * RUNS + (RUNS - 1) + 1
    assert p.fetch_cycles == 0 and p.by_kind["refill"] == RUNS - 1


@pytest.mark.parametrize(("fetch", "stalls"), [
    # prefetch: only the branch target's line stalls (entry + 9 taken); the second line came sequentially
    (model.FetchModel(wait_states=2), 2 * RUNS),
    # no prefetch: both lines of every run stall; the return's line is the one the loop just fetched
    (model.FetchModel(wait_states=2, prefetch=False), 2 * 2 * RUNS),
    # a cache that holds the footprint: each of the two lines stalls once
    (model.FetchModel(wait_states=2, cache_bytes=4096), 2 * 2),
    # a footprint beyond the cache is modelled as no cache
    (model.FetchModel(wait_states=2, cache_bytes=16), 2 * RUNS),
    # code outside the flash region (RAM) never stalls
    (model.FetchModel(wait_states=2, region_start=0x1000), 0),
])
def test_fetch_model_by_hand(fetch: model.FetchModel, stalls: int) -> None:
    p = count(fetch)
    assert p.fetch_cycles == stalls
    assert p.cycles == p.core_cycles + stalls == count().core_cycles + stalls


def test_fetch_cycles_scale_with_wait_states() -> None:
    """The calibration's premise: at a fixed geometry, fetch cycles are wait states x stalls."""
    one = count(model.FetchModel(wait_states=1, prefetch=False)).fetch_cycles
    assert [count(model.FetchModel(wait_states=w, prefetch=False)).fetch_cycles for w in range(5)] == \
        [w * one for w in range(5)]


def test_code_missing_from_the_disassembly_is_named() -> None:
    with pytest.raises(BuildError, match="0x112"):
        model.count(loop_trace(), disasm.parse(LISTING.split("     112:")[0]))


@pytest.mark.parametrize(("text", "message"), [
    ("", "version line missing"),
    ("B 0 10c 3 6\n", "version line missing"),
    ("V 1 0\nB 0 zz 3 6\n", r":2: unreadable trace line"),
    ("V 1 0\nQ 1\n", r":2: unreadable trace line"),
])
def test_bad_traces_are_refused(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "trace.txt"
    f.write_text(text)
    with pytest.raises(BuildError, match=message):
        trace.read(f)


def test_a_missing_trace_is_named(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="wrote no trace"):
        trace.read(tmp_path / "absent.txt")


def test_profile_fetch_model_takes_the_region_of_the_code_s_layout() -> None:
    from tinyperf import profiles

    nano = model.FetchModel.estimating("nano33ble")
    assert nano.wait_states == profiles.board("nano33ble")["cycle_model"]["flash"]["wait_states"]
    assert (nano.region_start, nano.region_end) == (0, profiles.board("qemu_m4")["memory"]["flash_bytes"])
    assert "assumed" in nano.source
