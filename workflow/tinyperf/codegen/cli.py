"""`tinyperf codegen MODEL.tflite -o DIR [--name NAME] [--target ...]`."""

from __future__ import annotations

import argparse

from tinyperf.codegen.targets import TARGETS


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("codegen", help="compile an int8 .tflite model to standalone C")
    p.add_argument("model", help="full-int8 .tflite file")
    p.add_argument("-o", "--output", required=True, help="directory to (re)create with the generated sources")
    p.add_argument("--name", default="model", help="C prefix of the generated API (default: model)")
    p.add_argument("--target", default="portable", choices=TARGETS, help="kernel variant set")
    p.add_argument("--arena", default="static", choices=["static", "extern"],
                   help="static: the arena inside NAME.c (default); extern: the caller provides it through the "
                   "NAME_arena pointer (models sharing one arena)")
    p.add_argument("--engine", default="tinyperf",
                   help="tinyperf (this compiler, default), or a TFLM engine of config/engines.yaml: the model "
                   "array, its op resolver and TFLM's model_invoke instead of generated C")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if args.engine != "tinyperf":
        from tinyperf.engines.glue import generate

        meta = generate(args.model, args.output, args.engine)
        print(f"{args.output}: {args.engine}, {meta['layers']} layers, ops {', '.join(meta['resolver_ops'])}, "
              f"{meta['arena_bytes']} arena bytes")
        return 0
    from tinyperf.codegen.compiler import compile_model

    meta = compile_model(args.model, args.output, name=args.name, target=args.target, arena=args.arena)
    print(
        f"{args.output}: {len(meta['ops'])} layers, {meta['macs']} MACs, "
        f"{meta['weight_bytes']} weight bytes, {meta['arena_bytes']} arena bytes"
    )
    return 0
