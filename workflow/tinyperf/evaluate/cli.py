"""`tinyperf evaluate TASK --int8 M.tflite [--float M.keras] --data EVAL_DIR -o OUT.json`."""

from __future__ import annotations

import argparse
from typing import Any

from tinyperf import profiles


def register(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="host accuracy of the float and int8 models on the evaluation files")
    p.add_argument("task", choices=profiles.TASKS)
    p.add_argument("--int8", required=True, help="full-int8 .tflite")
    p.add_argument("--float", dest="float_model", default=None, help="float Keras model (optional)")
    p.add_argument("--data", required=True, help="MLPerf evaluation directory (*.bin + y_labels.csv)")
    p.add_argument("-o", "--out", required=True, help="output JSON")
    p.add_argument("--threads", type=int, default=None)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tinyperf.evaluate.host import evaluate

    evaluate(args.task, args.data, args.int8, args.out, float_model=args.float_model, threads=args.threads)
    return 0
