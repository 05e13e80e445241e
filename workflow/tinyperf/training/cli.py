"""`tinyperf train TASK --data PREPARED -o OUT`: fit the reference architecture with the reference recipe."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("train", help="train a task's reference architecture on prepared data")
    p.add_argument("task", choices=["ad", "kws", "vww", "ic"])
    p.add_argument("--data", required=True, help="prepared dataset directory (tinyperf dataset prepare)")
    p.add_argument("-o", "--out", required=True, help="output directory: float.keras, history.json, train.json")
    p.add_argument("--epochs", type=int, default=None, help="default: the task profile's reference value")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=None)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tinyperf import profiles
    from tinyperf.training.train import train

    epochs = args.epochs or int(profiles.task(args.task)["training"]["epochs"])
    train(args.task, args.data, args.out, epochs=epochs, seed=args.seed, threads=args.threads)
    return 0
