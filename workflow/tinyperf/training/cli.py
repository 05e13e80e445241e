"""`tinyperf train TASK --data PREPARED -o OUT`: fit the reference architecture with the reference recipe."""

from __future__ import annotations

import argparse
from typing import Any

from tinyperf import profiles


def register(sub: Any) -> None:
    p = sub.add_parser("train", help="train a task's reference architecture on prepared data")
    p.add_argument("task", choices=profiles.TASKS)
    p.add_argument("--data", help="prepared dataset directory (tinyperf dataset prepare)")
    p.add_argument("--reference", action="store_true",
                   help="instead of training, fetch the official MLPerf Tiny fp32 model (closed division)")
    p.add_argument("--downloads", default="resources/reference",
                   help="with --reference: where the official files are downloaded (default: %(default)s/<task>)")
    p.add_argument("-o", "--out", required=True, help="output directory: float.keras, history.json, train.json")
    p.add_argument("--epochs", type=int, default=None, help="default: the task profile's reference value")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=None)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tinyperf import profiles
    from tinyperf.errors import ConfigError
    from tinyperf.training.train import train

    if args.reference:
        from tinyperf.training.reference import import_reference

        import_reference(args.task, Path(args.downloads) / args.task, args.out, threads=args.threads)
        return 0
    if not args.data:
        raise ConfigError("--data is required to train (or --reference for the official fp32 model)")
    epochs = args.epochs or int(profiles.task(args.task)["training"]["epochs"])
    train(args.task, args.data, args.out, epochs=epochs, seed=args.seed, threads=args.threads)
    return 0
