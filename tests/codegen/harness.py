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
