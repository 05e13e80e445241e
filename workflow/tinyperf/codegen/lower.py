"""Per-op lowering: validate one TFLite operator and turn it into a kernel call with codegen-time constants.

Anything that cannot be compiled exactly raises ModelError naming the layer, the op and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tinyperf.codegen import quant
from tinyperf.codegen.reader import Model, Operator, Tensor
from tinyperf.errors import ModelError

#: the runtime headers every generated model's folder gets
HEADERS = ("tp_fixedpoint.h", "tp_runtime.h", "tp_mem.h", "tp_conv_ref.h")


def overlap_lead(kernel: str | None, params: dict) -> int | None:
    """Bytes by which a CONV_2D's output may start before its (dying) input and share its buffer; None: no overlap.

    Every target's convolution writes output pixels in raster order: the reference loop reads a pixel's receptive
    field channel by channel between that pixel's writes, the cortex-m4 GEMM unpacks a block of 4 pixels before it
    writes them. Output bytes written so far must therefore stay below the lowest input byte that the current pixel
    or any later one still reads; the lead is the largest shortfall over the layer."""
    if kernel != "conv_2d" or params["batches"] != 1:
        return None
    if params.get("packed") == 2:
        return _winograd_lead(params)
    oh, ow, oc = params["out_h"], params["out_w"], params["out_c"]
    oy, ox = np.divmod(np.arange(oh * ow), ow)
    row = np.maximum(oy * params["stride_h"] - params["pad_h"], 0)
    col = np.maximum(ox * params["stride_w"] - params["pad_w"], 0)
    first_read = (row * params["in_w"] + col) * params["in_c"]  # a lower bound of each pixel's lowest read
    low_from = np.minimum.accumulate(first_read[::-1])[::-1]  # lowest read of pixel q or any later one
    # pixel q's bytes are written while q's own reads may be pending (the block order is the laxer of the two)
    written = (np.arange(oh * ow) + 1) * oc
    return max(int(np.max(written - low_from)), 0)


def _winograd_lead(params: dict) -> int:
    """overlap_lead for the cortex-m4 Winograd order: per group of params["group"] tile triples (2x2 output
    tiles in raster order), all of the group's inputs are read before any of its outputs is written."""
    oh, ow, oc, ic, iw = params["out_h"], params["out_w"], params["out_c"], params["in_c"], params["in_w"]
    th, tw = (oh + 1) // 2, (ow + 1) // 2
    ty, tx = np.divmod(np.arange(th * tw), tw)
    first_read = (np.maximum(2 * ty - params["pad_h"], 0) * iw + np.maximum(2 * tx - params["pad_w"], 0)) * ic
    last_written = (np.minimum(2 * ty + 1, oh - 1) * ow + np.minimum(2 * tx + 1, ow - 1) + 1) * oc
    per = 3 * params["group"]
    groups = (th * tw + per - 1) // per
    lead = 0
    for g in range(groups - 1):
        written = int(last_written[: (g + 1) * per].max())
        lead = max(lead, written - int(first_read[(g + 1) * per:].min()))
    return lead


class RawC(str):
    """A C expression written into a params block as is (an arena address, a constant table's name)."""


PADDING = {0: "SAME", 1: "VALID"}
ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}

#: Ops whose output may overwrite their (same-sized, last-used) first input: each element is read before written.
IN_PLACE_OPS = {"ADD", "MUL", "LOGISTIC", "QUANTIZE", "SOFTMAX"}
#: Ops whose output is the input's bytes under another shape: no code, no copy.
ALIAS_OPS = {"RESHAPE", "SQUEEZE", "EXPAND_DIMS"}


@dataclass
class Const:
    """A constant array placed in flash."""

    cname: str
    ctype: str
    values: np.ndarray
    comment: str
    is_weight: bool  # from the model (counts as weight bytes) rather than computed at codegen


@dataclass
class Lowered:
    kernel: str | None  # key of KERNEL_FILES, None for aliases
    params_type: str = ""
    params: dict = field(default_factory=dict)
    call: str = ""  # C call with {p} for the params block and {T<n>} for tensor pointers
    consts: list[Const] = field(default_factory=list)
    macs: int = 0
    info: dict = field(default_factory=dict)
    in_place: bool = False


class Lowering:
    def __init__(self, model: Model, what: str) -> None:
        self.model = model
        self.what = what

    # ---- helpers -------------------------------------------------------------------------------------------
    def fail(self, op: Operator, reason: str) -> ModelError:
        out = self.model.tensors[op.outputs[0]].name if op.outputs else "?"
        layer = op.extra.get("source_index", op.index)  # the file's layer number, also after a graph rewrite
        return ModelError(f"{self.what}: layer {layer} ({op.op}, output '{out}'): {reason}")

    def t(self, idx: int) -> Tensor:
        return self.model.tensors[idx]

    def act_input(self, op: Operator, pos: int, dtype: str = "int8") -> Tensor:
        if pos >= len(op.inputs) or op.inputs[pos] < 0:
            raise self.fail(op, f"input {pos} is missing")
        t = self.t(op.inputs[pos])
        if t.dtype != dtype:
            raise self.fail(op, f"input '{t.name}' is {t.dtype}; only {dtype} is supported here")
        if dtype == "int8" and len(t.scales) != 1:
            raise self.fail(op, f"input '{t.name}' is not per-tensor quantized")
        return t

    def output(self, op: Operator, dtype: str = "int8") -> Tensor:
        if len(op.outputs) != 1:
            raise self.fail(op, f"{len(op.outputs)} outputs; exactly one is supported")
        t = self.t(op.outputs[0])
        if t.dtype != dtype:
            raise self.fail(op, f"output '{t.name}' is {t.dtype}; only {dtype} is supported here")
        if dtype == "int8" and len(t.scales) != 1:
            raise self.fail(op, f"output '{t.name}' is not per-tensor quantized")
        return t

    def const_input(self, op: Operator, pos: int, what: str, dtypes: tuple[str, ...]) -> Tensor | None:
        if pos >= len(op.inputs) or op.inputs[pos] < 0:
            return None
        t = self.t(op.inputs[pos])
        if t.data is None:
            raise self.fail(op, f"{what} '{t.name}' is not a constant; only constant {what}s are supported")
        if t.dtype not in dtypes:
            raise self.fail(op, f"{what} '{t.name}' is {t.dtype}; supported: {', '.join(dtypes)}")
        return t

    def activation(self, op: Operator, code: int, out: Tensor) -> tuple[int, int]:
        if code not in (0, 1, 2, 3):
            raise self.fail(op, f"fused activation {ACTIVATIONS.get(code, code)} is not supported")
        return quant.activation_range(code, out.scale, out.zero_point)

    @staticmethod
    def out_size(padding: int, size: int, k: int, stride: int, dil: int) -> int:
        eff = (k - 1) * dil + 1
        return (size + stride - 1) // stride if padding == 0 else (size + stride - eff) // stride

    def padding(self, op: Operator, padding: int, size: int, k: int, stride: int, dil: int, out: int) -> int:
        if padding not in PADDING:
            raise self.fail(op, f"unknown padding {padding}")
        if stride < 1 or dil < 1:
            raise self.fail(op, f"stride {stride} / dilation {dil} must be >= 1")
        expect = self.out_size(padding, size, k, stride, dil)
        if expect != out:
            raise self.fail(op, f"output extent {out} disagrees with {PADDING[padding]} padding (expected {expect})")
        eff = (k - 1) * dil + 1
        total = max(0, (out - 1) * stride + eff - size)
        return total // 2

    def per_channel(self, op: Operator, inp: Tensor, w: Tensor, out: Tensor, channels: int, qdim: int) -> Const:
        if any(z != 0 for z in w.zero_points):
            raise self.fail(op, f"filter '{w.name}' has a nonzero zero point; TFLite int8 filters are symmetric")
        if len(w.scales) not in (1, channels):
            raise self.fail(op, f"filter '{w.name}' has {len(w.scales)} scales for {channels} channels")
        if len(w.scales) > 1 and w.quantized_dimension != qdim:
            raise self.fail(op, f"filter '{w.name}' is quantized along dimension {w.quantized_dimension}, not {qdim}")
        scales = w.scales if len(w.scales) == channels else w.scales * channels
        pairs = [quant.quantize_multiplier(inp.scale * s / out.scale) for s in scales]
        return self._mult_shift(op, pairs)

    def _mult_shift(self, op: Operator, pairs: list[tuple[int, int]]) -> Const:
        arr = np.array([[m for m, _ in pairs], [s for _, s in pairs]], dtype=np.int64)
        return Const(f"l{op.index:03d}_requant", "int32_t", arr.astype(np.int32), "multipliers, shifts", False)

    def weight(self, op: Operator, t: Tensor, role: str, ctype: str) -> Const:
        return Const(f"l{op.index:03d}_{role}", ctype, np.ascontiguousarray(t.data), f"'{t.name}' {t.shape}", True)

    # ---- dispatch ------------------------------------------------------------------------------------------
    def lower(self, op: Operator) -> Lowered:
        fn = getattr(self, "op_" + op.op.lower(), None)
        if fn is None or op.custom:
            raise self.fail(op, f"operator {op.op} is not supported by the tinyperf compiler")
        return fn(op)

    def _weighted_operands(self, op: Operator) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
        """(activation input, output, int8 filter, int32 bias or None) of a CONV_2D, DEPTHWISE or FC layer."""
        inp = self.act_input(op, 0)
        out = self.output(op)
        w = self.const_input(op, 1, "filter", ("int8",))
        if w is None:
            raise self.fail(op, "filter is missing")
        b = self.const_input(op, 2, "bias", ("int32",))
        return inp, out, w, b

    def _conv_common(self, op: Operator, depthwise: bool) -> Lowered:
        inp, out, w, b = self._weighted_operands(op)
        if len(inp.shape) != 4 or len(w.shape) != 4 or len(out.shape) != 4:
            raise self.fail(op, f"expects 4-D input/filter/output, got {inp.shape} {w.shape} {out.shape}")
        n, ih, iw, ic = inp.shape
        _, oh, ow, oc = out.shape
        if depthwise:
            padding = int(op.opt(0, "b"))
            sw, sh = int(op.opt(1, "i")), int(op.opt(2, "i"))
            act = int(op.opt(4, "b"))
            dw, dh = int(op.opt(5, "i", 1)), int(op.opt(6, "i", 1))
            _, kh, kw, woc = w.shape
            if woc != oc or oc % ic:
                raise self.fail(op, f"filter {w.shape} does not map input depth {ic} to output depth {oc}")
            kc, dm = 1, oc // ic
            qdim = 3
        else:
            padding = int(op.opt(0, "b"))
            sw, sh = int(op.opt(1, "i")), int(op.opt(2, "i"))
            act = int(op.opt(3, "b"))
            dw, dh = int(op.opt(4, "i", 1)), int(op.opt(5, "i", 1))
            woc, kh, kw, kc = w.shape
            if woc != oc or ic % kc or oc % (ic // kc):
                raise self.fail(op, f"filter {w.shape} does not fit input {inp.shape} and output {out.shape}")
            dm = 1
            qdim = 0
        if b is not None and b.size != oc:
            raise self.fail(op, f"bias has {b.size} values for {oc} output channels")
        if "explicit_padding" in op.extra:
            # a dilated convolution made by rewrite.py: its top/left padding and output extent were checked there
            (dh, dw), (pad_h, pad_w) = op.extra["dilation"], op.extra["explicit_padding"]
        else:
            pad_h = self.padding(op, padding, ih, kh, sh, dh, oh)
            pad_w = self.padding(op, padding, iw, kw, sw, dw, ow)
        amin, amax = self.activation(op, act, out)
        req = self.per_channel(op, inp, w, out, oc, qdim)
        consts = [self.weight(op, w, "filter", "int8_t")]
        if b is not None:
            consts.append(self.weight(op, b, "bias", "int32_t"))
        consts.append(req)
        params = dict(
            batches=n, in_h=ih, in_w=iw, in_c=ic, out_h=oh, out_w=ow, out_c=oc, k_h=kh, k_w=kw, k_c=kc,
            stride_h=sh, stride_w=sw, dil_h=dh, dil_w=dw, pad_h=pad_h, pad_w=pad_w, depth_multiplier=dm,
            input_offset=-inp.zero_point, output_offset=out.zero_point, act_min=amin, act_max=amax,
        )  # fmt: skip
        kernel = "depthwise_conv_2d" if depthwise else "conv_2d"
        bias = f"l{op.index:03d}_bias" if b is not None else "0"
        call = (
            f"tp_{kernel}_s8(&{{p}}, {{I0}}, l{op.index:03d}_filter, {bias}, "
            f"l{op.index:03d}_requant[0], l{op.index:03d}_requant[1], {{O0}});"
        )
        macs = n * oh * ow * oc * kh * kw * kc
        info = dict(padding=PADDING[padding], stride=[sh, sw], dilation=[dh, dw], activation=ACTIVATIONS[act])
        if "explicit_padding" in op.extra:
            info.update(padding="EXPLICIT", pad=[pad_h, pad_w], rewritten_from=op.extra["rewritten_from"])
        if depthwise:
            info["depth_multiplier"] = dm
        info["per_channel"] = len(w.scales) > 1
        return Lowered(kernel, "tp_conv_params_t", params, call, consts, macs, info)

    def op_conv_2d(self, op: Operator) -> Lowered:
        return self._conv_common(op, depthwise=False)

    def op_depthwise_conv_2d(self, op: Operator) -> Lowered:
        return self._conv_common(op, depthwise=True)

    def op_fully_connected(self, op: Operator) -> Lowered:
        inp, out, w, b = self._weighted_operands(op)
        act = int(op.opt(0, "b"))
        if int(op.opt(1, "b")) != 0:
            raise self.fail(op, "shuffled weights format is not supported")
        if len(w.shape) != 2:
            raise self.fail(op, f"filter shape {w.shape} is not 2-D")
        o, i = w.shape
        if inp.size % i:
            raise self.fail(op, f"input of {inp.size} elements is not a multiple of {i} features")
        batches = inp.size // i
        if out.size != batches * o:
            raise self.fail(op, f"output {out.shape} is not {batches} x {o}")
        if b is not None and b.size != o:
            raise self.fail(op, f"bias has {b.size} values for {o} outputs")
        amin, amax = self.activation(op, act, out)
        per_channel = len(w.scales) > 1
        if per_channel:
            req = self.per_channel(op, inp, w, out, o, 0)
        else:
            # TFLM's per-tensor path multiplies the two scales in float before widening to double.
            real = quant.f32_mul(inp.scale, w.scale) / out.scale
            req = self._mult_shift(op, [quant.quantize_multiplier(real)])
        consts = [self.weight(op, w, "filter", "int8_t")]
        if b is not None:
            consts.append(self.weight(op, b, "bias", "int32_t"))
        consts.append(req)
        params = dict(
            batches=batches, in_features=i, out_features=o, input_offset=-inp.zero_point,
            filter_offset=-w.zero_point, output_offset=out.zero_point, per_channel=int(per_channel),
            act_min=amin, act_max=amax,
        )  # fmt: skip
        bias = f"l{op.index:03d}_bias" if b is not None else "0"
        call = (
            f"tp_fully_connected_s8(&{{p}}, {{I0}}, l{op.index:03d}_filter, {bias}, "
            f"l{op.index:03d}_requant[0], l{op.index:03d}_requant[1], {{O0}});"
        )
        info = dict(activation=ACTIVATIONS[act], per_channel=per_channel)
        return Lowered("fully_connected", "tp_fc_params_t", params, call, consts, batches * o * i, info)

    def _pool(self, op: Operator, kernel: str) -> Lowered:
        inp = self.act_input(op, 0)
        out = self.output(op)
        if len(inp.shape) != 4 or len(out.shape) != 4:
            raise self.fail(op, f"expects 4-D input and output, got {inp.shape} {out.shape}")
        if (inp.scale, inp.zero_point) != (out.scale, out.zero_point):
            raise self.fail(op, "input and output quantization differ; TFLite int8 pooling requires them equal")
        padding = int(op.opt(0, "b"))
        sw, sh, fw, fh = (int(op.opt(k, "i")) for k in (1, 2, 3, 4))
        act = int(op.opt(5, "b"))
        n, ih, iw, c = inp.shape
        _, oh, ow, oc = out.shape
        if oc != c:
            raise self.fail(op, "output depth differs from input depth")
        pad_h = self.padding(op, padding, ih, fh, sh, 1, oh)
        pad_w = self.padding(op, padding, iw, fw, sw, 1, ow)
        amin, amax = self.activation(op, act, out)
        params = dict(
            batches=n, in_h=ih, in_w=iw, channels=c, out_h=oh, out_w=ow, filter_h=fh, filter_w=fw,
            stride_h=sh, stride_w=sw, pad_h=pad_h, pad_w=pad_w, act_min=amin, act_max=amax,
        )  # fmt: skip
        info = dict(padding=PADDING[padding], stride=[sh, sw], filter=[fh, fw], activation=ACTIVATIONS[act])
        return Lowered(kernel, "tp_pool_params_t", params, f"tp_{kernel}_s8(&{{p}}, {{I0}}, {{O0}});", info=info)

    def op_average_pool_2d(self, op: Operator) -> Lowered:
        return self._pool(op, "average_pool_2d")

    def op_max_pool_2d(self, op: Operator) -> Lowered:
        return self._pool(op, "max_pool_2d")

    def _broadcast(self, op: Operator, a: Tensor, b: Tensor, out: Tensor) -> dict:
        rank = max(len(a.shape), len(b.shape), len(out.shape))
        sa = [1] * (rank - len(a.shape)) + list(a.shape)
        sb = [1] * (rank - len(b.shape)) + list(b.shape)
        so = [1] * (rank - len(out.shape)) + list(out.shape)
        for x, y, z in zip(sa, sb, so, strict=True):
            if max(x, y) != z or x not in (1, z) or y not in (1, z):
                raise self.fail(op, f"shapes {a.shape} and {b.shape} do not broadcast to {out.shape}")
        if sa == so and sb == so:  # elementwise: one flat loop
            n = int(np.prod(so)) if so else 1
            return dict(out_dims=[1, 1, 1, n], in1_strides=[0, 0, 0, 1], in2_strides=[0, 0, 0, 1])
        if rank > 4:
            raise self.fail(op, f"broadcasting over {rank} dimensions is not supported (at most 4)")
        pad = 4 - rank
        sa, sb, so = [1] * pad + sa, [1] * pad + sb, [1] * pad + so

        def strides(shape: list[int]) -> list[int]:
            st, acc = [0] * 4, 1
            for d in range(3, -1, -1):
                st[d] = 0 if shape[d] == 1 else acc
                acc *= shape[d]
            return st

        return dict(out_dims=so, in1_strides=strides(sa), in2_strides=strides(sb))

    def _binary_inputs(self, op: Operator) -> tuple[Tensor, Tensor, Tensor]:
        if len(op.inputs) != 2:
            raise self.fail(op, f"{len(op.inputs)} inputs; expected 2")
        ts = []
        for pos in range(2):
            t = self.t(op.inputs[pos])
            if t.dtype != "int8" or len(t.scales) != 1:
                raise self.fail(op, f"input '{t.name}' is {t.dtype} (per-tensor int8 required)")
            ts.append(t)
        return ts[0], ts[1], self.output(op)

    def _binary_call(self, op: Operator, kernel: str, a: Tensor, b: Tensor) -> str:
        ia = "{C_a}" if a.data is not None else "{I0}"
        ib = "{C_b}" if b.data is not None else "{I1}"
        return f"tp_{kernel}_s8(&{{p}}, {ia}, {ib}, {{O0}});"

    def _binary_consts(self, op: Operator, a: Tensor, b: Tensor) -> list[Const]:
        out = []
        if a.data is not None:
            out.append(Const(f"l{op.index:03d}_a", "int8_t", a.data.reshape(-1), f"'{a.name}'", True))
        if b.data is not None:
            out.append(Const(f"l{op.index:03d}_b", "int8_t", b.data.reshape(-1), f"'{b.name}'", True))
        return out

    def op_add(self, op: Operator) -> Lowered:
        a, b, out = self._binary_inputs(op)
        act = int(op.opt(0, "b"))
        amin, amax = self.activation(op, act, out)
        left_shift = 20
        twice_max = 2.0 * max(a.scale, b.scale)
        m1, s1 = quant.quantize_multiplier(a.scale / twice_max)
        m2, s2 = quant.quantize_multiplier(b.scale / twice_max)
        mo, so = quant.quantize_multiplier(twice_max / ((1 << left_shift) * out.scale))
        if s1 > 0 or s2 > 0 or so > 0:
            raise self.fail(op, "input/output scale ratio needs a multiplier above one, which TFLite rejects")
        return self._binary_lowered(
            op, "add", a, b, out, act,
            left_shift=left_shift, input1_multiplier=m1, input1_shift=s1, input2_multiplier=m2, input2_shift=s2,
            output_multiplier=mo, output_shift=so, act_min=amin, act_max=amax,
        )  # fmt: skip

    def op_mul(self, op: Operator) -> Lowered:
        a, b, out = self._binary_inputs(op)
        act = int(op.opt(0, "b"))
        amin, amax = self.activation(op, act, out)
        mo, so = quant.quantize_multiplier(a.scale * b.scale / out.scale)
        # MUL rescales the product once: no per-input multipliers
        return self._binary_lowered(
            op, "mul", a, b, out, act,
            left_shift=0, input1_multiplier=0, input1_shift=0, input2_multiplier=0, input2_shift=0,
            output_multiplier=mo, output_shift=so, act_min=amin, act_max=amax,
        )  # fmt: skip

    def _binary_lowered(self, op: Operator, kind: str, a: Tensor, b: Tensor, out: Tensor, act: int,
                        **rescale: int) -> Lowered:
        """ADD and MUL share one parameter struct: broadcast strides, zero points, then the op's rescaling."""
        params = self._broadcast(op, a, b, out)
        params.update(input1_offset=-a.zero_point, input2_offset=-b.zero_point, output_offset=out.zero_point,
                      **rescale)
        elementwise = params["out_dims"][:3] == [1, 1, 1]
        return Lowered(
            kind, "tp_binary_params_t", params, self._binary_call(op, kind, a, b), self._binary_consts(op, a, b),
            info=dict(activation=ACTIVATIONS[act], broadcast=not elementwise), in_place=elementwise,
        )  # fmt: skip

    def _check_q8_out(self, op: Operator, out: Tensor) -> None:
        if out.zero_point != -128 or abs(out.scale - 1.0 / 256) > 1e-8:
            raise self.fail(op, f"int8 output must have scale 1/256 and zero point -128 (has {out.scale}, "
                            f"{out.zero_point})")

    def op_softmax(self, op: Operator) -> Lowered:
        inp = self.act_input(op, 0)
        out = self.output(op)
        self._check_q8_out(op, out)
        beta = float(op.opt(0, "f", 0.0))
        depth = inp.shape[-1] if inp.shape else 1
        mult, shift, diff_min = quant.softmax_params(beta, inp.scale)
        params = dict(rows=inp.size // depth, depth=depth, input_multiplier=mult, input_left_shift=shift,
                      diff_min=diff_min)
        return Lowered("softmax", "tp_softmax_params_t", params, "tp_softmax_s8(&{p}, {I0}, {O0});",
                       info=dict(beta=beta), in_place=True)

    def op_logistic(self, op: Operator) -> Lowered:
        inp = self.act_input(op, 0)
        out = self.output(op)
        self._check_q8_out(op, out)
        mult, shift, radius = quant.logistic_params(inp.scale)
        params = dict(size=inp.size, input_zero_point=inp.zero_point, input_range_radius=radius,
                      input_multiplier=mult, input_left_shift=shift)
        return Lowered("logistic", "tp_logistic_params_t", params, "tp_logistic_s8(&{p}, {I0}, {O0});",
                       in_place=True)

    def op_mean(self, op: Operator) -> Lowered:
        inp = self.act_input(op, 0)
        out = self.output(op)
        ax = self.const_input(op, 1, "axis", ("int32",))
        if ax is None:
            raise self.fail(op, "axis is missing")
        rank = len(inp.shape)
        if rank > 4:
            raise self.fail(op, f"{rank}-D input; at most 4-D is supported")
        axes = sorted({int(a) % rank for a in ax.data.reshape(-1)}) if rank else []
        dims = [1] * (4 - rank) + list(inp.shape)
        reduce = [0] * 4
        for a in axes:
            reduce[a + 4 - rank] = 1
        expect = int(np.prod([d for d, r in zip(dims, reduce, strict=True) if not r]))
        if out.size != expect:
            raise self.fail(op, f"output {out.shape} does not match reducing {inp.shape} over axes {axes}")
        count = int(np.prod([d for d, r in zip(dims, reduce, strict=True) if r]))
        mult, shift = quant.mean_multiplier(inp.scale, out.scale, count)
        params = dict(dims=dims, reduce=reduce, input_zero_point=inp.zero_point, output_zero_point=out.zero_point,
                      multiplier=mult, shift=shift)
        return Lowered("mean", "tp_mean_params_t", params, "tp_mean_s8(&{p}, {I0}, {O0});",
                       info=dict(axes=axes, keep_dims=bool(op.opt(0, "B"))))

    def op_pad(self, op: Operator) -> Lowered:
        inp = self.act_input(op, 0)
        out = self.output(op)
        pads = self.const_input(op, 1, "paddings", ("int32", "int64"))
        if pads is None:
            raise self.fail(op, "paddings are missing")
        if (inp.scale, inp.zero_point) != (out.scale, out.zero_point):
            raise self.fail(op, "input and output quantization differ")
        pad_value = out.zero_point
        if op.op == "PADV2" and len(op.inputs) > 2 and op.inputs[2] >= 0:
            cv = self.const_input(op, 2, "constant value", ("int8",))
            assert cv is not None
            pad_value = int(cv.data.reshape(-1)[0])
        rank = len(inp.shape)
        if rank > 4:
            raise self.fail(op, f"{rank}-D input; at most 4-D is supported")
        p = pads.data.reshape(-1, 2).astype(np.int64)
        if p.shape[0] != rank or (p < 0).any():
            raise self.fail(op, f"paddings {p.tolist()} do not fit a {rank}-D input")
        ind = [1] * (4 - rank) + list(inp.shape)
        before = [0] * (4 - rank) + [int(v) for v in p[:, 0]]
        outd = [d + int(a) + int(b) for d, (a, b) in zip(inp.shape, p, strict=True)]
        if outd != list(out.shape):
            raise self.fail(op, f"padded shape {outd} disagrees with output {out.shape}")
        params = dict(in_dims=ind, out_dims=[1] * (4 - rank) + outd, before=before, pad_value=pad_value)
        return Lowered("pad", "tp_pad_params_t", params, "tp_pad_s8(&{p}, {I0}, {O0});",
                       info=dict(paddings=p.tolist()))

    op_padv2 = op_pad

    def op_concatenation(self, op: Operator) -> Lowered:
        out = self.output(op)
        axis = int(op.opt(0, "i"))
        act = int(op.opt(1, "b"))
        if act != 0:
            raise self.fail(op, f"fused activation {ACTIVATIONS.get(act, act)} on CONCATENATION is not supported")
        rank = len(out.shape)
        axis = axis % rank if rank else 0
        ins = []
        for pos in range(len(op.inputs)):
            t = self.t(op.inputs[pos])
            if t.dtype != "int8":
                raise self.fail(op, f"input '{t.name}' is {t.dtype}; only int8 is supported")
            if (t.scale, t.zero_point) != (out.scale, out.zero_point):
                raise self.fail(
                    op,
                    f"input '{t.name}' quantization ({t.scale}, {t.zero_point}) differs from the output's "
                    f"({out.scale}, {out.zero_point}); requantizing concatenation is not supported",
                )
            if len(t.shape) != rank:
                raise self.fail(op, f"input '{t.name}' rank differs from the output's")
            ins.append(t)
        inner = int(np.prod(out.shape[axis + 1 :])) if rank else 1
        outer = int(np.prod(out.shape[:axis])) if rank else 1
        sizes = [t.shape[axis] * inner for t in ins]
        if sum(t.shape[axis] for t in ins) != out.shape[axis]:
            raise self.fail(op, "input extents along the axis do not add up to the output's")
        consts = [Const(f"l{op.index:03d}_sizes", "int32_t", np.array(sizes, dtype=np.int32), "bytes per step", False)]
        for k, t in enumerate(ins):
            if t.data is not None:
                consts.append(Const(f"l{op.index:03d}_c{k}", "int8_t", t.data.reshape(-1), f"'{t.name}'", True))
        ptrs = ", ".join(f"{{C_c{k}}}" if t.data is not None else f"{{I{k}}}" for k, t in enumerate(ins))
        call = (
            f"{{{{ const int8_t *const in[{len(ins)}] = {{{{{ptrs}}}}}; "
            f"tp_concatenation_s8(&{{p}}, in, l{op.index:03d}_sizes, {{O0}}); }}}}"
        )
        params = dict(outer=outer, num_inputs=len(ins))
        return Lowered("concatenation", "tp_concat_params_t", params, call, consts, info=dict(axis=axis))

    def op_quantize(self, op: Operator) -> Lowered:
        inp = self.t(op.inputs[0])
        out = self.output(op)
        if inp.dtype == "int8":
            mult, shift = quant.quantize_multiplier(inp.scale / out.scale)
            params = dict(size=inp.size, input_zero_point=inp.zero_point, output_zero_point=out.zero_point,
                          multiplier=mult, shift=shift, scale=0.0)
            return Lowered("quantize", "tp_quantize_params_t", params, "tp_requantize_s8(&{p}, {I0}, {O0});",
                           in_place=True)
        if inp.dtype == "float32":
            params = dict(size=inp.size, input_zero_point=0, output_zero_point=out.zero_point, multiplier=0,
                          shift=0, scale=out.scale)
            return Lowered("quantize", "tp_quantize_params_t", params,
                           "tp_quantize_f32_s8(&{p}, (const float *){I0}, {O0});")
        raise self.fail(op, f"quantizing from {inp.dtype} is not supported (int8 or float32 only)")

    def op_dequantize(self, op: Operator) -> Lowered:
        inp = self.act_input(op, 0)
        self.output(op, dtype="float32")
        params = dict(size=inp.size, zero_point=inp.zero_point, scale=inp.scale)
        return Lowered("dequantize", "tp_dequantize_params_t", params,
                       "tp_dequantize_s8_f32(&{p}, {I0}, (float *){O0});")

    def _alias(self, op: Operator) -> Lowered:
        inp = self.t(op.inputs[0])
        out = self.output(op, dtype=inp.dtype)
        if inp.size != out.size:
            raise self.fail(op, f"{inp.shape} and {out.shape} hold different numbers of elements")
        if (inp.scales, inp.zero_points) != (out.scales, out.zero_points):
            raise self.fail(op, "input and output quantization differ")
        return Lowered(None, info=dict(alias=True))

    op_reshape = _alias
    op_squeeze = _alias
    op_expand_dims = _alias
