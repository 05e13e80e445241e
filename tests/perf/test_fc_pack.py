"""cortex-m4 FULLY_CONNECTED codegen-time packing (its prepare step): layout, refusals, and whole models bit-exact
with tflite-micro through the packed kernel (its C arithmetic, host build; qemu_m4 runs are in test_bench)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.codegen import harness
from tests.conftest import reference_model
from tinyperf.codegen import targets
from tinyperf.codegen.lower import Const, Lowered


def retarget(low: Lowered, target: str) -> Lowered:
    """The operand layout the target's FULLY_CONNECTED kernel expects (its descriptor's prepare)."""
    return targets.kernel("fully_connected", target).prepare(low)


def _fc(w: np.ndarray, bias: np.ndarray | None, io: int = 3) -> Lowered:
    o, n = w.shape
    consts = [Const("l007_filter", "int8_t", w.astype(np.int8), "w", True)]
    if bias is not None:
        consts.append(Const("l007_bias", "int32_t", bias.astype(np.int32), "b", True))
    consts.append(Const("l007_requant", "int32_t", np.array([[1518500250], [-7]], dtype=np.int32), "r", False))
    params = dict(batches=1, in_features=n, out_features=o, input_offset=io, filter_offset=0, output_offset=0,
                  per_channel=0, act_min=-128, act_max=127)
    call = "tp_fully_connected_s8(&{p}, {I0}, l007_filter, " + ("l007_bias" if bias is not None else "0") + ", x);"
    return Lowered("fully_connected", "tp_fc_params_t", params, call, consts, o * n, {})


def test_packed_layout_and_row_constants() -> None:
    rng = np.random.default_rng(5)
    w = rng.integers(-127, 128, size=(8, 24))
    bias = rng.integers(-1000, 1000, size=8)
    low = retarget(_fc(w, bias), "cortex-m4")
    assert low.params["packed"] == 1 and low.params["chunk"] == 24
    filt = low.consts[0].values.reshape(2, 6, 4, 4)  # block, word, row, byte
    for r in range(8):
        for i in range(24):
            stored = int(filt[r // 4, i // 4, r % 4, i % 4])
            lane = w[r, i] - (w[r, i - 1] < 0) if i % 2 else w[r, i]
            assert stored == lane
        # the raw int16 lane of an (even, odd) pair is 256*odd + even
        for i in range(0, 24, 2):
            lo = int(filt[r // 4, i // 4, r % 4, i % 4]) & 0xFF
            hi = int(filt[r // 4, i // 4, r % 4, i % 4 + 1])
            assert hi * 256 + lo == 256 * w[r, i + 1] + w[r, i]
    rowc = low.consts[1].values  # one pass: 256-scaled, the accumulators' starting values
    assert list(rowc) == list(256 * (bias + 3 * w.sum(axis=1) + 127 * w[:, 1::2].sum(axis=1)))
    assert low.consts[0].values.size == w.size  # same flash as the model's layout
    # no bias: row constants are added and the call passes them
    nob = retarget(_fc(w, None), "cortex-m4")
    assert "l007_bias" in nob.call and nob.consts[1].cname == "l007_bias"
    # sums that might pass 2^23 (weights +-127, 640 inputs): chunks, unscaled row constants, int32
    # partial sums in scratch
    wide = np.where(rng.random((4, 640)) < 0.5, -127, 127)
    big = retarget(_fc(wide, None), "cortex-m4")
    assert big.params["chunk"] == 160 and big.params["packed"] == 2
    assert list(big.consts[1].values) == list(3 * wide.sum(axis=1) + 127 * wide[:, 1::2].sum(axis=1))
    # trained weights are small: 640 inputs in one pass where the bound allows, but its a/b words for all 640
    # are more scratch than the chunks': offered as an upgrade, taken where the arena has the room
    layer = _fc(rng.integers(-20, 21, size=(4, 640)), None)
    small = retarget(layer, "cortex-m4")
    assert small.params["chunk"] == 160 and small.params["packed"] == 2
    upgrade = targets.kernel("fully_connected", "cortex-m4").upgrade
    assert upgrade is not None and upgrade(layer, 1279, 0) is None
    one = upgrade(layer, 1280, 0)
    assert one is not None and one.params["chunk"] == 640 and one.params["packed"] == 1


def test_five_row_blocks() -> None:
    """4*(o/20) blocks of five rows first, then blocks of four, each (word, row, byte)."""
    rng = np.random.default_rng(7)
    w = rng.integers(-127, 128, size=(28, 16))
    low = retarget(_fc(w, None), "cortex-m4")
    assert low.params["packed"] == 1
    filt = low.consts[0].values
    five = filt[: 20 * 16].reshape(4, 4, 5, 4)
    four = filt[20 * 16:].reshape(2, 4, 4, 4)
    for r in range(28):
        for i in range(16):
            stored = five[r // 5, i // 4, r % 5, i % 4] if r < 20 else four[(r - 20) // 4, i // 4, (r - 20) % 4, i % 4]
            assert int(stored) == (w[r, i] - (w[r, i - 1] < 0) if i % 2 else w[r, i])


def test_per_channel_constants_table() -> None:
    """Per-channel layers (the converter's default for Dense) get tp_rq_init's constants per output at codegen."""
    rng = np.random.default_rng(6)
    w = rng.integers(-127, 128, size=(8, 16))
    low = _fc(w, None)
    mults = rng.integers(2**30 + 1, 2**31 - 1, size=8)
    shifts = rng.integers(-12, -1, size=8)
    low.consts[-1] = Const("l007_requant", "int32_t", np.stack([mults, shifts]).astype(np.int32), "r", False)
    low.params.update(per_channel=1, output_offset=-5)
    packed = retarget(low, "cortex-m4")
    assert packed.params["packed"] == 1 and str(packed.params["rq"]) == "l007_rq"
    table = next(c for c in packed.consts if c.cname == "l007_rq").values.reshape(8, 3)
    for k in range(8):  # the kernel's SMMLAR form: m, 2^(rs-1) + zp * 2^rs (int32), rs = -shift
        rs = -int(shifts[k])
        assert list(table[k]) == [mults[k], np.int32((1 << (rs - 1)) - 5 * (1 << rs)), rs]
    assert next(c for c in packed.consts if c.cname == "l007_requant").values.shape == (2, 1)
    # one channel without the SMMLAR form: no table, partial sums requantized in C
    shifts[3] = 1
    low.consts[-1] = Const("l007_requant", "int32_t", np.stack([mults, shifts]).astype(np.int32), "r", False)
    slow = retarget(low, "cortex-m4")
    assert "rq" not in slow.params and slow.params["packed"] == 2


def test_packing_refusals() -> None:
    w = np.ones((4, 16), dtype=np.int64)
    assert "packed" not in retarget(_fc(w, None), "portable").params
    assert "packed" not in retarget(_fc(np.ones((4, 12)), None), "cortex-m4").params  # 12 inputs: not 8k
    assert "packed" not in retarget(_fc(np.ones((6, 16)), None), "cortex-m4").params  # 6 rows: not 4k
    bad = w.copy()
    bad[2, 4], bad[2, 5] = -3, -128  # an odd -128 above a negative even byte has no adjusted form
    assert "packed" not in retarget(_fc(bad, None), "cortex-m4").params


def test_ad_cortex_m4_host_bit_exact_with_tflm(tmp_path: Path) -> None:
    from tinyperf.codegen import compile_model

    path = reference_model("ad")
    meta = compile_model(path, tmp_path / "ad", name="ad", target="cortex-m4")
    assert sum(1 for op in meta["ops"] if op.get("packed")) >= 9
    exe = harness.build(tmp_path / "ad", name="ad")
    rng = np.random.default_rng(11)
    x = harness.random_inputs(rng, 12, 640)
    assert np.array_equal(harness.run(exe, x, 640), harness.tflm_outputs(path, x))
