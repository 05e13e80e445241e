"""Randomized Keras models converted full-int8 by the TFLite converter, cached on disk by spec.

A spec is a small JSON-able dict drawn from a seeded generator, so the suite is deterministic; the
.tflite for a spec is cached under TINYPERF_CODEGEN_CACHE (default: a per-user cache dir).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

CACHE = Path(os.environ.get("TINYPERF_CODEGEN_CACHE", Path.home() / ".cache" / "tinyperf" / "codegen-tests"))
KINDS = ("conv", "dwconv", "dense", "pool", "add", "mul", "softmax", "logistic", "mean", "pad", "concat", "graph")


def draw_spec(rng: np.random.Generator, kind: str) -> dict[str, Any]:
    r = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731
    act = str(rng.choice(["linear", "relu", "relu6"]))
    spec: dict[str, Any] = {"kind": kind, "seed": r(0, 2**31 - 1), "in_scale": float(rng.choice([0.1, 1.0, 4.0]))}
    spec["in_bias"] = float(rng.choice([0.0, 0.5, -1.0]))
    if kind in ("conv", "dwconv", "graph"):
        k = r(1, 5)
        dil = r(1, 3) if rng.random() < 0.3 else 1
        stride = 1 if dil > 1 else r(1, 3)
        eff = (k - 1) * dil + 1
        spec.update(h=r(max(eff, 3), 12), w=r(max(eff, 3), 12), c=r(1, 6), k=[k, r(1, 5) if dil == 1 else k],
                    stride=[stride, r(1, 3) if stride > 1 else 1], dil=dil, act=act,
                    padding=str(rng.choice(["same", "valid"])), bias=bool(rng.random() < 0.8))
        spec["k"][1] = min(spec["k"][1], spec["w"])
        spec["filters"] = r(1, 10)
        spec["dm"] = r(1, 3)
    elif kind == "dense":
        spec.update(rank=1, n=r(1, 4), features=r(1, 40), units=r(1, 24), act=act, bias=bool(rng.random() < 0.8))
    elif kind == "pool":
        p = r(1, 4)
        spec.update(h=r(p, 10), w=r(p, 10), c=r(1, 5), pool=[p, r(1, 3)], stride=[r(1, 3), r(1, 3)],
                    padding=str(rng.choice(["same", "valid"])), op=str(rng.choice(["avg", "max"])))
    else:
        spec.update(h=r(1, 8), w=r(1, 8), c=r(1, 6), act=act)
        spec["pad"] = [[r(0, 2), r(0, 2)], [r(0, 2), r(0, 2)]]
    return spec


def _build(spec: dict[str, Any]) -> Any:
    from tinyperf import tfenv

    keras = tfenv.setup(seed=spec["seed"])
    layers = keras.layers
    kind = spec["kind"]
    act = spec.get("act", "linear")
    if kind == "dense":
        shape = (spec["features"],) if spec["rank"] == 1 else (spec["n"], spec["features"])
        x = inp = keras.Input(shape)
        x = layers.Dense(spec["units"], activation=act, use_bias=spec["bias"])(x)
        return keras.Model(inp, x)
    shape = (spec["h"], spec["w"], spec["c"])
    x = inp = keras.Input(shape)
    if kind == "conv":
        x = layers.Conv2D(spec["filters"], spec["k"], strides=spec["stride"], padding=spec["padding"],
                          dilation_rate=spec["dil"], activation=act, use_bias=spec["bias"])(x)
    elif kind == "dwconv":
        x = layers.DepthwiseConv2D(spec["k"], strides=spec["stride"], padding=spec["padding"],
                                   depth_multiplier=spec["dm"], dilation_rate=spec["dil"], activation=act,
                                   use_bias=spec["bias"])(x)
    elif kind == "pool":
        cls = layers.AveragePooling2D if spec["op"] == "avg" else layers.MaxPooling2D
        x = cls(spec["pool"], strides=spec["stride"], padding=spec["padding"])(x)
    elif kind == "add":
        a = layers.Conv2D(spec["c"], 1, activation=act)(x)
        x = layers.Add()([x, a])
    elif kind == "mul":
        a = layers.Conv2D(spec["c"], 1)(x)
        x = layers.Multiply()([x, a])
    elif kind == "softmax":
        x = layers.Dense(spec["c"] + 1)(layers.Flatten()(x))
        x = layers.Softmax()(x)
    elif kind == "tanh":
        x = layers.Conv2D(spec["c"], 1)(x)
        x = layers.Activation("tanh")(x)
    elif kind == "logistic":
        x = layers.Conv2D(spec["c"], 1)(x)
        x = layers.Activation("sigmoid")(x)
    elif kind == "mean":
        x = layers.Conv2D(spec["c"], 1, activation=act)(x)
        x = layers.GlobalAveragePooling2D()(x)
    elif kind == "pad":
        x = layers.ZeroPadding2D(spec["pad"])(x)
        x = layers.Conv2D(spec["c"], 2)(x) if min(spec["h"], spec["w"]) > 1 else x
    elif kind == "concat":
        a = layers.Conv2D(spec["c"], 1, activation=act)(x)
        b = layers.Conv2D(spec["c"] + 1, 1)(x)
        x = layers.Concatenate()([a, b])
    elif kind == "graph":
        x = layers.Conv2D(spec["filters"], spec["k"], strides=spec["stride"], padding="same", activation="relu")(x)
        x = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=spec["dm"], activation="relu6")(x)
        y = layers.Conv2D(spec["filters"] * spec["dm"], 1)(x)
        x = layers.Add()([x, y])
        x = layers.AveragePooling2D(2, padding="same")(x)
        x = layers.Flatten()(x)
        x = layers.Dense(5)(x)
        x = layers.Softmax()(x)
    return keras.Model(inp, x)


def convert(spec: dict[str, Any]) -> Path:
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:20]
    path = CACHE / f"{spec['kind']}_{key}.tflite"
    if path.exists():
        return path
    import tensorflow as tf

    model = _build(spec)
    rng = np.random.default_rng(spec["seed"])
    shape = [1, *model.input_shape[1:]]

    def rep():
        for _ in range(16):
            yield [(rng.standard_normal(shape) * spec["in_scale"] + spec["in_bias"]).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    mode = spec.get("quant", "int8")
    if mode != "float":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = rep
    if mode == "int8":
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    elif mode == "int16":
        ops16 = tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
        conv.target_spec.supported_ops = [ops16]
        conv.inference_input_type = tf.int16
        conv.inference_output_type = tf.int16
    data = conv.convert()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
