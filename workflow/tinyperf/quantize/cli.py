"""`tinyperf quantize TASK --model float.keras --data PREPARED -o OUT`: full-int8 TFLite."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("quantize", help="full-int8 quantization (PTQ, or QAT with tfmot)")
    p.add_argument("task", choices=["ad", "kws", "vww", "ic"])
    p.add_argument("--model", required=True, help="float Keras model (tinyperf train)")
    p.add_argument("--data", required=True, help="prepared dataset directory (calibration set)")
    p.add_argument("-o", "--out", required=True, help="output directory: int8.tflite, quantize.json")
    p.add_argument("--method", choices=["ptq", "qat"], default="ptq")
    p.add_argument("--calibration-size", type=int, default=None)
    p.add_argument("--qat-epochs", type=int, default=2)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=None)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tinyperf.quantize.convert import quantize

    quantize(args.task, args.model, args.data, args.out, method=args.method,
             calibration_size=args.calibration_size, qat_epochs=args.qat_epochs, seed=args.seed,
             threads=args.threads)
    return 0
