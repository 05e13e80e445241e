"""Build generated model directories natively and run them; run the same inputs through tflite-micro."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

MAIN_C = r"""
#include <stdio.h>
#include "{name}.h"
/* Reads records of {upper}_INPUT_SIZE bytes from argv[1], writes {upper}_OUTPUT_SIZE bytes each to argv[2]. */
int main(int argc, char **argv)
{{
    static int8_t in[{upper}_INPUT_SIZE], out[{upper}_OUTPUT_SIZE];
    FILE *fi, *fo;
    if (argc != 3) return 2;
    fi = fopen(argv[1], "rb");
    fo = fopen(argv[2], "wb");
    if (!fi || !fo) return 3;
    while (fread(in, 1, sizeof in, fi) == sizeof in) {{
        if ({name}_invoke(in, out) != 0) return 4;
        fwrite(out, 1, sizeof out, fo);
    }}
    fclose(fi);
    fclose(fo);
    return 0;
}}
"""

CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror"]


def build(gen_dir: Path, name: str = "model", exe: Path | None = None) -> Path:
    main = gen_dir.parent / f"{gen_dir.name}_main.c"
    main.write_text(MAIN_C.format(name=name, upper=name.upper()))
    exe = exe or gen_dir.parent / f"{gen_dir.name}.exe"
    sources = sorted(str(p) for p in gen_dir.glob("*.c"))
    subprocess.run(["gcc", *CFLAGS, "-I", str(gen_dir), str(main), *sources, "-o", str(exe)], check=True,
                   capture_output=True, text=True)
    return exe


def run(exe: Path, inputs: np.ndarray, out_size: int) -> np.ndarray:
    fin, fout = exe.with_suffix(".in"), exe.with_suffix(".out")
    inputs.astype(np.int8).tofile(fin)
    subprocess.run([str(exe), str(fin), str(fout)], check=True)
    return np.fromfile(fout, dtype=np.int8).reshape(len(inputs), out_size)


def tflm_outputs(model_path: Path, inputs: np.ndarray) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_file(str(model_path))
    shape = interp.get_input_details(0)["shape"]
    outs = []
    for x in inputs:
        interp.set_input(x.reshape(shape).astype(np.int8), 0)
        interp.invoke()
        outs.append(np.asarray(interp.get_output(0)).reshape(-1).copy())
    return np.stack(outs).astype(np.int8)


def random_inputs(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """Full-range, narrow-range and constant inputs: saturating and non-saturating paths both get exercised."""
    rows = []
    for k in range(n):
        if k % 4 == 3:
            lo, hi = sorted(rng.integers(-128, 128, size=2))
            rows.append(rng.integers(lo, hi + 1, size=size))
        else:
            rows.append(rng.integers(-128, 128, size=size))
    return np.stack(rows).astype(np.int8)


def consistent_shapes(model_path: Path, out_path: Path) -> Path:
    """A copy of the model whose tensor shapes are the ones TFLite computes at allocation, or the model itself.

    With a dynamic batch (Keras' default), the converter stores batch 1 for the tensors between SPACE_TO_BATCH_ND
    and BATCH_TO_SPACE_ND, whose real batch is 1 x the block's area. TFLite resizes them in Prepare; tflite-micro
    trusts the stored shapes, computes only the first of the block's sub-batches and returns stale arena bytes for
    the rest. Patching the stored shapes (same rank, same bytes) lets tflite-micro's own kernels run the graph as
    written, so it stays the oracle for those models.
    """
    import struct

    from ai_edge_litert.interpreter import Interpreter

    from tinyperf.codegen import reader

    interp = Interpreter(model_path=str(model_path))
    interp.allocate_tensors()
    actual = {d["index"]: [int(v) for v in d["shape"]] for d in interp.get_tensor_details()}
    data = bytearray(model_path.read_bytes())
    buf = reader._Buf(bytes(data), str(model_path))
    root = reader._Table(buf, int(buf.unpack("I", 0)))
    changed = False
    for i, t in enumerate(root.tables(2)[0].tables(0)):
        vec = t.vector(0)
        shape = actual.get(i)
        if vec is None or shape is None or len(shape) != vec[1]:
            continue
        if list(struct.unpack_from(f"<{vec[1]}i", data, vec[0])) != shape:
            struct.pack_into(f"<{vec[1]}i", data, vec[0], *shape)
            changed = True
    if not changed:
        return model_path
    out_path.write_bytes(bytes(data))
    return out_path


def tflite_reference_outputs(model_path: Path, inputs: np.ndarray) -> np.ndarray:
    """TFLite's reference kernels (the arithmetic tflite-micro's kernels share) on the model as stored."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interp = Interpreter(model_path=str(model_path), experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    din, dout = interp.get_input_details()[0], interp.get_output_details()[0]
    outs = []
    for x in inputs:
        interp.set_tensor(din["index"], x.reshape(din["shape"]).astype(np.int8))
        interp.invoke()
        outs.append(interp.get_tensor(dout["index"]).reshape(-1).copy())
    return np.stack(outs).astype(np.int8)


def has_space_to_batch(model_path: Path) -> bool:
    from tinyperf.codegen.reader import read_model

    return any(op.op == "SPACE_TO_BATCH_ND" for op in read_model(model_path.read_bytes()).operators)


def oracle_outputs(model_path: Path, inputs: np.ndarray) -> np.ndarray:
    """tflite-micro, except for models with SPACE_TO_BATCH_ND, which it cannot run as stored (consistent_shapes;
    it also pads with an uninitialised value where TFLite pads with the zero point): TFLite's reference kernels."""
    if has_space_to_batch(model_path):
        return tflite_reference_outputs(model_path, inputs)
    return tflm_outputs(model_path, inputs)
