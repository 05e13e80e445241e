"""What codegen knows of the cortex-m4 kernel variants (firmware/runtime/*_cm4.c): the scratch each needs, the
layers whose output may overwrite their input, and the codegen-time operand layout of FULLY_CONNECTED. Each
formula is the one its C file documents; tests/codegen/test_scratch.py checks the scratch sizes against the C
layout itself (the variants' tp_*_cm4_scratch_bytes)."""

from __future__ import annotations

import numpy as np

from tinyperf.codegen.lower import Const, Lowered, RawC

#: the extra header the variant files include
HEADERS = ("tp_cm4.h",)


def dw_ring(params: dict) -> bool:
    """tp_depthwise_conv_2d_cm4.c's row-ring path (3x3, depth multiplier 1, channels a multiple of 4)."""
    return (params["depth_multiplier"] == 1 and params["in_c"] % 4 == 0 and params["dil_h"] == 1
            and params["dil_w"] == 1 and (params["k_h"], params["k_w"]) == (3, 3))


def _same_stride1(params: dict) -> bool:
    same = (params["in_h"], params["in_w"], params["in_c"]) == (params["out_h"], params["out_w"], params["out_c"])
    return same and params["stride_h"] == 1 and params["stride_w"] == 1


def conv_in_place(params: dict) -> bool:
    """The 1x1 stride-1 convolution unpacks each 4-pixel block to scratch before its outputs are written."""
    return (_same_stride1(params) and params["k_h"] == 1 and params["k_w"] == 1 and params["k_c"] == params["in_c"]
            and params["dil_h"] == 1 and params["dil_w"] == 1 and params["pad_h"] == 0 and params["pad_w"] == 0)


def depthwise_in_place(params: dict) -> bool:
    """The 3x3 stride-1 row ring takes rows in before any output row overwrites them."""
    return _same_stride1(params) and dw_ring(params) and params["pad_h"] <= 2


def conv_scratch(params: dict) -> int:
    """4 pixels x K values as int16 (K rounded up to whole 4-value chunks), then 3 requantization words per
    channel, then (k_c % 4 != 0) one pixel's K bytes staged for word-at-a-time unpacking. Packed layers
    (pack_conv_2d): 3 pixels x 2 words per chunk, one partial block's outputs (3 bytes per channel, whole words), 4
    constant words per channel, (k_c % 4 != 0) one field's staging bytes. Grouped or dilated: 0 (the reference
    loop)."""
    if params["k_c"] != params["in_c"] or params["dil_h"] != 1 or params["dil_w"] != 1:
        return 0
    k = params["k_h"] * params["k_w"] * params["k_c"]
    if params.get("packed"):
        chunks, oc = (k + 3) // 4, params["out_c"]
        return 24 * chunks + 16 * oc + 4 * ((3 * oc + 3) // 4) + (4 * chunks if params["k_c"] % 4 else 0)
    stage = 4 * ((k + 3) // 4) if params["k_c"] % 4 else 0
    return 32 * ((k + 3) // 4) + 12 * params["out_c"] + stage


def depthwise_scratch(params: dict) -> int:
    """int16 row ring, unpacked filter, bias + requantization words (the ring path only)."""
    if not dw_ring(params):
        return 0
    c, kh, kw = params["in_c"], params["k_h"], params["k_w"]
    wp = (params["out_w"] - 1) * params["stride_w"] + kw
    return 2 * c * (kh * wp + kh * kw) + 16 * c


def fully_connected_scratch(params: dict) -> int:
    """a/b words (4 bytes per 2 inputs of a chunk), then the int32 partial sums when there are several chunks."""
    if not params.get("packed"):
        return 0
    return 2 * params["chunk"] + (4 * params["out_features"] if params["packed"] == 2 else 0)


def add_scratch(params: dict) -> int:
    """One int32 table per input, indexed by the int8 value."""
    return 2 * 256 * 4


def pack_conv_2d(low: Lowered) -> Lowered:
    """CONV_2D layers without groups or dilation and with an even number of filters get them interleaved two at
    a time per 4-value chunk (K padded to whole chunks with zero weights), each odd byte stored minus the sign of
    the even byte below it, and the bias replaced by bias + input_offset*sum(w) + 127*sum(w_odd): the arithmetic
    of tp_conv_2d_cm4.c's packed path. Flash: the model's bytes plus the chunk padding."""
    p = low.params
    if p["k_c"] != p["in_c"] or p["dil_h"] != 1 or p["dil_w"] != 1 or p["out_c"] % 2:
        return low
    oc, k = p["out_c"], p["k_h"] * p["k_w"] * p["k_c"]
    chunks = (k + 3) // 4
    filt = next(c for c in low.consts if c.cname.endswith("_filter"))
    w = np.zeros((oc, 4 * chunks), dtype=np.int64)
    w[:, :k] = filt.values.astype(np.int64).reshape(oc, k)
    odd = w[:, 1::2] - (w[:, 0::2] < 0)
    if odd.min() < -128:
        return low  # an odd -128 above a negative even byte has no adjusted form
    packed = w.copy()
    packed[:, 1::2] = odd
    inter = packed.reshape(oc // 2, 2, chunks, 4).transpose(0, 2, 1, 3).reshape(-1).astype(np.int8)
    return _with_row_constants(low, filt, inter, w, ", 2-filter interleaved (cortex-m4)",
                               dict(p, packed=1), dict(low.info, packed="cortex-m4 2-filter"))


def _with_row_constants(low: Lowered, filt: Const, layout: np.ndarray, w: np.ndarray, note: str, params: dict,
                        info: dict) -> Lowered:
    """*low* with the filter in *layout* and its bias replaced by the row constants bias + input_offset*sum(w)
    + 127*sum(w_odd) of the (outputs, inputs) weights *w* (added, and passed by the call, where it had none)."""
    prefix = filt.cname[: -len("_filter")]
    old_bias = next((c for c in low.consts if c.cname == prefix + "_bias"), None)
    bias = old_bias.values.astype(np.int64) if old_bias is not None else np.zeros(w.shape[0], dtype=np.int64)
    rowc = bias + low.params["input_offset"] * w.sum(axis=1) + 127 * w[:, 1::2].sum(axis=1)
    rowc = ((rowc + 2**31) % 2**32 - 2**31).astype(np.int32)  # int32 wraparound, as the kernel's accumulator
    consts = []
    for c in low.consts:
        if c is filt:
            consts.append(Const(c.cname, c.ctype, layout, c.comment + note, True))
        elif c is not old_bias:
            consts.append(c)
    consts.insert(1, Const(prefix + "_bias", "int32_t", rowc, "row constants (cortex-m4)", old_bias is not None))
    call = low.call if old_bias is not None else low.call.replace("_filter, 0, ", f"_filter, {prefix}_bias, ")
    return Lowered(low.kernel, low.params_type, params, call, consts, low.macs, info, low.in_place)


def fc_chunk(n: int) -> int:
    """Inputs per pass of the packed FULLY_CONNECTED's fallback (its 256-scaled sums are exact up to 256)."""
    return next(c for c in range(min(n, 256), 7, -8) if n % c == 0)


#: the packed FULLY_CONNECTED's one-pass bound: |row constant| + the sum's largest magnitude over all inputs
FC_ONE_PASS = (2**31 - 1) // 256


def fc_rows5(o: int) -> int:
    """Rows in five-row blocks (the rest in four-row blocks): 4*(o/20) blocks keep o - rows a multiple of 4."""
    return 20 * (o // 20)


def fc_interleave(w: np.ndarray) -> np.ndarray:
    """tp_fully_connected_cm4.c's block layout of an [o, n] filter: five-row blocks then four-row blocks, each
    (word, row, byte)."""
    o, n = w.shape
    r5 = fc_rows5(o)
    parts = [w[:r5].reshape(-1, 5, n // 4, 4).transpose(0, 2, 1, 3).reshape(-1),
             w[r5:].reshape(-1, 4, n // 4, 4).transpose(0, 2, 1, 3).reshape(-1)]
    return np.concatenate(parts)


def pack_fully_connected(low: Lowered) -> Lowered:
    """FULLY_CONNECTED layers with inputs a multiple of 8 and outputs a multiple of 4 get the filter in blocks of
    five and four rows (fc_interleave) with each odd byte stored minus the sign of the even byte below it, and the
    bias replaced by the row constants rc = bias + input_offset*sum(w) + 127*sum(w_odd) (the arithmetic is in
    tp_fully_connected_cm4.c). One pass (packed 1, the row constants stored as 256*rc) where every row's
    |rc| + 255*sum|w_odd| + 128*sum|w_even| is at most FC_ONE_PASS and the requantization has the SMMLAR form;
    else chunks with partial sums (packed 2). Same flash bytes as the model's layout."""
    p = low.params
    if p["filter_offset"] != 0:
        return low
    n, o = p["in_features"], p["out_features"]
    if n % 8 or o % 4:
        return low
    filt = next(c for c in low.consts if c.cname.endswith("_filter"))
    w = filt.values.astype(np.int64).reshape(o, n)
    odd = w[:, 1::2] - (w[:, 0::2] < 0)
    if odd.min() < -128:
        return low  # an odd -128 above a negative even byte has no adjusted form
    packed = w.copy()
    packed[:, 1::2] = odd
    inter = fc_interleave(packed).astype(np.int8)
    prefix = filt.cname[: -len("_filter")]
    old_bias = next((c for c in low.consts if c.cname == prefix + "_bias"), None)
    bias = old_bias.values.astype(np.int64) if old_bias is not None else np.zeros(o, dtype=np.int64)
    rowc = bias + p["input_offset"] * w.sum(axis=1) + 127 * w[:, 1::2].sum(axis=1)
    bound = np.abs(rowc) + 255 * np.abs(w[:, 1::2]).sum(axis=1) + 128 * np.abs(w[:, 0::2]).sum(axis=1)
    req = next(c for c in low.consts if c.cname == prefix + "_requant").values
    mults, shifts = req[0].astype(np.int64), req[1].astype(np.int64)
    fast = bool(np.all((mults > 2**30) & (shifts >= -23) & (shifts <= -2)))  # the kernel's SMMLAR form
    one_pass = fast and int(bound.max()) <= FC_ONE_PASS
    if one_pass:
        rowc = 256 * rowc
    rowc = ((rowc + 2**31) % 2**32 - 2**31).astype(np.int32)  # int32 wraparound, as the kernel's accumulator
    consts = []
    for c in low.consts:
        if c is filt:
            consts.append(Const(c.cname, c.ctype, inter, c.comment + ", 5/4-row interleaved (cortex-m4)", True))
        elif c is not old_bias:
            consts.append(c)
    consts.insert(1, Const(prefix + "_bias", "int32_t", rowc,
                           "row constants" + (" x256" if one_pass else "") + " (cortex-m4)", old_bias is not None))
    call = low.call if old_bias is not None else low.call.replace("_filter, 0, ", f"_filter, {prefix}_bias, ")
    params = dict(p, chunk=n if one_pass else fc_chunk(n))
    if one_pass and p["per_channel"]:
        # the kernel's constants per output feature (m, C = 2^(rs-1) + zp*2^rs, rs), one LDM a row
        rs = -shifts
        hi = (1 << (rs - 1)) + p["output_offset"] * (1 << rs)
        table = np.stack([mults, (hi + 2**31) % 2**32 - 2**31, rs], axis=1).reshape(-1).astype(np.int32)
        consts.append(Const(prefix + "_rq", "int32_t", table, "per-channel requantization constants (cortex-m4)",
                            False))
        params["rq"] = RawC(prefix + "_rq")
        # the kernel then reads only the first multiplier and shift: the per-channel pairs would be dead flash
        consts = [Const(c.cname, c.ctype, c.values[:, :1], c.comment + ", first channel's (cortex-m4 table above)",
                        c.is_weight) if c.cname == prefix + "_requant" else c for c in consts]
    # packed 2: int32 partial sums in scratch (several chunks, or requantized in C afterwards)
    params["packed"] = 1 if one_pass else 2
    info = dict(low.info, packed="cortex-m4 5/4-row")
    return Lowered(low.kernel, low.params_type, params, call, consts, low.macs, info, low.in_place)


def fc_chunk(n: int) -> int:
    """Inputs per pass of the packed FULLY_CONNECTED (its 256-scaled sums are exact up to 256)."""
    return next(c for c in range(min(n, 256), 7, -8) if n % c == 0)


def pack_fully_connected(low: Lowered) -> Lowered:
    """FULLY_CONNECTED layers with inputs a multiple of 8 and outputs a multiple of 4 get the filter interleaved
    four rows at a time with each odd byte stored minus the sign of the even byte below it, and the bias replaced
    by bias + input_offset*sum(w) + 127*sum(w_odd) (the arithmetic is in tp_fully_connected_cm4.c). Same flash
    bytes as the model's layout."""
    p = low.params
    if p["filter_offset"] != 0:
        return low
    n, o = p["in_features"], p["out_features"]
    if n % 8 or o % 4:
        return low
    filt = next(c for c in low.consts if c.cname.endswith("_filter"))
    w = filt.values.astype(np.int64).reshape(o, n)
    odd = w[:, 1::2] - (w[:, 0::2] < 0)
    if odd.min() < -128:
        return low  # an odd -128 above a negative even byte has no adjusted form
    packed = w.copy()
    packed[:, 1::2] = odd
    inter = packed.reshape(o // 4, 4, n // 4, 4).transpose(0, 2, 1, 3).reshape(-1).astype(np.int8)
    prefix = filt.cname[: -len("_filter")]
    old_bias = next((c for c in low.consts if c.cname == prefix + "_bias"), None)
    bias = old_bias.values.astype(np.int64) if old_bias is not None else np.zeros(o, dtype=np.int64)
    rowc = bias + p["input_offset"] * w.sum(axis=1) + 127 * w[:, 1::2].sum(axis=1)
    rowc = ((rowc + 2**31) % 2**32 - 2**31).astype(np.int32)  # int32 wraparound, as the kernel's accumulator
    consts = []
    for c in low.consts:
        if c is filt:
            consts.append(Const(c.cname, c.ctype, inter, c.comment + ", 4-row interleaved (cortex-m4)", True))
        elif c is not old_bias:
            consts.append(c)
    consts.insert(1, Const(prefix + "_bias", "int32_t", rowc, "row constants (cortex-m4)", old_bias is not None))
    call = low.call if old_bias is not None else low.call.replace("_filter, 0, ", f"_filter, {prefix}_bias, ")
    chunk = fc_chunk(n)
    req = next(c for c in low.consts if c.cname == prefix + "_requant").values
    mults, shifts = req[0].astype(np.int64), req[1].astype(np.int64)
    fast = bool(np.all((mults > 2**30) & (shifts >= -24) & (shifts <= -2)))  # tp_rq_init's one-SMLAL form
    params = dict(p, chunk=chunk)
    if fast and p["per_channel"]:
        # tp_rq_init's constants per output feature, so the kernel's epilogue loads them with one LDM
        hi = (1 << (-shifts - 2)) + p["output_offset"] * (1 << (-shifts - 1))
        table = np.stack([mults, (hi + 2**31) % 2**32 - 2**31, -shifts - 1], axis=1).reshape(-1).astype(np.int32)
        consts.append(Const(prefix + "_rq", "int32_t", table, "per-channel requantization constants (cortex-m4)",
                            False))
        params["rq"] = RawC(prefix + "_rq")
        # the kernel then reads only the first multiplier and shift: the per-channel pairs would be dead flash
        consts = [Const(c.cname, c.ctype, c.values[:, :1], c.comment + ", first channel's (cortex-m4 table above)",
                        c.is_weight) if c.cname == prefix + "_requant" else c for c in consts]
    # packed 2: int32 partial sums in scratch (several chunks, or requantized in C afterwards)
    params["packed"] = 1 if fast and chunk == n else 2
    info = dict(low.info, packed="cortex-m4 4-row")
    return Lowered(low.kernel, low.params_type, params, call, consts, low.macs, info, low.in_place)
