"""`tinyperf codegen --engine tflm`: the model directory a TFLM engine's firmware is built from.

It has the interface of tinyperf's generated model (model.h: sizes, quantization, model_invoke), so the DUT code
and the board layer are the same for every engine: model_data.cc (the .tflite as an aligned const array, in
flash), model_ops.h (the resolver's ops: exactly the builtin ops the model uses), and TFLM's side of model_invoke
(firmware/engines/tflm/tflm_model.cc, built with the library's flags).

The arena is sized by TFLM itself: the smallest arena, to 16 bytes, in which tflite-micro's interpreter (the
Python package, a 64-bit host build of TFLM) allocates the model's tensors. A 32-bit board needs no more (its
pointers, and so TFLM's per-tensor and per-node records, are half the size), so the figure is safe on every board
and exact on host; `tinyperf bench` measures the exact 32-bit minimum on qemu_m4.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tinyperf import REPO_ROOT
from tinyperf.codegen.compiler import _float_literal
from tinyperf.codegen.reader import load_model
from tinyperf.engines import sources as engine_sources
from tinyperf.errors import ModelError
from tinyperf.fsutil import atomic_dir, write_json

GLUE = REPO_ROOT / "firmware" / "engines" / "tflm" / "tflm_model.cc"
ARENA_STEP = 16
#: resolver methods whose name is not the CamelCase of the builtin op's name
_METHODS = {"LOGISTIC": "AddLogistic", "MEAN": "AddMean"}


def resolver_method(op: str) -> str:
    """MicroMutableOpResolver's method for builtin *op* (CONV_2D -> AddConv2D)."""
    if op in _METHODS:
        return _METHODS[op]
    return "Add" + "".join(part.capitalize() if not re.fullmatch(r"\d+D", part) else part for part in op.split("_"))


#: the bisection, in a process of its own: tflite-micro's interpreter can crash (SIGSEGV) on an arena a little too
#: small for the model, instead of failing; each line it prints is "<size> <ok|fail>", "try <size>" before each try
_SEARCH = """
import sys
from tflite_micro.python.tflite_micro import runtime
path, lo, hi, step, verify = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"

def fits(size):
    print("try", size, flush=True)
    try:
        runtime.Interpreter.from_file(path, arena_size=size)
    except RuntimeError:
        print(size, "fail", flush=True)
        return False
    print(size, "ok", flush=True)
    return True

if not verify or fits(hi):
    while hi - lo > step:
        mid = (lo + hi) // 2 // step * step
        if fits(mid):
            hi = mid
        else:
            lo = mid
"""


def min_arena(tflite: Path, hi: int = 8 << 20) -> int:
    """The smallest arena (a multiple of ARENA_STEP) in which tflite-micro's interpreter allocates *tflite*. A
    size on which the interpreter crashes counts as too small; the search then goes on in a new process."""
    lo, fits_hi = 0, False  # invariant: lo does not fit (or is 0), hi fits once fits_hi
    for _ in range(64):
        proc = subprocess.run([sys.executable, "-c", _SEARCH, str(tflite), str(lo), str(hi), str(ARENA_STEP),
                               "0" if fits_hi else "1"], capture_output=True, text=True, timeout=600)
        tried = None
        for line in proc.stdout.split("\n"):
            f = line.split()
            if len(f) == 2 and f[0] == "try":
                tried = int(f[1])
            elif len(f) == 2 and f[1] in ("ok", "fail"):
                tried = None
                if f[1] == "ok":
                    hi, fits_hi = int(f[0]), True
                else:
                    lo = int(f[0])
        if proc.returncode == 0:
            if not fits_hi:
                raise ModelError(f"{tflite}: TFLM cannot allocate this model's tensors even in {hi >> 20} MiB of "
                                 "arena (an op TFLM lacks, or a model too large for a microcontroller)")
            if hi - lo <= ARENA_STEP:
                return hi
            continue
        if tried is None:
            raise ModelError(f"{tflite}: tflite-micro's interpreter failed (exit {proc.returncode}) before trying an "
                             f"arena: {proc.stderr.strip()[-500:]}")
        if tried == hi and not fits_hi:
            raise ModelError(f"{tflite}: tflite-micro's interpreter crashed allocating the model in {hi} bytes")
        lo = tried  # crashed on it: too small
    raise ModelError(f"{tflite}: the arena search of tflite-micro's interpreter did not settle")


def _macs_and_weights(model: Any, what: str) -> tuple[int | None, int]:
    """MACs as tinyperf's compiler counts them (None for a model it cannot lower), and the constant bytes."""
    from tinyperf.codegen.compiler import lower_for

    weights = sum(t.nbytes for t in model.tensors if t.data is not None)
    try:
        return sum(low.macs for low in lower_for(model, what, "portable")), weights
    except ModelError:
        return None, weights


def generate(tflite: str | Path, out_dir: str | Path, engine: str = "tflm") -> dict[str, Any]:
    """Write the TFLM model directory for *tflite* into *out_dir* (atomically); returns model.json's content."""
    if not engine_sources.is_tflm(engine):
        raise ModelError(f"engine {engine!r} is not a TFLM engine")
    path = Path(tflite)
    data, model = load_model(path)
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ModelError(f"{path}: {len(model.inputs)} inputs and {len(model.outputs)} outputs; the DUT runs "
                         "models of one input and one output")
    inp, out = model.tensors[model.inputs[0]], model.tensors[model.outputs[0]]
    for role, t in (("input", inp), ("output", out)):
        if t.dtype != "int8":
            raise ModelError(f"{path}: the {role} is {t.dtype}; the DUT exchanges int8 tensors")
    ops = sorted({o.op for o in model.operators})
    custom = [o.op for o in model.operators if o.custom]
    if custom:
        raise ModelError(f"{path}: custom op {custom[0]!r}: the TFLM engines register builtin ops only")
    arena = min_arena(path)
    macs, weights = _macs_and_weights(model, str(path))
    digest = hashlib.sha256(data).hexdigest()
    header = f"/* Generated by tinyperf codegen --engine {engine} from {path.name} (sha256 {digest[:16]}...). */\n"
    model_h = f"""{header}#ifndef MODEL_H
#define MODEL_H

#include <stddef.h>
#include <stdint.h>

#define MODEL_INPUT_SIZE {inp.size}
#define MODEL_OUTPUT_SIZE {out.size}
#ifndef MODEL_ARENA_SIZE /* the firmware build may size it for the board: see tinyperf.firmware.build */
#define MODEL_ARENA_SIZE {arena}
#endif
#define MODEL_INPUT_SCALE {_float_literal(inp.scale)}
#define MODEL_INPUT_ZERO_POINT {inp.zero_point}
#define MODEL_OUTPUT_SCALE {_float_literal(out.scale)}
#define MODEL_OUTPUT_ZERO_POINT {out.zero_point}

#ifdef __cplusplus
extern "C" {{
#endif
/* Runs the model on MODEL_INPUT_SIZE int8 values; writes MODEL_OUTPUT_SIZE int8 values. 0: done. */
int model_invoke(const int8_t *input, int8_t *output);
/* What TFLM reports of the arena after AllocateTensors (0 before the first inference, or if it failed). */
size_t model_arena_used_bytes(void);
#ifdef __cplusplus
}}
#endif

#endif /* MODEL_H */
"""
    ops_h = (f"{header}#define TP_TFLM_OP_COUNT {len(ops)}\n#define TP_TFLM_OPS(X) "
             + " ".join(f"X({resolver_method(op)})" for op in ops) + "\n")
    rows = [", ".join(f"0x{b:02x}" for b in data[i:i + 16]) for i in range(0, len(data), 16)]
    data_cc = (f"{header}extern \"C\" {{\nalignas(16) extern const unsigned char tp_tflm_model[{len(data)}];\n"
               f"alignas(16) const unsigned char tp_tflm_model[{len(data)}] = {{\n  "
               + ",\n  ".join(rows) + "\n};\n}\n")
    meta = {
        "name": "model", "engine": engine, "target": engine, "source": path.name, "source_sha256": digest,
        "input": {"shape": inp.shape, "dtype": "int8", "scale": inp.scale, "zero_point": inp.zero_point},
        "output": {"shape": out.shape, "dtype": "int8", "scale": out.scale, "zero_point": out.zero_point},
        "arena_bytes": arena, "arena_sized_by": "tflite-micro interpreter (64-bit host), smallest arena to 16 B",
        "model_bytes": len(data), "macs": macs, "weight_bytes": weights, "resolver_ops": ops,
        "layers": len(model.operators),
        "sources": {n: engine_sources.source(n)["commit"] for n in engine_sources.engine(engine)["sources"]},
    }
    with atomic_dir(out_dir) as tmp:
        (tmp / "model.h").write_text(model_h)
        (tmp / "model_ops.h").write_text(ops_h)
        (tmp / "model_data.cc").write_text(data_cc)
        (tmp / "tflm_model.cc").write_text(GLUE.read_text())
        write_json(tmp / "model.json", meta)
    return meta
