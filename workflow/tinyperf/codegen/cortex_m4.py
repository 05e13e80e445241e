"""What codegen knows of the cortex-m4 kernel variants (firmware/runtime/*_cm4.c): the scratch each needs, the
layers whose output may overwrite their input, and the codegen-time operand layout of FULLY_CONNECTED. Each
formula is the one its C file documents; tests/codegen/test_scratch.py checks the scratch sizes against the C
layout itself (the variants' tp_*_cm4_scratch_bytes)."""

from __future__ import annotations

import numpy as np

from tinyperf.codegen.lower import Const, Lowered, RawC

#: the extra header the variant files include
HEADERS = ("tp_cm4.h", "tp_conv_winograd_cm4.h")


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
    if params.get("packed") == 2:
        return winograd_scratch(params)
    if params.get("packed"):
        chunks, oc = (k + 3) // 4, params["out_c"]
        return 24 * chunks + 16 * oc + 4 * ((3 * oc + 3) // 4) + (4 * chunks if params["k_c"] % 4 else 0)
    stage = 4 * ((k + 3) // 4) if params["k_c"] % 4 else 0
    return 32 * ((k + 3) // 4) + 12 * params["out_c"] + stage


def dw_pair(params: dict) -> tuple[bool, int]:
    """Whether tp_depthwise_conv_2d_cm4.c's pair-ring path runs (a ring layer with stride 1 or 2 along its lines),
    and its words a line Kp (2 * ceil(n / 4) + 1, stride 2: n + 1) for n outputs along a line (at least 8):
    columns when stride_h is 1 and the outputs are taller than wide (or stride_w > 1)."""
    transposed = params["stride_h"] == 1 and (params["stride_w"] != 1 or params["out_h"] > params["out_w"])
    n = params["out_h"] if transposed else params["out_w"]
    kp = n + 1 if not transposed and params["stride_w"] == 2 else 2 * ((n + 3) // 4) + 1
    return dw_ring(params) and (transposed or params["stride_w"] <= 2) and n >= 8, kp


def dw_taps_k1(params: dict) -> bool:
    """tp_depthwise_conv_2d_cm4.c's time-pair path: k x 1 taps (k <= 16), stride_h 1, at least 4 outputs a column,
    depth multiplier 1, channels a multiple of 4."""
    return (params["depth_multiplier"] == 1 and params["in_c"] % 4 == 0 and params["dil_h"] == 1
            and params["dil_w"] == 1 and params["k_w"] == 1 and params["stride_h"] == 1 and params["k_h"] <= 16
            and params["out_h"] >= 4)


def depthwise_scratch(params: dict) -> int:
    """Pair ring: 3 slots x 4 channels x Kp words (Kp from dw_pair), then 3 x 4 blocks of 13 words. Row
    ring: int16 row ring, unpacked filter, bias + requantization words. Time pairs (k x 1): 2 * ceil(n / 2) + 2J - 2
    pair rows of 16 bytes, 4 blocks of 4 + J words (J = ceil(k / 2)), a dummy output word. Otherwise none."""
    if dw_taps_k1(params):
        j = (params["k_h"] + 1) // 2
        return 16 * (2 * ((params["out_h"] + 1) // 2) + 2 * j - 2) + 16 * (4 + j) + 4
    if not dw_ring(params):
        return 0
    pair, kp = dw_pair(params)
    if pair:
        return 48 * kp + 624
    c, kh, kw = params["in_c"], params["k_h"], params["k_w"]
    wp = (params["out_w"] - 1) * params["stride_w"] + kw
    return 2 * c * (kh * wp + kh * kw) + 16 * c


def fully_connected_scratch(params: dict) -> int:
    """a/b words (4 bytes per 2 inputs of a chunk), then (packed 2: chunks) the int32 partial sums."""
    if not params.get("packed"):
        return 0
    return 2 * params["chunk"] + (4 * params["out_features"] if params["packed"] == 2 else 0)


def add_scratch(params: dict) -> int:
    """One int32 table per input, indexed by the int8 value."""
    return 2 * 256 * 4


def winograd(params: dict) -> bool:
    """tp_conv_winograd_cm4.h's layers: 3x3, stride 1, no groups or dilation, input channels a multiple of 4,
    output channels even, at least 32 on both sides (with fewer its transforms cost about what they save), and
    the direct sum's bound 9*in_c*128*255 < 2^29 that makes the 4x sums exact modulo 2^32."""
    return ((params["k_h"], params["k_w"], params["stride_h"], params["stride_w"]) == (3, 3, 1, 1)
            and params["dil_h"] == 1 and params["dil_w"] == 1 and params["k_c"] == params["in_c"]
            and params["in_c"] % 4 == 0 and params["out_c"] % 2 == 0 and params["in_c"] >= 32
            and params["out_c"] >= 32 and 9 * params["in_c"] * 128 * 255 < 2**29)


def winograd_scratch(params: dict) -> int:
    """Transformed inputs of `group` tile triples, one filter pair's transformed filter for `chunk` channel
    pairs, the GEMM's 96 sums per triple, 7 constants per channel, the input zero point per channel
    (tp_conv_winograd_cm4.h)."""
    nj, g = params["in_c"] // 2, params["group"]
    return 4 * (48 * nj * g + 32 * params["chunk"] + 96 * g + 7 * params["out_c"]) + params["in_c"]


def winograd_filter(w: np.ndarray) -> np.ndarray:
    """U = G2 g G2^T of OHWI 3x3 filters *w* in tp_conv_winograd_cm4.h's codegen-time layout: per filter pair,
    channel pair j, filter, position one word of the two channels' int16 lanes (as bytes, little-endian)."""
    oc, ic = w.shape[0], w.shape[3]
    g2 = np.array([[1, 0, 0], [1, 1, 1], [1, -1, 1], [0, 0, 1]], dtype=np.int64)
    u = np.einsum("xa,oabc,yb->oxyc", g2, w.astype(np.int64), g2).reshape(oc, 16, ic)  # filter, position, channel
    # channel 4q + 2*lane + pair-in-quad -> (j = 2q + pair-in-quad, lane)
    u = u.reshape(oc // 2, 2, 16, ic // 4, 2, 2).transpose(0, 3, 5, 1, 2, 4)  # pair, q, pq, filter, position, lane
    return u.astype("<i2").reshape(-1).view(np.int8)


def conv_upgrade(low: Lowered, budget: int, flash: int) -> Lowered | None:
    """The Winograd form of the (model-layout) CONV_2D lowering *low* whose scratch fits *budget* arena bytes,
    or None (not a Winograd layer, no tile triple fits, or no faster than the direct kernel by a rough count).
    With *flash* bytes to spare for it the filter transform U is made at codegen time (3.6x the filter's bytes)
    and one triple at a time suffices; else, among the blockings that fit, the one with the fewest cycles: each
    pass over a group of triples transforms every filter again (~130 cycles per filter pair and channel pair),
    each filter chunk costs the GEMM a reload of its sums (~17 cycles per position)."""
    p = low.params
    if not winograd(p):
        return None
    nj, pairs = p["in_c"] // 2, p["out_c"] // 2
    triples = (((p["out_h"] + 1) // 2) * ((p["out_w"] + 1) // 2) + 2) // 3
    per_triple = 4 * (48 * nj + 96)
    # cycles per filter pair and triple: the direct kernel's ~1.15 per MAC against the GEMM's 13 per 12 products
    # (16 per tile and channel) and the input / output transforms (~110 per tile and channel pair, ~90 per tile)
    direct = 1.15 * 2 * 12 * 9 * p["in_c"]
    winograd_core = 13 / 12 * 2 * 3 * 16 * p["in_c"] + 3 * 110 * nj / pairs + 6 * 90
    if 23 * p["in_c"] * p["out_c"] <= flash and budget >= winograd_scratch(dict(p, group=1, chunk=0)):
        return pack_conv_winograd(low, 1, 0)  # 32 bytes of U instead of 9 of filter per channel and filter
    best: tuple[float, int, int] | None = None
    for chunk in sorted({nj, -(-nj // 2), -(-nj // 4), -(-nj // 8)}, reverse=True):
        most = min(triples, (budget - winograd_scratch(dict(p, group=0, chunk=chunk))) // per_triple)
        if most < 1:
            continue
        passes = -(-triples // most)
        cost = (passes * pairs * nj * 130 + triples * pairs * -(-nj // chunk) * 16 * 17) / (triples * pairs)
        if best is None or cost < best[0]:
            best = (cost, -(-triples // passes), chunk)  # the same passes, balanced
    if best is None or winograd_core + best[0] >= direct:
        return None
    return pack_conv_winograd(low, best[1], best[2])


def pack_conv_winograd(low: Lowered, group: int, chunk: int) -> Lowered:
    """The Winograd layout: per filter pair, input channel pair j (channels (4q, 4q+2) for j = 2q, (4q+1, 4q+3)
    for j = 2q+1) and tap one word [a(c), b(c), a(c'), b(c')] (same flash bytes), or with chunk 0 the transformed
    filter (winograd_filter); the model's bias."""
    p = low.params
    oc, ic = p["out_c"], p["in_c"]
    filt = next(c for c in low.consts if c.cname.endswith("_filter"))
    if chunk:
        # pair, filter, tap, channel quad, lane, pair in the quad: channel 4q + 2*lane + pair
        w = filt.values.astype(np.int8).reshape(oc // 2, 2, 9, ic // 4, 2, 2)
        layout = w.transpose(0, 3, 5, 2, 4, 1).reshape(-1)  # pair, quad, pair in the quad (= j), tap, lane, filter
        note = ", Winograd pairs (cortex-m4)"
    else:
        layout = winograd_filter(filt.values.reshape(oc, 3, 3, ic))
        note = ", Winograd-transformed int16 pairs (cortex-m4)"
    consts = [Const(c.cname, c.ctype, layout, c.comment + note, True) if c is filt else c for c in low.consts]
    return Lowered(low.kernel, low.params_type, dict(p, packed=2, group=group, chunk=chunk), low.call, consts,
                   low.macs, dict(low.info, packed="cortex-m4 Winograd F(2x2,3x3)"), low.in_place)


def pack_conv_2d(low: Lowered) -> Lowered:
    """CONV_2D layers without groups or dilation and with an even number of filters get them interleaved two at
    a time per 4-value chunk (K padded to whole chunks with zero weights), each odd byte stored minus the sign of
    the even byte below it, and the bias replaced by bias + input_offset*sum(w) + 127*sum(w_odd): the arithmetic
    of tp_conv_2d_cm4.c's packed path. Flash: the model's bytes plus the chunk padding. (3x3 stride-1 layers may
    take the Winograd layout instead where the arena has room: conv_upgrade.)"""
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
    # the 256-scaled sums are exact while |S| < 2^23: with these weights, for every input, in one pass?
    bound = 128 * np.abs(w).sum(axis=1) + 127 * np.abs(w[:, 1::2].sum(axis=1))
    one = chunks if int(bound.max()) < 2**23 else 0
    low = _with_row_constants(low, filt, inter, w, ", 2-filter interleaved (cortex-m4)",
                              dict(p, packed=1, chunk=one), dict(low.info, packed="cortex-m4 2-filter"))
    # the SMMLAR form (tp_conv_2d_cm4.c's pairs1_mm): one pass with the row constants in the sums (256 * c), so
    # bound + |c| < 2^23, and every channel's multiplier in [2^30, 2^31) with right shift 2..31 (or a dead one)
    req = next(c for c in low.consts if c.cname.endswith("_requant")).values.astype(np.int64)
    mults, shifts = np.broadcast_to(req[0], (oc,)), np.broadcast_to(req[1], (oc,))
    rowc = next(c for c in low.consts if c.cname.endswith("_bias")).values.astype(np.int64)
    live = (mults > 2**30) & (shifts >= -31) & (shifts <= -2)
    if (one and p["act_min"] == -128 and p["act_max"] == 127 and bool(np.all(live | ((mults == 0) & (shifts == 0))))
            and int((bound + np.abs(rowc)).max()) < 2**23):
        consts = [Const(c.cname, c.ctype, (256 * rowc).astype(np.int32), c.comment + " x256", c.is_weight)
                  if c.cname.endswith("_bias") else c for c in low.consts]
        low = Lowered(low.kernel, low.params_type, dict(low.params, group=1), low.call, consts, low.macs,
                      dict(low.info, packed="cortex-m4 2-filter, SMMLAR"), low.in_place)
    return low


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


def fc_upgrade(low: Lowered, budget: int, flash: int) -> Lowered | None:
    """The one-pass form of a (model-layout) FULLY_CONNECTED lowering that pack_fully_connected would chunk for
    scratch's sake, where its a/b words fit *budget* arena bytes."""
    del flash  # same flash either way
    if pack_fully_connected(low).params.get("packed") != 2:
        return None
    wide = pack_fully_connected(low, wide=True)
    if wide.params.get("packed") != 1 or fully_connected_scratch(wide.params) > budget:
        return None
    return wide


def pack_fully_connected(low: Lowered, wide: bool = False) -> Lowered:
    """FULLY_CONNECTED layers with inputs a multiple of 8 and outputs a multiple of 4 get the filter in blocks of
    five and four rows (fc_interleave) with each odd byte stored minus the sign of the even byte below it, and the
    bias replaced by the row constants rc = bias + input_offset*sum(w) + 127*sum(w_odd) (the arithmetic is in
    tp_fully_connected_cm4.c). One pass (packed 1, the row constants stored as 256*rc) where every row's
    |rc| + 255*sum|w_odd| + 128*sum|w_even| is at most FC_ONE_PASS and the requantization has the SMMLAR form;
    else chunks with partial sums (packed 2). One pass takes a/b words for all the inputs: unless *wide*, only
    where that is no more scratch than the chunks' (fc_upgrade offers it where the arena has room). Same flash
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
    inter = fc_interleave(packed).astype(np.int8)
    prefix = filt.cname[: -len("_filter")]
    old_bias = next((c for c in low.consts if c.cname == prefix + "_bias"), None)
    bias = old_bias.values.astype(np.int64) if old_bias is not None else np.zeros(o, dtype=np.int64)
    rowc = bias + p["input_offset"] * w.sum(axis=1) + 127 * w[:, 1::2].sum(axis=1)
    bound = np.abs(rowc) + 255 * np.abs(w[:, 1::2]).sum(axis=1) + 128 * np.abs(w[:, 0::2]).sum(axis=1)
    req = next(c for c in low.consts if c.cname == prefix + "_requant").values
    mults, shifts = req[0].astype(np.int64), req[1].astype(np.int64)
    fast = bool(np.all((mults > 2**30) & (shifts >= -23) & (shifts <= -2)))  # the kernel's SMMLAR form
    one_pass = fast and int(bound.max()) <= FC_ONE_PASS and (wide or n <= fc_chunk(n) + 2 * o)
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

