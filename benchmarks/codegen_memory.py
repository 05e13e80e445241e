"""Arena, weight and Cortex-M4 code size of tinyperf's generated code beside TFLM's (tflm_baseline.md).

    python benchmarks/codegen_memory.py [--models DIR] [--json OUT]

Code size: every generated .c compiled with arm-none-eabi-gcc -O2 (TFLM's kernel level) for cortex-m4 and
measured with arm-none-eabi-size; "code" is text minus the constant arrays (weights and requantization
tables), comparable to TFLM's "text excl. model" (which also includes the interpreter that we do not need).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from tinyperf.codegen import compile_model

REPO = Path(__file__).resolve().parents[1]
MODELS = {
    "kws": "kws/kws_ref_model.tflite",
    "vww": "vww/vww_96_int8.tflite",
    "ic01": "ic/pretrainedResnet_quant.tflite",
    "ic02": "ic/pretrainedResnet_large_int8.tflite",
    "ad": "ad/ad01_int8.tflite",
    "sww": "sww/str_ww_ref_model.tflite",
}
#: TFLM reference kernels: (arena_used_bytes, model file bytes, text, text excl. model) from tflm_baseline.md.
TFLM = {
    "kws": (22760, 53936, 96556, 42620),
    "vww": (100648, 333288, 375908, 42620),
    "ic01": (54328, 98496, 145528, 47032),
    "ic02": (132088, 512024, 559056, 47032),
    "ad": (2256, 276976, 298564, 21588),
    "sww": (15252, 74520, 114636, 40116),
}
ARM = ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-std=c99", "-O2",
       "-ffunction-sections", "-fdata-sections", "-ffreestanding", "-Wall", "-Wextra", "-Werror", "-c"]


def arm_size(gen: Path, work: Path) -> tuple[int, int, int]:
    objs = []
    for src in sorted(gen.glob("*.c")):
        obj = work / (src.stem + ".o")
        subprocess.run([*ARM, "-I", str(gen), str(src), "-o", str(obj)], check=True)
        objs.append(str(obj))
    out = subprocess.run(["arm-none-eabi-size", "-t", *objs], capture_output=True, text=True, check=True).stdout
    text, data, bss = (int(v) for v in out.strip().splitlines()[-1].split()[:3])
    return text, data, bss


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=REPO.parent / "shared" / "models")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    rows = []
    hdr = (f"{'model':6} {'arena':>8} {'TFLM arena':>10} {'weights':>8} {'TFLM model':>10} {'text':>8} "
           f"{'TFLM text':>9} {'code':>7} {'TFLM code':>9} {'bss':>7} {'MACs':>10}")
    print(hdr)
    for name, rel in MODELS.items():
        path = args.models / rel
        if not path.exists():
            print(f"{name:6} (absent: {path})")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            gen = Path(tmp) / "gen"
            meta = compile_model(path, gen, name=name, target="cortex-m4")
            text, data, bss = arm_size(gen, Path(tmp))
        consts = sum(op["const_bytes"] for op in meta["ops"])
        code = text - consts
        t_arena, t_model, t_text, t_code = TFLM[name]
        rows.append(dict(model=name, arena_bytes=meta["arena_bytes"], tflm_arena_used_bytes=t_arena,
                         weight_bytes=meta["weight_bytes"], const_bytes=consts, tflm_model_bytes=t_model,
                         text=text, data=data, bss=bss, code_bytes=code, tflm_text=t_text,
                         tflm_text_excl_model=t_code, macs=meta["macs"]))
        print(f"{name:6} {meta['arena_bytes']:8d} {t_arena:10d} {meta['weight_bytes']:8d} {t_model:10d} {text:8d} "
              f"{t_text:9d} {code:7d} {t_code:9d} {bss:7d} {meta['macs']:10d}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
