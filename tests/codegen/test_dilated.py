"""Dilated convolutions the converter emits as SPACE_TO_BATCH_ND -> conv -> BATCH_TO_SPACE_ND (codegen.rewrite).

Keras models with the default dynamic batch keep that chain (a static batch lets the converter fuse it). The
chain cannot be run by tflite-micro as stored (see harness.consistent_shapes), so each case is checked against
TFLite's reference kernels on the file as stored, and against tflite-micro on the shape-corrected file: every
output for VALID padding, the outputs whose receptive field has no padding for SAME (tflite-micro never sets
SPACE_TO_BATCH_ND's padding value, TFLite uses the zero point).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.codegen import harness
from tinyperf.codegen import compile_model
from tinyperf.codegen.reader import read_model
from tinyperf.errors import ModelError

pytest.importorskip("tflite_micro")

# (kind, dilation, padding, (h, w, c), kernel, depth multiplier / filters)
CASES = [
    ("conv", 2, "same", (9, 7, 3), 3, 4),
    ("conv", 2, "valid", (10, 8, 2), 3, 5),
    ("conv", 3, "same", (8, 11, 4), 3, 3),
    ("conv", 3, "valid", (12, 13, 2), 2, 4),
    ("conv", [2, 3], "same", (11, 10, 3), 3, 2),
    ("conv", 2, "same", (6, 6, 5), 2, 6),
    ("dwconv", 2, "same", (9, 9, 4), 3, 1),
    ("dwconv", 2, "valid", (8, 10, 3), 3, 2),
    ("dwconv", 3, "same", (10, 7, 2), 3, 2),
    ("dwconv", 3, "valid", (11, 12, 3), 2, 1),
    ("dwconv", [3, 2], "same", (7, 9, 4), 3, 1),
    ("dwconv", 2, "same", (12, 12, 3), 5, 1),
]


def _spec(case: tuple) -> dict[str, Any]:
    kind, dil, padding, (h, w, c), k, n = case
    return {"kind": kind, "seed": 1000 + CASES.index(case), "in_scale": 1.0, "in_bias": 0.3, "h": h, "w": w, "c": c,
            "k": [k, k], "stride": [1, 1], "dil": dil, "act": "linear", "padding": padding, "bias": True,
            "filters": n, "dm": n}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-d{c[1]}-{c[2]}-{'x'.join(map(str, c[3]))}-k{c[4]}")
def test_dilated_chain_is_one_bit_exact_convolution(case: tuple, tmp_path: Path) -> None:
    from tests.codegen.random_models import convert

    path = convert(_spec(case))
    ops = [op.op for op in read_model(path.read_bytes()).operators]
    conv_op = "CONV_2D" if case[0] == "conv" else "DEPTHWISE_CONV_2D"
    assert ops == ["SPACE_TO_BATCH_ND", conv_op, "BATCH_TO_SPACE_ND"], ops  # the rewrite is exercised

    meta = compile_model(path, tmp_path / "gen")
    (op,) = meta["ops"]
    dil = case[1] if isinstance(case[1], list) else [case[1]] * 2
    assert (op["op"], op["dilation"], op["padding"]) == (conv_op, dil, "EXPLICIT")
    assert op["rewritten_from"][0].startswith("SPACE_TO_BATCH_ND")
    if case[2] == "same":
        assert meta["output"]["shape"][1:3] == list(case[3][:2])

    exe = harness.build(tmp_path / "gen")
    rng = np.random.default_rng(CASES.index(case))
    x = harness.random_inputs(rng, 12, int(np.prod(meta["input"]["shape"])))
    oshape = meta["output"]["shape"]
    ours = harness.run(exe, x, int(np.prod(oshape)))
    np.testing.assert_array_equal(ours, harness.tflite_reference_outputs(path, x))

    fixed = harness.consistent_shapes(path, tmp_path / "fixed.tflite")
    assert fixed != path, "the converter's stored batch is expected to be inconsistent"
    micro = harness.tflm_outputs(fixed, x).reshape(len(x), *oshape[1:])
    ours = ours.reshape(micro.shape)
    if case[2] == "valid":
        np.testing.assert_array_equal(ours, micro)
    else:
        _, ih, iw, _ = meta["input"]["shape"]
        top, left = op["pad"]
        span_h, span_w = ((case[4] - 1) * d for d in dil)
        rows = [y for y in range(oshape[1]) if y - top >= 0 and y - top + span_h < ih]
        cols = [c for c in range(oshape[2]) if c - left >= 0 and c - left + span_w < iw]
        assert rows and cols
        np.testing.assert_array_equal(ours[:, rows][:, :, cols], micro[:, rows][:, :, cols])


# ---- patterns that cannot be rewritten ---------------------------------------------------------------------------

def _raw_model(kind: str) -> Path:
    """SPACE_TO_BATCH_ND chains the converter leaves alone, built from TensorFlow ops and converted full-int8."""
    from tests.codegen.random_models import CACHE

    key = hashlib.sha256(json.dumps(["raw-dilated-v2", kind]).encode()).hexdigest()[:20]
    path = CACHE / f"raw_{kind}_{key}.tflite"
    if path.exists():
        return path
    from tinyperf import tfenv

    tfenv.setup(seed=5)
    import tensorflow as tf

    rng = np.random.default_rng(5)
    w = tf.constant(rng.standard_normal((3, 3, 4, 5)).astype(np.float32) * 0.2)

    @tf.function(input_signature=[tf.TensorSpec([None, 12, 12, 4], tf.float32)])
    def f(x: Any) -> Any:
        y = tf.space_to_batch_nd(x, [2, 2], [[2, 2], [2, 2]])
        if kind == "stride2":
            y = tf.nn.conv2d(y, w, 2, "VALID")
            return tf.batch_to_space(y, [2, 2], [[0, 0], [0, 0]])
        if kind == "no_bts":
            return tf.nn.conv2d(y, w, 1, "VALID")
        return tf.nn.relu(y)  # "alone": no convolution at all

    def rep() -> Any:
        for _ in range(8):
            yield [rng.standard_normal((1, 12, 12, 4)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()])
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    data = conv.convert()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


@pytest.mark.parametrize(
    ("kind", "expect"),
    [
        ("stride2", ["layer 1 (CONV_2D", "cannot be rewritten", "stride [2, 2]"]),
        ("no_bts", ["layer 1 (CONV_2D", "cannot be rewritten", "BATCH_TO_SPACE_ND"]),
        ("alone", ["layer 0 (SPACE_TO_BATCH_ND", "not supported"]),
    ],
)
def test_unrewritable_chain_is_refused(kind: str, expect: list[str], tmp_path: Path) -> None:
    path = _raw_model(kind)
    assert "SPACE_TO_BATCH_ND" in [op.op for op in read_model(path.read_bytes()).operators]
    with pytest.raises(ModelError) as info:
        compile_model(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    msg = str(info.value)
    for part in expect:
        assert part in msg, msg
