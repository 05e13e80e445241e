"""cortex-m4 CONV_2D by Winograd F(2x2, 3x3): the integer transforms, codegen's choice of layers within the arena
and flash bounds, and whole ResNets bit-exact with tflite-micro through the C of the Winograd path (host build;
the assembly runs on qemu_m4 in test_kernels and test_bench)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.codegen import harness
from tests.conftest import reference_model
from tinyperf.codegen import compile_model, compiler, cortex_m4, rewrite

BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]])
A2T = np.array([[2, 1, 1, 0], [0, 1, -1, -2]])


def test_transformed_filter_gives_four_times_the_direct_sums() -> None:
    """A2^T [sum over channels of U . B^T d B] A2 = 4 x the 3x3 convolution of each 4x4 patch, with U decoded from
    winograd_filter's bytes (filter pair, channel pair j, filter, position, lane)."""
    rng = np.random.default_rng(3)
    oc, ic = 4, 8
    w = rng.integers(-128, 128, size=(oc, 3, 3, ic))
    words = cortex_m4.winograd_filter(w.astype(np.int8)).view("<i2").reshape(oc // 2, ic // 2, 2, 16, 2)
    u = np.zeros((oc, 16, ic), dtype=np.int64)
    for j in range(ic // 2):
        for lane in range(2):
            ch = 4 * (j // 2) + 2 * lane + j % 2
            u[0::2, :, ch] = words[:, j, 0, :, lane]
            u[1::2, :, ch] = words[:, j, 1, :, lane]
    assert np.abs(u).max() <= 9 * 128  # int16 lanes, and the bound the exactness argument uses
    d = rng.integers(-255, 256, size=(4, 4, ic))
    v = np.einsum("xr,rsc,ys->xyc", BT, d, BT).reshape(16, ic)
    for o in range(oc):
        m = (u[o] * v).sum(axis=1).reshape(4, 4)
        y = A2T @ m @ A2T.T
        direct = np.array([[(w[o] * d[r:r + 3, s:s + 3]).sum() for s in range(2)] for r in range(2)])
        np.testing.assert_array_equal(y, 4 * direct)


def _plan(path: Path) -> tuple[list, list, compiler.ArenaPlan, compiler.ArenaPlan]:
    _, model = compiler.load_model(path)
    model = rewrite.dilated_convolutions(model, str(path))
    lowered = compiler.lower_for(model, str(path), "cortex-m4")
    plan = compiler.plan_arena(model, lowered, str(path), "cortex-m4")
    upgraded, final = compiler.upgrade_layouts(model, str(path), "cortex-m4", lowered, plan)
    return lowered, upgraded, plan, final


@pytest.mark.needs_models
def test_layers_take_winograd_within_the_arena_and_flash_bounds() -> None:
    lowered, upgraded, plan, final = _plan(reference_model("ic2"))
    wino = {k: low.params for k, low in enumerate(upgraded) if low.params.get("packed") == 2}
    # the 40-channel block's first 3x3 conv gets codegen-time U (the flash allowance covers one), the
    # 160-channel one the run-time transform in the few bytes its layer leaves free
    assert {k: (p["group"], p["chunk"]) for k, p in wino.items()} == {1: (1, 0), 9: (1, 40)}
    assert final.arena <= plan.arena * (1 + compiler.ARENA_GROWTH)
    grown = compiler._weight_bytes(upgraded) - compiler._weight_bytes(lowered)
    assert 0 < grown <= compiler._weight_bytes(lowered) * compiler.FLASH_GROWTH
    # a layer too narrow to repay the transforms keeps the direct kernel
    small = _plan(reference_model("ic"))[1]
    assert [k for k, low in enumerate(small) if low.params.get("packed") == 2] == [5, 9]


@pytest.mark.needs_models
@pytest.mark.parametrize("name", ["ic", "ic2"])
def test_resnets_bit_exact_through_the_winograd_c(name: str, tmp_path: Path) -> None:
    path = reference_model(name)
    meta = compile_model(path, tmp_path / "gen", name=name, target="cortex-m4")
    assert any(op.get("packed", "").startswith("cortex-m4 Winograd") for op in meta["ops"])
    exe = harness.build(tmp_path / "gen", name)
    rng = np.random.default_rng(11)
    x = harness.random_inputs(rng, 3 if name == "ic2" else 8, int(np.prod(meta["input"]["shape"])))
    np.testing.assert_array_equal(harness.run(exe, x, int(np.prod(meta["output"]["shape"]))),
                                  harness.tflm_outputs(path, x))
