"""`tinyperf quantize TASK --model float.keras --data PREPARED -o OUT`: full-int8 TFLite."""

from __future__ import annotations

import argparse
from typing import Any

from tinyperf import profiles


def register(sub: Any) -> None:
    p = sub.add_parser("quantize", help="full-int8 quantization (PTQ, or QAT with tfmot)")
    p.add_argument("task", choices=profiles.TASKS)
    p.add_argument("--model", help="float Keras model (tinyperf train)")
    p.add_argument("--data", help="prepared dataset directory (calibration set)")
    p.add_argument("--import", dest="import_model", metavar="TFLITE",
                   help="bring your own full-int8 .tflite instead: check it and copy it in")
    p.add_argument("--official", action="store_true",
                   help="with --import: the file is the official MLPerf Tiny int8 model (model=reference)")
    p.add_argument("-o", "--out", required=True, help="output directory: int8.tflite, quantize.json")
    p.add_argument("--method", choices=["ptq", "qat"], default="ptq")
    p.add_argument("--calibration-size", type=int, default=None)
    p.add_argument("--qat-epochs", type=int, default=2)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=None)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tinyperf.errors import ConfigError
    from tinyperf.quantize.convert import import_model, quantize

    if args.import_model:
        import_model(args.task, args.import_model, args.out, official=args.official)
        return 0
    if not (args.model and args.data):
        raise ConfigError("--model and --data are required (or --import TFLITE for your own int8 model)")
    quantize(args.task, args.model, args.data, args.out, method=args.method,
             calibration_size=args.calibration_size, qat_epochs=args.qat_epochs, seed=args.seed,
             threads=args.threads)
    return 0
