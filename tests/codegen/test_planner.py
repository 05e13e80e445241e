"""The arena planner: lifetimes, in-place and overlapping reuse; the convolution overlap lead against a simulation
of the reference loop's reads and writes."""

from __future__ import annotations

import numpy as np
import pytest

from tinyperf.codegen import planner
from tinyperf.codegen.lower import overlap_lead


def _check_disjoint(offsets, sizes, first, last, groups) -> None:
    """Tensors of different groups that are live at the same layer never share a byte."""
    group = {t: id(g) for g in groups for t in g.tensors}
    ts = sorted(sizes)
    for i, a in enumerate(ts):
        for b in ts[i + 1:]:
            if group[a] == group[b] or last[a] < first[b] or last[b] < first[a]:
                continue
            assert offsets[a] + sizes[a] <= offsets[b] or offsets[b] + sizes[b] <= offsets[a], (a, b)


def test_output_starts_its_lead_before_a_dying_input() -> None:
    sizes, first, last = {0: 1000, 1: 1000, 2: 40}, {0: -1, 1: 0, 2: 1}, {0: 0, 1: 1, 2: 2}
    offsets, arena, _ = planner.plan(sizes, first, last, [(0, 0, 1, False, 40), (1, 1, 2, False, 0)])
    assert offsets[1] == offsets[0] - 48  # lead rounded up to the 16-byte alignment
    assert arena == 1056  # 1000 + 48, aligned; two separate buffers would need 2000


def test_no_overlap_while_the_input_is_still_read() -> None:
    sizes, first, last = {0: 1000, 1: 1000, 2: 1000}, {0: -1, 1: 0, 2: 1}, {0: 1, 1: 1, 2: 2}
    offsets, arena, groups = planner.plan(sizes, first, last, [(0, 0, 1, False, 16)])
    assert arena >= 2000
    _check_disjoint(offsets, sizes, first, last, groups)


def test_chain_of_overlapping_layers_packs_two_buffers() -> None:
    """A kws-like chain (each layer's output a little before its input) must not creep up the arena."""
    n = 9
    sizes = {t: 8000 for t in range(n)}
    first = {t: t - 1 for t in range(n)}
    last = {t: t for t in range(n)}
    merges = [(t, t, t + 1, False, 64 if t % 2 else 0) for t in range(n - 1)]
    offsets, arena, groups = planner.plan(sizes, first, last, merges)
    assert arena <= 2 * 8000 + 64
    _check_disjoint(offsets, sizes, first, last, groups)


@pytest.mark.parametrize("seed", range(20))
def test_random_plans_never_clobber_live_tensors(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 14))
    sizes = {t: int(rng.integers(1, 5000)) for t in range(n)}
    first = {t: t - 1 for t in range(n)}
    last = {t: min(n, t + int(rng.integers(0, 4))) for t in range(n)}
    merges = [(t, t, t + 1, False, int(rng.choice([0, 0, 17, 300]))) for t in range(n - 1) if rng.random() < 0.7]
    offsets, arena, groups = planner.plan(sizes, first, last, merges)
    _check_disjoint(offsets, sizes, first, last, groups)
    assert all(offsets[t] >= 0 and offsets[t] + sizes[t] <= arena for t in sizes)
    for op, src, dst, _, lead in merges:  # a merge taken keeps its requested placement
        if any(src in g.tensors and dst in g.tensors for g in groups):
            assert offsets[dst] == offsets[src] - (lead + 15) // 16 * 16, (op, src, dst)


def test_live_bytes_counts_overlaps_once() -> None:
    offsets, sizes = {0: 0, 1: 48, 2: 2000}, {0: 1000, 1: 1000, 2: 10}
    first, last = {0: -1, 1: 0, 2: 0}, {0: 0, 1: 1, 2: 0}
    assert planner.live_bytes(offsets, sizes, first, last, 0) == 1048 + 10


# ---- the lead against the reference loop's order ---------------------------------------------------------------

def _simulated_lead(p: dict) -> int:
    """Smallest lead under which no output byte is written over an input byte read later, replaying
    tp_conv_ref.h's loop order: per pixel, per output channel, read the receptive field, then write."""
    kc, groups = p["k_c"], p["in_c"] // p["k_c"]
    per_group = p["out_c"] // groups
    events: list[tuple[int, int]] = []  # (kind 0 read / 1 write, byte)
    for oy in range(p["out_h"]):
        for ox in range(p["out_w"]):
            for oc in range(p["out_c"]):
                g = oc // per_group
                for ky in range(p["k_h"]):
                    iy = oy * p["stride_h"] - p["pad_h"] + ky * p["dil_h"]
                    for kx in range(p["k_w"]):
                        ix = ox * p["stride_w"] - p["pad_w"] + kx * p["dil_w"]
                        if 0 <= iy < p["in_h"] and 0 <= ix < p["in_w"]:
                            base = (iy * p["in_w"] + ix) * p["in_c"] + g * kc
                            events += [(0, base + c) for c in range(kc)]
                events.append((1, (oy * p["out_w"] + ox) * p["out_c"] + oc))
    need, low = 0, 1 << 30
    for kind, addr in reversed(events):  # a write must land below every later read
        if kind == 0:
            low = min(low, addr)
        else:
            need = max(need, addr + 1 - low)
    return need


def _random_conv(rng: np.random.Generator) -> dict:
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    dh, dw = (int(v) for v in rng.choice([1, 1, 2], size=2))
    sh, sw = (int(v) for v in rng.integers(1, 3, size=2))
    ih, iw = (int(v) for v in rng.integers(max(kh, kw) * 2, 9, size=2))
    ph, pw = int(rng.integers(0, (kh - 1) * dh + 1)), int(rng.integers(0, (kw - 1) * dw + 1))
    groups = int(rng.choice([1, 1, 1, 2]))
    kc = int(rng.integers(1, 6))
    p = {"batches": 1, "k_h": kh, "k_w": kw, "dil_h": dh, "dil_w": dw, "stride_h": sh, "stride_w": sw,
         "in_h": ih, "in_w": iw, "pad_h": ph, "pad_w": pw, "k_c": kc, "in_c": kc * groups,
         "out_c": groups * int(rng.integers(1, 6))}
    p["out_h"] = (ih + 2 * ph - (kh - 1) * dh - 1) // sh + 1
    p["out_w"] = (iw + 2 * pw - (kw - 1) * dw - 1) // sw + 1
    return p


@pytest.mark.parametrize("seed", range(4))
def test_overlap_lead_is_safe_and_tight(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    for _ in range(60):
        p = _random_conv(rng)
        if p["out_h"] < 1 or p["out_w"] < 1:
            continue
        lead, need = overlap_lead("conv_2d", p), _simulated_lead(p)
        assert lead is not None and lead >= need, p
        if p["dil_h"] == p["dil_w"] == 1 and p["k_c"] == p["in_c"]:
            assert lead <= need + p["out_c"] + p["in_c"], p  # one pixel's slack at most


def test_overlap_lead_only_for_single_batch_convolutions() -> None:
    p = _random_conv(np.random.default_rng(0))
    assert overlap_lead("depthwise_conv_2d", p) is None
    assert overlap_lead("conv_2d", {**p, "batches": 2}) is None
