"""cortex-m4 CONV_2D codegen-time packing (cortex_m4.pack_conv_2d): the two-filter layout, the row constants, the
one-pass bound and the SMMLAR form, checked against the arithmetic tp_conv_2d_cm4.c documents (the C itself is
checked in test_kernels, whose kernel_check.c packs the same way)."""

from __future__ import annotations

import numpy as np

from tinyperf.codegen import cortex_m4
from tinyperf.codegen.lower import Const, Lowered


def _conv(w: np.ndarray, bias: np.ndarray, shift: int = -8, act: tuple[int, int] = (-128, 127),
          io: int = 5) -> Lowered:
    oc, kh, kw, kc = w.shape
    consts = [Const("l003_filter", "int8_t", w.astype(np.int8), "w", True),
              Const("l003_bias", "int32_t", bias.astype(np.int32), "b", True),
              Const("l003_requant", "int32_t", np.array([[1518500250] * oc, [shift] * oc], dtype=np.int32), "r",
                    False)]
    params = dict(batches=1, in_h=4, in_w=4, in_c=kc, out_h=4, out_w=4, out_c=oc, k_h=kh, k_w=kw, k_c=kc,
                  stride_h=1, stride_w=1, dil_h=1, dil_w=1, pad_h=0, pad_w=0, depth_multiplier=1, input_offset=io,
                  output_offset=-3, act_min=act[0], act_max=act[1])
    call = "tp_conv_2d_s8(&{p}, {I0}, l003_filter, l003_bias, l003_requant[0], l003_requant[1], {O0});"
    return Lowered("conv_2d", "tp_conv_params_t", params, call, consts, oc * 16 * kh * kw * kc, {})


def test_two_filter_layout_and_row_constants() -> None:
    rng = np.random.default_rng(1)
    w = rng.integers(-100, 101, size=(4, 1, 3, 5))  # K = 15: one chunk of padding
    bias = rng.integers(-1000, 1000, size=4)
    low = cortex_m4.pack_conv_2d(_conv(w, bias))
    assert low.params["packed"] == 1
    k, chunks = 15, 4
    flat = np.zeros((4, 16), dtype=np.int64)
    flat[:, :k] = w.reshape(4, k)
    got = low.consts[0].values.reshape(2, chunks, 2, 4)  # pair, chunk, filter, byte
    for f in range(4):
        for i in range(16):
            stored = int(got[f // 2, i // 4, f % 2, i % 4])
            assert stored == (flat[f, i] - (flat[f, i - 1] < 0) if i % 2 else flat[f, i])
    rowc = bias + 5 * flat.sum(axis=1) + 127 * flat[:, 1::2].sum(axis=1)
    c = next(x for x in low.consts if x.cname == "l003_bias").values
    assert list(c) == list(256 * rowc)  # small weights and biases: the SMMLAR form, row constants x256
    assert low.params["chunk"] == chunks and low.params["group"] == 1


def test_one_pass_and_smmlar_form_only_within_their_bounds() -> None:
    rng = np.random.default_rng(2)
    small = rng.integers(-20, 21, size=(2, 3, 3, 32))  # K = 288: past 256, but small trained weights
    low = cortex_m4.pack_conv_2d(_conv(small, np.zeros(2)))
    assert low.params["chunk"] == 72 and low.params["group"] == 1
    # weights that could reach 2^23 over the filter: segments, no SMMLAR form
    big = np.where(rng.random((2, 3, 3, 256)) < 0.5, -127, 127)
    low = cortex_m4.pack_conv_2d(_conv(big, np.zeros(2)))
    assert low.params["chunk"] == 0 and low.params.get("group", 0) == 0
    # a clamped range (ReLU6 above the zero point) or a right shift of 1: the SMLAL epilogues, c unscaled
    for lowered in (_conv(small, np.zeros(2), act=(-128, 50)), _conv(small, np.zeros(2), shift=-1)):
        low = cortex_m4.pack_conv_2d(lowered)
        assert low.params["chunk"] == 72 and low.params.get("group", 0) == 0
    # a bias that brings bound + |c| past 2^23
    low = cortex_m4.pack_conv_2d(_conv(small, np.array([2**23, 0])))
    assert low.params.get("group", 0) == 0
