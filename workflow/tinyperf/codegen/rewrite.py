"""Graph rewrites applied before lowering.

The TFLite converter expresses a dilated convolution it could not fuse as
SPACE_TO_BATCH_ND(x, block, paddings) -> CONV_2D / DEPTHWISE_CONV_2D (VALID, stride 1) -> BATCH_TO_SPACE_ND(y,
block, crops). With the block as the dilation and (paddings - crops) as explicit top/left padding, that chain is
one dilated convolution over x: output pixel Y of the chain reads padded row Y + crop_top + k * block, i.e. input
row Y - (pad_top - crop_top) + k * block. The two movement ops copy int8 values unchanged, so the result is
bit-exact provided the quantization of the intermediate tensors equals the outer ones and the padded rows hold
the input's zero point (what SPACE_TO_BATCH_ND writes), which the kernels' skipped taps reproduce.

A chain that does not fit is refused with the layer and the reason; SPACE_TO_BATCH_ND or BATCH_TO_SPACE_ND
outside such a chain is left to the lowering (which refuses it as an unsupported operator).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tinyperf.codegen.reader import Model, Operator, Tensor
from tinyperf.errors import ModelError

CONVS = ("CONV_2D", "DEPTHWISE_CONV_2D")
_PADDING = {0: "SAME", 1: "VALID"}


def _consumers(model: Model) -> dict[int, list[Operator]]:
    out: dict[int, list[Operator]] = {}
    for op in model.operators:
        for t in op.inputs:
            if t >= 0:
                out.setdefault(t, []).append(op)
    return out


def _only_consumer(model: Model, uses: dict[int, list[Operator]], t: int) -> Operator | None:
    """The single op reading tensor *t* (as its first input), or None when it has other uses."""
    readers = uses.get(t, [])
    if len(readers) != 1 or t in model.outputs or readers[0].inputs[0] != t or readers[0].inputs.count(t) != 1:
        return None
    return readers[0]


class _Chain:
    def __init__(self, model: Model, what: str, stb: Operator) -> None:
        self.model, self.what, self.stb = model, what, stb

    def fail(self, op: Operator, reason: str) -> ModelError:
        out = self.model.tensors[op.outputs[0]].name if op.outputs else "?"
        return ModelError(
            f"{self.what}: layer {op.index} ({op.op}, output '{out}'): dilated convolution pattern "
            f"SPACE_TO_BATCH_ND -> {'/'.join(CONVS)} -> BATCH_TO_SPACE_ND cannot be rewritten: {reason}; "
            "SPACE_TO_BATCH_ND/BATCH_TO_SPACE_ND are not supported outside that pattern"
        )

    def const_ints(self, op: Operator, pos: int, what: str, shape: tuple[int, ...]) -> np.ndarray:
        if pos >= len(op.inputs) or op.inputs[pos] < 0:
            raise self.fail(op, f"{what} is missing")
        t = self.model.tensors[op.inputs[pos]]
        if t.data is None:
            raise self.fail(op, f"{what} '{t.name}' is not a constant")
        if t.dtype not in ("int32", "int64"):
            raise self.fail(op, f"{what} '{t.name}' is {t.dtype}")
        v = np.asarray(t.data, dtype=np.int64)
        if v.size != int(np.prod(shape)):
            raise self.fail(op, f"{what} {v.tolist()} is not {'x'.join(map(str, shape))} (two spatial dimensions)")
        return v.reshape(shape)

    def same_quant(self, op: Operator, a: Tensor, b: Tensor) -> None:
        if a.dtype != b.dtype or (a.scales, a.zero_points) != (b.scales, b.zero_points):
            raise self.fail(
                op,
                f"'{a.name}' ({a.dtype}, scale {a.scales}, zero point {a.zero_points}) and '{b.name}' ({b.dtype}, "
                f"scale {b.scales}, zero point {b.zero_points}) are quantized differently",
            )

    def build(self, conv: Operator, bts: Operator) -> Operator:
        m, stb = self.model, self.stb
        x = m.tensors[stb.inputs[0]]
        s = m.tensors[stb.outputs[0]]
        y = m.tensors[conv.outputs[0]]
        z = m.tensors[bts.outputs[0]]
        if len(x.shape) != 4 or len(z.shape) != 4:
            raise self.fail(stb, f"input {x.shape} / output {z.shape} are not 4-D NHWC")
        block = self.const_ints(stb, 1, "block shape", (2,))
        pads = self.const_ints(stb, 2, "paddings", (2, 2))
        block2 = self.const_ints(bts, 1, "block shape", (2,))
        crops = self.const_ints(bts, 2, "crops", (2, 2))
        if (block < 1).any() or (pads < 0).any() or (crops < 0).any():
            raise self.fail(stb, f"block {block.tolist()}, paddings {pads.tolist()}, crops {crops.tolist()}")
        if block.tolist() != block2.tolist():
            raise self.fail(bts, f"block shape {block2.tolist()} differs from SPACE_TO_BATCH_ND's {block.tolist()}")
        self.same_quant(stb, x, s)
        self.same_quant(bts, y, z)
        if len(conv.outputs) != 1:
            raise self.fail(conv, f"{len(conv.outputs)} outputs")
        dw = conv.op == "DEPTHWISE_CONV_2D"
        padding = int(conv.opt(0, "b"))
        sw, sh = int(conv.opt(1, "i")), int(conv.opt(2, "i"))
        dil = (int(conv.opt(5, "i", 1)), int(conv.opt(6, "i", 1))) if dw else (int(conv.opt(4, "i", 1)),
                                                                                 int(conv.opt(5, "i", 1)))
        if padding != 1 or (sh, sw) != (1, 1) or dil != (1, 1):
            raise self.fail(conv, "the convolution must be VALID, stride 1, dilation 1 (padding "
                                  f"{_PADDING.get(padding, padding)}, stride {[sh, sw]}, dilation {list(dil[::-1])})")
        if len(conv.inputs) < 2 or conv.inputs[1] < 0 or m.tensors[conv.inputs[1]].data is None:
            raise self.fail(conv, "the filter is not a constant")
        w = m.tensors[conv.inputs[1]]
        if len(w.shape) != 4:
            raise self.fail(conv, f"filter shape {w.shape} is not 4-D")
        kh, kw = w.shape[1], w.shape[2]
        n, ih, iw, _ = x.shape
        ph, pw = ih + int(pads[0].sum()), iw + int(pads[1].sum())
        bh, bw = int(block[0]), int(block[1])
        if ph % bh or pw % bw:
            raise self.fail(stb, f"padded extent {[ph, pw]} is not a multiple of the block {[bh, bw]}")
        oh = (ph // bh - kh + 1) * bh - int(crops[0].sum())
        ow = (pw // bw - kw + 1) * bw - int(crops[1].sum())
        if ph // bh < kh or pw // bw < kw or [n, oh, ow] != z.shape[:3] or z.shape[3] != y.shape[3]:
            raise self.fail(bts, f"output {z.shape} does not follow from input {x.shape}, filter {w.shape}, "
                                 f"block {[bh, bw]}, paddings {pads.tolist()} and crops {crops.tolist()}")
        top, left = int(pads[0, 0] - crops[0, 0]), int(pads[1, 0] - crops[1, 0])
        if top < 0 or left < 0:
            raise self.fail(bts, f"crops {crops.tolist()} remove more than the paddings {pads.tolist()} add")
        inputs = [stb.inputs[0], *conv.inputs[1:]]
        extra = dict(conv.extra)
        extra.update(
            dilation=(bh, bw),
            explicit_padding=(top, left),
            source_index=conv.index,
            rewritten_from=[f"{o.op} (layer {o.index})" for o in (stb, conv, bts)],
        )
        return replace(conv, inputs=inputs, outputs=list(bts.outputs), extra=extra)


def dilated_convolutions(model: Model, what: str) -> Model:
    """*model* with every SPACE_TO_BATCH_ND -> conv -> BATCH_TO_SPACE_ND chain replaced by one dilated conv."""
    uses = _consumers(model)
    replaced: dict[int, Operator] = {}  # index of the chain's first op -> the dilated conv
    dropped: set[int] = set()
    for stb in model.operators:
        if stb.op != "SPACE_TO_BATCH_ND" or len(stb.outputs) != 1 or not stb.inputs:
            continue
        chain = _Chain(model, what, stb)
        conv = _only_consumer(model, uses, stb.outputs[0])
        if conv is None or conv.op not in CONVS:
            continue  # not this pattern: SPACE_TO_BATCH_ND on its own
        if len(conv.outputs) != 1:
            raise chain.fail(conv, f"{len(conv.outputs)} outputs")
        bts = _only_consumer(model, uses, conv.outputs[0])
        if bts is None or bts.op != "BATCH_TO_SPACE_ND":
            raise chain.fail(conv, f"its output '{model.tensors[conv.outputs[0]].name}' is not read by exactly one "
                                   "BATCH_TO_SPACE_ND (and nothing else)")
        if len(bts.outputs) != 1:
            raise chain.fail(bts, f"{len(bts.outputs)} outputs")
        replaced[stb.index] = chain.build(conv, bts)
        dropped |= {conv.index, bts.index}
    if not replaced:
        return model
    ops: list[Operator] = []
    for op in model.operators:
        if op.index in dropped:
            continue
        new = replaced.get(op.index, op)
        extra = dict(new.extra)
        extra.setdefault("source_index", op.index)
        ops.append(replace(new, index=len(ops), extra=extra))
    return replace(model, operators=ops)
