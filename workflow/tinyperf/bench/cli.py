"""`tinyperf bench --board qemu_m4 MODEL.tflite...`: instructions per inference, MACs, arena and flash.

Each model is compiled (`--target`, default cortex-m4), built into the qemu_m4 benchmark app and run under
-icount shift=0. Figures are printed as a table beside TFLM + CMSIS-NN's (shared/reference/tflm_baseline.md)
with ratios; --json writes them with the per-layer breakdown; --layers prints the breakdown too; --check
compares the firmware's outputs on the baseline's five inputs with tflite-micro.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from tinyperf.errors import ConfigError

BOARDS = ("qemu_m4",)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("bench", help="instructions, MACs, arena and flash of generated models vs TFLM")
    p.add_argument("models", nargs="+", type=Path, help="full-int8 .tflite files")
    p.add_argument("--board", default="qemu_m4", help="where to count (only qemu_m4 counts instructions)")
    p.add_argument("--target", default="cortex-m4", help="codegen kernel target (default cortex-m4)")
    p.add_argument("--layers", action="store_true", help="print the per-layer breakdown")
    p.add_argument("--check", action="store_true", help="compare outputs with tflite-micro (bit-exactness)")
    p.add_argument("--json", type=Path, help="write the figures (with the per-layer breakdown) as JSON")
    p.add_argument("--task", help="the model's MLPerf Tiny task (kws, vww, ic, ic2, ad, sww): a model of the task's "
                   "reference architecture is compared with that reference's TFLM figures")
    p.add_argument("--tflm", action="append", default=[], metavar="ENGINE=LIBRARY",
                   help="count a TFLM engine live beside tinyperf: its qemu_m4 library (the folder `tinyperf engine "
                   "library --board qemu_m4` wrote); repeat for each engine. With tflm-cmsis-nn the ratios use the "
                   "live figures instead of shared/reference/tflm_baseline.md's")
    p.set_defaults(func=_run)


def _name(path: Path) -> str:
    from tinyperf.bench.baseline import BY_FILE

    if path.name in BY_FILE:  # the reference files keep their task's name
        return BY_FILE[path.name]
    s = re.sub(r"[^0-9A-Za-z_]+", "_", path.stem).strip("_") or "model"
    return s if not s[0].isdigit() else "m_" + s


def _run(args: argparse.Namespace) -> int:
    from tinyperf.bench import report
    from tinyperf.bench.baseline import BASELINES, match
    from tinyperf.bench.qemu import bench_model
    from tinyperf.fsutil import sha256_file, write_json

    if args.board not in BOARDS:
        raise ConfigError(f"bench --board {args.board}: instruction counts come from {', '.join(BOARDS)} only; "
                          "a Cortex-M4 board runs the same code, so bench it as qemu_m4")
    if args.task is not None and args.task not in BASELINES:
        raise ConfigError(f"bench --task {args.task}: not one of {', '.join(BASELINES)}")
    libraries = _libraries(args.tflm)
    rows = []
    for path in args.models:
        run = bench_model(path, args.task or _name(path), target=args.target)
        exact = check_outputs(path, run.outputs) if args.check else None
        base, matched = match(sha256_file(path), args.task, int(run.meta["macs"]))
        r = report.row(run, base, args.board, exact, matched)
        if libraries:
            from tinyperf.bench.tflm import bench_tflm

            live = {e: bench_tflm(path, e, lib) for e, lib in libraries.items()}
            same = {e: check_outputs(path, t.outputs) if args.check else None for e, t in live.items()}
            report.add_live(r, run, live, base, same)
        rows.append(r)
        if args.layers:
            print(report.layer_table(r) + "\n")
    print(report.table(rows))
    if libraries:
        print("\nTFLM counted live on qemu_m4, beside shared/reference/tflm_baseline.md:")
        print(report.live_table(rows))
    if args.json:
        write_json(args.json, {"board": args.board, "target": args.target, "models": rows})
    return 0


def _libraries(specs: list[str]) -> dict[str, Path]:
    """--tflm ENGINE=LIBRARY options as {engine: library folder}."""
    from tinyperf.engines import sources

    out: dict[str, Path] = {}
    for spec in specs:
        engine, sep, folder = spec.partition("=")
        if not sep or not folder:
            raise ConfigError(f"--tflm {spec!r}: expected ENGINE=LIBRARY, e.g. tflm-cmsis-nn=results/engines/...")
        if not sources.is_tflm(engine):
            raise ConfigError(f"--tflm {spec!r}: {engine!r} is not a TFLM engine of config/engines.yaml")
        out[engine] = Path(folder)
    return out


def check_outputs(path: Path, outputs: list[bytes]) -> bool:
    """The bench app's five outputs against tflite-micro on the same five inputs (the baseline's recipe)."""
    import numpy as np
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_file(str(path))
    det = interp.get_input_details(0)
    size = int(np.prod(det["shape"]))
    for k, shift in enumerate((24, 25, 26, 27, 28)):
        x = np.empty(size, dtype=np.int8)
        s = 12345
        for i in range(size):
            s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
            x[i] = np.int8(np.int32(np.uint32(s).view(np.int32)) >> shift)
        interp.set_input(x.reshape(det["shape"]), 0)
        interp.invoke()
        ref = np.asarray(interp.get_output(0)).astype(np.int8).reshape(-1).tobytes()
        if k >= len(outputs) or outputs[k] != ref:
            return False
    return True
