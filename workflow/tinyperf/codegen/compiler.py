"""Compile a full-int8 TFLite model into standalone C: NAME.h, NAME.c, NAME.json and the kernels it uses."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinyperf.codegen import planner, rewrite, targets
from tinyperf.codegen.lower import (
    ALIAS_OPS,
    HEADERS,
    Const,
    Lowered,
    Lowering,
    RawC,
    overlap_lead,
)
from tinyperf.codegen.reader import Model, Tensor, load_model
from tinyperf.errors import ModelError
from tinyperf.fsutil import atomic_dir

#: what model.json, and every firmware built from it (memory.json), says ran the model
ENGINE = "tinyperf"
RUNTIME_DIR = Path(os.environ.get("TINYPERF_RUNTIME", Path(__file__).resolve().parents[3] / "firmware" / "runtime"))

_CTYPE_BYTES = {"int8_t": 1, "int32_t": 4}


def runtime_dir() -> Path:
    if not (RUNTIME_DIR / "tp_runtime.h").exists():
        raise ModelError(f"kernel sources not found in {RUNTIME_DIR}; set TINYPERF_RUNTIME to firmware/runtime")
    return RUNTIME_DIR


def _check_name(name: str) -> None:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ModelError(f"--name {name!r} is not a C identifier")


def _float_literal(x: float) -> str:
    s = str(np.float32(x))
    if "." not in s and "e" not in s and "inf" not in s:
        s += ".0"
    return s + "f"


def _tensor_json(t: Tensor) -> dict[str, Any]:
    d: dict[str, Any] = {"name": t.name, "shape": list(t.shape), "dtype": t.dtype}
    if len(t.scales) == 1:
        d["scale"] = t.scale
        d["zero_point"] = t.zero_point
    elif t.scales:
        d["scales"] = list(t.scales)
        d["zero_points"] = list(t.zero_points)
    return d


def _validate_model(model: Model, what: str) -> None:
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ModelError(
            f"{what}: {len(model.inputs)} inputs and {len(model.outputs)} outputs; the generated API takes exactly "
            "one int8 input and one int8 output"
        )
    for op in model.operators:
        for idx in op.inputs + op.outputs:
            if idx < 0:
                continue
            t = model.tensors[idx]
            if t.is_variable:
                raise ModelError(
                    f"{what}: layer {op.index} ({op.op}): variable tensor '{t.name}' is not supported (stateful model)"
                )
            if t.data is None and t.dtype in ("int16", "int4", "uint8", "int64"):
                raise ModelError(
                    f"{what}: layer {op.index} ({op.op}, output '{model.tensors[op.outputs[0]].name}'): "
                    f"tensor '{t.name}' is {t.dtype}; only int8 activations are supported (int16 activations "
                    "need the 16x8 kernels, which tinyperf does not have)"
                )
            if t.data is None and t.dtype == "float32" and op.op not in ("DEQUANTIZE", "QUANTIZE"):
                raise ModelError(
                    f"{what}: layer {op.index} ({op.op}, output '{model.tensors[op.outputs[0]].name}'): float model: "
                    f"tensor '{t.name}' is float32; only int8 arithmetic is compiled"
                )

    for role, idx in (("input", model.inputs[0]), ("output", model.outputs[0])):
        t = model.tensors[idx]
        if t.dtype in ("float32", "float16", "float64"):
            raise ModelError(
                f"{what}: float model: the model {role} '{t.name}' is {t.dtype}. Convert it full-int8 "
                "(representative dataset, inference_input_type/inference_output_type = tf.int8)"
            )
        if t.dtype != "int8":
            raise ModelError(f"{what}: model {role} '{t.name}' is {t.dtype}; only int8 input and output are supported")
        if len(t.scales) != 1:
            raise ModelError(f"{what}: model {role} '{t.name}' is not per-tensor quantized")


def _cc(text: str) -> str:
    """Text safe inside a C block comment."""
    return text.replace("*/", "* /").replace("/*", "/ *")


def _c_array(c: Const) -> str:
    vals = c.values.reshape(-1) if c.values.ndim != 2 or c.cname[-8:] != "_requant" else c.values
    if c.cname.endswith("_requant"):
        rows = [", ".join(str(int(v)) for v in row) for row in c.values]
        body = "\n".join(f"    {{{r}}}," for r in rows)
        return f"/* {_cc(c.comment)} */\nstatic const int32_t {c.cname}[2][{c.values.shape[1]}] = {{\n{body}\n}};\n"
    flat = vals.reshape(-1).tolist()
    per = 20 if c.ctype == "int8_t" else 8
    lines = [", ".join(str(int(v)) for v in flat[i : i + per]) for i in range(0, len(flat), per)]
    body = ",\n    ".join(lines)
    return f"/* {_cc(c.comment)} */\nstatic const {c.ctype} {c.cname}[{len(flat)}] = {{\n    {body}\n}};\n"


def _params_block(var: str, ctype: str, params: dict[str, Any], static: bool = True) -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, RawC):
            return str(v)
        if isinstance(v, list):
            return "{" + ", ".join(fmt(x) for x in v) + "}"
        if isinstance(v, float):
            return _float_literal(v)
        return str(int(v))

    fields = ",\n        ".join(f".{k} = {fmt(v)}" for k, v in params.items())
    storage = "static const" if static else "const"
    return f"    {storage} {ctype} {var} = {{\n        {fields},\n    }};\n"


#: where the activation arena lives: a static array inside NAME.c, or memory the caller provides through the
#: pointer NAME_arena (several models sharing one arena: tinyperf scenario)
ARENAS = ("static", "extern")


def compile_model(
    tflite_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    name: str = "model",
    target: str = "portable",
    arena: str = "static",
) -> dict[str, Any]:
    """Compile *tflite_path* into *out_dir* (replaced atomically). Returns what NAME.json holds."""
    _check_name(name)
    if target not in targets.TARGETS:
        raise ModelError(f"unknown target {target!r}; choose one of {', '.join(targets.TARGETS)}")
    if arena not in ARENAS:
        raise ModelError(f"unknown arena {arena!r}; choose one of {', '.join(ARENAS)}")
    what = str(tflite_path)
    data, model = load_model(tflite_path)
    files, meta = generate(model, data, what, name, target, arena)
    with atomic_dir(out_dir) as tmp:
        for fname, text in files.items():
            (tmp / fname).write_text(text)
        rt = runtime_dir()
        for fname in meta["kernel_files"]:
            shutil.copyfile(rt / fname, tmp / fname)
    return meta


def lower_for(model: Model, what: str, target: str) -> list[Lowered]:
    """Every operator as its kernel call, in the operand layout of the target's kernel."""
    lowering = Lowering(model, what)
    out = []
    for op in model.operators:
        low = lowering.lower(op)
        out.append(targets.kernel(low.kernel, target).prepare(low) if low.kernel else low)
    return out


@dataclass
class ArenaPlan:
    """Where every activation tensor (and every layer's scratch, a negative key) lives in the arena."""

    offsets: dict[int, int]
    arena: int
    groups: list[Any]
    sizes: dict[int, int]
    first: dict[int, int]
    last: dict[int, int]
    const_alias: dict[int, int]  # RESHAPE outputs of constants: copied from flash
    scratch: dict[int, int]  # layer -> its scratch's key


def plan_arena(model: Model, lowered: list[Lowered], what: str, target: str) -> ArenaPlan:
    """Lifetimes of the activations, the in-place and overlap merges the target's kernels allow, their scratch,
    then the planner's placement."""
    n_ops = len(model.operators)
    in_idx, out_idx = model.inputs[0], model.outputs[0]
    first: dict[int, int] = {in_idx: -1}
    last: dict[int, int] = {}
    for op in model.operators:
        for t in op.outputs:
            first.setdefault(t, op.index)
        for t in op.inputs:
            if t >= 0 and model.tensors[t].data is None:
                last[t] = op.index
    for t in list(first):
        last.setdefault(t, first[t])
    last[out_idx] = n_ops
    if out_idx not in first:
        raise ModelError(f"{what}: the model output '{model.tensors[out_idx].name}' is never computed")
    for op in model.operators:
        for t in op.inputs:
            if t >= 0 and model.tensors[t].data is None and t not in first:
                raise ModelError(
                    f"{what}: layer {op.index} ({op.op}) reads tensor '{model.tensors[t].name}', which nothing computes"
                )
    sizes = {t: model.tensors[t].nbytes for t in first}
    merges: list[tuple[int, int, int, bool, int]] = []
    const_alias: dict[int, int] = {}
    for op, low in zip(model.operators, lowered, strict=True):
        src = op.inputs[0] if op.inputs else -1
        if op.op in ALIAS_OPS:
            if model.tensors[src].data is not None:
                const_alias[op.outputs[0]] = src  # reshape of a constant: copied from flash
            else:
                merges.append((op.index, src, op.outputs[0], True, 0))
        elif src < 0 or model.tensors[src].data is not None:
            continue
        elif ((low.in_place or (low.kernel and targets.kernel(low.kernel, target).in_place(low.params)))
              and sizes[src] == sizes[op.outputs[0]]):
            merges.append((op.index, src, op.outputs[0], False, 0))
        elif (lead := overlap_lead(low.kernel, low.params)) is not None:
            merges.append((op.index, src, op.outputs[0], False, lead))
    # per-layer working memory of the target's kernels: a pseudo-tensor (negative key) live during its layer only
    scratch: dict[int, int] = {}
    for op, low in zip(model.operators, lowered, strict=True):
        n = targets.kernel(low.kernel, target).scratch(low.params) if low.kernel else 0
        if n:
            key = -1 - op.index
            scratch[op.index] = key
            sizes[key], first[key], last[key] = n, op.index, op.index
    offsets, arena, groups = planner.plan(sizes, first, last, merges)
    return ArenaPlan(offsets, arena, groups, sizes, first, last, const_alias, scratch)


def generate(
    model: Model, data: bytes, what: str, name: str, target: str, arena_kind: str = "static"
) -> tuple[dict[str, str], dict[str, Any]]:
    """Plan (lowering, arena), then emit NAME.c, NAME.h and what NAME.json holds."""
    _validate_model(model, what)
    model = rewrite.dilated_convolutions(model, what)
    lowered = lower_for(model, what, target)
    plan = plan_arena(model, lowered, what, target)
    lowered, plan = upgrade_layouts(model, what, target, lowered, plan)
    return emit(model, lowered, plan, data, what, name, target, arena_kind)


#: how much a target's faster layouts may add to the planned arena (their scratch) and to the weights' flash
ARENA_GROWTH = 0.03
FLASH_GROWTH = 0.08


def _weight_bytes(lowered: list[Lowered]) -> int:
    return sum(c.values.nbytes for low in lowered for c in low.consts if c.is_weight)


def upgrade_layouts(model: Model, what: str, target: str, lowered: list[Lowered],
                    plan: ArenaPlan) -> tuple[list[Lowered], ArenaPlan]:
    """Give layers the faster layout their kernel offers (Kernel.upgrade) where it fits: its scratch in the bytes
    above what is live at the layer with the arena allowed to grow by ARENA_GROWTH, its extra constants within
    FLASH_GROWTH of the weights; layers with the most MACs first, each kept only if the re-planned arena stays
    within bound."""
    limit = int(plan.arena * (1 + ARENA_GROWTH))
    flash_left = int(_weight_bytes(lowered) * FLASH_GROWTH)
    lowering = Lowering(model, what)
    for k in sorted(range(len(lowered)), key=lambda k: -lowered[k].macs):
        low = lowered[k]
        upgrade = targets.kernel(low.kernel, target).upgrade if low.kernel else None
        if upgrade is None:
            continue
        i = model.operators[k].index
        live = [plan.offsets[t] + plan.sizes[t] for t in plan.sizes
                if plan.first[t] <= i <= plan.last[t] and t != -1 - i]
        new = upgrade(lowering.lower(model.operators[k]), limit - max(live, default=0), flash_left)
        if new is None:
            continue
        added = _weight_bytes([new]) - _weight_bytes([low])
        trial = [*lowered[:k], new, *lowered[k + 1:]]
        replanned = plan_arena(model, trial, what, target)
        if replanned.arena <= limit and added <= flash_left:
            lowered, plan, flash_left = trial, replanned, flash_left - max(added, 0)
    return lowered, plan


def emit(model: Model, lowered: list[Lowered], plan: ArenaPlan, data: bytes, what: str, name: str, target: str,
         arena_kind: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The C of a planned model: one function per layer, constants labelled, the arena plan in a comment."""
    offsets, arena, groups, sizes = plan.offsets, plan.arena, plan.groups, plan.sizes
    first, last, const_alias, scratch = plan.first, plan.last, plan.const_alias, plan.scratch
    n_ops = len(model.operators)
    in_idx, out_idx = model.inputs[0], model.outputs[0]

    def tname(t: int) -> str:
        return model.tensors[t].name if t >= 0 else f"scratch of layer {-1 - t}"

    # ---- C ------------------------------------------------------------------------------------------------------
    upper = name.upper()
    kernels: list[str] = []
    for low in lowered:
        if low.kernel:
            f = targets.kernel(low.kernel, target).source
            if f not in kernels:
                kernels.append(f)
    const_defs: list[str] = []
    layer_defs: list[str] = []
    calls: list[str] = []
    ops_json: list[dict[str, Any]] = []
    total_weights = 0
    total_macs = 0

    arena_sym = f"{name}_arena" if arena_kind == "extern" else "arena"

    def tptr(t: int) -> str:
        return f"({arena_sym} + {offsets[t]})"

    for op, low in zip(model.operators, lowered, strict=True):
        out_t = model.tensors[op.outputs[0]]
        fname = f"l{op.index:03d}_{op.op.lower()}"  # short and readable; the TensorFlow name is in its comment
        weight_bytes = sum(c.values.size * _CTYPE_BYTES[c.ctype] for c in low.consts if c.is_weight)
        const_bytes = sum(c.values.size * _CTYPE_BYTES[c.ctype] for c in low.consts)
        total_weights += weight_bytes
        total_macs += low.macs
        live = planner.live_bytes(offsets, sizes, first, last, op.index)
        ins_json = [_tensor_json(model.tensors[t]) for t in op.inputs if t >= 0 and model.tensors[t].data is None]
        ops_json.append(
            {
                "index": op.index,
                "op": op.op,
                "name": out_t.name,
                "function": fname,
                "inputs": ins_json,
                "outputs": [_tensor_json(out_t)],
                "macs": low.macs,
                "weight_bytes": weight_bytes,
                "const_bytes": const_bytes,
                "arena_bytes": live,
                "kernel": targets.kernel(low.kernel, target).source if low.kernel else None,
                **low.info,
            }
        )
        header = (
            f"/* layer {op.index}: {op.op} -> '{_cc(out_t.name)}' {out_t.shape}"
            + (f", {low.macs} MACs" if low.macs else "")
            + " */\n"
        )
        if low.kernel is None:
            if op.outputs[0] in const_alias:
                src = const_alias[op.outputs[0]]
                cname = f"l{op.index:03d}_const"
                const_defs.append(
                    _c_array(Const(cname, "int8_t", model.tensors[src].data.reshape(-1), "reshaped constant", True))
                )
                layer_defs.append(
                    header + f"static void {fname}(void)\n{{\n    memcpy({tptr(op.outputs[0])}, {cname}, "
                    f"sizeof {cname});\n}}\n"
                )
                calls.append(f"    {fname}();")
            else:
                calls.append(f"    /* layer {op.index}: {op.op} '{_cc(out_t.name)}' aliases its input (no code) */")
            continue
        for c in low.consts:
            const_defs.append(_c_array(c))
        fmt: dict[str, str] = {"p": "p", "O0": tptr(op.outputs[0])}
        for k, t in enumerate(op.inputs):
            if t >= 0 and model.tensors[t].data is None:
                fmt[f"I{k}"] = tptr(t)
        for c in low.consts:
            fmt["C_" + c.cname.split("_", 1)[1]] = c.cname
        params = dict(low.params)
        if op.index in scratch:
            ctype = "int32_t" if low.kernel == "add" else "int16_t"
            params["scratch"] = RawC(f"({ctype} *){tptr(scratch[op.index])}")
        # An external arena is a pointer, not an address constant: a scratch pointer into it cannot initialise a
        # static struct, so such a layer builds its parameters on the stack.
        static = not (arena_kind == "extern" and op.index in scratch)
        body = _params_block("p", low.params_type, params, static) + "    " + low.call.format_map(fmt) + "\n"
        layer_defs.append(header + f"static void {fname}(void)\n{{\n{body}}}\n")
        calls.append(f"    {fname}();")

    inp, outp = model.tensors[in_idx], model.tensors[out_idx]
    extern_decl = ""
    arena_def = f"static int8_t arena[{max(arena, 16)}] __attribute__((aligned(16)));"
    if arena_kind == "extern":
        extern_decl = f"""
/* The activation arena is not in {name}.c: point {name}_arena at {upper}_ARENA_SIZE bytes, 16-byte aligned,
 * before calling {name}_invoke. Nothing in it needs to survive between calls, so models that never run at the
 * same time may share it. */
#define {upper}_ARENA_EXTERN 1
extern int8_t *{name}_arena;
"""
        arena_def = "/* provided by the caller through " + name + "_arena (" + name + ".h) */"
    digest = hashlib.sha256(data).hexdigest()
    guard = f"{upper}_H"
    h = f"""/* Generated by tinyperf codegen from {_cc(Path(what).name)} (sha256 {digest[:16]}...). Do not edit. */
#ifndef {guard}
#define {guard}

#include <stdint.h>

#define {upper}_INPUT_SIZE {inp.size}
#define {upper}_OUTPUT_SIZE {outp.size}
#define {upper}_ARENA_SIZE {arena}
#define {upper}_INPUT_SCALE {_float_literal(inp.scale)}
#define {upper}_INPUT_ZERO_POINT {inp.zero_point}
#define {upper}_OUTPUT_SCALE {_float_literal(outp.scale)}
#define {upper}_OUTPUT_ZERO_POINT {outp.zero_point}

/* Runs the model on {upper}_INPUT_SIZE int8 values; writes {upper}_OUTPUT_SIZE int8 values. Returns 0. */
int {name}_invoke(const int8_t *input, int8_t *output);
{extern_decl}
#endif /* {guard} */
"""
    plan_lines = "\n".join(
        f" *   [{g.offset:7d}, {g.offset + g.size:7d}) ops {max(g.start, 0)}..{min(g.end, n_ops - 1)}: "
        + ", ".join(f"'{_cc(tname(t)[:40])}'" for t in g.tensors[:3])
        + (" ..." if len(g.tensors) > 3 else "")
        for g in sorted(groups, key=lambda g: g.offset)
    )
    c = f"""/* Generated by tinyperf codegen from {_cc(Path(what).name)} (sha256 {digest[:16]}...), target {target}.
 * {len(model.operators)} layers, {total_macs} MACs, {total_weights} weight bytes, {arena} arena bytes. Do not edit. */
#include <stdint.h>

#include "{name}.h"
#include "tp_runtime.h"

/* Activation arena: tensors placed by lifetime (first fit; RESHAPE aliases, elementwise ops in place, a
 * convolution's output overlapping its dying input).
{plan_lines}
 */
{arena_def}

/* ---- constants (flash) ---- */
{chr(10).join(const_defs)}
/* ---- layers ---- */
{chr(10).join(layer_defs)}
int {name}_invoke(const int8_t *input, int8_t *output)
{{
    memcpy({tptr(in_idx)}, input, {upper}_INPUT_SIZE);
{chr(10).join(calls)}
    memcpy(output, {tptr(out_idx)}, {upper}_OUTPUT_SIZE);
    return 0;
}}
"""
    meta: dict[str, Any] = {
        "name": name,
        "engine": ENGINE,
        "target": target,
        "source": Path(what).name,
        "source_sha256": digest,
        "input": {"shape": list(inp.shape), "dtype": "int8", "scale": inp.scale, "zero_point": inp.zero_point},
        "output": {"shape": list(outp.shape), "dtype": "int8", "scale": outp.scale, "zero_point": outp.zero_point},
        "arena_bytes": arena,
        "weight_bytes": total_weights,
        "macs": total_macs,
        "kernel_files": sorted(kernels) + list(HEADERS) + list(targets.headers(target)),
        "ops": ops_json,
    }
    if arena_kind != "static":
        meta["arena"] = arena_kind
    files = {f"{name}.h": h, f"{name}.c": c, f"{name}.json": json.dumps(meta, indent=2) + "\n"}
    return files, meta
